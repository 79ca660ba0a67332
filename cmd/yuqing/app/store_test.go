package app

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"yuqing/internal/analytics"
	"yuqing/internal/analytics/sqlitestore"
)

// A store that is down answers every call with why it cannot, and serves
// once it connects.
func TestLaterStoreConnects(t *testing.T) {
	var tries atomic.Int32
	path := filepath.Join(t.TempDir(), "a.db")
	open := func(ctx context.Context) (analytics.Store, error) {
		if tries.Add(1) < 3 {
			return nil, errors.New("dial tcp 127.0.0.1:9000: connection refused")
		}
		return sqlitestore.Open(ctx, path, nil)
	}
	s := connectLater(t.Context(), open, time.Millisecond, slog.New(slog.DiscardHandler))
	defer s.Close()
	<-s.Ready()
	if s.NotReady() != "" || tries.Load() != 3 {
		t.Fatalf("connected after %d tries, NotReady %q", tries.Load(), s.NotReady())
	}
	if _, err := s.Get(t.Context(), "x"); !errors.Is(err, analytics.ErrNotFound) {
		t.Fatalf("after connecting: %v", err)
	}

	down := connectLater(t.Context(), func(context.Context) (analytics.Store, error) { return nil, errors.New("refused") }, time.Hour, slog.New(slog.DiscardHandler))
	if _, err := down.Counts(t.Context(), analytics.Query{}); !errors.Is(err, errStoreDown) {
		t.Fatalf("a store that stays down: %v", err)
	}
	if down.NotReady() == "" {
		t.Fatal("a store that stays down says it is ready")
	}
}
