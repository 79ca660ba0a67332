package privacy

import (
	"strings"
	"unicode"
)

// scanner holds one text while the detectors run over it.
type scanner struct {
	r    []rune
	skip [][2]int // URL spans: no number, plate or address inside them
}

func (s *scanner) inSkip(start, end int) bool {
	for _, sp := range s.skip {
		if start < sp[1] && sp[0] < end {
			return true
		}
	}
	return false
}

func (s *scanner) at(i int) rune {
	if i < 0 || i >= len(s.r) {
		return 0
	}
	return s.r[i]
}

func isDigit(c rune) bool { return c >= '0' && c <= '9' || c >= '０' && c <= '９' }

func digitValue(c rune) int {
	if c >= '０' && c <= '９' {
		return int(c - '０')
	}
	return int(c - '0')
}

func isASCIILetter(c rune) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// isLetter is an ASCII or full-width Latin letter.
func isLetter(c rune) bool {
	return isASCIILetter(c) || c >= 'ａ' && c <= 'ｚ' || c >= 'Ａ' && c <= 'Ｚ'
}

func isAlnum(c rune) bool { return isDigit(c) || isLetter(c) }

func isHan(c rune) bool { return c >= 0x3400 && unicode.Is(unicode.Han, c) }

func isSpace(c rune) bool { return c == ' ' || c == '\u00a0' || c == '\u3000' || c == '\t' }

// isSep joins digit groups of one number: 138 1234 5678, 0571-8888 8888.
func isSep(c rune) bool {
	return isSpace(c) || c == '-' || c == '－' || c == '‐' || c == '—' || c == '–'
}

func hasPrefixAt(r []rune, i int, p string) bool {
	for _, c := range p {
		if i >= len(r) || r[i] != c {
			return false
		}
		i++
	}
	return true
}

func hasSuffixAt(r []rune, end int, p string) bool {
	n := len([]rune(p))
	return end-n >= 0 && hasPrefixAt(r, end-n, p)
}

// urlSpans finds URLs: ASCII words with a scheme, a www. prefix, or a
// domain followed by a path. Digits inside them are not personal data.
func urlSpans(r []rune) [][2]int {
	var out [][2]int
	for i := 0; i < len(r); {
		if !urlRune(r[i]) {
			i++
			continue
		}
		j := i
		for j < len(r) && urlRune(r[j]) {
			j++
		}
		w := strings.ToLower(string(r[i:j]))
		if strings.Contains(w, "://") || strings.HasPrefix(w, "www.") || domainPath(w) {
			out = append(out, [2]int{i, j})
		}
		i = j
	}
	return out
}

func urlRune(c rune) bool {
	return c > ' ' && c < 0x7f && !strings.ContainsRune("\"'<>()[]{}`", c)
}

// domainPath reports a word like gov.cn/art/2026/12/3 or example.com:8080.
func domainPath(w string) bool {
	host, _, ok := strings.Cut(w, "/")
	if !ok {
		return false
	}
	host, _, _ = strings.Cut(host, ":")
	labels := strings.Split(host, ".")
	if len(labels) < 2 {
		return false
	}
	tld := labels[len(labels)-1]
	if len(tld) < 2 {
		return false
	}
	for _, c := range tld {
		if c < 'a' || c > 'z' {
			return false
		}
	}
	return true
}

// emails finds local@domain.tld.
func (s *scanner) emails() []Finding {
	r := s.r
	var out []Finding
	for at, c := range r {
		if c != '@' {
			continue
		}
		ls := at
		for ls > 0 && localRune(r[ls-1]) {
			ls--
		}
		// a@b.cn@c.cn is no address: an @ may not touch another one's
		// parts; nor is what is left after a mask (0700***0000+@x.cn)
		if c := s.at(ls - 1); c == '@' || c == '*' || c == '＊' {
			continue
		}
		for ls < at && !isASCIILetter(r[ls]) && !isDigit(r[ls]) {
			ls++
		}
		if ls == at {
			continue
		}
		de := at + 1
		for de < len(r) && (isASCIILetter(r[de]) || r[de] >= '0' && r[de] <= '9' || r[de] == '-' || r[de] == '.') {
			de++
		}
		if s.at(de) == '@' {
			continue
		}
		for de > at+1 && (r[de-1] == '.' || r[de-1] == '-') {
			de--
		}
		labels := strings.Split(string(r[at+1:de]), ".")
		if len(labels) < 2 || emptyLabel(labels) {
			continue
		}
		tld := labels[len(labels)-1]
		if len(tld) < 2 || strings.IndexFunc(tld, func(c rune) bool { return !isASCIILetter(c) }) >= 0 {
			continue
		}
		out = append(out, Finding{Kind: KindEmail, Start: ls, End: de})
	}
	return out
}

// emptyLabel reports an empty label (a..b).
func emptyLabel(labels []string) bool {
	for _, l := range labels {
		if l == "" {
			return true
		}
	}
	return false
}

func localRune(c rune) bool {
	return isASCIILetter(c) || c >= '0' && c <= '9' || strings.ContainsRune("._%+-", c)
}
