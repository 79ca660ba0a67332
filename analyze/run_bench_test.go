package analyze

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"yuqing/analyze/segment"
	"yuqing/analyze/topic"
	"yuqing/ingest"
	"yuqing/internal/analytics/sqlitestore"
	"yuqing/internal/eventlog"
	"yuqing/internal/eventlog/sqlitelog"
	"yuqing/internal/mention"
)

// BenchmarkAnalyzerRun is the streaming path `yuqing serve` runs: mentions
// already in the embedded log are consumed, enriched on every core,
// tracked, stored in the embedded analytics store and written back to the
// log, offsets and outputs committed together. It reports mentions/s end
// to end for the cores given by -cpu.
//
//	go test -run '^$' -bench AnalyzerRun -benchtime 20000x -cpu 1,2 ./analyze
func BenchmarkAnalyzerRun(b *testing.B) {
	seg, err := segment.New(segment.Config{}, nil)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	dir := b.TempDir()
	l, err := sqlitelog.Open(ctx, sqlitelog.Config{Path: filepath.Join(dir, "log.db")}, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	st, err := sqlitestore.Open(ctx, filepath.Join(dir, "a.db"), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	// A day of synthetic public-affairs posts: the test stream, repeated
	// with new IDs and shifted times.
	base := stream()
	var ms []mention.Mention
	for i := 0; len(ms) < b.N; i++ {
		for _, a := range base {
			m := a.Mention
			m.ID = fmt.Sprintf("%s-%d", m.ID, i)
			m.RootID = ""
			m.PublishedAt = m.PublishedAt.Add(time.Duration(i) * 3 * time.Hour)
			ms = append(ms, m)
			if len(ms) == b.N {
				break
			}
		}
	}
	for i := 0; i < len(ms); i += 1000 {
		if err := ingest.Write(ctx, l, ms[i:min(i+1000, len(ms))], nil, "bench", "bench", t0); err != nil {
			b.Fatal(err)
		}
	}
	a := &Analyzer{Enricher: NewEnricher(seg, nil), Tracking: TrackerConfig{Topic: topic.DefaultConfig()}, Store: st, Log: l,
		Now: time.Now, Logger: slog.New(slog.DiscardHandler)}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	b.ResetTimer()
	start := time.Now()
	go func() { done <- a.Run(runCtx) }()
	for {
		n, err := l.End(ctx, eventlog.TopicAnalyzed)
		if err != nil {
			b.Fatal(err)
		}
		if n >= int64(len(ms)) {
			break
		}
		time.Sleep(10 * time.Millisecond) // polling the consumer's progress
	}
	elapsed := time.Since(start)
	b.StopTimer()
	stop()
	<-done
	b.ReportMetric(float64(len(ms))/elapsed.Seconds(), "mentions/s")
}
