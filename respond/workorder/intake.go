package workorder

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"time"

	"yuqing/ingest"
	"yuqing/ingest/hotline"
	"yuqing/internal/event"
	"yuqing/internal/eventlog"
)

// FromIntake is the command that opens the work order of a 12345 or
// message-board record as ingest read it.
func FromIntake(r hotline.Record) Receive {
	return Receive{Received: Received{
		ReceivedAt: r.ReceivedAt,
		Channel:    r.Channel,
		Category:   r.Category,
		Locality:   r.Locality,
		Unit:       r.Unit,
		Title:      r.Title,
		Text:       r.Text,
	}}
}

// IntakeGroup is the desk's consumer group on the work-order intake.
const IntakeGroup = "desk-intake"

// Orders is what the intake needs of the duty desk (*desk.Desk).
type Orders interface {
	// WorkOrder returns a copy of one work order, if the desk has it.
	WorkOrder(id string) (State, bool)
	// HandleWorkOrder decides a command, appends and applies its events;
	// a refusal wraps ErrRule.
	HandleWorkOrder(ctx context.Context, id, actor string, cmd any) ([]event.Envelope, error)
}

// Intake opens a work order, with its working-day clocks, for every order
// the ingest side submitted (hotline.TopicIntake: 12345 exports, message
// boards, the work-order webhook). An order already open is left alone;
// one the export says was answered is signed and answered at once, so it
// does not alarm. An order the desk refuses (no category, received in the
// future …) and a submission that cannot be read are logged and kept as
// dead letters with the reason, not dropped.
type Intake struct {
	log    eventlog.Log
	orders Orders
	now    func() time.Time
	logger *slog.Logger
}

// NewIntake returns the intake of log into the desk's orders.
func NewIntake(log eventlog.Log, orders Orders, now func() time.Time, logger *slog.Logger) *Intake {
	if now == nil {
		now = time.Now
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Intake{log: log, orders: orders, now: now, logger: logger}
}

// Run follows the intake until ctx is done or the log or the desk fails
// (the batch is then not committed: run it again).
func (in *Intake) Run(ctx context.Context) error {
	return in.log.Consume(ctx, hotline.TopicIntake, IntakeGroup, func(ctx context.Context, batch []eventlog.Record) error {
		for _, r := range batch {
			if r.Event.Type != hotline.TypeSubmitted {
				continue
			}
			var rec hotline.Record
			if err := json.Unmarshal(r.Event.Payload, &rec); err != nil {
				in.logger.Warn("work order not readable; kept as a dead letter", "event", r.Event.ID, "err", err)
				if err := in.deadLetter(ctx, r.Event, "work order "+r.Event.Key+" not readable: "+err.Error()); err != nil {
					return err
				}
				continue
			}
			if err := in.open(ctx, r.Event.Key, r.Event.Actor, rec); err != nil {
				if !errors.Is(err, ErrRule) {
					return err
				}
				// Refused (no category, received in the future …):
				// kept as a dead letter with the reason, not dropped.
				in.logger.Warn("work order refused", "order", r.Event.Key, "err", err)
				if err := in.deadLetter(ctx, r.Event, "work order "+r.Event.Key+": "+err.Error()); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

func (in *Intake) deadLetter(ctx context.Context, e event.Envelope, reason string) error {
	return ingest.DeadLetter(ctx, in.log, e, hotline.TopicIntake, "respond:intake", reason, in.now())
}

// open opens one submitted order, unless it is open already.
func (in *Intake) open(ctx context.Context, id, actor string, rec hotline.Record) error {
	if _, open := in.orders.WorkOrder(id); open {
		return nil // submitted again (a re-import): already open
	}
	if _, err := in.orders.HandleWorkOrder(ctx, id, actor, FromIntake(rec)); err != nil {
		return err
	}
	var cmds []any
	if rec.Answered() {
		at := rec.AnsweredAt
		if at.IsZero() {
			at = rec.ReceivedAt
		}
		cmds = append(cmds, Sign{At: at}, Answer{At: at, Text: rec.Answer})
	}
	for _, c := range cmds {
		if _, err := in.orders.HandleWorkOrder(ctx, id, actor, c); err != nil && !errors.Is(err, ErrRule) {
			return err
		}
	}
	return nil
}
