package incident

import (
	"encoding/json"
	"maps"
)

// BoardSnapshot is a Board as plain data (for a projection's snapshot).
type BoardSnapshot struct {
	States    map[string]*State   `json:"states"`
	Timelines map[string][]Entry  `json:"timelines"`
	ByAlert   map[string][]string `json:"by_alert"`
	ByTopic   map[string][]string `json:"by_topic"`
}

// Export returns the board's state as JSON.
func (b *Board) Export() ([]byte, error) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return json.Marshal(BoardSnapshot{States: b.states, Timelines: b.timelines, ByAlert: b.byAlert, ByTopic: b.byTopic})
}

// Import replaces the board's state with what Export wrote.
func (b *Board) Import(raw []byte) error {
	var s BoardSnapshot
	if err := json.Unmarshal(raw, &s); err != nil {
		return err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.states, b.timelines, b.byAlert, b.byTopic = orEmpty(s.States), orEmpty(s.Timelines), orEmpty(s.ByAlert), orEmpty(s.ByTopic)
	return nil
}

func orEmpty[V any](m map[string]V) map[string]V {
	if m == nil {
		return map[string]V{}
	}
	return maps.Clone(m)
}
