package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"
	"yuqing/internal/backoff"
)

// Clock is the time source of the Dispatcher.
type Clock interface {
	Now() time.Time
	// Sleep waits d or until ctx ends, whichever is first.
	Sleep(ctx context.Context, d time.Duration) error
}

// SystemClock is the real clock (and, inside a testing/synctest bubble,
// the bubble's fake one).
type SystemClock struct{}

// Now is time.Now.
func (SystemClock) Now() time.Time { return time.Now() }

// Sleep waits on a timer.
func (SystemClock) Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Backoff is the wait between attempts: exponential, capped, jittered
// (yuqing's one backoff, internal/backoff).
type Backoff = backoff.Backoff

// DefaultBackoff starts at 10 s and doubles to at most 5 min, the last
// fifth of each wait drawn at random.
var DefaultBackoff = Backoff{Min: 10 * time.Second, Max: 5 * time.Minute, Jitter: 0.2}

// Result is the outcome of one attempt, for notification.sent.v1 and
// notification.failed.v1 events.
type Result struct {
	MessageID string
	Receiver  string
	Attempt   int // 1-based
	Sent      bool
	Err       string    // "" when Sent
	Retry     bool      // the notifier called the failure transient
	Final     bool      // no further attempt will be made for this delivery
	At        time.Time // when the attempt finished
}

// Dispatcher sends messages along a Router's plan, retrying transient
// failures. It is safe for concurrent use; Dispatch blocks until every
// delivery of the message is sent, given up, or ctx ends, so callers run it
// in a goroutine per message. Deliveries held by quiet hours wait inside
// Dispatch: after a restart the caller dispatches the unsent messages again
// and Sent keeps receivers from getting them twice.
type Dispatcher struct {
	Router *Router
	// Sent reports a delivery already recorded as sent (from the event
	// log); it is asked before every attempt. Nil: nothing was sent before.
	Sent func(messageID, receiver string) bool
	// Record gets every attempt's outcome. Calls are serialized.
	Record  func(Result)
	Clock   Clock        // nil: SystemClock
	Logger  *slog.Logger // nil: discard
	Rand    *rand.Rand   // jitter source; nil: unseeded. Seed it for reproducible tests.
	Backoff Backoff      // zero: DefaultBackoff
	// MaxAttempts bounds the attempts per delivery (0: 8).
	MaxAttempts int
	// MaxAge bounds how long a delivery is retried, measured from when it
	// became due (its NotBefore, so a message held overnight by quiet hours
	// is not dropped for being old) (0: 1 h). No attempt starts later.
	MaxAge time.Duration
	// AttemptTimeout bounds one Notify call (0: 30 s).
	AttemptTimeout time.Duration

	mu       sync.Mutex // guards inflight, Rand
	recordMu sync.Mutex
	inflight map[[2]string]bool
}

func (d *Dispatcher) clock() Clock {
	if d.Clock == nil {
		return SystemClock{}
	}
	return d.Clock
}

func (d *Dispatcher) logger() *slog.Logger {
	if d.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return d.Logger
}

func (d *Dispatcher) backoff() Backoff {
	if d.Backoff == (Backoff{}) {
		return DefaultBackoff
	}
	return d.Backoff
}

func (d *Dispatcher) maxAttempts() int {
	if d.MaxAttempts <= 0 {
		return 8
	}
	return d.MaxAttempts
}

func (d *Dispatcher) maxAge() time.Duration {
	if d.MaxAge <= 0 {
		return time.Hour
	}
	return d.MaxAge
}

func (d *Dispatcher) attemptTimeout() time.Duration {
	if d.AttemptTimeout <= 0 {
		return 30 * time.Second
	}
	return d.AttemptTimeout
}

// wait is the jittered wait after failed attempt n, drawn from Rand.
func (d *Dispatcher) wait(bo Backoff, n int) time.Duration {
	d.mu.Lock()
	defer d.mu.Unlock()
	return bo.Next(n, d.Rand)
}

func (d *Dispatcher) record(r Result) {
	if d.Record == nil {
		return
	}
	d.recordMu.Lock()
	defer d.recordMu.Unlock()
	d.Record(r)
}

func (d *Dispatcher) sent(id, receiver string) bool {
	return d.Sent != nil && d.Sent(id, receiver)
}

// claim marks (id, receiver) in flight in this process; false if it already is.
func (d *Dispatcher) claim(id, receiver string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	k := [2]string{id, receiver}
	if d.inflight[k] {
		return false
	}
	if d.inflight == nil {
		d.inflight = map[[2]string]bool{}
	}
	d.inflight[k] = true
	return true
}

func (d *Dispatcher) release(id, receiver string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	delete(d.inflight, [2]string{id, receiver})
}

// ErrGaveUp wraps the last error of a delivery that was not sent.
var ErrGaveUp = errors.New("notify: delivery not sent")

// Dispatch plans msg at the clock's now and runs every delivery
// concurrently. It returns nil when every delivery was sent or had been
// sent before, otherwise the joined failures (each wrapping ErrGaveUp) or
// ctx's error.
func (d *Dispatcher) Dispatch(ctx context.Context, msg Message) error {
	if err := msg.Validate(); err != nil {
		return err
	}
	plan := d.Router.Plan(msg, d.clock().Now())
	errs := make([]error, len(plan))
	var wg sync.WaitGroup
	for i, dl := range plan {
		wg.Go(func() { errs[i] = d.deliver(ctx, msg, dl) })
	}
	wg.Wait()
	return errors.Join(errs...)
}

func (d *Dispatcher) deliver(ctx context.Context, msg Message, dl Delivery) error {
	log := d.logger().With("message", msg.ID, "receiver", dl.Receiver)
	if !d.claim(msg.ID, dl.Receiver) {
		log.Debug("delivery already in flight")
		return nil
	}
	defer d.release(msg.ID, dl.Receiver)
	rc, ok := d.Router.Receiver(dl.Receiver)
	if !ok { // NewRouter makes this impossible
		return fmt.Errorf("%w: %s to %s: unknown receiver", ErrGaveUp, msg.ID, dl.Receiver)
	}
	clk := d.clock()
	if wait := dl.NotBefore.Sub(clk.Now()); wait > 0 {
		log.Info("held for quiet hours", "until", dl.NotBefore)
		if err := clk.Sleep(ctx, wait); err != nil {
			return err
		}
	}
	deadline := dl.NotBefore.Add(d.maxAge())
	bo := d.backoff()
	for attempt := 1; ; attempt++ {
		if d.sent(msg.ID, dl.Receiver) {
			log.Debug("already sent")
			return nil
		}
		actx, cancel := context.WithTimeout(ctx, d.attemptTimeout())
		retry, err := rc.Notifier.Notify(actx, msg)
		cancel()
		now := clk.Now()
		res := Result{MessageID: msg.ID, Receiver: dl.Receiver, Attempt: attempt, Sent: err == nil, Retry: retry, At: now}
		if err == nil {
			res.Retry = false
			res.Final = true
			d.record(res)
			log.Info("sent", "attempt", attempt)
			return nil
		}
		res.Err = err.Error()
		var wait time.Duration
		reason := ""
		switch {
		case ctx.Err() != nil:
			reason = "cancelled"
		case !retry:
			reason = "permanent failure"
		case attempt >= d.maxAttempts():
			reason = "attempts exhausted"
		default:
			wait = d.wait(bo, attempt)
			if now.Add(wait).After(deadline) {
				reason = "max age reached"
			}
		}
		res.Final = reason != ""
		d.record(res)
		if res.Final {
			log.Warn("delivery failed", "attempt", attempt, "reason", reason, "err", err)
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return fmt.Errorf("%w: %s to %s after %d attempt(s): %s: %w", ErrGaveUp, msg.ID, dl.Receiver, attempt, reason, err)
		}
		log.Info("delivery failed, will retry", "attempt", attempt, "in", wait, "err", err)
		if err := clk.Sleep(ctx, wait); err != nil {
			return err
		}
	}
}
