package scheme

import (
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"yuqing/internal/event"
)

// Event types: schemes are configuration kept as events, so every change is
// versioned, attributed and replayable.
const (
	TypeDefined = "scheme.defined.v1" // payload: Scheme (with its new version)
	TypeDeleted = "scheme.deleted.v1" // payload: Deleted
)

// Deleted is the payload of scheme.deleted.v1.
type Deleted struct {
	ID      string `json:"id"`
	Version int    `json:"version"`
}

// Registry is the projection of scheme events into the live Matcher. Safe
// for concurrent use; Matcher() never blocks on a rebuild.
type Registry struct {
	mu      sync.Mutex
	schemes map[string]Scheme
	last    map[string]int // last version per ID, kept after deletion
	matcher atomic.Pointer[Matcher]
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry {
	r := &Registry{schemes: map[string]Scheme{}, last: map[string]int{}}
	m, _ := Compile(nil)
	r.matcher.Store(m)
	return r
}

// Matcher returns the current compiled schemes.
func (r *Registry) Matcher() *Matcher { return r.matcher.Load() }

// List returns the current schemes ordered by ID.
func (r *Registry) List() []Scheme {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]Scheme, 0, len(r.schemes))
	for _, s := range r.schemes {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Define decides a define-or-change command: the scheme must compile
// together with the others. It returns the event to append; the registry
// changes only when that event is applied.
func (r *Registry) Define(s Scheme, actor string, now time.Time) (event.Envelope, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	s.Version = r.last[s.ID] + 1
	set := make([]Scheme, 0, len(r.schemes)+1)
	for id, old := range r.schemes {
		if id != s.ID {
			set = append(set, old)
		}
	}
	if _, err := Compile(append(set, s)); err != nil {
		return event.Envelope{}, err
	}
	return event.New(TypeDefined, "scheme:"+s.ID, actor, now, now, s)
}

// Delete decides a delete command.
func (r *Registry) Delete(id, actor string, now time.Time) (event.Envelope, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.schemes[id]; !ok {
		return event.Envelope{}, fmt.Errorf("scheme %s does not exist", id)
	}
	return event.New(TypeDeleted, "scheme:"+id, actor, now, now, Deleted{ID: id, Version: r.last[id] + 1})
}

// Apply folds one scheme event into the registry and rebuilds the matcher.
// Other event types are ignored. Replaying the same events gives the same
// registry; an event older than the scheme's current version is skipped.
func (r *Registry) Apply(e event.Envelope) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch e.Type {
	case TypeDefined:
		var s Scheme
		if err := e.Decode(&s); err != nil {
			return err
		}
		if s.Version <= r.last[s.ID] {
			return nil
		}
		r.schemes[s.ID] = s
		r.last[s.ID] = s.Version
	case TypeDeleted:
		var d Deleted
		if err := e.Decode(&d); err != nil {
			return err
		}
		if d.Version <= r.last[d.ID] {
			return nil
		}
		delete(r.schemes, d.ID)
		r.last[d.ID] = d.Version
	default:
		return nil
	}
	set := make([]Scheme, 0, len(r.schemes))
	for _, s := range r.schemes {
		set = append(set, s)
	}
	m, err := Compile(set)
	if err != nil {
		return fmt.Errorf("applying %s %s: %w", e.Type, e.ID, err)
	}
	r.matcher.Store(m)
	return nil
}

// Topic is the log topic holding scheme events.
const Topic = "schemes"

// Sensitive reports whether the scheme is marked sensitive.
func (r *Registry) Sensitive(id string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.schemes[id].Sensitive
}
