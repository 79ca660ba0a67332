// Package normalize holds the clean-up every connector applies to what it
// fetched before it becomes a mention: HTML to text, text folding, canonical
// URLs, platform IDs and the many ways sources write a time.
//
// Everything here is pure and deterministic (Time takes its "now" from
// TimeAt's argument or the clock), never panics on any input, and returns
// valid UTF-8.
package normalize

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"yuqing/internal/hanzi"
)

// Text cleans a piece of plain text for storage and matching:
//
//   - invalid UTF-8 becomes U+FFFD;
//   - full-width letters, digits and the ASCII symbols that carry meaning in
//     URLs, hashtags, @names, numbers and emoji codes (＃＄％＆＊＋－．／＜＝＞
//     ＠［＼］＾＿｀｛｜｝～＂＇) become half-width, as does the ideographic space;
//     Chinese sentence punctuation (，！？：；（）) stays full-width, except that
//     ： and ， between two digits ("10：30", "1，000") become ASCII;
//   - Traditional characters become Simplified (hanzi.Simplify);
//   - \r\n, \r, U+0085, U+2028 and U+2029 become \n; tabs and other spaces
//     become a plain space; runs of spaces collapse to one; lines are trimmed
//     and more than one empty line in a row collapses to one;
//   - zero-width and direction-control characters are removed (a zero-width
//     joiner between two emoji is kept: it is part of the emoji), as are other
//     control characters;
//   - emoji codes like [哈哈] and real emoji are kept as they are.
func Text(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	rs := []rune(s)
	out := make([]rune, 0, len(rs))
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch {
		case r == '\r':
			if i+1 < len(rs) && rs[i+1] == '\n' {
				i++
			}
			r = '\n'
		case r == 0x85 || r == 0x2028 || r == 0x2029:
			r = '\n'
		case r == '\n':
		case r == 0x200D: // zero-width joiner: keep inside an emoji sequence
			if i > 0 && i+1 < len(rs) && isEmojiPart(rs[i-1]) && isEmojiPart(rs[i+1]) {
				break
			}
			continue
		case isInvisible(r):
			continue
		case r == '\t' || r == 0x3000 || (r != '\n' && unicode.IsSpace(r)):
			r = ' '
		case r < 0x20 || (r >= 0x7F && r < 0xA0):
			continue
		case r == '：' || r == '，':
			if i > 0 && i+1 < len(rs) && isDigit(rs[i-1]) && isDigit(rs[i+1]) {
				r = hanzi.Width(r)
			}
		case r >= 0xFF01 && r <= 0xFF5E:
			if keepFullWidth(r) {
				break
			}
			r = hanzi.Width(r)
		}
		out = append(out, r)
	}
	return tidyLines(hanzi.Simplify(string(out)))
}

func isDigit(r rune) bool { return (r >= '0' && r <= '9') || (r >= '０' && r <= '９') }

// keepFullWidth reports the full-width forms that are ordinary Chinese
// sentence punctuation, left as they are.
func keepFullWidth(r rune) bool {
	switch r {
	case '，', '！', '？', '：', '；', '（', '）':
		return true
	}
	return false
}

// isInvisible reports zero-width, format and direction-control characters
// that change nothing a reader sees but break matching (and can be used to
// hide words from keyword filters).
func isInvisible(r rune) bool {
	switch r {
	case 0x00AD, 0x034F, 0x061C, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x180E,
		0x200B, 0x200C, 0x200E, 0x200F, 0x2060, 0x2061, 0x2062, 0x2063, 0x2064,
		0x3164, 0xFEFF, 0xFFA0:
		return true
	}
	return (r >= 0x202A && r <= 0x202E) || (r >= 0x2066 && r <= 0x206F)
}

// isEmojiPart reports runes that take part in emoji ZWJ sequences.
func isEmojiPart(r rune) bool {
	return (r >= 0x1F000 && r <= 0x1FAFF) || (r >= 0x2600 && r <= 0x27BF) || r == 0xFE0F || r == 0x2640 || r == 0x2642 || (r >= 0x2190 && r <= 0x21FF) || (r >= 0x2B00 && r <= 0x2BFF)
}

// tidyLines collapses runs of spaces, trims every line and keeps at most one
// empty line in a row; the result has no leading or trailing white space.
func tidyLines(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	empty := 0 // empty lines pending
	started := false
	for line := range strings.SplitSeq(s, "\n") {
		line = collapseSpaces(line)
		if line == "" {
			empty++
			continue
		}
		if started {
			b.WriteByte('\n')
			if empty > 0 {
				b.WriteByte('\n')
			}
		}
		b.WriteString(line)
		started = true
		empty = 0
	}
	return b.String()
}

func collapseSpaces(s string) string {
	s = strings.Trim(s, " ")
	if !strings.Contains(s, "  ") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	sp := false
	for i := 0; i < len(s); i++ {
		if s[i] == ' ' {
			if sp {
				continue
			}
			sp = true
		} else {
			sp = false
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
