package policy

import (
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"yuqing/analyze/segment"
	"yuqing/internal/hanzi"
)

// profile is what the draft is about, as history search and the
// monitoring scheme need it.
type profile struct {
	folded   string          // folded title and text
	names    map[string]bool // administrative place names and their short forms, folded
	anchors  []string        // terms that tie a post to this draft's place and unit
	keywords []string        // distinctive words of the draft (said twice or more), most important first
}

// Limits of the profile.
const (
	maxKeywords  = 10
	minSalience  = 0.8 // a keyword must tell stories apart at least this well
	keywordsSeen = 40  // keywords considered before filtering
)

// boilerplate is the vocabulary of official documents themselves, which
// says nothing about what a draft changes.
var boilerplate = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`通知 方案 办法 意见 细则 规定 决定 征求意见 征求意见稿 适用于 适用 本通知 本方案 本办法 本规定
		有关 事项 实施 施行 负责 解释 附件 具体 根据 结合 实际 如下 制定 执行 相关 单位 部门 工作 印发 公布 发布 试行 暂行
		各区 我市 本市 全市 进一步 统筹 落实 加强 推进 健全 完善 规范 原则 条件 办理 登记 申请 公办 民办 自然人`) {
		m[w] = true
	}
	return m
}()

var articleWord = regexp.MustCompile(`^第.+条$`)

// pointing starts words that point at the document itself or count
// (本方案 cut as 本方, 各区), not name what it is about.
const pointing = "本各该此其每另"

func newProfile(seg *segment.Segmenter, d Draft) profile {
	all := d.Title + "\n" + d.Text
	tokens, ents := seg.TokensEntities(all)
	p := profile{folded: hanzi.Fold(all), names: map[string]bool{}}
	addAnchor := func(w string) {
		if w = hanzi.Fold(strings.TrimSpace(w)); utf8.RuneCountInString(w) >= 2 && !slices.Contains(p.anchors, w) {
			p.anchors = append(p.anchors, w)
		}
	}
	var places []string
	for _, e := range ents {
		if e.Kind == segment.KindPlace {
			places = append(places, hanzi.Fold(e.Text))
		}
	}
	places = append(places, tokens...) // 鼓楼区 is a word of the dictionary, not always an entity
	for _, name := range places {
		r, size := utf8.DecodeLastRuneInString(name)
		if !strings.ContainsRune("省市区县州镇乡", r) || utf8.RuneCountInString(name) < 3 || !allHan(name) || p.names[name] {
			continue
		}
		short := name[:len(name)-size]
		p.names[name], p.names[short] = true, true
		addAnchor(name)
		if strings.ContainsRune("省市县州", r) { // 临江市 is also 临江; 新城区 is not 新城
			addAnchor(short)
		}
	}
	if d.Unit != "" {
		addAnchor(d.Unit)
	}
	freq := map[string]int{}
	for _, t := range tokens {
		freq[t]++
	}
	for _, w := range seg.Keywords(tokens, keywordsSeen) {
		if len(p.keywords) == maxKeywords {
			break
		}
		if freq[w] < 2 || boilerplate[w] || articleWord.MatchString(w) || p.names[w] || seg.Salience(w) < minSalience ||
			strings.ContainsRune(pointing, []rune(w)[0]) {
			continue
		}
		p.keywords = append(p.keywords, w)
	}
	return p
}

// isName reports whether w is one of the draft's place names or a part of
// one (鼓楼 of 鼓楼区).
func (p profile) isName(w string) bool {
	if p.names[w] {
		return true
	}
	for n := range p.names {
		if strings.Contains(n, w) && utf8.RuneCountInString(w) >= 2 {
			return true
		}
	}
	return false
}

func allHan(s string) bool {
	for _, r := range s {
		if !unicode.Is(unicode.Han, r) {
			return false
		}
	}
	return true
}
