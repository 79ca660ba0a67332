package policy

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"yuqing/internal/aggregate"
	"yuqing/internal/event"
	"yuqing/internal/eventlog"
)

// Board is the projection of the policies topic: every assessment as its
// events made it. It is safe for concurrent use; Apply is idempotent by
// event ID, so the log may be replayed into it after a restart.
type Board struct{ set *aggregate.Set[State] }

// NewBoard returns an empty board.
func NewBoard() *Board {
	return &Board{set: aggregate.New("policy assessment", func(key string) State { return State{ID: key} }, Apply)}
}

// Apply folds one event of the topic into the board. An event seen before
// is ignored; one that does not fit is an error and changes nothing.
func (b *Board) Apply(env event.Envelope) error { return b.set.Apply(env) }

// Get returns one by its ID.
func (b *Board) Get(id string) (State, bool) {
	s, ok := b.set.Get(id)
	if !ok || !(s.Assessments > 0) {
		return State{}, false
	}
	return s, true
}

// List returns every one, the latest first.
func (b *Board) List() []State {
	out := b.set.All(func(s State) bool { return s.Assessments > 0 })
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
	if err := s.board.set.Load(ctx, s.log, Topic); err != nil {
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
