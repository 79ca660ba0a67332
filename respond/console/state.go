package console

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"yuqing/analyze"
	"yuqing/analyze/alert"
	"yuqing/analyze/segment"
	"yuqing/ingest/source"
	"yuqing/internal/event"
	"yuqing/respond/incident"
	"yuqing/respond/story"
	"yuqing/respond/workorder"
)

// Topics the console follows, with how many recent events of each
// partition the hub keeps for resuming clients. Analysed mentions are not
// among them: at a thousand a second to hundreds of consoles they were
// nearly all of the fan-out (and the live p99 of an alert went to 40 s),
// while the pages read a topic's mentions from the store, paged.
func Topics() map[string]int {
	return map[string]int{
		"alerts":        5000,
		"topics":        5000,
		"incidents":     5000,
		"workorders":    5000,
		"notifications": 2000,
		source.Topic:    2000,
	}
}

// State is what a snapshot shows.
type State struct {
	Alerts     []AlertView            `json:"alerts"`     // most recently updated first
	Topics     []analyze.TopicSummary `json:"topics"`     // active topics, hottest first
	Incidents  []incident.State       `json:"incidents"`  // open first, then recently closed
	WorkOrders []workorder.State      `json:"workorders"` // open ones
	Sources    []source.Health        `json:"sources"`    // latest health of every source, by name
}

// AlertView is an alert with its story: the alert it folded into and the
// incident its story already has. The browser keeps both current from the
// deltas (app.js storyOf); the snapshot gives them for what it cannot see,
// such as topics that merged without an alert of their own.
type AlertView struct {
	alert.Alert
	// Entities are its topic's names (places, organisations, casualty
	// figures, #话题#), shown on the alert card; kept after the topic
	// retires, which the browser cannot see.
	Entities []segment.Entity `json:"entities,omitempty"`
	Story    StoryView        `json:"story"`
}

// StoryView is an alert's place in its story, named by headline for people.
type StoryView struct {
	Survivor         string   `json:"survivor,omitempty"`          // the alert it folded into, when it did
	SurvivorHeadline string   `json:"survivor_headline,omitempty"` // that alert's headline
	SurvivorLabel    []string `json:"survivor_label,omitempty"`    // and keywords, when it has no headline
	Incident         string   `json:"incident,omitempty"`          // the story's incident (已有事件)
	IncidentTitle    string   `json:"incident_title,omitempty"`
}

// Board is the console's projection of the followed topics.
type Board struct {
	stories *story.Index
	alerts  map[string]alert.Alert
	// alertedTopics are the topics an alert was raised about.
	alertedTopics map[string]bool
	topics        map[string]analyze.TopicSummary
	retired       map[string]bool
	names         map[string][]segment.Entity // entities of retired topics that have an alert
	incident      *incident.Board
	orders        map[string]*workorder.State
	sources       map[string]source.Health
}

// NewBoard returns an empty console projection.
func NewBoard() *Board {
	return &Board{stories: story.New(), alerts: map[string]alert.Alert{}, alertedTopics: map[string]bool{}, topics: map[string]analyze.TopicSummary{}, retired: map[string]bool{},
		names: map[string][]segment.Entity{}, incident: incident.NewBoard(), orders: map[string]*workorder.State{}, sources: map[string]source.Health{}}
}

// Incidents is the incidents projection inside the console board.
func (b *Board) Incidents() *incident.Board { return b.incident }

// Apply implements Projection. An event whose payload cannot be read
// changes nothing and is the error.
func (b *Board) Apply(d Delta) error {
	e := d.Event
	switch {
	case e.Type == alert.TypeRaised || e.Type == alert.TypeUpdated:
		var a alert.Alert
		if err := json.Unmarshal(e.Payload, &a); err != nil {
			return fmt.Errorf("alert %s: %w", e.ID, err)
		}
		b.alerts[a.ID] = a
		b.alertedTopics[a.TopicID] = true
		b.stories.ApplyAlert(a)
	case e.Type == analyze.TypeTopicUpdated || e.Type == analyze.TypeTopicRetired:
		var s analyze.TopicSummary
		if err := json.Unmarshal(e.Payload, &s); err != nil {
			return fmt.Errorf("topic %s: %w", e.ID, err)
		}
		b.stories.JoinTopics(s.ID, s.Merged)
		if e.Type == analyze.TypeTopicRetired {
			b.retired[s.ID] = true
			delete(b.topics, s.ID)
			if len(s.Entities) > 0 && b.alerted(s.ID) {
				b.names[s.ID] = s.Entities
			}
		} else if !b.retired[s.ID] {
			b.topics[s.ID] = s
		}
	case strings.HasPrefix(e.Type, "incident."):
		return b.incident.Apply(e)
	case strings.HasPrefix(e.Type, "workorder."):
		st := b.orders[e.Key]
		if st == nil {
			st = &workorder.State{ID: e.Key}
			b.orders[e.Key] = st
		}
		return workorder.Apply(st, e)
	case e.Type == source.TypeHealth:
		var h source.Health
		if err := json.Unmarshal(e.Payload, &h); err != nil {
			return fmt.Errorf("source health %s: %w", e.ID, err)
		}
		if h.Source != "" {
			b.sources[h.Source] = h
		}
	}
	return nil
}

// ForConsole returns d as consoles may see it. An analysed mention loses
// its raw field: the source's original payload, up to megabytes, kept in
// the log for audit but never pushed to a browser, live or in a snapshot.
// Every other delta is returned unchanged. The hub applies it to every
// delta before its projection, its resume rings and its clients see it.
func ForConsole(d Delta) Delta {
	if d.Event.Type == event.MentionAnalyzed {
		d.Event.Payload = withoutRaw(d.Event.Payload)
	}
	return d
}

// withoutRaw removes "raw" from the "mention" object of an analysed
// mention's payload, leaving the other fields as they were.
func withoutRaw(p json.RawMessage) json.RawMessage {
	if !bytes.Contains(p, []byte(`"raw"`)) {
		return p
	}
	var top map[string]json.RawMessage
	if json.Unmarshal(p, &top) != nil {
		return p
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(top["mention"], &m) != nil {
		return p
	}
	if _, ok := m["raw"]; !ok {
		return p
	}
	delete(m, "raw")
	mb, err := json.Marshal(m)
	if err != nil {
		return p
	}
	top["mention"] = mb
	out, err := json.Marshal(top)
	if err != nil {
		return p
	}
	return out
}

// alerted reports whether an alert is about topic id.
func (b *Board) alerted(id string) bool { return b.alertedTopics[id] }

// State implements Projection: a copy, safe to encode later.
func (b *Board) State() any {
	var s State
	for _, a := range b.alerts {
		s.Alerts = append(s.Alerts, AlertView{Alert: a})
	}
	sort.Slice(s.Alerts, func(i, j int) bool {
		if !s.Alerts[i].Updated.Equal(s.Alerts[j].Updated) {
			return s.Alerts[i].Updated.After(s.Alerts[j].Updated)
		}
		return s.Alerts[i].ID < s.Alerts[j].ID
	})
	if len(s.Alerts) > 200 {
		s.Alerts = s.Alerts[:200]
	}
	for i := range s.Alerts {
		v := &s.Alerts[i]
		if t, ok := b.topics[v.TopicID]; ok {
			v.Entities = t.Entities
		} else {
			v.Entities = b.names[v.TopicID]
		}
		if sv := b.stories.Survivor(v.ID); sv != v.ID {
			v.Story.Survivor = sv
			if x, ok := b.stories.Alert(sv); ok {
				v.Story.SurvivorLabel = x.Label
			}
			v.Story.SurvivorHeadline = b.alerts[sv].Headline
		}
		if inc, ok := b.stories.Incident(b.incident, v.ID); ok {
			st, _ := b.incident.State(inc)
			v.Story.Incident, v.Story.IncidentTitle = inc, st.Title
		}
	}
	for _, t := range b.topics {
		s.Topics = append(s.Topics, t)
	}
	sort.Slice(s.Topics, func(i, j int) bool {
		if s.Topics[i].Heat != s.Topics[j].Heat {
			return s.Topics[i].Heat > s.Topics[j].Heat
		}
		return s.Topics[i].ID < s.Topics[j].ID
	})
	if len(s.Topics) > 100 {
		s.Topics = s.Topics[:100]
	}
	var closed []incident.State
	for _, id := range b.incident.IDs() {
		st, _ := b.incident.State(id)
		if st.Status == "open" {
			s.Incidents = append(s.Incidents, st)
		} else {
			closed = append(closed, st)
		}
	}
	sort.Slice(closed, func(i, j int) bool { return closed[i].ClosedAt.After(closed[j].ClosedAt) })
	if len(closed) > 50 {
		closed = closed[:50]
	}
	s.Incidents = append(s.Incidents, closed...)
	for _, st := range b.orders {
		if st.Status == "open" {
			c := *st
			s.WorkOrders = append(s.WorkOrders, c)
		}
	}
	sort.Slice(s.WorkOrders, func(i, j int) bool { return s.WorkOrders[i].ID < s.WorkOrders[j].ID })
	for _, h := range b.sources {
		s.Sources = append(s.Sources, h)
	}
	sort.Slice(s.Sources, func(i, j int) bool { return s.Sources[i].Source < s.Sources[j].Source })
	// JSON round trip: the snapshot must not share maps with the board.
	raw, _ := json.Marshal(s)
	var out State
	json.Unmarshal(raw, &out)
	return out
}
