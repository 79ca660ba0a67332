package wording

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"yuqing/internal/event"
	"yuqing/internal/eventlog"
)

// Service records 口径 commands and keeps the library current: it decides
// a command on the entry, appends the events to the log and applies them,
// under one lock. Load rebuilds the library from the log at start. It is
// safe for concurrent use.
type Service struct {
	mu  sync.Mutex
	lib *Library
	log eventlog.Log
	now func() time.Time
}

// NewService returns a service over log; call Load before Handle.
func NewService(log eventlog.Log, now func() time.Time) *Service {
	return &Service{lib: NewLibrary(), log: log, now: now}
}

// Library is the projection the console searches.
func (s *Service) Library() *Library { return s.lib }

// Load replays the wording topic into the library.
func (s *Service) Load(ctx context.Context) error {
	err := s.log.Replay(ctx, Topic, func(_ context.Context, batch []eventlog.Record) error {
		for _, r := range batch {
			if err := s.lib.Apply(r.Event); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("loading the 口径 library: %w", err)
	}
	return nil
}

// Handle decides cmd by actor on entry id ("" for a new entry: an ID is
// made), records and applies its events. A refusal wraps ErrRule.
func (s *Service) Handle(ctx context.Context, id, actor string, cmd any) (string, []event.Envelope, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if id == "" {
		id = "kj-" + strings.ReplaceAll(event.NewID(), "-", "")[:16]
	}
	e, _ := s.lib.Get(id)
	e.ID = id
	now := s.now()
	evs, err := Decide(&e, cmd, actor, now)
	if err != nil || len(evs) == 0 {
		return id, nil, err
	}
	envs, err := event.Wrap(id, actor, now, evs)
	if err != nil {
		return id, nil, err
	}
	if err := s.log.Append(ctx, Topic, envs...); err != nil {
		return id, nil, fmt.Errorf("recording 口径 %s: %w", id, err)
	}
	for _, env := range envs {
		if err := s.lib.Apply(env); err != nil {
			return id, nil, err
		}
	}
	return id, envs, nil
}

// Cite returns the text a draft's mark [口径:ID@N] cites: version N of
// entry ID, which must have been approved (a version retired since still
// stands behind what was published with it).
func (s *Service) Cite(ref string) (string, bool) {
	id, n, ok := strings.Cut(ref, "@")
	if !ok {
		return "", false
	}
	num, err := strconv.Atoi(n)
	if err != nil {
		return "", false
	}
	e, ok := s.lib.Get(id)
	if !ok || num < 1 || num > len(e.Versions) {
		return "", false
	}
	v := e.Versions[num-1]
	if v.ApprovedAt.IsZero() {
		return "", false
	}
	parts := []string{v.Text}
	for _, c := range v.Citations {
		parts = append(parts, c.Label, c.Ref)
	}
	return strings.Join(parts, "\n"), true
}
