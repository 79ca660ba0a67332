// Package mention defines a Mention: one post, article, comment or hotline
// record about something the agency watches, normalised across platforms.
package mention

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"
)

// Platforms yuqing knows. A mention on any other platform is rejected.
var Platforms = []string{"weibo", "wechat", "forum", "news", "hotline", "web", "douyin", "video", "messageboard", "other"}

// Limits that keep one bad record from hurting everyone else: a mention
// within them makes an analysed event (text, title, tokens, raw) well under
// a Kafka broker's default message.max.bytes (1 MB).
const (
	MaxTextBytes = 256 << 10 // text and title together
	MaxRawBytes  = 64 << 10  // the source's payload kept for audit
	maxIDBytes   = 256
)

// Author is who wrote a mention.
type Author struct {
	ID        string `json:"id,omitempty"`
	Name      string `json:"name,omitempty"`
	Followers int64  `json:"followers,omitempty"`
	Verified  bool   `json:"verified,omitempty"`
}

// Metrics are engagement counts as last seen at the source.
type Metrics struct {
	Reposts  int64 `json:"reposts,omitempty"`
	Comments int64 `json:"comments,omitempty"`
	Likes    int64 `json:"likes,omitempty"`
	Views    int64 `json:"views,omitempty"`
}

// Mention is the normalised form every connector produces.
//
// ID is platform + ":" + the platform's native id ("weibo:4851234"), so the
// same post read twice, from any connector, has one ID.
type Mention struct {
	ID          string          `json:"id"`
	Platform    string          `json:"platform"`
	Source      string          `json:"source,omitempty"` // the connector or account it came through
	URL         string          `json:"url,omitempty"`
	Author      Author          `json:"author,omitzero"`
	Title       string          `json:"title,omitempty"`
	Text        string          `json:"text"`
	PublishedAt time.Time       `json:"published_at"`
	Metrics     Metrics         `json:"metrics,omitzero"`
	ParentID    string          `json:"parent_id,omitempty"` // the post this reposts or replies to
	RootID      string          `json:"root_id,omitempty"`   // the original post of a repost chain
	Region      string          `json:"region,omitempty"`
	Lang        string          `json:"lang,omitempty"`
	Drill       bool            `json:"drill,omitempty"` // synthetic data from a drill, never real
	Raw         json.RawMessage `json:"raw,omitempty"`   // the source's payload, kept for audit
}

// Normalize fills what can be derived and trims what is loose: a native ID
// gets its platform prefix, times become UTC, text is trimmed.
func (m *Mention) Normalize() {
	m.Platform = strings.ToLower(strings.TrimSpace(m.Platform))
	m.ID = strings.TrimSpace(m.ID)
	if m.ID != "" && m.Platform != "" && !strings.HasPrefix(m.ID, m.Platform+":") {
		m.ID = m.Platform + ":" + m.ID
	}
	m.ParentID = prefixed(m.Platform, m.ParentID)
	m.RootID = prefixed(m.Platform, m.RootID)
	m.Text = strings.TrimSpace(m.Text)
	m.Title = strings.TrimSpace(m.Title)
	m.PublishedAt = m.PublishedAt.UTC()
	if m.Lang == "" {
		m.Lang = "zh"
	}
}

func prefixed(platform, id string) string {
	id = strings.TrimSpace(id)
	if id == "" || platform == "" || strings.Contains(id, ":") {
		return id
	}
	return platform + ":" + id
}

// NativeID is the platform's own id, without the platform prefix.
func (m Mention) NativeID() string {
	return strings.TrimPrefix(m.ID, m.Platform+":")
}

// Validate reports everything wrong with the mention, as one error. now
// bounds published_at: a mention more than a day in the future is refused.
func (m Mention) Validate(now time.Time) error {
	var errs []error
	if !knownPlatform(m.Platform) {
		errs = append(errs, fmt.Errorf("platform %q is not one of %s", m.Platform, strings.Join(Platforms, ", ")))
	}
	switch {
	case m.ID == "" || m.ID == m.Platform+":":
		errs = append(errs, errors.New("id is missing"))
	case len(m.ID) > maxIDBytes:
		errs = append(errs, fmt.Errorf("id is %d bytes, more than %d", len(m.ID), maxIDBytes))
	case !strings.HasPrefix(m.ID, m.Platform+":"):
		errs = append(errs, fmt.Errorf("id %q does not start with its platform %q", m.ID, m.Platform+":"))
	}
	for _, f := range []struct{ name, id string }{{"id", m.ID}, {"parent_id", m.ParentID}, {"root_id", m.RootID}, {"author.id", m.Author.ID}} {
		if err := checkID(f.name, f.id); err != nil {
			errs = append(errs, err)
		}
	}
	if m.Text == "" && m.Title == "" {
		errs = append(errs, errors.New("text and title are both empty"))
	}
	if len(m.Text)+len(m.Title) > MaxTextBytes {
		errs = append(errs, fmt.Errorf("text is %d bytes, more than %d", len(m.Text)+len(m.Title), MaxTextBytes))
	}
	if !utf8.ValidString(m.Text) || !utf8.ValidString(m.Title) {
		errs = append(errs, errors.New("text is not valid UTF-8"))
	}
	if m.PublishedAt.IsZero() {
		errs = append(errs, errors.New("published_at is missing"))
	} else if m.PublishedAt.After(now.Add(24 * time.Hour)) {
		errs = append(errs, fmt.Errorf("published_at %s is more than a day in the future", m.PublishedAt.Format(time.RFC3339)))
	}
	if m.URL != "" {
		u, err := url.Parse(m.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("url %q is not an absolute http(s) URL", m.URL))
		}
	}
	if m.Metrics.Reposts < 0 || m.Metrics.Comments < 0 || m.Metrics.Likes < 0 || m.Metrics.Views < 0 || m.Author.Followers < 0 {
		errs = append(errs, errors.New("metrics and followers must not be negative"))
	}
	if len(m.Raw) > 0 && !json.Valid(m.Raw) {
		errs = append(errs, errors.New("raw is not valid JSON"))
	}
	if len(m.Raw) > MaxRawBytes {
		errs = append(errs, fmt.Errorf("raw is %d bytes, more than %d: keep the source's payload smaller", len(m.Raw), MaxRawBytes))
	}
	if len(errs) > 0 {
		return fmt.Errorf("invalid mention %q: %w", m.ID, errors.Join(errs...))
	}
	return nil
}

// checkID refuses an id that is not valid UTF-8 or holds a control
// character (C0, DEL or C1): such an id cannot be shown, keyed or compared
// reliably.
func checkID(name, id string) error {
	if !utf8.ValidString(id) {
		return fmt.Errorf("%s %q is not valid UTF-8", name, id)
	}
	for i, r := range id {
		if r < 0x20 || (r >= 0x7f && r <= 0x9f) {
			return fmt.Errorf("%s %q has a control character U+%04X at byte %d", name, id, r, i)
		}
	}
	return nil
}

func knownPlatform(p string) bool {
	for _, q := range Platforms {
		if p == q {
			return true
		}
	}
	return false
}

// Parse decodes one mention or a JSON array of mentions, normalises each and
// validates it. It returns the mentions that are valid and, for each invalid
// one, its raw JSON and the reason, so nothing is silently lost.
func Parse(body []byte, now time.Time) (good []Mention, bad []Rejected, err error) {
	good, _, bad, err = ParseItems(body, now)
	return good, bad, err
}

// ParseItems is Parse that also returns, for each valid mention good[i],
// its 0-based index in the body as sent: at[i]. Every item of the body is
// either in good (at its index) or in bad (with its Index).
func ParseItems(body []byte, now time.Time) (good []Mention, at []int, bad []Rejected, err error) {
	body = []byte(strings.TrimSpace(string(body)))
	if len(body) == 0 {
		return nil, nil, nil, errors.New("empty body: want one JSON mention or an array of them")
	}
	var items []json.RawMessage
	if body[0] == '[' {
		if err := json.Unmarshal(body, &items); err != nil {
			return nil, nil, nil, fmt.Errorf("body is not a JSON array of mentions: %w", err)
		}
	} else {
		items = []json.RawMessage{body}
	}
	for i, raw := range items {
		m, err := Decode(raw, now)
		if err != nil {
			bad = append(bad, Rejected{Index: i, Reason: err.Error(), Raw: string(raw)})
			continue
		}
		good = append(good, m)
		at = append(at, i)
	}
	return good, at, bad, nil
}

// Unmarshal reads one JSON mention object without normalising or
// validating it. "time" is accepted for published_at: the offline analysis
// format uses it. A mention that is not valid UTF-8 is refused: encoding/json
// would silently put U+FFFD in place of the bad bytes.
func Unmarshal(raw []byte) (Mention, error) {
	if t := bytes.TrimSpace(raw); len(t) == 0 || t[0] != '{' {
		return Mention{}, errors.New("not a JSON mention: want an object")
	}
	if !utf8.Valid(raw) {
		return Mention{}, fmt.Errorf("text is not valid UTF-8: invalid byte at offset %d of the mention", invalidUTF8At(raw))
	}
	var aux struct {
		Mention
		Time time.Time `json:"time"`
	}
	if err := json.Unmarshal(raw, &aux); err != nil {
		return Mention{}, fmt.Errorf("not a JSON mention: %w", err)
	}
	m := aux.Mention
	if m.PublishedAt.IsZero() {
		m.PublishedAt = aux.Time
	}
	return m, nil
}

// invalidUTF8At is the offset of the first byte of b that is not valid UTF-8.
func invalidUTF8At(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return len(b)
}

// Decode unmarshals, normalises and validates one mention.
func Decode(raw []byte, now time.Time) (Mention, error) {
	m, err := Unmarshal(raw)
	if err != nil {
		return Mention{}, err
	}
	m.Normalize()
	if err := m.Validate(now); err != nil {
		return Mention{}, err
	}
	return m, nil
}

// Rejected is a payload that did not make a valid mention: the dead letter.
type Rejected struct {
	Index  int    `json:"index"` // position in the batch it came in
	Source string `json:"source,omitempty"`
	Reason string `json:"reason"`
	Raw    string `json:"raw"`
}
