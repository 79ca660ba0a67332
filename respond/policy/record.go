package policy

import (
	"fmt"
	"io"
	"strings"
)

// WriteRecordMarkdown writes an assessment as recorded: the report of
// WriteMarkdown, then the similar past policies it drew on (往期同类政策),
// its release (发布与监测) and, once released, what happened (发布后)
// when after is given.
func WriteRecordMarkdown(w io.Writer, s State, after *After) error {
	if err := WriteMarkdown(w, s.Assessment); err != nil {
		return err
	}
	var b strings.Builder
	if len(s.Precedents) > 0 {
		b.WriteString("\n## 往期同类政策\n\n")
		for _, p := range s.Precedents {
			fmt.Fprintf(&b, "- %s（研判 %s，风险%s，%s发布；%s）", nonEmpty(p.Title, p.ID), p.ID, p.Level, day(p.ReleasedAt), p.Why)
			if p.Days > 0 {
				fmt.Fprintf(&b, "：发布后%d天相关信息%d条，负面占比%.0f%%", p.Days, p.Mentions, p.NegShare*100)
			}
			b.WriteString("\n")
			for _, q := range p.Asked {
				fmt.Fprintf(&b, "  - 实际提问：%s（%d条）\n", q.Question, q.Count)
			}
		}
	}
	b.WriteString("\n## 发布与监测\n\n")
	if !s.Released() {
		b.WriteString("尚未标记发布：监测方案在标记发布后启用。\n")
	} else {
		fmt.Fprintf(&b, "- 发布时间：%s\n- 监测方案：`%s`，%s 至 %s（%d天）\n",
			s.ReleasedAt.In(cst).Format("2006年1月2日 15:04"), s.SchemeID, day(s.ActiveFrom), day(s.ActiveTo.AddDate(0, 0, -1)), s.WindowDays)
	}
	if after != nil {
		writeAfter(&b, s, *after)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func writeAfter(b *strings.Builder, s State, a After) {
	state := "监测已结束"
	if a.Open {
		state = "监测中"
	}
	fmt.Fprintf(b, "\n## 发布后\n\n%s，统计至%s。命中监测方案的信息 %d 条", state, a.To.In(cst).Format("2006年1月2日 15:04"), a.Mentions)
	if a.Peak.Mentions > 0 {
		fmt.Fprintf(b, "，单日最多 %d 条（%s）", a.Peak.Mentions, a.Peak.Day)
	}
	fmt.Fprintf(b, "；负面 %d、中性 %d、正面 %d，负面占比 %.0f%%。\n\n", a.Neg, a.Neu, a.Pos, a.NegShare*100)
	for _, n := range a.Notes {
		fmt.Fprintf(b, "> %s\n\n", n)
	}
	if len(a.Days) > 0 {
		b.WriteString("| 日期 | 信息量 | 负面 | 中性 | 正面 |\n|---|---|---|---|---|\n")
		for _, d := range a.Days {
			fmt.Fprintf(b, "| %s | %d | %d | %d | %d |\n", d.Day, d.Mentions, d.Neg, d.Neu, d.Pos)
		}
		b.WriteString("\n")
	}
	if len(a.Topics) > 0 {
		b.WriteString("### 主要话题\n\n")
		for _, t := range a.Topics {
			fmt.Fprintf(b, "- %s（%s）：命中 %d 条，负面占比 %.0f%%", cell(strings.Join(t.Label, "、")), t.ID, t.Matched, t.NegShare*100)
			if t.GradeName != "" {
				fmt.Fprintf(b, "，建议定级 %s", t.GradeName)
			}
			b.WriteString("\n")
		}
		b.WriteString("\n")
	}
	q := a.Questions
	b.WriteString("### 实际提问与预测对比\n\n")
	if !q.Compared {
		b.WriteString("（未比对）\n\n")
	}
	b.WriteString("**预测且被问到：**\n\n")
	if len(q.Matched) == 0 {
		b.WriteString("- 无\n")
	}
	for _, p := range q.Matched {
		asked := make([]string, len(p.Asked))
		for i, x := range p.Asked {
			asked[i] = fmt.Sprintf("“%s”（%d条）", x.Question, x.Count)
		}
		fmt.Fprintf(b, "- %s ← %s；共同词：%s\n", p.Predicted, strings.Join(asked, "；"), strings.Join(p.Shared, "、"))
	}
	b.WriteString("\n**被问到但未预测：**\n\n")
	if len(q.Unpredicted) == 0 {
		b.WriteString("- 无\n")
	}
	for _, x := range q.Unpredicted {
		fmt.Fprintf(b, "- %s（%d条）\n", x.Question, x.Count)
	}
	b.WriteString("\n**预测但未被问到：**\n\n")
	if len(q.Unasked) == 0 {
		b.WriteString("- 无\n")
	}
	for _, x := range q.Unasked {
		fmt.Fprintf(b, "- %s\n", x.Question)
	}
}
