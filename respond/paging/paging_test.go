package paging

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"yuqing/analyze"
	"yuqing/analyze/alert"
	"yuqing/analyze/grade"
	"yuqing/ingest/source"
	"yuqing/internal/event"
	"yuqing/internal/eventlog"
	"yuqing/internal/eventlog/sqlitelog"
	"yuqing/internal/mention"
	"yuqing/respond/desk"
	"yuqing/respond/notify"
)

var now = time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)

// fakeDesk hands every message it is told to send to sent.
type fakeDesk struct {
	sent     chan notify.Message
	observed int
}

func (d *fakeDesk) Notify(_ context.Context, m notify.Message) error { d.sent <- m; return nil }
func (d *fakeDesk) Observe(context.Context, event.Envelope) error    { d.observed++; return nil }

func openLog(t *testing.T) eventlog.Log {
	t.Helper()
	l, err := sqlitelog.Open(t.Context(), sqlitelog.Config{Path: filepath.Join(t.TempDir(), "log.db")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

func appendEvent(t *testing.T, l eventlog.Log, topic, typ, key string, payload any, raw string) {
	t.Helper()
	e, err := event.New(typ, key, "test", now, now, payload)
	if err != nil {
		t.Fatal(err)
	}
	if raw != "" {
		e.Payload = json.RawMessage(raw)
	}
	if err := l.Append(t.Context(), topic, e); err != nil {
		t.Fatal(err)
	}
}

// run runs fn until the desk got want messages, then stops it.
func run(t *testing.T, fn func(context.Context) error, dk *fakeDesk, want int) []notify.Message {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- fn(ctx) }()
	var got []notify.Message
	for len(got) < want {
		select {
		case m := <-dk.sent:
			got = append(got, m)
		case err := <-done:
			t.Fatalf("stopped after %d messages: %v", len(got), err)
		}
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("run: %v", err)
	}
	return got
}

func deadLetters(t *testing.T, l eventlog.Log) []mention.Rejected {
	t.Helper()
	var out []mention.Rejected
	l.Replay(t.Context(), eventlog.TopicDeadLetter, func(_ context.Context, batch []eventlog.Record) error {
		for _, r := range batch {
			var x mention.Rejected
			json.Unmarshal(r.Event.Payload, &x)
			out = append(out, x)
		}
		return nil
	})
	return out
}

// An alert the pager cannot read is logged and kept as a dead letter; the
// next one still pages, and every event reached the desk's story index.
func TestAlertsDeadLetterUnreadable(t *testing.T) {
	l := openLog(t)
	appendEvent(t, l, analyze.TopicAlerts, alert.TypeRaised, "a-t0", map[string]any{}, `{"id":7}`)
	a := alert.Alert{ID: "a-t1", TopicID: "t1", Label: []string{"化工厂", "异味"}, Grade: grade.II, Mentions: 12, Raised: now, Updated: now}
	appendEvent(t, l, analyze.TopicAlerts, alert.TypeRaised, a.ID, a, "")
	dk := &fakeDesk{sent: make(chan notify.Message, 4)}
	p := NewAlerts(l, dk, Config{ConsoleURL: "https://yuqing.example.gov.cn/"}, func() time.Time { return now }, nil)
	got := run(t, p.Run, dk, 1)
	if m := got[0]; m.IncidentID != "a-t1" || m.Kind != notify.KindWarning || !strings.HasPrefix(m.Title, "【舆情预警】化工厂、异味") || m.URL != "https://yuqing.example.gov.cn/#/alerts" {
		t.Fatalf("page %+v", m)
	}
	if dk.observed != 2 {
		t.Fatalf("the desk observed %d alert events", dk.observed)
	}
	dl := deadLetters(t, l)
	if len(dl) != 1 || dl[0].Source != analyze.TopicAlerts || !strings.Contains(dl[0].Reason, "alert not readable") || dl[0].Raw != `{"id":7}` {
		t.Fatalf("dead letters %+v", dl)
	}
}

// A source's health the pager cannot read is a dead letter; a blind
// source is announced, with the console's sources page.
func TestSourcesDeadLetterUnreadable(t *testing.T) {
	l := openLog(t)
	appendEvent(t, l, source.Topic, source.TypeHealth, "feed", map[string]any{}, `"not health"`)
	h := source.Health{Source: "wechat-bridge", AuthFailed: true, At: now, Error: "HTTP 401"}
	appendEvent(t, l, source.Topic, source.TypeHealth, h.Source, h, "")
	dk := &fakeDesk{sent: make(chan notify.Message, 4)}
	p := NewSources(l, dk, Config{ConsoleURL: "https://yuqing.example.gov.cn"}, func() time.Time { return now }, nil)
	got := run(t, p.Run, dk, 1)
	if m := got[0]; m.IncidentID != "source:wechat-bridge" || m.Kind != notify.KindWarning || !strings.Contains(m.Title, "信源失明") || m.URL != "https://yuqing.example.gov.cn/#/sources" {
		t.Fatalf("announcement %+v", m)
	}
	dl := deadLetters(t, l)
	if len(dl) != 1 || dl[0].Source != source.Topic || !strings.Contains(dl[0].Reason, "source health not readable") {
		t.Fatalf("dead letters %+v", dl)
	}
}

// TestQueuedWarnsOfUnreadable: a queued notification that does not decode
// is skipped with a warning naming it, and the rest are still replayed.
func TestQueuedWarnsOfUnreadable(t *testing.T) {
	l := openLog(t)
	appendEvent(t, l, desk.Topic, desk.TypeQueued, "bad", nil, `{"id":42}`)
	appendEvent(t, l, desk.Topic, desk.TypeQueued, "good", notify.Message{ID: "m1"}, "")
	var logs strings.Builder
	logger := slog.New(slog.NewTextHandler(&logs, nil))
	var got []string
	if err := queued(t.Context(), l, logger, func(m notify.Message) { got = append(got, m.ID) }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0] != "m1" {
		t.Errorf("replayed %v, want [m1]", got)
	}
	if out := logs.String(); !strings.Contains(out, "level=WARN") || !strings.Contains(out, "key=bad") || !strings.Contains(out, "type="+desk.TypeQueued) {
		t.Errorf("no warning naming the event: %s", out)
	}
}
