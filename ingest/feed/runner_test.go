package feed

import (
	"context"
	"errors"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"yuqing/ingest/source"
	"yuqing/internal/event"
	"yuqing/internal/eventlog"
	"yuqing/internal/eventlog/sqlitelog"
	"yuqing/internal/mention"
)

// failCursorLog fails every cursor append and cancels the run: the process
// "dies" after the log took the mentions and before the cursor event.
type failCursorLog struct {
	*sqlitelog.Log
	kill func()
}

func (f failCursorLog) Append(ctx context.Context, topic string, evs ...event.Envelope) error {
	if topic == source.Topic && evs[0].Type == source.TypeCursor {
		f.kill()
		return errors.New("killed")
	}
	return f.Log.Append(ctx, topic, evs...)
}

func mentionsIn(t *testing.T, l *sqlitelog.Log) (raw int, distinct map[string]int) {
	t.Helper()
	distinct = map[string]int{}
	err := l.Replay(t.Context(), eventlog.TopicMentions, func(_ context.Context, b []eventlog.Record) error {
		for _, r := range b {
			var m mention.Mention
			if err := r.Event.Decode(&m); err != nil {
				return err
			}
			raw++
			distinct[m.ID]++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return raw, distinct
}

// The feed through the real Runner and the embedded log, across restarts:
// the cursor from the log makes a restarted poller send its validators
// (304, no duplicates); a run killed before its cursor event re-reads.
func TestRunnerWithFeedAcrossRestarts(t *testing.T) {
	c := &conditional{}
	c.set(testdata(t, "rsshub_weibo_user.xml"), `W/"1a2b"`, "Sun, 22 Nov 2026 04:10:12 GMT")
	srv := httptest.NewServer(c)
	defer srv.Close()
	path := filepath.Join(t.TempDir(), "log.db")
	cfg := source.Config{Sources: []source.SourceConfig{{Name: "weibo-pingan-binjiang", Type: "rss", URL: srv.URL + "/weibo/user/3217654890",
		Platform: "weibo", Interval: source.Duration(5 * time.Minute)}}}
	reg := source.Registry{}
	Register(reg, srv.Client(), nil)
	base := reg["rss"]
	reg["rss"] = func(sc source.SourceConfig) (source.Source, error) {
		s, err := base(sc)
		if err == nil {
			s.(*Source).SetClock(func() time.Time { return now })
		}
		return s, err
	}

	// run polls until it has slept `polls` times.
	run := func(l source.Log, polls int, kill func(), ctx context.Context) error {
		var mu sync.Mutex
		clock, slept := now, 0
		opt := source.Options{Seed: 1, Logger: slog.New(slog.DiscardHandler),
			Clock: func() time.Time { mu.Lock(); defer mu.Unlock(); return clock },
			Sleep: func(ctx context.Context, d time.Duration) error {
				if d <= 0 {
					return ctx.Err()
				}
				mu.Lock()
				clock = clock.Add(d)
				slept++
				n := slept
				mu.Unlock()
				if n >= polls {
					kill()
				}
				return ctx.Err()
			}}
		r, err := source.NewRunner(l, cfg, reg, opt)
		if err != nil {
			t.Fatal(err)
		}
		return r.Run(ctx)
	}
	open := func() *sqlitelog.Log {
		l, err := sqlitelog.Open(t.Context(), sqlitelog.Config{Path: path}, nil)
		if err != nil {
			t.Fatal(err)
		}
		return l
	}

	// 1. Killed after the first write, before its cursor event.
	l := open()
	ctx, kill := context.WithCancel(t.Context())
	if err := run(failCursorLog{l, kill}, 100, kill, ctx); !errors.Is(err, context.Canceled) {
		t.Fatal(err)
	}
	if raw, d := mentionsIn(t, l); raw != 3 || len(d) != 3 {
		t.Fatalf("run 1: %d raw, %d distinct", raw, len(d))
	}
	l.Close()

	// 2. Restarted: no cursor in the log, so a full GET re-reads all three;
	// this time the cursor is saved, then the next poll gets a 304.
	l = open()
	ctx, kill = context.WithCancel(t.Context())
	if err := run(l, 2, kill, ctx); !errors.Is(err, context.Canceled) {
		t.Fatal(err)
	}
	raw, d := mentionsIn(t, l)
	if raw != 6 || len(d) != 3 {
		t.Fatalf("run 2: %d raw, %d distinct; want 6 raw (at-least-once) and 3 distinct", raw, len(d))
	}
	if c.full.Load() != 2 || c.notMod.Load() != 1 {
		t.Fatalf("run 2: %d full GETs, %d 304s; want 2 and 1", c.full.Load(), c.notMod.Load())
	}
	l.Close()

	// 3. Restarted again: the cursor from the log gives a 304 at once.
	l = open()
	defer l.Close()
	ctx, kill = context.WithCancel(t.Context())
	if err := run(l, 1, kill, ctx); !errors.Is(err, context.Canceled) {
		t.Fatal(err)
	}
	if raw, d := mentionsIn(t, l); raw != 6 || len(d) != 3 {
		t.Fatalf("run 3: %d raw, %d distinct; want nothing new", raw, len(d))
	}
	if c.full.Load() != 2 || c.notMod.Load() != 2 {
		t.Fatalf("run 3: %d full GETs, %d 304s; want 2 and 2", c.full.Load(), c.notMod.Load())
	}
	h, err := source.LatestHealth(t.Context(), l)
	if err != nil || !h["weibo-pingan-binjiang"].OK || h["weibo-pingan-binjiang"].AuthFailed {
		t.Fatalf("health %+v %v", h, err)
	}
	for id, n := range d {
		if n != 2 {
			t.Errorf("%s: %d raw copies, want 2 (read in run 1 and again in run 2)", id, n)
		}
	}
}
