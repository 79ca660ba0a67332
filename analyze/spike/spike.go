// Package spike finds bursts in mention volume, per topic and per scheme,
// against each series' own baseline, in event time.
//
// Each series keeps hourly counts for four weeks and ten-minute counts for
// the last two hours. The baseline of the coming hour is the mean of the same
// hour of the week in the weeks seen (the weekly rhythm of a long-lived
// scheme); with less than a week of history it is the mean of the last 24
// hours seen; never below a floor. The last hour's volume is tested against
// it with a Poisson tail: P(X ≥ observed | baseline) below the sensitivity's
// alpha is a spike. After a spike the series cools down: no new spike for
// it until the cool-down passes, so one burst raises one signal.
package spike

import (
	"fmt"
	"math"
	"time"
)

// Sensitivity trades early warning against noise.
type Sensitivity int

// Levels: High warns earliest.
const (
	Low Sensitivity = iota
	Medium
	High
)

type level struct {
	alpha    float64 // Poisson tail probability below which volume is a spike
	minCount int     // and at least this many mentions in the last hour
	ratio    float64 // and at least this many times the baseline
}

var levels = map[Sensitivity]level{
	Low:    {alpha: 1e-5, minCount: 30, ratio: 4},
	Medium: {alpha: 1e-4, minCount: 15, ratio: 3},
	High:   {alpha: 1e-3, minCount: 8, ratio: 2},
}

// ParseSensitivity reads "low", "medium" or "high".
func ParseSensitivity(s string) (Sensitivity, error) {
	switch s {
	case "low":
		return Low, nil
	case "medium", "":
		return Medium, nil
	case "high":
		return High, nil
	}
	return 0, fmt.Errorf("sensitivity %q is not low, medium or high", s)
}

// Config configures a Detector.
type Config struct {
	Sensitivity Sensitivity
	CoolDown    time.Duration // default 2h
	Floor       float64       // baseline floor in mentions per hour (default 1)
	Idle        time.Duration // a series with no mention for this long is forgotten (default 28 days)
}

const (
	weekHours = 7 * 24
	histHours = 4 * weekHours
	slot      = 10 * time.Minute
	slots     = 12 // two hours of ten-minute slots
)

// series is one key's history.
type series struct {
	hours     [histHours]uint32 // hourly counts, ring indexed by hour number % histHours
	firstHour int64             // first hour seen (hours since the epoch)
	lastHour  int64             // latest hour seen
	slots     [slots]uint32     // ten-minute counts, ring
	lastSlot  int64
	lastSpike time.Time
	last      time.Time
}

// Signal is the state of a series after a mention.
type Signal struct {
	Key          string
	LastHour     int     // mentions in the 60 minutes up to now
	Baseline     float64 // expected mentions in an hour
	PValue       float64 // Poisson P(X ≥ LastHour | Baseline)
	Velocity     float64 // mentions per hour over the last 30 minutes
	Acceleration float64 // change of velocity per hour, last 30 min against the 30 before
	Spike        bool    // a new spike (false while cooling down)
	CoolingDown  bool
}

// Detector tracks many series. It is not safe for concurrent use: one
// analyser goroutine owns it (the clusterer's partition).
type Detector struct {
	cfg    Config
	lv     level
	series map[string]*series
}

// New returns a detector.
func New(cfg Config) *Detector {
	if cfg.CoolDown == 0 {
		cfg.CoolDown = 2 * time.Hour
	}
	if cfg.Floor == 0 {
		cfg.Floor = 1
	}
	if cfg.Idle == 0 {
		cfg.Idle = 28 * 24 * time.Hour
	}
	return &Detector{cfg: cfg, lv: levels[cfg.Sensitivity], series: map[string]*series{}}
}

// Len is the number of series held.
func (d *Detector) Len() int { return len(d.series) }

// Observe counts n mentions of key at event time t and returns the series'
// signal. Times slightly out of order count in their own bucket as long as it
// is still held.
func (d *Detector) Observe(key string, t time.Time, n int) Signal {
	s := d.series[key]
	hour := t.Unix() / 3600
	if s == nil {
		s = &series{firstHour: hour, lastHour: hour, lastSlot: t.Unix() / int64(slot/time.Second)}
		d.series[key] = s
	}
	s.advance(t)
	if hour > s.lastHour-histHours && hour <= s.lastHour {
		s.hours[hour%histHours] += uint32(n)
	}
	sl := t.Unix() / int64(slot/time.Second)
	if sl > s.lastSlot-slots && sl <= s.lastSlot {
		s.slots[sl%slots] += uint32(n)
	}
	if t.After(s.last) {
		s.last = t
	}
	return d.signal(key, s, t)
}

// advance moves the rings forward to t, clearing the buckets skipped.
func (s *series) advance(t time.Time) {
	hour := t.Unix() / 3600
	for h := s.lastHour + 1; h <= hour && h <= s.lastHour+histHours; h++ {
		s.hours[h%histHours] = 0
	}
	if hour > s.lastHour {
		s.lastHour = hour
	}
	sl := t.Unix() / int64(slot/time.Second)
	for x := s.lastSlot + 1; x <= sl && x <= s.lastSlot+slots; x++ {
		s.slots[x%slots] = 0
	}
	if sl > s.lastSlot {
		s.lastSlot = sl
	}
}

func (s *series) lastMinutes(k int) int {
	n := 0
	for i := 0; i < k; i++ {
		n += int(s.slots[(s.lastSlot-int64(i))%slots])
	}
	return n
}

// baseline is the expected count for the hour containing hour.
func (s *series) baseline(hour int64, floor float64) float64 {
	seen := hour - s.firstHour
	var sum float64
	var n int
	if seen >= weekHours {
		for w := int64(1); w <= 3 && seen >= w*weekHours; w++ {
			sum += float64(s.hours[(hour-w*weekHours)%histHours])
			n++
		}
	} else {
		for h := hour - 1; h >= s.firstHour && h > hour-25; h-- {
			sum += float64(s.hours[h%histHours])
			n++
		}
	}
	if n == 0 {
		return floor
	}
	return math.Max(floor, sum/float64(n))
}

func (d *Detector) signal(key string, s *series, t time.Time) Signal {
	last := s.lastMinutes(6)
	base := d.baselineFor(s, t)
	v := float64(s.lastMinutes(3)) * 2
	prev := float64(s.lastMinutes(6)-s.lastMinutes(3)) * 2
	sig := Signal{Key: key, LastHour: last, Baseline: base, PValue: PoissonTail(last, base), Velocity: v, Acceleration: (v - prev) * 2}
	sig.CoolingDown = !s.lastSpike.IsZero() && t.Sub(s.lastSpike) < d.cfg.CoolDown
	burst := sig.PValue < d.lv.alpha && last >= d.lv.minCount && float64(last) >= d.lv.ratio*base
	if burst && !sig.CoolingDown {
		sig.Spike = true
		s.lastSpike = t
	}
	return sig
}

// baselineFor excludes the current hour from its own baseline.
func (d *Detector) baselineFor(s *series, t time.Time) float64 {
	return s.baseline(t.Unix()/3600, d.cfg.Floor)
}

// Forget drops series idle since before now-Idle and returns how many.
func (d *Detector) Forget(now time.Time) int {
	n := 0
	for k, s := range d.series {
		if now.Sub(s.last) > d.cfg.Idle {
			delete(d.series, k)
			n++
		}
	}
	return n
}

// PoissonTail is P(X ≥ k) for X ~ Poisson(lambda): the regularized lower
// incomplete gamma function P(k, lambda), by its series when lambda < k+1
// (a small upper tail, kept to full relative precision) and by Lentz's
// continued fraction for the complement otherwise. Its cost grows with the
// square root of k at most, not with k: summing k Poisson terms, each an
// Exp and an Lgamma, was 70 % of tracking on a stream of many busy topics.
func PoissonTail(k int, lambda float64) float64 {
	if k <= 0 {
		return 1
	}
	if lambda <= 0 {
		return 0
	}
	a, x := float64(k), lambda
	lg, _ := math.Lgamma(a)
	front := math.Exp(-x + a*math.Log(x) - lg) // x^a e^-x / Γ(a)
	if front == 0 {
		// Beyond float64 either way: the tail is 0 past the mean and
		// 1 before it.
		if x < a {
			return 0
		}
		return 1
	}
	const eps, maxIter = 1e-15, 1 << 20
	if x < a+1 {
		// P(a, x) = front · Σ_n x^n / (a (a+1) … (a+n))
		ap, del := a, 1/a
		sum := del
		for range maxIter {
			ap++
			del *= x / ap
			sum += del
			if del < sum*eps {
				break
			}
		}
		return math.Min(1, sum*front)
	}
	// Q(a, x) = front · 1/(x+1-a- 1·(1-a)/(x+3-a- 2·(2-a)/(x+5-a- …)))
	const tiny = 1e-300
	b := x + 1 - a
	c, d := 1/tiny, 1/b
	h := d
	for i := 1; i < maxIter; i++ {
		an := -float64(i) * (float64(i) - a)
		b += 2
		d = an*d + b
		if math.Abs(d) < tiny {
			d = tiny
		}
		c = b + an/c
		if math.Abs(c) < tiny {
			c = tiny
		}
		d = 1 / d
		del := d * c
		h *= del
		if math.Abs(del-1) < eps {
			break
		}
	}
	return math.Max(0, 1-front*h)
}

// Heat is engagement- and author-weighted volume that decays with a
// half-life in event time. The zero value is cold.
type Heat struct {
	Value float64   `json:"value"`
	At    time.Time `json:"at"`
}

// HalfLife of heat.
const HalfLife = 6 * time.Hour

// Add adds weight w at time t.
func (h *Heat) Add(t time.Time, w float64) {
	h.Value = h.At0(t) + w
	if t.After(h.At) {
		h.At = t
	}
}

// At0 is the heat at time t (decayed from the last addition).
func (h Heat) At0(t time.Time) float64 {
	if h.At.IsZero() || !t.After(h.At) {
		return h.Value
	}
	return h.Value * math.Exp2(-t.Sub(h.At).Hours()/HalfLife.Hours())
}

// Weight is how much one mention heats its topic: one for the mention, more
// for engagement and for an author many people follow, more again when the
// author is verified.
func Weight(reposts, comments, likes, followers int64, verified bool) float64 {
	w := 1 + math.Log1p(float64(reposts)*2+float64(comments)+float64(likes)/4)
	a := math.Log10(float64(followers) + 1)
	if verified {
		a *= 1.5
	}
	return w + a/2
}

// Drop forgets one series (a topic that retired).
func (d *Detector) Drop(key string) { delete(d.series, key) }

// SeriesState is one series as kept in a snapshot. Hours and Slots are the
// rings as they are (index = hour or slot number modulo the ring length).
type SeriesState struct {
	Hours     []uint32  `json:"hours"`
	FirstHour int64     `json:"first_hour"`
	LastHour  int64     `json:"last_hour"`
	Slots     []uint32  `json:"slots"`
	LastSlot  int64     `json:"last_slot"`
	LastSpike time.Time `json:"last_spike"`
	Last      time.Time `json:"last"`
}

// Export returns every series' state, for a snapshot.
func (d *Detector) Export() map[string]SeriesState {
	out := make(map[string]SeriesState, len(d.series))
	for k, s := range d.series {
		out[k] = SeriesState{Hours: append([]uint32(nil), s.hours[:]...), FirstHour: s.firstHour, LastHour: s.lastHour,
			Slots: append([]uint32(nil), s.slots[:]...), LastSlot: s.lastSlot, LastSpike: s.lastSpike, Last: s.last}
	}
	return out
}

// Import replaces the detector's series with exported ones.
func (d *Detector) Import(states map[string]SeriesState) error {
	m := make(map[string]*series, len(states))
	for k, st := range states {
		if len(st.Hours) != histHours || len(st.Slots) != slots {
			return fmt.Errorf("spike series %q: %d hours and %d slots, want %d and %d", k, len(st.Hours), len(st.Slots), histHours, slots)
		}
		s := &series{firstHour: st.FirstHour, lastHour: st.LastHour, lastSlot: st.LastSlot, lastSpike: st.LastSpike, last: st.Last}
		copy(s.hours[:], st.Hours)
		copy(s.slots[:], st.Slots)
		m[k] = s
	}
	d.series = m
	return nil
}
