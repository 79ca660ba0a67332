package story

import "maps"

// Snapshot is an Index as plain data (for a projection's snapshot).
type Snapshot struct {
	Parent  map[string]string   `json:"parent"`
	Members map[string][]string `json:"members"`
	Alerts  map[string]Alert    `json:"alerts"`
}

// Export returns the index's state.
func (x *Index) Export() Snapshot {
	x.mu.RLock()
	defer x.mu.RUnlock()
	s := Snapshot{Parent: maps.Clone(x.parent), Members: make(map[string][]string, len(x.members)), Alerts: make(map[string]Alert, len(x.alerts))}
	for k, v := range x.members {
		s.Members[k] = append([]string(nil), v...)
	}
	for k, a := range x.alerts {
		s.Alerts[k] = *a
	}
	return s
}

// Import replaces the index's state with s.
func (x *Index) Import(s Snapshot) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.parent = maps.Clone(s.Parent)
	if x.parent == nil {
		x.parent = map[string]string{}
	}
	x.members = make(map[string][]string, len(s.Members))
	for k, v := range s.Members {
		x.members[k] = append([]string(nil), v...)
	}
	x.alerts = make(map[string]*Alert, len(s.Alerts))
	for k, a := range s.Alerts {
		a := a
		x.alerts[k] = &a
	}
}
