// Package handover is the shift handover (交接班): a note per shift of what
// the outgoing duty officer leaves to the next one — the open incidents
// (未结事件), every running deadline clock due before the next shift ends
// (下一班到期时限, breached ones first), the alerts nobody acted on yet
// (未确认预警: no incident in their story, not folded into another,
// updated within the alert window, 24 hours by default), and the sources
// not collecting (失联信源, since when and why) — with the officer's own
// words (交班说明：需关注事项).
//
// Shifts change at configured boundaries, Beijing time: 08:30 and 17:30 by
// default (a day shift 08:30–17:30, a night shift 17:30–08:30), set with
// `yuqing serve --shifts 08:30,17:30` (or shifts: in the config file). A
// note hands over the shift ending at the next boundary; one composed
// within Config.Grace (an hour) after a boundary nobody handed over at
// yet hands over the shift that just ended, since officers hand over a
// little after the hour as often as before it.
//
// Two events on the handovers topic, keyed by the handover's ID: the
// outgoing officer signs (handover.handed.v1), which freezes the note's
// lists as they were at that moment, and another duty officer signs as
// incoming (handover.taken.v1), with a remark if any. Nobody takes their
// own handover, and a handover is taken once. Decide is pure and Apply
// folds events, so replaying the topic gives the same notes.
package handover

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"yuqing/internal/event"
)

// Topic is the log topic of handover events, keyed by handover ID.
const Topic = "handovers"

// Event types.
const (
	TypeHanded = "handover.handed.v1"
	TypeTaken  = "handover.taken.v1"
)

// Limits of what officers write.
const (
	MaxText   = 4000 // 交班说明, in characters
	MaxRemark = 1000 // 接班备注
)

// Config configures the notes.
type Config struct {
	Shifts      Shifts        // zero: DefaultShifts
	AlertWindow time.Duration // alerts updated this long before the note are listed (default 24h)
	Grace       time.Duration // see the package comment (default 1h; negative: none)
}

func (c Config) withDefaults() Config {
	c.Shifts = c.Shifts.orDefault()
	if c.AlertWindow <= 0 {
		c.AlertWindow = 24 * time.Hour
	}
	if c.Grace == 0 {
		c.Grace = time.Hour
	}
	return c
}

// Until is the end of the shift a note composed at now hands over: the
// last boundary when now is within Grace after it, else the next one;
// and past every boundary handed (nil: none) says someone handed over at
// already, so an early handover leaves the draft of the shift after.
func (c Config) Until(now time.Time, handed func(until time.Time) bool) time.Time {
	c = c.withDefaults()
	until := c.Shifts.Next(now)
	if last := c.Shifts.Last(now); now.Sub(last) <= c.Grace {
		until = last
	}
	for i := 0; handed != nil && handed(until) && i < 8; i++ {
		until = c.Shifts.Next(until)
	}
	return until
}

// Payloads.
type (
	// Handed is the payload of handover.handed.v1: the note as the
	// outgoing officer signed it.
	Handed struct {
		Note    Note   `json:"note"`
		Officer string `json:"officer"`
	}
	// Taken is the payload of handover.taken.v1.
	Taken struct {
		Officer string `json:"officer"`
		Remark  string `json:"remark,omitempty"`
	}
)

// Commands.
type (
	// Hand signs a composed note as the outgoing officer.
	Hand struct{ Note Note }
	// Take signs a handover as the incoming officer.
	Take struct{ Remark string }
)

// Event is a decided event.
type Event = event.Decided

// State is a handover as its events made it.
type State struct {
	ID       string    `json:"id"`
	Note     Note      `json:"note"`
	HandedBy string    `json:"handed_by"` // actor, user:…
	HandedAt time.Time `json:"handed_at"`
	TakenBy  string    `json:"taken_by,omitempty"`
	TakenAt  time.Time `json:"taken_at,omitzero"`
	Remark   string    `json:"remark,omitempty"`
}

// Handed reports a handover signed by its outgoing officer.
func (s State) Handed() bool { return !s.HandedAt.IsZero() }

// Taken reports a handover signed by its incoming officer too.
func (s State) Taken() bool { return !s.TakenAt.IsZero() }

// ErrRule is wrapped by every refusal; ErrNotFound by the refusal of a
// command on a handover never handed.
var (
	ErrRule     = errors.New("refused")
	ErrNotFound = errors.New("no such handover")
)

func refuse(format string, args ...any) error { return event.Refuse(ErrRule, format, args...) }

// Decide returns the events cmd by actor causes on s at now, or a refusal.
func Decide(s *State, cmd any, actor string, now time.Time) ([]Event, error) {
	if actor == "" {
		return nil, refuse("签字须由登录的值班员进行")
	}
	switch c := cmd.(type) {
	case Hand:
		if s.Handed() {
			return nil, refuse("交接班 %s 已于 %s 签字交班", s.ID, bjTime(s.HandedAt))
		}
		text := strings.TrimSpace(c.Note.Text)
		if text == "" {
			return nil, refuse("请填写交班说明（需关注事项；没有可写“无”）")
		}
		if n := utf8.RuneCountInString(text); n > MaxText {
			return nil, refuse("交班说明 %d 字，超过 %d 字", n, MaxText)
		}
		if c.Note.Until.IsZero() || c.Note.At.IsZero() {
			return nil, refuse("交接班记录不完整：没有交班时间")
		}
		note := c.Note
		note.Text = text
		return []Event{{Type: TypeHanded, Data: Handed{Note: note, Officer: actor}}}, nil
	case Take:
		if !s.Handed() {
			return nil, event.Refuse(ErrNotFound, "没有交接班 %s", s.ID)
		}
		if s.Taken() {
			return nil, refuse("该班已于 %s 接班，不能重复接班", bjTime(s.TakenAt))
		}
		if actor == s.HandedBy {
			return nil, refuse("不能接自己交的班：接班须由另一名值班员签字")
		}
		remark := strings.TrimSpace(c.Remark)
		if n := utf8.RuneCountInString(remark); n > MaxRemark {
			return nil, refuse("接班备注 %d 字，超过 %d 字", n, MaxRemark)
		}
		return []Event{{Type: TypeTaken, Data: Taken{Officer: actor, Remark: remark}}}, nil
	}
	return nil, refuse("未知操作 %T", cmd)
}

// Apply folds one event into s. A second take of one handover (two
// servers racing) is ignored: the first in the log stands.
func Apply(s *State, e event.Envelope) error {
	switch e.Type {
	case TypeHanded:
		var d Handed
		if err := json.Unmarshal(e.Payload, &d); err != nil {
			return fmt.Errorf("decoding %s %s: %w", e.Type, e.ID, err)
		}
		if s.Handed() {
			return nil
		}
		s.ID, s.Note, s.HandedAt = e.Key, d.Note, e.Time
		s.HandedBy = d.Officer
		if s.HandedBy == "" {
			s.HandedBy = e.Actor
		}
	case TypeTaken:
		var d Taken
		if err := json.Unmarshal(e.Payload, &d); err != nil {
			return fmt.Errorf("decoding %s %s: %w", e.Type, e.ID, err)
		}
		if !s.Handed() {
			return fmt.Errorf("%s %s: handover %s was never handed", e.Type, e.ID, e.Key)
		}
		if s.Taken() {
			return nil
		}
		s.TakenBy, s.TakenAt, s.Remark = d.Officer, e.Time, d.Remark
		if s.TakenBy == "" {
			s.TakenBy = e.Actor
		}
	}
	return nil
}

// bjTime writes t in Beijing time for a refusal.
func bjTime(t time.Time) string { return t.In(Beijing).Format("01-02 15:04") }
