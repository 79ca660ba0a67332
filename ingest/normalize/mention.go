package normalize

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"regexp"
	"strings"
	"time"

	"yuqing/internal/mention"
)

// maxID is the longest ID mention.Validate accepts.
const maxID = 256

// ID returns the mention ID for a platform's native id: platform + ":" +
// native, with the platform lower-cased and both trimmed. A native id that
// already carries the platform prefix is not prefixed twice.
//
//   - weibo: a base62 status id ("Nabc1XyZ9") becomes the numeric mid, so
//     the two ids Weibo shows for one post give one ID;
//   - a native id that is a URL becomes its canonical form (URL), or
//     "h" + the first 32 hex digits of its SHA-256 if the ID would be longer
//     than 256 bytes.
//
// An empty native id gives "" so that validation reports it missing.
func ID(platform, native string) string {
	platform = strings.ToLower(strings.TrimSpace(platform))
	native = strings.TrimSpace(native)
	if platform != "" && len(native) > len(platform) && strings.EqualFold(native[:len(platform)+1], platform+":") {
		native = strings.TrimSpace(native[len(platform)+1:])
	}
	if native == "" {
		return ""
	}
	if strings.Contains(native, "://") {
		if c, err := URL(native); err == nil {
			native = c
		}
		if len(platform)+1+len(native) > maxID {
			sum := sha256.Sum256([]byte(native))
			native = "h" + hex.EncodeToString(sum[:16])
		}
	} else if platform == "weibo" {
		if mid, ok := weiboMID(native); ok {
			native = mid
		}
	}
	if platform == "" {
		return native
	}
	return platform + ":" + native
}

// htmlish spots text that carries markup or entities and needs HTMLToText.
var htmlish = regexp.MustCompile(`(?i)</?(?:p|br|div|span|a|img|b|i|em|strong|li|ul|ol|h[1-6]|table|tr|td|section|article|font|blockquote|pre|script|style|iframe|html|body)(?:\s[^<>]*)?/?>|&(?:[a-z]{2,8}|#[0-9]{1,7}|#x[0-9a-f]{1,6});`)

// rawTimeFields are the fields of a source payload that may hold the
// publication time when the connector did not set PublishedAt.
var rawTimeFields = []string{"published_at", "created_at", "pubtime", "pub_time", "publish_time", "time", "date", "ctime", "timestamp"}

// Mention applies this package to a mention in place, then mention.Normalize:
//
//   - Text and Title: HTMLToText if they hold markup or entities, then Text;
//     Author.Name and Region: Text on one line;
//   - ID, ParentID, RootID: ID (a ParentID or RootID with another platform's
//     prefix is left alone);
//   - URL: its canonical form; a URL that does not parse is only trimmed
//     (mention.Validate will refuse it);
//   - PublishedAt: if zero, the first of rawTimeFields in Raw (string or
//     Unix number) that parses, read in loc (China time if nil), a relative
//     time ("5分钟前") against now; then UTC.
func Mention(m *mention.Mention, loc *time.Location, now time.Time) {
	m.Platform = strings.ToLower(strings.TrimSpace(m.Platform))
	m.ID = ID(m.Platform, m.ID)
	m.ParentID = relID(m.Platform, m.ParentID)
	m.RootID = relID(m.Platform, m.RootID)
	m.Text = cleanText(m.Text)
	m.Title = cleanText(m.Title)
	m.Author.Name = oneLine(Text(m.Author.Name))
	m.Author.ID = strings.TrimSpace(m.Author.ID)
	m.Region = oneLine(Text(m.Region))
	if m.URL != "" {
		if c, err := URL(m.URL); err == nil {
			m.URL = c
		} else {
			m.URL = strings.TrimSpace(m.URL)
		}
	}
	if m.PublishedAt.IsZero() && len(m.Raw) > 0 {
		m.PublishedAt = rawTime(m.Raw, loc, now)
	}
	m.Normalize()
}

func relID(platform, id string) string {
	id = strings.TrimSpace(id)
	if id == "" {
		return ""
	}
	if i := strings.Index(id, ":"); i >= 0 && !strings.EqualFold(id[:i], platform) && !strings.Contains(id, "://") {
		return id // another platform's id
	}
	return ID(platform, id)
}

func cleanText(s string) string {
	if htmlish.MatchString(s) {
		s = HTMLToText(s)
	}
	return Text(s)
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

func rawTime(raw json.RawMessage, loc *time.Location, now time.Time) time.Time {
	var fields map[string]json.RawMessage
	if json.Unmarshal(raw, &fields) != nil {
		return time.Time{}
	}
	for _, k := range rawTimeFields {
		v, ok := fields[k]
		if !ok {
			continue
		}
		var s string
		if json.Unmarshal(v, &s) != nil {
			var n json.Number
			if json.Unmarshal(v, &n) != nil {
				continue
			}
			s = n.String()
		}
		if t, err := TimeAt(s, nil, loc, now); err == nil {
			return t
		}
	}
	return time.Time{}
}
