package sqlitelog

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"yuqing/internal/event"
	"yuqing/internal/eventlog"
)

// A one-shot command (yuqing report, user, check …) opening the log while
// serve runs must not break serve's commits. SQLite's locks are POSIX
// record locks: a process that opened and closed the -wal or -shm file by
// itself (to set its mode) lost them, and the next process to open the
// database reset the shared memory under it ("disk I/O error (8714)").
func TestASecondProcessDoesNotBreakCommits(t *testing.T) {
	if p := os.Getenv("SQLITELOG_SECOND_PROCESS"); p != "" {
		ctx := context.Background()
		l, err := Open(ctx, Config{Path: p}, nil)
		if err != nil {
			fmt.Println("open:", err)
			os.Exit(3)
		}
		n := 0
		if err := l.Replay(ctx, "t", func(_ context.Context, b []eventlog.Record) error { n += len(b); return nil }); err != nil {
			fmt.Println("replay:", err)
			os.Exit(4)
		}
		l.Close()
		return
	}
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "log.db")
	l := open(t, path)
	at := time.Date(2026, 12, 3, 8, 0, 0, 0, time.UTC)
	appendOne := func(i int) error {
		e, err := event.New("test.n.v1", fmt.Sprint(i), "test", at, at, map[string]int{"n": i})
		if err != nil {
			t.Fatal(err)
		}
		return l.Append(ctx, "t", e)
	}
	if err := appendOne(0); err != nil {
		t.Fatal(err)
	}
	// Commits run all the while second processes come and go.
	n := 1
	stop := make(chan struct{})
	failed := make(chan error, 1)
	done := make(chan int)
	go func() {
		i := 1
		defer func() { done <- i }()
		for {
			select {
			case <-stop:
				return
			default:
			}
			if err := appendOne(i); err != nil {
				failed <- fmt.Errorf("append %d while a second process opened the log: %w", i, err)
				return
			}
			i++
		}
	}()
	for round := range 12 {
		cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestASecondProcessDoesNotBreakCommits$")
		// Built with -race, the child would sleep a second at exit (GORACE's
		// atexit_sleep_ms, unless the caller's GORACE says otherwise).
		cmd.Env = append(os.Environ(), "SQLITELOG_SECOND_PROCESS="+path, "GORACE=atexit_sleep_ms=0 "+os.Getenv("GORACE"))
		if out, err := cmd.CombinedOutput(); err != nil {
			close(stop)
			<-done
			t.Fatalf("second process, round %d: %v\n%s", round, err, out)
		}
	}
	close(stop)
	n = <-done
	select {
	case err := <-failed:
		t.Fatal(err)
	default:
	}
	got := 0
	if err := l.Replay(ctx, "t", func(_ context.Context, b []eventlog.Record) error { got += len(b); return nil }); err != nil {
		t.Fatal(err)
	}
	if got != n {
		t.Fatalf("replayed %d events, appended %d", got, n)
	}
}
