// Package backoff computes how long to wait before retrying something that
// failed: exponential growth from a first wait up to a cap, optionally
// jittered so that many clients failing together do not retry together.
package backoff

import (
	"math"
	"math/rand/v2"
	"time"
)

// Backoff is exponential backoff. The wait before retry n (after n failed
// attempts, n >= 1) is Min·Factor^(n-1), capped at Max; Next draws a random
// part of it. A Backoff is a plain value: copy it, compare it, share it
// between goroutines.
type Backoff struct {
	// Min is the first wait (retry 1). Zero or less waits nothing.
	Min time.Duration
	// Max caps every wait; 0 is no cap (the longest time.Duration).
	Max time.Duration
	// Factor is the growth per retry: 0 means 2 (doubling); below 1 counts
	// as 1 (the same wait every time).
	Factor float64
	// Jitter, from 0 to 1, is the part of the wait Next draws at random: a
	// wait d becomes a uniform choice in [d - Jitter·d, d]. 0.5 is "equal
	// jitter", 1 "full jitter"; 0 (and Delay) waits exactly d.
	Jitter float64
}

// Delay is the wait before retry n, without jitter. n below 1 counts as 1;
// a large n gives Max (no overflow).
func (b Backoff) Delay(n int) time.Duration {
	if b.Min <= 0 {
		return 0
	}
	f := b.Factor
	switch {
	case f == 0:
		f = 2
	case f < 1:
		f = 1
	}
	d := float64(b.Min) * math.Pow(f, float64(max(n, 1)-1))
	if b.Max > 0 && d >= float64(b.Max) {
		return b.Max
	}
	if d >= math.MaxInt64 {
		return math.MaxInt64
	}
	return time.Duration(d)
}

// Next is the wait before retry n with jitter: Delay(n) less a random part
// of at most Jitter of it, drawn from r. A nil r draws from math/rand/v2's
// global source, which is safe for concurrent use; a non-nil r is used
// as it is: the caller serialises its use when it is shared.
func (b Backoff) Next(n int, r *rand.Rand) time.Duration {
	d := b.Delay(n)
	span := time.Duration(float64(d) * min(max(b.Jitter, 0), 1))
	if span <= 0 {
		return d
	}
	span = min(span, math.MaxInt64-1)
	var k int64
	if r != nil {
		k = r.Int64N(int64(span) + 1)
	} else {
		k = rand.Int64N(int64(span) + 1)
	}
	return d - span + time.Duration(k)
}
