package evidence

import (
	"bufio"
	_ "embed"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"yuqing/analyze/segment"
	"yuqing/internal/analytics"
	"yuqing/internal/hanzi"
)

//go:embed officials.txt
var officialsTxt string

// officialRule is one line of officials.txt.
type officialRule struct {
	word   string // folded
	prefix bool   // 平安*: the name starts with word
	suffix bool   // *发布: the name ends with word
	kind   string // 媒体 or 政务
}

var officialRules = mustOfficials(officialsTxt)

func mustOfficials(txt string) []officialRule {
	rules, err := parseOfficials(txt)
	if err != nil {
		panic(err)
	}
	return rules
}

// parseOfficials reads the list: one word per line, optionally starting or
// ending with *, under a [媒体] or [政务] heading.
func parseOfficials(txt string) ([]officialRule, error) {
	var rules []officialRule
	kind := ""
	sc := bufio.NewScanner(strings.NewReader(txt))
	for line := 1; sc.Scan(); line++ {
		w := sc.Text()
		if i := strings.IndexByte(w, '#'); i >= 0 {
			w = w[:i]
		}
		w = strings.TrimSpace(w)
		switch {
		case w == "":
			continue
		case strings.HasPrefix(w, "[") && strings.HasSuffix(w, "]"):
			kind = strings.Trim(w, "[]")
			continue
		case kind == "":
			return nil, fmt.Errorf("officials.txt:%d: %q comes before any [媒体] or [政务] heading", line, w)
		}
		r := officialRule{kind: kind}
		r.suffix = strings.HasPrefix(w, "*")
		r.prefix = strings.HasSuffix(w, "*")
		r.word = hanzi.Fold(strings.Trim(w, "*"))
		if r.word == "" || r.prefix && r.suffix {
			return nil, fmt.Errorf("officials.txt:%d: %q is not a word, *word or word*", line, w)
		}
		rules = append(rules, r)
	}
	return rules, sc.Err()
}

// official reports whether an author name is an official media outlet or a
// government account, which kind (媒体 or 政务) and why, in Chinese.
func official(author string) (kind, why string, ok bool) {
	a := hanzi.Fold(strings.TrimSpace(author))
	if a == "" {
		return "", "", false
	}
	for _, r := range officialRules {
		switch {
		case r.suffix && strings.HasSuffix(a, r.word) && a != r.word:
			return r.kind, fmt.Sprintf("%s账号：名称以“%s”结尾", r.kind, r.word), true
		case r.prefix && strings.HasPrefix(a, r.word) && a != r.word:
			return r.kind, fmt.Sprintf("%s账号：名称以“%s”开头", r.kind, r.word), true
		case !r.prefix && !r.suffix && strings.Contains(a, r.word):
			return r.kind, fmt.Sprintf("%s账号：名单中的“%s”", r.kind, r.word), true
		}
	}
	return "", "", false
}

// folded is a text folded for matching (hanzi.Fold maps rune for rune)
// that gives back the original of any part of it.
type folded struct {
	text string
	orig []rune
}

func fold(s string) folded { return folded{text: hanzi.Fold(s), orig: []rune(s)} }

// original is the original text of the folded bytes [i, j).
func (f folded) original(i, j int) string {
	a := utf8.RuneCountInString(f.text[:i])
	return string(f.orig[a : a+utf8.RuneCountInString(f.text[i:j])])
}

// timeWordStart begins a run the segmenter may take for a place name
// (现在小区里: 现在小区) but that names no place.
var timeWordStart = []string{"现在", "刚才", "刚刚", "目前", "今天", "昨天", "明天", "已经", "还是", "一直"}

// named is false for a place or organisation entity that begins with a
// time word.
func named(e segment.Entity) bool {
	if e.Kind != segment.KindPlace && e.Kind != segment.KindOrg {
		return true
	}
	for _, w := range timeWordStart {
		if strings.HasPrefix(e.Text, w) {
			return false
		}
	}
	return true
}

// own is what the author wrote: the text before a repost chain (//@…).
func own(text string) string {
	if i := strings.Index(text, "//@"); i >= 0 {
		return text[:i]
	}
	return text
}

// maxTextRunes is how much of a mention is read: a long article's title
// and first paragraphs say what it claims and asks.
const maxTextRunes = 2000

// fullText is a mention's title and text, as one text, cut to maxTextRunes.
func fullText(m analytics.Mention) string {
	t := m.Text
	if m.Title != "" && !strings.Contains(m.Text, m.Title) {
		t = m.Title + "。" + m.Text
	}
	if len(t) > maxTextRunes && utf8.RuneCountInString(t) > maxTextRunes {
		t = string([]rune(t)[:maxTextRunes])
	}
	return t
}

// plain drops links, @names, emoticon codes ([怒]) and #话题# from s and
// squeezes white space; it does not fold.
func plain(s string) string { return hanzi.Plain(s, true) }

// compact folds s and keeps its letters and digits only: the form in which
// one text is looked for inside another, whatever the punctuation.
func compact(s string) []rune {
	out := make([]rune, 0, len(s)/3)
	for _, r := range hanzi.Fold(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			out = append(out, r)
		}
	}
	return out
}

// sentences splits text after each sentence end, keeping the mark.
func sentences(t string) []string { return hanzi.Sentences(t) }

// hanCount is the number of Chinese characters in s.
func hanCount(s string) int {
	n := 0
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			n++
		}
	}
	return n
}

// headlineOf is a readable title for a post: its 【title】, else its first
// sentence of eight characters or more, cut to 40; "" when it has neither.
// It follows the analyser's headline rule (unexported there) in a simpler form.
func headlineOf(text string) string {
	text = own(text)
	if i := strings.Index(text, "【"); i >= 0 {
		if j := strings.Index(text[i:], "】"); j > 0 {
			if h := strings.TrimSpace(plain(text[i+len("【") : i+j])); utf8.RuneCountInString(h) >= 4 {
				return hanzi.Clip(h, 40)
			}
		}
	}
	for _, s := range sentences(plain(text)) {
		if utf8.RuneCountInString(s) >= 8 {
			return hanzi.Clip(strings.Trim(s, "：:，,"), 40)
		}
	}
	return ""
}
