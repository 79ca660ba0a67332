// Package storetest is the conformance suite every analytics.Store passes.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"yuqing/internal/analytics"
)

// Run runs the suite. fresh returns an empty store; the suite closes it.
func Run(t *testing.T, fresh func(t *testing.T) analytics.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s analytics.Store)
	}{
		{"GetRoundTrip", testGet},
		{"IdempotentPut", testIdempotent},
		{"CountsByBucketAndPlatform", testCounts},
		{"CountsByKeyword", testKeywordFilter},
		{"TopKeywords", testTopKeywords},
		{"ConcurrentWriters", testConcurrent},
		{"BadQuery", testBadQuery},
		{"AnalysisFieldsRoundTrip", testAnalysisFields},
		{"RollupByTopicAndScheme", testRollup},
		{"TopicsLatestVersionWins", testTopics},
		{"MentionsOfATopic", testMentions},
		{"BreakdownOfATopic", testBreakdown},
		{"SearchFilters", testSearch},
		{"SearchPaging", testSearchPaging},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := fresh(t)
			t.Cleanup(func() {
				if err := s.Close(); err != nil {
					t.Errorf("Close: %v", err)
				}
			})
			tc.fn(t, s)
		})
	}
}

var t0 = time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	t.Cleanup(cancel)
	return c
}

func m(id, platform string, at time.Time, kw ...string) analytics.Mention {
	return analytics.Mention{
		ID: platform + ":" + id, Platform: platform, Source: "storetest",
		URL: "https://example.org/" + id, AuthorID: "u" + id, AuthorName: "作者" + id,
		Title: "标题", Text: "正文 " + id, PublishedAt: at, IngestedAt: at.Add(time.Minute),
		Tokens: append([]string{"正文"}, kw...), Keywords: kw,
	}
}

func put(t *testing.T, s analytics.Store, ms ...analytics.Mention) {
	t.Helper()
	if err := s.PutMentions(ctx(t), ms); err != nil {
		t.Fatalf("PutMentions(%d): %v", len(ms), err)
	}
}

func day() analytics.Query {
	return analytics.Query{From: t0.Add(-time.Hour), To: t0.Add(23 * time.Hour), Step: analytics.Hour}
}

func testGet(t *testing.T, s analytics.Store) {
	in := m("1", "weibo", t0.Add(90*time.Second), "化工厂", "异味")
	in.Drill = true
	put(t, s, in)
	got, err := s.Get(ctx(t), in.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != in.ID || got.Platform != in.Platform || got.Source != in.Source || got.URL != in.URL ||
		got.AuthorID != in.AuthorID || got.AuthorName != in.AuthorName || got.Title != in.Title || got.Text != in.Text ||
		!got.PublishedAt.Equal(in.PublishedAt) || !got.IngestedAt.Equal(in.IngestedAt) ||
		!reflect.DeepEqual(got.Tokens, in.Tokens) || !reflect.DeepEqual(got.Keywords, in.Keywords) || got.Drill != in.Drill {
		t.Fatalf("Get = %+v\nwant  %+v", got, in)
	}
	if _, err := s.Get(ctx(t), "weibo:missing"); !errors.Is(err, analytics.ErrNotFound) {
		t.Fatalf("Get(missing) = %v, want ErrNotFound", err)
	}
}

func testIdempotent(t *testing.T, s analytics.Store) {
	a := m("1", "weibo", t0, "水")
	b := m("2", "weibo", t0, "水")
	put(t, s, a, b)
	put(t, s, a)    // the same mention again
	put(t, s, b, b) // twice in one batch
	got, err := s.Counts(ctx(t), day())
	if err != nil {
		t.Fatal(err)
	}
	want := []analytics.Bucket{{Start: t0, Platform: "weibo", Count: 2}}
	if !equalBuckets(got, want) {
		t.Fatalf("Counts = %v, want %v", got, want)
	}
	kw, err := s.TopKeywords(ctx(t), day(), 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(kw) != 1 || kw[0] != (analytics.KeywordCount{Keyword: "水", Count: 2}) {
		t.Fatalf("TopKeywords = %v, want [水 2]", kw)
	}
}

func testCounts(t *testing.T, s analytics.Store) {
	put(t, s,
		m("1", "weibo", t0.Add(5*time.Minute)),
		m("2", "weibo", t0.Add(59*time.Minute)),
		m("3", "wechat", t0.Add(30*time.Minute)),
		m("4", "weibo", t0.Add(61*time.Minute)),
		m("5", "forum", t0.Add(3*time.Hour)),
		m("6", "forum", t0.Add(-2*time.Hour)), // before the range
		m("7", "forum", t0.Add(30*time.Hour)), // after the range
	)
	got, err := s.Counts(ctx(t), day())
	if err != nil {
		t.Fatal(err)
	}
	want := []analytics.Bucket{
		{Start: t0, Platform: "wechat", Count: 1},
		{Start: t0, Platform: "weibo", Count: 2},
		{Start: t0.Add(time.Hour), Platform: "weibo", Count: 1},
		{Start: t0.Add(3 * time.Hour), Platform: "forum", Count: 1},
	}
	if !equalBuckets(got, want) {
		t.Fatalf("hourly Counts = %v\nwant %v", got, want)
	}
	q := day()
	q.Step = analytics.Minute
	q.Platform = "weibo"
	got, err = s.Counts(ctx(t), q)
	if err != nil {
		t.Fatal(err)
	}
	want = []analytics.Bucket{
		{Start: t0.Add(5 * time.Minute), Platform: "weibo", Count: 1},
		{Start: t0.Add(59 * time.Minute), Platform: "weibo", Count: 1},
		{Start: t0.Add(61 * time.Minute), Platform: "weibo", Count: 1},
	}
	if !equalBuckets(got, want) {
		t.Fatalf("per-minute weibo Counts = %v\nwant %v", got, want)
	}
	q.Step = analytics.Day
	q.Platform = ""
	q.From, q.To = t0.Add(-48*time.Hour), t0.Add(48*time.Hour)
	got, err = s.Counts(ctx(t), q)
	if err != nil {
		t.Fatal(err)
	}
	d := t0.Truncate(24 * time.Hour)
	want = []analytics.Bucket{
		{Start: d, Platform: "forum", Count: 2},
		{Start: d, Platform: "wechat", Count: 1},
		{Start: d, Platform: "weibo", Count: 3},
		{Start: d.Add(24 * time.Hour), Platform: "forum", Count: 1},
	}
	if !equalBuckets(got, want) {
		t.Fatalf("daily Counts = %v\nwant %v", got, want)
	}
}

func testKeywordFilter(t *testing.T, s analytics.Store) {
	put(t, s,
		m("1", "weibo", t0, "化工厂", "异味"),
		m("2", "weibo", t0.Add(time.Minute), "异味"),
		m("3", "forum", t0.Add(2*time.Minute), "化工厂"),
		m("4", "forum", t0.Add(3*time.Minute), "学校"),
	)
	q := day()
	q.Keyword = "化工厂"
	got, err := s.Counts(ctx(t), q)
	if err != nil {
		t.Fatal(err)
	}
	want := []analytics.Bucket{
		{Start: t0, Platform: "forum", Count: 1},
		{Start: t0, Platform: "weibo", Count: 1},
	}
	if !equalBuckets(got, want) {
		t.Fatalf("Counts(keyword) = %v, want %v", got, want)
	}
}

func testTopKeywords(t *testing.T, s analytics.Store) {
	put(t, s,
		m("1", "weibo", t0, "异味", "化工厂"),
		m("2", "weibo", t0, "异味", "化工厂"),
		m("3", "weibo", t0, "异味", "学校"),
		m("4", "wechat", t0, "医院"),
		m("5", "wechat", t0.Add(40*time.Hour), "异味"), // outside the range
	)
	got, err := s.TopKeywords(ctx(t), day(), 3)
	if err != nil {
		t.Fatal(err)
	}
	want := []analytics.KeywordCount{kc("异味", 3), kc("化工厂", 2), kc("医院", 1)}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("TopKeywords = %v, want %v", got, want)
	}
	q := day()
	q.Platform = "wechat"
	got, err = s.TopKeywords(ctx(t), q, 10)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, []analytics.KeywordCount{kc("医院", 1)}) {
		t.Fatalf("TopKeywords(wechat) = %v", got)
	}
}

func testConcurrent(t *testing.T, s analytics.Store) {
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var batch []analytics.Mention
			for i := 0; i < 500; i++ {
				// writers overlap: ids 0..999 are each written by two writers
				batch = append(batch, m(fmt.Sprint((w/2)*500+i), "news", t0.Add(time.Duration(i)*time.Second), "并发"))
			}
			if err := s.PutMentions(ctx(t), batch); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	got, err := s.Counts(ctx(t), day())
	if err != nil {
		t.Fatal(err)
	}
	var total int64
	for _, b := range got {
		total += b.Count
	}
	if total != 1000 {
		t.Fatalf("total count %d, want 1000 distinct mentions", total)
	}
}

func testBadQuery(t *testing.T, s analytics.Store) {
	if _, err := s.Counts(ctx(t), analytics.Query{From: t0, To: t0, Step: analytics.Hour}); err == nil {
		t.Fatal("empty range accepted")
	}
	if _, err := s.Counts(ctx(t), analytics.Query{From: t0, To: t0.Add(time.Hour), Step: 7 * time.Minute}); err == nil {
		t.Fatal("7-minute step accepted")
	}
}

func equalBuckets(got, want []analytics.Bucket) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if !got[i].Start.Equal(want[i].Start) || got[i].Platform != want[i].Platform || got[i].Count != want[i].Count {
			return false
		}
	}
	return true
}

func kc(k string, n int64) analytics.KeywordCount {
	return analytics.KeywordCount{Keyword: k, Count: n}
}

func analysed(id, platform string, at time.Time, topic string, schemes ...string) analytics.Mention {
	x := m(id, platform, at)
	x.Topic = topic
	x.Schemes = schemes
	x.Sentiment = "neg"
	x.SentimentScore = -0.75
	return x
}

func testAnalysisFields(t *testing.T, s analytics.Store) {
	in := analysed("1", "weibo", t0, "t-weibo:1", "chem", "env")
	put(t, s, in)
	got, err := s.Get(ctx(t), in.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Topic != in.Topic || got.Sentiment != "neg" || got.SentimentScore != -0.75 || !reflect.DeepEqual(got.Schemes, in.Schemes) {
		t.Fatalf("Get = %+v", got)
	}
}

func testRollup(t *testing.T, s analytics.Store) {
	put(t, s,
		analysed("1", "weibo", t0.Add(10*time.Second), "ta", "chem"),
		analysed("2", "weibo", t0.Add(20*time.Second), "ta", "chem", "env"),
		analysed("3", "forum", t0.Add(70*time.Second), "ta"),
		analysed("4", "weibo", t0.Add(65*time.Minute), "tb", "env"),
		analysed("5", "weibo", t0.Add(30*time.Hour), "ta", "chem"), // outside the range
	)
	put(t, s, analysed("2", "weibo", t0.Add(20*time.Second), "ta", "chem", "env")) // again: counted once
	q := day()
	q.Step = analytics.Minute
	got, err := s.Rollup(ctx(t), analytics.ByTopic, nil, q)
	if err != nil {
		t.Fatal(err)
	}
	want := []analytics.KeyBucket{
		{Key: "ta", Start: t0, Count: 2},
		{Key: "ta", Start: t0.Add(time.Minute), Count: 1},
		{Key: "tb", Start: t0.Add(65 * time.Minute), Count: 1},
	}
	if !equalKeyBuckets(got, want) {
		t.Fatalf("per-minute topic rollup = %v\nwant %v", got, want)
	}
	q.Step = analytics.Hour
	got, err = s.Rollup(ctx(t), analytics.ByScheme, nil, q)
	if err != nil {
		t.Fatal(err)
	}
	want = []analytics.KeyBucket{
		{Key: "chem", Start: t0, Count: 2},
		{Key: "env", Start: t0, Count: 1},
		{Key: "env", Start: t0.Add(time.Hour), Count: 1},
	}
	if !equalKeyBuckets(got, want) {
		t.Fatalf("hourly scheme rollup = %v\nwant %v", got, want)
	}
	q.Platform = "weibo"
	got, err = s.Rollup(ctx(t), analytics.ByTopic, []string{"ta"}, q)
	if err != nil {
		t.Fatal(err)
	}
	want = []analytics.KeyBucket{{Key: "ta", Start: t0, Count: 2}}
	if !equalKeyBuckets(got, want) {
		t.Fatalf("hourly weibo rollup of ta = %v\nwant %v", got, want)
	}
	if _, err := s.Rollup(ctx(t), analytics.Dimension("author"), nil, q); err == nil {
		t.Fatal("unknown dimension accepted")
	}
}

func testTopics(t *testing.T, s analytics.Store) {
	v1 := analytics.Topic{ID: "ta", Label: []string{"化工厂", "异味"}, Mentions: 10, FirstID: "weibo:1", FirstTime: t0, LastTime: t0.Add(time.Hour),
		Platforms: []string{"weibo", "forum"}, Neg: 7, Neu: 2, Pos: 1, Reach: 12000, Heat: 3.5, Lifecycle: "rising", Grade: 3, Schemes: []string{"chem"}, Updated: t0.Add(time.Hour)}
	v2 := v1
	v2.Mentions, v2.LastTime, v2.Updated, v2.Lifecycle, v2.Grade = 40, t0.Add(3*time.Hour), t0.Add(3*time.Hour), "peak", 2
	old := analytics.Topic{ID: "told", Label: []string{"路灯"}, Mentions: 99, FirstTime: t0.Add(-72 * time.Hour), LastTime: t0.Add(-48 * time.Hour), Updated: t0.Add(-48 * time.Hour), Retired: true}
	drill := analytics.Topic{ID: "tdrill", Label: []string{"演练"}, Mentions: 500, FirstTime: t0, LastTime: t0, Updated: t0, Drill: true}
	small := analytics.Topic{ID: "tsmall", Label: []string{"停水"}, Mentions: 3, FirstTime: t0.Add(2 * time.Hour), LastTime: t0.Add(2 * time.Hour), Updated: t0.Add(2 * time.Hour)}
	if err := s.PutTopics(ctx(t), []analytics.Topic{v2, old, drill, small}); err != nil {
		t.Fatal(err)
	}
	if err := s.PutTopics(ctx(t), []analytics.Topic{v1}); err != nil { // an older version arriving late
		t.Fatal(err)
	}
	got, err := s.Topics(ctx(t), analytics.TopicQuery{From: t0.Add(-time.Hour), To: t0.Add(24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].ID != "ta" || got[1].ID != "tsmall" {
		t.Fatalf("Topics = %+v", got)
	}
	g := got[0]
	if g.Mentions != 40 || g.Lifecycle != "peak" || g.Grade != 2 || !g.Updated.Equal(v2.Updated) || !g.FirstTime.Equal(t0) ||
		!reflect.DeepEqual(g.Label, v1.Label) || !reflect.DeepEqual(g.Platforms, v1.Platforms) || g.Neg != 7 || g.Reach != 12000 || g.Heat != 3.5 || g.FirstID != "weibo:1" || !reflect.DeepEqual(g.Schemes, []string{"chem"}) {
		t.Fatalf("latest version of ta = %+v", g)
	}
	got, err = s.Topics(ctx(t), analytics.TopicQuery{From: t0.Add(-96 * time.Hour), To: t0.Add(24 * time.Hour), Limit: 2, Drill: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].ID != "tdrill" || got[1].ID != "told" || !got[1].Retired {
		t.Fatalf("Topics with drills, limit 2 = %+v", got)
	}
}

func equalKeyBuckets(got, want []analytics.KeyBucket) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if got[i].Key != want[i].Key || !got[i].Start.Equal(want[i].Start) || got[i].Count != want[i].Count {
			return false
		}
	}
	return true
}

func testMentions(t *testing.T, s analytics.Store) {
	a := analysed("1", "weibo", t0, "t1")
	a.Sentiment = "neg"
	b := analysed("2", "wechat", t0.Add(time.Minute), "t1")
	b.Sentiment = "neu"
	c := analysed("3", "weibo", t0.Add(2*time.Minute), "t1")
	c.Sentiment = "neg"
	other := analysed("4", "weibo", t0.Add(3*time.Minute), "t2")
	late := analysed("5", "weibo", t0.Add(48*time.Hour), "t1")
	put(t, s, a, b, c, other, late)
	put(t, s, a) // again: listed once
	q := analytics.MentionQuery{Topic: "t1", From: t0.Add(-time.Hour), To: t0.Add(time.Hour)}
	ids := func(ms []analytics.Mention, err error) []string {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, m := range ms {
			out = append(out, m.ID)
		}
		return out
	}
	if got := ids(s.Mentions(ctx(t), q)); !reflect.DeepEqual(got, []string{c.ID, b.ID, a.ID}) {
		t.Fatalf("mentions of t1 = %v, want newest first, each once", got)
	}
	q.Platform = "weibo"
	if got := ids(s.Mentions(ctx(t), q)); !reflect.DeepEqual(got, []string{c.ID, a.ID}) {
		t.Fatalf("weibo mentions of t1 = %v", got)
	}
	q.Platform, q.Sentiment = "", "neu"
	if got := ids(s.Mentions(ctx(t), q)); !reflect.DeepEqual(got, []string{b.ID}) {
		t.Fatalf("neutral mentions of t1 = %v", got)
	}
	q.Sentiment, q.Limit = "", 2
	got, err := s.Mentions(ctx(t), q)
	if err != nil || len(got) != 2 || got[0].ID != c.ID || got[0].Topic != "t1" || got[0].Sentiment != "neg" || !got[0].PublishedAt.Equal(c.PublishedAt) {
		t.Fatalf("limited listing %+v %v", got, err)
	}
	long := analytics.MentionQuery{From: t0.Add(-analytics.MaxSearchRange - time.Second), To: t0}
	if _, err := s.Mentions(ctx(t), long); err == nil || !strings.Contains(err.Error(), "92 days") {
		t.Fatalf("a listing across all topics longer than MaxSearchRange: %v, want an error naming the limit", err)
	}
	long.Topic = "t1"
	if _, err := s.Mentions(ctx(t), long); err != nil {
		t.Fatalf("a long listing of one topic: %v", err)
	}
}

// testBreakdown: a topic's mentions by hour, platform and sentiment, each
// mention once however often it was written, other topics and times out.
func testBreakdown(t *testing.T, s analytics.Store) {
	pos := analysed("4", "weibo", t0.Add(20*time.Minute), "t1")
	pos.Sentiment = "pos"
	unscored := analysed("5", "news", t0.Add(90*time.Minute), "t1")
	unscored.Sentiment, unscored.SentimentScore = "", 0
	in := []analytics.Mention{
		analysed("1", "weibo", t0, "t1"), analysed("2", "weibo", t0.Add(10*time.Minute), "t1"), pos,
		analysed("3", "wechat", t0.Add(70*time.Minute), "t1"), unscored,
		analysed("6", "weibo", t0, "t2"),                   // another topic
		analysed("7", "weibo", t0.Add(-2*time.Hour), "t1"), // before the range
	}
	put(t, s, in...)
	put(t, s, in[0], in[1]) // written again: counted once
	got, err := s.Breakdown(ctx(t), analytics.MentionQuery{Topic: "t1", From: t0.Add(-time.Hour), To: t0.Add(3 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	want := []analytics.Cell{
		{Start: t0, Platform: "weibo", Sentiment: "neg", Count: 2},
		{Start: t0, Platform: "weibo", Sentiment: "pos", Count: 1},
		{Start: t0.Add(time.Hour), Platform: "news", Sentiment: "", Count: 1},
		{Start: t0.Add(time.Hour), Platform: "wechat", Sentiment: "neg", Count: 1},
	}
	if len(got) != len(want) {
		t.Fatalf("Breakdown = %+v, want %+v", got, want)
	}
	for i := range want {
		if !got[i].Start.Equal(want[i].Start) || got[i].Platform != want[i].Platform || got[i].Sentiment != want[i].Sentiment || got[i].Count != want[i].Count {
			t.Fatalf("Breakdown[%d] = %+v, want %+v (all: %+v)", i, got[i], want[i], got)
		}
	}
	if _, err := s.Breakdown(ctx(t), analytics.MentionQuery{From: t0, To: t0.Add(time.Hour)}); err == nil {
		t.Fatal("a breakdown without a topic was answered")
	}
}

// testSearch: a text filter (a substring of the title or the text, ASCII
// letters in either case, Chinese, % and _ literally) combined with the
// topic, platform, sentiment and range filters, across all topics.
func testSearch(t *testing.T, s analytics.Store) {
	x := func(id, platform string, at time.Duration, topic, sentiment, title, text string) analytics.Mention {
		v := analysed(id, platform, t0.Add(at), topic)
		v.Sentiment, v.Title, v.Text = sentiment, title, text
		return v
	}
	all := []analytics.Mention{
		x("1", "weibo", 1*time.Minute, "ta", "neg", "化工厂排放异味", "居民投诉"),
		x("2", "wechat", 2*time.Minute, "tb", "neg", "通报", "关于化工厂的情况说明"),
		x("3", "weibo", 3*time.Minute, "ta", "neu", "化工", "工厂"), // split: no match for 化工厂
		x("4", "weibo", 4*time.Minute, "", "neg", "", "又是化工厂"),
		x("5", "forum", 5*time.Minute, "ta", "neg", "Chemical PLANT leak", "x"),
		x("6", "forum", 6*time.Minute, "ta", "neg", "plan", "chemical plant"),
		x("7", "news", 7*time.Minute, "tc", "pos", "达标率100%公布", "a_b"),
		x("8", "news", 8*time.Minute, "tc", "pos", "达标率1000公布", "axb"),
		x("9", "weibo", 30*time.Hour, "ta", "neg", "化工厂", ""), // after the range
	}
	put(t, s, all...)
	put(t, s, all[0]) // again: listed once
	ids := func(q analytics.MentionQuery) []string {
		t.Helper()
		q.From, q.To = t0, t0.Add(24*time.Hour)
		ms, err := s.Mentions(ctx(t), q)
		if err != nil {
			t.Fatalf("Mentions(%+v): %v", q, err)
		}
		var out []string
		for _, m := range ms {
			out = append(out, strings.TrimPrefix(m.ID, m.Platform+":"))
		}
		return out
	}
	for _, tc := range []struct {
		q    analytics.MentionQuery
		want []string
	}{
		{analytics.MentionQuery{Text: "化工厂"}, []string{"4", "2", "1"}},
		{analytics.MentionQuery{Text: "化工厂", Topic: "ta"}, []string{"1"}},
		{analytics.MentionQuery{Text: "化工厂", Platform: "weibo"}, []string{"4", "1"}},
		{analytics.MentionQuery{Text: "化工厂", Platform: "weibo", Sentiment: "neg", Topic: "ta"}, []string{"1"}},
		{analytics.MentionQuery{Text: "化工厂", Sentiment: "neu"}, nil},
		{analytics.MentionQuery{Text: "工厂"}, []string{"4", "3", "2", "1"}},
		{analytics.MentionQuery{Text: "chemical plant"}, []string{"6", "5"}},
		{analytics.MentionQuery{Text: "PLANT", Topic: "ta", Sentiment: "neg"}, []string{"6", "5"}},
		{analytics.MentionQuery{Text: "0%"}, []string{"7"}},
		{analytics.MentionQuery{Text: "%"}, []string{"7"}},
		{analytics.MentionQuery{Text: "a_b"}, []string{"7"}},
		{analytics.MentionQuery{Text: "_"}, []string{"7"}},
		{analytics.MentionQuery{Platform: "news"}, []string{"8", "7"}},
		{analytics.MentionQuery{Sentiment: "neu"}, []string{"3"}},
	} {
		if got := ids(tc.q); !slices.Equal(got, tc.want) {
			t.Errorf("Mentions(%+v) = %v, want %v", tc.q, got, tc.want)
		}
	}
	q := analytics.MentionQuery{Text: "化工厂", From: t0.Add(90 * time.Second), To: t0.Add(4 * time.Minute)}
	ms, err := s.Mentions(ctx(t), q)
	if err != nil || len(ms) != 1 || ms[0].ID != all[1].ID || ms[0].Title != "通报" || ms[0].Topic != "tb" {
		t.Fatalf("Mentions(%+v) = %+v, %v; want mention 2 only", q, ms, err)
	}
}

// testSearchPaging: paging with the last mention of each page as the next
// page's cursor lists every match once, newest first then by ID, even at
// one instant shared by many mentions and with mentions arriving, newer
// and older, between the pages.
func testSearchPaging(t *testing.T, s analytics.Store) {
	var in []analytics.Mention
	for i := range 40 {
		// 40 matches: groups of up to 7 share an instant, ids are not in time order
		v := analysed(fmt.Sprintf("%02d", (i*17)%40), []string{"weibo", "wechat"}[i%2], t0.Add(time.Duration(i/7)*time.Minute+time.Duration(i%3)*time.Nanosecond), "ta")
		v.Text = fmt.Sprintf("第%d条 化工厂", i)
		in = append(in, v)
		other := analysed(fmt.Sprintf("o%02d", i), "weibo", t0.Add(time.Duration(i)*time.Second), "ta")
		other.Text = "无关"
		in = append(in, other)
	}
	put(t, s, in...)
	var want []analytics.Mention
	for _, v := range in {
		if strings.Contains(v.Text, "化工厂") {
			want = append(want, v)
		}
	}
	q := analytics.MentionQuery{Text: "化工厂", From: t0, To: t0.Add(time.Hour), Limit: 6}
	var got []string
	for page := 0; ; page++ {
		ms, err := s.Mentions(ctx(t), q)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range ms {
			got = append(got, m.ID)
		}
		if len(ms) < q.Limit {
			break
		}
		if page > 20 {
			t.Fatalf("paging does not end: %v", got)
		}
		if page == 1 {
			// Arrivals between pages: one newer than every page (not
			// listed: the listing is past it) and one older than the
			// cursor (listed in its place).
			newer := analysed("new", "weibo", t0.Add(30*time.Minute), "ta")
			newer.Text = "化工厂 新"
			older := analysed("old", "weibo", t0.Add(-time.Nanosecond+time.Second), "ta")
			older.Text = "化工厂 旧"
			put(t, s, newer, older)
			put(t, s, in[:10]...) // and some written again
			want = append(want, older)
		}
		q.After = analytics.CursorOf(ms[len(ms)-1])
	}
	slices.SortFunc(want, func(a, b analytics.Mention) int {
		if c := b.PublishedAt.Compare(a.PublishedAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	var wantIDs []string
	for _, v := range want {
		wantIDs = append(wantIDs, v.ID)
	}
	if !slices.Equal(got, wantIDs) {
		t.Fatalf("paged listing =\n%v\nwant\n%v", got, wantIDs)
	}
	// A cursor past the range's end starts it; one before its start ends it.
	q.After = analytics.Cursor{PublishedAt: t0.Add(2 * time.Hour), ID: "x"}
	if ms, err := s.Mentions(ctx(t), q); err != nil || len(ms) != q.Limit || ms[0].ID != "weibo:new" {
		t.Fatalf("listing after a cursor past the range = %v, %v", ms, err)
	}
	q.After = analytics.Cursor{PublishedAt: t0, ID: ""}
	q.After.ID = "~"
	if ms, err := s.Mentions(ctx(t), q); err != nil || len(ms) != 0 {
		t.Fatalf("listing after a cursor at the range's start = %v, %v", ms, err)
	}
}
