package calendar

import (
	"errors"
	"fmt"
	"sort"
	"time"
)

// MaxWorkdays bounds the working-day budget of one Deadline call (n plus
// extensions); larger budgets are rejected as input errors.
const MaxWorkdays = 10000

// maxScanDays bounds how far Deadline walks the calendar (pauses can be long,
// but not centuries).
const maxScanDays = 100 * 366

// Pause is an interval [From, To) during which the time limit does not run
// (挂起: waiting for the citizen's reply, third-party opinion, etc.). Both ends
// must be set; a pause still open has no defined deadline, so pass the time
// it is expected to end, or the current time to ask "due if resumed now".
type Pause struct {
	From, To time.Time
}

// Deadline is the result of Calendar.Deadline.
type Deadline struct {
	// Due is the instant the order is due: the close of the working window
	// of the due day (24:00, i.e. 00:00 of the next day, by default). An
	// answer at or before Due is on time; see Met.
	Due time.Time
	// Workdays is the budget used: n plus all extensions.
	Workdays int
	// Paused is the paused working time that was given back (paused time
	// inside working windows between the start of counting and Due).
	Paused time.Duration
	// Uncovered lists, ascending, the years from the receipt date to the due
	// date that the calendar has no arrangement for. If non-empty, Due was
	// computed with Monday–Friday working days for those years and must be
	// surfaced as provisional; Err returns it as an *UncoveredError.
	Uncovered []int
}

// Met reports whether an answer at instant t meets the deadline (t <= Due).
func (d Deadline) Met(t time.Time) bool { return !t.After(d.Due) }

// Err returns an *UncoveredError if Uncovered is non-empty, else nil.
func (d Deadline) Err() error {
	if len(d.Uncovered) == 0 {
		return nil
	}
	return &UncoveredError{Years: d.Uncovered}
}

// AddWorkdays returns the due instant for "within n working days" of a
// receipt at start, without pauses or extensions; see Deadline for the rule.
// n < 0 is treated as 0; n > MaxWorkdays panics. It does not report
// uncovered years: use Deadline or CheckRange when the dates may fall outside
// the covered years.
func (c *Calendar) AddWorkdays(start time.Time, n int) time.Time {
	d, err := c.Deadline(start, max(n, 0), nil)
	if err != nil { // only MaxWorkdays or maxScanDays can fail here
		panic(err)
	}
	return d.Due
}

// Deadline computes when a work order received at instant received is due if
// it must be handled "within n working days", given pauses and approved
// extensions (each +k working days, k >= 0). It is pure and deterministic.
//
// The rule (all dates are civil dates in c's zone; the working window of a
// working day is [open, close) after local midnight, default [00:00, 24:00),
// see WithWorkingHours):
//
//  1. The receipt day is not counted (次日起算). Counting starts with the
//     first working day after the receipt date, whatever the time of receipt
//     and whether or not the receipt date is a working day: an order received
//     Friday 20:00, Saturday or during a holiday has the next working day as
//     day 1. (WithDeferredReceipt changes the non-working-day case.)
//  2. The budget is B = n + sum(extensions) working days. Without pauses the
//     order is due at the close of the B-th counted working day: with the
//     defaults, 24:00 of that day; with close = 18h, 18:00.
//  3. Paused time does not count. Each counted working day contributes its
//     window length to the budget, minus the part of its window covered by
//     pauses (overlapping pauses count once; pauses on non-working days, on
//     the receipt date, outside the window, or after Due cost nothing). The
//     due day is the working day on which the unpaused window time reaches
//     B windows, and the order is due at that day's close: paused working
//     time is given back in full and rounded up to whole working days,
//     because a deadline is always the close of a working day.
//  4. B = 0 ("same day") means due at the close of the receipt date if it is
//     a working day and received before its close, otherwise at the close of
//     the next working day; pauses are ignored.
//
// Dates in years the calendar does not cover are treated as Monday–Friday
// working days and listed in the result's Uncovered field. The error is
// non-nil only for invalid input: n or an extension negative, a pause with a
// zero end or To before From, or a budget above MaxWorkdays.
func (c *Calendar) Deadline(received time.Time, n int, pauses []Pause, extensions ...int) (Deadline, error) {
	if n < 0 {
		return Deadline{}, fmt.Errorf("calendar: negative working days %d", n)
	}
	budget := n
	for _, k := range extensions {
		if k < 0 {
			return Deadline{}, fmt.Errorf("calendar: negative extension %d", k)
		}
		budget += k
		if budget > MaxWorkdays {
			break
		}
	}
	if budget > MaxWorkdays {
		return Deadline{}, fmt.Errorf("calendar: %d working days exceeds MaxWorkdays (%d)", budget, MaxWorkdays)
	}
	union, err := mergePauses(pauses)
	if err != nil {
		return Deadline{}, err
	}

	first := c.dayOf(received)
	rd := first
	if c.deferReceipt {
		for i := 0; !c.working(rd); i++ {
			if i > maxScanDays {
				return Deadline{}, errors.New("calendar: no working day found after receipt")
			}
			rd++
		}
	}

	res := Deadline{Workdays: budget}
	due := -1
	if budget == 0 {
		for d := rd; d <= rd+maxScanDays; d++ {
			if c.working(d) && c.at(d, c.close).After(received) {
				due = d
				break
			}
		}
	} else {
		window := c.close - c.open
		target := time.Duration(budget) * window
		var acc time.Duration
		for d := rd + 1; d <= rd+maxScanDays; d++ {
			if !c.working(d) {
				continue
			}
			ws, we := c.at(d, c.open), c.at(d, c.close)
			p := pausedIn(union, ws, we)
			res.Paused += p
			acc += we.Sub(ws) - p
			if acc >= target {
				due = d
				break
			}
		}
	}
	if due < 0 {
		return Deadline{}, errors.New("calendar: deadline beyond the scan limit (pauses too long?)")
	}
	res.Due = c.at(due, c.close)
	fy, _, _ := civil(first)
	dy, _, _ := civil(due)
	if err := c.uncovered(fy, dy); err != nil {
		res.Uncovered = err.(*UncoveredError).Years
	}
	return res, nil
}

// mergePauses validates pauses and returns their union as sorted, disjoint
// intervals.
func mergePauses(ps []Pause) ([]Pause, error) {
	out := make([]Pause, 0, len(ps))
	for i, p := range ps {
		if p.From.IsZero() || p.To.IsZero() {
			return nil, fmt.Errorf("calendar: pause %d has no start or no end; an open pause has no deadline", i)
		}
		if p.To.Before(p.From) {
			return nil, fmt.Errorf("calendar: pause %d ends (%v) before it starts (%v)", i, p.To, p.From)
		}
		if p.To.After(p.From) {
			out = append(out, p)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].From.Before(out[j].From) })
	merged := out[:0]
	for _, p := range out {
		if n := len(merged); n > 0 && !p.From.After(merged[n-1].To) {
			if p.To.After(merged[n-1].To) {
				merged[n-1].To = p.To
			}
			continue
		}
		merged = append(merged, p)
	}
	return merged, nil
}

// pausedIn returns how much of [ws, we) the disjoint sorted union covers.
func pausedIn(union []Pause, ws, we time.Time) time.Duration {
	var sum time.Duration
	for _, p := range union {
		if !p.To.After(ws) {
			continue
		}
		if !p.From.Before(we) {
			break
		}
		from, to := p.From, p.To
		if from.Before(ws) {
			from = ws
		}
		if to.After(we) {
			to = we
		}
		sum += to.Sub(from)
	}
	return sum
}

// WorkdaysBetween returns the number of working days after the civil date of
// a up to and including the civil date of b — the same counting as Deadline,
// so an order received at a and answered at b took WorkdaysBetween(a, b)
// working days (received Friday, answered the next Monday: 1; answered the
// same day: 0). If b's date is before a's the result is negative:
// -WorkdaysBetween(b, a). Pauses are not considered. Uncovered years use the
// Monday–Friday fallback; check CheckRange(a, b).
func (c *Calendar) WorkdaysBetween(a, b time.Time) int {
	da, db := c.dayOf(a), c.dayOf(b)
	sign := 1
	if db < da {
		da, db, sign = db, da, -1
	}
	n := 0
	for d := da + 1; d <= db; d++ {
		if c.working(d) {
			n++
		}
	}
	return sign * n
}
