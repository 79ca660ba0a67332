// Package ingest turns incoming mentions into events in the log: over HTTP
// (POST /api/v1/mentions) and from JSONL files. Every valid mention becomes a
// mention.ingested.v1 event; every invalid one a mention.rejected.v1 dead
// letter with the reason and the raw payload, so nothing is silently lost.
package ingest

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"yuqing/ingest/normalize"
	"yuqing/internal/event"
	"yuqing/internal/eventlog"
	"yuqing/internal/mention"
)

// Appender is the part of the log ingest needs.
type Appender interface {
	Append(ctx context.Context, topic string, events ...event.Envelope) error
}

// Key is the partition key of a mention: its root when it is a repost or a
// reply, so a whole repost chain keeps its order in one partition.
func Key(m mention.Mention) string {
	if m.RootID != "" {
		return m.RootID
	}
	return m.ID
}

// Envelopes wraps mentions in mention.ingested.v1 events.
func Envelopes(ms []mention.Mention, actor string, now time.Time) ([]event.Envelope, error) {
	out := make([]event.Envelope, 0, len(ms))
	for _, m := range ms {
		e, err := event.New(event.MentionIngested, Key(m), actor, m.PublishedAt, now, m)
		if err != nil {
			return nil, fmt.Errorf("wrapping mention %s: %w", m.ID, err)
		}
		out = append(out, e)
	}
	return out, nil
}

// DeadLetters wraps rejected payloads in mention.rejected.v1 events.
func DeadLetters(bad []mention.Rejected, source, actor string, now time.Time) ([]event.Envelope, error) {
	out := make([]event.Envelope, 0, len(bad))
	for _, b := range bad {
		b.Source = source
		e, err := event.New(event.MentionRejected, source, actor, now, now, b)
		if err != nil {
			return nil, fmt.Errorf("wrapping dead letter: %w", err)
		}
		out = append(out, e)
	}
	return out, nil
}

// Clean applies the connectors' normalisation (ingest/normalize: HTML to
// text, full- to half-width, Traditional to Simplified, canonical URLs and
// IDs, times in UTC) to decoded mentions, and moves any that no longer
// validate into the dead letters with the reason. It works in place.
//
// at[i] is good[i]'s index in the request as sent (as from
// mention.ParseItems), so a dead letter names the item the client sent even
// when items before it were already rejected; nil means good[i] was item i.
// The dead letters come back ordered by that index.
func Clean(good []mention.Mention, at []int, bad []mention.Rejected, now time.Time) ([]mention.Mention, []mention.Rejected) {
	out := good[:0]
	added := false
	for i := range good {
		m := good[i]
		normalize.Mention(&m, nil, now)
		if err := m.Validate(now); err != nil {
			idx := i
			if at != nil {
				idx = at[i]
			}
			raw, _ := json.Marshal(good[i])
			bad = append(bad, mention.Rejected{Index: idx, Reason: "after normalisation: " + err.Error(), Raw: string(raw)})
			added = true
			continue
		}
		out = append(out, m)
	}
	if added {
		slices.SortStableFunc(bad, func(a, b mention.Rejected) int { return a.Index - b.Index })
	}
	return out, bad
}

// Write appends dead letters first, then the mentions; it returns when the
// log holds both. Dead letters go first so that a mention is never reported
// accepted while the reason its neighbour was refused is lost.
func Write(ctx context.Context, log Appender, good []mention.Mention, bad []mention.Rejected, source, actor string, now time.Time) error {
	if len(bad) > 0 {
		dl, err := DeadLetters(bad, source, actor, now)
		if err != nil {
			return err
		}
		if err := log.Append(ctx, eventlog.TopicDeadLetter, dl...); err != nil {
			return fmt.Errorf("appending %d dead letters: %w", len(dl), err)
		}
	}
	if len(good) == 0 {
		return nil
	}
	evs, err := Envelopes(good, actor, now)
	if err != nil {
		return err
	}
	if err := log.Append(ctx, eventlog.TopicMentions, evs...); err != nil {
		return fmt.Errorf("appending %d mentions: %w", len(evs), err)
	}
	return nil
}
