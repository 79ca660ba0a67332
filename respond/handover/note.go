package handover

import (
	"cmp"
	"slices"
	"strconv"
	"time"
)

// Incident is an open incident as the handover lists it.
type Incident struct {
	ID         string    `json:"id"`
	Title      string    `json:"title"`
	Grade      int       `json:"grade"`           // 1 (I 特别重大) … 4 (IV 一般); 0 not graded
	Owner      string    `json:"owner,omitempty"` // the lead unit (牵头单位); "" not assigned
	Status     string    `json:"status"`          // where it stands, in Chinese (待定级, 待发布权威信息 …)
	DetectedAt time.Time `json:"detected_at"`
	Drill      bool      `json:"drill,omitempty"`
	// Next is its running clock due first, whether or not the next shift
	// sees it fall due (Compose sets it).
	Next *Clock `json:"next,omitempty"`
}

// Clock is a running deadline of an incident or a work order.
type Clock struct {
	Subject string    `json:"subject"`         // the incident's or the work order's ID
	Kind    string    `json:"kind"`            // KindIncident or KindWorkOrder
	Title   string    `json:"title"`           // the incident's or the order's title
	Clock   string    `json:"clock"`           // statement, press_conference, answer …
	Name    string    `json:"name"`            // in Chinese: 发布权威信息 …
	Grade   int       `json:"grade,omitempty"` // the incident's grade
	Owner   string    `json:"owner,omitempty"` // lead or handling unit
	Due     time.Time `json:"due"`
	Unacked bool      `json:"unacked,omitempty"` // a warning or a breach of it nobody acknowledged yet
	Drill   bool      `json:"drill,omitempty"`
	// Breached: due at or before the moment the note was composed
	// (Compose sets it).
	Breached bool `json:"breached"`
}

// Clock kinds.
const (
	KindIncident  = "incident"
	KindWorkOrder = "workorder"
)

// Alert is an alert (预警) of the analyser as the handover lists it.
type Alert struct {
	ID       string    `json:"id"`
	Title    string    `json:"title"` // its headline, or its keywords
	Grade    int       `json:"grade"` // the suggested grade; 0 none
	Reason   string    `json:"reason,omitempty"`
	Mentions int       `json:"mentions"`
	Raised   time.Time `json:"raised"`
	Updated  time.Time `json:"updated"`
	Drill    bool      `json:"drill,omitempty"`
	// MergedInto names the alert it folded into (it lives on as that one);
	// Incident the incident its story has. Either means someone acts on it.
	MergedInto string `json:"merged_into,omitempty"`
	Incident   string `json:"incident,omitempty"`
}

// Source is a source that does not collect (失联): blind (credentials
// refused, a login wall) or failing.
type Source struct {
	Name   string    `json:"name"`
	Since  time.Time `json:"since"`  // its first failure in a row
	Reason string    `json:"reason"` // in Chinese, with the source's error
	Blind  bool      `json:"blind"`  // credentials refused or a login wall
}

// Small interfaces the note is composed from; the server feeds them from
// the duty desk's incidents and the console's alerts, work orders and
// source health.
type (
	// Incidents gives the open incidents and every running clock (of
	// incidents and work orders), however far their due times.
	Incidents interface {
		OpenIncidents() []Incident
		RunningClocks() []Clock
	}
	// Alerts gives the alerts known, with their story's incident.
	Alerts interface{ Alerts() []Alert }
	// Sources gives the sources not collecting now.
	Sources interface{ BlindSources() []Source }
)

// Inputs is what a note is composed from; a nil part lists nothing.
type Inputs struct {
	Incidents Incidents
	Alerts    Alerts
	Sources   Sources
}

// Note is a handover note: what the outgoing shift leaves to the next.
type Note struct {
	At        time.Time  `json:"at"`         // composed at
	From      time.Time  `json:"from"`       // the shift handed over began …
	Until     time.Time  `json:"until"`      // … and ends: the next shift begins
	NextEnd   time.Time  `json:"next_end"`   // the next shift ends: the clocks listed fall due before
	Incidents []Incident `json:"incidents"`  // 未结事件: the soonest due first
	Clocks    []Clock    `json:"clocks"`     // 下一班到期时限: breached first, then by due time
	Alerts    []Alert    `json:"alerts"`     // 未确认预警: no incident, not folded, updated within the alert window
	Sources   []Source   `json:"sources"`    // 失联信源: the longest first
	Text      string     `json:"text"`       // 交班说明：需关注事项 (the outgoing officer's words)
	Window    string     `json:"window"`     // the alert window, for people ("24 小时")
	Shifts    []string   `json:"boundaries"` // the shift boundaries, Beijing time
}

// Compose composes the note at now for the shift ending at until (zero:
// Config.Until of now): the open incidents, the running clocks due by the
// end of the next shift, the alerts nobody acted on (no incident in their
// story, not folded into another) updated within the alert window, and
// the sources not collecting. It reads no clock of its own.
func Compose(in Inputs, cfg Config, now, until time.Time) Note {
	cfg = cfg.withDefaults()
	if until.IsZero() {
		until = cfg.Until(now, nil)
	}
	n := Note{At: now, From: cfg.Shifts.Start(until), Until: until, NextEnd: cfg.Shifts.Next(until),
		Incidents: []Incident{}, Clocks: []Clock{}, Alerts: []Alert{}, Sources: []Source{},
		Window: hours(cfg.AlertWindow), Shifts: cfg.Shifts.Boundaries()}
	var running []Clock
	if in.Incidents != nil {
		running = in.Incidents.RunningClocks()
		for i := range running {
			running[i].Breached = !running[i].Due.After(now)
		}
		slices.SortFunc(running, byUrgency)
		for _, c := range running {
			if !c.Due.After(n.NextEnd) {
				n.Clocks = append(n.Clocks, c)
			}
		}
		first := map[string]Clock{}
		for _, c := range running {
			if _, ok := first[c.Subject]; !ok && c.Kind == KindIncident {
				first[c.Subject] = c
			}
		}
		for _, inc := range in.Incidents.OpenIncidents() {
			if c, ok := first[inc.ID]; ok {
				inc.Next = &c
			}
			n.Incidents = append(n.Incidents, inc)
		}
		slices.SortFunc(n.Incidents, func(a, b Incident) int {
			if c := cmp.Compare(dueOf(a), dueOf(b)); c != 0 {
				return c
			}
			if c := cmp.Compare(severity(a.Grade), severity(b.Grade)); c != 0 {
				return c
			}
			if c := a.DetectedAt.Compare(b.DetectedAt); c != 0 {
				return c
			}
			return cmp.Compare(a.ID, b.ID)
		})
	}
	if in.Alerts != nil {
		since := now.Add(-cfg.AlertWindow)
		for _, a := range in.Alerts.Alerts() {
			if a.MergedInto != "" || a.Incident != "" || !a.Updated.After(since) || a.Raised.After(now) {
				continue
			}
			n.Alerts = append(n.Alerts, a)
		}
		slices.SortFunc(n.Alerts, func(a, b Alert) int {
			if c := cmp.Compare(severity(a.Grade), severity(b.Grade)); c != 0 {
				return c
			}
			if c := b.Updated.Compare(a.Updated); c != 0 {
				return c
			}
			return cmp.Compare(a.ID, b.ID)
		})
	}
	if in.Sources != nil {
		n.Sources = append(n.Sources, in.Sources.BlindSources()...)
		slices.SortFunc(n.Sources, func(a, b Source) int {
			if c := a.Since.Compare(b.Since); c != 0 {
				return c
			}
			return cmp.Compare(a.Name, b.Name)
		})
	}
	return n
}

// byUrgency: breached first, then the nearest due, then by subject and clock.
func byUrgency(a, b Clock) int {
	if a.Breached != b.Breached {
		if a.Breached {
			return -1
		}
		return 1
	}
	if c := a.Due.Compare(b.Due); c != 0 {
		return c
	}
	if c := cmp.Compare(a.Subject, b.Subject); c != 0 {
		return c
	}
	return cmp.Compare(a.Clock, b.Clock)
}

// dueOf orders incidents by their first running clock; none is last.
func dueOf(i Incident) int64 {
	if i.Next == nil {
		return 1<<63 - 1
	}
	return i.Next.Due.UnixNano()
}

// severity orders grades I first and "not graded" last.
func severity(g int) int {
	if g <= 0 {
		return 99
	}
	return g
}

func hours(d time.Duration) string {
	if d%time.Hour == 0 {
		return strconv.Itoa(int(d/time.Hour)) + " 小时"
	}
	return strconv.Itoa(int(d/time.Minute)) + " 分钟"
}
