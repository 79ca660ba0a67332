package auth

import (
	"strings"
	"sync"
	"time"
)

// limiter counts login failures per key in a sliding window. When a key
// reaches max failures within window it is locked for lockout, doubled for
// each lock since the key's last reset (at most 16×): a lock refuses every
// attempt of that key, right password or not. Safe for concurrent use.
type limiter struct {
	max     int
	window  time.Duration
	lockout time.Duration

	mu   sync.Mutex
	keys map[string]*failures
}

type failures struct {
	at          []time.Time
	lockedUntil time.Time
	locks       int // locks since the last reset: each one lasts twice as long
}

func newLimiter(max int, window, lockout time.Duration) *limiter {
	return &limiter{max: max, window: window, lockout: lockout, keys: map[string]*failures{}}
}

// locked reports whether key is locked at now.
func (l *limiter) locked(key string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	f := l.keys[key]
	return f != nil && now.Before(f.lockedUntil)
}

// fail records a failure of key at t and reports whether key is now locked.
func (l *limiter) fail(key string, t time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.keys) > 4096 {
		l.sweep(t)
	}
	f := l.keys[key]
	if f == nil {
		f = &failures{}
		l.keys[key] = f
	}
	f.prune(t, l.window)
	f.at = append(f.at, t)
	if len(f.at) >= l.max {
		f.lockedUntil = t.Add(l.lockout << min(f.locks, 4))
		f.locks++
		f.at = nil
	}
	return t.Before(f.lockedUntil)
}

// reset forgets key's failures and lock (after a successful login).
func (l *limiter) reset(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.keys, key)
}

// resetPrefix forgets every key that starts with prefix (a user's limits
// from every address).
func (l *limiter) resetPrefix(prefix string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for k := range l.keys {
		if strings.HasPrefix(k, prefix) {
			delete(l.keys, k)
		}
	}
}

// until is when key's lock ends (zero: not locked at now).
func (l *limiter) until(key string, now time.Time) time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	if f := l.keys[key]; f != nil && now.Before(f.lockedUntil) {
		return f.lockedUntil
	}
	return time.Time{}
}

func (f *failures) prune(now time.Time, window time.Duration) {
	cut := 0
	for cut < len(f.at) && !f.at[cut].After(now.Add(-window)) {
		cut++
	}
	f.at = f.at[cut:]
}

// sweep drops keys with nothing left to remember. The caller holds l.mu.
func (l *limiter) sweep(now time.Time) {
	for k, f := range l.keys {
		f.prune(now, l.window)
		if len(f.at) == 0 && now.After(f.lockedUntil.Add(24*time.Hour)) { // a day after its last lock, a key starts afresh
			delete(l.keys, k)
		}
	}
}
