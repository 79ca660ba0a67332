// Package incident is the event-sourced incident: what happened, who did
// what and when, and the deadline clocks that must not be missed.
//
// Decide(state, command, actor, now) returns the events a command causes,
// or an error saying which rule it breaks; Apply folds an event into the
// state. Both are pure: time comes in as now, and replaying the log gives
// the same state, clocks included.
package incident

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"yuqing/internal/event"
)

// Topic is the log topic of incident events; an incident's events share its
// ID as their key, so they keep their order.
const Topic = "incidents"

// Event types.
const (
	TypeOpened        = "incident.opened.v1"
	TypeGraded        = "incident.graded.v1"
	TypeAssigned      = "incident.assigned.v1"
	TypeAcknowledged  = "incident.acknowledged.v1"
	TypePublished     = "incident.published.v1"
	TypeConfScheduled = "incident.conference_scheduled.v1"
	TypeConfHeld      = "incident.conference_held.v1"
	TypeFollowUp      = "incident.followup_published.v1"
	TypeClosed        = "incident.closed.v1"
	TypeReopened      = "incident.reopened.v1"
	TypeClockSet      = "incident.clock_set.v1"
	TypeClockStopped  = "incident.clock_stopped.v1"
	TypeClockCanceled = "incident.clock_cancelled.v1"
	TypeClockWarned   = "incident.clock_warned.v1"
	TypeClockBreached = "incident.clock_breached.v1"
	TypeEscalated     = "incident.escalated.v1"
	TypeReAlerted     = "incident.realerted.v1"
	TypeSnoozed       = "incident.snoozed.v1"
	TypeLinked        = "incident.linked.v1"
	TypeSecondary     = "incident.secondary_raised.v1" // 次生舆情 after a statement
)

// Unit is a responsible unit: 属地 (territorial) or 主管 (competent authority).
type Unit struct {
	Name string `json:"name"`
	Kind string `json:"kind"` // "属地" or "主管"
}

// Release is a piece of authoritative information published.
type Release struct {
	At      time.Time `json:"at"`
	Channel string    `json:"channel"` // 政府网站, 政务微博, 新闻发布会 …
	URL     string    `json:"url"`
	Text    string    `json:"text"`
}

// Speaker spoke at a press conference.
type Speaker struct {
	Name string `json:"name"`
	Role string `json:"role"` // 负责人, 新闻发言人 …
}

// Conference is a press conference, scheduled or held.
type Conference struct {
	At       time.Time `json:"at"`
	Place    string    `json:"place"`
	Speakers []Speaker `json:"speakers"`
}

// Payloads.
type (
	Opened struct {
		Title        string    `json:"title"`
		AlertID      string    `json:"alert_id,omitempty"`
		Topics       []string  `json:"topics,omitempty"`
		Mentions     []string  `json:"mentions,omitempty"`
		DetectedAt   time.Time `json:"detected_at"`
		Jurisdiction string    `json:"jurisdiction"`
		Drill        bool      `json:"drill,omitempty"`
	}
	Graded struct {
		Grade    Grade  `json:"grade"`
		Previous Grade  `json:"previous"`
		Reason   string `json:"reason"`
	}
	Assigned struct {
		Units []Unit `json:"units"`
		Lead  string `json:"lead"`
	}
	Acknowledged struct {
		Clock string `json:"clock,omitempty"` // "" acknowledges every running clock
	}
	Published     struct{ Release }
	ConfScheduled struct{ Conference }
	ConfHeld      struct{ Conference }
	FollowedUp    struct{ Release }
	Closed        struct {
		Review string `json:"review"`
	}
	Reopened struct {
		Reason string `json:"reason"`
	}
	ClockSet struct {
		Clock     string    `json:"clock"`
		Start     time.Time `json:"start"`
		StartedBy Start     `json:"started_by"` // detection or opening, as the policy named
		Due       time.Time `json:"due"`
		OldDue    time.Time `json:"old_due,omitzero"` // when a regrade moved it
		Reason    string    `json:"reason"`
	}
	ClockStopped struct {
		Clock string    `json:"clock"`
		At    time.Time `json:"at"` // the time of the fact that stopped it
		Due   time.Time `json:"due"`
		Met   bool      `json:"met"` // At ≤ Due
		Fact  string    `json:"fact"`
	}
	ClockCancelled struct {
		Clock  string    `json:"clock"`
		OldDue time.Time `json:"old_due"`
		Reason string    `json:"reason"`
	}
	ClockWarned struct {
		Clock  string        `json:"clock"`
		Due    time.Time     `json:"due"`
		Before time.Duration `json:"before"` // the warning point: this long before Due
		Role   string        `json:"role"`
		Grade  Grade         `json:"grade"`
	}
	ClockBreached struct {
		Clock string    `json:"clock"`
		Due   time.Time `json:"due"`
		Role  string    `json:"role"`
		Grade Grade     `json:"grade"`
	}
	Escalated struct {
		Clock string `json:"clock"`
		Level int    `json:"level"`
		Role  string `json:"role"`
		Grade Grade  `json:"grade"`
	}
	ReAlerted struct {
		Clock string `json:"clock"`
		Role  string `json:"role"`
		Grade Grade  `json:"grade"`
	}
	Snoozed struct {
		Clock  string    `json:"clock"`
		Until  time.Time `json:"until"`
		Reason string    `json:"reason"`
	}
	// SecondaryRaised is a sign of 次生舆情 after a statement: posts
	// questioning it, or volume rebounding (evidence.Secondary).
	SecondaryRaised struct {
		Kind       string    `json:"kind"`
		Reason     string    `json:"reason"`
		Topic      string    `json:"topic,omitempty"`
		At         time.Time `json:"at"`
		MentionIDs []string  `json:"mention_ids,omitempty"`
	}
	// Linked adds an alert of the incident's story, and topics, to it.
	// Topics lists only the topics the incident did not have yet.
	Linked struct {
		AlertID string   `json:"alert_id,omitempty"`
		Label   []string `json:"label,omitempty"` // the alert's headline, for the timeline
		Topics  []string `json:"topics,omitempty"`
		Reason  string   `json:"reason"`
	}
)

// Event is a decided event before it is wrapped in an envelope.
type Event = event.Decided

// Clock is one running or finished deadline.
type Clock struct {
	Name         string          `json:"name"`
	Start        time.Time       `json:"start"`
	Due          time.Time       `json:"due"`
	Stopped      bool            `json:"stopped"`
	StoppedAt    time.Time       `json:"stopped_at,omitzero"`
	Met          bool            `json:"met"`
	Cancelled    bool            `json:"cancelled"`
	Warned       []time.Duration `json:"warned,omitempty"` // warning points already sent
	Breached     bool            `json:"breached"`
	LastAlert    time.Time       `json:"last_alert,omitzero"` // last warning, breach, re-alert or escalation
	Level        int             `json:"level"`               // escalation level: index into Policy.Escalation
	AckedAt      time.Time       `json:"acked_at,omitzero"`
	SnoozedUntil time.Time       `json:"snoozed_until,omitzero"`
}

// MarshalJSON writes Warned as warned_before_s, in seconds: durations in
// the API's JSON are seconds, and say so.
func (c Clock) MarshalJSON() ([]byte, error) {
	type plain Clock
	p := plain(c)
	p.Warned = nil // omitted
	var secs []float64
	for _, w := range c.Warned {
		secs = append(secs, w.Seconds())
	}
	return json.Marshal(struct {
		plain
		WarnedS []float64 `json:"warned_before_s,omitempty"` // warning points already sent, seconds before due
	}{p, secs})
}

// UnmarshalJSON reads what MarshalJSON writes, so a clock survives a
// round trip (a projection's snapshot).
func (c *Clock) UnmarshalJSON(b []byte) error {
	type plain Clock
	var v struct {
		plain
		WarnedS []float64 `json:"warned_before_s"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*c = Clock(v.plain)
	if len(v.WarnedS) > 0 {
		c.Warned = make([]time.Duration, len(v.WarnedS))
		for i, s := range v.WarnedS {
			c.Warned[i] = time.Duration(s * float64(time.Second))
		}
	}
	return nil
}

// minWarned is the latest warning point sent (the smallest offset), or
// the largest duration when none was.
func (c *Clock) minWarned() time.Duration {
	m := time.Duration(1<<63 - 1)
	for _, w := range c.Warned {
		m = min(m, w)
	}
	return m
}

// Running reports a clock still counting.
func (c *Clock) Running() bool { return !c.Stopped && !c.Cancelled }

// State is an incident as its events made it.
type State struct {
	ID           string            `json:"id"`
	Version      int               `json:"version"` // events applied
	Status       string            `json:"status"`  // "", "open", "closed"
	Title        string            `json:"title"`
	Jurisdiction string            `json:"jurisdiction"`
	AlertID      string            `json:"alert_id,omitempty"` // the alert it was opened from
	Alerts       []string          `json:"alerts,omitempty"`   // every alert of its story: AlertID first, then the linked ones
	Topics       []string          `json:"topics,omitempty"`
	Mentions     []string          `json:"mentions,omitempty"`
	Grade        Grade             `json:"grade"`
	GradeReason  string            `json:"grade_reason,omitempty"`
	DetectedAt   time.Time         `json:"detected_at"`
	OpenedAt     time.Time         `json:"opened_at"`
	ClosedAt     time.Time         `json:"closed_at,omitzero"`
	Review       string            `json:"review,omitempty"`
	Units        []Unit            `json:"units,omitempty"`
	Lead         string            `json:"lead,omitempty"`
	Releases     []Release         `json:"releases,omitempty"` // authoritative information, in order
	FollowUps    []Release         `json:"follow_ups,omitempty"`
	Scheduled    *Conference       `json:"scheduled,omitempty"`
	Conferences  []Conference      `json:"conferences,omitempty"`
	Clocks       map[string]*Clock `json:"clocks"`
	Drill        bool              `json:"drill,omitempty"`
	Secondary    []SecondaryRaised `json:"secondary,omitempty"` // 次生舆情 raised, in order
}

// Commands.
type (
	Open struct {
		Title        string
		AlertID      string
		Topics       []string
		Mentions     []string
		DetectedAt   time.Time // zero: now
		Jurisdiction string
		Drill        bool
	}
	SetGrade struct {
		Grade  Grade
		Reason string
	}
	Assign struct {
		Units []Unit
		Lead  string
	}
	Acknowledge struct{ Clock string }
	Publish     struct{ Release }
	Schedule    struct{ Conference }
	Hold        struct{ Conference }
	FollowUp    struct{ Release }
	Close       struct{ Review string }
	Reopen      struct{ Reason string }
	Snooze      struct {
		Clock  string
		Until  time.Time
		Reason string
	}
	// Link adds an alert of the incident's story (and its topics) to the
	// incident: one story, one incident. Linking what the incident already
	// has causes nothing; a closed incident may still be linked.
	Link struct {
		AlertID string
		Label   []string
		Topics  []string
		Reason  string
	}
	// RaiseSecondary records a sign of 次生舆情; the same kind in the same
	// topic is raised once.
	RaiseSecondary struct{ SecondaryRaised }
	// Tick asks what time alone has caused: warnings, breaches, escalations
	// and re-alerts due by now. The scheduler sends it.
	Tick struct{}
)

// ErrRule is wrapped by every refusal of a command.
var ErrRule = errors.New("refused")

// refuse words a refusal in Chinese: the console shows it as it is, and
// errors.Is(err, ErrRule) holds.
func refuse(format string, args ...any) error { return event.Refuse(ErrRule, format, args...) }

// bjTime writes t in Beijing time for a refusal.
func bjTime(t time.Time) string { return t.In(beijing).Format("2006-01-02 15:04") }

// Decide returns the events cmd causes on s at now, or why it is refused.
func Decide(s *State, p Policy, cmd any, now time.Time) ([]Event, error) {
	if _, ok := cmd.(Open); !ok && s.Status == "" {
		return nil, refuse("事件 %s 尚未建立", s.ID)
	}
	if s.Status == "closed" {
		switch cmd.(type) {
		case Reopen, Tick, Link:
		default:
			return nil, refuse("事件 %s 已关闭，请先重新打开", s.ID)
		}
	}
	switch c := cmd.(type) {
	case Open:
		return decideOpen(s, p, c, now)
	case SetGrade:
		if !c.Grade.Valid() {
			return nil, refuse("等级 %d 不在 I 至 IV 级之间", c.Grade)
		}
		if strings.TrimSpace(c.Reason) == "" {
			return nil, refuse("定级需要填写理由")
		}
		if c.Grade == s.Grade {
			return nil, refuse("事件已是 %s 级", c.Grade)
		}
		evs := []Event{{Type: TypeGraded, Data: Graded{Grade: c.Grade, Previous: s.Grade, Reason: c.Reason}}}
		reason := fmt.Sprintf("定级 %s → %s：%s", s.Grade, c.Grade, c.Reason)
		return append(evs, reclock(s, p, c.Grade, reason)...), nil
	case Assign:
		if len(c.Units) == 0 {
			return nil, refuse("请至少指派一个责任单位")
		}
		lead := false
		for _, u := range c.Units {
			if strings.TrimSpace(u.Name) == "" {
				return nil, refuse("责任单位需要名称")
			}
			if u.Kind != "属地" && u.Kind != "主管" {
				return nil, refuse("责任单位 %s 的类型「%s」只能是属地或主管", u.Name, u.Kind)
			}
			lead = lead || u.Name == c.Lead
		}
		if !lead {
			return nil, refuse("牵头单位「%s」必须是已指派的责任单位之一", c.Lead)
		}
		return []Event{{Type: TypeAssigned, Data: Assigned(c)}}, nil
	case Acknowledge:
		if c.Clock != "" {
			if cl := s.Clocks[c.Clock]; cl == nil || !cl.Running() {
				return nil, refuse("时限「%s」不在计时中", ClockName(c.Clock))
			}
		}
		return []Event{{Type: TypeAcknowledged, Data: Acknowledged(c)}}, nil
	case Publish:
		if err := checkRelease(c.Release, now); err != nil {
			return nil, err
		}
		evs := []Event{{Type: TypePublished, Data: Published(c)}}
		evs = append(evs, stop(s, ClockStatement, c.At, "published")...)
		if s.Clocks[ClockStatement] == nil {
			evs = append(evs, stop(s, ClockResponse, c.At, "published")...)
		}
		if (s.Grade == GradeI || s.Grade == GradeII) && p.FollowUp > 0 {
			evs = append(evs, followUpClock(s, c.At.Add(p.FollowUp), "权威信息已发布，持续发布计时")...)
		}
		return evs, nil
	case Schedule:
		if err := checkConference(c.Conference); err != nil {
			return nil, err
		}
		return []Event{{Type: TypeConfScheduled, Data: ConfScheduled(c)}}, nil
	case Hold:
		if err := checkConference(c.Conference); err != nil {
			return nil, err
		}
		if c.At.After(now.Add(5 * time.Minute)) {
			return nil, refuse("发布会时间 %s 在未来：请改为“安排发布会”", bjTime(c.At))
		}
		evs := []Event{{Type: TypeConfHeld, Data: ConfHeld(c)}}
		evs = append(evs, stop(s, ClockConference, c.At, "press_conference")...)
		evs = append(evs, stop(s, ClockResponse, c.At, "press_conference")...)
		return evs, nil
	case FollowUp:
		if err := checkRelease(c.Release, now); err != nil {
			return nil, err
		}
		if len(s.Releases) == 0 {
			return nil, refuse("请先记录权威信息发布，再记录持续发布")
		}
		evs := []Event{{Type: TypeFollowUp, Data: FollowedUp(c)}}
		evs = append(evs, stop(s, ClockFollowUp, c.At, "follow_up")...)
		if (s.Grade == GradeI || s.Grade == GradeII) && p.FollowUp > 0 {
			evs = append(evs, followUpClock(s, c.At.Add(p.FollowUp), "持续发布计时")...)
		}
		return evs, nil
	case Close:
		if strings.TrimSpace(c.Review) == "" {
			return nil, refuse("关闭事件需要填写复盘")
		}
		evs := []Event{{Type: TypeClosed, Data: Closed(c)}}
		for _, name := range clockNames(s) {
			if cl := s.Clocks[name]; cl.Running() {
				evs = append(evs, Event{Type: TypeClockCanceled, Data: ClockCancelled{Clock: name, OldDue: cl.Due, Reason: "事件已关闭"}})
			}
		}
		return evs, nil
	case Reopen:
		if s.Status != "closed" {
			return nil, refuse("事件 %s 未关闭", s.ID)
		}
		if strings.TrimSpace(c.Reason) == "" {
			return nil, refuse("重新打开事件需要填写理由")
		}
		evs := []Event{{Type: TypeReopened, Data: Reopened(c)}}
		return append(evs, reclock(s, p, s.Grade, "事件重新打开："+c.Reason)...), nil
	case Snooze:
		cl := s.Clocks[c.Clock]
		if cl == nil || !cl.Running() {
			return nil, refuse("时限「%s」不在计时中", ClockName(c.Clock))
		}
		if strings.TrimSpace(c.Reason) == "" {
			return nil, refuse("暂停提醒需要填写理由")
		}
		if !c.Until.After(now) || c.Until.Sub(now) > p.SnoozeMax {
			return nil, refuse("暂停至 %s：只能暂停到 %s 之内", bjTime(c.Until), p.SnoozeMax)
		}
		if cl.Breached && (s.Grade == GradeI || s.Grade == GradeII) {
			return nil, refuse("%s 级事件的时限已超时，不能暂停提醒", s.Grade)
		}
		return []Event{{Type: TypeSnoozed, Data: Snoozed(c)}}, nil
	case Link:
		return decideLink(s, c)
	case RaiseSecondary:
		if strings.TrimSpace(c.Reason) == "" || c.Kind == "" {
			return nil, refuse("次生舆情需要类型和原因")
		}
		for _, x := range s.Secondary {
			if x.Kind == c.Kind && x.Topic == c.Topic {
				return nil, nil // raised already
			}
		}
		return []Event{{Type: TypeSecondary, Data: c.SecondaryRaised}}, nil
	case Tick:
		return tick(s, p, now), nil
	}
	return nil, refuse("未知操作 %T", cmd)
}

func decideLink(s *State, c Link) ([]Event, error) {
	if c.AlertID == "" && len(c.Topics) == 0 {
		return nil, refuse("请关联一条预警或一个话题")
	}
	if strings.TrimSpace(c.Reason) == "" {
		return nil, refuse("关联需要填写理由")
	}
	d := Linked{Label: c.Label, Reason: c.Reason}
	if c.AlertID != "" && !s.HasAlert(c.AlertID) {
		d.AlertID = c.AlertID
	}
	for _, t := range c.Topics {
		if t != "" && !slices.Contains(s.Topics, t) && !slices.Contains(d.Topics, t) {
			d.Topics = append(d.Topics, t)
		}
	}
	if d.AlertID == "" && len(d.Topics) == 0 {
		return nil, nil // already linked
	}
	if d.AlertID == "" {
		d.Label = nil
	}
	return []Event{{Type: TypeLinked, Data: d}}, nil
}

// HasAlert reports an alert the incident was opened from or linked to.
func (s *State) HasAlert(id string) bool {
	return id != "" && (s.AlertID == id || slices.Contains(s.Alerts, id))
}

func decideOpen(s *State, p Policy, c Open, now time.Time) ([]Event, error) {
	if s.Status != "" {
		return nil, refuse("事件 %s 已建立", s.ID)
	}
	if strings.TrimSpace(c.Title) == "" {
		return nil, refuse("事件需要标题")
	}
	if c.DetectedAt.IsZero() {
		c.DetectedAt = now
	}
	if c.DetectedAt.After(now) {
		return nil, refuse("发现时间 %s 在未来", bjTime(c.DetectedAt))
	}
	if c.Jurisdiction == "" {
		c.Jurisdiction = p.Jurisdiction
	}
	evs := []Event{{Type: TypeOpened, Data: Opened{Title: c.Title, AlertID: c.AlertID, Topics: c.Topics, Mentions: c.Mentions,
		DetectedAt: c.DetectedAt.UTC(), Jurisdiction: c.Jurisdiction, Drill: c.Drill}}}
	start, by := c.DetectedAt.UTC(), FromDetection
	if p.StartAt == FromOpening {
		start, by = now.UTC(), FromOpening
	}
	for _, r := range p.rules(Ungraded) {
		evs = append(evs, Event{Type: TypeClockSet, Data: ClockSet{Clock: r.Clock, Start: start, StartedBy: by, Due: start.Add(r.Within), Reason: "事件建立，未定级"}})
	}
	return evs, nil
}

// clockStart is when the incident's clocks count from.
func clockStart(s *State, p Policy) (time.Time, Start) {
	if p.StartAt == FromOpening {
		return s.OpenedAt, FromOpening
	}
	return s.DetectedAt, FromDetection
}

// reclock sets the clocks grade g asks for, cancels the ones it does not,
// and records old and new due times. Clocks already stopped stay stopped.
func reclock(s *State, p Policy, g Grade, reason string) []Event {
	start, by := clockStart(s, p)
	want := map[string]time.Duration{}
	for _, r := range p.rules(g) {
		want[r.Clock] = r.Within
	}
	var evs []Event
	for _, name := range clockNames(s) {
		cl := s.Clocks[name]
		if _, keep := want[name]; !keep && cl.Running() && name != ClockFollowUp {
			evs = append(evs, Event{Type: TypeClockCanceled, Data: ClockCancelled{Clock: name, OldDue: cl.Due, Reason: reason}})
		}
	}
	for _, r := range p.rules(g) {
		due := start.Add(r.Within)
		cl := s.Clocks[r.Clock]
		switch {
		case cl != nil && cl.Stopped:
			continue // the fact is recorded: the clock stays stopped
		case cl != nil && cl.Running() && cl.Due.Equal(due):
			continue
		}
		var old time.Time
		if cl != nil && cl.Running() {
			old = cl.Due
		}
		evs = append(evs, Event{Type: TypeClockSet, Data: ClockSet{Clock: r.Clock, Start: start, StartedBy: by, Due: due, OldDue: old, Reason: reason}})
		// A fact already recorded stops the new clock at once.
		if at, fact, ok := factFor(s, r.Clock); ok {
			evs = append(evs, Event{Type: TypeClockStopped, Data: ClockStopped{Clock: r.Clock, At: at, Due: due, Met: !at.After(due), Fact: fact}})
		}
	}
	return evs
}

// factFor is the first recorded fact that stops clock, if any.
func factFor(s *State, clock string) (time.Time, string, bool) {
	switch clock {
	case ClockStatement:
		if len(s.Releases) > 0 {
			return s.Releases[0].At, "published", true
		}
	case ClockConference:
		if len(s.Conferences) > 0 {
			return s.Conferences[0].At, "press_conference", true
		}
	case ClockResponse:
		var first time.Time
		if len(s.Releases) > 0 {
			first = s.Releases[0].At
		}
		if len(s.Conferences) > 0 && (first.IsZero() || s.Conferences[0].At.Before(first)) {
			first = s.Conferences[0].At
		}
		if !first.IsZero() {
			return first, "published", true
		}
	}
	return time.Time{}, "", false
}

func stop(s *State, clock string, at time.Time, fact string) []Event {
	cl := s.Clocks[clock]
	if cl == nil || !cl.Running() {
		return nil
	}
	return []Event{{Type: TypeClockStopped, Data: ClockStopped{Clock: clock, At: at, Due: cl.Due, Met: !at.After(cl.Due), Fact: fact}}}
}

func followUpClock(s *State, due time.Time, reason string) []Event {
	var old time.Time
	if cl := s.Clocks[ClockFollowUp]; cl != nil && cl.Running() {
		old = cl.Due
	}
	return []Event{{Type: TypeClockSet, Data: ClockSet{Clock: ClockFollowUp, Start: due, StartedBy: "release", Due: due, OldDue: old, Reason: reason}}}
}

func checkRelease(r Release, now time.Time) error {
	if r.At.IsZero() {
		return refuse("请填写发布时间")
	}
	if r.At.After(now.Add(5 * time.Minute)) {
		return refuse("发布时间 %s 在未来", bjTime(r.At))
	}
	if strings.TrimSpace(r.Channel) == "" {
		return refuse("请填写发布渠道（政府网站、政务微博……）")
	}
	u, err := url.Parse(r.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return refuse("链接「%s」不是发布页面的 http(s) 地址", r.URL)
	}
	return nil
}

func checkConference(c Conference) error {
	if c.At.IsZero() || strings.TrimSpace(c.Place) == "" {
		return refuse("发布会需要时间和地点")
	}
	if len(c.Speakers) == 0 {
		return refuse("发布会需要发布人（负责人或新闻发言人）")
	}
	for _, sp := range c.Speakers {
		if strings.TrimSpace(sp.Name) == "" || strings.TrimSpace(sp.Role) == "" {
			return refuse("每位发布人都需要姓名和职务")
		}
	}
	return nil
}

func clockNames(s *State) []string {
	names := make([]string, 0, len(s.Clocks))
	for n := range s.Clocks {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// urgent: grade I/II clocks are never held back by a snooze.
func urgent(s *State) bool { return s.Grade == GradeI || s.Grade == GradeII }

// tick decides what time alone has caused by now.
func tick(s *State, p Policy, now time.Time) []Event {
	if s.Status != "open" {
		return nil
	}
	var evs []Event
	role := func(level int) string { return p.Escalation[min(level, len(p.Escalation)-1)] }
	for _, name := range clockNames(s) {
		cl := s.Clocks[name]
		if !cl.Running() {
			continue
		}
		snoozed := now.Before(cl.SnoozedUntil)
		if !now.Before(cl.Due) {
			if !cl.Breached {
				// A breach is always sent, snoozed or not.
				evs = append(evs, Event{Type: TypeClockBreached, Data: ClockBreached{Clock: name, Due: cl.Due, Role: role(0), Grade: s.Grade}})
				continue
			}
			if snoozed && !urgent(s) {
				continue
			}
			if esc, ok := escalation(cl, p, now, role); ok {
				evs = append(evs, Event{Type: TypeEscalated, Data: esc})
				continue
			}
			if now.Sub(cl.LastAlert) >= p.ReAlert {
				evs = append(evs, Event{Type: TypeReAlerted, Data: ReAlerted{Clock: name, Role: role(cl.Level), Grade: s.Grade}})
			}
			continue
		}
		if snoozed {
			continue
		}
		// The most recent warning point passed and not yet covered by a
		// warning sent: points missed while the process was down are
		// covered by it, not sent one after another.
		warned := false
		for _, w := range slices.Backward(p.warnings()) {
			if !now.Before(cl.Due.Add(-w)) && w < cl.minWarned() {
				evs = append(evs, Event{Type: TypeClockWarned, Data: ClockWarned{Clock: name, Due: cl.Due, Before: w, Role: role(cl.Level), Grade: s.Grade}})
				warned = true
				break
			}
		}
		if warned {
			continue
		}
		if esc, ok := escalation(cl, p, now, role); ok {
			evs = append(evs, Event{Type: TypeEscalated, Data: esc})
		}
	}
	return evs
}

// escalation: an alert unacknowledged for AckTimeout goes one level up.
func escalation(cl *Clock, p Policy, now time.Time, role func(int) string) (Escalated, bool) {
	if cl.LastAlert.IsZero() || !cl.AckedAt.Before(cl.LastAlert) || cl.Level+1 >= len(p.Escalation) {
		return Escalated{}, false
	}
	if now.Sub(cl.LastAlert) < p.AckTimeout {
		return Escalated{}, false
	}
	return Escalated{Clock: cl.Name, Level: cl.Level + 1, Role: role(cl.Level + 1)}, true
}

// Apply folds one event, at its record time, into s.
func Apply(s *State, e event.Envelope) error {
	if s.Clocks == nil {
		s.Clocks = map[string]*Clock{}
	}
	decode := func(v any) error {
		if err := json.Unmarshal(e.Payload, v); err != nil {
			return fmt.Errorf("decoding %s %s: %w", e.Type, e.ID, err)
		}
		return nil
	}
	at := e.Time
	switch e.Type {
	case TypeOpened:
		var d Opened
		if err := decode(&d); err != nil {
			return err
		}
		s.ID, s.Status, s.Title, s.AlertID, s.Topics, s.Mentions = e.Key, "open", d.Title, d.AlertID, d.Topics, d.Mentions
		s.Alerts = nil
		if d.AlertID != "" {
			s.Alerts = []string{d.AlertID}
		}
		s.DetectedAt, s.OpenedAt, s.Jurisdiction, s.Drill = d.DetectedAt, at, d.Jurisdiction, d.Drill
	case TypeGraded:
		var d Graded
		if err := decode(&d); err != nil {
			return err
		}
		s.Grade, s.GradeReason = d.Grade, d.Reason
	case TypeAssigned:
		var d Assigned
		if err := decode(&d); err != nil {
			return err
		}
		s.Units, s.Lead = d.Units, d.Lead
	case TypeAcknowledged:
		var d Acknowledged
		if err := decode(&d); err != nil {
			return err
		}
		for name, cl := range s.Clocks {
			if (d.Clock == "" || d.Clock == name) && cl.Running() {
				cl.AckedAt = at
			}
		}
	case TypePublished:
		var d Published
		if err := decode(&d); err != nil {
			return err
		}
		s.Releases = append(s.Releases, d.Release)
	case TypeConfScheduled:
		var d ConfScheduled
		if err := decode(&d); err != nil {
			return err
		}
		c := d.Conference
		s.Scheduled = &c
	case TypeConfHeld:
		var d ConfHeld
		if err := decode(&d); err != nil {
			return err
		}
		s.Conferences = append(s.Conferences, d.Conference)
		s.Scheduled = nil
	case TypeFollowUp:
		var d FollowedUp
		if err := decode(&d); err != nil {
			return err
		}
		s.FollowUps = append(s.FollowUps, d.Release)
	case TypeClosed:
		var d Closed
		if err := decode(&d); err != nil {
			return err
		}
		s.Status, s.ClosedAt, s.Review = "closed", at, d.Review
	case TypeReopened:
		s.Status, s.ClosedAt = "open", time.Time{}
	case TypeClockSet:
		var d ClockSet
		if err := decode(&d); err != nil {
			return err
		}
		s.Clocks[d.Clock] = &Clock{Name: d.Clock, Start: d.Start, Due: d.Due}
	case TypeClockStopped:
		var d ClockStopped
		if err := decode(&d); err != nil {
			return err
		}
		if cl := s.Clocks[d.Clock]; cl != nil {
			cl.Stopped, cl.StoppedAt, cl.Met = true, d.At, d.Met
		}
	case TypeClockCanceled:
		var d ClockCancelled
		if err := decode(&d); err != nil {
			return err
		}
		if cl := s.Clocks[d.Clock]; cl != nil {
			cl.Cancelled = true
		}
	case TypeClockWarned:
		var d ClockWarned
		if err := decode(&d); err != nil {
			return err
		}
		if cl := s.Clocks[d.Clock]; cl != nil {
			cl.Warned = append(cl.Warned, d.Before)
			cl.LastAlert = at
		}
	case TypeClockBreached:
		var d ClockBreached
		if err := decode(&d); err != nil {
			return err
		}
		if cl := s.Clocks[d.Clock]; cl != nil {
			cl.Breached, cl.LastAlert, cl.Level = true, at, 0
		}
	case TypeEscalated:
		var d Escalated
		if err := decode(&d); err != nil {
			return err
		}
		if cl := s.Clocks[d.Clock]; cl != nil {
			cl.Level, cl.LastAlert = d.Level, at
		}
	case TypeReAlerted:
		var d ReAlerted
		if err := decode(&d); err != nil {
			return err
		}
		if cl := s.Clocks[d.Clock]; cl != nil {
			cl.LastAlert = at
		}
	case TypeSnoozed:
		var d Snoozed
		if err := decode(&d); err != nil {
			return err
		}
		if cl := s.Clocks[d.Clock]; cl != nil {
			cl.SnoozedUntil = d.Until
		}
	case TypeSecondary:
		var d SecondaryRaised
		if err := decode(&d); err != nil {
			return err
		}
		s.Secondary = append(s.Secondary, d)
	case TypeLinked:
		var d Linked
		if err := decode(&d); err != nil {
			return err
		}
		if d.AlertID != "" && !s.HasAlert(d.AlertID) {
			s.Alerts = append(s.Alerts, d.AlertID)
		}
		for _, t := range d.Topics {
			if !slices.Contains(s.Topics, t) {
				s.Topics = append(s.Topics, t)
			}
		}
	default:
		return nil // other types do not change an incident
	}
	s.Version++
	return nil
}

// Envelopes wraps decided events for the log: keyed by the aggregate, at
// now, naming the actor.
func Envelopes(id, actor string, now time.Time, evs []Event) ([]event.Envelope, error) {
	return event.Wrap(id, actor, now, evs)
}
