package incident

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
	"yuqing/internal/clock"

	"yuqing/internal/event"
)

// Board is the projection of every incident for the console and reports:
// states, timelines, open clocks, overdue lists and on-time rates. It is
// rebuilt by applying the incidents topic from offset 0; safe for
// concurrent use.
type Board struct {
	mu        sync.RWMutex
	states    map[string]*State
	timelines map[string][]Entry
	byAlert   map[string][]string // alert ID → incidents that hold it
	byTopic   map[string][]string // topic ID → incidents that hold it
}

// Entry is one line of an incident's timeline: who did what, when.
type Entry struct {
	At      time.Time `json:"at"`
	Actor   string    `json:"actor"`
	Type    string    `json:"type"`
	Summary string    `json:"summary"` // Simplified Chinese
	EventID string    `json:"event_id"`
}

// NewBoard returns an empty board.
func NewBoard() *Board {
	return &Board{states: map[string]*State{}, timelines: map[string][]Entry{}, byAlert: map[string][]string{}, byTopic: map[string][]string{}}
}

// Apply folds one event in. Events of other types are ignored; one whose
// payload cannot be read is an error, and its timeline line is not added.
func (b *Board) Apply(e event.Envelope) error {
	if len(e.Type) < 9 || e.Type[:9] != "incident." {
		return nil
	}
	summary, err := summarize(e)
	if err != nil {
		return err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	s := b.states[e.Key]
	if s == nil {
		s = &State{ID: e.Key}
		b.states[e.Key] = s
	}
	if err := Apply(s, e); err != nil {
		return err
	}
	if e.Type == TypeOpened || e.Type == TypeLinked {
		for _, a := range s.Alerts {
			if !slices.Contains(b.byAlert[a], s.ID) {
				b.byAlert[a] = append(b.byAlert[a], s.ID)
			}
		}
		for _, t := range s.Topics {
			if !slices.Contains(b.byTopic[t], s.ID) {
				b.byTopic[t] = append(b.byTopic[t], s.ID)
			}
		}
	}
	b.timelines[e.Key] = append(b.timelines[e.Key], Entry{At: e.Time, Actor: e.Actor, Type: e.Type, Summary: summary, EventID: e.ID})
	return nil
}

// State returns a copy of one incident's state.
func (b *Board) State(id string) (State, bool) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	s, ok := b.states[id]
	if !ok {
		return State{}, false
	}
	return s.copy(), true
}

// WithAlert returns the incidents that hold an alert (opened from it or
// linked to it), sorted.
func (b *Board) WithAlert(alertID string) []string {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return sorted(b.byAlert[alertID])
}

// WithTopic returns the incidents that hold a topic, sorted.
func (b *Board) WithTopic(topicID string) []string {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return sorted(b.byTopic[topicID])
}

func sorted(ids []string) []string {
	out := slices.Clone(ids)
	slices.Sort(out)
	return out
}

func (s *State) copy() State {
	c := *s
	c.Alerts = slices.Clone(s.Alerts)
	c.Topics = slices.Clone(s.Topics)
	c.Mentions = slices.Clone(s.Mentions)
	c.Secondary = slices.Clone(s.Secondary)
	c.Clocks = make(map[string]*Clock, len(s.Clocks))
	for k, v := range s.Clocks {
		cl := *v
		cl.Warned = append([]time.Duration(nil), v.Warned...)
		c.Clocks[k] = &cl
	}
	return c
}

// IDs returns every incident ID, sorted.
func (b *Board) IDs() []string {
	b.mu.RLock()
	defer b.mu.RUnlock()
	ids := make([]string, 0, len(b.states))
	for id := range b.states {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// Timeline returns an incident's whole history, oldest first.
func (b *Board) Timeline(id string) []Entry {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return append([]Entry(nil), b.timelines[id]...)
}

// ClockView is one running clock as the console shows it.
type ClockView struct {
	Incident  string        `json:"incident"`
	Title     string        `json:"title"`
	Grade     Grade         `json:"grade"`
	Clock     string        `json:"clock"`
	Name      string        `json:"name"` // Chinese
	Due       time.Time     `json:"due"`
	Remaining time.Duration `json:"-"` // negative when overdue
	// RemainingS is Remaining in seconds: durations in the API are seconds.
	RemainingS float64 `json:"remaining_s"`
	Urgency    string  `json:"urgency"` // ok, soon (≤ 60 min), urgent (≤ 10 min), breached
	Lead       string  `json:"lead,omitempty"`
	Drill      bool    `json:"drill,omitempty"`
}

// Running lists every running clock of every open incident at now, the
// nearest due first.
func (b *Board) Running(now time.Time) []ClockView {
	b.mu.RLock()
	defer b.mu.RUnlock()
	var out []ClockView
	for _, s := range b.states {
		if s.Status != "open" {
			continue
		}
		for _, cl := range s.Clocks {
			if !cl.Running() {
				continue
			}
			rem := cl.Due.Sub(now)
			u := "ok"
			switch {
			case rem <= 0:
				u = "breached"
			case rem <= 10*time.Minute:
				u = "urgent"
			case rem <= time.Hour:
				u = "soon"
			}
			out = append(out, ClockView{Incident: s.ID, Title: s.Title, Grade: s.Grade, Clock: cl.Name, Name: ClockName(cl.Name), Due: cl.Due, Remaining: rem, RemainingS: rem.Seconds(), Urgency: u, Lead: s.Lead, Drill: s.Drill})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].Due.Equal(out[j].Due) {
			return out[i].Due.Before(out[j].Due)
		}
		return out[i].Incident+out[i].Clock < out[j].Incident+out[j].Clock
	})
	return out
}

// Overdue lists the running clocks past due at now.
func (b *Board) Overdue(now time.Time) []ClockView {
	var out []ClockView
	for _, v := range b.Running(now) {
		if v.Remaining <= 0 {
			out = append(out, v)
		}
	}
	return out
}

// UnitRate is how often a unit's clocks were met.
type UnitRate struct {
	Unit   string  `json:"unit"`
	Met    int     `json:"met"`
	Missed int     `json:"missed"` // stopped late, or still running past due
	Rate   float64 `json:"rate"`   // met / (met + missed)
}

// OnTimeRates counts, per assigned unit, the clocks of incidents opened in
// [from, to) that were met or missed as of now. Drills are left out.
func (b *Board) OnTimeRates(from, to, now time.Time) []UnitRate {
	b.mu.RLock()
	defer b.mu.RUnlock()
	rates := map[string]*UnitRate{}
	for _, s := range b.states {
		if s.Drill || s.OpenedAt.Before(from) || !s.OpenedAt.Before(to) {
			continue
		}
		for _, cl := range s.Clocks {
			var met, missed bool
			switch {
			case cl.Stopped:
				met, missed = cl.Met, !cl.Met
			case cl.Running() && !now.Before(cl.Due):
				missed = true
			}
			if !met && !missed {
				continue
			}
			for _, u := range s.Units {
				r := rates[u.Name]
				if r == nil {
					r = &UnitRate{Unit: u.Name}
					rates[u.Name] = r
				}
				if met {
					r.Met++
				} else {
					r.Missed++
				}
			}
		}
	}
	out := make([]UnitRate, 0, len(rates))
	for _, r := range rates {
		r.Rate = float64(r.Met) / float64(r.Met+r.Missed)
		out = append(out, *r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Unit < out[j].Unit })
	return out
}

// speakers names a conference's speakers for the timeline ("" if none).
func speakers(sp []Speaker) string {
	var names []string
	for _, x := range sp {
		if x.Role != "" {
			names = append(names, x.Name+"（"+x.Role+"）")
		} else if x.Name != "" {
			names = append(names, x.Name)
		}
	}
	if len(names) == 0 {
		return ""
	}
	return "，发言人：" + strings.Join(names, "、")
}

// summarize is an event's timeline line; an error when its payload (or
// a field the line shows) cannot be read.
func summarize(e event.Envelope) (string, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(e.Payload, &m); err != nil {
		return "", fmt.Errorf("summarizing %s %s: %w", e.Type, e.ID, err)
	}
	var bad error
	// field decodes m[k] into v; an absent field keeps v's zero value.
	field := func(k string, v any) {
		if raw, ok := m[k]; ok && bad == nil {
			if err := json.Unmarshal(raw, v); err != nil {
				bad = fmt.Errorf("summarizing %s %s: field %s: %w", e.Type, e.ID, k, err)
			}
		}
	}
	decode := func(v any) {
		if err := json.Unmarshal(e.Payload, v); err != nil && bad == nil {
			bad = fmt.Errorf("summarizing %s %s: %w", e.Type, e.ID, err)
		}
	}
	line := timelineLine(e.Type, m, field, decode)
	if bad != nil {
		return "", bad
	}
	return line, nil
}

// timelineLine words an event of type typ whose payload's fields are m,
// reading a field with field and the whole payload with decode.
func timelineLine(typ string, m map[string]json.RawMessage, field func(k string, v any), decode func(v any)) string {
	str := func(k string) string {
		var s string
		field(k, &s)
		return s
	}
	tm := func(k string) string {
		var t time.Time
		field(k, &t)
		return t.In(beijing).Format("01-02 15:04")
	}
	spk := func() string {
		var sp []Speaker
		field("speakers", &sp)
		return speakers(sp)
	}
	clock := func() string { return ClockName(str("clock")) }
	switch typ {
	case TypeOpened:
		return "建立事件：" + str("title")
	case TypeGraded:
		var d Graded
		decode(&d)
		return fmt.Sprintf("定级 %s → %s：%s", d.Previous, d.Grade, d.Reason)
	case TypeAssigned:
		var d Assigned
		decode(&d)
		return fmt.Sprintf("指派责任单位 %v，牵头：%s", d.Units, d.Lead)
	case TypeAcknowledged:
		if str("clock") == "" {
			return "确认收到全部提醒"
		}
		return "确认收到提醒：" + clock()
	case TypePublished:
		return fmt.Sprintf("发布权威信息（%s，%s）%s", str("channel"), tm("at"), str("url"))
	case TypeConfScheduled:
		return fmt.Sprintf("安排新闻发布会：%s，%s", tm("at"), str("place")) + spk()
	case TypeConfHeld:
		return fmt.Sprintf("召开新闻发布会：%s，%s", tm("at"), str("place")) + spk()
	case TypeFollowUp:
		return fmt.Sprintf("持续发布（%s，%s）%s", str("channel"), tm("at"), str("url"))
	case TypeClosed:
		return "关闭事件，复盘：" + str("review")
	case TypeReopened:
		return "重新打开：" + str("reason")
	case TypeClockSet:
		if _, moved := m["old_due"]; moved {
			return fmt.Sprintf("%s时限调整为 %s（原 %s）：%s", clock(), tm("due"), tm("old_due"), str("reason"))
		}
		return fmt.Sprintf("%s计时开始，截止 %s", clock(), tm("due"))
	case TypeClockStopped:
		var d ClockStopped
		decode(&d)
		if d.Met {
			return fmt.Sprintf("%s按时完成（%s）", clock(), tm("at"))
		}
		return fmt.Sprintf("%s超时完成（%s，截止 %s）", clock(), tm("at"), tm("due"))
	case TypeClockCanceled:
		return fmt.Sprintf("%s计时取消：%s", clock(), str("reason"))
	case TypeClockWarned:
		var d ClockWarned
		decode(&d)
		return fmt.Sprintf("%s还剩 %d 分钟，已提醒%s", clock(), int(d.Before.Minutes()), RoleName(d.Role))
	case TypeClockBreached:
		return fmt.Sprintf("%s已超时（截止 %s），已通知%s", clock(), tm("due"), RoleName(str("role")))
	case TypeEscalated:
		return fmt.Sprintf("%s提醒未确认，升级至%s", clock(), RoleName(str("role")))
	case TypeReAlerted:
		return fmt.Sprintf("%s仍超时，再次提醒%s", clock(), RoleName(str("role")))
	case TypeSnoozed:
		return fmt.Sprintf("%s提醒暂停至 %s：%s", clock(), tm("until"), str("reason"))
	case TypeSecondary:
		return "【次生舆情】" + str("reason")
	case TypeLinked:
		var d Linked
		decode(&d)
		switch {
		case d.AlertID != "" && len(d.Label) > 0:
			return fmt.Sprintf("关联预警「%s」：%s", strings.Join(d.Label[:min(5, len(d.Label))], "、"), d.Reason)
		case d.AlertID != "":
			return fmt.Sprintf("关联预警 %s：%s", d.AlertID, d.Reason)
		}
		return fmt.Sprintf("关联话题 %s：%s", strings.Join(d.Topics, "、"), d.Reason)
	}
	return typ
}

// RoleName is the Chinese name of a role.
func RoleName(r string) string {
	switch r {
	case "duty_officer":
		return "值班员"
	case "section_chief":
		return "科室负责人"
	case "leader":
		return "分管领导"
	case "spokesperson":
		return "新闻发言人"
	}
	return r
}

var beijing = clock.Shanghai()
