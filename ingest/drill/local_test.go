package drill

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"yuqing/internal/event"
	"yuqing/internal/mention"
)

// appended keeps what was appended, by topic.
type appended map[string][]event.Envelope

func (a appended) Append(_ context.Context, topic string, es ...event.Envelope) error {
	a[topic] = append(a[topic], es...)
	return nil
}

// A local drill writes every mention of its run into the log, as ingest
// does, marked drill, published on the injected clock.
func TestLocalWritesTheRun(t *testing.T) {
	now := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
	log := appended{}
	l, err := NewLocal(log, "chemical-smell", 0, func() time.Time { return now }, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Run(t.Context()); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, es := range log {
		for _, e := range es {
			if e.Type != event.MentionIngested || e.Actor != "ingest:drill" {
				t.Fatalf("event %s by %s", e.Type, e.Actor)
			}
			var m mention.Mention
			if err := json.Unmarshal(e.Payload, &m); err != nil || !m.Drill || !m.PublishedAt.Equal(now) {
				t.Fatalf("mention %+v: %v", m, err)
			}
			ids = append(ids, m.ID)
		}
	}
	want := l.IDs()
	slices.Sort(ids)
	slices.Sort(want)
	if len(want) == 0 || !slices.Equal(ids, want) {
		t.Fatalf("wrote %d mentions, the run has %d", len(ids), len(want))
	}
	if _, err := NewLocal(log, "no-such-scenario", 0, nil, nil); err == nil {
		t.Fatal("an unknown scenario played")
	}
}
