package handover

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"yuqing/internal/clock"
)

// Beijing is the zone the shift boundaries are read in.
var Beijing = clock.Beijing

// DefaultBoundaries are the shift changes of a duty room working a day
// shift 08:30–17:30 and a night shift 17:30–08:30 (next day), Beijing time.
var DefaultBoundaries = []string{"08:30", "17:30"}

// Shifts are the moments of the day when one duty shift hands over to the
// next, in Beijing time: with boundaries 08:30 and 17:30 the day shift runs
// 08:30–17:30 and the night shift 17:30–08:30. It is a value; the zero
// Shifts is DefaultShifts.
type Shifts struct {
	marks []time.Duration // after midnight, sorted, each in [0, 24h)
}

// DefaultShifts is 08:30 and 17:30 Beijing time.
func DefaultShifts() Shifts {
	s, err := ParseShifts(DefaultBoundaries)
	if err != nil {
		panic(err)
	}
	return s
}

// ParseShifts reads boundaries written "HH:MM" (Beijing time), at least
// one, none twice. One boundary is a 24-hour shift.
func ParseShifts(list []string) (Shifts, error) {
	var s Shifts
	for _, v := range list {
		v = strings.TrimSpace(v)
		hh, mm, ok := strings.Cut(v, ":")
		h, herr := strconv.Atoi(hh)
		m, merr := strconv.Atoi(mm)
		if !ok || herr != nil || merr != nil || h < 0 || h > 23 || m < 0 || m > 59 || len(mm) != 2 {
			return Shifts{}, fmt.Errorf("shift boundary %q is not a time of day like 08:30", v)
		}
		d := time.Duration(h)*time.Hour + time.Duration(m)*time.Minute
		if slices.Contains(s.marks, d) {
			return Shifts{}, fmt.Errorf("shift boundary %s is given twice", v)
		}
		s.marks = append(s.marks, d)
	}
	if len(s.marks) == 0 {
		return Shifts{}, fmt.Errorf("no shift boundary given (for example 08:30,17:30)")
	}
	slices.Sort(s.marks)
	return s, nil
}

func (s Shifts) orDefault() Shifts {
	if len(s.marks) == 0 {
		return DefaultShifts()
	}
	return s
}

// Boundaries lists the boundaries as "HH:MM".
func (s Shifts) Boundaries() []string {
	s = s.orDefault()
	out := make([]string, len(s.marks))
	for i, m := range s.marks {
		out[i] = fmt.Sprintf("%02d:%02d", int(m.Hours()), int(m.Minutes())%60)
	}
	return out
}

func (s Shifts) String() string { return strings.Join(s.Boundaries(), ",") }

// Next is the first boundary after t.
func (s Shifts) Next(t time.Time) time.Time {
	s = s.orDefault()
	day := midnight(t)
	for d := 0; ; d++ {
		for _, m := range s.marks {
			if b := day.AddDate(0, 0, d).Add(m); b.After(t) {
				return b
			}
		}
	}
}

// Last is the last boundary at or before t.
func (s Shifts) Last(t time.Time) time.Time {
	s = s.orDefault()
	day := midnight(t)
	for d := 0; ; d-- {
		for _, m := range slices.Backward(s.marks) {
			if b := day.AddDate(0, 0, d).Add(m); !b.After(t) {
				return b
			}
		}
	}
}

// Start is when the shift that ends at until began: the last boundary
// before until.
func (s Shifts) Start(until time.Time) time.Time {
	return s.Last(until.Add(-time.Nanosecond))
}

func midnight(t time.Time) time.Time {
	l := t.In(Beijing)
	return time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, Beijing)
}
