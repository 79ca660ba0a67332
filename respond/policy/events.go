package policy

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"yuqing/analyze/scheme"
	"yuqing/internal/event"
)

// Assessments are events. An assessment is recorded (policy.assessed.v1,
// carrying the whole Assessment and who asked for it) under its ID, the
// digest of the draft's title and text: assessing the same draft again
// records a new assessment under the same ID, until the unit marks the
// policy published (policy.released.v1). Release applies the assessment's
// monitoring scheme for the release window: scheme policy-<ID>, active
// from the release day 00:00 Beijing time for WindowDays days; alerts of
// that scheme link back to the assessment. Decide is pure and Apply folds
// events, so replaying the topic gives the same states.

// Topic is the log topic of assessment events, keyed by assessment ID.
const Topic = "policies"

// Event types.
const (
	TypeAssessed = "policy.assessed.v1"
	TypeReleased = "policy.released.v1"
)

// SchemePrefix starts the ID of an assessment's monitoring scheme: the
// scheme of assessment ID is policy-ID.
const SchemePrefix = "policy-"

// MaxWindowDays bounds the monitoring window after release.
const MaxWindowDays = 90

// Payloads.
type (
	// Assessed is the payload of policy.assessed.v1.
	Assessed struct {
		Assessment Assessment  `json:"assessment"`
		Actor      string      `json:"actor"`                // who asked for it
		Precedents []Precedent `json:"precedents,omitempty"` // past released policies like it, with what happened
	}
	// Released is the payload of policy.released.v1: the policy was
	// published at ReleasedAt and is watched WindowDays days from that
	// day, by Scheme.
	Released struct {
		ReleasedAt time.Time `json:"released_at"`
		WindowDays int       `json:"window_days"`
		Scheme     string    `json:"scheme"`
	}
)

// Commands.
type (
	// Record records an assessment made by Assess (and the precedents
	// Precedents found for it).
	Record struct {
		Assessment Assessment
		Precedents []Precedent
	}
	// Release marks the policy published. A zero ReleasedAt is now; a zero
	// WindowDays is the assessment's window (DefaultWindowDays).
	Release struct {
		ReleasedAt time.Time `json:"released_at"`
		WindowDays int       `json:"window_days"`
	}
)

// Event is a decided event.
type Event = event.Decided

// State is an assessment as its events made it.
type State struct {
	ID          string      `json:"id"`
	Assessment  Assessment  `json:"assessment"`
	Precedents  []Precedent `json:"precedents"`
	AssessedBy  string      `json:"assessed_by"`
	Assessments int         `json:"assessments"` // times this draft was assessed

	ReleasedAt time.Time `json:"released_at,omitzero"`
	ReleasedBy string    `json:"released_by,omitempty"`
	WindowDays int       `json:"window_days,omitempty"`
	SchemeID   string    `json:"scheme_id,omitempty"`  // the scheme applied on release
	ActiveFrom time.Time `json:"active_from,omitzero"` // its window: release day 00:00 Beijing …
	ActiveTo   time.Time `json:"active_to,omitzero"`   // … plus WindowDays
}

// Released reports whether the policy was marked published.
func (s State) Released() bool { return !s.ReleasedAt.IsZero() }

// ReleaseScheme is the monitoring scheme release applies: the assessment's
// scheme named policy-<ID>, with its window. Before release its window is
// the one the assessment planned.
func (s State) ReleaseScheme() scheme.Scheme {
	sc := s.Assessment.Scheme
	sc.ID = SchemeID(s.ID)
	sc.Version = 0
	sc.ActiveFrom, sc.ActiveTo = s.ActiveFrom, s.ActiveTo
	if !s.Released() {
		sc.ActiveFrom, sc.ActiveTo = s.Assessment.WindowFrom, s.Assessment.WindowTo
	}
	return sc
}

// IDOf is the ID an assessment is recorded under: the digest of its draft
// (the same title and text, the same ID).
func IDOf(a Assessment) string { return strings.TrimPrefix(a.Scheme.ID, SchemePrefix) }

// SchemeID is the ID of the monitoring scheme of assessment id.
func SchemeID(id string) string { return SchemePrefix + id }

// FromScheme is the assessment whose release scheme has ID schemeID.
func FromScheme(schemeID string) (string, bool) {
	id, ok := strings.CutPrefix(schemeID, SchemePrefix)
	return id, ok && id != ""
}

// Window is the monitoring window of a release at releasedAt for days
// days: from that day 00:00 Beijing time.
func Window(releasedAt time.Time, days int) (from, to time.Time) {
	r := releasedAt.In(cst)
	from = time.Date(r.Year(), r.Month(), r.Day(), 0, 0, 0, 0, cst)
	return from, from.AddDate(0, 0, days)
}

// ErrRule is wrapped by every refusal.
var ErrRule = errors.New("refused")

// refuse words a refusal in Chinese: the console shows it as it is, and
// errors.Is(err, ErrRule) holds.
func refuse(format string, args ...any) error { return event.Refuse(ErrRule, format, args...) }

// Decide returns the events cmd by actor causes on s at now, or a refusal.
func Decide(s *State, cmd any, actor string, now time.Time) ([]Event, error) {
	switch c := cmd.(type) {
	case Record:
		if c.Assessment.Scheme.ID == "" || c.Assessment.AssessedAt.IsZero() {
			return nil, refuse("研判结果不完整，未记录")
		}
		if s.ID != "" && IDOf(c.Assessment) != s.ID {
			return nil, refuse("研判 %s 与草案不符", s.ID)
		}
		if s.Released() {
			return nil, refuse("该政策已于%s标记发布，研判不再更新；草案修改后请以修改稿重新研判", day(s.ReleasedAt))
		}
		return []Event{{Type: TypeAssessed, Data: Assessed{Assessment: c.Assessment, Actor: actor, Precedents: c.Precedents}}}, nil
	case Release:
		if s.Assessments == 0 {
			return nil, refuse("没有研判 %s", s.ID)
		}
		if s.Released() {
			return nil, refuse("该政策已于%s标记发布，监测方案已启用", day(s.ReleasedAt))
		}
		at := c.ReleasedAt
		if at.IsZero() {
			at = now
		}
		if at.After(now.Add(time.Hour)) {
			return nil, refuse("发布时间不能晚于现在：请在政策实际发布后标记")
		}
		days := c.WindowDays
		if days == 0 {
			days = positive(int(s.Assessment.WindowTo.Sub(s.Assessment.WindowFrom).Hours()/24), DefaultWindowDays)
		}
		if days < 1 || days > MaxWindowDays {
			return nil, refuse("监测天数须在 1 到 %d 天之间", MaxWindowDays)
		}
		if _, to := Window(at, days); !now.Before(to) {
			return nil, refuse("按发布时间%s和监测 %d 天，监测时段已于%s结束，无需启用监测方案", day(at), days, day(to.AddDate(0, 0, -1)))
		}
		return []Event{{Type: TypeReleased, Data: Released{ReleasedAt: at, WindowDays: days, Scheme: SchemeID(s.ID)}}}, nil
	}
	return nil, refuse("未知操作 %T", cmd)
}

// Apply folds one event into s.
func Apply(s *State, e event.Envelope) error {
	dec := func(v any) error {
		if err := json.Unmarshal(e.Payload, v); err != nil {
			return fmt.Errorf("decoding %s %s: %w", e.Type, e.ID, err)
		}
		return nil
	}
	switch e.Type {
	case TypeAssessed:
		var d Assessed
		if err := dec(&d); err != nil {
			return err
		}
		s.ID, s.Assessment, s.Precedents = e.Key, d.Assessment, d.Precedents
		s.AssessedBy = d.Actor
		if s.AssessedBy == "" {
			s.AssessedBy = e.Actor
		}
		if s.Precedents == nil {
			s.Precedents = []Precedent{}
		}
		s.Assessments++
	case TypeReleased:
		var d Released
		if err := dec(&d); err != nil {
			return err
		}
		if s.Assessments == 0 {
			return fmt.Errorf("%s %s: policy %s was never assessed", e.Type, e.ID, e.Key)
		}
		s.ReleasedAt, s.ReleasedBy, s.WindowDays = d.ReleasedAt, e.Actor, d.WindowDays
		s.SchemeID = d.Scheme
		if s.SchemeID == "" {
			s.SchemeID = SchemeID(s.ID)
		}
		s.ActiveFrom, s.ActiveTo = Window(d.ReleasedAt, d.WindowDays)
	}
	return nil
}
