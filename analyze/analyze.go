// Package analyze turns ingested mentions into analysed ones: segmented,
// with keywords, written to the analytics store and appended to the log as
// mention.analyzed.v1 events for the respond stage.
package analyze

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"yuqing/analyze/segment"
	"yuqing/internal/analytics"
	"yuqing/internal/event"
	"yuqing/internal/eventlog"
	"yuqing/internal/mention"
)

// Group is the consumer group the analyser commits its progress under.
const Group = "analyze"

// Analyzed is the payload of a mention.analyzed.v1 event.
type Analyzed struct {
	Mention     mention.Mention `json:"mention"`
	Tokens      []string        `json:"tokens"`
	Keywords    []string        `json:"keywords"`
	SourceEvent string          `json:"source_event"` // ID of the mention.ingested.v1 event
}

// Store is where analysed mentions go for querying.
type Store interface {
	PutMentions(ctx context.Context, ms []analytics.Mention) error
}

// Analyzer is the streaming analysis stage.
type Analyzer struct {
	Seg      *segment.Segmenter
	Store    Store
	Log      eventlog.Log
	Now      func() time.Time
	Logger   *slog.Logger
	Keywords int // keywords kept per mention (default 8)
}

// Run consumes the mentions topic until ctx is done. On a log that supports
// it (the embedded SQLite log) the analysed events and the consumer offset
// commit atomically; otherwise delivery downstream is at-least-once and the
// store's idempotent writes make it count once.
func (a *Analyzer) Run(ctx context.Context) error {
	return eventlog.Pipe(ctx, a.Log, eventlog.TopicMentions, Group, a.handle)
}

// Analyze segments one mention and picks its keywords.
func (a *Analyzer) Analyze(m mention.Mention) Analyzed {
	text := m.Text
	if m.Title != "" {
		text = m.Title + "\n" + m.Text
	}
	tokens := a.Seg.Tokens(text)
	n := a.Keywords
	if n == 0 {
		n = 8
	}
	return Analyzed{Mention: m, Tokens: tokens, Keywords: a.Seg.Keywords(tokens, n)}
}

func (a *Analyzer) handle(ctx context.Context, tx eventlog.Tx, batch []eventlog.Record) error {
	now := a.Now()
	rows := make([]analytics.Mention, 0, len(batch))
	out := make([]event.Envelope, 0, len(batch))
	var dead []event.Envelope
	for _, r := range batch {
		if r.Event.Type != event.MentionIngested {
			continue
		}
		var m mention.Mention
		if err := json.Unmarshal(r.Event.Payload, &m); err != nil {
			dl, derr := deadLetter(r, err, now)
			if derr != nil {
				return derr
			}
			dead = append(dead, dl)
			continue
		}
		res := a.Analyze(m)
		res.SourceEvent = r.Event.ID
		rows = append(rows, Row(res, r.Event.Recorded))
		e, err := event.New(event.MentionAnalyzed, r.Event.Key, "analyze", r.Event.Time, now, res)
		if err != nil {
			return fmt.Errorf("wrapping analysed mention %s: %w", m.ID, err)
		}
		out = append(out, e)
	}
	if err := a.Store.PutMentions(ctx, rows); err != nil {
		return fmt.Errorf("storing %d analysed mentions: %w", len(rows), err)
	}
	if len(dead) > 0 {
		if err := tx.Append(ctx, eventlog.TopicDeadLetter, dead...); err != nil {
			return err
		}
		a.Logger.Warn("undecodable mention events sent to dead letters", "count", len(dead))
	}
	if len(out) > 0 {
		return tx.Append(ctx, eventlog.TopicAnalyzed, out...)
	}
	return nil
}

func deadLetter(r eventlog.Record, cause error, now time.Time) (event.Envelope, error) {
	return event.New(event.MentionRejected, r.Event.Key, "analyze", now, now, mention.Rejected{
		Source: fmt.Sprintf("%s/%d/%d", r.Topic, r.Partition, r.Offset),
		Reason: fmt.Sprintf("event %s: %v", r.Event.ID, cause),
		Raw:    string(r.Event.Payload),
	})
}

// Row is the analytics row of an analysed mention.
func Row(a Analyzed, ingested time.Time) analytics.Mention {
	m := a.Mention
	return analytics.Mention{
		ID: m.ID, Platform: m.Platform, Source: m.Source, URL: m.URL,
		AuthorID: m.Author.ID, AuthorName: m.Author.Name, Title: m.Title, Text: m.Text,
		PublishedAt: m.PublishedAt, IngestedAt: ingested,
		Tokens: a.Tokens, Keywords: a.Keywords, Drill: m.Drill,
	}
}
