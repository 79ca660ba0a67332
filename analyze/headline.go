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
	i := strings.Index(text, "//@")
	if i < 0 {
		return sentenceHeadline(text)
	}
	// What follows //@ is the chain being reposted. A repost's own words
	// name the story when they are a sentence; a bare 转发微博 or 扩散 does
	// not, and the post it reposts (the last in the chain) does.
	h, q := sentenceHeadline(text[:i])
	if q >= 2 {
		return h, q
	}
	orig := text[strings.LastIndex(text, "//@")+len("//@"):]
	if j := strings.IndexAny(orig, ":："); j >= 0 {
		if oh, oq := sentenceHeadline(orig[j+1:]); oq > q {
			return oh, oq
		}
	}
	return h, q
}

// sentenceHeadline is headline of a text without a repost chain.
func sentenceHeadline(text string) (string, int) {
	if i := strings.Index(text, "【"); i >= 0 {
		if j := strings.Index(text[i:], "】"); j > 0 {
			h := tidy(text[i+len("【") : i+j])
			switch {
			case genericTitle(h):
				// 【情况通报】 names a kind of post, not its story: the
				// text after it does.
				text = text[:i] + text[i+j+len("】"):]
			case utf8.RuneCountInString(h) >= 4:
				return hanzi.ClipClause(h, headlineRunes), 3
			}
		}
	}
	t := tidy(text)
	best, q := "", 0
	for _, s := range sentences(t) {
		n := utf8.RuneCountInString(s)
		switch {
		case n >= 8:
			return hanzi.ClipClause(s, headlineRunes), 2
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

// genericTitle: a short 【title】 that names the kind of post (情况通报,
// 警情通报, 最新消息, 紧急提醒), which every story of that kind has.
func genericTitle(h string) bool {
	if utf8.RuneCountInString(h) > 6 {
		return false
	}
	for _, end := range genericTitleEnds {
		if strings.HasSuffix(h, end) {
			return true
		}
	}
	return false
}

var genericTitleEnds = []string{"通报", "公告", "声明", "说明", "提醒", "提示", "快讯", "速报", "消息", "最新", "关注", "突发", "转发", "扩散", "求助", "求证", "辟谣", "回应"}
