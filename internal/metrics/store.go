package metrics

import (
	"context"
	"crypto/subtle"
	"net/http"
	"strings"
	"time"

	"yuqing/internal/analytics"
)

// Writer is the write side of the analytics store the analyser uses.
type Writer interface {
	PutMentions(ctx context.Context, ms []analytics.Mention) error
	PutTopics(ctx context.Context, ts []analytics.Topic) error
}

// Store wraps w so that each write's latency and failures are measured.
func (m *Metrics) Store(w Writer) Writer { return measuredWriter{w, m} }

type measuredWriter struct {
	w Writer
	m *Metrics
}

func (s measuredWriter) PutMentions(ctx context.Context, ms []analytics.Mention) error {
	return s.m.write("put_mentions", func() error { return s.w.PutMentions(ctx, ms) })
}

func (s measuredWriter) PutTopics(ctx context.Context, ts []analytics.Topic) error {
	return s.m.write("put_topics", func() error { return s.w.PutTopics(ctx, ts) })
}

func (m *Metrics) write(op string, f func() error) error {
	start := time.Now()
	err := f()
	m.storeSeconds.WithLabelValues(op).Observe(time.Since(start).Seconds())
	if err != nil {
		m.storeErrors.WithLabelValues(op).Inc()
	}
	return err
}

// bearer reports whether r carries token as its bearer token.
func bearer(r *http.Request, token string) bool {
	got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	return ok && subtle.ConstantTimeCompare([]byte(got), []byte(token)) == 1
}
