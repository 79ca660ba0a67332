package dedupe

import (
	"errors"
	"slices"
	"time"
)

// State is a Detector's memory as plain data, for the tracker's snapshot:
// a restart that restores it needs no pass over the mentions it covers.
type State struct {
	IDs  SeenState `json:"ids"`
	URLs SeenState `json:"urls"`
	Near NearState `json:"near"`
}

// SeenState is one Seen: each generation's key hashes (sorted, so equal
// sets export equally) with the first ID of each.
type SeenState struct {
	Cur   Keys      `json:"cur"`
	Prev  Keys      `json:"prev"`
	Start time.Time `json:"start"`
	Clock time.Time `json:"clock"`
}

// Keys are parallel lists of hashes and first IDs.
type Keys struct {
	Hash  []uint64 `json:"hash"`
	First []string `json:"first"`
}

// NearState is the near-duplicate index: each generation's fingerprints in
// the order they were added (the order decides ties).
type NearState struct {
	Cur   Keys      `json:"cur"`
	Prev  Keys      `json:"prev"`
	Start time.Time `json:"start"`
	Clock time.Time `json:"clock"`
}

// Export returns the Detector's memory.
func (d *Detector) Export() State {
	d.mu.Lock()
	defer d.mu.Unlock()
	return State{IDs: d.ids.export(), URLs: d.urls.export(), Near: NearState{
		Cur:   Keys{slices.Clone(d.near.cur.hash), slices.Clone(d.near.cur.first)},
		Prev:  Keys{slices.Clone(d.near.prev.hash), slices.Clone(d.near.prev.first)},
		Start: d.near.start, Clock: d.near.clock,
	}}
}

// Import replaces the Detector's memory with s. Sizes beyond the
// Detector's bounds (a snapshot from a differently configured build) are
// an error.
func (d *Detector) Import(s State) error {
	for _, k := range []Keys{s.IDs.Cur, s.IDs.Prev, s.URLs.Cur, s.URLs.Prev, s.Near.Cur, s.Near.Prev} {
		if len(k.Hash) != len(k.First) {
			return errors.New("dedupe state: hash and ID lists differ in length")
		}
	}
	if len(s.IDs.Cur.Hash) > d.cfg.MaxKeys || len(s.URLs.Cur.Hash) > d.cfg.MaxKeys || len(s.Near.Cur.Hash) > d.cfg.MaxTexts {
		return errors.New("dedupe state holds more than this detector's bounds")
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.ids.load(s.IDs)
	d.urls.load(s.URLs)
	x := d.near
	x.cur.reset()
	x.prev.reset()
	for i, h := range s.Near.Cur.Hash {
		x.cur.add(h, s.Near.Cur.First[i])
	}
	for i, h := range s.Near.Prev.Hash {
		x.prev.add(h, s.Near.Prev.First[i])
	}
	x.start, x.clock = s.Near.Start, s.Near.Clock
	return nil
}

func (s *Seen) export() SeenState {
	return SeenState{Cur: sortedKeys(s.cur), Prev: sortedKeys(s.prev), Start: s.start, Clock: s.clock}
}

func (s *Seen) load(st SeenState) {
	clear(s.cur)
	clear(s.prev)
	for i, h := range st.Cur.Hash {
		s.cur[h] = st.Cur.First[i]
	}
	for i, h := range st.Prev.Hash {
		s.prev[h] = st.Prev.First[i]
	}
	s.start, s.clock = st.Start, st.Clock
}

func sortedKeys(m map[uint64]string) Keys {
	k := Keys{Hash: make([]uint64, 0, len(m)), First: make([]string, 0, len(m))}
	for h := range m {
		k.Hash = append(k.Hash, h)
	}
	slices.Sort(k.Hash)
	for _, h := range k.Hash {
		k.First = append(k.First, m[h])
	}
	return k
}
