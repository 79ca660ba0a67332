// Package story knows which alerts and topics are one story, so that the
// duty desk keeps one incident per story and the console shows it: an alert
// that folded into another (alert.Alert.MergedInto), or whose topic merged
// into another topic (its TopicID moved, or a topic.updated.v1 lists the
// absorbed topic in Merged), is one story with its survivor.
//
// Index is a projection of the alerts topic and, where the caller follows
// it, of the topics topic. Stories only ever join: Apply is idempotent and
// what it builds does not depend on the order of the events, so a replay
// from offset 0, a redelivery, or two followers reading partitions in
// different orders give the same stories. Nothing in it reads a clock.
package story

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"

	"yuqing/analyze"
	"yuqing/analyze/alert"
	"yuqing/internal/event"
	"yuqing/respond/incident"
)

// Story is the alerts and topics of one story, each sorted.
type Story struct {
	Alerts []string `json:"alerts"`
	Topics []string `json:"topics"`
}

// Alert is what the index knows of one alert: its latest version.
type Alert struct {
	ID         string   `json:"id"`
	TopicID    string   `json:"topic_id"`
	Topics     []string `json:"topics"` // every topic it was about, sorted
	Label      []string `json:"label"`
	Headline   string   `json:"headline,omitempty"`
	Reasons    []string `json:"reasons,omitempty"` // why it was raised, then the grade's reasons
	MergedInto string   `json:"merged_into,omitempty"`
	Drill      bool     `json:"drill,omitempty"`
	Version    int      `json:"version"`
}

// Index is safe for concurrent use.
type Index struct {
	mu      sync.RWMutex
	parent  map[string]string   // union-find over keys "a/"+alert ID and "t/"+topic ID
	members map[string][]string // root → every key of its set
	alerts  map[string]*Alert
}

// New returns an empty index.
func New() *Index {
	return &Index{parent: map[string]string{}, members: map[string][]string{}, alerts: map[string]*Alert{}}
}

func alertKey(id string) string { return "a/" + id }
func topicKey(id string) string { return "t/" + id }

// Apply folds one event in: alert.raised.v1, alert.updated.v1 and
// topic.updated.v1 (its Merged list); other events are ignored. It returns
// the story the event was about, as it is now, or false when it ignored it;
// an event of those types whose payload does not decode is an error (and
// changes nothing), for the caller to log.
func (x *Index) Apply(e event.Envelope) (Story, bool, error) {
	switch e.Type {
	case alert.TypeRaised, alert.TypeUpdated:
		var a alert.Alert
		if err := json.Unmarshal(e.Payload, &a); err != nil {
			return Story{}, false, fmt.Errorf("%s %s: %w", e.Type, e.ID, err)
		}
		if a.ID == "" {
			return Story{}, false, fmt.Errorf("%s %s: alert without an id", e.Type, e.ID)
		}
		x.ApplyAlert(a)
		return x.Of(a.ID), true, nil
	case analyze.TypeTopicUpdated:
		var t struct {
			ID     string   `json:"id"`
			Merged []string `json:"merged"`
		}
		if err := json.Unmarshal(e.Payload, &t); err != nil {
			return Story{}, false, fmt.Errorf("%s %s: %w", e.Type, e.ID, err)
		}
		if t.ID == "" || len(t.Merged) == 0 {
			return Story{}, false, nil
		}
		x.JoinTopics(t.ID, t.Merged)
		return x.Of("", t.ID), true, nil
	}
	return Story{}, false, nil
}

// ApplyAlert folds in the payload of an alert event already decoded.
func (x *Index) ApplyAlert(a alert.Alert) {
	if a.ID == "" {
		return
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	x.applyAlert(a)
}

// JoinTopics records that topic id absorbed the merged topics (the Merged
// list of a topic.updated.v1 already decoded).
func (x *Index) JoinTopics(id string, merged []string) {
	if id == "" {
		return
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	for _, m := range merged {
		if m != "" {
			x.union(topicKey(id), topicKey(m))
		}
	}
}

func (x *Index) applyAlert(a alert.Alert) {
	k := alertKey(a.ID)
	st := x.alerts[a.ID]
	if st == nil {
		st = &Alert{ID: a.ID}
		x.alerts[a.ID] = st
	}
	if a.TopicID != "" {
		x.union(k, topicKey(a.TopicID))
		if !slices.Contains(st.Topics, a.TopicID) {
			st.Topics = append(st.Topics, a.TopicID)
			slices.Sort(st.Topics)
		}
	}
	if a.MergedInto != "" && a.MergedInto != a.ID {
		x.union(k, alertKey(a.MergedInto))
		if _, known := x.alerts[a.MergedInto]; !known {
			x.alerts[a.MergedInto] = &Alert{ID: a.MergedInto}
		}
	}
	// The latest version wins whatever order the events came in; a fold,
	// once recorded, is never undone.
	if a.Version >= st.Version {
		st.TopicID, st.Label, st.Drill, st.Version = a.TopicID, slices.Clone(a.Label), a.Drill, a.Version
		st.Headline, st.Reasons = a.Headline, nil
		if a.Reason != "" {
			st.Reasons = append(st.Reasons, a.Reason)
		}
		for _, r := range a.Suggested.Reasons {
			if r.Detail != "" {
				st.Reasons = append(st.Reasons, r.Detail)
			}
		}
	}
	if a.MergedInto != "" && (st.MergedInto == "" || a.Version >= st.Version) {
		st.MergedInto = a.MergedInto
	}
}

func (x *Index) find(k string) string {
	root := k
	for {
		p, ok := x.parent[root]
		if !ok || p == root {
			break
		}
		root = p
	}
	for k != root { // path compression
		p := x.parent[k]
		x.parent[k] = root
		k = p
	}
	return root
}

func (x *Index) add(k string) {
	if _, ok := x.parent[k]; !ok {
		x.parent[k] = k
		x.members[k] = []string{k}
	}
}

func (x *Index) union(a, b string) {
	x.add(a)
	x.add(b)
	ra, rb := x.find(a), x.find(b)
	if ra == rb {
		return
	}
	if len(x.members[ra]) < len(x.members[rb]) {
		ra, rb = rb, ra
	}
	x.parent[rb] = ra
	x.members[ra] = append(x.members[ra], x.members[rb]...)
	delete(x.members, rb)
}

// Of returns the story of an alert and of some topics together: every
// alert and topic joined to any of them. Unknown IDs are their own story.
func (x *Index) Of(alertID string, topics ...string) Story {
	x.mu.Lock() // find compresses paths
	defer x.mu.Unlock()
	var keys []string
	if alertID != "" {
		keys = append(keys, alertKey(alertID))
	}
	for _, t := range topics {
		if t != "" {
			keys = append(keys, topicKey(t))
		}
	}
	seen := map[string]bool{}
	var s Story
	for _, k := range keys {
		members := []string{k}
		if _, known := x.parent[k]; known {
			root := x.find(k)
			if seen[root] {
				continue
			}
			seen[root] = true
			members = x.members[root]
		}
		for _, m := range members {
			id := m[2:]
			switch {
			case strings.HasPrefix(m, "a/") && !slices.Contains(s.Alerts, id):
				s.Alerts = append(s.Alerts, id)
			case strings.HasPrefix(m, "t/") && !slices.Contains(s.Topics, id):
				s.Topics = append(s.Topics, id)
			}
		}
	}
	slices.Sort(s.Alerts)
	slices.Sort(s.Topics)
	return s
}

// Alert returns what the index knows of an alert.
func (x *Index) Alert(id string) (Alert, bool) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	a, ok := x.alerts[id]
	if !ok {
		return Alert{}, false
	}
	c := *a
	c.Topics, c.Label = slices.Clone(a.Topics), slices.Clone(a.Label)
	return c, true
}

// Alerts returns every alert ID the index knows, sorted.
func (x *Index) Alerts() []string {
	x.mu.RLock()
	defer x.mu.RUnlock()
	out := make([]string, 0, len(x.alerts))
	for id := range x.alerts {
		out = append(out, id)
	}
	slices.Sort(out)
	return out
}

// Survivor follows an alert's folds (merged_into) to the alert that lives
// on; an alert that did not fold is its own survivor.
func (x *Index) Survivor(id string) string {
	x.mu.RLock()
	defer x.mu.RUnlock()
	seen := map[string]bool{}
	for !seen[id] {
		seen[id] = true
		a, ok := x.alerts[id]
		if !ok || a.MergedInto == "" {
			return id
		}
		id = a.MergedInto
	}
	return id // a cycle, which merges never make: stop where it closed
}

// Incidents returns the incidents of the board that hold any alert or
// topic of the story of alertID and topics, the primary one first (see
// Primary).
func (x *Index) Incidents(b *incident.Board, alertID string, topics ...string) []string {
	s := x.Of(alertID, topics...)
	var ids []string
	add := func(more []string) {
		for _, id := range more {
			if !slices.Contains(ids, id) {
				ids = append(ids, id)
			}
		}
	}
	for _, a := range s.Alerts {
		add(b.WithAlert(a))
	}
	for _, t := range s.Topics {
		add(b.WithTopic(t))
	}
	Primary(b, ids)
	return ids
}

// Incident is the primary incident of a story, if it has one.
func (x *Index) Incident(b *incident.Board, alertID string, topics ...string) (string, bool) {
	ids := x.Incidents(b, alertID, topics...)
	if len(ids) == 0 {
		return "", false
	}
	return ids[0], true
}

// Primary sorts the incidents of one story so the one a new alert of the
// story joins comes first: open before closed, then the earliest opened,
// then by ID. A story normally has one incident; it has two only when both
// were opened before anything showed they were one story.
func Primary(b *incident.Board, ids []string) {
	states := map[string]incident.State{}
	for _, id := range ids {
		states[id], _ = b.State(id)
	}
	slices.SortFunc(ids, func(p, q string) int {
		sp, sq := states[p], states[q]
		if (sp.Status == "open") != (sq.Status == "open") {
			if sp.Status == "open" {
				return -1
			}
			return 1
		}
		if c := sp.OpenedAt.Compare(sq.OpenedAt); c != 0 {
			return c
		}
		return strings.Compare(p, q)
	})
}
