package analyze

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"

	"yuqing/analyze/segment"
	"yuqing/analyze/topic"
	"yuqing/ingest"
	"yuqing/internal/analytics/sqlitestore"
	"yuqing/internal/eventlog"
	"yuqing/internal/eventlog/kafkalog"
	"yuqing/internal/mention"
)

// A mention the log accepted whose analysed event is larger than the log
// takes must not stall its partition: the analysed event goes to dead
// letters with the reason and the mentions after it are analysed.
func TestOversizedAnalysedEventIsDeadLetteredAndTheConsumerMovesOn(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 90*time.Second)
	defer cancel()
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1))
	if err != nil {
		t.Fatal(err)
	}
	defer cluster.Close()
	// One partition, so the mention after the big one waits behind it.
	l, err := kafkalog.New(ctx, kafkalog.Config{Brokers: cluster.ListenAddrs(), Partitions: 1, BatchBytes: 48 << 10}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	st, err := sqlitestore.Open(ctx, filepath.Join(t.TempDir(), "a.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	seg, err := segment.New(segment.Config{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 3, 8, 0, 0, 0, time.UTC)
	long := strings.Repeat("城东化工厂附近传出刺鼻异味，居民担心泄漏，环保部门已到场检测。", 400) // ~36 KB: fits as a mention, not once analysed
	ms := []mention.Mention{
		{ID: "weibo:big", Platform: "weibo", Text: long, PublishedAt: now},
		{ID: "weibo:after", Platform: "weibo", Text: "城东化工厂的异味今天散了吗", PublishedAt: now.Add(time.Minute)},
	}
	if err := ingest.Write(ctx, l, ms, nil, "test", "test", now); err != nil {
		t.Fatalf("the mentions themselves fit: %v", err)
	}
	a := &Analyzer{Enricher: NewEnricher(seg, nil), Tracking: TrackerConfig{Topic: topic.DefaultConfig()}, Store: st, Log: l,
		Now: func() time.Time { return now }, Logger: slog.New(slog.DiscardHandler)}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- a.Run(runCtx) }()

	var got []string
	err = l.Consume(ctx, eventlog.TopicAnalyzed, "test", func(_ context.Context, b []eventlog.Record) error {
		for _, r := range b {
			var an Analyzed
			if err := r.Event.Decode(&an); err != nil {
				return err
			}
			got = append(got, an.Mention.ID)
			if an.Mention.ID == "weibo:after" {
				return errStop
			}
		}
		return nil
	})
	stop()
	if !errors.Is(err, errStop) {
		t.Fatalf("the mention after the oversized one was never analysed (analysed %v): %v", got, err)
	}
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Run = %v", err)
	}
	if len(got) != 1 {
		t.Fatalf("analysed events stored: %v, want only weibo:after", got)
	}
	var reasons []string
	err = l.Replay(ctx, eventlog.TopicDeadLetter, func(_ context.Context, b []eventlog.Record) error {
		for _, r := range b {
			var rej mention.Rejected
			if err := r.Event.Decode(&rej); err != nil {
				return err
			}
			if r.Event.Key == "weibo:big" {
				reasons = append(reasons, rej.Reason)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(reasons) != 1 || !strings.Contains(reasons[0], "larger than the log's 49152-byte record limit") {
		t.Fatalf("dead letters for weibo:big: %q", reasons)
	}
	// The store still has the mention itself (its row is written before
	// the log's refusal): nothing the log accepted is lost.
	if _, err := st.Get(ctx, "weibo:big"); err != nil {
		t.Fatalf("stored row of the oversized mention: %v", err)
	}
}
