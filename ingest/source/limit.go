package source

import (
	"sync"
	"time"
)

// Bucket is a token bucket on an injected clock. Reserve takes a token now,
// going into debt if there is none, and says how long the caller must wait:
// waiters are served in the order they reserved.
type Bucket struct {
	mu     sync.Mutex
	rate   float64 // tokens per second
	burst  float64
	tokens float64
	last   time.Time
}

// NewBucket returns a full bucket refilling at rate per second, holding at
// most burst (at least 1). A nil *Bucket never waits.
func NewBucket(rate Rate, burst int) *Bucket {
	if rate <= 0 {
		return nil
	}
	if burst < 1 {
		burst = 1
	}
	return &Bucket{rate: float64(rate), burst: float64(burst), tokens: float64(burst)}
}

// Reserve takes one token at now and returns the wait before using it.
func (b *Bucket) Reserve(now time.Time) time.Duration {
	if b == nil {
		return 0
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.last.IsZero() && now.After(b.last) {
		b.tokens += now.Sub(b.last).Seconds() * b.rate
		if b.tokens > b.burst {
			b.tokens = b.burst
		}
	}
	if b.last.IsZero() || now.After(b.last) {
		b.last = now
	}
	b.tokens--
	if b.tokens >= 0 {
		return 0
	}
	return time.Duration(-b.tokens / b.rate * float64(time.Second))
}
