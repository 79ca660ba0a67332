// Package paging tells the duty officers, through the duty desk's outbox,
// what nobody watching the console at 3 a.m. would see: an alert the
// analyser raised or whose suggested grade rose (Alerts), and a source that
// went blind or sees again (Sources). Each follows its topic with a
// consumer group of its own; what was already paged is read back from the
// desk's queued messages (notification.queued.v1), so a restart neither
// repeats nor misses a page. An event whose payload cannot be read is
// logged and kept as a dead letter, and the consumer moves on.
package paging

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"time"

	"yuqing/ingest"
	"yuqing/internal/event"
	"yuqing/internal/eventlog"
	"yuqing/respond/desk"
	"yuqing/respond/notify"
)

// Desk is what paging needs of the duty desk (*desk.Desk).
type Desk interface {
	// Notify sends a message through the desk's outbox; a message ID
	// already queued is not sent again.
	Notify(ctx context.Context, m notify.Message) error
	// Observe tells the desk one event of the alerts topic (one story,
	// one incident).
	Observe(ctx context.Context, e event.Envelope) error
}

// Config configures the pagers.
type Config struct {
	ConsoleURL string // public URL of the console, for the link in a page
}

// maxAge: events older than this in event time (a backfill of history, a
// first start on an old log) page no one.
const maxAge = 24 * time.Hour

// actor names the pagers in the dead letters they write.
const actor = "respond:paging"

// queued replays the desk's own notification.queued.v1 messages; one it
// cannot read is skipped with a warning.
func queued(ctx context.Context, log eventlog.Log, logger *slog.Logger, fn func(notify.Message)) error {
	return log.Replay(ctx, desk.Topic, func(_ context.Context, batch []eventlog.Record) error {
		for _, r := range batch {
			if r.Event.Type != desk.TypeQueued {
				continue
			}
			var m notify.Message
			if err := json.Unmarshal(r.Event.Payload, &m); err != nil {
				logger.Warn("queued notification not readable; skipped", "topic", desk.Topic, "event", r.Event.ID, "key", r.Event.Key, "type", r.Event.Type, "err", err)
				continue
			}
			fn(m)
		}
		return nil
	})
}

// link is the console's page at path, "" without a console URL.
func link(consoleURL, path string) string {
	if consoleURL == "" {
		return ""
	}
	return strings.TrimRight(consoleURL, "/") + path
}

// unreadable logs an event of topic that cannot be used and keeps it as a
// dead letter with the reason.
func unreadable(ctx context.Context, log eventlog.Log, logger *slog.Logger, now time.Time, topic string, e event.Envelope, reason string) error {
	logger.Warn("event not readable; kept as a dead letter", "topic", topic, "event", e.ID, "type", e.Type, "reason", reason)
	return ingest.DeadLetter(ctx, log, e, topic, actor, reason, now)
}
