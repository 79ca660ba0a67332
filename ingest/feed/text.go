package feed

import (
	"errors"
	"html"
	"strings"
	"time"
	"unicode/utf8"
)

// HTMLToText turns an item's HTML into plain text: tags stripped, entities
// decoded, line breaks kept for <br> and block elements, script and style
// dropped, and an image whose alt is an emoji code ("[哈哈]", as Weibo and
// WeChat write them) kept as that code.
func HTMLToText(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		if s[i] != '<' {
			j := strings.IndexByte(s[i:], '<')
			if j < 0 {
				j = len(s) - i
			}
			b.WriteString(html.UnescapeString(s[i : i+j]))
			i += j
			continue
		}
		rest := s[i:]
		switch {
		case strings.HasPrefix(rest, "<!--"):
			end := strings.Index(rest[4:], "-->")
			if end < 0 {
				i = len(s)
			} else {
				i += 4 + end + 3
			}
			continue
		case strings.HasPrefix(rest, "<![CDATA["):
			end := strings.Index(rest[9:], "]]>")
			if end < 0 {
				b.WriteString(rest[9:])
				i = len(s)
			} else {
				b.WriteString(rest[9 : 9+end])
				i += 9 + end + 3
			}
			continue
		}
		if len(rest) < 2 || !isTagStart(rest[1]) {
			b.WriteByte('<') // a lone "<" in text
			i++
			continue
		}
		end := tagEnd(rest)
		if end < 0 {
			break // an unterminated tag: drop the rest
		}
		tag := rest[1:end]
		name, closing := tagName(tag)
		i += end + 1
		switch name {
		case "br", "p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "section",
			"article", "ul", "ol", "table", "hr", "pre", "figure", "figcaption", "header", "footer", "dd", "dt":
			b.WriteByte('\n')
		case "td", "th":
			b.WriteByte(' ')
		case "img":
			if alt := attr(tag, "alt"); isEmojiCode(alt) {
				b.WriteString(alt)
			}
		case "script", "style", "noscript", "template", "head", "iframe", "svg":
			if !closing && !strings.HasSuffix(tag, "/") {
				i += skipTo(s[i:], name)
			}
		}
	}
	return tidy(b.String())
}

func isTagStart(c byte) bool {
	return c == '/' || c == '!' || c == '?' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// tagEnd is the index of the '>' closing the tag at s[0], quotes respected.
func tagEnd(s string) int {
	var quote byte
	for i := 1; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '>':
			return i
		}
	}
	return -1
}

func tagName(tag string) (name string, closing bool) {
	if strings.HasPrefix(tag, "/") {
		closing, tag = true, tag[1:]
	}
	end := strings.IndexAny(tag, " \t\r\n/>")
	if end < 0 {
		end = len(tag)
	}
	return strings.ToLower(tag[:end]), closing
}

// skipTo returns how far past s the closing tag </name> ends (all of s if
// there is none). It compares case-insensitively without copying s.
func skipTo(s, name string) int {
	for i := 0; ; {
		j := strings.Index(s[i:], "</")
		if j < 0 {
			return len(s)
		}
		j += i
		if end := j + 2 + len(name); end <= len(s) && strings.EqualFold(s[j+2:end], name) {
			k := strings.IndexByte(s[end:], '>')
			if k < 0 {
				return len(s)
			}
			return end + k + 1
		}
		i = j + 2
	}
}

// attr is the decoded value of a tag's attribute, "" if absent.
func attr(tag, name string) string {
	s := tag
	for {
		i := strings.IndexAny(s, " \t\r\n")
		if i < 0 {
			return ""
		}
		s = strings.TrimLeft(s[i:], " \t\r\n")
		eq := strings.IndexAny(s, "= \t\r\n>")
		if eq < 0 {
			return ""
		}
		key := strings.ToLower(s[:eq])
		s = strings.TrimLeft(s[eq:], " \t\r\n")
		if !strings.HasPrefix(s, "=") {
			continue
		}
		s = strings.TrimLeft(s[1:], " \t\r\n")
		var val string
		if len(s) > 0 && (s[0] == '"' || s[0] == '\'') {
			q := s[0]
			end := strings.IndexByte(s[1:], q)
			if end < 0 {
				return ""
			}
			val, s = s[1:1+end], s[2+end:]
		} else {
			end := strings.IndexAny(s, " \t\r\n>")
			if end < 0 {
				end = len(s)
			}
			val, s = s[:end], s[end:]
		}
		if key == name {
			return html.UnescapeString(val)
		}
	}
}

// isEmojiCode reports whether alt is a bracketed code such as [doge] or [哈哈].
func isEmojiCode(alt string) bool {
	n := utf8.RuneCountInString(alt)
	return n >= 3 && n <= 12 && strings.HasPrefix(alt, "[") && strings.HasSuffix(alt, "]") && !strings.ContainsAny(alt[1:len(alt)-1], "[]<>")
}

// tidy collapses runs of blanks, trims lines and drops empty ones.
func tidy(s string) string {
	s = strings.NewReplacer("\u00a0", " ", "\u3000", " ", "\r\n", "\n", "\r", "\n", "\u200b", "").Replace(s)
	lines := strings.Split(s, "\n")
	out := lines[:0]
	for _, l := range lines {
		l = strings.Join(strings.Fields(l), " ")
		if l != "" {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// layouts are the date forms seen in Chinese feeds, most common first.
var layouts = []string{
	time.RFC1123Z,                     // Mon, 02 Jan 2006 15:04:05 -0700 (RSSHub)
	time.RFC1123,                      // Mon, 02 Jan 2006 15:04:05 MST
	time.RFC3339Nano,                  // Atom, JSON Feed
	"Mon, 2 Jan 2006 15:04:05 -0700",  // single-digit day
	"Mon, 2 Jan 2006 15:04:05 MST",    //
	"Mon, 2 Jan 2006 15:04:05 Z07:00", // +08:00 in an RFC 822 date
	"Mon, 2 Jan 2006 15:04 -0700",     //
	"Mon, 2 Jan 2006 15:04 MST",       //
	"Mon, 2 Jan 2006 15:04:05",        // no zone
	"2 Jan 2006 15:04:05 -0700",       // no weekday
	"2 Jan 2006 15:04:05 MST",         //
	"2 Jan 2006 15:04 -0700",          //
	time.RubyDate,                     // Mon Jan 02 15:04:05 -0700 2006 (Weibo's API)
	"2006-01-02T15:04:05Z0700",        //
	"2006-01-02T15:04:05",             // no zone
	"2006-01-02T15:04",                // no zone
	"2006-01-02 15:04:05Z07:00",       //
	"2006-01-02 15:04:05 -0700",       //
	"2006-01-02 15:04:05 MST",         //
	"2006-01-02 15:04:05",             // forums: no zone
	"2006-01-02 15:04",                //
	"2006/01/02 15:04:05",             //
	"2006/01/02 15:04",                //
	"2006年1月2日 15:04:05",              //
	"2006年1月2日 15:04",                 //
	"2006年1月2日",                       //
	"2006-01-02",                      //
	"2006/01/02",                      //
}

// ParseTime reads a feed's date. A time without a zone is in loc (a zone
// abbreviation loc uses, such as CST for Asia/Shanghai, takes loc's offset).
// The result is UTC.
func ParseTime(s string, loc *time.Location) (time.Time, error) {
	s = strings.Join(strings.Fields(s), " ")
	if s == "" {
		return time.Time{}, errors.New("no date")
	}
	for _, l := range layouts {
		if t, err := time.ParseInLocation(l, s, loc); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, errors.New("date " + quote(s) + " is in no known format")
}

func quote(s string) string {
	if len(s) > 64 {
		s = s[:64] + "…"
	}
	return `"` + strings.ToValidUTF8(s, "?") + `"`
}
