package handover

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	"yuqing/analyze"
	"yuqing/analyze/alert"
	"yuqing/ingest/source"
	"yuqing/internal/event"
	"yuqing/respond/console"
	"yuqing/respond/incident"
	"yuqing/respond/story"
	"yuqing/respond/workorder"
)

// Feed is what the handover lists, from where the console has it: the
// open incidents and their clocks from the duty desk's incident board, and
// the alerts, work orders and source health from the events the console
// hub applies (Projection), so the note and the console see the same
// alerts and sources. It implements Incidents, Alerts and Sources; it reads
// no clock. Safe for concurrent use.
type Feed struct {
	incidents *incident.Board

	mu      sync.RWMutex
	stories *story.Index // which alerts and topics are one story, as the console knows them
	alerts  map[string]alert.Alert
	orders  map[string]*workorder.State
	sources map[string]sourceWatch
}

// sourceWatch is a source's latest health and, while it fails, since when.
type sourceWatch struct {
	health source.Health
	since  time.Time
}

// NewFeed returns an empty feed over the desk's incident board.
func NewFeed(incidents *incident.Board) *Feed {
	return &Feed{incidents: incidents, stories: story.New(), alerts: map[string]alert.Alert{}, orders: map[string]*workorder.State{}, sources: map[string]sourceWatch{}}
}

// failing: blind (credentials refused, a login wall) or failing to read.
func failing(h source.Health) bool { return h.AuthFailed || (!h.OK && !h.Ended) }

// Apply follows one event the console hub applies. An event whose payload
// cannot be read changes nothing and is the error.
func (f *Feed) Apply(e event.Envelope) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	switch {
	case e.Type == alert.TypeRaised || e.Type == alert.TypeUpdated:
		var a alert.Alert
		if err := json.Unmarshal(e.Payload, &a); err != nil {
			return fmt.Errorf("alert %s: %w", e.ID, err)
		}
		if a.ID != "" {
			f.alerts[a.ID] = a
			f.stories.ApplyAlert(a)
		}
	case e.Type == analyze.TypeTopicUpdated || e.Type == analyze.TypeTopicRetired:
		var s analyze.TopicSummary
		if err := json.Unmarshal(e.Payload, &s); err != nil {
			return fmt.Errorf("topic %s: %w", e.ID, err)
		}
		f.stories.JoinTopics(s.ID, s.Merged)
	case strings.HasPrefix(e.Type, "workorder."):
		st := f.orders[e.Key]
		if st == nil {
			st = &workorder.State{ID: e.Key}
			f.orders[e.Key] = st
		}
		return workorder.Apply(st, e)
	case e.Type == source.TypeHealth:
		var h source.Health
		if err := json.Unmarshal(e.Payload, &h); err != nil {
			return fmt.Errorf("source health %s: %w", e.ID, err)
		}
		if h.Source == "" {
			return nil
		}
		w := sourceWatch{health: h}
		if prev, ok := f.sources[h.Source]; failing(h) {
			w.since = h.At
			if ok && failing(prev.health) {
				w.since = prev.since
			}
		}
		f.sources[h.Source] = w
	}
	return nil
}

// OpenIncidents implements Incidents.
func (f *Feed) OpenIncidents() []Incident {
	b := f.incidents
	var out []Incident
	for _, id := range b.IDs() {
		st, _ := b.State(id)
		if st.Status != "open" {
			continue
		}
		out = append(out, Incident{ID: st.ID, Title: st.Title, Grade: int(st.Grade), Owner: st.Lead, Status: incidentStatus(st),
			DetectedAt: st.DetectedAt, Drill: st.Drill})
	}
	return out
}

// incidentStatus says where an open incident stands, for the handover.
func incidentStatus(st incident.State) string {
	var parts []string
	if st.Grade == incident.Ungraded {
		parts = append(parts, "待定级")
	}
	if st.Lead == "" {
		parts = append(parts, "待指派责任单位")
	}
	if len(st.Releases) == 0 && len(st.Conferences) == 0 {
		parts = append(parts, "未发布权威信息")
	} else {
		parts = append(parts, fmt.Sprintf("已发布 %d 次", len(st.Releases)+len(st.FollowUps)+len(st.Conferences)))
	}
	if st.Scheduled != nil {
		parts = append(parts, "发布会 "+st.Scheduled.At.In(Beijing).Format("01-02 15:04"))
	}
	if len(st.Secondary) > 0 {
		parts = append(parts, "有次生舆情")
	}
	return strings.Join(parts, "，")
}

// RunningClocks implements Incidents: the running clocks of the open
// incidents and of the open work orders not paused.
func (f *Feed) RunningClocks() []Clock {
	b := f.incidents
	var out []Clock
	for _, id := range b.IDs() {
		st, _ := b.State(id)
		if st.Status != "open" {
			continue
		}
		for _, cl := range st.Clocks {
			if !cl.Running() {
				continue
			}
			out = append(out, Clock{Subject: st.ID, Kind: KindIncident, Title: st.Title, Clock: cl.Name, Name: incident.ClockName(cl.Name),
				Grade: int(st.Grade), Owner: st.Lead, Due: cl.Due, Unacked: !cl.LastAlert.IsZero() && cl.AckedAt.Before(cl.LastAlert), Drill: st.Drill})
		}
	}
	f.mu.RLock()
	defer f.mu.RUnlock()
	for _, st := range f.orders {
		if st.Status != "open" || !st.PausedAt.IsZero() {
			continue
		}
		for name, cl := range st.Clocks {
			if cl.Done {
				continue
			}
			out = append(out, Clock{Subject: st.ID, Kind: KindWorkOrder, Title: st.Received.Title, Clock: name, Name: orderClockName(name),
				Owner: st.Received.Unit, Due: cl.Due})
		}
	}
	return out
}

func orderClockName(c string) string {
	switch c {
	case workorder.ClockSign:
		return "工单签收"
	case workorder.ClockAnswer:
		return "工单答复"
	}
	return c
}

// Alerts implements Alerts: every alert with its story's incident.
func (f *Feed) Alerts() []Alert {
	f.mu.RLock()
	defer f.mu.RUnlock()
	out := make([]Alert, 0, len(f.alerts))
	for _, a := range f.alerts {
		inc, _ := f.stories.Incident(f.incidents, a.ID)
		title := a.Headline
		if title == "" {
			title = strings.Join(a.Label[:min(5, len(a.Label))], " · ")
		}
		out = append(out, Alert{ID: a.ID, Title: title, Grade: int(a.Grade), Reason: a.Reason, Mentions: a.Mentions, Raised: a.Raised, Updated: a.Updated,
			Drill: a.Drill, MergedInto: a.MergedInto, Incident: inc})
	}
	return out
}

// BlindSources implements Sources.
func (f *Feed) BlindSources() []Source {
	f.mu.RLock()
	defer f.mu.RUnlock()
	var out []Source
	for name, w := range f.sources {
		h := w.health
		if !failing(h) {
			continue
		}
		why := "采集失败"
		if h.Failures > 1 {
			why = fmt.Sprintf("连续 %d 次采集失败", h.Failures)
		}
		if h.AuthFailed {
			why = "凭证失效或被要求登录"
		}
		if h.Error != "" {
			why += "：" + h.Error
		}
		out = append(out, Source{Name: name, Since: w.since, Reason: why, Blind: h.AuthFailed})
	}
	return out
}

// Inputs is the feed as what a note is composed from.
func (f *Feed) Inputs() Inputs { return Inputs{Incidents: f, Alerts: f, Sources: f} }

// Projection is the console's projection that also feeds the handover:
// the console hub applies every delta to both, and its snapshot holds both.
type Projection struct {
	*console.Board
	Feed *Feed
}

// Apply implements console.Projection. The board and the feed each get
// the delta; what either could not read is the error.
func (p Projection) Apply(d console.Delta) error {
	berr := p.Board.Apply(d)
	if err := p.Feed.Apply(d.Event); err != nil {
		return fmt.Errorf("handover feed: %w", err)
	}
	return berr
}

// feedSnap is the handover feed as plain data.
type feedSnap struct {
	Stories story.Snapshot              `json:"stories"`
	Alerts  map[string]alert.Alert      `json:"alerts"`
	Orders  map[string]*workorder.State `json:"orders"`
	Sources map[string]watchSnap        `json:"sources"`
}

// watchSnap is a sourceWatch as plain data.
type watchSnap struct {
	Health source.Health `json:"health"`
	Since  time.Time     `json:"since"`
}

// Snapshot implements console.Snapshotter: the board and the feed.
func (p Projection) Snapshot() (json.RawMessage, error) {
	board, err := p.Board.Snapshot()
	if err != nil {
		return nil, err
	}
	f := p.Feed
	f.mu.RLock()
	fs := feedSnap{Stories: f.stories.Export(), Alerts: f.alerts, Orders: f.orders, Sources: map[string]watchSnap{}}
	for k, w := range f.sources {
		fs.Sources[k] = watchSnap{w.health, w.since}
	}
	feed, err := json.Marshal(fs)
	f.mu.RUnlock()
	if err != nil {
		return nil, err
	}
	return json.Marshal(map[string]json.RawMessage{"board": board, "handover": feed})
}

// Restore implements console.Snapshotter.
func (p Projection) Restore(raw json.RawMessage) error {
	var parts map[string]json.RawMessage
	if err := json.Unmarshal(raw, &parts); err != nil {
		return err
	}
	var fs feedSnap
	if err := json.Unmarshal(parts["handover"], &fs); err != nil {
		return fmt.Errorf("handover feed: %w", err)
	}
	if err := p.Board.Restore(parts["board"]); err != nil {
		return err
	}
	f := p.Feed
	f.mu.Lock()
	defer f.mu.Unlock()
	f.stories = story.New()
	f.stories.Import(fs.Stories)
	f.alerts, f.orders, f.sources = map[string]alert.Alert{}, map[string]*workorder.State{}, map[string]sourceWatch{}
	for k, v := range fs.Alerts {
		f.alerts[k] = v
	}
	for k, v := range fs.Orders {
		f.orders[k] = v
	}
	for k, v := range fs.Sources {
		f.sources[k] = sourceWatch{health: v.Health, since: v.Since}
	}
	return nil
}
