package report_test

import (
	"context"
	"fmt"
	"github.com/ClickHouse/clickhouse-go/v2"
	"os"
	"strconv"
	"syscall"
	"testing"
	"time"
	"yuqing/internal/analytics/chstore"

	"yuqing/analyze"
	"yuqing/internal/analytics"
	"yuqing/respond/report"
	"yuqing/respond/report/browser"
)

// BenchmarkWeekly builds the figures of a weekly report over
// REPORT_BENCH_N mentions (default 100,000) in an embedded store: 50
// topics with Zipf-like sizes (the ten hot ones, whose mentions are read
// back, hold about two thirds), five platforms, and as many mentions
// outside topics. It reports the time per report and the process's peak
// resident memory.
//
//	REPORT_BENCH_N=1000000 go test ./respond/report/ -run '^$' -bench Weekly -benchtime 3x
func BenchmarkWeekly(b *testing.B) {
	n := 100_000
	if v := os.Getenv("REPORT_BENCH_N"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil {
			b.Fatal(err)
		}
	}
	ctx := context.Background()
	// REPORT_BENCH_STORE=clickhouse runs it on the ClickHouse at CLICKHOUSE_ADDR.
	var store analytics.Store
	if os.Getenv("REPORT_BENCH_STORE") == "clickhouse" {
		addr := os.Getenv("CLICKHOUSE_ADDR")
		if addr == "" {
			b.Skip("REPORT_BENCH_STORE=clickhouse needs CLICKHOUSE_ADDR")
		}
		db := fmt.Sprintf("report_bench_%d", time.Now().UnixNano())
		ch, err := chstore.New(ctx, chstore.Config{Addr: addr, Database: db}, nil)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() {
			ch.Close()
			if conn, err := clickhouse.Open(&clickhouse.Options{Protocol: clickhouse.Native, Addr: []string{addr}}); err == nil {
				conn.Exec(context.Background(), "DROP DATABASE IF EXISTS `"+db+"`")
				conn.Close()
			}
		})
		store = ch
	}
	f := openFixture(b, store)
	start := time.Now()
	const topics = 50
	var harmonic float64
	for i := 1; i <= topics; i++ {
		harmonic += 1 / float64(i)
	}
	inTopics := n / 2
	plats := []string{"weibo", "wechat", "news", "forum", "douyin"}
	span := weekTo.Sub(weekFrom)
	batch := make([]analytics.Mention, 0, 5000)
	flush := func() {
		if err := f.store.PutMentions(ctx, batch); err != nil {
			b.Fatal(err)
		}
		batch = batch[:0]
	}
	k := 0
	for t := 1; t <= topics; t++ {
		size := int(float64(inTopics) / harmonic / float64(t))
		id := fmt.Sprintf("bench-%02d", t)
		first := weekFrom.Add(time.Duration(t) * time.Hour)
		for j := 0; j < size; j++ {
			at := first.Add(time.Duration(int64(span-time.Duration(t)*time.Hour) / int64(size) * int64(j)))
			batch = append(batch, analytics.Mention{ID: fmt.Sprintf("m%d", k), Platform: plats[k%5], Text: "城东化工厂附近传出刺鼻异味，居民担心泄漏",
				PublishedAt: at.UTC(), IngestedAt: at.UTC(), Keywords: []string{"化工厂", "异味"}, Topic: id, Sentiment: []string{"neg", "neu", "pos"}[k%3]})
			k++
			if len(batch) == cap(batch) {
				flush()
			}
		}
		sum := analyze.TopicSummary{ID: id, Headline: "话题" + id, Label: []string{"化工厂", "异味"}, Mentions: size, FirstTime: first.UTC(), LastTime: weekTo.UTC()}
		if err := f.store.PutTopics(ctx, []analytics.Topic{analyze.TopicRow(sum, weekTo, false)}); err != nil {
			b.Fatal(err)
		}
	}
	for k < n {
		at := weekFrom.Add(time.Duration(int64(span) / int64(n) * int64(k)))
		batch = append(batch, analytics.Mention{ID: fmt.Sprintf("m%d", k), Platform: plats[k%5], Text: "转发微博", PublishedAt: at.UTC(), IngestedAt: at.UTC(), Sentiment: "neu"})
		k++
		if len(batch) == cap(batch) {
			flush()
		}
	}
	flush()
	b.Logf("seeded %d mentions in %s", n, time.Since(start).Round(time.Millisecond))
	p := report.Params{Kind: report.Weekly, From: weekFrom, To: weekTo}
	ts := &timingStore{Store: f.store, d: map[string]time.Duration{}, n: map[string]int{}}
	if _, err := report.Build(ctx, f.log, ts, p, nil); err != nil {
		b.Fatal(err)
	}
	b.Logf("store time: %v calls %v", ts.d, ts.n)
	b.ResetTimer()
	var r *report.Report
	for b.Loop() {
		var err error
		if r, err = report.Build(ctx, f.log, f.store, p, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if r.Headline.Mentions != int64(n) {
		b.Errorf("%d mentions counted, %d seeded", r.Headline.Mentions, n)
	}
	// Once, every format: the rendering costs on top of the figures.
	svc := report.NewService(f.log, f.store, f.dir+"/reports", browser.Config{}, func() time.Time { return weekTo }, nil)
	p.Formats = []string{report.HTML, report.DOCX, report.PDF}
	t0 := time.Now()
	g, err := svc.Generate(ctx, p, "cli:bench")
	b.Logf("html, docx and pdf (Chromium: %v): %s, %d files, err %v", svc.Chromium() == nil, time.Since(t0).Round(time.Millisecond), len(g.Files), err)
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	b.ReportMetric(float64(n), "mentions")
	b.ReportMetric(float64(ru.Maxrss)/1024, "peak-RSS-MB")
	var rc syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_CHILDREN, &rc)
	b.Logf("weekly report over %d mentions: %s per report (%d topics described), peak RSS %d MB (Chromium, a child: %d MB)", n,
		(b.Elapsed() / time.Duration(b.N)).Round(time.Millisecond), len(r.Topics), ru.Maxrss/1024, rc.Maxrss/1024)
}
