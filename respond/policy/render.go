package policy

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"yuqing/internal/hanzi"

	"gopkg.in/yaml.v3"

	"yuqing/analyze/scheme"
)

// WriteJSON writes the assessment as indented JSON.
func WriteJSON(w io.Writer, a Assessment) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(a)
}

// WriteMarkdown writes the assessment as a Markdown report with the
// headings 风险等级, 涉及领域与触发语句, 相关历史舆情, 可能提问, 解读要点
// and 监测方案.
func WriteMarkdown(w io.Writer, a Assessment) error {
	var b strings.Builder
	title := nonEmpty(a.Title, "（未命名草案）")
	fmt.Fprintf(&b, "# 政策舆情风险研判：%s\n\n", title)
	fmt.Fprintf(&b, "- 发文单位（第一解读部门）：%s\n", nonEmpty(a.Unit, "未填写"))
	release := "未定"
	if !a.ReleaseAt.IsZero() {
		release = day(a.ReleaseAt)
	}
	fmt.Fprintf(&b, "- 拟发布日期：%s\n", release)
	fmt.Fprintf(&b, "- 研判时间：%s\n", a.AssessedAt.In(cst).Format("2006年1月2日 15:04"))
	fmt.Fprintf(&b, "- 词表版本：v%d（%s）\n\n", a.List.Version, a.List.Source)

	fmt.Fprintf(&b, "## 风险等级\n\n**%s**（评分 %d；≥%d 为高，≥%d 为中，其余为低）\n\n研判依据：\n\n", a.Level, a.Score, highAtLeast, midAtLeast)
	for i, r := range a.Evidence {
		fmt.Fprintf(&b, "%d. 【%s %+d】%s\n", i+1, r.Kind, r.Points, r.Text)
	}

	b.WriteString("\n## 涉及领域与触发语句\n\n")
	if len(a.Subjects) == 0 {
		b.WriteString("未触及词表中的热点领域。\n\n")
	}
	for _, h := range a.Subjects {
		fmt.Fprintf(&b, "### %s（敏感权重 %d）\n\n受影响群体：%s\n\n", h.Name, h.Weight, strings.Join(h.Groups, "、"))
		triggerTable(&b, h.Triggers)
	}
	if len(a.Cues) > 0 {
		b.WriteString("### 风险条款\n\n")
		for _, c := range a.Cues {
			fmt.Fprintf(&b, "#### %s\n\n", c.Name)
			triggerTable(&b, c.Triggers)
		}
	}

	b.WriteString("## 相关历史舆情\n\n")
	switch {
	case !a.History.Searched:
		fmt.Fprintf(&b, "%s。\n\n", a.History.Note)
	case len(a.History.Topics) == 0:
		fmt.Fprintf(&b, "%s，未发现相似话题。\n\n", a.History.Note)
	default:
		fmt.Fprintf(&b, "%s。\n\n| 话题 | 相似度 | 信息量 | 每小时峰值 | 负面占比 | 建议定级 | 首发时间 | 回应情况 |\n|---|---|---|---|---|---|---|---|\n", a.History.Note)
		for _, t := range a.History.Topics {
			fmt.Fprintf(&b, "| %s（%s） | %.2f | %d | %d | %.0f%% | %s | %s | %s |\n", cell(strings.Join(t.Label, "、")), cell(t.ID),
				t.Similarity, t.Mentions, t.PeakHourly, t.NegShare*100, nonEmpty(t.GradeName, "—"),
				t.FirstTime.In(cst).Format("2006-01-02 15:04"), cell(nonEmpty(t.Answer, "—")))
		}
		b.WriteString("\n")
	}

	b.WriteString("## 可能提问\n\n")
	if len(a.Questions) == 0 {
		b.WriteString("无。\n\n")
	}
	for i, q := range a.Questions {
		fmt.Fprintf(&b, "%d. **问：**%s\n   - 答：%s\n", i+1, q.Question, q.Answer)
		src := q.Source
		switch {
		case q.Subject != "":
			src += "（" + q.Subject + "）"
		case q.TopicID != "":
			src += fmt.Sprintf("（话题 %s，%d条信息提问）", q.TopicID, q.Asked)
		}
		if q.Sentence > 0 {
			src += fmt.Sprintf("；相关语句：第%d句“%s”", q.Sentence, hanzi.Clip(q.SentenceText, 40))
		}
		fmt.Fprintf(&b, "   - 来源：%s\n", src)
		if q.Reference != "" {
			fmt.Fprintf(&b, "   - 参考口径：%s\n", q.Reference)
		}
	}

	b.WriteString("\n## 解读要点\n\n")
	for _, p := range a.Points {
		status := p.Status
		if p.Missing {
			status = "**" + status + "**"
		}
		fmt.Fprintf(&b, "### %s — %s\n\n%s\n\n", p.Name, status, p.Ask)
		for _, s := range p.Sentences {
			fmt.Fprintf(&b, "- 第%d句%s：%s\n", s.Index, article(s.Article), s.Text)
		}
		if p.Missing {
			fmt.Fprintf(&b, "> %s\n", p.Advice)
		}
		b.WriteString("\n")
	}

	writeScheme(&b, a)
	_, err := io.WriteString(w, b.String())
	return err
}

func triggerTable(b *strings.Builder, ts []Trigger) {
	b.WriteString("| 句 | 条 | 原文 | 触发词 |\n|---|---|---|---|\n")
	for _, t := range ts {
		fmt.Fprintf(b, "| %d | %s | %s | %s |\n", t.Sentence, nonEmpty(t.Article, "—"), cell(t.Text), cell(strings.Join(t.Terms, "、")))
	}
	b.WriteString("\n")
}

func writeScheme(b *strings.Builder, a Assessment) {
	s := a.Scheme
	days := int(a.WindowTo.Sub(a.WindowFrom).Hours() / 24)
	fmt.Fprintf(b, "## 监测方案\n\n- 方案 ID：`%s`\n- 名称：%s\n- 监测时段：%s 至 %s（%d天）\n- 规则：`%s`\n",
		s.ID, s.Name, day(a.WindowFrom), day(a.WindowTo.AddDate(0, 0, -1)), days, s.Rule)
	names := make([]string, 0, len(s.Groups))
	for g := range s.Groups {
		names = append(names, g)
	}
	sort.Strings(names)
	for _, g := range names {
		fmt.Fprintf(b, "- @%s：%s\n", g, strings.Join(s.Groups[g], "、"))
	}
	if len(s.Exclude) > 0 {
		fmt.Fprintf(b, "- 排除词：%s\n", strings.Join(s.Exclude, "、"))
	}
	y, err := yaml.Marshal([]scheme.Scheme{s})
	if err == nil {
		fmt.Fprintf(b, "\n可保存为文件后用 `yuqing scheme apply --file FILE` 启用：\n\n```yaml\n%s```\n", y)
	}
}

func article(a string) string {
	if a == "" {
		return ""
	}
	return "（" + a + "）"
}

// cell makes text safe in a Markdown table cell.
func cell(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ").Replace(s)
}
