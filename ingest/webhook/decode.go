package webhook

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"yuqing/internal/hanzi"
	"yuqing/internal/mention"
)

// Defaults fill what a pushed mention leaves out.
type Defaults struct {
	Platform string // a missing platform (unless the id carries one: "weibo:123")
	Source   string // a missing Mention.Source
}

// DecodeBody splits a webhook body into valid mentions and rejected items.
// The body is one JSON mention, a JSON array of them, or JSON Lines: one
// mention per line, which jsonLines declares (from the Content-Type) and
// which is also recognised when the body holds several JSON objects, one a
// line (the first line a whole object). A rejected item has its 0-based index (for JSON Lines: its line
// number minus one; blank lines count), the reason and its raw JSON.
//
// "time" is accepted for published_at, as by mention.Decode. A missing
// platform is taken from an id's prefix when that is a known platform,
// else from d. Each mention is normalised and validated.
//
// err is non-nil only when the body is empty or not a JSON array it claims
// to be: then nothing of it could be read.
func DecodeBody(body []byte, jsonLines bool, d Defaults, now time.Time) (good []mention.Mention, bad []mention.Rejected, err error) {
	body = bytes.TrimSpace(bytes.TrimPrefix(body, []byte("\uFEFF")))
	if len(body) == 0 {
		return nil, nil, errors.New("请求体为空 / empty body: want one JSON mention, an array of them, or JSON Lines")
	}
	type item struct {
		index int
		raw   []byte
	}
	var items []item
	lines := false
	switch {
	case !jsonLines && body[0] == '[':
		var arr []json.RawMessage
		if err := json.Unmarshal(body, &arr); err != nil {
			return nil, nil, fmt.Errorf("body is not a JSON array of mentions: %w", err)
		}
		for i, raw := range arr {
			items = append(items, item{i, raw})
		}
	case jsonLines || looksLikeLines(body):
		lines = true
		for i, line := range bytes.Split(body, []byte{'\n'}) {
			if line = bytes.TrimSpace(line); len(line) > 0 {
				items = append(items, item{i, line})
			}
		}
	default:
		items = []item{{0, body}}
	}
	for _, it := range items {
		m, err := decodeItem(it.raw, d, now)
		if err != nil {
			reason := err.Error()
			if lines {
				reason = fmt.Sprintf("line %d: %s", it.index+1, reason)
			}
			bad = append(bad, mention.Rejected{Index: it.index, Reason: reason, Raw: hanzi.ClipBytes(string(it.raw), MaxRawBytes)})
			continue
		}
		good = append(good, m)
	}
	return good, bad, nil
}

// looksLikeLines: several JSON objects, one a line. A single object spread
// over lines (pretty-printed) is not; neither is one whose first line is
// not a whole object (then the body is one broken item).
func looksLikeLines(body []byte) bool {
	i := bytes.IndexByte(body, '\n')
	if body[0] != '{' || i < 0 || json.Valid(body) {
		return false
	}
	return json.Valid(bytes.TrimSpace(body[:i]))
}

// decodeItem unmarshals, completes, normalises and validates one mention.
func decodeItem(raw []byte, d Defaults, now time.Time) (mention.Mention, error) {
	if len(raw) > MaxItemBytes {
		return mention.Mention{}, fmt.Errorf("mention is %d bytes, more than %d", len(raw), MaxItemBytes)
	}
	m, err := mention.Unmarshal(raw)
	if err != nil {
		return m, err
	}
	if strings.TrimSpace(m.Platform) == "" {
		m.Platform = d.Platform
		if p, _, ok := strings.Cut(strings.TrimSpace(m.ID), ":"); ok && slices.Contains(mention.Platforms, strings.ToLower(p)) {
			m.Platform = p
		}
	}
	if strings.TrimSpace(m.Source) == "" {
		m.Source = d.Source
	}
	m.Normalize()
	if err := m.Validate(now); err != nil {
		return mention.Mention{}, err
	}
	return m, nil
}
