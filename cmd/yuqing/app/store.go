package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"
	"yuqing/internal/backoff"

	"yuqing/internal/analytics"
)

// errStoreDown is what every call of a store not yet connected returns.
var errStoreDown = errors.New("analytics store not connected yet")

// laterStore is an analytics store that connects in the background: a
// server whose ClickHouse is down at start still takes mentions into the
// log (ingest needs nothing else), the analyser retries until the store is
// there, and /readyz says what is missing. Until it has connected, every
// call fails with errStoreDown and the last connection error.
type laterStore struct {
	store   atomic.Pointer[analytics.Store]
	lastErr atomic.Pointer[string]
	ready   chan struct{} // closed once connected
}

// connectLater tries open until it succeeds or ctx ends, with backoff
// from first, doubling, to thirty seconds.
func connectLater(ctx context.Context, open func(context.Context) (analytics.Store, error), first time.Duration, logger *slog.Logger) *laterStore {
	s := &laterStore{ready: make(chan struct{})}
	msg := "connecting"
	s.lastErr.Store(&msg)
	go func() {
		bo := backoff.Backoff{Min: first, Max: 30 * time.Second}
		for n := 1; ; n++ {
			st, err := open(ctx)
			if err == nil {
				s.store.Store(&st)
				close(s.ready)
				logger.Info("analytics store connected")
				return
			}
			msg := err.Error()
			s.lastErr.Store(&msg)
			logger.Warn("analytics store not reachable; ingest goes on, analysis waits", "err", err, "retry_in", bo.Delay(n))
			select {
			case <-ctx.Done():
				return
			case <-time.After(bo.Delay(n)):
			}
		}
	}()
	return s
}

// Ready is closed once the store has connected.
func (s *laterStore) Ready() <-chan struct{} { return s.ready }

// NotReady says why the store cannot be used yet ("" once connected).
func (s *laterStore) NotReady() string {
	if s.store.Load() != nil {
		return ""
	}
	return "analytics store: " + *s.lastErr.Load()
}

func (s *laterStore) get() (analytics.Store, error) {
	if p := s.store.Load(); p != nil {
		return *p, nil
	}
	return nil, fmt.Errorf("%w: %s", errStoreDown, *s.lastErr.Load())
}

func (s *laterStore) PutMentions(ctx context.Context, ms []analytics.Mention) error {
	st, err := s.get()
	if err != nil {
		return err
	}
	return st.PutMentions(ctx, ms)
}

func (s *laterStore) Get(ctx context.Context, id string) (analytics.Mention, error) {
	st, err := s.get()
	if err != nil {
		return analytics.Mention{}, err
	}
	return st.Get(ctx, id)
}

func (s *laterStore) Counts(ctx context.Context, q analytics.Query) ([]analytics.Bucket, error) {
	st, err := s.get()
	if err != nil {
		return nil, err
	}
	return st.Counts(ctx, q)
}

func (s *laterStore) TopKeywords(ctx context.Context, q analytics.Query, limit int) ([]analytics.KeywordCount, error) {
	st, err := s.get()
	if err != nil {
		return nil, err
	}
	return st.TopKeywords(ctx, q, limit)
}

func (s *laterStore) Rollup(ctx context.Context, dim analytics.Dimension, keys []string, q analytics.Query) ([]analytics.KeyBucket, error) {
	st, err := s.get()
	if err != nil {
		return nil, err
	}
	return st.Rollup(ctx, dim, keys, q)
}

func (s *laterStore) PutTopics(ctx context.Context, ts []analytics.Topic) error {
	st, err := s.get()
	if err != nil {
		return err
	}
	return st.PutTopics(ctx, ts)
}

func (s *laterStore) Topics(ctx context.Context, q analytics.TopicQuery) ([]analytics.Topic, error) {
	st, err := s.get()
	if err != nil {
		return nil, err
	}
	return st.Topics(ctx, q)
}

func (s *laterStore) Mentions(ctx context.Context, q analytics.MentionQuery) ([]analytics.Mention, error) {
	st, err := s.get()
	if err != nil {
		return nil, err
	}
	return st.Mentions(ctx, q)
}

func (s *laterStore) Breakdown(ctx context.Context, q analytics.MentionQuery) ([]analytics.Cell, error) {
	st, err := s.get()
	if err != nil {
		return nil, err
	}
	return st.Breakdown(ctx, q)
}

// Close closes the store if it connected.
func (s *laterStore) Close() error {
	if p := s.store.Load(); p != nil {
		return (*p).Close()
	}
	return nil
}
