package report_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sort"
	"sync"
	"testing"
	"time"

	"yuqing/analyze"
	"yuqing/analyze/scheme"
	"yuqing/internal/analytics"
	"yuqing/internal/analytics/sqlitestore"
	"yuqing/internal/event"
	"yuqing/internal/eventlog"
	"yuqing/internal/eventlog/sqlitelog"
	"yuqing/respond/desk"
	"yuqing/respond/incident"
	"yuqing/respond/workorder"
)

var cst = time.FixedZone("CST", 8*3600)

// The week the fixture covers: Monday 16 to Sunday 22 November 2026.
var (
	weekFrom = time.Date(2026, 11, 16, 0, 0, 0, 0, cst)
	weekTo   = time.Date(2026, 11, 23, 0, 0, 0, 0, cst)
)

func day(d, h, m int) time.Time { return time.Date(2026, 11, d, h, m, 0, 0, cst) }

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

// fixture is a log and a store seeded with a week of topics, incidents
// and work orders, and the mentions written (the ground truth).
type fixture struct {
	dir      string
	log      eventlog.Log
	store    analytics.Store
	desk     *desk.Desk
	clock    *clock
	mentions []analytics.Mention
	topics   map[string]analytics.Topic
}

// topicSpec describes one seeded topic.
type topicSpec struct {
	id, headline string
	label        []string
	platforms    []string
	start        time.Time
	hours        int
	perHour      func(h int) int
	sentiment    func(i int) string
	drill        bool
	schemes      []string
}

var specs = []topicSpec{
	{id: "t-chem", headline: "城东化工厂附近传出刺鼻异味，居民担心泄漏", label: []string{"化工厂", "异味", "泄漏", "城东", "居民"},
		platforms: []string{"weibo", "weibo", "wechat", "news"}, start: day(17, 8, 0), hours: 60,
		perHour: func(h int) int { return 2 + (h%12)/2 }, sentiment: func(i int) string { return []string{"neg", "neg", "neg", "neu", "pos"}[i%5] }, schemes: []string{"s-chem"}},
	{id: "t-school", headline: "网传某小学食堂饭菜变质，区教育局介入调查", label: []string{"食堂", "小学", "变质", "教育局"},
		platforms: []string{"forum", "weibo"}, start: day(19, 7, 0), hours: 70,
		perHour: func(h int) int { return 1 + h%3 }, sentiment: func(i int) string { return []string{"neg", "neu", "neg", "pos"}[i%4] }},
	{id: "t-metro", headline: "地铁2号线早高峰延误", label: []string{"地铁", "延误", "早高峰"},
		platforms: []string{"weibo", "douyin"}, start: day(16, 7, 0), hours: 150,
		perHour: func(h int) int { return h % 2 }, sentiment: func(i int) string { return []string{"neu", "neg", "pos"}[i%3] }},
	{id: "t-park", headline: "滨江公园新区开放，市民点赞", label: []string{"公园", "开放", "滨江"},
		platforms: []string{"wechat"}, start: day(21, 9, 0), hours: 10,
		perHour: func(h int) int { return 2 }, sentiment: func(i int) string { return "pos" }},
	{id: "t-drill", headline: "【演练】某化工园区储罐起火", label: []string{"储罐", "起火", "园区"},
		platforms: []string{"weibo"}, start: day(18, 14, 0), hours: 4,
		perHour: func(h int) int { return 10 }, sentiment: func(i int) string { return "neg" }, drill: true, schemes: []string{"s-chem"}},
}

// openFixture opens an embedded log, and store (nil: an embedded one).
func openFixture(t testing.TB, store analytics.Store) *fixture {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	log, err := sqlitelog.Open(ctx, sqlitelog.Config{Path: filepath.Join(dir, "log.db")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { log.Close() })
	if store == nil {
		s, err := sqlitestore.Open(ctx, filepath.Join(dir, "analytics.db"), nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		store = s
	}
	return &fixture{dir: dir, log: log, store: store, clock: &clock{t: weekFrom.Add(-7 * 24 * time.Hour)}, topics: map[string]analytics.Topic{}}
}

// seed writes the week: mentions and topic summaries, a monitoring
// scheme, incidents with clocks met and missed, work orders.
func seed(t testing.TB) *fixture { return seedInto(t, nil) }

func seedInto(t testing.TB, store analytics.Store) *fixture {
	t.Helper()
	f := openFixture(t, store)
	f.seedMentions(t)
	f.seedIncidents(t)
	return f
}

func (f *fixture) put(t testing.TB, ms []analytics.Mention) {
	t.Helper()
	if err := f.store.PutMentions(context.Background(), ms); err != nil {
		t.Fatal(err)
	}
	f.mentions = append(f.mentions, ms...)
}

func (f *fixture) seedMentions(t testing.TB) {
	t.Helper()
	ctx := context.Background()
	reg := scheme.NewRegistry()
	e, err := reg.Define(scheme.Scheme{ID: "s-chem", Name: "危化品安全", Rule: "化工厂 | 储罐"}, "user:admin", weekFrom.Add(-30*24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.log.Append(ctx, scheme.Topic, e); err != nil {
		t.Fatal(err)
	}
	var topicEvents []event.Envelope
	for _, s := range specs {
		var ms []analytics.Mention
		n := 0
		for h := 0; h < s.hours; h++ {
			for k := 0; k < s.perHour(h); k++ {
				pl := s.platforms[n%len(s.platforms)]
				at := s.start.Add(time.Duration(h)*time.Hour + time.Duration(k*7)*time.Minute)
				sen := s.sentiment(n)
				score := map[string]float64{"neg": -0.8, "neu": 0, "pos": 0.7}[sen] - float64(n%7)/100
				ms = append(ms, analytics.Mention{ID: fmt.Sprintf("%s:%s-%04d", pl, s.id, n), Platform: pl, Source: pl, URL: fmt.Sprintf("https://example.invalid/%s/%d", s.id, n),
					AuthorID: fmt.Sprintf("u%d", n%9), AuthorName: fmt.Sprintf("网友%d", n%9), Text: fmt.Sprintf("%s，第%d条：%s", s.headline, n, s.label[n%len(s.label)]),
					PublishedAt: at.UTC(), IngestedAt: at.UTC().Add(time.Minute), Keywords: s.label[:2], Tokens: s.label, Drill: s.drill,
					Sentiment: sen, SentimentScore: score, Topic: s.id, Schemes: s.schemes})
				n++
			}
		}
		f.put(t, ms)
		first, last := ms[0], ms[len(ms)-1]
		mix := analyze.SentimentMix{}
		plats := map[string]int{}
		for _, m := range ms {
			plats[m.Platform]++
			switch m.Sentiment {
			case "neg":
				mix.Neg++
			case "pos":
				mix.Pos++
			default:
				mix.Neu++
			}
		}
		sum := analyze.TopicSummary{ID: s.id, Headline: s.headline, Label: s.label, Mentions: len(ms), FirstTime: first.PublishedAt, LastTime: last.PublishedAt,
			First: analyze.Sample{ID: first.ID, Platform: first.Platform, Text: first.Text, Time: first.PublishedAt}, Platforms: plats, Sentiment: mix,
			Lifecycle: analyze.Declining, Schemes: s.schemes, Drill: s.drill,
			Representative: []analyze.Sample{{ID: ms[len(ms)/2].ID, Platform: ms[len(ms)/2].Platform, Text: ms[len(ms)/2].Text, Time: ms[len(ms)/2].PublishedAt}}}
		ev, err := event.New(analyze.TypeTopicUpdated, s.id, "analyze", last.PublishedAt, last.IngestedAt, sum)
		if err != nil {
			t.Fatal(err)
		}
		topicEvents = append(topicEvents, ev)
		row := analyze.TopicRow(sum, last.PublishedAt, false)
		if err := f.store.PutTopics(ctx, []analytics.Topic{row}); err != nil {
			t.Fatal(err)
		}
		f.topics[s.id] = row
	}
	if err := f.log.Append(ctx, analyze.TopicTopics, topicEvents...); err != nil {
		t.Fatal(err)
	}
	// Mentions in no topic, this week and the week before (the
	// comparison), and a few of the scheme the week before.
	var loose []analytics.Mention
	for i := 0; i < 140; i++ {
		at := weekFrom.Add(time.Duration(i) * 72 * time.Minute)
		pl := []string{"weibo", "news", "forum", "wechat"}[i%4]
		loose = append(loose, analytics.Mention{ID: fmt.Sprintf("%s:loose-%03d", pl, i), Platform: pl, Text: "转发微博", PublishedAt: at.UTC(), IngestedAt: at.UTC(), Sentiment: "neu"})
	}
	for i := 0; i < 200; i++ {
		at := weekFrom.Add(-7*24*time.Hour + time.Duration(i)*50*time.Minute)
		m := analytics.Mention{ID: fmt.Sprintf("weibo:prev-%03d", i), Platform: "weibo", Text: "上周", PublishedAt: at.UTC(), IngestedAt: at.UTC(), Sentiment: "neu"}
		if i%20 == 0 {
			m.Schemes = []string{"s-chem"}
		}
		loose = append(loose, m)
	}
	f.put(t, loose)
}

// step is one thing the duty desk does at a time.
type step struct {
	at time.Time
	do func(ctx context.Context) error
}

func (f *fixture) seedIncidents(t testing.TB) {
	t.Helper()
	ctx := context.Background()
	d, err := desk.New(desk.Config{Policy: incident.Default()}, f.log, nil, f.clock.now, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Load(ctx); err != nil {
		t.Fatal(err)
	}
	f.desk = d
	open := func(id, title string, detected time.Time, topics []string, drill bool) func(context.Context) error {
		return func(ctx context.Context) error {
			_, err := d.Open(ctx, id, "user:duty", incident.Open{Title: title, Topics: topics, DetectedAt: detected, Drill: drill})
			return err
		}
	}
	handle := func(id string, cmd any) func(context.Context) error {
		return func(ctx context.Context) error { _, err := d.Handle(ctx, id, "user:duty", cmd); return err }
	}
	order := func(id string, cmd any) func(context.Context) error {
		return func(ctx context.Context) error { _, err := d.HandleWorkOrder(ctx, id, "user:duty", cmd); return err }
	}
	received := func(at time.Time, category, unit, title string) workorder.Receive {
		return workorder.Receive{Received: workorder.Received{ReceivedAt: at, Channel: "12345", Category: category, Unit: unit, Title: title, Text: title}}
	}
	disclosure := func(at time.Time, unit, title string) workorder.Receive {
		return workorder.Receive{Received: workorder.Received{ReceivedAt: at, Channel: "网上申请", Category: workorder.CategoryDisclosure, Unit: unit, Title: title, Text: title}}
	}
	release := func(at time.Time) incident.Release {
		return incident.Release{At: at, Channel: "政务微博", URL: "https://weibo.example.invalid/status/1", Text: "经检测，城东化工厂周边空气质量正常，异味来自设备检修。"}
	}
	units := func(lead string, others ...incident.Unit) incident.Assign {
		return incident.Assign{Units: append([]incident.Unit{{Name: lead, Kind: "主管"}}, others...), Lead: lead}
	}
	steps := []step{
		{day(9, 9, 0), order("WO-0901", received(day(9, 9, 0), "咨询", "临江区人民政府", "咨询老旧小区加装电梯补贴（联系电话13800138000）"))},
		{day(16, 8, 0), open("inc-road", "环城路塌陷致交通中断", day(16, 7, 30), nil, false)},
		{day(16, 8, 10), handle("inc-road", incident.SetGrade{Grade: incident.GradeIII, Reason: "影响主干道通行"})},
		{day(16, 8, 20), handle("inc-road", units("市交通运输局"))},
		{day(16, 9, 0), order("WO-1601", received(day(16, 9, 0), "咨询", "市住建局", "咨询公积金提取"))},
		{day(16, 10, 0), order("WO-1602", received(day(16, 10, 0), "咨询", "临江区人民政府", "咨询户籍迁入"))},
		{day(16, 9, 30), order("DA-1601", disclosure(day(16, 9, 30), "市住建局", "申请公开2026年老旧小区改造项目清单"))},
		{day(16, 11, 0), order("DA-1602", disclosure(day(16, 11, 0), "市自然资源局", "申请公开城东地块征收补偿方案"))},
		{day(17, 9, 0), order("WO-1701", received(day(17, 9, 0), "咨询", "市交通运输局", "咨询公交线路调整"))},
		{day(17, 10, 0), open("inc-chem", "城东化工厂异味", day(17, 9, 30), []string{"t-chem"}, false)},
		{day(17, 10, 5), handle("inc-chem", incident.SetGrade{Grade: incident.GradeII, Reason: "涉及危化品，居民聚集"})},
		{day(17, 10, 10), handle("inc-chem", units("市应急管理局", incident.Unit{Name: "临江区人民政府", Kind: "属地"}))},
		{day(17, 10, 30), order("WO-1702", received(day(17, 10, 30), "投诉", "市住建局", "投诉夜间施工噪声"))},
		{day(17, 13, 0), handle("inc-chem", incident.Publish{Release: release(day(17, 13, 0))})},
		{day(17, 15, 0), order("WO-1601", workorder.Answer{At: day(17, 15, 0), Text: "已答复"})},
		{day(18, 11, 0), handle("inc-chem", incident.FollowUp{Release: release(day(18, 11, 0))})},
		{day(18, 12, 0), handle("inc-chem", incident.Hold{Conference: incident.Conference{At: day(18, 12, 0), Place: "市政府新闻发布厅", Speakers: []incident.Speaker{{Name: "王某", Role: "新闻发言人"}}}})},
		{day(18, 15, 0), open("inc-drill", "【演练】化工园区储罐起火", day(18, 14, 30), []string{"t-drill"}, true)},
		{day(18, 15, 5), handle("inc-drill", incident.SetGrade{Grade: incident.GradeI, Reason: "演练"})},
		{day(18, 15, 10), handle("inc-drill", units("市应急管理局"))},
		{day(19, 9, 30), order("WO-1901", received(day(19, 9, 30), "留言", "市住建局", "反映小区停车难"))},
		{day(19, 10, 0), open("inc-canteen", "某小学食堂饭菜变质", day(19, 9, 0), []string{"t-school"}, false)},
		{day(19, 10, 5), handle("inc-canteen", incident.SetGrade{Grade: incident.GradeIV, Reason: "局部影响"})},
		{day(19, 10, 10), handle("inc-canteen", units("区教育局"))},
		{day(19, 11, 0), handle("inc-chem", incident.Close{Review: "处置及时，发布会略晚"})},
		{day(18, 16, 0), order("DA-1601", workorder.Answer{At: day(18, 16, 0), Text: "已公开，见门户网站", Result: workorder.ResultPublic})},
		{day(19, 9, 0), order("DA-1901", disclosure(day(19, 9, 0), "市住建局", "申请公开某楼盘预售资金监管账户流水"))},
		{day(20, 9, 0), order("DA-1901", workorder.Answer{At: day(20, 9, 0), Text: "涉及商业秘密，不予公开", Result: workorder.ResultWithheld, Basis: "third_party"})},
		{day(20, 10, 0), order("WO-1602", workorder.Answer{At: day(20, 10, 0), Text: "已答复"})},
		{day(21, 11, 0), handle("inc-canteen", incident.Publish{Release: incident.Release{At: day(21, 11, 0), Channel: "门户网站", URL: "https://edu.example.invalid/notice/1", Text: "区教育局通报调查结果。"}})},
		{day(21, 20, 0), open("inc-new", "滨江路积水", day(21, 19, 50), nil, false)},
	}
	for _, s := range steps {
		f.clock.set(s.at)
		if err := s.do(ctx); err != nil {
			t.Fatalf("seeding at %s: %v", s.at, err)
		}
	}
}

// truth counts the seeded mentions in [from, to): all, and by platform,
// leaving the drill out unless drill.
func (f *fixture) truth(from, to time.Time, drill bool) (int64, map[string]int64) {
	var n int64
	by := map[string]int64{}
	for _, m := range f.mentions {
		if (m.Drill && !drill) || m.PublishedAt.Before(from) || !m.PublishedAt.Before(to) {
			continue
		}
		n++
		by[m.Platform]++
	}
	return n, by
}

// topicTruth counts a topic's seeded mentions in [from, to) by sentiment.
func (f *fixture) topicTruth(id string, from, to time.Time) (n, neg, neu, pos int64) {
	for _, m := range f.mentions {
		if m.Topic != id || m.PublishedAt.Before(from) || !m.PublishedAt.Before(to) {
			continue
		}
		n++
		switch m.Sentiment {
		case "neg":
			neg++
		case "pos":
			pos++
		default:
			neu++
		}
	}
	return
}

func sortedIDs(m map[string]analytics.Topic) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
