package analyze

import (
	"strings"
	"unicode/utf8"
	"yuqing/internal/hanzi"
)

// headlineRunes is the longest headline shown; longer ones are cut at a
// clause boundary or with an ellipsis.
const headlineRunes = 40

// headline returns the sentence of a post that best names its story, and
// how good a title it makes (0 none, 1 short, 2 a sentence, 3 a 【title】):
// the 【…】 title when the post has one, else its first sentence of some
// length, without @names, links, emoticon codes, hashtags' marks and
// repost chains (//@…).
func headline(text string) (string, int) {
	text = strings.TrimSpace(text)
	if i := strings.Index(text, "//@"); i >= 0 {
		text = text[:i] // what follows is the chain being reposted
	}
	if i := strings.Index(text, "【"); i >= 0 {
		if j := strings.Index(text[i:], "】"); j > 0 {
			if h := tidy(text[i+len("【") : i+j]); utf8.RuneCountInString(h) >= 4 {
				return clipRunes(h, headlineRunes), 3
			}
		}
	}
	t := tidy(text)
	best, q := "", 0
	for _, s := range sentences(t) {
		n := utf8.RuneCountInString(s)
		switch {
		case n >= 8:
			return clipRunes(s, headlineRunes), 2
		case n >= 4 && q == 0:
			best, q = s, 1
		}
	}
	return best, q
}

// tidy drops links, @names, emoticon codes and the # of hashtags, and
// squeezes spaces and the separators left at the ends.
func tidy(s string) string {
	return strings.TrimSpace(strings.Trim(hanzi.Plain(s, false), "：:，,"))
}

// sentences splits text after each sentence end, keeping the mark.
func sentences(t string) []string { return hanzi.Sentences(t) }

// clipRunes cuts s to at most n runes, at the last clause mark (，、：) in
// its second half if there is one, else with an ellipsis.
func clipRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	rs := []rune(s)[:n]
	for i := n - 1; i >= n/2; i-- {
		if strings.ContainsRune("，,、：:", rs[i]) {
			return string(rs[:i])
		}
	}
	return string(rs[:n-1]) + "…"
}
