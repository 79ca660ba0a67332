// Package desk is the duty desk at run time: it keeps every incident's
// state (a projection of the incidents topic), turns console commands into
// events, ticks the deadline clocks, and sends each warning, breach,
// escalation and re-alert through the notification outbox exactly once per
// receiver, across restarts.
//
// One story, one incident: the desk also follows the analyser's alerts
// (story.Index, rebuilt from the alerts topic on Load and fed by Observe).
// Opening an incident for an alert whose story already has one links the
// alert to that incident instead (Open), and an alert that folds into a
// story with an incident joins it.
package desk

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"yuqing/analyze"
	"yuqing/internal/event"
	"yuqing/internal/eventlog"
	"yuqing/respond/calendar"
	"yuqing/respond/incident"
	"yuqing/respond/notify"
	"yuqing/respond/privacy"
	"yuqing/respond/statement"
	"yuqing/respond/story"
	"yuqing/respond/workorder"
)

// Notification event types, in the notifications topic.
const (
	Topic       = "notifications"
	TypeSent    = "notification.sent.v1"
	TypeFailed  = "notification.failed.v1"
	TypeDone    = "notification.done.v1"   // every receiver of a message was tried to the end
	TypeQueued  = "notification.queued.v1" // a message not about a clock (Notify), kept until done
	outboxAge   = 24 * time.Hour           // older alerting events are not sent on start
	actorClocks = "system:clock"
	actorStory  = "system:story" // links an alert that folded into a story with an incident
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

// Config configures the desk.
type Config struct {
	Policy        incident.Policy            // the default deadline table
	Jurisdictions map[string]incident.Policy // tables of particular jurisdictions (an incident's Jurisdiction picks one)
	WorkOrders    workorder.Policy           // zero: workorder.DefaultPolicy()
	Calendar      *calendar.Calendar         // nil: calendar.Default()
	Every         time.Duration              // how often the clocks are checked (default 15s)
	ConsoleURL    string                     // base URL of the console, for links in messages
	Checker       statement.Checker          // checks drafts before approval and signing
}

// deliverer is what the desk needs of a notify.Dispatcher (tests fake it).
type deliverer interface {
	Dispatch(ctx context.Context, msg notify.Message) error
}

// Desk is safe for concurrent use.
type Desk struct {
	cfg     Config
	log     eventlog.Log
	board   *incident.Board
	book    *statement.Book
	stories *story.Index
	deliver deliverer // nil: messages stay on the timeline
	now     func() time.Time
	logger  *slog.Logger

	mu      sync.Mutex // serialises decide → append → apply
	pending []notify.Message
	orders  map[string]*workorder.State

	smu      sync.Mutex // guards sent, done, inflight
	sent     map[string]bool
	done     map[string]bool
	inflight map[string]bool
	queued   map[string]bool // Notify messages logged
	// crashBeforeDelivery, set only by tests, runs before queued messages
	// are handed to the deliverer.
	crashBeforeDelivery func()
	// messageIncident remembers which incident a message is about.
	messageIncident map[string]string
	wg              sync.WaitGroup // deliveries in flight
}

// New returns a desk; call Load before anything else. The desk sends its
// messages through deliver (nil: they are only recorded on the timeline),
// which sends each to every receiver its routes name, at most once per
// receiver. The desk owns deliver from here on: New sets its Sent and
// Record to the desk's outbox, so every outcome becomes an event and a
// restart skips what was delivered.
func New(cfg Config, log eventlog.Log, deliver *notify.Dispatcher, now func() time.Time, logger *slog.Logger) (*Desk, error) {
	if err := cfg.Policy.Validate(); err != nil {
		return nil, fmt.Errorf("deadline policy: %w", err)
	}
	for name, p := range cfg.Jurisdictions {
		if err := p.Validate(); err != nil {
			return nil, fmt.Errorf("deadline policy of %s: %w", name, err)
		}
	}
	if cfg.Every <= 0 {
		cfg.Every = 15 * time.Second
	}
	if cfg.WorkOrders.Default.Answer == 0 && len(cfg.WorkOrders.Rules) == 0 {
		cfg.WorkOrders = workorder.DefaultPolicy()
	}
	if cfg.Calendar == nil {
		cfg.Calendar = calendar.Default()
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	d := &Desk{cfg: cfg, log: log, board: incident.NewBoard(), book: statement.NewBook(), stories: story.New(), now: now, logger: logger,
		sent: map[string]bool{}, done: map[string]bool{}, inflight: map[string]bool{}, queued: map[string]bool{}, messageIncident: map[string]string{},
		orders: map[string]*workorder.State{}}
	if deliver != nil {
		deliver.Sent, deliver.Record = d.Sent, d.Record
		d.deliver = deliver
	}
	return d, nil
}

// Board is the incidents projection, for the console and reports.
func (d *Desk) Board() *incident.Board { return d.board }

// Statements is the facts and drafts of every incident.
func (d *Desk) Statements() *statement.Book { return d.book }

// Calendar is the working-day calendar the desk's clocks use.
func (d *Desk) Calendar() *calendar.Calendar { return d.cfg.Calendar }

// Checker is what checks drafts (citations, personal data).
func (d *Desk) Checker() statement.Checker { return d.cfg.Checker }

// Stories is which alerts and topics are one story, as far as the desk has
// followed the alerts.
func (d *Desk) Stories() *story.Index { return d.stories }

// Load rebuilds the incidents and the outbox from the log: alerting events
// of the last day whose messages were not delivered to the end are queued.
func (d *Desk) Load(ctx context.Context) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	var queued []notify.Message
	err := d.log.Replay(ctx, Topic, func(_ context.Context, batch []eventlog.Record) error {
		for _, r := range batch {
			switch r.Event.Type {
			case TypeQueued:
				var m notify.Message
				if err := json.Unmarshal(r.Event.Payload, &m); err != nil {
					d.logger.Warn("undecodable notification event skipped", "type", r.Event.Type, "offset", r.Offset, "err", err)
				} else {
					d.smu.Lock()
					d.queued[m.ID] = true
					d.smu.Unlock()
					if d.now().Sub(m.At) < outboxAge {
						queued = append(queued, m)
					}
				}
			case TypeSent:
				var x Delivery
				if err := json.Unmarshal(r.Event.Payload, &x); err != nil {
					d.logger.Warn("undecodable notification event skipped", "type", r.Event.Type, "offset", r.Offset, "err", err)
				} else {
					d.smu.Lock()
					d.sent[x.MessageID+"|"+x.Receiver] = true
					d.smu.Unlock()
				}
			case TypeDone:
				var x Done
				if err := json.Unmarshal(r.Event.Payload, &x); err != nil {
					d.logger.Warn("undecodable notification event skipped", "type", r.Event.Type, "offset", r.Offset, "err", err)
				} else {
					d.smu.Lock()
					d.done[x.MessageID] = true
					d.smu.Unlock()
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
			if err := d.book.Apply(r.Event); err != nil {
				return err
			}
			if isAlerting(r.Event.Type) && now.Sub(r.Event.Time) < outboxAge && !d.isDone(r.Event.ID) {
				alerting = append(alerting, r.Event)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("loading incidents: %w", err)
	}
	err = d.log.Replay(ctx, workorder.Topic, func(_ context.Context, batch []eventlog.Record) error {
		for _, r := range batch {
			st := d.orders[r.Event.Key]
			if st == nil {
				st = &workorder.State{ID: r.Event.Key}
				d.orders[r.Event.Key] = st
			}
			if err := workorder.Apply(st, r.Event); err != nil {
				return err
			}
			if isAlerting(r.Event.Type) && now.Sub(r.Event.Time) < outboxAge && !d.isDone(r.Event.ID) {
				alerting = append(alerting, r.Event)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("loading work orders: %w", err)
	}
	err = d.log.Replay(ctx, analyze.TopicAlerts, func(_ context.Context, batch []eventlog.Record) error {
		for _, r := range batch {
			if _, _, err := d.stories.Apply(r.Event); err != nil {
				d.logger.Warn("undecodable alert event skipped", "offset", r.Offset, "err", err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("loading alerts: %w", err)
	}
	// Alerts that folded into a story with an incident while the desk was
	// down join it now.
	if err := d.linkStory(ctx, actorStory, d.stories.Alerts()); err != nil {
		return err
	}
	for _, m := range queued {
		if !d.isDone(m.ID) {
			d.pending = append(d.pending, m)
		}
	}
	for _, e := range alerting {
		if m, ok := d.messageOf(e); ok {
			d.pending = append(d.pending, m)
		}
	}
	d.logger.Info("duty desk loaded", "incidents", len(d.board.IDs()), "undelivered_messages", len(d.pending))
	return nil
}

func (d *Desk) isDone(id string) bool {
	d.smu.Lock()
	defer d.smu.Unlock()
	return d.done[id]
}

func isAlerting(t string) bool {
	switch t {
	case incident.TypeClockWarned, incident.TypeClockBreached, incident.TypeEscalated, incident.TypeReAlerted,
		incident.TypeSecondary, workorder.TypeWarned, workorder.TypeBreached:
		return true
	}
	return false
}

// Handle decides a command on incident id for actor, appends the events and
// applies them. The events are returned; a refusal wraps incident.ErrRule.
func (d *Desk) Handle(ctx context.Context, id, actor string, cmd any) ([]event.Envelope, error) {
	return d.command(ctx, id, actor, cmd, d.handle)
}

// command runs one decision (handle or handleOrder) under the desk's lock
// and starts delivering what it queued.
func (d *Desk) command(ctx context.Context, id, actor string, cmd any, decide func(ctx context.Context, id, actor string, cmd any) ([]event.Envelope, error)) ([]event.Envelope, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	envs, err := decide(ctx, id, actor, cmd)
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
	jur := st.Jurisdiction
	if o, ok := cmd.(incident.Open); ok {
		jur = o.Jurisdiction
	}
	evs, err := incident.Decide(&st, d.policy(jur), cmd, now)
	if err != nil || len(evs) == 0 {
		return nil, err
	}
	envs, err := incident.Envelopes(id, actor, now, evs)
	if err != nil {
		return nil, err
	}
	return d.record(ctx, incident.Topic, "events of incident "+id, envs, d.board.Apply)
}

// record appends the events a command decided (what names them, for
// errors), then applies each with apply and queues the message of each
// alerting one: no event is applied that the log does not hold. It is the
// one tail of every command the desk decides (incidents, statements, work
// orders). Called with d.mu held.
func (d *Desk) record(ctx context.Context, topic, what string, envs []event.Envelope, apply func(event.Envelope) error) ([]event.Envelope, error) {
	if err := d.log.Append(ctx, topic, envs...); err != nil {
		return nil, fmt.Errorf("recording %d %s: %w", len(envs), what, err)
	}
	for _, e := range envs {
		if err := apply(e); err != nil {
			return nil, err
		}
		if isAlerting(e.Type) {
			if m, ok := d.messageOf(e); ok {
				d.pending = append(d.pending, m)
			}
		}
	}
	return envs, nil
}

// messageOf turns an alerting event of an incident or a work order into
// its notification.
func (d *Desk) messageOf(e event.Envelope) (notify.Message, bool) {
	if e.Type == workorder.TypeWarned || e.Type == workorder.TypeBreached {
		if st, ok := d.orders[e.Key]; ok {
			return d.orderMessage(st, e), true
		}
	}
	return d.message(e)
}

// Opened is what Open did.
type Opened struct {
	ID       string           // the incident opened, or the story's incident the alert was linked to
	Existing bool             // the story already had the incident: nothing was opened
	Events   []event.Envelope // the events recorded (none when the alert was linked already)
}

// Open opens an incident for actor, unless the story of cmd.AlertID (or of
// one of cmd.Topics) already has one: then it links the alert and the
// topics to that incident (incident.Link, naming actor) and reports it as
// Existing, so opening twice for one alert, or for two alerts of one story,
// gives one incident. id "" picks "inc-" + the alert's survivor, or a new
// ID for an incident without an alert. A refusal wraps incident.ErrRule.
func (d *Desk) Open(ctx context.Context, id, actor string, cmd incident.Open) (Opened, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	defer d.flushLocked(ctx)
	res := Opened{ID: id}
	if inc, ok := d.storyIncident(cmd.AlertID, cmd.Topics...); ok {
		envs, err := d.handle(ctx, inc, actor, d.link(cmd.AlertID, cmd.Topics, "同一事件已有事件，不另建"))
		if err != nil {
			return Opened{}, err
		}
		res = Opened{ID: inc, Existing: true, Events: envs}
	} else {
		if res.ID == "" {
			res.ID = "inc-" + event.NewID()
			if cmd.AlertID != "" {
				res.ID = "inc-" + d.stories.Survivor(cmd.AlertID)
			}
		}
		envs, err := d.handle(ctx, res.ID, actor, cmd)
		if err != nil {
			return Opened{}, err
		}
		res.Events = envs
	}
	// The other alerts of the story known by now (folded before the
	// incident existed) join it too.
	if cmd.AlertID != "" || len(cmd.Topics) > 0 {
		if err := d.linkStory(ctx, actor, d.stories.Of(cmd.AlertID, cmd.Topics...).Alerts); err != nil {
			return res, err
		}
	}
	return res, nil
}

// StoryIncident is the incident of an alert's story (and of some topics'),
// if it has one.
func (d *Desk) StoryIncident(alertID string, topics ...string) (string, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.storyIncident(alertID, topics...)
}

func (d *Desk) storyIncident(alertID string, topics ...string) (string, bool) {
	if alertID == "" && len(topics) == 0 {
		return "", false
	}
	return d.stories.Incident(d.board, alertID, topics...)
}

// link is the command that adds an alert (with every topic it was about)
// and some topics to an incident.
func (d *Desk) link(alertID string, topics []string, reason string) incident.Link {
	l := incident.Link{AlertID: alertID, Topics: topics, Reason: reason}
	if a, ok := d.stories.Alert(alertID); ok {
		l.Label = a.Label
		for _, t := range a.Topics {
			if !slices.Contains(l.Topics, t) {
				l.Topics = append(slices.Clip(l.Topics), t)
			}
		}
	}
	return l
}

// Observe follows one event of the alerts topic (or of the topics topic):
// the stories learn it, and an alert of a story that has an incident,
// which no incident holds yet (it folded in, or its topic merged), is
// linked to that incident. Redelivered events change nothing.
func (d *Desk) Observe(ctx context.Context, e event.Envelope) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	s, ok, err := d.stories.Apply(e)
	if err != nil {
		d.logger.Warn("undecodable alert event skipped", "err", err)
	}
	if !ok {
		return nil
	}
	if err := d.linkStory(ctx, actorStory, s.Alerts); err != nil {
		return err
	}
	d.flushLocked(ctx)
	return nil
}

// linkStory links, for actor, each alert that no incident holds to its
// story's incident, if the story has one.
func (d *Desk) linkStory(ctx context.Context, actor string, alerts []string) error {
	for _, a := range alerts {
		if len(d.board.WithAlert(a)) > 0 {
			continue
		}
		inc, ok := d.stories.Incident(d.board, a)
		if !ok {
			continue
		}
		_, err := d.handle(ctx, inc, actor, d.link(a, nil, "预警已合并到同一事件"))
		if errors.Is(err, incident.ErrRule) {
			d.logger.Warn("alert not linked to its story's incident", "alert", a, "incident", inc, "err", err)
			continue
		}
		if err != nil {
			return fmt.Errorf("linking alert %s to incident %s: %w", a, inc, err)
		}
	}
	return nil
}

// policy is the deadline table of a jurisdiction, or the default one.
func (d *Desk) policy(jurisdiction string) incident.Policy {
	if p, ok := d.cfg.Jurisdictions[jurisdiction]; ok {
		return p
	}
	return d.cfg.Policy
}

// Tick checks every open incident's and work order's clocks at now and
// sends what is due.
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
	for id, st := range d.orders {
		if st.Status != "open" {
			continue
		}
		if _, err := d.handleOrder(ctx, id, actorClocks, workorder.Tick{}); err != nil {
			errs = append(errs, err)
		}
	}
	d.flushLocked(ctx)
	return errors.Join(errs...)
}

// HandleWorkOrder decides a work-order command, appends and applies its
// events. A refusal wraps workorder.ErrRule.
func (d *Desk) HandleWorkOrder(ctx context.Context, id, actor string, cmd any) ([]event.Envelope, error) {
	return d.command(ctx, id, actor, cmd, d.handleOrder)
}

// WorkOrderPolicy is the clocks' table of the work orders.
func (d *Desk) WorkOrderPolicy() workorder.Policy { return d.cfg.WorkOrders }

// WorkOrder returns a copy of one work order.
func (d *Desk) WorkOrder(id string) (workorder.State, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	st, ok := d.orders[id]
	if !ok {
		return workorder.State{}, false
	}
	c := *st
	c.Clocks = map[string]*workorder.Clock{}
	for k, v := range st.Clocks {
		cl := *v
		c.Clocks[k] = &cl
	}
	return c, true
}

func (d *Desk) handleOrder(ctx context.Context, id, actor string, cmd any) ([]event.Envelope, error) {
	if id == "" || actor == "" {
		return nil, fmt.Errorf("%w: a work order command needs the order id and the actor", workorder.ErrRule)
	}
	st := d.orders[id]
	if st == nil {
		st = &workorder.State{ID: id}
	}
	now := d.now()
	evs, err := workorder.Decide(st, d.cfg.WorkOrders, d.cfg.Calendar, cmd, now)
	if err != nil || len(evs) == 0 {
		return nil, err
	}
	envs, err := workorder.Envelopes(id, actor, now, evs)
	if err != nil {
		return nil, err
	}
	return d.record(ctx, workorder.Topic, "events of work order "+id, envs, func(e event.Envelope) error {
		d.orders[id] = st // once the log holds its first events
		return workorder.Apply(st, e)
	})
}

func (d *Desk) orderMessage(st *workorder.State, e event.Envelope) notify.Message {
	var a workorder.Alerted
	json.Unmarshal(e.Payload, &a)
	what := "签收"
	if a.Clock == workorder.ClockAnswer {
		what = "答复"
	}
	m := notify.Message{ID: e.ID, IncidentID: st.ID, Unit: st.Received.Unit, Role: "duty_officer", At: e.Time, Kind: notify.KindWarning}
	due := a.Due.In(beijing).Format("01月02日 15:04")
	if e.Type == workorder.TypeBreached {
		m.Kind = notify.KindBreach
		m.Title = fmt.Sprintf("【工单超时】%s：%s已超过时限（%s）", st.Received.Title, what, due)
	} else {
		m.Title = fmt.Sprintf("【工单预警】%s：%s时限 %s", st.Received.Title, what, due)
	}
	m.Text = fmt.Sprintf("工单：%s（%s，%s）\n承办单位：%s\n%s截止：%s", st.ID, st.Received.Channel, st.Received.Category, orDash(st.Received.Unit), what, due)
	if d.cfg.ConsoleURL != "" {
		m.URL = d.cfg.ConsoleURL + "/workorders/" + st.ID
	}
	return m
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

// Notify sends a message that is no clock's (a blind source, …) through the
// same outbox as the clocks' warnings: routed, quiet hours, retried, every
// delivery recorded. The message is logged first (notification.queued.v1),
// so a restart still delivers it, and a message ID already queued or
// delivered is not sent again.
func (d *Desk) Notify(ctx context.Context, m notify.Message) error {
	if err := m.Validate(); err != nil {
		return err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.smu.Lock()
	seen := d.done[m.ID] || d.inflight[m.ID] || d.queued[m.ID]
	d.smu.Unlock()
	if seen {
		return nil
	}
	e, err := event.New(TypeQueued, m.IncidentID, "system:notify", m.At, d.now(), m)
	if err != nil {
		return err
	}
	if err := d.log.Append(ctx, Topic, e); err != nil {
		return fmt.Errorf("queuing notification %s: %w", m.ID, err)
	}
	d.smu.Lock()
	d.queued[m.ID] = true
	d.smu.Unlock()
	d.pending = append(d.pending, m)
	d.flushLocked(ctx)
	return nil
}

// Sent reports a delivery already recorded (for notify.Dispatcher.Sent).
func (d *Desk) Sent(messageID, receiver string) bool {
	d.smu.Lock()
	defer d.smu.Unlock()
	return d.sent[messageID+"|"+receiver]
}

// Record turns a delivery attempt into a notification.sent.v1 or
// notification.failed.v1 event (for notify.Dispatcher.Record).
func (d *Desk) Record(r notify.Result) {
	x := Delivery{MessageID: r.MessageID, IncidentID: d.incidentOf(r.MessageID), Receiver: r.Receiver, Attempt: r.Attempt, Error: r.Err, At: r.At}
	typ := TypeFailed
	if r.Sent {
		typ = TypeSent
		d.smu.Lock()
		d.sent[r.MessageID+"|"+r.Receiver] = true
		d.smu.Unlock()
	}
	e, err := event.New(typ, x.IncidentID, "system:notify", r.At, d.now(), x)
	if err == nil {
		err = d.log.Append(context.Background(), Topic, e)
	}
	if err != nil {
		d.logger.Error("recording a notification outcome", "message", r.MessageID, "receiver", r.Receiver, "err", err)
	}
}

func (d *Desk) incidentOf(messageID string) string {
	d.smu.Lock()
	defer d.smu.Unlock()
	return d.messageIncident[messageID]
}

// Wait blocks until the deliveries in flight have finished.
func (d *Desk) Wait() { d.wg.Wait() }

// flushLocked starts delivering the queued messages, each in its own
// goroutine (a message held by quiet hours must not hold the others). A
// message delivered to every receiver is marked done; one that was not is
// retried at the next tick.
func (d *Desk) flushLocked(ctx context.Context) {
	if d.deliver == nil {
		return
	}
	queue := d.pending
	d.pending = nil
	if len(queue) > 0 && d.crashBeforeDelivery != nil {
		d.crashBeforeDelivery() // tests: the process dies with events logged, messages unsent
	}
	for _, m := range queue {
		d.smu.Lock()
		if d.done[m.ID] || d.inflight[m.ID] {
			d.smu.Unlock()
			continue
		}
		d.inflight[m.ID] = true
		d.messageIncident[m.ID] = m.IncidentID
		d.smu.Unlock()
		d.wg.Add(1)
		go func() {
			defer d.wg.Done()
			err := d.deliver.Dispatch(ctx, guarded(m))
			d.smu.Lock()
			delete(d.inflight, m.ID)
			if err == nil {
				d.done[m.ID] = true
			}
			d.smu.Unlock()
			if err != nil {
				d.logger.Warn("notification not delivered to every receiver; retrying at the next tick", "message", m.ID, "err", err)
				d.mu.Lock()
				d.pending = append(d.pending, m)
				d.mu.Unlock()
				return
			}
			now := d.now()
			if e, eerr := event.New(TypeDone, m.IncidentID, "system:notify", now, now, Done{MessageID: m.ID}); eerr == nil {
				if aerr := d.log.Append(context.WithoutCancel(ctx), Topic, e); aerr != nil {
					d.logger.Error("recording a delivered notification", "message", m.ID, "err", aerr)
				}
			}
		}()
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
	if e.Type == incident.TypeSecondary {
		return d.secondaryMessage(st, e)
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

var beijing = notify.ChinaTime

// guarded masks the personal data a message would carry out of the
// system (a phone number in a post's title, an ID number in a summary):
// the privacy guard runs on every outgoing notification.
func guarded(m notify.Message) notify.Message {
	m.Title = privacy.Mask(m.Title, privacy.Scan(m.Title))
	m.Text = privacy.Mask(m.Text, privacy.Scan(m.Text))
	return m
}
