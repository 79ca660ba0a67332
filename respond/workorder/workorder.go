// Package workorder keeps the working-day clocks of 12345 hotline and
// message-board work orders (工单): sign for it within so many working days,
// answer within so many more, per category and locality; pauses (挂起, e.g.
// waiting for the citizen) and approved extensions are events.
//
// Like incidents, Decide is pure and Apply folds events. Due times are
// computed when decided and recorded in the events, so replay gives the same
// clocks even after the holiday calendar file changes.
//
// # 依申请公开 (disclosure requests)
//
// Orders of CategoryDisclosure are requests for government information
// under the 政府信息公开条例 (2019) and run its statutory clocks on top of the
// same events:
//
//   - Answer within 20 working days of receipt (第三十三条第一款; the receipt
//     day is not counted, see calendar.Deadline). The sign clock is the
//     ordinary 1 working day to register the application; it is internal,
//     not statutory.
//   - At most one extension, of at most 20 working days, approved by the
//     head of the disclosure office (ApprovedBy) and notified to the
//     applicant (NotifiedAt) before the period runs out (第三十三条第一款).
//   - Every pause names its Kind. PauseThirdParty and PauseOtherAgency give
//     the paused time back (第三十三条第二款: 征求第三方和其他机关意见所需
//     时间不计算在期限内). PauseSupplement (补正) must be asked once, within 7
//     working days of receipt, with a period for the applicant (Until); on
//     Resume — the receipt of the supplemented application — the answer
//     period is counted afresh from that day (第三十条: 答复期限自行政机关
//     收到补正的申请之日起计算), which gives back the paused time and the
//     days before the request as well.
//   - Every answer records its Result (第三十六条 to 第三十九条, with a Basis
//     where the annual report distinguishes cases). ResultWithdrawn closes
//     an application not supplemented within the period (视为放弃申请,
//     第三十条): only while paused for 补正 and once Until has passed; the
//     pause ends without restarting the period, the order's status becomes
//     StatusWithdrawn and its answer clock counts as met.
//   - Answering while paused closes the pause at the answer time first
//     (a Resumed event), so the paused time is given back before the answer
//     is judged on time.
//
// Other categories keep their behaviour: free pauses (a Kind is an optional
// label there), any number of approved extensions, an optional Result.
// Refusals are Chinese text for the console; OnTime computes the on-time
// rates per unit that reports show.
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

// Statuses of State.Status ("" before the order is received).
const (
	StatusOpen      = "open"
	StatusAnswered  = "answered"
	StatusWithdrawn = "withdrawn" // a disclosure request 视为放弃申请 (ResultWithdrawn)
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
// reports 13, online messages 3; anything else 5. Disclosure requests
// (依申请公开) are answered within 20 (条例第三十三条), signed (registered)
// within 1.
func DefaultPolicy() Policy {
	return Policy{
		Rules: []Rule{
			{Category: "咨询", Sign: 1, Answer: 2},
			{Category: "求助", Sign: 1, Answer: 5},
			{Category: "投诉", Sign: 1, Answer: 13},
			{Category: "举报", Sign: 1, Answer: 13},
			{Category: "建议", Sign: 1, Answer: 5},
			{Category: "留言", Sign: 1, Answer: 3},
			{Category: CategoryDisclosure, Sign: 1, Answer: DisclosureAnswerDays},
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
	// At is the payload of signed, answered, paused and resumed events.
	At struct {
		At     time.Time `json:"at"`
		Text   string    `json:"text,omitempty"`
		Reason string    `json:"reason,omitempty"`
		Kind   string    `json:"kind,omitempty"`   // paused, resumed: the pause kind (PauseSupplement …)
		Until  time.Time `json:"until,omitzero"`   // paused: the period given (补正期限)
		Result string    `json:"result,omitempty"` // answered: ResultPublic …
		Basis  string    `json:"basis,omitempty"`  // answered: the case of the result (Bases)
	}
	Extended struct {
		Days       int       `json:"days"`
		Reason     string    `json:"reason"`
		ApprovedBy string    `json:"approved_by"`
		NotifiedAt time.Time `json:"notified_at,omitzero"` // when the applicant was told (依申请公开)
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
	Status     string            `json:"status"` // "", open, answered, withdrawn
	Pauses     []calendar.Pause  `json:"pauses,omitempty"`
	PausedAt   time.Time         `json:"paused_at,omitzero"` // an open pause
	PauseKind  string            `json:"pause_kind,omitempty"`
	PauseUntil time.Time         `json:"pause_until,omitzero"`
	Extensions []int             `json:"extensions,omitempty"`
	Clocks     map[string]*Clock `json:"clocks"`
	// Disclosure requests (依申请公开).
	SupplementAt time.Time `json:"supplement_at,omitzero"` // 补正 asked (once)
	CountFrom    time.Time `json:"count_from,omitzero"`    // answer period counted from here after 补正
	Result       string    `json:"result,omitempty"`
	Basis        string    `json:"basis,omitempty"`
}

// Commands.
type (
	Receive struct{ Received }
	Sign    struct {
		At time.Time `json:"at"`
	}
	Answer struct {
		At     time.Time `json:"at"`
		Text   string    `json:"text"`
		Result string    `json:"result,omitempty"` // ResultPublic …: required for disclosure requests
		Basis  string    `json:"basis,omitempty"`  // the case of the result, see Bases
	}
	Pause struct {
		At     time.Time `json:"at"`
		Reason string    `json:"reason"`
		Kind   string    `json:"kind,omitempty"` // PauseSupplement …: required for disclosure requests
		Until  time.Time `json:"until,omitzero"` // the period given to the applicant; required for 补正
	}
	Resume struct {
		At time.Time `json:"at"`
	}
	Extend struct {
		Days       int       `json:"days"`
		Reason     string    `json:"reason"`
		ApprovedBy string    `json:"approved_by"`
		NotifiedAt time.Time `json:"notified_at,omitzero"` // when the applicant was told; required for disclosure requests
	}
	Tick struct{}
)

// ErrRule is wrapped by every refusal.
var ErrRule = errors.New("refused")

// refuse words a refusal in Chinese: the console shows it as it is, and
// errors.Is(err, ErrRule) holds.
func refuse(format string, args ...any) error { return event.Refuse(ErrRule, format, args...) }

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
			reason := fmt.Sprintf("%s类工单：%d 个工作日", c.Category, k.n)
			if c.Category == CategoryDisclosure {
				reason = fmt.Sprintf("依申请公开：%d 个工作日内登记", k.n)
				if k.clock == ClockAnswer {
					reason = fmt.Sprintf("依申请公开：自收到申请之日起 %d 个工作日内答复（条例第三十三条）", k.n)
				}
			}
			evs = append(evs, Event{Type: TypeDueSet, Data: DueSet{Clock: k.clock, Due: d.Due, Workdays: d.Workdays, Uncovered: d.Uncovered, Reason: reason}})
		}
		return evs, nil
	case Sign:
		if cl := s.Clocks[ClockSign]; cl == nil || cl.Done {
			return nil, refuse("工单已签收")
		}
		return []Event{{Type: TypeSigned, Data: At{At: orNow(c.At, now)}}}, nil
	case Answer:
		if s.Status == StatusWithdrawn {
			return nil, refuse("申请已视为放弃，工单已办结")
		}
		if s.Status == StatusAnswered {
			return nil, refuse("工单已答复")
		}
		if strings.TrimSpace(c.Text) == "" {
			return nil, refuse("答复需要内容")
		}
		at := orNow(c.At, now)
		if err := checkResult(s, cal, c, at); err != nil {
			return nil, err
		}
		evs := []Event{}
		if cl := s.Clocks[ClockSign]; cl != nil && !cl.Done {
			evs = append(evs, Event{Type: TypeSigned, Data: At{At: at}})
		}
		if s.Disclosure() && !s.PausedAt.IsZero() {
			if at.Before(s.PausedAt) {
				return nil, refuse("答复时间早于挂起时间")
			}
			if c.Result != ResultWithdrawn { // withdrawal closes the pause itself (Apply)
				evs = append(evs, resume(s, p, cal, at)...)
			}
		}
		return append(evs, Event{Type: TypeAnswered, Data: At{At: at, Text: c.Text, Result: c.Result, Basis: c.Basis}}), nil
	case Pause:
		if !s.PausedAt.IsZero() {
			return nil, refuse("工单自 %s 起已挂起", s.PausedAt.Format("2006-01-02 15:04 MST"))
		}
		if s.closed() {
			return nil, refuse("已答复的工单不能挂起")
		}
		if strings.TrimSpace(c.Reason) == "" {
			return nil, refuse("挂起需要填写理由")
		}
		at := orNow(c.At, now)
		if err := checkPause(s, cal, c, at); err != nil {
			return nil, err
		}
		return []Event{{Type: TypePaused, Data: At{At: at, Reason: c.Reason, Kind: c.Kind, Until: c.Until}}}, nil
	case Resume:
		if s.PausedAt.IsZero() {
			return nil, refuse("工单未挂起")
		}
		at := orNow(c.At, now)
		if at.Before(s.PausedAt) {
			return nil, refuse("恢复时间早于挂起时间")
		}
		return resume(s, p, cal, at), nil
	case Extend:
		if s.Disclosure() {
			if s.closed() {
				return nil, refuse("已答复的工单不能延期")
			}
			if err := checkExtend(s, cal, c, now); err != nil {
				return nil, err
			}
		}
		if c.Days <= 0 || strings.TrimSpace(c.Reason) == "" || strings.TrimSpace(c.ApprovedBy) == "" {
			return nil, refuse("延期需要天数、理由和批准人")
		}
		if s.closed() {
			return nil, refuse("已答复的工单不能延期")
		}
		reason := fmt.Sprintf("批准延期 %d 个工作日：%s", c.Days, c.Reason)
		if s.Disclosure() {
			reason = fmt.Sprintf("经 %s 同意延长 %d 个工作日，已于 %s 告知申请人（条例第三十三条）：%s",
				c.ApprovedBy, c.Days, c.NotifiedAt.In(cal.Location()).Format("2006-01-02"), c.Reason)
		}
		evs := []Event{{Type: TypeExtended, Data: Extended(c)}}
		return append(evs, redue(s, p, cal, s.countFrom(), s.Pauses, append(append([]int(nil), s.Extensions...), c.Days), reason)...), nil
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

// redue recomputes the answer clock counted from start, with pauses and
// extensions.
func redue(s *State, p Policy, cal *calendar.Calendar, start time.Time, pauses []calendar.Pause, ext []int, reason string) []Event {
	cl := s.Clocks[ClockAnswer]
	if cl == nil || cl.Done {
		return nil
	}
	r := p.Rule(s.Received.Locality, s.Received.Category)
	d, err := cal.Deadline(start, r.Answer, pauses, ext...)
	if err != nil || d.Due.Equal(cl.Due) {
		return nil
	}
	return []Event{{Type: TypeDueSet, Data: DueSet{Clock: ClockAnswer, Due: d.Due, OldDue: cl.Due, Workdays: d.Workdays, Uncovered: d.Uncovered, Reason: reason}}}
}

func tick(s *State, p Policy, now time.Time) []Event {
	if s.Status != StatusOpen || !s.PausedAt.IsZero() {
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
		s.ID, s.Status = e.Key, StatusOpen
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
			name, s.Status, s.Result, s.Basis = ClockAnswer, StatusAnswered, d.Result, d.Basis
			if d.Result == ResultWithdrawn {
				// 视为放弃申请 ends the 补正 pause without a supplemented
				// application: the period is not counted afresh.
				s.Status = StatusWithdrawn
				if !s.PausedAt.IsZero() {
					s.Pauses = append(s.Pauses, calendar.Pause{From: s.PausedAt, To: d.At})
					s.PausedAt, s.PauseKind, s.PauseUntil = time.Time{}, "", time.Time{}
				}
			}
		}
		if cl := s.Clocks[name]; cl != nil {
			// A withdrawn application has no answer due: never late.
			cl.Done, cl.DoneAt, cl.Met = true, d.At, !d.At.After(cl.Due) || name == ClockAnswer && d.Result == ResultWithdrawn
		}
	case TypePaused:
		var d At
		if err := dec(&d); err != nil {
			return err
		}
		s.PausedAt, s.PauseKind, s.PauseUntil = d.At, d.Kind, d.Until
		if d.Kind == PauseSupplement && s.Disclosure() && s.SupplementAt.IsZero() {
			s.SupplementAt = d.At
		}
	case TypeResumed:
		var d At
		if err := dec(&d); err != nil {
			return err
		}
		s.Pauses = append(s.Pauses, calendar.Pause{From: s.PausedAt, To: d.At})
		if s.PauseKind == PauseSupplement && s.Disclosure() {
			s.CountFrom = d.At
		}
		s.PausedAt, s.PauseKind, s.PauseUntil = time.Time{}, "", time.Time{}
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
