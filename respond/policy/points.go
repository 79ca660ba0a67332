package policy

import (
	"regexp"
	"strings"

	"yuqing/internal/hanzi"
)

// Point is one thing the plain-language interpretation (政策解读) must
// tell the public, with the draft's sentences that answer it.
type Point struct {
	Name      string     `json:"name"` // 改什么, 对谁, 何时起, 为什么, 过渡安排
	Ask       string     `json:"ask"`  // what the interpretation must say
	Status    string     `json:"status"`
	Missing   bool       `json:"missing"`
	Sentences []Sentence `json:"sentences,omitempty"` // at most 3
	Advice    string     `json:"advice,omitempty"`    // for the drafter, when missing
}

// Point statuses.
const (
	StatusCovered = "已覆盖"
	StatusMissing = "缺失"
)

// Names of the interpretation points.
const (
	PointWhat       = "改什么"
	PointWho        = "对谁"
	PointWhen       = "何时起"
	PointWhy        = "为什么"
	PointTransition = "过渡安排"
)

type pointRule struct {
	name, ask, advice string
	terms             []string
	re                *regexp.Regexp
}

var pointRules = []pointRule{
	{name: PointWhat, ask: "政策改了什么：新旧规定的具体变化",
		advice: "草案未见明确的变化条款，解读须逐条说明新旧规定有何不同",
		terms:  []string{"调整为", "调整", "改为", "变更", "修订", "取消", "新增", "不再", "实行", "重新划定", "标准"}},
	{name: PointWho, ask: "对谁有影响：适用对象和范围",
		advice: "草案未写明适用对象和范围，解读须说清哪些人、哪些地方适用",
		terms:  []string{"适用于", "适用", "对象", "范围内", "申请人", "居民", "户籍", "家长", "学生", "车主", "职工", "企业"}},
	{name: PointWhen, ask: "何时起执行：施行日期和时间节点",
		advice: "草案未写明施行日期，解读须说明何时起执行、关键时间节点",
		terms:  []string{"起施行", "起执行", "起实施", "起实行", "施行", "生效", "有效期"},
		re:     regexp.MustCompile(`自.{0,20}起`)},
	{name: PointWhy, ask: "为什么要出台：目的和依据",
		advice: "草案未说明出台目的和依据，解读须讲清为什么改、依据什么",
		terms:  []string{"为进一步", "为了", "旨在", "目的", "根据", "依据"},
		re:     regexp.MustCompile(`^(?:第.{1,4}条\s*)?为.{1,40}[,，]`)},
	{name: PointTransition, ask: "过渡安排：已办理、已在读、已签约的怎么办",
		advice: "草案未见过渡安排（过渡期、已办理或已享受的如何衔接），这是群众最关心的问题之一，解读须补充说明",
		terms:  []string{"过渡期", "过渡", "原已", "已办理", "已取得", "已签订", "已购", "已入学", "在读", "继续有效", "继续执行", "继续享受", "按原", "原有", "新老", "衔接"}},
}

// findPoints fills each interpretation point with the draft sentences that
// answer it (the first three), or marks it missing.
func findPoints(ss []Sentence) []Point {
	out := make([]Point, 0, len(pointRules))
	for _, r := range pointRules {
		p := Point{Name: r.name, Ask: r.ask}
		terms := clean(r.terms)
		for _, s := range ss {
			f := hanzi.Fold(strings.TrimSpace(s.Text))
			if len(p.Sentences) < 3 && (len(matchTerms(f, terms)) > 0 || r.re != nil && r.re.MatchString(f)) {
				p.Sentences = append(p.Sentences, s)
			}
		}
		if p.Missing = len(p.Sentences) == 0; p.Missing {
			p.Status, p.Advice = StatusMissing, r.advice
		} else {
			p.Status = StatusCovered
		}
		out = append(out, p)
	}
	return out
}
