package report

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"yuqing/internal/hanzi"
	"yuqing/respond/chart"
	"yuqing/respond/privacy"
)

// guard masks personal information (ID and phone numbers, bank cards,
// plates, e-mail addresses, detailed addresses, names of victims and
// patients) in text that leaves in a report or a notification: posts,
// work-order titles, releases, timeline lines. It is the privacy guard's
// one call site here (respond/privacy); figures are computed before it,
// so counts do not depend on it, and the hash covers the masked text.
func guard(text string) string {
	return privacy.Mask(text, privacy.Scan(text))
}

var weekdays = [...]string{"日", "一", "二", "三", "四", "五", "六"}

func cnDate(t time.Time) string { return fmt.Sprintf("%d年%d月%d日", t.Year(), t.Month(), t.Day()) }

// periodText says the period in words: 2026年11月16日（星期一）至11月22日（星期日）.
func periodText(from, to time.Time, loc *time.Location) string {
	f, l := from.In(loc), to.In(loc)
	midnight := func(t time.Time) bool {
		return t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 && t.Nanosecond() == 0
	}
	if midnight(f) && midnight(l) {
		last := l.AddDate(0, 0, -1)
		first := fmt.Sprintf("%s（星期%s）", cnDate(f), weekdays[f.Weekday()])
		if last.Year() == f.Year() && last.YearDay() == f.YearDay() {
			return first
		}
		end := fmt.Sprintf("%d月%d日（星期%s）", last.Month(), last.Day(), weekdays[last.Weekday()])
		if last.Year() != f.Year() {
			end = fmt.Sprintf("%s（星期%s）", cnDate(last), weekdays[last.Weekday()])
		}
		return first + "至" + end
	}
	end := l.Format("1月2日 15:04")
	if l.Year() != f.Year() {
		end = cnDate(l) + " " + l.Format("15:04")
	}
	return cnDate(f) + " " + f.Format("15:04") + " 至 " + end
}

// title is the report's title: 舆情周报（2026年第47周）.
func title(p Params, loc *time.Location) string {
	f := p.From.In(loc)
	var t string
	switch p.Kind {
	case Daily:
		t = fmt.Sprintf("%s（%s）", p.Kind.Name(), cnDate(f))
		if last := p.To.Add(-time.Nanosecond).In(loc); last.YearDay() != f.YearDay() || last.Year() != f.Year() {
			t = fmt.Sprintf("%s（%s至%d月%d日）", p.Kind.Name(), cnDate(f), last.Month(), last.Day()) // after days off
		}
	case Weekly:
		y, w := f.ISOWeek()
		t = fmt.Sprintf("%s（%d年第%d周）", p.Kind.Name(), y, w)
	case Monthly:
		t = fmt.Sprintf("%s（%d年%d月）", p.Kind.Name(), f.Year(), f.Month())
	default:
		t = p.Kind.Name()
	}
	if p.Drill {
		t = "【演练】" + t
	}
	return t
}

// num writes 12,345.
func num(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// pct writes 25.0%.
func pct(x float64) string { return strconv.FormatFloat(100*x, 'f', 1, 64) + "%" }

// change writes 增长25.0% / 增长1.3倍 / 增长1320倍 / 下降3.2% / 持平: a rise
// of 100% or more in 倍 (增长1倍 is double), as a leader reads it, not
// 增长132000.0%.
func change(x *float64) string {
	switch {
	case x == nil:
		return "无可比数据"
	case *x >= 10:
		return "增长" + strconv.FormatFloat(math.Round(*x), 'f', 0, 64) + "倍"
	case *x >= 1:
		return "增长" + strconv.FormatFloat(*x, 'f', 1, 64) + "倍"
	case *x > 0.0005:
		return "增长" + pct(*x)
	case *x < -0.0005:
		return "下降" + pct(-*x)
	}
	return "持平"
}

// at writes a time in the report's zone: 11月23日 08:00.
func (r *Report) at(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.In(r.loc()).Format("1月2日 15:04")
}

// due writes a deadline; one at midnight is the day before's 24:00, as
// working-day deadlines end.
func (r *Report) due(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	l := t.In(r.loc())
	if l.Hour() == 0 && l.Minute() == 0 {
		return l.AddDate(0, 0, -1).Format("1月2日") + " 24:00"
	}
	return l.Format("1月2日 15:04")
}

func (r *Report) loc() *time.Location { return Params{Timezone: r.Timezone}.Location() }

func sentimentName(s string) string {
	switch s {
	case "neg":
		return "负面"
	case "pos":
		return "正面"
	case "neu":
		return "中性"
	}
	return "未标注"
}

// drillMark prefixes 【演练】 to what a drill made.
func drillMark(drill bool, s string) string {
	if drill {
		return "【演练】" + s
	}
	return s
}

// Summary is the report's opening paragraph, in words, from its figures.
func (r *Report) Summary() string {
	if r.Case != nil {
		c := r.Case
		s := fmt.Sprintf("%s，%s发现，%s建立事件，定级为%s，目前%s。", drillMark(c.Drill, c.Title), r.at(c.DetectedAt), r.at(c.OpenedAt), c.Grade, c.Status)
		if c.Lead != "" {
			s += "牵头单位：" + c.Lead + "。"
		}
		if ev := c.Evidence; ev != nil {
			s += fmt.Sprintf("统计时段内相关信息共 %s 条", num(ev.Total))
			if n := ev.Sentiment.Sum(); n > 0 {
				s += fmt.Sprintf("，负面占 %s", pct(float64(ev.Sentiment.Neg)/float64(n)))
			}
			s += "。"
		}
		if len(c.Statements) > 0 {
			s += fmt.Sprintf("已发布信息 %d 次，首次发布于 %s。", len(c.Statements), r.at(c.Statements[0].At))
		} else {
			s += "尚未发布权威信息。"
		}
		return s
	}
	var parts []string
	if h := r.Headline; h != nil {
		if r.Volume != nil {
			s := fmt.Sprintf("%s共监测到相关信息 %s 条，较上一周期（%s 条）%s", r.Period, num(h.Mentions), num(h.Previous), change(h.Change))
			if h.NegShare != nil {
				s += fmt.Sprintf("，负面信息占 %s", pct(*h.NegShare))
			}
			parts = append(parts, s+"。")
			if v := r.Volume; len(v.Share) > 0 {
				parts = append(parts, fmt.Sprintf("信息主要来自%s（%s）。", v.Share[0].Name, pct(v.Share[0].Share)))
			}
		}
		if h.Topics > 0 {
			s := fmt.Sprintf("活跃热点话题 %d 个", h.Topics)
			if len(r.Topics) > 0 {
				s += fmt.Sprintf("，信息量最大的是“%s”（%s 条）", drillMark(r.Topics[0].Drill, r.Topics[0].Headline), num(r.Topics[0].Mentions))
			}
			parts = append(parts, s+"。")
		}
		if in := r.Incidents; in != nil {
			s := fmt.Sprintf("新建舆情事件 %d 起", in.Opened)
			var g []string
			for _, c := range in.ByGrade {
				g = append(g, fmt.Sprintf("%s %d 起", c.Name, c.Count))
			}
			if len(g) > 0 {
				s += "（" + strings.Join(g, "，") + "）"
			}
			met, missed := 0, 0
			for _, d := range in.Deadlines {
				met += d.Met
				missed += d.Missed
			}
			if met+missed > 0 {
				s += fmt.Sprintf("，回应时限按时完成 %d 项、超时 %d 项，按时率 %s", met, missed, pct(float64(met)/float64(met+missed)))
			}
			parts = append(parts, s+"。")
		}
		if w := r.WorkOrders; w != nil && w.Received > 0 {
			s := fmt.Sprintf("受理 12345 工单 %d 件，已答复 %d 件，其中按时 %d 件", w.Received, w.Answered, w.OnTime)
			if len(w.Overdue) > 0 {
				s += fmt.Sprintf("；目前超期未办结 %d 件", len(w.Overdue))
			}
			parts = append(parts, s+"。")
		}
	}
	if len(parts) == 0 {
		return r.Period + "无监测数据。"
	}
	return strings.Join(parts, "")
}

// Chart is one chart of a report: its element id and its ECharts option.
type Chart struct {
	ID      string
	Title   string
	Option  chart.Option
	Section string // the section it belongs to
	Height  int    // CSS pixels
}

// Charts lists the report's charts, in the order the page shows them.
func (r *Report) Charts() []Chart {
	var out []Chart
	if v := r.Volume; v != nil {
		series := make([]chart.Series, len(v.Platforms))
		for i, p := range v.Platforms {
			series[i] = chart.Series{Name: p, Values: floats(v.Counts[i])}
		}
		unit := "条/日"
		if v.Step == "hour" {
			unit = "条/小时"
		}
		out = append(out, Chart{ID: "chart-volume", Title: "信息量走势（按平台）", Section: "volume", Height: 320,
			Option: chart.Line{Title: "信息量走势（按平台）", Categories: shortDays(v.Days), Series: series, Unit: unit, Stack: true}.Option()})
		if len(v.Share) > 1 {
			slices := make([]chart.Slice, len(v.Share))
			for i, c := range v.Share {
				slices[i] = chart.Slice{Name: c.Name, Value: float64(c.Count)}
			}
			out = append(out, Chart{ID: "chart-platforms", Title: "平台分布", Section: "volume", Height: 300,
				Option: chart.Pie{Title: "平台分布", Slices: slices, Donut: true}.Option()})
		}
	}
	if s := r.Sentiment; s != nil {
		out = append(out, Chart{ID: "chart-sentiment", Title: "情感走势", Section: "sentiment", Height: 300,
			Option: chart.Bar{Title: "情感走势", Categories: shortDays(s.Days), Unit: "条", Stack: true, Series: []chart.Series{
				{Name: "负面", Values: floats(s.Neg), Color: chart.Negative},
				{Name: "中性", Values: floats(s.Neu), Color: chart.Neutral},
				{Name: "正面", Values: floats(s.Pos), Color: chart.Positive},
			}}.Option()})
	}
	if len(r.Topics) > 1 {
		cats := make([]string, len(r.Topics))
		vals := make([]float64, len(r.Topics))
		for i, t := range r.Topics {
			cats[i] = hanzi.Clip(drillMark(t.Drill, t.Headline), 16)
			vals[i] = float64(t.Mentions)
		}
		out = append(out, Chart{ID: "chart-topics", Title: "热点话题信息量", Section: "topics", Height: 40 + 30*len(r.Topics),
			Option: chart.Bar{Title: "热点话题信息量", Categories: cats, Series: []chart.Series{{Name: "信息量", Values: vals}}, Unit: "条", Horizontal: true}.Option()})
	}
	if c := r.Case; c != nil && c.Evidence != nil {
		ev := c.Evidence
		out = append(out, Chart{ID: "chart-evidence", Title: "相关信息量走势", Section: "evidence", Height: 300,
			Option: chart.Line{Title: "相关信息量走势", Categories: shortDays(ev.Buckets), Series: []chart.Series{{Name: "信息量", Values: floats(ev.Counts)}}, Unit: "条"}.Option()})
		if n := ev.Sentiment.Sum(); n > 0 {
			out = append(out, Chart{ID: "chart-case-sentiment", Title: "情感构成", Section: "evidence", Height: 280,
				Option: chart.Pie{Title: "情感构成", Donut: true, Slices: []chart.Slice{
					{Name: "负面", Value: float64(ev.Sentiment.Neg), Color: chart.Negative},
					{Name: "中性", Value: float64(ev.Sentiment.Neu), Color: chart.Neutral},
					{Name: "正面", Value: float64(ev.Sentiment.Pos), Color: chart.Positive}}}.Option()})
		}
		if e := c.Effect; e != nil {
			out = append(out, Chart{ID: "chart-effect", Title: "发布前后信息量对比", Section: "effect", Height: 260,
				Option: chart.Bar{Title: "发布前后信息量对比（" + e.Window + "）", Categories: []string{"发布前", "发布后"}, Unit: "条",
					Series: []chart.Series{{Name: "信息量", Values: []float64{float64(e.Before), float64(e.After)}}}}.Option()})
		}
	}
	return out
}

func floats(xs []int64) []float64 {
	out := make([]float64, len(xs))
	for i, x := range xs {
		out[i] = float64(x)
	}
	return out
}

// shortDays drops the year from "2006-01-02" labels.
func shortDays(ds []string) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		if len(d) == 10 && d[4] == '-' {
			d = d[5:]
		}
		out[i] = d
	}
	return out
}
