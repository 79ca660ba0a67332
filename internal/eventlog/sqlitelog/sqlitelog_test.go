package sqlitelog

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"yuqing/internal/event"
	"yuqing/internal/eventlog"
	"yuqing/internal/eventlog/logtest"
)

func open(t *testing.T, path string) *Log {
	t.Helper()
	l, err := Open(t.Context(), Config{Path: path}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestConformance(t *testing.T) {
	logtest.Run(t, func(t *testing.T) logtest.Opener {
		path := filepath.Join(t.TempDir(), "log.db")
		return func(t *testing.T) eventlog.Log { return open(t, path) }
	})
}

func ev(t *testing.T, typ, key string) event.Envelope {
	now := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	e, err := event.New(typ, key, "test", now, now, map[string]string{"k": key})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// A transactional consumer's output and offset commit together: when the
// handler fails, neither its appends nor the offset are kept.
func TestConsumeTxAtomic(t *testing.T) {
	ctx := t.Context()
	l := open(t, filepath.Join(t.TempDir(), "log.db"))
	defer l.Close()
	if err := l.Append(ctx, "in", ev(t, "in.item.v1", "a"), ev(t, "in.item.v1", "b")); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	err := l.ConsumeTx(ctx, "in", "pipe", func(ctx context.Context, tx eventlog.Tx, b []eventlog.Record) error {
		if err := tx.Append(ctx, "out", ev(t, "out.item.v1", "a")); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("ConsumeTx = %v", err)
	}
	if n, _ := l.End(ctx, "out"); n != 0 {
		t.Fatalf("failed handler's output was kept: %d events", n)
	}
	cctx, cancel := context.WithCancel(ctx)
	err = l.ConsumeTx(cctx, "in", "pipe", func(ctx context.Context, tx eventlog.Tx, b []eventlog.Record) error {
		for _, r := range b {
			if err := tx.Append(ctx, "out", ev(t, "out.item.v1", r.Event.Key)); err != nil {
				return err
			}
		}
		cancel()
		return nil
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("ConsumeTx = %v", err)
	}
	if n, _ := l.End(ctx, "out"); n != 2 {
		t.Fatalf("output has %d events, want 2", n)
	}
	if off, _ := l.committed(ctx, "in", "pipe"); off != 2 {
		t.Fatalf("committed offset %d, want 2", off)
	}
}

func TestAppendRejectsInvalidEvent(t *testing.T) {
	l := open(t, filepath.Join(t.TempDir(), "log.db"))
	defer l.Close()
	bad := ev(t, "x.y.v1", "k")
	bad.Actor = ""
	good := ev(t, "x.y.v1", "k")
	if err := l.Append(t.Context(), "t", good, bad); err == nil {
		t.Fatal("invalid event accepted")
	}
	if n, _ := l.End(t.Context(), "t"); n != 0 {
		t.Fatalf("a rejected batch left %d events behind", n)
	}
}

func TestPipeOnTxLogIsTransactional(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	l := open(t, filepath.Join(t.TempDir(), "log.db"))
	defer l.Close()
	if err := l.Append(ctx, "in", ev(t, "in.item.v1", "a")); err != nil {
		t.Fatal(err)
	}
	err := eventlog.Pipe(ctx, l, "in", "g", func(ctx context.Context, tx eventlog.Tx, b []eventlog.Record) error {
		if _, ok := tx.(*bufferTx); !ok {
			t.Errorf("Pipe on the SQLite log did not use its transaction")
		}
		cancel()
		return tx.Append(ctx, "out", ev(t, "out.item.v1", "a"))
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatal(err)
	}
	if n, _ := l.End(t.Context(), "out"); n != 1 {
		t.Fatalf("out has %d", n)
	}
}

func BenchmarkAppend1000(b *testing.B) {
	l, err := Open(b.Context(), Config{Path: filepath.Join(b.TempDir(), "log.db")}, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	now := time.Now()
	evs := make([]event.Envelope, 1000)
	for i := range evs {
		evs[i], _ = event.New("bench.item.v1", "k", "bench", now, now, map[string]int{"i": i})
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := l.Append(b.Context(), "bench", evs...); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*len(evs))/b.Elapsed().Seconds(), "events/s")
}
