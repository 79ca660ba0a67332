package policy

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"yuqing/internal/event"
	"yuqing/internal/eventlog"
)

// Board is the projection of the policies topic: every assessment as its
// events made it. It is safe for concurrent use; Apply is idempotent by
// event ID, so the log may be replayed into it after a restart.
type Board struct {
	mu     sync.RWMutex
	states map[string]*State
	seen   map[string]bool
}

// NewBoard returns an empty board.
func NewBoard() *Board {
	return &Board{states: map[string]*State{}, seen: map[string]bool{}}
}

// Apply folds one event of the topic into the board. An event seen before
// is ignored; one that does not fit its assessment is an error and changes
// nothing.
func (b *Board) Apply(env event.Envelope) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.seen[env.ID] {
		return nil
	}
	next := State{ID: env.Key}
	if s := b.states[env.Key]; s != nil {
		next = *s // Apply replaces slices, it never appends to them in place
	}
	if err := Apply(&next, env); err != nil {
		return fmt.Errorf("policy assessment %s: %w", env.Key, err)
	}
	b.states[env.Key] = &next
	b.seen[env.ID] = true
	return nil
}

// Get returns the assessment id.
func (b *Board) Get(id string) (State, bool) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	s, ok := b.states[id]
	if !ok || s.Assessments == 0 {
		return State{}, false
	}
	return *s, true
}

// List returns every assessment, the latest assessed first.
func (b *Board) List() []State {
	b.mu.RLock()
	defer b.mu.RUnlock()
	out := make([]State, 0, len(b.states))
	for _, s := range b.states {
		if s.Assessments > 0 {
			out = append(out, *s)
		}
	}
	slices.SortFunc(out, func(x, y State) int {
		if c := y.Assessment.AssessedAt.Compare(x.Assessment.AssessedAt); c != 0 {
			return c
		}
		return cmp.Compare(x.ID, y.ID)
	})
	return out
}

// Service records assessment commands and keeps the board current: it
// decides a command, appends its events to the log and applies them, under
// one lock. Load rebuilds the board from the log at start. It is safe for
// concurrent use.
type Service struct {
	mu    sync.Mutex
	board *Board
	log   eventlog.Log
	now   func() time.Time
}

// NewService returns a service over log; call Load before Handle.
func NewService(log eventlog.Log, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{board: NewBoard(), log: log, now: now}
}

// Board is the projection the console reads.
func (s *Service) Board() *Board { return s.board }

// Load replays the policies topic into the board.
func (s *Service) Load(ctx context.Context) error {
	err := s.log.Replay(ctx, Topic, func(_ context.Context, batch []eventlog.Record) error {
		for _, r := range batch {
			if err := s.board.Apply(r.Event); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("loading the policy assessments: %w", err)
	}
	return nil
}

// Handle decides cmd by actor on assessment id (for a Record, "" is the
// assessment's own ID), then calls before, when given, with the state the
// events will make: a release applies its scheme there, so that a failure
// records nothing. Then it records and applies the events. A refusal wraps
// ErrRule.
func (s *Service) Handle(ctx context.Context, id, actor string, cmd any, before func(next State) error) (State, []event.Envelope, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r, ok := cmd.(Record); ok && id == "" {
		id = IDOf(r.Assessment)
	}
	if id == "" {
		return State{}, nil, refuse("研判编号不能为空")
	}
	st, _ := s.board.Get(id)
	st.ID = id
	now := s.now()
	evs, err := Decide(&st, cmd, actor, now)
	if err != nil || len(evs) == 0 {
		return st, nil, err
	}
	envs, err := event.Wrap(id, actor, now, evs)
	if err != nil {
		return st, nil, err
	}
	next := st
	for _, env := range envs {
		if err := Apply(&next, env); err != nil {
			return st, nil, err
		}
	}
	if before != nil {
		if err := before(next); err != nil {
			return st, nil, err
		}
	}
	if err := s.log.Append(ctx, Topic, envs...); err != nil {
		return st, nil, fmt.Errorf("recording policy assessment %s: %w", id, err)
	}
	for _, env := range envs {
		if err := s.board.Apply(env); err != nil {
			return st, nil, err
		}
	}
	got, _ := s.board.Get(id)
	return got, envs, nil
}
