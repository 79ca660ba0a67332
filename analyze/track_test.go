package analyze

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"yuqing/analyze/alert"
	"yuqing/analyze/grade"
	"yuqing/analyze/scheme"
	"yuqing/analyze/sentiment"
	"yuqing/analyze/topic"
	"yuqing/internal/mention"
)

var t0 = time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)

// stream is a synthetic day: a chemical-plant story that bursts with
// reposts and official-media pick-up, and a quiet streetlight complaint.
func stream() []Analyzed {
	var out []Analyzed
	add := func(id, platform string, at time.Duration, text string, tokens []string, root string, followers int64, author string, neg bool, schemes ...string) {
		a := Analyzed{
			Mention: mention.Mention{ID: id, Platform: platform, Text: text, PublishedAt: t0.Add(at), RootID: root,
				Author: mention.Author{Name: author, Followers: followers, Verified: followers > 100000}},
			Tokens: tokens, Keywords: tokens[:min(3, len(tokens))], Sentiment: sentiment.Result{Label: sentiment.Neu},
			Facts: grade.Inspect(text),
		}
		if neg {
			a.Sentiment = sentiment.Result{Label: sentiment.Neg, Score: -0.6}
		}
		for _, s := range schemes {
			a.Schemes = append(a.Schemes, scheme.Match{SchemeID: s, Terms: []string{"化工厂"}})
		}
		out = append(out, a)
	}
	chem := []string{"城东", "化工厂", "刺鼻", "异味", "居民", "担心", "泄漏", "环保", "部门", "回应", "夜间", "排放"}
	add("weibo:100", "weibo", 0, "城东化工厂夜间排放刺鼻异味，居民担心泄漏，环保部门何时回应", chem, "", 2000, "城东居民", true, "chem")
	for i := 0; i < 80; i++ {
		at := 10*time.Minute + time.Duration(i)*45*time.Second
		add(fmt.Sprintf("weibo:%d", 200+i), "weibo", at, "转发：化工厂异味太可怕了", []string{"化工厂", "异味", "可怕"}, "weibo:100", 50, "网友", true, "chem")
	}
	add("wechat:1", "wechat", 50*time.Minute, "城东化工厂异味事件：居民担心泄漏，环保部门回应正在排查夜间排放", chem, "", 5_000_000, "人民日报", false, "chem")
	add("forum:1", "forum", 55*time.Minute, "城东化工厂刺鼻异味已经三天了，居民担心泄漏，环保部门不作为", append(chem, "不作为"), "", 10, "论坛网友", true, "chem")
	light := []string{"小区", "门口", "路灯", "坏了", "晚上", "出行", "不便", "物业", "维修", "报修", "一周", "没人"}
	for i := 0; i < 4; i++ {
		add(fmt.Sprintf("forum:%d", 50+i), "forum", time.Duration(30+i*20)*time.Minute, "小区门口路灯坏了一周，晚上出行不便，报修物业没人维修", light, "", 5, "业主", false)
	}
	// keep event-time order
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j].Mention.PublishedAt.Before(out[j-1].Mention.PublishedAt); j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

func runStream(t *testing.T, items []Analyzed) (*Tracker, []string, []AlertOut) {
	t.Helper()
	tr := NewTracker(TrackerConfig{Topic: topic.DefaultConfig(), Sensitive: func(id string) bool { return id == "chem" }})
	var assigned []string
	var alerts []AlertOut
	for i := range items {
		a := items[i]
		out := tr.Track(&a)
		assigned = append(assigned, a.Topic)
		alerts = append(alerts, out.Alerts...)
	}
	return tr, assigned, alerts
}

func TestTrackerOneStoryOneAlert(t *testing.T) {
	items := stream()
	tr, assigned, alerts := runStream(t, items)
	chemTopic := ""
	for i, a := range items {
		if a.Mention.ID == "weibo:100" {
			chemTopic = tr.Resolve(assigned[i])
		}
	}
	for i, a := range items {
		inChem := tr.Resolve(assigned[i]) == chemTopic
		isChem := strings.Contains(a.Mention.Text, "化工厂")
		if inChem != isChem {
			t.Errorf("%s (%s) in chemical topic: %v", a.Mention.ID, a.Mention.Text, inChem)
		}
	}
	raised := 0
	var last alert.Alert
	for _, al := range alerts {
		if al.Alert.TopicID != chemTopic {
			t.Errorf("alert for another topic: %+v", al.Alert)
			continue
		}
		if al.Type == alert.TypeRaised {
			raised++
		}
		last = al.Alert
	}
	if raised != 1 {
		t.Fatalf("%d alerts raised for one story, want 1 (all: %d events)", raised, len(alerts))
	}
	if last.Grade == grade.None || last.Grade > grade.III || len(last.Evidence) == 0 || last.Mentions < 20 {
		t.Fatalf("last alert state %+v", last)
	}
	st := tr.stats[chemTopic]
	s := tr.summary(st)
	if s.First.ID != "weibo:100" || s.Platforms["wechat"] != 1 || s.Sentiment.Neg < 80 || len(s.Representative) == 0 || s.Representative[0].ID != "wechat:1" {
		t.Fatalf("summary: first %s platforms %v sentiment %+v rep %v", s.First.ID, s.Platforms, s.Sentiment, s.Representative)
	}
	if s.Lifecycle == Dormant || s.Lifecycle == "" {
		t.Fatalf("lifecycle %q", s.Lifecycle)
	}
}

// Replaying the same analysed stream rebuilds the same topics and alerts:
// the tracker's state is a projection.
func TestTrackerReplayIsIdentical(t *testing.T) {
	items := stream()
	a, assignA, alertsA := runStream(t, items)
	b, assignB, alertsB := runStream(t, items)
	if !reflect.DeepEqual(assignA, assignB) {
		t.Fatal("assignments differ between two runs of the same stream")
	}
	if len(alertsA) != len(alertsB) {
		t.Fatalf("alerts differ: %d vs %d", len(alertsA), len(alertsB))
	}
	for i := range alertsA {
		if !reflect.DeepEqual(alertsA[i], alertsB[i]) {
			t.Fatalf("alert %d differs:\n%+v\n%+v", i, alertsA[i], alertsB[i])
		}
	}
	for id, st := range a.stats {
		if !reflect.DeepEqual(a.summary(st), b.summary(b.stats[id])) {
			t.Fatalf("topic %s differs after replay", id)
		}
	}
	if out := a.Flush(); len(out.Retired) != len(b.stats) {
		t.Fatalf("flush retired %d of %d topics", len(out.Retired), len(b.stats))
	}
}

// The same post twice is recorded as exact_id and counted once; a copied
// text (洗稿) on another platform is marked near with the first copy, and
// still counts as volume of its story.
func TestTrackerMarksDuplicates(t *testing.T) {
	items := stream()
	var first Analyzed
	for _, a := range items {
		if a.Mention.ID == "weibo:100" {
			first = a
		}
	}
	again := first
	again.Mention.PublishedAt = first.Mention.PublishedAt.Add(time.Hour)
	copied := first
	copied.Mention.ID, copied.Mention.Platform = "forum:copy", "forum"
	copied.Mention.Text = "【转】" + first.Mention.Text
	copied.Mention.PublishedAt = first.Mention.PublishedAt.Add(61 * time.Minute)
	items = append(items, again, copied)
	tr, assigned, _ := runStream(t, items)
	chem := tr.Resolve(assigned[0])
	before := tr.summary(tr.stats[chem]).Mentions

	a := again
	tr2, _, _ := runStream(t, items[:len(items)-2])
	tr2.Track(&a)
	if a.Duplicate == nil || a.Duplicate.Kind != "exact_id" || a.Duplicate.FirstID != "weibo:100" || tr2.Resolve(a.Topic) != tr2.Resolve(assigned[0]) {
		t.Fatalf("repeat: %+v topic %s", a.Duplicate, a.Topic)
	}
	if got := tr2.summary(tr2.stats[tr2.Resolve(a.Topic)]).Mentions; got != len(items)-2-4 {
		t.Fatalf("chemical story counts %d mentions after a repeat, want %d", got, len(items)-2-4)
	}
	c := copied
	tr2.Track(&c)
	if c.Duplicate == nil || c.Duplicate.Kind != "near" || c.Duplicate.FirstID != "weibo:100" {
		t.Fatalf("copy: %+v", c.Duplicate)
	}
	if before != len(items)-4-1 {
		t.Fatalf("story counts %d, want %d (the copy counts, the repeat does not)", before, len(items)-4-1)
	}
}

// A story that catches on between two of the tracker's periodic checks (they
// come as its count grows by half) is alerted as soon as it meets the rising
// rule, not when its count next grows by half — which a burst of 11 after 12
// slow mentions never reaches.
func TestTrackerAlertsAStoryCatchingOnBetweenChecks(t *testing.T) {
	var items []Analyzed
	add := func(id string, at time.Duration, root string) {
		toks := []string{"南湖", "公园", "游船", "侧翻", "游客", "落水", "救援"}
		items = append(items, Analyzed{
			Mention: mention.Mention{ID: id, Platform: "weibo", Text: "南湖公园游船侧翻，游客落水，正在救援", PublishedAt: t0.Add(at), RootID: root,
				Author: mention.Author{Name: "网友", Followers: 10}},
			Tokens: toks, Keywords: toks[:3], Sentiment: sentiment.Result{Label: sentiment.Neu},
		})
	}
	add("weibo:1", 0, "")
	for i := range 11 { // slow: one every half hour
		add(fmt.Sprintf("weibo:s%d", i), time.Duration(i+1)*30*time.Minute, "weibo:1")
	}
	burst := 6*time.Hour + 10*time.Minute
	for i := range 11 { // then one a minute
		add(fmt.Sprintf("weibo:b%d", i), burst+time.Duration(i)*time.Minute, "weibo:1")
	}
	_, _, alerts := runStream(t, items)
	var raised []alert.Alert
	for _, a := range alerts {
		if a.Type == alert.TypeRaised {
			raised = append(raised, a.Alert)
		}
	}
	if len(raised) != 1 {
		t.Fatalf("want one alert for the story catching on, got %d: %+v", len(raised), raised)
	}
	if at := raised[0].Raised.Sub(t0); at < burst || at > burst+10*time.Minute {
		t.Errorf("raised %v after the first post; the burst began at %v and met the rule within 10 minutes", at, burst)
	}
}

// A topic's headline is the clearest title it has: a news report's 【title】
// over the question a resident posted first; between two titles of a kind,
// the first post's.
func TestTopicHeadlinePrefersATitle(t *testing.T) {
	toks := []string{"翠湖", "新区", "小区", "夜间", "刺鼻", "异味", "化工厂", "偷排", "居民", "半夜", "每次", "排查"}
	post := func(id string, at time.Duration, text, root string, followers int64) Analyzed {
		return Analyzed{
			Mention: mention.Mention{ID: id, Platform: "weibo", Text: text, PublishedAt: t0.Add(at), RootID: root,
				Author: mention.Author{Name: id, Followers: followers}},
			Tokens: toks, Keywords: toks[:3], Sentiment: sentiment.Result{Label: sentiment.Neu},
		}
	}
	items := []Analyzed{
		post("weibo:1", 0, "是不是翠湖新区的化工厂又在偷排？每次都挑半夜", "", 20),
		post("weibo:2", time.Minute, "【翠湖新区多个小区夜间闻到刺鼻异味】记者从翠湖新区了解到，相关部门已接到居民反映，正在排查异味来源。", "weibo:1", 800000),
		post("weibo:3", 2*time.Minute, "我家也闻到了", "weibo:1", 10),
	}
	tr, assigned, _ := runStream(t, items)
	st := tr.stats[tr.Resolve(assigned[0])]
	if st == nil || tr.Resolve(assigned[1]) != tr.Resolve(assigned[0]) {
		t.Fatalf("the report should be in the first post's topic: %v", assigned)
	}
	if got, want := st.headline(), "翠湖新区多个小区夜间闻到刺鼻异味"; got != want {
		t.Errorf("headline %q, want the report's title %q", got, want)
	}
	items[0].Mention.Text = "【翠湖新区化工厂疑似夜间偷排】居民称每次都挑半夜"
	tr, assigned, _ = runStream(t, items)
	if got, want := tr.stats[tr.Resolve(assigned[0])].headline(), "翠湖新区化工厂疑似夜间偷排"; got != want {
		t.Errorf("headline %q, want the first post's own title %q", got, want)
	}
}
