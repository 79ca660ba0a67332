package event

import (
	"strings"
	"testing"
	"time"
)

func TestNewIDsSortByCreation(t *testing.T) {
	prev := NewID()
	for i := 0; i < 10000; i++ {
		id := NewID()
		if id <= prev {
			t.Fatalf("id %d: %s does not sort after %s", i, id, prev)
		}
		prev = id
	}
}

func TestValidate(t *testing.T) {
	now := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
	good, err := New(MentionIngested, "weibo:1", "ingest:test", now, now, map[string]string{"a": "b"})
	if err != nil {
		t.Fatalf("valid event rejected: %v", err)
	}
	if err := good.Validate(); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		mod  func(*Envelope)
		want string
	}{
		{"bad id", func(e *Envelope) { e.ID = "x" }, "not a UUID"},
		{"unversioned type", func(e *Envelope) { e.Type = "mention.ingested" }, "versioned type"},
		{"upper-case type", func(e *Envelope) { e.Type = "Mention.v1" }, "versioned type"},
		{"no time", func(e *Envelope) { e.Time = time.Time{} }, "event time"},
		{"no recorded", func(e *Envelope) { e.Recorded = time.Time{} }, "record time"},
		{"no actor", func(e *Envelope) { e.Actor = "" }, "actor"},
		{"bad payload", func(e *Envelope) { e.Payload = []byte("{") }, "payload"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := good
			c.mod(&e)
			err := e.Validate()
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Validate() = %v, want error containing %q", err, c.want)
			}
		})
	}
}

func TestDecodeRoundTrip(t *testing.T) {
	now := time.Now()
	e, err := New("x.y.v2", "k", "a", now, now, struct{ N int }{7})
	if err != nil {
		t.Fatal(err)
	}
	var got struct{ N int }
	if err := e.Decode(&got); err != nil || got.N != 7 {
		t.Fatalf("Decode = %+v, %v", got, err)
	}
}
