package dedupe

import "time"

// Seen is a set of keys (mention IDs, canonical URLs) with bounded memory,
// remembering for each key the ID of the first mention that had it. Its
// keys are held in two generations (see generations), so:
//
//   - at most Max keys are held, ever;
//   - a key is remembered for at least Max/2 later insertions and at least
//     Window/2 of clock time (whichever ends first), and forgotten after at
//     most Max insertions or about one Window, unless it is seen again: a key
//     found in the previous generation is copied into the current one.
//
// Keys are stored as 64-bit FNV-1a hashes; two different keys collide with
// probability about n²/2⁶⁵ (1e-7 for n = 2 million), which is accepted.
// The clock is the latest event time passed to Check, so the set is
// deterministic: the same sequence of calls gives the same answers.
type Seen struct {
	generations[keyGen]
}

// keyGen is one generation of a Seen: first IDs by key hash.
type keyGen map[uint64]string

func (g keyGen) size() int { return len(g) }
func (g keyGen) reset()    { clear(g) }

// NewSeen returns a set holding at most max keys over about window.
func NewSeen(max int, window time.Duration) *Seen {
	return &Seen{newGenerations(max, window, keyGen{}, keyGen{})}
}

// Check looks key up; if it was seen, it returns the first ID and true,
// otherwise it records key with id and returns id and false. at is the
// event's time (zero leaves the clock where it is). An empty key is never a
// duplicate and is not recorded.
func (s *Seen) Check(key, id string, at time.Time) (first string, dup bool) {
	s.advance(at)
	if key == "" {
		return id, false
	}
	h := hashKey(key)
	if f, ok := s.cur[h]; ok {
		return f, true
	}
	if f, ok := s.prev[h]; ok {
		s.put(h, f)
		return f, true
	}
	s.put(h, id)
	return id, false
}

// Len is the number of keys held (at most Max).
func (s *Seen) Len() int { return s.len() }

func (s *Seen) put(h uint64, id string) {
	s.makeRoom()
	s.cur[h] = id
}

// generation is what generations rotates: a set that knows its size and
// can forget everything.
type generation interface {
	size() int
	reset()
}

// generations is the bounded memory of Seen and of the near-duplicate
// index: two generations of entries. New entries go into cur, lookups look
// in both. cur is retired (becoming prev, and prev is dropped) when it
// holds Max/2 entries or when the clock has moved Window/2 past cur's
// start; if the clock moved a whole Window, both go. So at most Max
// entries are held, and each is kept for at least Max/2 later entries and
// Window/2 of clock time. The clock is the latest time passed to advance:
// the same calls give the same rotations. Not safe for concurrent use.
type generations[G generation] struct {
	Max    int           // entries held at most; at least 2
	Window time.Duration // clock time an entry is kept at most (about); 0: no limit

	cur, prev G
	start     time.Time // clock when cur became current
	clock     time.Time
}

func newGenerations[G generation](maxEntries int, window time.Duration, cur, prev G) generations[G] {
	return generations[G]{Max: max(maxEntries, 2), Window: window, cur: cur, prev: prev}
}

// advance moves the clock to at (if later) and retires what has aged.
func (g *generations[G]) advance(at time.Time) {
	if at.After(g.clock) {
		g.clock = at
	}
	if g.start.IsZero() {
		g.start = g.clock
		return
	}
	if g.Window > 0 {
		switch age := g.clock.Sub(g.start); {
		case age >= g.Window:
			g.rotate(true)
		case age >= g.Window/2:
			g.rotate(false)
		}
	}
}

// makeRoom retires cur when it is full; call it before adding to cur.
func (g *generations[G]) makeRoom() {
	if g.cur.size() >= g.Max/2 {
		g.rotate(false)
	}
}

func (g *generations[G]) rotate(both bool) {
	g.prev, g.cur = g.cur, g.prev
	g.cur.reset()
	if both {
		g.prev.reset()
	}
	g.start = g.clock
}

func (g *generations[G]) len() int { return g.cur.size() + g.prev.size() }

// hashKey is 64-bit FNV-1a.
func hashKey(k string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(k); i++ {
		h ^= uint64(k[i])
		h *= 1099511628211
	}
	return h
}
