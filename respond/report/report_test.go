package report_test

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"yuqing/respond/incident"
	"yuqing/respond/report"
)

func weekly() report.Params {
	return report.Params{Kind: report.Weekly, From: weekFrom, To: weekTo}
}

func build(t *testing.T, f *fixture, p report.Params) *report.Report {
	t.Helper()
	r, err := report.Build(context.Background(), f.log, f.store, p, nil)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

// The weekly report's figures against the seeded ground truth, and a few
// numbers pinned by hand.
func TestWeeklyFigures(t *testing.T) {
	f := seed(t)
	r := build(t, f, weekly())

	if r.ID != "weekly-20261116-20261122" || r.Title != "舆情周报（2026年第47周）" || r.Period != "2026年11月16日（星期一）至11月22日（星期日）" {
		t.Errorf("id %q title %q period %q", r.ID, r.Title, r.Period)
	}
	total, byPlat := f.truth(weekFrom, weekTo, false)
	prev, _ := f.truth(weekFrom.Add(-7*24*time.Hour), weekFrom, false)
	h := r.Headline
	if h == nil || h.Mentions != total || h.Previous != prev {
		t.Fatalf("headline %+v, want mentions %d previous %d", h, total, prev)
	}
	if total != 644 || prev != 200 {
		t.Errorf("the fixture changed: %d mentions this week, %d the week before", total, prev)
	}
	if h.Change == nil || !near(*h.Change, float64(total-prev)/float64(prev)) {
		t.Errorf("change %v", h.Change)
	}
	// Volume: every day and platform, drill left out.
	if len(r.Volume.Days) != 7 || r.Volume.Days[0] != "2026-11-16" || r.Volume.Step != "day" {
		t.Errorf("days %v", r.Volume.Days)
	}
	var sum int64
	for i, p := range r.Volume.Platforms {
		var n int64
		for _, c := range r.Volume.Counts[i] {
			n += c
		}
		sum += n
		want := int64(0)
		for code, c := range byPlat {
			if report.PlatformName(code) == p {
				want = c
			}
		}
		if n != want {
			t.Errorf("platform %s: %d, want %d", p, n, want)
		}
	}
	if sum != total || r.Volume.Total != total {
		t.Errorf("volume sums to %d (total %d), want %d", sum, r.Volume.Total, total)
	}
	// Topics ranked by mentions in the week, drill left out.
	var ids []string
	for _, tp := range r.Topics {
		ids = append(ids, tp.ID)
		n, neg, neu, pos := f.topicTruth(tp.ID, weekFrom, weekTo)
		if tp.Mentions != n || tp.Sentiment != (report.Mix{Neg: neg, Neu: neu, Pos: pos}) {
			t.Errorf("topic %s: %d mentions %+v, want %d {%d %d %d}", tp.ID, tp.Mentions, tp.Sentiment, n, neg, neu, pos)
		}
	}
	if want := []string{"t-chem", "t-school", "t-metro", "t-park"}; !slices.Equal(ids, want) {
		t.Errorf("topics %v, want %v", ids, want)
	}
	chem := r.Topics[0]
	if chem.Headline != "城东化工厂附近传出刺鼻异味，居民担心泄漏" || chem.Peak != 7 || len(chem.Posts) == 0 || chem.Posts[0].Platform == "" {
		t.Errorf("t-chem: headline %q peak %d posts %v", chem.Headline, chem.Peak, chem.Posts)
	}
	if chem.Response.Status != "已发布权威信息" || !slices.Equal(chem.Response.Incidents, []string{"inc-chem"}) || !chem.Response.Published.Equal(day(17, 13, 0)) {
		t.Errorf("t-chem response %+v", chem.Response)
	}
	if r.Topics[2].Response.Status != "未建事件" {
		t.Errorf("t-metro response %+v", r.Topics[2].Response)
	}
	// Sentiment: the topics' mentions, the headline share from them.
	var neg, all int64
	for _, tp := range r.Topics {
		neg += tp.Sentiment.Neg
		all += tp.Sentiment.Sum()
	}
	if r.Sentiment == nil || r.Sentiment.Total.Neg != neg || r.Sentiment.Total.Sum() != all || h.NegShare == nil || !near(*h.NegShare, float64(neg)/float64(all)) {
		t.Errorf("sentiment %+v share %v, want %d of %d", r.Sentiment, h.NegShare, neg, all)
	}
	// Incidents opened in the week, the drill left out.
	in := r.Incidents
	if in == nil || in.Opened != 4 {
		t.Fatalf("incidents %+v", in)
	}
	grades := map[string]int64{}
	for _, g := range in.ByGrade {
		grades[g.Name] = g.Count
	}
	if grades["II 重大"] != 1 || grades["III 较大"] != 1 || grades["IV 一般"] != 1 || grades["未定级"] != 1 {
		t.Errorf("by grade %v", in.ByGrade)
	}
	dl := map[string]report.DeadlineRow{}
	for _, d := range in.Deadlines {
		dl[d.Clock] = d
	}
	if d := dl["发布权威信息（5小时）"]; d.Met != 1 || d.Missed != 0 {
		t.Errorf("5 h statements %+v", d)
	}
	if d := dl["召开新闻发布会（24小时）"]; d.Met != 0 || d.Missed != 1 {
		t.Errorf("24 h conferences %+v", d)
	}
	if d := dl["回应（48小时）"]; d.Missed != 2 || d.Running != 1 || d.Cancelled != 1 {
		t.Errorf("48 h responses %+v (deadlines %+v)", d, in.Deadlines)
	}
	rates := map[string]report.UnitRate{}
	for _, u := range in.OnTime {
		rates[u.Unit] = u
	}
	if u := rates["市应急管理局"]; u.Met != 1 || u.Missed != 1 || u.Rate != 0.5 {
		t.Errorf("市应急管理局 %+v (all %+v)", u, in.OnTime)
	}
	if u := rates["区教育局"]; u.Met != 0 || u.Missed != 1 {
		t.Errorf("区教育局 %+v", u)
	}
	for _, it := range in.Items {
		if it.Drill {
			t.Errorf("drill incident %s listed", it.ID)
		}
	}
	// Work orders: received in the week, overdue whenever received.
	w := r.WorkOrders
	if w == nil || w.Received != 5 || w.Answered != 2 || w.OnTime != 1 || w.Late != 1 || w.Open != 3 {
		t.Fatalf("work orders %+v", w)
	}
	var overdue []string
	for _, o := range w.Overdue {
		overdue = append(overdue, o.ID)
	}
	for _, o := range w.Overdue {
		if o.ID == "WO-0901" && (strings.Contains(o.Title, "13800138000") || !strings.Contains(o.Title, "138****8000")) {
			t.Errorf("the privacy guard did not mask the phone number: %q", o.Title)
		}
	}
	if !slices.Contains(overdue, "WO-0901") || !slices.Contains(overdue, "WO-1701") || slices.Contains(overdue, "WO-1601") {
		t.Errorf("overdue %v", overdue)
	}
	// Disclosure requests: their own section, by unit and result.
	d := r.Disclosure
	if d == nil || d.Received != 3 || d.Answered != 2 || d.OnTime != 2 || d.Open != 1 || d.Overdue != 0 {
		t.Fatalf("disclosure %+v", d)
	}
	if len(d.ByUnit) != 2 || d.ByUnit[0].Unit != "市住建局" || d.ByUnit[0].Answered != 2 || d.ByUnit[1].Open != 1 {
		t.Errorf("disclosure by unit %+v", d.ByUnit)
	}
	if len(d.Results) != 2 || d.Results[0].Label != "予以公开" || d.Results[1].Label != "不予公开" {
		t.Errorf("disclosure results %+v", d.Results)
	}
	// Watch list: the open incidents, the rising scheme.
	// inc-canteen published but is not closed: it stays on the list,
	// after those with a running clock.
	if r.Watch == nil || len(r.Watch.Incidents) != 3 || r.Watch.Incidents[0].ID != "inc-road" || !r.Watch.Incidents[0].Overdue ||
		r.Watch.Incidents[1].ID != "inc-new" || r.Watch.Incidents[2].ID != "inc-canteen" || r.Watch.Incidents[2].Clock != "" {
		t.Errorf("watch %+v", r.Watch)
	}
	if len(r.Watch.Schemes) != 1 || r.Watch.Schemes[0].Name != "危化品安全" {
		t.Errorf("watch schemes %+v", r.Watch.Schemes)
	}
	if r.Regions != nil {
		t.Errorf("regions %v: the store keeps none", r.Regions)
	}
	if !strings.Contains(r.Summary(), "共监测到相关信息 644 条") {
		t.Errorf("summary %s", r.Summary())
	}
}

// The on-time rates equal what GET /api/v1/reports/ontime answers for the
// same period at the same time.
func TestOnTimeEqualsAPI(t *testing.T) {
	f := seed(t)
	for _, tc := range []struct {
		name     string
		from, to time.Time
		asOf     time.Time
	}{
		{"week at its end", weekFrom, weekTo, weekTo},
		{"week a day later", weekFrom, weekTo, day(24, 0, 0)},
		{"one day", day(17, 0, 0), day(18, 0, 0), weekTo},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := build(t, f, report.Params{Kind: report.Weekly, From: tc.from, To: tc.to, AsOf: tc.asOf})
			got := apiOnTime(t, f, tc.from, tc.to, tc.asOf)
			var mine []report.UnitRate
			if r.Incidents != nil {
				mine = r.Incidents.OnTime
			}
			a, _ := json.Marshal(mine)
			b, _ := json.Marshal(got)
			if string(a) != string(b) && !(len(mine) == 0 && len(got) == 0) {
				t.Errorf("report %s\napi    %s", a, b)
			}
		})
	}
}

// Same log, same parameters: same figures and hash, also after the log
// grew past the report's time.
func TestReproducible(t *testing.T) {
	f := seed(t)
	p := weekly()
	h1, err := build(t, f, p).Hash()
	if err != nil {
		t.Fatal(err)
	}
	h2, _ := build(t, f, p).Hash()
	if h1 != h2 {
		t.Fatalf("two builds: %s and %s", h1, h2)
	}
	// Monday morning the road incident's statement comes, late.
	f.clock.set(day(23, 9, 0))
	if _, err := f.desk.Handle(context.Background(), "inc-road", "user:duty", incident.Publish{Release: incident.Release{At: day(23, 9, 0), Channel: "政务微博", URL: "https://x.example.invalid/1"}}); err != nil {
		t.Fatal(err)
	}
	if h3, _ := build(t, f, p).Hash(); h3 != h1 {
		t.Errorf("a fact recorded after the report's time changed it: %s → %s", h1, h3)
	}
	later := p
	later.AsOf = day(23, 10, 0)
	r := build(t, f, later)
	if h4, _ := r.Hash(); h4 == h1 {
		t.Error("a report as of a later time should see the late statement")
	}
	if r.Topics[0].ID != "t-chem" || r.Incidents.Items[0].Published.IsZero() {
		t.Errorf("later report %+v", r.Incidents.Items[0])
	}
}

func TestDrillIncludedAndMarked(t *testing.T) {
	f := seed(t)
	p := weekly()
	p.Drill = true
	r := build(t, f, p)
	if r.ID != "weekly-20261116-20261122-drill" || !strings.HasPrefix(r.Title, "【演练】") {
		t.Errorf("id %q title %q", r.ID, r.Title)
	}
	total, _ := f.truth(weekFrom, weekTo, true)
	if r.Headline.Mentions != total {
		t.Errorf("mentions %d, want %d with the drill", r.Headline.Mentions, total)
	}
	var drillTopic, drillIncident bool
	for _, tp := range r.Topics {
		drillTopic = drillTopic || tp.ID == "t-drill" && tp.Drill
	}
	for _, it := range r.Incidents.Items {
		drillIncident = drillIncident || it.ID == "inc-drill" && it.Drill
	}
	if !drillTopic || !drillIncident {
		t.Errorf("drill topic %v, incident %v", drillTopic, drillIncident)
	}
	page, err := r.HTML(report.Stamp{Hash: "x", Generated: weekTo})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(page), "本报告包含演练数据") || !strings.Contains(string(page), "【演练】化工园区储罐起火") {
		t.Error("the page does not mark the drill")
	}
	// Drills never count in the on-time rates.
	if a, b := build(t, f, weekly()).Incidents.OnTime, r.Incidents.OnTime; !slices.Equal(a, b) {
		t.Errorf("on-time rates with drill %v, without %v", b, a)
	}
}

func TestDailyByHour(t *testing.T) {
	f := seed(t)
	r := build(t, f, report.Params{Kind: report.Daily, From: day(17, 0, 0), To: day(18, 0, 0)})
	if r.Title != "舆情日报（2026年11月17日）" || r.Volume.Step != "hour" || len(r.Volume.Days) != 24 || r.Volume.Days[8] != "11-17 08:00" {
		t.Errorf("title %q step %s buckets %v", r.Title, r.Volume.Step, r.Volume.Days)
	}
	total, _ := f.truth(day(17, 0, 0), day(18, 0, 0), false)
	if r.Headline.Mentions != total {
		t.Errorf("mentions %d, want %d", r.Headline.Mentions, total)
	}
}

func TestIncidentCase(t *testing.T) {
	f := seed(t)
	p := report.Params{Kind: report.Incident, Incident: "inc-chem", From: day(16, 0, 0), To: day(20, 0, 0)}
	r := build(t, f, p)
	c := r.Case
	if c == nil || c.Title != "城东化工厂异味" || c.Grade != "II 重大" || c.Status != "已关闭" || len(c.Units) != 2 {
		t.Fatalf("case %+v", c)
	}
	if len(c.Statements) != 3 || c.Statements[0].Kind != "权威发布" || c.Statements[2].Kind != "新闻发布会" {
		t.Errorf("statements %+v", c.Statements)
	}
	states := map[string]string{}
	for _, cl := range c.Clocks {
		states[cl.Clock] = cl.State
	}
	if states["发布权威信息（5小时）"] != "按时完成" || states["召开新闻发布会（24小时）"] != "超时完成" {
		t.Errorf("clocks %v", states)
	}
	n, _, _, _ := f.topicTruth("t-chem", p.From, p.To)
	if c.Evidence == nil || c.Evidence.Total != n || len(c.Evidence.Topics) != 1 {
		t.Fatalf("evidence %+v, want %d mentions", c.Evidence, n)
	}
	e := c.Effect
	if e == nil || !e.Published.Equal(day(17, 13, 0)) || e.Window != "发布前后各 24 小时" {
		t.Fatalf("effect %+v", e)
	}
	var before, after int64
	for _, m := range f.mentions {
		if m.Topic == "t-chem" && !m.PublishedAt.Before(day(16, 13, 0)) && m.PublishedAt.Before(day(17, 13, 0)) {
			before++
		}
		if m.Topic == "t-chem" && !m.PublishedAt.Before(day(17, 13, 0)) && m.PublishedAt.Before(day(18, 13, 0)) {
			after++
		}
	}
	if e.Before != before || e.After != after {
		t.Errorf("effect %d → %d, want %d → %d", e.Before, e.After, before, after)
	}
	if len(c.Timeline) < 5 || c.Timeline[0].Summary != "建立事件：城东化工厂异味" || c.Timeline[0].Actor != "duty" {
		t.Errorf("timeline %+v", c.Timeline[:min(3, len(c.Timeline))])
	}
	// A drill incident needs the drill flag; an unknown one is refused.
	_, err := report.Build(context.Background(), f.log, f.store, report.Params{Kind: report.Incident, Incident: "inc-drill", From: day(18, 0, 0), To: day(19, 0, 0)}, nil)
	if err == nil || !strings.Contains(err.Error(), "演练") {
		t.Errorf("drill incident without --drill: %v", err)
	}
	_, err = report.Build(context.Background(), f.log, f.store, report.Params{Kind: report.Incident, Incident: "inc-none", From: day(18, 0, 0), To: day(19, 0, 0)}, nil)
	if !errors.Is(err, report.ErrNoIncident) {
		t.Errorf("unknown incident: %v", err)
	}
}

func TestParams(t *testing.T) {
	tests := []struct {
		p    report.Params
		id   string
		errs string
	}{
		{report.Params{Kind: report.Daily, From: day(17, 0, 0), To: day(18, 0, 0)}, "daily-20261117-20261117", ""},
		{report.Params{Kind: report.Monthly, From: time.Date(2026, 11, 1, 0, 0, 0, 0, cst), To: time.Date(2026, 12, 1, 0, 0, 0, 0, cst)}, "monthly-20261101-20261130", ""},
		{report.Params{Kind: report.Incident, Incident: "inc/../x", From: day(17, 0, 0), To: day(18, 0, 0)}, "incident-20261117-20261117-inc_.._x", ""},
		{report.Params{Kind: "yearly", From: day(17, 0, 0), To: day(18, 0, 0)}, "", "报表类型"},
		{report.Params{Kind: report.Daily, From: day(18, 0, 0), To: day(17, 0, 0)}, "", "统计时段"},
		{report.Params{Kind: report.Incident, From: day(17, 0, 0), To: day(18, 0, 0)}, "", "事件编号"},
		{report.Params{Kind: report.Daily, From: day(17, 0, 0), To: day(18, 0, 0), Formats: []string{"xls"}}, "", "格式"},
	}
	for _, tc := range tests {
		p := tc.p.Normalize()
		err := p.Validate()
		switch {
		case tc.errs == "" && err != nil:
			t.Errorf("%+v: %v", tc.p, err)
		case tc.errs != "" && (err == nil || !strings.Contains(err.Error(), tc.errs)):
			t.Errorf("%+v: error %v, want one about %s", tc.p, err, tc.errs)
		case tc.errs == "" && p.ID() != tc.id:
			t.Errorf("id %q, want %q", p.ID(), tc.id)
		}
		if tc.errs == "" && !report.ValidID(p.ID()) {
			t.Errorf("id %q is not valid", p.ID())
		}
	}
	from, to := report.Period(report.Weekly, day(23, 8, 0), cst)
	if !from.Equal(weekFrom) || !to.Equal(weekTo) {
		t.Errorf("weekly period %s – %s", from, to)
	}
}

// 次生舆情 an incident raised in the period is in the report, masked like
// everything else that leaves.
func TestSecondaryInTheWeeklyReport(t *testing.T) {
	f := seed(t)
	var id string
	for _, x := range f.desk.Board().IDs() {
		if st, _ := f.desk.Board().State(x); st.Status == "open" && !st.Drill {
			id = x
			break
		}
	}
	if id == "" {
		t.Fatal("the fixture has no open incident")
	}
	at := weekFrom.Add(3 * 24 * time.Hour)
	cmd := incident.RaiseSecondary{SecondaryRaised: incident.SecondaryRaised{Kind: "questioning", Reason: "5 条信息质疑通报，联系人13812345678", At: at}}
	if _, err := f.desk.Handle(context.Background(), id, "system:secondary", cmd); err != nil {
		t.Fatal(err)
	}
	r := build(t, f, weekly())
	if r.Incidents == nil || len(r.Incidents.Secondary) != 1 {
		t.Fatalf("次生舆情 in the report: %+v", r.Incidents)
	}
	if x := r.Incidents.Secondary[0]; !x.At.Equal(at) || strings.Contains(x.Reason, "13812345678") || !strings.Contains(x.Reason, "质疑通报") {
		t.Fatalf("the item: %+v", x)
	}
}
