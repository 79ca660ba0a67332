package hotline

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"yuqing/ingest"
	"yuqing/internal/event"
	"yuqing/internal/mention"
)

// Work orders reach the duty desk through the log, so an ingest process
// needs no desk: each record is appended to TopicIntake as a
// workorder.submitted.v1 event, and the desk (respond role) consumes that
// topic and opens the work order with its working-day clocks.
const (
	TopicIntake   = "workorder-intake"
	TypeSubmitted = "workorder.submitted.v1" // payload: Record
)

// OrderID is the work order's (and its mention's) ID: platform:order id.
func (r Record) ID() string { return r.Mention().ID }

// Submit writes the records as mentions (dead letters for the rejected rows,
// with the row number and reason) and as submitted work orders. It returns
// the IDs accepted, once the log holds them.
func Submit(ctx context.Context, log ingest.Appender, recs []Record, rejected []Rejected, source, actor string, now time.Time) ([]string, error) {
	ms := make([]mention.Mention, 0, len(recs))
	var bad []mention.Rejected
	for _, r := range rejected {
		bad = append(bad, mention.Rejected{Index: r.Row, Reason: fmt.Sprintf("row %d: %s", r.Row, r.Reason), Raw: r.Raw})
	}
	keep := recs[:0:0]
	for i, r := range recs {
		m := r.Mention()
		if err := m.Validate(now); err != nil {
			raw, _ := json.Marshal(r)
			bad = append(bad, mention.Rejected{Index: i, Reason: "work order " + r.OrderID + ": " + err.Error(), Raw: string(raw)})
			continue
		}
		ms = append(ms, m)
		keep = append(keep, r)
	}
	if err := ingest.Write(ctx, log, ms, bad, source, actor, now); err != nil {
		return nil, err
	}
	evs := make([]event.Envelope, 0, len(keep))
	ids := make([]string, 0, len(keep))
	for i, r := range keep {
		e, err := event.New(TypeSubmitted, ms[i].ID, actor, r.ReceivedAt, now, r)
		if err != nil {
			return nil, err
		}
		evs = append(evs, e)
		ids = append(ids, ms[i].ID)
	}
	if len(evs) > 0 {
		if err := log.Append(ctx, TopicIntake, evs...); err != nil {
			return nil, fmt.Errorf("appending %d work orders: %w", len(evs), err)
		}
	}
	return ids, nil
}

// Submitter submits pushed work orders (the work-order webhook's Orders)
// to the desk through the log: each is a workorder.submitted.v1 event in
// TopicIntake. It is idempotent as the webhook needs: the desk opens an
// order once.
type Submitter struct {
	Log ingest.Appender
	Now func() time.Time // default time.Now
}

// Receive submits one order for actor.
func (s Submitter) Receive(ctx context.Context, rec Record, actor string) error {
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	e, err := event.New(TypeSubmitted, rec.ID(), actor, rec.ReceivedAt, now(), rec)
	if err != nil {
		return err
	}
	return s.Log.Append(ctx, TopicIntake, e)
}

// Answered reports whether the export says the order was already answered
// (it was handled before it reached yuqing: its clocks must not alarm).
func (r Record) Answered() bool {
	return !r.AnsweredAt.IsZero() || strings.Contains(r.Status, "办结") || strings.Contains(r.Status, "已回复") || strings.Contains(r.Status, "已答复")
}
