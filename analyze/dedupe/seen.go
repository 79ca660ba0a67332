package dedupe

import "time"

// Seen is a set of keys (mention IDs, canonical URLs) with bounded memory,
// remembering for each key the ID of the first mention that had it.
//
// It keeps two generations of a map: new keys go into the current one;
// lookups look in both. The current generation is retired (becoming the
// previous one, and the previous one is dropped) when it holds Max/2 keys or
// when the clock has moved Window/2 past the generation's start; if the
// clock moved a whole Window, both go. So:
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
	Max    int
	Window time.Duration

	cur, prev map[uint64]string
	start     time.Time // clock when cur became current
	clock     time.Time
}

// NewSeen returns a set holding at most max keys over about window.
func NewSeen(max int, window time.Duration) *Seen {
	if max < 2 {
		max = 2
	}
	return &Seen{Max: max, Window: window, cur: make(map[uint64]string), prev: make(map[uint64]string)}
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
func (s *Seen) Len() int { return len(s.cur) + len(s.prev) }

func (s *Seen) put(h uint64, id string) {
	if len(s.cur) >= s.Max/2 {
		s.rotate(false)
	}
	s.cur[h] = id
}

func (s *Seen) advance(at time.Time) {
	if at.After(s.clock) {
		s.clock = at
	}
	if s.start.IsZero() {
		s.start = s.clock
		return
	}
	if s.Window > 0 {
		switch age := s.clock.Sub(s.start); {
		case age >= s.Window:
			s.rotate(true)
		case age >= s.Window/2:
			s.rotate(false)
		}
	}
}

func (s *Seen) rotate(both bool) {
	s.prev, s.cur = s.cur, s.prev
	clear(s.cur)
	if both {
		clear(s.prev)
	}
	s.start = s.clock
}

// hashKey is 64-bit FNV-1a.
func hashKey(k string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(k); i++ {
		h ^= uint64(k[i])
		h *= 1099511628211
	}
	return h
}
