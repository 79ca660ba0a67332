package policy

import (
	"fmt"
	"strings"
	"yuqing/internal/hanzi"
)

// Level is an assessed risk level.
type Level string

// Levels.
const (
	High   Level = "高"
	Medium Level = "中"
	Low    Level = "低"
)

// Reason is one piece of evidence behind a level: a sentence in Chinese
// naming the trigger or past topic, and the points it adds.
type Reason struct {
	Points   int    `json:"points"`
	Kind     string `json:"kind"` // 领域, 条款, 缺失, 历史, 说明
	Text     string `json:"text"`
	Sentence int    `json:"sentence,omitempty"`
	TopicID  string `json:"topic_id,omitempty"`
}

// Reason kinds.
const (
	KindSubject = "领域"
	KindCue     = "条款"
	KindMissing = "缺失"
	KindHistory = "历史"
	KindNote    = "说明"
)

// Scoring, as documented in the package comment.
const (
	subjectCap  = 6
	historyCap  = 4
	bigRise     = 30 // percent: a rise at least this large adds a point
	highAtLeast = 8
	midAtLeast  = 4
)

// rate scores an assessment and gives its level and the evidence, every
// point accounted for by a reason. It never returns a level without at
// least one reason.
func rate(a *Assessment) (Level, int, []Reason) {
	var rs []Reason
	score := 0
	add := func(r Reason) {
		score += r.Points
		rs = append(rs, r)
	}
	left := subjectCap
	for _, h := range a.Subjects {
		pts := min(h.Weight, left)
		left -= pts
		t := mainTrigger(h.Triggers)
		text := fmt.Sprintf("涉及热点领域“%s”（敏感权重%d，受影响群体：%s）：%s触发（%s）", h.Name, h.Weight,
			strings.Join(h.Groups, "、"), cite(t), strings.Join(t.Terms, "、"))
		if n := len(h.Triggers); n > 1 {
			text += fmt.Sprintf("，共%d句涉及", n)
		}
		if pts < h.Weight {
			text += fmt.Sprintf("；领域分已达上限%d分", subjectCap)
		}
		add(Reason{Points: pts, Kind: KindSubject, Text: text + "。", Sentence: t.Sentence})
	}
	var tightens []string
	for _, c := range a.Cues {
		t := mainTrigger(c.Triggers)
		pts := c.Weight
		text := fmt.Sprintf("含“%s”条款：%s（%s）", c.Name, cite(t), strings.Join(t.Terms, "、"))
		if c.ID == CueCost && c.MaxRise >= bigRise {
			pts++
			text += fmt.Sprintf("，最大涨幅%s%%", num(c.MaxRise))
		}
		if n := len(c.Triggers); n > 1 {
			text += fmt.Sprintf("，共%d句", n)
		}
		add(Reason{Points: pts, Kind: KindCue, Text: text + "。", Sentence: t.Sentence})
		if c.ID == CueCost || c.ID == CueNarrowing {
			tightens = append(tightens, c.Name)
		}
	}
	if len(tightens) > 0 && pointMissing(a.Points, PointTransition) {
		add(Reason{Points: 1, Kind: KindMissing, Text: fmt.Sprintf("草案含“%s”条款，但未见过渡安排（过渡期、已办理的如何衔接）。", strings.Join(tightens, "”“"))})
	}
	rateHistory(a, add)
	if score == 0 && len(a.Subjects) == 0 && len(a.Cues) == 0 {
		rs = append([]Reason{{Kind: KindNote, Text: "草案未触及词表中的热点领域，也未见费用上升、资格收紧、禁止性规定等风险条款。"}}, rs...)
	}
	level := Low
	switch {
	case score >= highAtLeast:
		level = High
	case score >= midAtLeast:
		level = Medium
	}
	return level, score, rs
}

// rateHistory adds the points of the most telling similar past topic
// (negative share and grade), and notes the others and what was not
// searched.
func rateHistory(a *Assessment, add func(Reason)) {
	if !a.History.Searched {
		add(Reason{Kind: KindNote, Text: "未接入分析库，研判未参考历史舆情，等级可能偏低。"})
		return
	}
	if len(a.History.Topics) == 0 {
		add(Reason{Kind: KindNote, Text: "分析库中未检索到相似的历史舆情。"})
		return
	}
	best := -1
	bestPts := 0
	for i, t := range a.History.Topics {
		if p := historyPoints(t); p > bestPts {
			best, bestPts = i, p
		}
	}
	for i, t := range a.History.Topics {
		pts := 0
		if i == best {
			pts = min(bestPts, historyCap)
		}
		text := fmt.Sprintf("相似历史舆情“%s”（%s起，共%d条，每小时峰值%d条，相似度%.2f）负面占比%.0f%%",
			strings.Join(t.Label, "、"), day(t.FirstTime), t.Mentions, t.PeakHourly, t.Similarity, t.NegShare*100)
		if t.GradeName != "" {
			text += "，建议定级" + t.GradeName
		}
		if i != best && historyPoints(t) > 0 {
			text += "（历史仅计最高一项）"
		}
		add(Reason{Points: pts, Kind: KindHistory, Text: text + "。", TopicID: t.ID})
	}
}

// historyPoints: a negative share of half or more 2, of 30% or more 1;
// grade I or II 2, grade III 1.
func historyPoints(t PastTopic) int {
	p := 0
	switch {
	case t.NegShare >= 0.5:
		p += 2
	case t.NegShare >= 0.3:
		p++
	}
	switch t.Grade {
	case 1, 2:
		p += 2
	case 3:
		p++
	}
	return p
}

func pointMissing(ps []Point, name string) bool {
	for _, p := range ps {
		if p.Name == name {
			return p.Missing
		}
	}
	return false
}

// cite names a sentence for the evidence: 第3句（第二条）“…”, shortened.
func cite(t Trigger) string {
	where := fmt.Sprintf("第%d句", t.Sentence)
	if t.Article != "" {
		where += "（" + t.Article + "）"
	}
	return where + "“" + hanzi.Clip(t.Text, 60) + "”"
}
