package evidence

import (
	"math"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"yuqing/internal/analytics"
	"yuqing/internal/hanzi"
)

// QuestionCluster is one question the public asks, in the many ways it is
// asked: a line of a press conference's Q&A.
type QuestionCluster struct {
	Question   string    `json:"question"`           // the most typical wording
	Variants   []string  `json:"variants,omitempty"` // up to 3 other wordings, most typical first
	Count      int       `json:"count"`              // mentions that ask it
	MentionIDs []string  `json:"mention_ids"`        // up to 20, earliest first
	FirstSeen  time.Time `json:"first_seen"`
}

// Limits of Questions.
const (
	maxQuestions    = 30  // clusters returned
	maxQuestionIDs  = 20  // mention IDs per cluster
	questionSimilar = 0.3 // cosine of a question to a cluster's centre that joins it
)

// questionWords make a sentence a question, and are not what it is about.
var questionWords = []string{
	"为什么", "为啥", "为何", "凭什么", "怎么办", "怎么样", "怎么", "怎样", "如何", "何时", "什么时候", "啥时候", "几时",
	"是否", "有没有", "有无", "能不能", "能否", "可不可以", "会不会", "是不是", "要不要", "该不该", "谁来", "谁负责",
	"多少", "哪里", "哪些", "哪个", "难道", "请问", "到底", "究竟",
}

// particles end a question (吗, 呢) or soften it; with questionWords and a
// few function characters they separate the words compared.
const particles = "吗呢么吧啊呀嘛"

// noiseChars carry no content when questions are compared.
const noiseChars = particles + "的了是在我你他她它们这那就都还也和与被把让给对又"

// Questions finds the question-like sentences of mentions (ending in ？ or
// ?, holding 为什么, 怎么, 何时, 是否, 有没有, 能不能, 谁来, 多少 … or
// ending in 吗 or 呢) that ask about something (four Chinese characters or
// more besides the question words, particles and function characters),
// without repost chains, links, @names, emoticons and #话题#.
//
// It clusters them greedily, in publication order, by the content words
// they share: a question's words are the analyser's words of its mention
// (analytics.Mention.Tokens) that the sentence holds, or its character
// pairs when the mention has none, each weighted by how rare it is among
// the questions. A question joins the cluster whose centre is most similar
// to it when the cosine is at least 0.3, else starts one. Each cluster is
// worded by its most typical question. Clusters are ordered by the number
// of mentions asking, then by first seen; at most 30. It is pure.
func Questions(mentions []analytics.Mention) []QuestionCluster {
	ms := append([]analytics.Mention(nil), mentions...)
	sortByTime(ms)
	type q struct {
		text string
		m    int
	}
	var qs []q
	for i, m := range ms {
		seen := map[string]bool{}
		for _, s := range sentences(plain(own(fullText(m)))) {
			s = strings.TrimSpace(s)
			if !seen[s] && isQuestion(hanzi.Fold(s)) {
				seen[s] = true
				qs = append(qs, q{s, i})
			}
		}
	}
	fs := make([][]string, len(qs))
	for i, x := range qs {
		fs[i] = featuresOf(x.text, ms[x.m].Tokens)
	}
	out := []QuestionCluster{}
	for _, c := range cluster(fs, questionSimilar) {
		qc := QuestionCluster{Question: qs[c.rep].text, MentionIDs: []string{}}
		ids := map[string]bool{}
		for _, i := range c.members {
			m := ms[qs[i].m]
			if !ids[m.ID] {
				ids[m.ID] = true
				qc.Count++
				if len(qc.MentionIDs) < maxQuestionIDs {
					qc.MentionIDs = append(qc.MentionIDs, m.ID)
				}
			}
		}
		qc.FirstSeen = ms[qs[c.members[0]].m].PublishedAt
		for _, i := range c.byTypical {
			if t := qs[i].text; t != qc.Question && !slices.Contains(qc.Variants, t) && len(qc.Variants) < 3 {
				qc.Variants = append(qc.Variants, t)
			}
		}
		out = append(out, qc)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].FirstSeen.Before(out[j].FirstSeen)
	})
	return out[:min(len(out), maxQuestions)]
}

// isQuestion reports whether a folded sentence asks something.
func isQuestion(s string) bool {
	if strings.Contains(s, "转发微博") {
		return false
	}
	asks := strings.ContainsRune(s, '?')
	for _, w := range questionWords {
		asks = asks || strings.Contains(s, w)
	}
	end := []rune(strings.TrimRightFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }))
	if len(end) > 0 && strings.ContainsRune("吗呢", end[len(end)-1]) {
		asks = true
	}
	return asks && hanCount(bare(s)) >= 4
}

// bare is a folded question without its question words,
// particles and function characters, which are replaced by spaces.
func bare(s string) string {
	for _, w := range questionWords {
		s = strings.ReplaceAll(s, w, " ")
	}
	return strings.Map(func(r rune) rune {
		if strings.ContainsRune(noiseChars, r) || !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			return ' '
		}
		return r
	}, s)
}

// featuresOf is what clustering compares of a piece s of a mention: the
// mention's words (analytics.Mention.Tokens, as the analyser cut them) of
// two characters or more that s holds, but question words; or, when that
// leaves none, the character pairs of s (pairs).
func featuresOf(s string, tokens []string) []string {
	f := hanzi.Fold(s)
	var out []string
	for _, t := range tokens {
		if utf8.RuneCountInString(t) >= 2 && strings.Contains(f, t) && !slices.Contains(questionWords, t) &&
			strings.Trim(t, noiseChars) != "" && !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	if len(out) == 0 {
		return pairs(bare(f))
	}
	return out
}

// pairs are the character pairs of each run of Chinese characters (a
// lone character stands for itself) and the words of other letters and
// digits.
func pairs(s string) []string {
	var out []string
	seen := map[string]bool{}
	addF := func(f string) {
		if !seen[f] {
			seen[f] = true
			out = append(out, f)
		}
	}
	for _, run := range strings.Fields(s) {
		var han []rune
		flush := func() {
			for i := 0; i+1 < len(han); i++ {
				addF(string(han[i : i+2]))
			}
			if len(han) == 1 {
				addF(string(han))
			}
			han = han[:0]
		}
		var other strings.Builder
		for _, r := range run {
			if unicode.Is(unicode.Han, r) {
				if other.Len() > 0 {
					addF(other.String())
					other.Reset()
				}
				han = append(han, r)
				continue
			}
			flush()
			other.WriteRune(r)
		}
		flush()
		if other.Len() > 0 {
			addF(other.String())
		}
	}
	return out
}

// clusterOf is one cluster of cluster: its members in input order, the
// most typical member (closest to the centre; the earliest among equals)
// and every member from the most typical down.
type clusterOf struct {
	members   []int
	rep       int
	byTypical []int
}

// cluster groups items, given by their distinct features, greedily in
// input order: each joins the cluster whose centre (the sum of its
// members' unit vectors) has the highest cosine with it, if at least
// threshold, else starts a cluster. A feature weighs log(1 + n/df): the
// rarer among the items, the more. Items without features are left out.
// Clusters come in the order they were started.
func cluster(fs [][]string, threshold float64) []clusterOf {
	df := map[string]int{}
	for _, f := range fs {
		for _, x := range f {
			df[x]++
		}
	}
	n := float64(len(fs))
	vecs := make([]map[string]float64, len(fs))
	for i, f := range fs {
		v := make(map[string]float64, len(f))
		norm := 0.0
		for _, x := range f {
			w := math.Log(1 + n/float64(df[x]))
			v[x] = w
			norm += w * w
		}
		norm = math.Sqrt(norm)
		for x := range v {
			v[x] /= norm
		}
		vecs[i] = v
	}
	type centre struct {
		sum   map[string]float64
		norm2 float64
	}
	var cs []centre
	var out []clusterOf
	index := map[string][]int{} // feature → clusters whose centre has it
	for i, v := range vecs {
		if len(v) == 0 {
			continue
		}
		dots := map[int]float64{}
		var cands []int
		for _, f := range fs[i] { // in a fixed order: the same sums every run
			for _, c := range index[f] {
				if _, ok := dots[c]; !ok {
					cands = append(cands, c)
				}
				dots[c] += v[f] * cs[c].sum[f]
			}
		}
		slices.Sort(cands)
		best, bestCos := -1, 0.0
		for _, c := range cands {
			if cos := dots[c] / math.Sqrt(cs[c].norm2); cos >= threshold && (best < 0 || cos > bestCos) {
				best, bestCos = c, cos
			}
		}
		if best < 0 {
			best = len(cs)
			cs = append(cs, centre{sum: map[string]float64{}})
			out = append(out, clusterOf{})
		}
		c := &cs[best]
		for _, f := range fs[i] {
			w, old := v[f], c.sum[f]
			if old == 0 {
				index[f] = append(index[f], best)
			}
			c.sum[f] = old + w
			c.norm2 += (old+w)*(old+w) - old*old
		}
		out[best].members = append(out[best].members, i)
	}
	for k := range out {
		c := cs[k]
		typ := map[int]float64{}
		for _, i := range out[k].members {
			d := 0.0
			for _, f := range fs[i] {
				d += vecs[i][f] * c.sum[f]
			}
			typ[i] = d
		}
		by := append([]int(nil), out[k].members...)
		sort.SliceStable(by, func(a, b int) bool { return typ[by[a]] > typ[by[b]]+1e-12 })
		out[k].byTypical = by
		out[k].rep = by[0]
	}
	return out
}
