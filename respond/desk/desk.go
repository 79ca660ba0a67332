// Package desk is the duty desk at run time: it keeps every incident's
// state (a projection of the incidents topic), turns console commands into
// events, ticks the deadline clocks, and sends each warning, breach,
// escalation and re-alert through the notification outbox exactly once per
// receiver, across restarts.
package desk

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"yuqing/internal/event"
	"yuqing/internal/eventlog"
	"yuqing/respond/incident"
	"yuqing/respond/notify"
)

// Notification event types, in the notifications topic.
const (
	Topic       = "notifications"
	TypeSent    = "notification.sent.v1"
	TypeFailed  = "notification.failed.v1"
	TypeDone    = "notification.done.v1" // every receiver of a message was tried to the end
	outboxAge   = 24 * time.Hour         // older alerting events are not sent on start
	actorClocks = "system:clock"
)

// Delivery is the payload of notification.sent.v1 and notification.failed.v1.
type Delivery struct {
	MessageID  string    `json:"message_id"`
	IncidentID string    `json:"incident_id"`
	Receiver   string    `json:"receiver"`
	Attempt    int       `json:"attempt"`
	Error      string    `json:"error,omitempty"`
	At         time.Time `json:"at"`
}

// Done is the payload of notification.done.v1.
type Done struct {
	MessageID string `json:"message_id"`
}

// Deliverer sends a message to every receiver its routes name, at most
// once per receiver: sent reports the receivers already served, and record
// is called with every attempt's outcome. It returns when each receiver
// was served or given up on.
type Deliverer interface {
	Deliver(ctx context.Context, msg notify.Message, sent func(receiver string) bool, record func(receiver string, attempt int, err error)) error
}

// Config configures the desk.
type Config struct {
	Policy     incident.Policy
	Every      time.Duration // how often the clocks are checked (default 15s)
	ConsoleURL string        // base URL of the console, for links in messages
}

// Desk is safe for concurrent use.
type Desk struct {
	cfg     Config
	log     eventlog.Log
	board   *incident.Board
	deliver Deliverer
	now     func() time.Time
	logger  *slog.Logger

	mu      sync.Mutex // serialises decide → append → apply
	sent    map[string]bool
	done    map[string]bool
	pending []notify.Message
}

// New returns a desk; call Load before anything else.
func New(cfg Config, log eventlog.Log, deliver Deliverer, now func() time.Time, logger *slog.Logger) (*Desk, error) {
	if err := cfg.Policy.Validate(); err != nil {
		return nil, fmt.Errorf("deadline policy: %w", err)
	}
	if cfg.Every <= 0 {
		cfg.Every = 15 * time.Second
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Desk{cfg: cfg, log: log, board: incident.NewBoard(), deliver: deliver, now: now, logger: logger,
		sent: map[string]bool{}, done: map[string]bool{}}, nil
}

// Board is the incidents projection, for the console and reports.
func (d *Desk) Board() *incident.Board { return d.board }

// Load rebuilds the incidents and the outbox from the log: alerting events
// of the last day whose messages were not delivered to the end are queued.
func (d *Desk) Load(ctx context.Context) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	err := d.log.Replay(ctx, Topic, func(_ context.Context, batch []eventlog.Record) error {
		for _, r := range batch {
			switch r.Event.Type {
			case TypeSent:
				var x Delivery
				if json.Unmarshal(r.Event.Payload, &x) == nil {
					d.sent[x.MessageID+"|"+x.Receiver] = true
				}
			case TypeDone:
				var x Done
				if json.Unmarshal(r.Event.Payload, &x) == nil {
					d.done[x.MessageID] = true
				}
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("loading notifications: %w", err)
	}
	now := d.now()
	var alerting []event.Envelope
	err = d.log.Replay(ctx, incident.Topic, func(_ context.Context, batch []eventlog.Record) error {
		for _, r := range batch {
			if err := d.board.Apply(r.Event); err != nil {
				return err
			}
			if isAlerting(r.Event.Type) && now.Sub(r.Event.Time) < outboxAge && !d.done[r.Event.ID] {
				alerting = append(alerting, r.Event)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("loading incidents: %w", err)
	}
	for _, e := range alerting {
		if m, ok := d.message(e); ok {
			d.pending = append(d.pending, m)
		}
	}
	d.logger.Info("duty desk loaded", "incidents", len(d.board.IDs()), "undelivered_messages", len(d.pending))
	return nil
}

func isAlerting(t string) bool {
	switch t {
	case incident.TypeClockWarned, incident.TypeClockBreached, incident.TypeEscalated, incident.TypeReAlerted:
		return true
	}
	return false
}

// Handle decides a command on incident id for actor, appends the events and
// applies them. The events are returned; a refusal wraps incident.ErrRule.
func (d *Desk) Handle(ctx context.Context, id, actor string, cmd any) ([]event.Envelope, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	envs, err := d.handle(ctx, id, actor, cmd)
	if err != nil {
		return nil, err
	}
	d.flushLocked(ctx)
	return envs, nil
}

func (d *Desk) handle(ctx context.Context, id, actor string, cmd any) ([]event.Envelope, error) {
	if id == "" {
		return nil, fmt.Errorf("%w: incident id is empty", incident.ErrRule)
	}
	if actor == "" {
		return nil, fmt.Errorf("%w: every event names its actor", incident.ErrRule)
	}
	st, _ := d.board.State(id)
	st.ID = id
	now := d.now()
	evs, err := incident.Decide(&st, d.cfg.Policy, cmd, now)
	if err != nil || len(evs) == 0 {
		return nil, err
	}
	envs, err := incident.Envelopes(id, actor, now, evs)
	if err != nil {
		return nil, err
	}
	if err := d.log.Append(ctx, incident.Topic, envs...); err != nil {
		return nil, fmt.Errorf("recording %d events of incident %s: %w", len(envs), id, err)
	}
	for _, e := range envs {
		if err := d.board.Apply(e); err != nil {
			return nil, err
		}
		if isAlerting(e.Type) {
			if m, ok := d.message(e); ok {
				d.pending = append(d.pending, m)
			}
		}
	}
	return envs, nil
}

// Tick checks every open incident's clocks at now and sends what is due.
func (d *Desk) Tick(ctx context.Context) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	var errs []error
	for _, id := range d.board.IDs() {
		st, _ := d.board.State(id)
		if st.Status != "open" {
			continue
		}
		if _, err := d.handle(ctx, id, actorClocks, incident.Tick{}); err != nil {
			errs = append(errs, err)
		}
	}
	d.flushLocked(ctx)
	return errors.Join(errs...)
}

// Run loads, then ticks every Config.Every until ctx is done.
func (d *Desk) Run(ctx context.Context) error {
	if err := d.Load(ctx); err != nil {
		return err
	}
	t := time.NewTicker(d.cfg.Every)
	defer t.Stop()
	for {
		if err := d.Tick(ctx); err != nil {
			d.logger.Error("clock tick", "err", err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

// flushLocked delivers the queued messages; each delivery and failure is
// recorded as an event, and a message tried to the end is marked done.
func (d *Desk) flushLocked(ctx context.Context) {
	if d.deliver == nil {
		return
	}
	queue := d.pending
	d.pending = nil
	for _, m := range queue {
		var recs []event.Envelope
		record := func(receiver string, attempt int, err error) {
			now := d.now()
			x := Delivery{MessageID: m.ID, IncidentID: m.IncidentID, Receiver: receiver, Attempt: attempt, At: now}
			typ := TypeSent
			if err != nil {
				typ, x.Error = TypeFailed, err.Error()
			} else {
				d.sent[m.ID+"|"+receiver] = true
			}
			if e, eerr := event.New(typ, m.IncidentID, "system:notify", now, now, x); eerr == nil {
				recs = append(recs, e)
			}
		}
		err := d.deliver.Deliver(ctx, m, func(r string) bool { return d.sent[m.ID+"|"+r] }, record)
		if err == nil {
			now := d.now()
			if e, eerr := event.New(TypeDone, m.IncidentID, "system:notify", now, now, Done{MessageID: m.ID}); eerr == nil {
				recs = append(recs, e)
			}
		}
		if len(recs) > 0 {
			if aerr := d.log.Append(ctx, Topic, recs...); aerr != nil {
				d.logger.Error("recording notification outcomes", "message", m.ID, "err", aerr)
			}
		}
		if err != nil {
			d.logger.Warn("notification not delivered to every receiver; will retry", "message", m.ID, "err", err)
			d.pending = append(d.pending, m)
			continue
		}
		d.done[m.ID] = true
	}
}

// message turns an alerting event into a notification.
func (d *Desk) message(e event.Envelope) (notify.Message, bool) {
	st, ok := d.board.State(e.Key)
	if !ok {
		return notify.Message{}, false
	}
	var p struct {
		Clock  string        `json:"clock"`
		Due    time.Time     `json:"due"`
		Before time.Duration `json:"before"`
		Role   string        `json:"role"`
	}
	if err := json.Unmarshal(e.Payload, &p); err != nil {
		return notify.Message{}, false
	}
	due := st.Clocks[p.Clock]
	if p.Due.IsZero() && due != nil {
		p.Due = due.Due
	}
	name := incident.ClockName(p.Clock)
	m := notify.Message{ID: e.ID, Grade: int(st.Grade), IncidentID: st.ID, Role: p.Role, At: e.Time, Drill: st.Drill, Unit: st.Lead}
	dueText := p.Due.In(beijing).Format("01月02日 15:04")
	switch e.Type {
	case incident.TypeClockWarned:
		m.Kind = notify.KindWarning
		m.Title = fmt.Sprintf("【时限预警】%s：%s还剩 %d 分钟", st.Title, name, int(p.Before.Minutes()))
	case incident.TypeClockBreached:
		m.Kind = notify.KindBreach
		m.Title = fmt.Sprintf("【已超时】%s：%s已超过时限", st.Title, name)
	case incident.TypeEscalated:
		m.Kind = notify.KindEscalation
		m.Title = fmt.Sprintf("【升级提醒】%s：%s提醒无人确认", st.Title, name)
	case incident.TypeReAlerted:
		m.Kind = notify.KindBreach
		m.Title = fmt.Sprintf("【仍超时】%s：%s尚未完成", st.Title, name)
	}
	m.Text = fmt.Sprintf("事件：%s\n等级：%s\n时限：%s（截止 %s）\n牵头单位：%s", st.Title, st.Grade, name, dueText, orDash(st.Lead))
	if d.cfg.ConsoleURL != "" {
		m.URL = d.cfg.ConsoleURL + "/incidents/" + st.ID
	}
	return m, true
}

func orDash(s string) string {
	if s == "" {
		return "未指派"
	}
	return s
}

var beijing = func() *time.Location {
	l, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return time.FixedZone("CST", 8*3600)
	}
	return l
}()
