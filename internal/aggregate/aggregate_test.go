package aggregate

import (
	"errors"
	"testing"
	"time"

	"yuqing/internal/event"
)

type counter struct {
	Key  string
	N    int
	Tags []string
}

func TestApplyIsIdempotentAndAFailedFoldChangesNothing(t *testing.T) {
	at := time.Date(2026, 12, 3, 8, 0, 0, 0, time.UTC)
	set := New("counter", func(key string) counter { return counter{Key: key} }, func(s *counter, e event.Envelope) error {
		if e.Type == "bad.v1" {
			s.N = 999 // a fold that fails half way
			return errors.New("does not fit")
		}
		s.N++
		s.Tags = append(append([]string(nil), s.Tags...), e.Type)
		return nil
	})
	ev := func(typ, key string) event.Envelope {
		e, err := event.New(typ, key, "test", at, at, map[string]string{})
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	a1, a2 := ev("one.v1", "a"), ev("two.v1", "a")
	for _, e := range []event.Envelope{a1, a2, a1, ev("one.v1", "b")} {
		if err := set.Apply(e); err != nil {
			t.Fatal(err)
		}
	}
	if err := set.Apply(ev("bad.v1", "a")); err == nil {
		t.Fatal("a fold that failed was not reported")
	}
	if s, ok := set.Get("a"); !ok || s.N != 2 || len(s.Tags) != 2 || s.Key != "a" {
		t.Fatalf("a = %+v %v, want two events folded once each", s, ok)
	}
	if _, ok := set.Get("c"); ok {
		t.Fatal("a key no event touched has a state")
	}
	if all := set.All(func(s counter) bool { return s.N >= 1 }); len(all) != 2 {
		t.Fatalf("All = %+v", all)
	}
}
