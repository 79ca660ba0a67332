package app

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"

	"time"

	"yuqing/ingest"
	"yuqing/ingest/hotline"
	"yuqing/internal/eventlog"
	"yuqing/internal/mention"
	"yuqing/respond/desk"
	"yuqing/respond/workorder"
)

// IntakeGroup is the desk's consumer group on the work-order intake.
const IntakeGroup = "desk-intake"

// followIntake opens a work order, with its working-day clocks, for every
// order the ingest side submitted (12345 exports, message boards, the
// work-order webhook). An order already open is left alone; one the export
// says was answered is signed and answered at once, so it does not alarm.
func followIntake(ctx context.Context, workers *group, log eventlog.Log, dk *desk.Desk, logger *slog.Logger) {
	workers.loop(ctx, logger, "work-order intake", func(ctx context.Context) error {
		return log.Consume(ctx, hotline.TopicIntake, IntakeGroup, func(ctx context.Context, batch []eventlog.Record) error {
			for _, r := range batch {
				if r.Event.Type != hotline.TypeSubmitted {
					continue
				}
				var rec hotline.Record
				if err := json.Unmarshal(r.Event.Payload, &rec); err != nil {
					logger.Error("work order not readable", "event", r.Event.ID, "err", err)
					continue
				}
				if err := openOrder(ctx, dk, r.Event.Key, r.Event.Actor, rec); err != nil {
					if !errors.Is(err, workorder.ErrRule) {
						return err
					}
					// Refused (no category, received in the future …):
					// kept as a dead letter with the reason, not dropped.
					logger.Warn("work order refused", "order", r.Event.Key, "err", err)
					dl, derr := ingest.DeadLetters([]mention.Rejected{{Reason: "work order " + r.Event.Key + ": " + err.Error(), Raw: string(r.Event.Payload)}}, hotline.TopicIntake, "respond:intake", time.Now())
					if derr == nil {
						derr = log.Append(ctx, eventlog.TopicDeadLetter, dl...)
					}
					if derr != nil {
						return derr
					}
				}
			}
			return nil
		})
	})
}

func openOrder(ctx context.Context, dk *desk.Desk, id, actor string, rec hotline.Record) error {
	if _, open := dk.WorkOrder(id); open {
		return nil // submitted again (a re-import): already open
	}
	if _, err := dk.HandleWorkOrder(ctx, id, actor, workorder.FromIntake(rec)); err != nil {
		return err
	}
	var cmds []any
	if rec.Answered() {
		at := rec.AnsweredAt
		if at.IsZero() {
			at = rec.ReceivedAt
		}
		cmds = append(cmds, workorder.Sign{At: at}, workorder.Answer{At: at, Text: rec.Answer})
	}
	for _, c := range cmds {
		if _, err := dk.HandleWorkOrder(ctx, id, actor, c); err != nil && !errors.Is(err, workorder.ErrRule) {
			return err
		}
	}
	return nil
}
