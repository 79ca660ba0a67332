package analyze

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"yuqing/analyze/segment"
	"yuqing/analyze/topic"
	"yuqing/ingest"
	"yuqing/internal/analytics"
	"yuqing/internal/analytics/sqlitestore"
	"yuqing/internal/event"
	"yuqing/internal/eventlog"
	"yuqing/internal/eventlog/sqlitelog"
	"yuqing/internal/mention"
)

func TestAnalyzerFillsStoreAndLog(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	dir := t.TempDir()
	l, err := sqlitelog.Open(ctx, sqlitelog.Config{Path: filepath.Join(dir, "log.db")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	st, err := sqlitestore.Open(ctx, filepath.Join(dir, "a.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	seg, err := segment.New(segment.Config{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
	ms := []mention.Mention{
		{ID: "weibo:1", Platform: "weibo", Text: "城东化工厂附近传出刺鼻异味，居民担心泄漏", PublishedAt: now},
		{ID: "forum:7", Platform: "forum", Title: "化工厂异味", Text: "有没有人知道化工厂怎么了", PublishedAt: now.Add(time.Minute)},
	}
	if err := ingest.Write(ctx, l, ms, nil, "test", "test", now); err != nil {
		t.Fatal(err)
	}
	// an event that claims to be a mention but is not
	bad, _ := event.New(event.MentionIngested, "k", "test", now, now, []int{1, 2})
	if err := l.Append(ctx, eventlog.TopicMentions, bad); err != nil {
		t.Fatal(err)
	}
	a := &Analyzer{Enricher: NewEnricher(seg, nil), Tracking: TrackerConfig{Topic: topic.DefaultConfig()}, Store: st, Log: l, Now: func() time.Time { return now }, Logger: slog.New(slog.DiscardHandler)}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- a.Run(runCtx) }()

	var got []Analyzed
	err = l.Consume(ctx, eventlog.TopicAnalyzed, "test", func(_ context.Context, b []eventlog.Record) error {
		for _, r := range b {
			var an Analyzed
			if err := r.Event.Decode(&an); err != nil {
				return err
			}
			got = append(got, an)
		}
		if len(got) >= 2 {
			return errStop
		}
		return nil
	})
	if !errors.Is(err, errStop) {
		t.Fatal(err)
	}
	stop()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Run = %v", err)
	}
	if got[0].Mention.ID != "weibo:1" || !slices.Contains(got[0].Keywords, "化工厂") || got[0].SourceEvent == "" {
		t.Fatalf("analysed %+v", got[0])
	}
	row, err := st.Get(ctx, "forum:7")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(row.Tokens, "化工厂") || !slices.Contains(row.Keywords, "异味") {
		t.Fatalf("stored row %+v", row)
	}
	counts, err := st.Counts(ctx, analytics.Query{From: now.Add(-time.Hour), To: now.Add(time.Hour), Step: analytics.Hour, Keyword: "化工厂"})
	if err != nil || len(counts) != 2 {
		t.Fatalf("keyword counts %v %v", counts, err)
	}
	if n, _ := l.End(ctx, eventlog.TopicDeadLetter); n != 1 {
		t.Fatalf("undecodable event: %d dead letters, want 1", n)
	}
}

var errStop = errors.New("stop")
