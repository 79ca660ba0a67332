// Package aggregate keeps event-sourced aggregates by key: the projection
// a service rebuilds from its topic at start and keeps current as it
// records events (policy assessments, shift handovers).
package aggregate

import (
	"context"
	"fmt"
	"sync"

	"yuqing/internal/event"
	"yuqing/internal/eventlog"
)

// Set is the states of one kind of aggregate, by key. It is safe for
// concurrent use; Apply is idempotent by event ID, so the log may be
// replayed into it after a restart.
type Set[S any] struct {
	name   string
	fresh  func(key string) S
	apply  func(*S, event.Envelope) error
	mu     sync.RWMutex
	states map[string]*S
	seen   map[string]bool
}

// New returns an empty set. name words errors ("policy assessment"); fresh
// is the state of a key no event touched yet; apply folds one event into a
// state — it must replace slices and maps it changes, never change them in
// place, so a failed fold leaves the state as it was.
func New[S any](name string, fresh func(key string) S, apply func(*S, event.Envelope) error) *Set[S] {
	return &Set[S]{name: name, fresh: fresh, apply: apply, states: map[string]*S{}, seen: map[string]bool{}}
}

// Apply folds one event into its aggregate (by the event's key). An event
// seen before is ignored; one that does not fit is an error and changes
// nothing.
func (x *Set[S]) Apply(env event.Envelope) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.seen[env.ID] {
		return nil
	}
	next := x.fresh(env.Key)
	if s := x.states[env.Key]; s != nil {
		next = *s
	}
	if err := x.apply(&next, env); err != nil {
		return fmt.Errorf("%s %s: %w", x.name, env.Key, err)
	}
	x.states[env.Key] = &next
	x.seen[env.ID] = true
	return nil
}

// Get returns the state of key, if an event made one.
func (x *Set[S]) Get(key string) (S, bool) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	s, ok := x.states[key]
	if !ok {
		var zero S
		return zero, false
	}
	return *s, true
}

// All returns a copy of every state keep accepts, in no order.
func (x *Set[S]) All(keep func(S) bool) []S {
	x.mu.RLock()
	defer x.mu.RUnlock()
	out := make([]S, 0, len(x.states))
	for _, s := range x.states {
		if keep(*s) {
			out = append(out, *s)
		}
	}
	return out
}

// Load replays topic into the set.
func (x *Set[S]) Load(ctx context.Context, log eventlog.Log, topic string) error {
	return log.Replay(ctx, topic, func(_ context.Context, batch []eventlog.Record) error {
		for _, r := range batch {
			if err := x.Apply(r.Event); err != nil {
				return err
			}
		}
		return nil
	})
}
