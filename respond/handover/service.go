package handover

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

// Board is the projection of the handovers topic. It is safe for
// concurrent use; Apply is idempotent by event ID, so the log may be
// replayed into it after a restart.
type Board struct{ set *aggregate.Set[State] }

// NewBoard returns an empty board.
func NewBoard() *Board {
	return &Board{set: aggregate.New("handover", func(key string) State { return State{ID: key} }, Apply)}
}

// Apply folds one event of the topic into the board. An event seen before
// is ignored; one that does not fit is an error and changes nothing.
func (b *Board) Apply(env event.Envelope) error { return b.set.Apply(env) }

// Get returns one by its ID.
func (b *Board) Get(id string) (State, bool) {
	s, ok := b.set.Get(id)
	if !ok || !(s.Handed()) {
		return State{}, false
	}
	return s, true
}

// List returns every one, the latest first.
func (b *Board) List() []State {
	out := b.set.All(func(s State) bool { return s.Handed() })
	slices.SortFunc(out, func(x, y State) int {
		if c := y.HandedAt.Compare(x.HandedAt); c != 0 {
			return c
		}
		return cmp.Compare(y.ID, x.ID)
	})
	return out
}

// handedAt reports a handover recorded for the shift ending at until.
func (b *Board) handedAt(until time.Time) (State, bool) {
	for _, s := range b.List() {
		if s.Note.Until.Equal(until) {
			return s, true
		}
	}
	return State{}, false
}

// Service composes notes from its inputs, records handovers and keeps the
// board current: it decides a command, appends its events to the log and
// applies them, under one lock. Load rebuilds the board from the log at
// start. It is safe for concurrent use.
type Service struct {
	mu    sync.Mutex
	board *Board
	log   eventlog.Log
	now   func() time.Time
	in    Inputs
	cfg   Config
	newID func() string
}

// NewService returns a service over log composing notes from in; call
// Load before Hand or Take.
func NewService(log eventlog.Log, now func() time.Time, in Inputs, cfg Config) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{board: NewBoard(), log: log, now: now, in: in, cfg: cfg.withDefaults(), newID: event.NewID}
}

// Board is the projection the API reads.
func (s *Service) Board() *Board { return s.board }

// Config is the service's configuration, defaults filled in.
func (s *Service) Config() Config { return s.cfg }

// Load replays the handovers topic into the board.
func (s *Service) Load(ctx context.Context) error {
	if err := s.board.set.Load(ctx, s.log, Topic); err != nil {
		return fmt.Errorf("loading the handovers: %w", err)
	}
	return nil
}

// Draft is the note as it would be handed now for the shift ending at
// until (zero: the shift Config.Until picks, past every boundary someone
// already handed over at: after an early handover, the shift after).
func (s *Service) Draft(until time.Time) Note {
	now := s.now()
	if until.IsZero() {
		until = s.cfg.Until(now, func(u time.Time) bool { _, ok := s.board.handedAt(u); return ok })
	}
	return Compose(s.in, s.cfg, now, until)
}

// Hand composes the note now and records it signed by actor, the outgoing
// officer, with text (交班说明). A shift is handed over once: while a
// handover of the shift ending at the same time is recorded, another is
// refused. A refusal wraps ErrRule.
func (s *Service) Hand(ctx context.Context, actor, text string, until time.Time) (State, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if !until.IsZero() && (until.Before(now.Add(-24*time.Hour)) || until.After(now.Add(24*time.Hour))) {
		return State{}, refuse("交班时间 %s 须在前后 24 小时之内", bjTime(until))
	}
	note := s.Draft(until)
	if prev, ok := s.board.handedAt(note.Until); ok {
		return State{}, refuse("本班（至 %s）已于 %s 签字交班，不再重复交班", bjTime(note.Until), bjTime(prev.HandedAt))
	}
	if note.From.After(now) {
		// The shift ending now was handed over early: the next one has
		// not begun.
		if prev, ok := s.board.handedAt(note.From); ok {
			return State{}, refuse("本班（至 %s）已于 %s 签字交班，不再重复交班；下一班 %s 开始", bjTime(note.From), bjTime(prev.HandedAt), bjTime(note.From))
		}
		return State{}, refuse("%s 开始的班次尚未开始，不能交班", bjTime(note.From))
	}
	note.Text = text
	return s.handle(ctx, s.newID(), actor, Hand{Note: note}, now)
}

// Take records actor, a duty officer other than the outgoing one, taking
// handover id with remark. A refusal wraps ErrRule, or ErrNotFound for an
// unknown handover.
func (s *Service) Take(ctx context.Context, id, actor, remark string) (State, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.handle(ctx, id, actor, Take{Remark: remark}, s.now())
}

func (s *Service) handle(ctx context.Context, id, actor string, cmd any, now time.Time) (State, error) {
	if id == "" {
		return State{}, event.Refuse(ErrNotFound, "交接班编号不能为空")
	}
	st, _ := s.board.Get(id)
	st.ID = id
	evs, err := Decide(&st, cmd, actor, now)
	if err != nil {
		return st, err
	}
	envs, err := event.Wrap(id, actor, now, evs)
	if err != nil {
		return st, err
	}
	if err := s.log.Append(ctx, Topic, envs...); err != nil {
		return st, fmt.Errorf("recording handover %s: %w", id, err)
	}
	for _, env := range envs {
		if err := s.board.Apply(env); err != nil {
			return st, err
		}
	}
	got, _ := s.board.Get(id)
	return got, nil
}
