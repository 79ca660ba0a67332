// Package source runs pull connectors (RSS feeds, bridges, APIs) into the
// event log, in the style of Redpanda Connect's input contract: a source's
// position (its cursor) advances only after the log has accepted what was
// read. A crash between the write and the cursor event re-reads the batch, so
// delivery from the source to the log is at-least-once and consumers drop
// duplicates by mention ID.
//
// The Runner keeps each source's cursor as source.cursor.v1 events in the
// "sources" topic (latest wins, replayed at start) and reports its health as
// source.health.v1 events in the same topic.
package source

import (
	"context"
	"errors"
	"fmt"
	"time"

	"yuqing/internal/mention"
)

// Source is one connector instance.
//
// Connect is called before the first Read and again after a Read returns an
// error wrapping ErrNotConnected. Read returns the next batch; a pull source
// returns an empty batch (with its unchanged cursor) when nothing is new. A
// finite source returns ErrEndOfInput when it is done. Close releases it.
//
// A source may advance its in-memory position when Read returns: the Runner
// either gets the batch into the log or stops, and on restart hands the
// source the last cursor the log holds (see Resumer).
type Source interface {
	Connect(ctx context.Context) error
	Read(ctx context.Context) (Batch, error)
	Close(ctx context.Context) error
}

// Resumer is a Source that can continue from a cursor it returned earlier.
// The Runner calls Resume before Connect when the log holds a cursor for the
// source. An error makes the Runner log it and start the source afresh.
type Resumer interface {
	Resume(cursor string) error
}

// Batch is what one Read produced.
type Batch struct {
	Mentions []mention.Mention
	Rejected []mention.Rejected // items that could not become a valid mention
	Cursor   string             // opaque position after this batch; "" keeps the previous one
	More     bool               // more is available now: read again without waiting the poll interval
}

// Len is the number of items in the batch, good and rejected.
func (b Batch) Len() int { return len(b.Mentions) + len(b.Rejected) }

// Errors a source returns (wrapped) to steer the Runner.
var (
	// ErrEndOfInput ends a finite source: the Runner closes it and stops.
	ErrEndOfInput = errors.New("source: end of input")
	// ErrNotConnected makes the Runner call Connect again before reading.
	ErrNotConnected = errors.New("source: not connected")
	// ErrAuth marks a source that is blind: 401, 403, a redirect to a login
	// page, an expired cookie or token. Health reports auth_failed.
	ErrAuth = errors.New("source: authentication failed")
)

// retryable marks an error as transient (5xx, timeouts, connection resets).
type retryable struct {
	err   error
	after time.Duration // the server's Retry-After, if any
}

func (r *retryable) Error() string { return r.err.Error() }
func (r *retryable) Unwrap() error { return r.err }

// Retryable marks err as transient: the Runner retries it with exponential
// backoff from the base delay. Errors not so marked are retried too, but at
// the longest backoff. A nil err stays nil.
func Retryable(err error) error {
	if err == nil {
		return nil
	}
	return &retryable{err: err}
}

// RetryAfter marks err as transient and asks the Runner to wait at least d
// (an HTTP Retry-After) before the next attempt.
func RetryAfter(err error, d time.Duration) error {
	if err == nil {
		return nil
	}
	return &retryable{err: err, after: d}
}

// IsRetryable reports whether err was marked transient.
func IsRetryable(err error) bool {
	var r *retryable
	return errors.As(err, &r)
}

func retryAfter(err error) time.Duration {
	var r *retryable
	if errors.As(err, &r) {
		return r.after
	}
	return 0
}

// Auth wraps err so that errors.Is(err, ErrAuth) holds, keeping its text.
func Auth(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, ErrAuth) {
		return err
	}
	return fmt.Errorf("%w: %w", ErrAuth, err)
}
