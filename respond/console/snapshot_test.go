package console

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"yuqing/analyze"
	"yuqing/analyze/alert"
	"yuqing/internal/event"
	"yuqing/internal/eventlog"
	"yuqing/internal/eventlog/sqlitelog"
	"yuqing/respond/incident"
)

// tailLog counts the records ReplayFrom delivers.
type tailLog struct {
	eventlog.Log
	read atomic.Int64 // the hub follows its topics concurrently
}

func (l *tailLog) ReplayFrom(ctx context.Context, topic string, from eventlog.Positions, h eventlog.Handler) error {
	return l.Log.ReplayFrom(ctx, topic, from, func(ctx context.Context, b []eventlog.Record) error {
		l.read.Add(int64(len(b)))
		return h(ctx, b)
	})
}

// A hub that saved its snapshot starts from it and reads only the log
// after it, and its board is then the one a hub reading everything has.
func TestHubRestartsFromItsSnapshot(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	l := openLog(t, dir)
	n := 0
	put := func(topic, typ, key string, payload any) {
		t.Helper()
		e, err := event.New(typ, key, "test", t0.Add(time.Duration(n)*time.Minute), t0, payload)
		if err != nil {
			t.Fatal(err)
		}
		if err := l.Append(ctx, topic, e); err != nil {
			t.Fatal(err)
		}
		n++
	}
	story := func(k int) {
		id := fmt.Sprintf("T%d", k)
		for m := 1; m <= 5; m++ {
			put("topics", analyze.TypeTopicUpdated, id, analyze.TopicSummary{ID: id, Headline: "话题" + id, Label: []string{"泄漏"}, Mentions: m * 3})
		}
		put("alerts", alert.TypeRaised, "a-"+id, alert.Alert{ID: "a-" + id, TopicID: id, Version: 1, Headline: "话题" + id, Updated: t0})
		st := &incident.State{}
		evs, err := incident.Decide(st, incident.Default(), incident.Open{Title: "事件" + id, AlertID: "a-" + id, Topics: []string{id}, DetectedAt: t0}, t0)
		if err != nil {
			t.Fatal(err)
		}
		envs, err := incident.Envelopes("inc-"+id, "user:duty", t0, evs)
		if err != nil {
			t.Fatal(err)
		}
		if err := l.Append(ctx, "incidents", envs...); err != nil {
			t.Fatal(err)
		}
	}
	for k := range 20 {
		story(k)
	}
	put("topics", analyze.TypeTopicRetired, "T3", analyze.TopicSummary{ID: "T3", Label: []string{"泄漏"}})

	snap := filepath.Join(dir, "console.snapshot")
	run := func(lg eventlog.Log, path string) *Hub {
		t.Helper()
		h := NewHub(Config{Topics: Topics(), SnapshotPath: path}, NewBoard(), nil)
		rctx, stop := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- h.Run(rctx, lg) }()
		for !h.CaughtUp() {
			select {
			case err := <-done:
				t.Fatalf("hub stopped: %v", err)
			case <-time.After(5 * time.Millisecond): // polling for progress
			}
		}
		stop()
		<-done // saves the snapshot
		return h
	}
	run(l, snap)
	for k := 20; k < 23; k++ { // after the snapshot
		story(k)
	}
	tail := &tailLog{Log: l}
	restarted := run(tail, snap)
	full := run(l, "")
	if n := tail.read.Load(); n == 0 || n > 3*(5+1+4) {
		t.Fatalf("the restarted hub read %d records, want only the tail written after its snapshot", n)
	}
	a, _ := json.Marshal(restarted.proj.State())
	b, _ := json.Marshal(full.proj.State())
	if string(a) != string(b) {
		t.Fatalf("board from snapshot + tail differs from the board read from the start:\n%s\n%s", a, b)
	}
	var st State
	json.Unmarshal(a, &st)
	if len(st.Topics) != 22 || len(st.Alerts) != 23 || len(st.Incidents) != 23 {
		t.Fatalf("board holds %d topics, %d alerts, %d incidents; want 22, 23, 23", len(st.Topics), len(st.Alerts), len(st.Incidents))
	}
}

// A hub that read more than a thousand events to catch up saves its board
// at once, not only every 30 s or at stop: a process killed again before
// then (a crash loop) would otherwise read the whole log at every start.
func TestHubSavesOnceCaughtUp(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	l := openLog(t, dir)
	put := func(n int) {
		t.Helper()
		var es []event.Envelope
		for i := range n {
			id := fmt.Sprintf("T%d", i%50)
			e, err := event.New(analyze.TypeTopicUpdated, id, "test", t0.Add(time.Duration(i)*time.Second), t0, analyze.TopicSummary{ID: id, Headline: "话题" + id, Label: []string{"泄漏"}, Mentions: i})
			if err != nil {
				t.Fatal(err)
			}
			es = append(es, e)
		}
		if err := l.Append(ctx, "topics", es...); err != nil {
			t.Fatal(err)
		}
	}
	// saved runs a hub until it caught up and reports whether its snapshot
	// was on disk then, before Run ended (which saves anyway).
	saved := func(path string) bool {
		t.Helper()
		h := NewHub(Config{Topics: Topics(), SnapshotPath: path}, NewBoard(), nil)
		rctx, stop := context.WithCancel(ctx)
		defer stop()
		done := make(chan error, 1)
		go func() { done <- h.Run(rctx, l) }()
		deadline := time.After(10 * time.Second)
		for {
			if _, err := os.Stat(path); err == nil {
				stop()
				<-done
				return true
			}
			if h.CaughtUp() {
				// the save follows caughtUp in the same goroutine: give it its turn
				select {
				case <-time.After(200 * time.Millisecond):
				case <-deadline:
				}
				_, err := os.Stat(path)
				stop()
				<-done
				return err == nil
			}
			select {
			case err := <-done:
				t.Fatalf("hub stopped: %v", err)
			case <-deadline:
				t.Fatal("hub did not catch up")
			case <-time.After(5 * time.Millisecond): // polling for progress
			}
		}
	}
	put(200)
	if saved(filepath.Join(dir, "small.snapshot")) {
		t.Error("a hub that read 200 events saved its board before stopping; want it to wait for the periodic save")
	}
	put(1200)
	if !saved(filepath.Join(dir, "large.snapshot")) {
		t.Error("a hub that read 1,400 events did not save its board once caught up")
	}
}

// openLog opens an embedded log in dir, closed when the test ends.
func openLog(t *testing.T, dir string) *sqlitelog.Log {
	t.Helper()
	l, err := sqlitelog.Open(t.Context(), sqlitelog.Config{Path: filepath.Join(dir, "log.db")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}
