package analyze

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
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

// A restart rebuilds the tracker from its snapshot plus the analysed
// mentions after it, and gets exactly what a full replay gets.
func TestRebuildFromSnapshotEqualsFullReplay(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	dir := t.TempDir()
	l, st, seg, now := thirtyMentions(t, ctx, dir)
	snapPath := filepath.Join(dir, "tracker.snapshot")
	newAnalyzer := func(snap string) *Analyzer {
		return &Analyzer{Enricher: NewEnricher(seg, nil), Tracking: TrackerConfig{Topic: topic.DefaultConfig()}, Store: st, Log: l,
			Now: func() time.Time { return now }, Logger: slog.New(slog.DiscardHandler), SnapshotPath: snap, SnapshotEvery: 5}
	}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- newAnalyzer(snapPath).Run(runCtx) }()
	for {
		if n, _ := l.End(ctx, eventlog.TopicAnalyzed); n == 30 {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatal("analyser did not finish")
		case <-time.After(20 * time.Millisecond): // polling for progress
		}
	}
	stop()
	<-done
	f, err := os.Open(snapPath)
	if err != nil {
		t.Fatalf("no snapshot written: %v", err)
	}
	saved, err := RestoreTracker(TrackerConfig{Topic: topic.DefaultConfig()}, f)
	f.Close()
	if err != nil || saved.Processed() == 0 || saved.Processed() >= 30 {
		t.Fatalf("snapshot covers %v mentions (%v), want some but not all", saved.Processed(), err)
	}
	// The rebuild reads only the analysed mentions after the snapshot.
	counted := &countingLog{TxLog: l}
	an := newAnalyzer(snapPath)
	an.Log = counted
	fromSnap, err := an.Rebuild(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := 30 - saved.Processed(); counted.replayed != want {
		t.Fatalf("rebuild from the snapshot read %d analysed mentions, want the %d after it", counted.replayed, want)
	}
	full, err := newAnalyzer("").Rebuild(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var a, b bytes.Buffer
	fromSnap.Snapshot(&a)
	full.Snapshot(&b)
	if fromSnap.Processed() != 30 || a.String() != b.String() {
		t.Fatalf("snapshot+replay (%d mentions) differs from full replay (%d)", fromSnap.Processed(), full.Processed())
	}
	// A snapshot whose positions lie beyond the log is refused, not trusted;
	// so is one without positions.
	fromSnap.SaveSnapshot(snapPath, eventlog.Positions{0: 99})
	tr, err := newAnalyzer(snapPath).Rebuild(ctx)
	if err != nil || tr.Processed() != 30 {
		t.Fatalf("bad snapshot: rebuild %v processed %d, want a full replay", err, tr.Processed())
	}
	os.WriteFile(snapPath, a.Bytes(), 0o644)
	tr, err = newAnalyzer(snapPath).Rebuild(ctx)
	if err != nil || tr.Processed() != 30 {
		t.Fatalf("bad snapshot: rebuild %v processed %d, want a full replay", err, tr.Processed())
	}
}

// thirtyMentions opens a log and a store in dir and writes 30 mentions of
// two stories, a minute apart, into the log.
func thirtyMentions(t *testing.T, ctx context.Context, dir string) (*sqlitelog.Log, *sqlitestore.Store, *segment.Segmenter, time.Time) {
	t.Helper()
	l, err := sqlitelog.Open(ctx, sqlitelog.Config{Path: filepath.Join(dir, "log.db"), BatchSize: 4}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	st, err := sqlitestore.Open(ctx, filepath.Join(dir, "a.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	seg, err := segment.New(segment.Config{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
	var ms []mention.Mention
	for i := 0; i < 30; i++ {
		text := "城东化工厂附近传出刺鼻异味，居民担心泄漏"
		if i%3 == 0 {
			text = "小区门口路灯坏了一周，晚上出行不便，报修物业没人维修"
		}
		ms = append(ms, mention.Mention{ID: fmt.Sprintf("weibo:%d", i), Platform: "weibo", Text: text, PublishedAt: now.Add(time.Duration(i) * time.Minute)})
	}
	if err := ingest.Write(ctx, l, ms, nil, "test", "test", now); err != nil {
		t.Fatal(err)
	}
	return l, st, seg, now
}

// A start whose rebuild replayed ReplaySave mentions or more (default
// 1,000) saves a snapshot at once, long before SnapshotEvery: a process killed again before its first
// periodic snapshot (a crash loop) would otherwise replay ever more at each
// start. A short replay waits for the periodic one.
func TestLongReplaySavesSnapshotAtOnce(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	dir := t.TempDir()
	l, st, seg, now := thirtyMentions(t, ctx, dir)
	run := func(replaySave int64, snap string, until func() bool) {
		t.Helper()
		an := &Analyzer{Enricher: NewEnricher(seg, nil), Tracking: TrackerConfig{Topic: topic.DefaultConfig()}, Store: st, Log: l,
			Now: func() time.Time { return now }, Logger: slog.New(slog.DiscardHandler), SnapshotPath: snap, SnapshotEvery: 20000, ReplaySave: replaySave}
		runCtx, stop := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- an.Run(runCtx) }()
		for !until() || !an.Rebuilt() {
			select {
			case <-ctx.Done():
				t.Fatal("analyser did not get there")
			case err := <-done:
				t.Fatalf("analyser stopped: %v", err)
			case <-time.After(20 * time.Millisecond): // polling for progress
			}
		}
		stop()
		<-done
	}
	// Analyse the 30 mentions without any snapshot.
	run(1000, "", func() bool { n, _ := l.End(ctx, eventlog.TopicAnalyzed); return n == 30 })
	exists := func(p string) bool { _, err := os.Stat(p); return err == nil }
	// A start that replays 30 with ReplaySave 20 saves at once.
	long := filepath.Join(dir, "long.snapshot")
	run(20, long, func() bool { return exists(long) })
	f, err := os.Open(long)
	if err != nil {
		t.Fatal(err)
	}
	saved, err := RestoreTracker(TrackerConfig{Topic: topic.DefaultConfig()}, f)
	f.Close()
	if err != nil || saved.Processed() != 30 {
		t.Fatalf("snapshot after the replay covers %d mentions (%v), want 30", saved.Processed(), err)
	}
	// With ReplaySave 50 a replay of 30 saves nothing.
	short := filepath.Join(dir, "short.snapshot")
	run(50, short, func() bool { return true })
	if exists(short) {
		t.Fatal("a replay of 30 mentions under ReplaySave 50 saved a snapshot")
	}
}

// countingLog counts the records ReplayFrom delivers.
type countingLog struct {
	eventlog.TxLog
	replayed int64
}

func (c *countingLog) ReplayFrom(ctx context.Context, topic string, from eventlog.Positions, h eventlog.Handler) error {
	return c.TxLog.ReplayFrom(ctx, topic, from, func(ctx context.Context, b []eventlog.Record) error {
		c.replayed += int64(len(b))
		return h(ctx, b)
	})
}

// Offline results follow merges through the events: the tracker forgets
// a merge when the surviving topic retires, the events do not.
func TestMergedIntoFollowsChains(t *testing.T) {
	r := mergedInto([]TopicMerged{{From: "b", Into: "c"}, {From: "a", Into: "b"}, {From: "x", Into: "y"}, {From: "y", Into: "x"}})
	for in, want := range map[string]string{"a": "c", "b": "c", "c": "c", "z": "z"} {
		if got := r(in); got != want {
			t.Errorf("%s resolved to %s, want %s", in, got, want)
		}
	}
	if got := r("x"); got != "x" && got != "y" { // a cycle ends, somewhere in it
		t.Errorf("cycle resolved to %s", got)
	}
}
