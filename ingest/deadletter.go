package ingest

import (
	"context"
	"fmt"
	"time"

	"yuqing/internal/event"
	"yuqing/internal/eventlog"
	"yuqing/internal/mention"
)

// DeadLetter keeps one event a consumer could not use (an unreadable
// payload, a refused work order) in the dead letters, as a
// mention.rejected.v1 naming the topic it came from, with the reason and
// the raw payload: the consumer moves on, nothing is silently lost. A
// consumer with a group calls it once per event it skips; the error is the
// log's (the caller retries the batch).
func DeadLetter(ctx context.Context, log Appender, e event.Envelope, topic, actor, reason string, now time.Time) error {
	dl, err := DeadLetters([]mention.Rejected{{Reason: reason, Raw: string(e.Payload)}}, topic, actor, now)
	if err == nil {
		err = log.Append(ctx, eventlog.TopicDeadLetter, dl...)
	}
	if err != nil {
		return fmt.Errorf("dead-lettering %s %s of %s: %w", e.Type, e.ID, topic, err)
	}
	return nil
}
