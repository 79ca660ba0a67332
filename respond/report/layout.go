package report

import (
	"fmt"
	"strings"
	"time"

	"yuqing/internal/hanzi"
)

// A report is laid out once, as blocks, and every format renders the
// blocks: the HTML page, the PDF printed from it and the Word file say
// the same in the same order.

type blockKind int

const (
	bTitle blockKind = iota
	bSubtitle
	bBanner // a warning across the top (drill data)
	bH1
	bH2
	bPara
	bLead // bold lead-in, then text
	bTable
	bChart
	bPost // a quoted post
	bNote // small print
)

type block struct {
	kind  blockKind
	text  string
	lead  string
	head  []string
	rows  [][]string
	chart *Chart
	// fallback is the chart's data as a table, shown where the chart
	// cannot be drawn (Word without Chromium).
	fallback *block
	url      string
	caption  string
}

// Stamp is what identifies a rendered report: its hash and when and by
// what it was made.
type Stamp struct {
	Hash      string
	Generated time.Time
}

var cnNumbers = []string{"一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二"}

// outline numbers headings as they are added: 一、 …, and (一) … under each.
type outline struct {
	blocks []block
	h1, h2 int
}

func (o *outline) add(b block) { o.blocks = append(o.blocks, b) }

func (o *outline) h1text(t string) {
	o.h2 = 0
	o.add(block{kind: bH1, text: cnNumbers[min(o.h1, len(cnNumbers)-1)] + "、" + t})
	o.h1++
}

func (o *outline) h2text(t string) {
	o.add(block{kind: bH2, text: "（" + cnNumbers[min(o.h2, len(cnNumbers)-1)] + "）" + t})
	o.h2++
}

func (o *outline) para(format string, args ...any) {
	o.add(block{kind: bPara, text: fmt.Sprintf(format, args...)})
}

func (o *outline) table(caption string, head []string, rows [][]string) {
	if len(rows) == 0 {
		return
	}
	o.add(block{kind: bTable, head: head, rows: rows, caption: caption})
}

func (o *outline) chart(c *Chart, fallback *block) {
	if c == nil {
		return
	}
	o.add(block{kind: bChart, chart: c, fallback: fallback, caption: c.Title})
}

// layout lays the report out.
func (r *Report) layout(st Stamp) []block {
	o := &outline{}
	o.add(block{kind: bTitle, text: r.Title})
	if r.Case != nil {
		o.add(block{kind: bSubtitle, text: drillMark(r.Case.Drill, r.Case.Title)})
	}
	o.add(block{kind: bSubtitle, text: "统计时段：" + r.Period + "\n数据截至：" + r.AsOf.In(r.loc()).Format("2006年1月2日 15:04") + "（北京时间）"})
	if r.Drill {
		o.add(block{kind: bBanner, text: "本报告包含演练数据，演练内容均标注【演练】，不是真实舆情。"})
	}
	charts := map[string]*Chart{}
	for _, c := range r.Charts() {
		charts[c.ID] = &c
	}
	if r.Case != nil {
		r.layoutCase(o, charts)
	} else {
		r.layoutPeriod(o, charts)
	}
	var notes []string
	notes = append(notes, r.Notes...)
	notes = append(notes, fmt.Sprintf("报告编号 %s；数据指纹（SHA-256）%s；生成于 %s。同一日志按相同参数重新生成，数据指纹不变。",
		r.ID, shortHash(st.Hash), st.Generated.In(r.loc()).Format("2006年1月2日 15:04")))
	o.add(block{kind: bH1, text: "附：说明"})
	for _, n := range notes {
		o.add(block{kind: bNote, text: n})
	}
	return o.blocks
}

func shortHash(h string) string {
	if len(h) > 16 {
		return h[:16]
	}
	return h
}

func (r *Report) layoutPeriod(o *outline, charts map[string]*Chart) {
	o.h1text("总体情况")
	o.para("%s", r.Summary())
	if h := r.Headline; h != nil {
		rows := [][]string{}
		if r.Volume != nil {
			rows = append(rows, []string{"信息总量", num(h.Mentions) + " 条"}, []string{"上一周期", num(h.Previous) + " 条"}, []string{"环比", change(h.Change)})
		}
		if h.NegShare != nil {
			rows = append(rows, []string{"负面信息占比", fmt.Sprintf("%s（%s 条中）", pct(*h.NegShare), num(h.NegBase))})
		}
		if h.Topics > 0 {
			rows = append(rows, []string{"活跃热点话题", fmt.Sprintf("%d 个", h.Topics)})
		}
		if r.Incidents != nil {
			rows = append(rows, []string{"新建舆情事件", fmt.Sprintf("%d 起", h.Incidents)})
		}
		if r.WorkOrders != nil {
			rows = append(rows, []string{"受理 12345 工单", fmt.Sprintf("%d 件", h.Orders)})
		}
		if d := r.Disclosure; d != nil {
			rows = append(rows, []string{"受理政府信息公开申请", fmt.Sprintf("%d 件", d.Received)})
		}
		o.table("", []string{"指标", "数值"}, rows)
	}
	if v := r.Volume; v != nil {
		head := []string{"时间", "合计"}
		n := min(len(v.Platforms), 4)
		head = append(head, v.Platforms[:n]...)
		var rows [][]string
		for i, d := range v.Days {
			row := []string{d, num(v.Totals[i])}
			for p := 0; p < n; p++ {
				row = append(row, num(v.Counts[p][i]))
			}
			rows = append(rows, row)
		}
		o.chart(charts["chart-volume"], &block{kind: bTable, head: head, rows: rows, caption: "信息量（按平台）"})
		var share [][]string
		for _, c := range v.Share {
			share = append(share, []string{c.Name, num(c.Count), pct(c.Share)})
		}
		o.chart(charts["chart-platforms"], nil)
		o.table("平台分布", []string{"平台", "信息量", "占比"}, share)
	}
	if len(r.Keywords) > 0 {
		var ks []string
		for _, k := range r.Keywords[:min(15, len(r.Keywords))] {
			ks = append(ks, fmt.Sprintf("%s（%s）", k.Name, num(k.Count)))
		}
		o.add(block{kind: bLead, lead: "热词：", text: strings.Join(ks, "、") + "。"})
	}
	if s := r.Sentiment; s != nil {
		o.h1text("情感态势")
		n := s.Total.Sum()
		o.para("统计范围为%s，共 %s 条：负面 %s 条（%s），中性 %s 条（%s），正面 %s 条（%s）。", s.Scope, num(n),
			num(s.Total.Neg), pct(float64(s.Total.Neg)/float64(n)), num(s.Total.Neu), pct(float64(s.Total.Neu)/float64(n)), num(s.Total.Pos), pct(float64(s.Total.Pos)/float64(n)))
		var rows [][]string
		for i, d := range s.Days {
			rows = append(rows, []string{d, num(s.Neg[i]), num(s.Neu[i]), num(s.Pos[i])})
		}
		o.chart(charts["chart-sentiment"], &block{kind: bTable, head: []string{"时间", "负面", "中性", "正面"}, rows: rows, caption: "情感走势"})
	}
	if len(r.Topics) > 0 {
		o.h1text("热点话题")
		o.chart(charts["chart-topics"], nil)
		var rows [][]string
		for i, t := range r.Topics {
			plat := "—"
			if len(t.Platforms) > 0 {
				plat = t.Platforms[0].Name
			}
			neg := "—"
			if n := t.Sentiment.Sum(); n > 0 {
				neg = pct(float64(t.Sentiment.Neg) / float64(n))
			}
			rows = append(rows, []string{fmt.Sprint(i + 1), drillMark(t.Drill, t.Headline), num(t.Mentions), r.at(t.PeakAt), plat, neg, t.Response.Status})
		}
		o.table("热点话题排行", []string{"序号", "话题", "信息量", "峰值时段", "主要平台", "负面占比", "回应情况"}, rows)
		for i, t := range r.Topics {
			if i == detailTopics {
				break
			}
			o.h2text(hanzi.Clip(drillMark(t.Drill, t.Headline), 40))
			var plats []string
			for _, p := range t.Platforms[:min(4, len(t.Platforms))] {
				plats = append(plats, fmt.Sprintf("%s %s 条", p.Name, num(p.Count)))
			}
			s := fmt.Sprintf("统计时段内相关信息 %s 条，最早出现于 %s，峰值出现在 %s 起的一小时内（%s 条）", num(t.Mentions), r.at(t.First), r.at(t.PeakAt), num(t.Peak))
			if len(plats) > 0 {
				s += "；主要分布在" + strings.Join(plats, "、")
			}
			if n := t.Sentiment.Sum(); n > 0 {
				s += fmt.Sprintf("；负面 %s、中性 %s、正面 %s", pct(float64(t.Sentiment.Neg)/float64(n)), pct(float64(t.Sentiment.Neu)/float64(n)), pct(float64(t.Sentiment.Pos)/float64(n)))
			}
			if len(t.Keywords) > 0 {
				s += "；关键词：" + strings.Join(t.Keywords, "、")
			}
			o.para("%s。", s)
			resp := t.Response.Status
			if len(t.Response.Incidents) > 0 {
				resp += "（事件 " + strings.Join(t.Response.Incidents, "、") + "）"
			}
			if !t.Response.Published.IsZero() {
				resp += "，首次发布于 " + r.at(t.Response.Published)
			}
			o.add(block{kind: bLead, lead: "回应情况：", text: resp + "。"})
			for _, p := range t.Posts {
				who := p.Platform
				if p.Author != "" {
					who += "  " + p.Author
				}
				o.add(block{kind: bPost, lead: fmt.Sprintf("%s  %s  %s", who, r.at(p.Time), sentimentName(p.Sentiment)), text: p.Text, url: p.URL})
			}
		}
	}
	if in := r.Incidents; in != nil {
		o.h1text("事件处置与回应时限")
		var grades []string
		for _, g := range in.ByGrade {
			grades = append(grades, fmt.Sprintf("%s %d 起", g.Name, g.Count))
		}
		o.para("统计时段内新建舆情事件 %d 起：%s。时限按国办发〔2016〕61号、〔2016〕80号文件要求：特别重大、重大舆情 5 小时内发布权威信息、24 小时内召开新闻发布会，其他政务舆情 48 小时内回应。", in.Opened, strings.Join(grades, "，"))
		var dl [][]string
		for _, d := range in.Deadlines {
			rate := "—"
			if d.Met+d.Missed > 0 {
				rate = pct(float64(d.Met) / float64(d.Met+d.Missed))
			}
			dl = append(dl, []string{d.Clock, fmt.Sprint(d.Met), fmt.Sprint(d.Missed), fmt.Sprint(d.Running), fmt.Sprint(d.Cancelled), rate})
		}
		o.table("回应时限完成情况", []string{"时限", "按时完成", "超时", "计时中", "已取消", "按时率"}, dl)
		var items [][]string
		for _, it := range in.Items {
			var cls []string
			for _, c := range it.Clocks {
				cls = append(cls, shortClock(c.Clock)+"："+c.State)
			}
			items = append(items, []string{drillMark(it.Drill, it.Title), it.Grade, r.at(it.OpenedAt), orDash(it.Lead), r.at(it.Published), it.Status, strings.Join(cls, "\n")})
		}
		o.table("事件清单", []string{"事件", "等级", "建立时间", "牵头单位", "首次发布", "状态", "时限"}, items)
		if len(in.OnTime) > 0 {
			o.h2text("责任单位按时完成率")
			var rows [][]string
			for _, u := range in.OnTime {
				rows = append(rows, []string{u.Unit, fmt.Sprint(u.Met), fmt.Sprint(u.Missed), pct(u.Rate)})
			}
			o.table("责任单位按时完成率（不含演练）", []string{"责任单位", "按时", "超时", "按时率"}, rows)
		}
		if len(in.Overdue) > 0 {
			o.h2text("超时未完成的时限")
			var rows [][]string
			for _, c := range in.Overdue {
				rows = append(rows, []string{c.Title, c.Clock, r.due(c.Due)})
			}
			o.table("超时未完成", []string{"事件", "时限", "截止时间"}, rows)
		}
		if len(in.Secondary) > 0 {
			o.h2text("次生舆情")
			o.para("统计时段内，事件发布信息后出现次生舆情迹象 %d 次（质疑回应或声量反弹），需持续关注。", len(in.Secondary))
			var rows [][]string
			for _, x := range in.Secondary {
				rows = append(rows, []string{drillMark(x.Drill, x.Title), r.at(x.At), x.Reason})
			}
			o.table("次生舆情", []string{"事件", "发现时间", "情况"}, rows)
		}
	}
	if w := r.WorkOrders; w != nil {
		o.h1text("12345 工单办理")
		o.para("统计时段内受理工单 %d 件，已答复 %d 件（按时 %d 件、超时 %d 件），未办结 %d 件。办理时限按工作日计算，法定节假日顺延。", w.Received, w.Answered, w.OnTime, w.Late, w.Open)
		var rows [][]string
		for _, u := range w.ByUnit {
			rate := "—"
			if u.Answered > 0 {
				rate = pct(u.Rate)
			}
			rows = append(rows, []string{u.Unit, fmt.Sprint(u.Received), fmt.Sprint(u.Answered), fmt.Sprint(u.OnTime), fmt.Sprint(u.Late), fmt.Sprint(u.Open), fmt.Sprint(u.Overdue), rate})
		}
		o.table("承办单位办理情况", []string{"承办单位", "受理", "已答复", "按时答复", "超时答复", "未办结", "已超期", "按时率"}, rows)
		if len(w.Overdue) > 0 {
			o.h2text("超期未办结工单")
			var od [][]string
			for _, x := range w.Overdue {
				od = append(od, []string{x.ID, x.Title, x.Unit, x.Category, r.at(x.Received), x.Clock, fmt.Sprintf("%s（%d个工作日）", r.due(x.Due), x.Workdays)})
			}
			o.table("超期未办结工单", []string{"工单编号", "标题", "承办单位", "类别", "受理时间", "环节", "截止时间"}, od)
		}
	}
	if d := r.Disclosure; d != nil {
		o.h1text("政府信息公开申请办理")
		o.para("统计时段内受理政府信息公开申请 %d 件，已答复 %d 件（按时 %d 件、超时 %d 件），视为放弃申请 %d 件，未办结 %d 件（其中已超期 %d 件）。答复期限为收到申请之日起 20 个工作日，经批准可延长一次、最长 20 个工作日；补正自收到补正申请之日起重新计算，征求第三方和其他机关意见的时间不计算在内（《政府信息公开条例》第三十条、第三十三条）。",
			d.Received, d.Answered, d.OnTime, d.Late, d.Withdrawn, d.Open, d.Overdue)
		var rows [][]string
		for _, u := range d.ByUnit {
			rate := "—"
			if u.Answered > 0 {
				rate = pct(u.Rate)
			}
			rows = append(rows, []string{u.Unit, fmt.Sprint(u.Received), fmt.Sprint(u.Answered), fmt.Sprint(u.OnTime), fmt.Sprint(u.Late), fmt.Sprint(u.Withdrawn), fmt.Sprint(u.Open), fmt.Sprint(u.Overdue), rate})
		}
		o.table("政府信息公开申请按时答复情况", []string{"承办单位", "受理", "已答复", "按时答复", "超时答复", "视为放弃", "未办结", "已超期", "按时率"}, rows)
		if len(d.Results) > 0 {
			var rr [][]string
			for _, x := range d.Results {
				rr = append(rr, []string{x.Label, fmt.Sprint(x.Count)})
			}
			o.table("答复结果", []string{"办理结果", "件数"}, rr)
		}
	}
	if len(r.Regions) > 0 {
		o.h1text("地域分布")
		var rows [][]string
		for _, c := range r.Regions {
			rows = append(rows, []string{c.Name, num(c.Count), pct(c.Share)})
		}
		o.table("地域分布", []string{"地区", "信息量", "占比"}, rows)
	}
	if w := r.Watch; w != nil {
		o.h1text("下期关注")
		if len(w.Incidents) > 0 {
			o.h2text("尚未办结的事件")
			var rows [][]string
			for _, x := range w.Incidents {
				state := "—"
				if x.Clock != "" {
					state = x.Clock + "，截止 " + r.due(x.Due)
					if x.Overdue {
						state += "（已超时）"
					}
				}
				rows = append(rows, []string{drillMark(x.Drill, x.Title), x.Grade, state})
			}
			o.table("尚未办结的事件", []string{"事件", "等级", "最近时限"}, rows)
		}
		if len(w.Topics) > 0 {
			o.h2text("仍在升温的话题")
			var rows [][]string
			for _, x := range w.Topics {
				rows = append(rows, []string{drillMark(x.Drill, x.Headline), num(x.Last24h), num(x.Prior24h)})
			}
			o.table("仍在升温的话题", []string{"话题", "最后24小时", "此前24小时"}, rows)
		}
		if len(w.Schemes) > 0 {
			o.h2text("信息量上升的监测方案")
			var rows [][]string
			for _, x := range w.Schemes {
				rows = append(rows, []string{x.Name, num(x.Mentions), num(x.Previous), change(&x.Change)})
			}
			o.table("信息量上升的监测方案", []string{"监测方案", "本期", "上期", "变化"}, rows)
		}
	}
}

func orDash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "—"
	}
	return s
}

func (r *Report) layoutCase(o *outline, charts map[string]*Chart) {
	c := r.Case
	o.h1text("事件概况")
	o.para("%s", r.Summary())
	rows := [][]string{
		{"事件", drillMark(c.Drill, c.Title)},
		{"事件编号", c.ID},
		{"等级", c.Grade},
	}
	if c.GradeReason != "" {
		rows = append(rows, []string{"定级理由", c.GradeReason})
	}
	rows = append(rows, []string{"状态", c.Status}, []string{"发现时间", r.at(c.DetectedAt)}, []string{"建立时间", r.at(c.OpenedAt)})
	if !c.ClosedAt.IsZero() {
		rows = append(rows, []string{"关闭时间", r.at(c.ClosedAt)})
	}
	if len(c.Units) > 0 {
		rows = append(rows, []string{"责任单位", strings.Join(c.Units, "、")})
	}
	if c.Lead != "" {
		rows = append(rows, []string{"牵头单位", c.Lead})
	}
	if c.Review != "" {
		rows = append(rows, []string{"复盘", c.Review})
	}
	o.table("基本情况", []string{"项目", "内容"}, rows)
	if ev := c.Evidence; ev != nil {
		o.h1text("舆情态势")
		n := ev.Sentiment.Sum()
		s := fmt.Sprintf("统计时段内相关话题 %d 个、信息 %s 条", len(ev.Topics), num(ev.Total))
		if n > 0 {
			s += fmt.Sprintf("，负面 %s 条（%s）", num(ev.Sentiment.Neg), pct(float64(ev.Sentiment.Neg)/float64(n)))
		}
		o.para("%s。", s)
		var rows [][]string
		for i, b := range ev.Buckets {
			rows = append(rows, []string{b, num(ev.Counts[i])})
		}
		o.chart(charts["chart-evidence"], &block{kind: bTable, head: []string{"时间", "信息量"}, rows: rows, caption: "相关信息量"})
		o.chart(charts["chart-case-sentiment"], nil)
		var pr [][]string
		for _, p := range ev.Platforms {
			pr = append(pr, []string{p.Name, num(p.Count), pct(p.Share)})
		}
		o.table("平台分布", []string{"平台", "信息量", "占比"}, pr)
		var tr [][]string
		for _, t := range ev.Topics {
			tr = append(tr, []string{t.Headline, num(t.Mentions), r.at(t.PeakAt), num(t.Peak)})
		}
		o.table("相关话题", []string{"话题", "信息量", "峰值时段", "峰值信息量"}, tr)
		for _, t := range ev.Topics {
			for _, p := range t.Posts {
				o.add(block{kind: bPost, lead: fmt.Sprintf("%s  %s  %s", p.Platform+"  "+p.Author, r.at(p.Time), sentimentName(p.Sentiment)), text: p.Text, url: p.URL})
			}
		}
	}
	o.h1text("处置经过")
	var tl [][]string
	for _, e := range c.Timeline {
		tl = append(tl, []string{r.at(e.At), e.Actor, e.Summary})
	}
	o.table("处置经过", []string{"时间", "操作", "内容"}, tl)
	o.h1text("信息发布")
	if len(c.Statements) == 0 {
		o.para("截至 %s，尚未发布权威信息。", r.at(r.AsOf))
	} else {
		var st [][]string
		for _, s := range c.Statements {
			text := s.Text
			if s.URL != "" {
				text = strings.TrimSpace(text + "\n" + s.URL)
			}
			st = append(st, []string{r.at(s.At), s.Kind, s.Channel, text})
		}
		o.table("信息发布", []string{"时间", "类型", "渠道/地点", "内容"}, st)
	}
	if len(c.Clocks) > 0 {
		o.h1text("回应时限")
		var cl [][]string
		for _, x := range c.Clocks {
			cl = append(cl, []string{x.Clock, r.due(x.Due), r.at(x.Done), x.State})
		}
		o.table("回应时限", []string{"时限", "截止时间", "完成时间", "状态"}, cl)
	}
	if e := c.Effect; e != nil {
		o.h1text("发布效果")
		s := fmt.Sprintf("首次发布于 %s。%s，发布前信息 %s 条，发布后 %s 条，%s", r.at(e.Published), e.Window, num(e.Before), num(e.After), change(e.Change))
		if e.NegBefore != nil && e.NegAfter != nil {
			s += fmt.Sprintf("；负面占比由 %s 变为 %s", pct(*e.NegBefore), pct(*e.NegAfter))
		}
		o.para("%s。", s)
		o.chart(charts["chart-effect"], nil)
	}
}

// shortClock writes a clock's label for a crowded table cell:
// 发布权威信息（5小时） → 5小时权威发布.
func shortClock(label string) string {
	name, hours, ok := strings.Cut(strings.TrimSuffix(label, "）"), "（")
	short := map[string]string{"发布权威信息": "权威发布", "召开新闻发布会": "发布会", "回应": "回应"}[name]
	if !ok || short == "" {
		return label
	}
	return hours + short
}
