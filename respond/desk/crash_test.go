package desk

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"yuqing/internal/eventlog"
	"yuqing/internal/eventlog/sqlitelog"
	"yuqing/respond/incident"
	"yuqing/respond/notify"
	"yuqing/respond/notify/webhook"
)

// TestMain lets this test binary act as the desk process the crash test
// starts, kills and restarts.
func TestMain(m *testing.M) {
	if os.Getenv("DESK_CHILD") != "" {
		os.Exit(child())
	}
	os.Exit(m.Run())
}

const hookSecret = "crash-test-secret-0123456789abcdef"

// child opens the desk on DESK_LOG at the time DESK_NOW, runs one step and
// exits: "open" opens and grades an incident; "tick" ticks the clocks. With
// DESK_CRASH=before-delivery it dies (exit 3, no cleanup) after the events
// are in the log and before any message is sent.
func child() int {
	ctx := context.Background()
	now, err := time.Parse(time.RFC3339, os.Getenv("DESK_NOW"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	l, err := sqlitelog.Open(ctx, sqlitelog.Config{Path: os.Getenv("DESK_LOG")}, nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	hook, err := webhook.New(webhook.Config{URL: os.Getenv("DESK_HOOK"), Secret: hookSecret}, http.DefaultClient)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	r, _ := notify.NewRouter([]notify.Route{{Receivers: []string{"hook"}}}, []notify.Receiver{{Name: "hook", Notifier: hook}})
	d, err := New(Config{Policy: incident.Default()}, l, &notify.Dispatcher{Router: r, MaxAttempts: 1}, func() time.Time { return now }, nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	if os.Getenv("DESK_CRASH") == "before-delivery" {
		d.crashBeforeDelivery = func() { os.Exit(3) }
	}
	if err := d.Load(ctx); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	switch os.Getenv("DESK_STEP") {
	case "open":
		if _, err := d.Handle(ctx, "inc-1", "user:zhang", incident.Open{Title: "城东化工厂异味", DetectedAt: now}); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 2
		}
		if _, err := d.Handle(ctx, "inc-1", "user:zhang", incident.SetGrade{Grade: incident.GradeII, Reason: "重大"}); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 2
		}
	case "tick":
		if err := d.Tick(ctx); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 2
		}
	}
	d.Wait()
	return 0
}

// TestKilledProcessBreachesOnce runs the desk as real child processes: the
// first opens a grade II incident and exits; the second starts after the
// 5-hour due time has passed and is killed (exit without cleanup) right
// after the breach is in the log, before anything is sent; the third and
// fourth restart. The breach is in the log once, and the webhook receiver,
// checking the signature, gets it exactly once.
func TestKilledProcessBreachesOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("runs child processes")
	}
	var mu sync.Mutex
	got := map[string]int{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := webhook.Verify(hookSecret, r.Header, body, time.Now(), time.Hour); err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		var m notify.Message
		json.Unmarshal(body, &m)
		mu.Lock()
		got[m.Kind+"|"+m.ID]++
		mu.Unlock()
	}))
	defer srv.Close()
	logPath := filepath.Join(t.TempDir(), "log.db")
	t0 := time.Now().UTC().Truncate(time.Second).Add(-6 * time.Hour) // detected six hours ago
	run := func(step string, at time.Time, crash string) int {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		// Built with -race, the child would sleep a second at exit (GORACE's
		// atexit_sleep_ms, unless the caller's GORACE says otherwise).
		cmd.Env = append(os.Environ(), "DESK_CHILD=1", "DESK_LOG="+logPath, "DESK_HOOK="+srv.URL,
			"DESK_STEP="+step, "DESK_NOW="+at.Format(time.RFC3339), "DESK_CRASH="+crash, "GORACE=atexit_sleep_ms=0 "+os.Getenv("GORACE"))
		out, _ := cmd.CombinedOutput()
		if code := cmd.ProcessState.ExitCode(); code != 0 && code != 3 {
			t.Fatalf("child %s exited %d:\n%s", step, code, out)
		}
		return cmd.ProcessState.ExitCode()
	}
	run("open", t0, "")
	due := t0.Add(5 * time.Hour)
	if code := run("tick", due.Add(time.Minute), "before-delivery"); code != 3 {
		t.Fatalf("the crashing child exited %d, want 3", code)
	}
	mu.Lock()
	if len(got) != 0 {
		t.Fatalf("delivered before the crash point: %v", got)
	}
	mu.Unlock()
	run("tick", due.Add(2*time.Minute), "")
	run("tick", due.Add(3*time.Minute), "")

	l, err := sqlitelog.Open(context.Background(), sqlitelog.Config{Path: logPath}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	breaches := 0
	var breachID string
	l.Replay(context.Background(), incident.Topic, func(_ context.Context, b []eventlog.Record) error {
		for _, r := range b {
			if r.Event.Type == incident.TypeClockBreached {
				breaches++
				breachID = r.Event.ID
			}
		}
		return nil
	})
	mu.Lock()
	defer mu.Unlock()
	if breaches != 1 {
		t.Fatalf("%d breach events, want 1", breaches)
	}
	if n := got[notify.KindBreach+"|"+breachID]; n != 1 {
		t.Fatalf("the breach was delivered %d times, want 1 (all: %v)", n, got)
	}
}
