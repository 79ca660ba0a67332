// Package alert decides when a story needs a duty officer: one alert per
// topic that is raised once and then updated, never a storm.
//
// Decisions use event time only, so replaying the same analysed stream gives
// the same alerts.
package alert

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"yuqing/analyze/grade"
)

// Event types.
const (
	TypeRaised  = "alert.raised.v1"
	TypeUpdated = "alert.updated.v1"
)

// Alert is the payload of both alert events: the whole current state.
type Alert struct {
	ID        string           `json:"id"` // "a-" + the topic ID it was raised for
	TopicID   string           `json:"topic_id"`
	Version   int              `json:"version"` // 1 when raised, +1 per update
	Headline  string           `json:"headline,omitempty"`
	Label     []string         `json:"label"`
	Reason    string           `json:"reason"` // why it was raised or last updated, in Chinese
	SchemeIDs []string         `json:"scheme_ids,omitempty"`
	Grade     grade.Grade      `json:"suggested_grade"`
	Suggested grade.Suggestion `json:"suggestion"`
	Evidence  []string         `json:"evidence"` // mention IDs, most telling first
	Mentions  int              `json:"mentions"`
	Raised    time.Time        `json:"raised"`
	Updated   time.Time        `json:"updated"`
	Drill     bool             `json:"drill,omitempty"`
	// MergedInto, once set, names the alert this one folded into when its
	// topic merged into a topic that already had an alert: one story, one
	// alert. The folded alert gets no further updates.
	MergedInto string `json:"merged_into,omitempty"`
}

// Policy says what deserves an alert.
type Policy struct {
	MinMentions int           // a topic needs at least this many mentions (default 5)
	RaiseGrade  grade.Grade   // raise when the suggestion is this grade or more severe (default III)
	UpdateEvery time.Duration // most frequent routine update (default 15 min); a grade change updates at once
	GrowthRatio float64       // a routine update needs this much growth in mentions (default 1.5)
	// RiseVelocity raises a story gaining mentions this fast (per hour,
	// over the last half hour) while it is young (RiseWithin of its first
	// mention): a new story catching on, before any baseline can say
	// spike. Default 20 (10 mentions in half an hour), within 24h.
	RiseVelocity float64
	RiseWithin   time.Duration
	RiseMentions int // and has at least this many mentions (default 10)
}

func (p Policy) withDefaults() Policy {
	if p.MinMentions == 0 {
		p.MinMentions = 5
	}
	if p.RaiseGrade == grade.None {
		p.RaiseGrade = grade.III
	}
	if p.UpdateEvery == 0 {
		p.UpdateEvery = 15 * time.Minute
	}
	if p.GrowthRatio == 0 {
		p.GrowthRatio = 1.5
	}
	if p.RiseVelocity == 0 {
		p.RiseVelocity = 20
	}
	if p.RiseMentions == 0 {
		p.RiseMentions = 10
	}
	if p.RiseWithin == 0 {
		p.RiseWithin = 24 * time.Hour
	}
	return p
}

// Topic is what the alerter knows of a topic at one moment.
type Topic struct {
	ID        string
	Headline  string
	Label     []string
	Mentions  int
	Spike     bool          // its volume just spiked against its baseline
	Velocity  float64       // mentions per hour over the last half hour
	Age       time.Duration // since its first mention
	Sensitive []string      // sensitive schemes it matched
	Schemes   []string      // every scheme it matched
	Suggested grade.Suggestion
	Evidence  []string
	Drill     bool
}

// Alerter holds the open alerts. Not safe for concurrent use: the analyser
// goroutine that owns the topics owns it.
type Alerter struct {
	policy Policy
	open   map[string]*state // by topic ID
	// attached maps topics whose alerting is covered by another topic's
	// open alert (another thread of one story) to that topic.
	attached map[string]string
}

type state struct {
	a         Alert
	lastCount int
}

// New returns an alerter.
func New(p Policy) *Alerter {
	return &Alerter{policy: p.withDefaults(), open: map[string]*state{}, attached: map[string]string{}}
}

// Consider looks at a topic after a change and returns the alert event to
// emit, if any: (TypeRaised or TypeUpdated, payload, true).
func (al *Alerter) Consider(t Topic, now time.Time) (string, Alert, bool) {
	p := al.policy
	if _, ok := al.attached[t.ID]; ok {
		return "", Alert{}, false // another thread of a story that has its alert
	}
	st, open := al.open[t.ID]
	if !open {
		why, ok := al.raiseReason(t)
		if !ok {
			return "", Alert{}, false
		}
		a := Alert{ID: "a-" + t.ID, TopicID: t.ID, Version: 1, Raised: now, Updated: now}
		fill(&a, t, why)
		al.open[t.ID] = &state{a: a, lastCount: t.Mentions}
		return TypeRaised, a, true
	}
	var why string
	switch {
	case t.Suggested.Grade != st.a.Grade:
		why = fmt.Sprintf("建议等级由 %s 调整为 %s", st.a.Grade, t.Suggested.Grade)
	case now.Sub(st.a.Updated) >= p.UpdateEvery && float64(t.Mentions) >= p.GrowthRatio*float64(st.lastCount):
		why = fmt.Sprintf("信息量由 %d 条增至 %d 条", st.lastCount, t.Mentions)
	case t.Spike && now.Sub(st.a.Updated) >= p.UpdateEvery:
		why = "信息量再次突增"
	default:
		return "", Alert{}, false
	}
	st.a.Version++
	st.a.Updated = now
	fill(&st.a, t, why)
	st.lastCount = t.Mentions
	return TypeUpdated, st.a, true
}

// raiseReason says why a topic without an alert deserves one, if it does.
func (al *Alerter) raiseReason(t Topic) (string, bool) {
	p := al.policy
	if t.Mentions < p.MinMentions {
		return "", false
	}
	switch {
	case t.Suggested.Grade != grade.None && t.Suggested.Grade <= p.RaiseGrade:
		return fmt.Sprintf("建议等级 %s", t.Suggested.Grade), true
	case t.Spike:
		return "信息量突增，明显高于平时水平", true
	case t.Velocity >= p.RiseVelocity && t.Age <= p.RiseWithin && t.Mentions >= p.RiseMentions:
		return fmt.Sprintf("新话题快速升温：近半小时 %.0f 条", t.Velocity/2), true
	case len(t.Sensitive) > 0:
		return "命中敏感监测方案", true
	}
	return "", false
}

// Merged moves the alert of a topic absorbed by another: the survivor keeps
// one alert. It returns the update to emit, if the absorbed topic had one.
func (al *Alerter) Merged(from, into string, now time.Time) (string, Alert, bool) {
	delete(al.attached, from)
	st, ok := al.open[from]
	if !ok {
		return "", Alert{}, false
	}
	delete(al.open, from)
	for k, v := range al.attached {
		if v == from {
			al.attached[k] = into
		}
	}
	if _, has := al.open[into]; has {
		// The survivor already has its alert: close the absorbed one by
		// pointing it at the survivor.
		st.a.Version++
		st.a.Updated = now
		st.a.Reason = "已与话题 " + into + " 合并，见其预警"
		st.a.TopicID = into
		st.a.MergedInto = al.open[into].a.ID
		return TypeUpdated, st.a, true
	}
	st.a.Version++
	st.a.Updated = now
	st.a.TopicID = into
	st.a.Reason = "话题已合并为 " + into
	al.open[into] = st
	return TypeUpdated, st.a, true
}

// Retired forgets the alert of a topic that left the active window.
func (al *Alerter) Retired(topicID string) {
	delete(al.open, topicID)
	delete(al.attached, topicID)
	for k, v := range al.attached {
		if v == topicID {
			delete(al.attached, k)
		}
	}
}

// Wants reports whether Consider could raise a new alert for the topic:
// it has none, is not attached to another's, and would qualify now.
func (al *Alerter) Wants(t Topic) bool {
	if _, open := al.open[t.ID]; open {
		return false
	}
	if _, ok := al.attached[t.ID]; ok {
		return false
	}
	_, ok := al.raiseReason(t)
	return ok
}

// Rising reports whether a topic with no alert of its own (nor attached to
// another's) meets the rising rule now: a young story catching on. The
// tracker checks a topic fully only now and then (as its count grows by
// half); a story that catches on between two checks must not wait.
func (al *Alerter) Rising(id string, velocity float64, age time.Duration, mentions int) bool {
	p := al.policy
	if velocity < p.RiseVelocity || age > p.RiseWithin || mentions < p.RiseMentions || mentions < p.MinMentions {
		return false
	}
	if _, open := al.open[id]; open {
		return false
	}
	_, attached := al.attached[id]
	return !attached
}

// OpenTopics lists the topics with an open alert, sorted.
func (al *Alerter) OpenTopics() []string {
	out := make([]string, 0, len(al.open))
	for k := range al.open {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// Attach makes the open alert of topic into cover topic t as well: another
// thread of the same story (its sources share telling words with into's)
// raises no alert of its own. It returns the update of into's alert.
func (al *Alerter) Attach(t Topic, into string, now time.Time) (string, Alert, bool) {
	st, ok := al.open[into]
	if !ok {
		return "", Alert{}, false
	}
	al.attached[t.ID] = into
	st.a.Version++
	st.a.Updated = now
	title := t.Headline
	if title == "" {
		title = strings.Join(t.Label, "·")
	}
	st.a.Reason = fmt.Sprintf("相关话题「%s」（%d 条）并入本预警", title, t.Mentions)
	return TypeUpdated, st.a, true
}

// Attached returns the topics attached to other topics' alerts.
func (al *Alerter) Attached() map[string]string { return maps.Clone(al.attached) }

// SetAttached replaces the attachments (from a snapshot).
func (al *Alerter) SetAttached(m map[string]string) {
	al.attached = maps.Clone(m)
	if al.attached == nil {
		al.attached = map[string]string{}
	}
}

// Open returns how many alerts are open.
func (al *Alerter) Open() int { return len(al.open) }

func fill(a *Alert, t Topic, why string) {
	a.Headline = t.Headline
	a.Label = slices.Clone(t.Label)
	a.Reason = why
	a.SchemeIDs = slices.Clone(t.Schemes)
	a.Grade = t.Suggested.Grade
	a.Suggested = t.Suggested
	a.Evidence = slices.Clone(t.Evidence)
	a.Mentions = t.Mentions
	a.Drill = t.Drill
}

// OpenAlert is an open alert as kept in a snapshot.
type OpenAlert struct {
	Alert     Alert `json:"alert"`
	LastCount int   `json:"last_count"`
}

// Export returns the open alerts by topic ID, for a snapshot.
func (al *Alerter) Export() map[string]OpenAlert {
	out := make(map[string]OpenAlert, len(al.open))
	for k, st := range al.open {
		out[k] = OpenAlert{Alert: st.a, LastCount: st.lastCount}
	}
	return out
}

// Import replaces the open alerts with exported ones.
func (al *Alerter) Import(open map[string]OpenAlert) {
	al.open = make(map[string]*state, len(open))
	for k, o := range open {
		al.open[k] = &state{a: o.Alert, lastCount: o.LastCount}
	}
}
