package drill

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"yuqing/analyze"
	"yuqing/analyze/alert"
	"yuqing/internal/event"
	"yuqing/internal/eventlog/sqlitelog"
	"yuqing/respond/desk"
	"yuqing/respond/incident"
)

var now = time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)

// watched tells each command it hands the desk; failOpen fails the first
// Open as a log that is down would.
type watched struct {
	*desk.Desk
	calls    chan string
	failOpen bool
}

func (w *watched) Open(ctx context.Context, id, actor string, cmd incident.Open) (desk.Opened, error) {
	if w.failOpen {
		w.failOpen = false
		w.calls <- "open failed"
		return desk.Opened{}, errors.New("log down")
	}
	res, err := w.Desk.Open(ctx, id, actor, cmd)
	w.calls <- "open " + cmd.AlertID
	return res, err
}

func (w *watched) Handle(ctx context.Context, id, actor string, cmd any) ([]event.Envelope, error) {
	envs, err := w.Desk.Handle(ctx, id, actor, cmd)
	switch c := cmd.(type) {
	case incident.SetGrade:
		w.calls <- "grade " + c.Grade.String()
	case incident.Link:
		w.calls <- "link " + c.AlertID
	}
	return envs, err
}

// runUntil runs d until the desk was handed last, and returns the commands
// and what Run returned.
func runUntil(t *testing.T, d *Incidents, w *watched, last string) ([]string, error) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	var calls []string
	for {
		select {
		case c := <-w.calls:
			calls = append(calls, c)
			if c != last {
				continue
			}
			if c == "open failed" {
				// Run ends on its own with the log's error: cancelling now
				// would race it (and Run may report the cancel instead).
				return calls, <-done
			}
			cancel()
			return calls, <-done
		case err := <-done:
			// Run has ended: what it handed the desk is all in the
			// channel (select may pick done before the last command).
			for {
				select {
				case c := <-w.calls:
					calls = append(calls, c)
				default:
					return calls, err
				}
			}
		}
	}
}

// The run's first alert opens one drill incident graded II; its later
// alerts are linked to it; alerts of other runs and real ones are not the
// drill's. A failing log ends Run, and the next Run takes up from there.
func TestIncidentsOpenGradeAndLink(t *testing.T) {
	ctx := t.Context()
	l, err := sqlitelog.Open(ctx, sqlitelog.Config{Path: filepath.Join(t.TempDir(), "log.db")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	dk, err := desk.New(desk.Config{Policy: incident.Default()}, l, nil, func() time.Time { return now }, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := dk.Load(ctx); err != nil {
		t.Fatal(err)
	}
	raise := func(a alert.Alert) {
		t.Helper()
		a.Raised, a.Updated, a.Label = now.Add(-time.Minute), now.Add(-time.Minute), []string{"化工厂", "异味"}
		e, _ := event.New(alert.TypeRaised, a.ID, "test", a.Raised, a.Raised, a)
		if err := l.Append(ctx, analyze.TopicAlerts, e); err != nil {
			t.Fatal(err)
		}
		if err := dk.Observe(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	raise(alert.Alert{ID: "a-real", TopicID: "t0", Evidence: []string{"m1"}})               // a real alert
	raise(alert.Alert{ID: "a-other", TopicID: "t9", Evidence: []string{"x1"}, Drill: true}) // another run's
	raise(alert.Alert{ID: "a-t1", TopicID: "t1", Evidence: []string{"m1", "m2"}, Drill: true})
	raise(alert.Alert{ID: "a-t2", TopicID: "t2", Evidence: []string{"m3"}, Drill: true})

	w := &watched{Desk: dk, calls: make(chan string, 16), failOpen: true}
	d := NewIncidents(l, w, []string{"m1", "m2", "m3"}, nil)
	calls, err := runUntil(t, d, w, "open failed")
	if err == nil || !strings.Contains(err.Error(), "log down") {
		t.Fatalf("after %v: %v", calls, err)
	}
	calls, err = runUntil(t, d, w, "link a-t2")
	if want := "open a-t1,grade II 重大,link a-t2"; strings.Join(calls, ",") != want || !errors.Is(err, context.Canceled) {
		t.Fatalf("commands %v (%v), want %s", calls, err, want)
	}
	ids := dk.Board().IDs()
	if len(ids) != 1 {
		t.Fatalf("incidents %v", ids)
	}
	st, _ := dk.Board().State(ids[0])
	if !st.Drill || st.Grade != incident.GradeII || !st.HasAlert("a-t1") || !st.HasAlert("a-t2") || st.HasAlert("a-real") || st.HasAlert("a-other") {
		t.Fatalf("incident %+v", st)
	}
	for _, e := range dk.Board().Timeline(ids[0]) {
		if e.Actor != Actor {
			t.Fatalf("timeline entry by %s", e.Actor)
		}
	}
}
