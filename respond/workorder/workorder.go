// Package workorder keeps the working-day clocks of 12345 hotline and
// message-board work orders (工单): sign for it within so many working days,
// answer within so many more, per category and locality; pauses (挂起, e.g.
// waiting for the citizen) and approved extensions are events.
//
// Like incidents, Decide is pure and Apply folds events. Due times are
// computed when decided and recorded in the events, so replay gives the same
// clocks even after the holiday calendar file changes.
package workorder

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"yuqing/internal/event"
	"yuqing/respond/calendar"
)

// Topic is the log topic of work-order events, keyed by order ID.
const Topic = "workorders"

// Event types.
const (
	TypeReceived   = "workorder.received.v1"
	TypeSigned     = "workorder.signed.v1"
	TypeAnswered   = "workorder.answered.v1"
	TypePaused     = "workorder.paused.v1"
	TypeResumed    = "workorder.resumed.v1"
	TypeExtended   = "workorder.extended.v1"
	TypeDueSet     = "workorder.due_set.v1"
	TypeWarned     = "workorder.warned.v1"
	TypeBreached   = "workorder.breached.v1"
	ClockSign      = "sign"
	ClockAnswer    = "answer"
	defaultWarning = 4 * time.Hour
)

// Rule is the clock of one category in one locality ("" matches any).
type Rule struct {
	Locality string `yaml:"locality" json:"locality"`
	Category string `yaml:"category" json:"category"`
	Sign     int    `yaml:"sign" json:"sign"`     // working days to sign for the order
	Answer   int    `yaml:"answer" json:"answer"` // working days to answer it
}

// Policy is the table of rules; the most specific match wins (locality and
// category, then category, then locality, then the default).
type Policy struct {
	Rules   []Rule        `yaml:"rules" json:"rules"`
	Default Rule          `yaml:"default" json:"default"`
	Warning time.Duration `yaml:"warning" json:"warning"` // warn this long before a due time (default 4h)
}

// DefaultPolicy follows common practice (shared/docs/policy.md): sign within
// 1 working day; answer enquiries within 2, help requests 5, complaints and
// reports 13, online messages 3; anything else 5.
func DefaultPolicy() Policy {
	return Policy{
		Rules: []Rule{
			{Category: "咨询", Sign: 1, Answer: 2},
			{Category: "求助", Sign: 1, Answer: 5},
			{Category: "投诉", Sign: 1, Answer: 13},
			{Category: "举报", Sign: 1, Answer: 13},
			{Category: "建议", Sign: 1, Answer: 5},
			{Category: "留言", Sign: 1, Answer: 3},
		},
		Default: Rule{Sign: 1, Answer: 5},
		Warning: defaultWarning,
	}
}

// Rule returns the rule for a category in a locality.
func (p Policy) Rule(locality, category string) Rule {
	best, score := p.Default, -1
	for _, r := range p.Rules {
		if (r.Locality != "" && r.Locality != locality) || (r.Category != "" && r.Category != category) {
			continue
		}
		s := 0
		if r.Category != "" {
			s += 2
		}
		if r.Locality != "" {
			s++
		}
		if s > score {
			best, score = r, s
		}
	}
	return best
}

// Payloads.
type (
	Received struct {
		ReceivedAt time.Time `json:"received_at"`
		Channel    string    `json:"channel"` // 12345, 留言板 …
		Category   string    `json:"category"`
		Locality   string    `json:"locality"`
		Unit       string    `json:"unit"`
		Title      string    `json:"title"`
		Text       string    `json:"text"`
	}
	At struct {
		At     time.Time `json:"at"`
		Text   string    `json:"text,omitempty"`
		Reason string    `json:"reason,omitempty"`
	}
	Extended struct {
		Days       int    `json:"days"`
		Reason     string `json:"reason"`
		ApprovedBy string `json:"approved_by"`
	}
	DueSet struct {
		Clock     string    `json:"clock"`
		Due       time.Time `json:"due"`
		OldDue    time.Time `json:"old_due,omitzero"`
		Workdays  int       `json:"workdays"`
		Uncovered []int     `json:"uncovered_years,omitempty"` // the calendar had no notice for these: provisional
		Reason    string    `json:"reason"`
	}
	Alerted struct {
		Clock string    `json:"clock"`
		Due   time.Time `json:"due"`
	}
)

// Event is a decided event.
type Event = event.Decided

// Clock is one working-day deadline.
type Clock struct {
	Due       time.Time `json:"due"`
	Workdays  int       `json:"workdays"`
	Done      bool      `json:"done"`
	DoneAt    time.Time `json:"done_at,omitzero"`
	Met       bool      `json:"met"`
	Warned    bool      `json:"warned"`
	Breached  bool      `json:"breached"`
	Uncovered []int     `json:"uncovered_years,omitempty"`
}

// State is a work order as its events made it.
type State struct {
	ID         string            `json:"id"`
	Received   Received          `json:"received"`
	Status     string            `json:"status"` // "", open, answered
	Pauses     []calendar.Pause  `json:"pauses,omitempty"`
	PausedAt   time.Time         `json:"paused_at,omitzero"` // an open pause
	Extensions []int             `json:"extensions,omitempty"`
	Clocks     map[string]*Clock `json:"clocks"`
}

// Commands.
type (
	Receive struct{ Received }
	Sign    struct{ At time.Time }
	Answer  struct {
		At   time.Time
		Text string
	}
	Pause struct {
		At     time.Time
		Reason string
	}
	Resume struct{ At time.Time }
	Extend struct {
		Days       int
		Reason     string
		ApprovedBy string
	}
	Tick struct{}
)

// ErrRule is wrapped by every refusal.
var ErrRule = errors.New("refused")

// refusal is a refused command: its message is the Chinese the console
// shows as it is; errors.Is(err, ErrRule) holds.
type refusal struct{ msg string }

func (r refusal) Error() string        { return r.msg }
func (r refusal) Is(target error) bool { return target == ErrRule }

func refuse(format string, args ...any) error {
	return refusal{fmt.Sprintf(format, args...)}
}

// Decide returns the events cmd causes, using cal for working days.
func Decide(s *State, p Policy, cal *calendar.Calendar, cmd any, now time.Time) ([]Event, error) {
	if _, ok := cmd.(Receive); !ok && s.Status == "" {
		return nil, refuse("工单 %s 尚未受理", s.ID)
	}
	switch c := cmd.(type) {
	case Receive:
		if s.Status != "" {
			return nil, refuse("工单 %s 已受理", s.ID)
		}
		if c.ReceivedAt.IsZero() || c.ReceivedAt.After(now.Add(time.Hour)) {
			return nil, refuse("受理时间缺失或在未来")
		}
		if strings.TrimSpace(c.Category) == "" {
			return nil, refuse("工单需要分类")
		}
		r := p.Rule(c.Locality, c.Category)
		evs := []Event{{Type: TypeReceived, Data: c.Received}}
		for _, k := range []struct {
			clock string
			n     int
		}{{ClockSign, r.Sign}, {ClockAnswer, r.Answer}} {
			d, err := cal.Deadline(c.ReceivedAt, k.n, nil)
			if err != nil {
				return nil, err
			}
			evs = append(evs, Event{Type: TypeDueSet, Data: DueSet{Clock: k.clock, Due: d.Due, Workdays: d.Workdays, Uncovered: d.Uncovered,
				Reason: fmt.Sprintf("%s类工单：%d 个工作日", c.Category, k.n)}})
		}
		return evs, nil
	case Sign:
		if cl := s.Clocks[ClockSign]; cl == nil || cl.Done {
			return nil, refuse("工单已签收")
		}
		return []Event{{Type: TypeSigned, Data: At{At: orNow(c.At, now)}}}, nil
	case Answer:
		if s.Status == "answered" {
			return nil, refuse("工单已答复")
		}
		if strings.TrimSpace(c.Text) == "" {
			return nil, refuse("答复需要内容")
		}
		evs := []Event{}
		if cl := s.Clocks[ClockSign]; cl != nil && !cl.Done {
			evs = append(evs, Event{Type: TypeSigned, Data: At{At: orNow(c.At, now)}})
		}
		return append(evs, Event{Type: TypeAnswered, Data: At{At: orNow(c.At, now), Text: c.Text}}), nil
	case Pause:
		if !s.PausedAt.IsZero() {
			return nil, refuse("工单自 %s 起已挂起", s.PausedAt.Format("2006-01-02 15:04 MST"))
		}
		if s.Status == "answered" {
			return nil, refuse("已答复的工单不能挂起")
		}
		if strings.TrimSpace(c.Reason) == "" {
			return nil, refuse("挂起需要填写理由")
		}
		return []Event{{Type: TypePaused, Data: At{At: orNow(c.At, now), Reason: c.Reason}}}, nil
	case Resume:
		if s.PausedAt.IsZero() {
			return nil, refuse("工单未挂起")
		}
		at := orNow(c.At, now)
		if at.Before(s.PausedAt) {
			return nil, refuse("恢复时间早于挂起时间")
		}
		pauses := append(append([]calendar.Pause(nil), s.Pauses...), calendar.Pause{From: s.PausedAt, To: at})
		evs := []Event{{Type: TypeResumed, Data: At{At: at}}}
		return append(evs, redue(s, p, cal, pauses, s.Extensions, "挂起后恢复")...), nil
	case Extend:
		if c.Days <= 0 || strings.TrimSpace(c.Reason) == "" || strings.TrimSpace(c.ApprovedBy) == "" {
			return nil, refuse("延期需要天数、理由和批准人")
		}
		if s.Status == "answered" {
			return nil, refuse("已答复的工单不能延期")
		}
		evs := []Event{{Type: TypeExtended, Data: Extended(c)}}
		return append(evs, redue(s, p, cal, s.Pauses, append(append([]int(nil), s.Extensions...), c.Days), fmt.Sprintf("批准延期 %d 个工作日：%s", c.Days, c.Reason))...), nil
	case Tick:
		return tick(s, p, now), nil
	}
	return nil, refuse("未知操作 %T", cmd)
}

func orNow(t, now time.Time) time.Time {
	if t.IsZero() {
		return now
	}
	return t
}

// redue recomputes the answer clock with pauses and extensions.
func redue(s *State, p Policy, cal *calendar.Calendar, pauses []calendar.Pause, ext []int, reason string) []Event {
	cl := s.Clocks[ClockAnswer]
	if cl == nil || cl.Done {
		return nil
	}
	r := p.Rule(s.Received.Locality, s.Received.Category)
	d, err := cal.Deadline(s.Received.ReceivedAt, r.Answer, pauses, ext...)
	if err != nil || d.Due.Equal(cl.Due) {
		return nil
	}
	return []Event{{Type: TypeDueSet, Data: DueSet{Clock: ClockAnswer, Due: d.Due, OldDue: cl.Due, Workdays: d.Workdays, Uncovered: d.Uncovered, Reason: reason}}}
}

func tick(s *State, p Policy, now time.Time) []Event {
	if s.Status != "open" || !s.PausedAt.IsZero() {
		return nil
	}
	warn := p.Warning
	if warn == 0 {
		warn = defaultWarning
	}
	var evs []Event
	for _, name := range []string{ClockSign, ClockAnswer} {
		cl := s.Clocks[name]
		if cl == nil || cl.Done {
			continue
		}
		switch {
		case !now.Before(cl.Due) && !cl.Breached:
			evs = append(evs, Event{Type: TypeBreached, Data: Alerted{Clock: name, Due: cl.Due}})
		case now.Before(cl.Due) && !now.Before(cl.Due.Add(-warn)) && !cl.Warned:
			evs = append(evs, Event{Type: TypeWarned, Data: Alerted{Clock: name, Due: cl.Due}})
		}
	}
	return evs
}

// Apply folds one event into s.
func Apply(s *State, e event.Envelope) error {
	if s.Clocks == nil {
		s.Clocks = map[string]*Clock{}
	}
	dec := func(v any) error {
		if err := json.Unmarshal(e.Payload, v); err != nil {
			return fmt.Errorf("decoding %s %s: %w", e.Type, e.ID, err)
		}
		return nil
	}
	switch e.Type {
	case TypeReceived:
		if err := dec(&s.Received); err != nil {
			return err
		}
		s.ID, s.Status = e.Key, "open"
	case TypeDueSet:
		var d DueSet
		if err := dec(&d); err != nil {
			return err
		}
		cl := s.Clocks[d.Clock]
		if cl == nil {
			cl = &Clock{}
			s.Clocks[d.Clock] = cl
		}
		cl.Due, cl.Workdays, cl.Uncovered = d.Due, d.Workdays, d.Uncovered
		cl.Warned, cl.Breached = false, false
	case TypeSigned, TypeAnswered:
		var d At
		if err := dec(&d); err != nil {
			return err
		}
		name := ClockSign
		if e.Type == TypeAnswered {
			name, s.Status = ClockAnswer, "answered"
		}
		if cl := s.Clocks[name]; cl != nil {
			cl.Done, cl.DoneAt, cl.Met = true, d.At, !d.At.After(cl.Due)
		}
	case TypePaused:
		var d At
		if err := dec(&d); err != nil {
			return err
		}
		s.PausedAt = d.At
	case TypeResumed:
		var d At
		if err := dec(&d); err != nil {
			return err
		}
		s.Pauses = append(s.Pauses, calendar.Pause{From: s.PausedAt, To: d.At})
		s.PausedAt = time.Time{}
	case TypeExtended:
		var d Extended
		if err := dec(&d); err != nil {
			return err
		}
		s.Extensions = append(s.Extensions, d.Days)
	case TypeWarned, TypeBreached:
		var d Alerted
		if err := dec(&d); err != nil {
			return err
		}
		if cl := s.Clocks[d.Clock]; cl != nil {
			if e.Type == TypeWarned {
				cl.Warned = true
			} else {
				cl.Breached = true
			}
		}
	}
	return nil
}

// Envelopes wraps decided events for the log: keyed by the aggregate, at
// now, naming the actor.
func Envelopes(id, actor string, now time.Time, evs []Event) ([]event.Envelope, error) {
	return event.Wrap(id, actor, now, evs)
}
