// timingStore times each store method: the report benchmark prints where a
// report spends its store time (BenchmarkWeekly).
package report_test

import (
	"context"
	"sync"
	"time"

	"yuqing/internal/analytics"
)

type timingStore struct {
	analytics.Store
	mu sync.Mutex
	d  map[string]time.Duration
	n  map[string]int
}

func (s *timingStore) add(k string, t time.Time) {
	s.mu.Lock()
	s.d[k] += time.Since(t)
	s.n[k]++
	s.mu.Unlock()
}
func (s *timingStore) Counts(ctx context.Context, q analytics.Query) ([]analytics.Bucket, error) {
	defer s.add("Counts", time.Now())
	return s.Store.Counts(ctx, q)
}
func (s *timingStore) TopKeywords(ctx context.Context, q analytics.Query, l int) ([]analytics.KeywordCount, error) {
	defer s.add("TopKeywords", time.Now())
	return s.Store.TopKeywords(ctx, q, l)
}
func (s *timingStore) Rollup(ctx context.Context, d analytics.Dimension, k []string, q analytics.Query) ([]analytics.KeyBucket, error) {
	defer s.add("Rollup", time.Now())
	return s.Store.Rollup(ctx, d, k, q)
}
func (s *timingStore) Topics(ctx context.Context, q analytics.TopicQuery) ([]analytics.Topic, error) {
	defer s.add("Topics", time.Now())
	return s.Store.Topics(ctx, q)
}
func (s *timingStore) Mentions(ctx context.Context, q analytics.MentionQuery) ([]analytics.Mention, error) {
	defer s.add("Mentions", time.Now())
	return s.Store.Mentions(ctx, q)
}
