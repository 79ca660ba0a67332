package workorder_test

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"yuqing/ingest/hotline"
	"yuqing/internal/event"
	"yuqing/internal/eventlog"
	"yuqing/internal/eventlog/sqlitelog"
	"yuqing/internal/mention"
	"yuqing/respond/desk"
	"yuqing/respond/incident"
	"yuqing/respond/workorder"
)

// handled tells, for each work-order command the desk is handed, its order.
type handled struct {
	*desk.Desk
	calls chan string
}

func (h handled) HandleWorkOrder(ctx context.Context, id, actor string, cmd any) ([]event.Envelope, error) {
	envs, err := h.Desk.HandleWorkOrder(ctx, id, actor, cmd)
	h.calls <- id
	return envs, err
}

// The intake opens each submitted order once, signs and answers one the
// export says was answered, and keeps what it cannot read or the desk
// refuses as dead letters with the reason.
func TestIntakeOpensOrdersAndDeadLettersTheRest(t *testing.T) {
	ctx := t.Context()
	now := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	l, err := sqlitelog.Open(ctx, sqlitelog.Config{Path: filepath.Join(t.TempDir(), "log.db")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	dk, err := desk.New(desk.Config{Policy: incident.Default()}, l, nil, clock, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := dk.Load(ctx); err != nil {
		t.Fatal(err)
	}
	submit := func(rec hotline.Record, raw string) {
		t.Helper()
		e, err := event.New(hotline.TypeSubmitted, rec.ID(), "ingest:test", now, now, rec)
		if err != nil {
			t.Fatal(err)
		}
		if raw != "" {
			e.Payload = json.RawMessage(raw)
		}
		if err := l.Append(ctx, hotline.TopicIntake, e); err != nil {
			t.Fatal(err)
		}
	}
	answered := hotline.Record{OrderID: "A1", ReceivedAt: now.Add(-48 * time.Hour), Channel: "12345", Category: "咨询", Title: "停水咨询", Status: "已办结", Answer: "已恢复供水"}
	submit(hotline.Record{OrderID: "X0", Channel: "12345"}, `{"order_id":7}`)                                  // not readable
	submit(hotline.Record{OrderID: "R1", ReceivedAt: now.Add(-time.Hour), Channel: "12345", Title: "无分类"}, "") // refused: no category
	submit(answered, "")
	submit(answered, "") // a re-import
	last := hotline.Record{OrderID: "B2", ReceivedAt: now.Add(-time.Hour), Channel: "12345", Category: "投诉", Title: "噪音扰民"}
	submit(last, "")

	h := handled{dk, make(chan string, 16)}
	in := workorder.NewIntake(l, h, clock, nil)
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- in.Run(rctx) }()
	var calls []string
	for len(calls) == 0 || calls[len(calls)-1] != last.ID() {
		select {
		case id := <-h.calls:
			calls = append(calls, id)
		case err := <-done:
			t.Fatalf("intake stopped after %v: %v", calls, err)
		}
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatal(err)
	}
	// R1 refused; A1 received, signed and answered, once; B2 received.
	if want := []string{"hotline:R1", "hotline:A1", "hotline:A1", "hotline:A1", "hotline:B2"}; strings.Join(calls, " ") != strings.Join(want, " ") {
		t.Fatalf("commands for %v, want %v", calls, want)
	}
	if st, ok := dk.WorkOrder(answered.ID()); !ok || st.Status != workorder.StatusAnswered {
		t.Fatalf("answered order %+v", st)
	}
	var dead []mention.Rejected
	l.Replay(ctx, eventlog.TopicDeadLetter, func(_ context.Context, batch []eventlog.Record) error {
		for _, r := range batch {
			var x mention.Rejected
			json.Unmarshal(r.Event.Payload, &x)
			dead = append(dead, x)
		}
		return nil
	})
	if len(dead) != 2 || !strings.Contains(dead[0].Reason, "not readable") || !strings.Contains(dead[1].Reason, "工单需要分类") || dead[1].Source != hotline.TopicIntake {
		t.Fatalf("dead letters %+v", dead)
	}
}
