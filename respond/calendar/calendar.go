// Package calendar computes working-day deadlines for 12345 hotline and
// online message-board work orders under China's official holiday
// arrangements (国务院办公厅关于XXXX年部分节假日安排的通知), including the
// make-up working days (调休上班) that fall on weekends.
//
// # Data
//
// The arrangements are data, not code. A data file is UTF-8 text, one
// directive per line; '#' at the start of a field starts a comment that runs
// to the end of the line, blank lines are ignored:
//
//	year 2025 国务院办公厅关于2025年部分节假日安排的通知 国办发明电〔2024〕12号
//	off  2025-01-28..2025-02-04 春节      # 放假: one date or an inclusive range
//	work 2025-01-26 春节调休               # 调休上班: must be a Saturday or Sunday
//
// "year Y <source>" opens the section for year Y and records the notice it
// was transcribed from; every off/work line belongs to the section above it.
// A section may list dates in its own year and, because a notice can move
// days across New Year (e.g. the 2019 notice made 2018-12-29 a working day),
// in December of Y-1 and January of Y+1. Load rejects, with the line number:
// unknown directives, bad dates, a date outside its section, ranges that run
// backwards or over 31 days, make-up days on Monday–Friday, a date listed
// twice, and a date listed both as holiday and as make-up working day.
//
// A year is covered only if the loaded data has a "year" section for it.
// Dates in uncovered years fall back to Monday–Friday working days, and every
// computation that touches an uncovered year says so (Deadline.Uncovered,
// CheckRange, Covered) so the caller can surface it instead of trusting a
// guess.
//
// Default returns the embedded arrangements for 2024, 2025 and 2026. An
// operator adds a year (or corrects one) without a release by dropping a file
// in the same format and loading it with LoadOverlay: each year section in the
// file replaces the embedded section for that year as a whole.
//
// # Time
//
// All dates are civil dates in the calendar's time zone, Asia/Shanghai by
// default (the tz database is embedded via time/tzdata, so hosts without
// zoneinfo work). The due-time rule is documented on Calendar.Deadline.
//
// A Calendar is immutable after construction and safe for concurrent use.
package calendar

import (
	"bufio"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // Asia/Shanghai must load on hosts without zoneinfo.

	"yuqing/internal/clock"
)

// DefaultZone is the time zone of the default calendar.
const DefaultZone = "Asia/Shanghai"

//go:embed cn_holidays.txt
var defaultData string

// DayKind classifies a civil date.
type DayKind int

const (
	// Workday is an ordinary Monday–Friday working day.
	Workday DayKind = iota
	// Weekend is an ordinary Saturday or Sunday.
	Weekend
	// Holiday is a day off under a holiday notice (放假, including the
	// weekdays swapped into a holiday block by 调休).
	Holiday
	// MakeupWorkday is a Saturday or Sunday declared a working day (调休上班).
	MakeupWorkday
)

// String returns a short English name for k.
func (k DayKind) String() string {
	switch k {
	case Workday:
		return "workday"
	case Weekend:
		return "weekend"
	case Holiday:
		return "holiday"
	case MakeupWorkday:
		return "makeup-workday"
	}
	return "DayKind(" + strconv.Itoa(int(k)) + ")"
}

// IsWorking reports whether a day of kind k is a working day.
func (k DayKind) IsWorking() bool { return k == Workday || k == MakeupWorkday }

// ParseError is one problem in a data file. Load joins all problems it finds
// (errors.Join), so errors.As finds the first and the message lists them all.
type ParseError struct {
	Line int    // 1-based line number
	Msg  string // what is wrong
}

func (e *ParseError) Error() string { return fmt.Sprintf("calendar: line %d: %s", e.Line, e.Msg) }

// UncoveredError reports years for which no holiday arrangement is loaded;
// results for dates in those years assumed Monday–Friday working days.
type UncoveredError struct {
	Years []int // sorted ascending
}

func (e *UncoveredError) Error() string {
	ys := make([]string, len(e.Years))
	for i, y := range e.Years {
		ys[i] = strconv.Itoa(y)
	}
	return "calendar: no holiday arrangement loaded for " + strings.Join(ys, ", ") +
		"; Monday–Friday assumed (add the year's notice with LoadOverlay)"
}

// entry is one listed date.
type entry struct {
	day  int // civil day number, see dayNum
	kind DayKind
	name string
	line int
}

// section is one year's notice.
type section struct {
	year    int
	source  string
	line    int
	entries []entry
}

// indexed is a listed date together with the section year that listed it.
type indexed struct {
	entry
	year int
}

// Calendar answers working-day questions for one set of holiday
// arrangements in one time zone. Create it with Default, Load, LoadFile or
// LoadOverlay; adjust it with the With* methods, which return copies.
type Calendar struct {
	sections map[int]*section
	days     map[int]indexed

	loc          *time.Location
	open, close  time.Duration // working window within each working day
	deferReceipt bool
}

func newCalendar(secs map[int]*section) (*Calendar, error) {
	c := &Calendar{sections: secs, loc: clock.Shanghai(), close: 24 * time.Hour}
	if err := c.reindex(); err != nil {
		return nil, err
	}
	return c, nil
}

// reindex rebuilds c.days from c.sections. Two sections listing the same date
// with different kinds (possible only across the New Year boundary) is an
// error; listing it with the same kind is harmless.
func (c *Calendar) reindex() error {
	c.days = make(map[int]indexed)
	var errs []error
	for _, y := range c.Years() {
		s := c.sections[y]
		for _, e := range s.entries {
			if prev, ok := c.days[e.day]; ok && prev.year != y {
				if prev.kind != e.kind {
					errs = append(errs, fmt.Errorf("calendar: %s is a %s in the %d section (line %d) but a %s in the %d section (line %d)",
						formatDay(e.day), prev.kind, prev.year, prev.line, e.kind, y, e.line))
				}
				continue
			}
			c.days[e.day] = indexed{entry: e, year: y}
		}
	}
	return errors.Join(errs...)
}

var defaultCalendar = sync.OnceValue(func() *Calendar {
	c, err := Load(strings.NewReader(defaultData))
	if err != nil {
		panic("calendar: embedded cn_holidays.txt is invalid: " + err.Error())
	}
	return c
})

// Default returns the calendar built from the embedded official arrangements
// (2024–2026), in Asia/Shanghai, with working days ending at 24:00. The
// returned value is shared and immutable.
func Default() *Calendar { return defaultCalendar() }

// LoadFile reads a data file (see the package doc). It covers only the years
// in the file; use LoadOverlay to combine it with the embedded data.
func LoadFile(path string) (*Calendar, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("calendar: %w", err)
	}
	defer f.Close()
	c, err := Load(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// LoadOverlay returns Default() with the data file at path merged over it
// (see Merge): the file's year sections replace the embedded ones.
func LoadOverlay(path string) (*Calendar, error) {
	over, err := LoadFile(path)
	if err != nil {
		return nil, err
	}
	return Default().Merge(over)
}

// Merge returns a calendar with c's sections, except that every year section
// present in over replaces c's section for that year as a whole (a year's
// arrangement comes from one notice, so dates are never mixed within a year).
// Settings (time zone, working hours, receipt rule) are c's. It fails if the
// result lists a date near New Year with conflicting kinds in two sections.
func (c *Calendar) Merge(over *Calendar) (*Calendar, error) {
	secs := make(map[int]*section, len(c.sections)+len(over.sections))
	for y, s := range c.sections {
		secs[y] = s
	}
	for y, s := range over.sections {
		secs[y] = s
	}
	m := *c
	m.sections = secs
	if err := m.reindex(); err != nil {
		return nil, err
	}
	return &m, nil
}

// Load parses a data file (see the package doc). All problems are reported,
// each as a *ParseError carrying its line number, joined with errors.Join.
func Load(r io.Reader) (*Calendar, error) {
	secs := make(map[int]*section)
	seen := make(map[int]entry) // day -> first listing, across the whole file
	var (
		cur  *section
		errs []error
	)
	fail := func(line int, format string, args ...any) {
		errs = append(errs, &ParseError{Line: line, Msg: fmt.Sprintf(format, args...)})
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for ln := 1; sc.Scan(); ln++ {
		text := sc.Text()
		if ln == 1 {
			text = strings.TrimPrefix(text, "\uFEFF")
		}
		fields := strings.Fields(text)
		for i, f := range fields {
			if strings.HasPrefix(f, "#") {
				fields = fields[:i]
				break
			}
		}
		if len(fields) == 0 {
			continue
		}
		name := strings.Join(fields[min(2, len(fields)):], " ")
		switch fields[0] {
		case "year":
			if len(fields) < 2 {
				fail(ln, "year: missing year number")
				cur = nil
				continue
			}
			y, err := strconv.Atoi(fields[1])
			if err != nil || y < 1900 || y > 9999 {
				fail(ln, "year: %q is not a year", fields[1])
				cur = nil
				continue
			}
			if prev, ok := secs[y]; ok {
				fail(ln, "year %d already started on line %d", y, prev.line)
				cur = nil
				continue
			}
			cur = &section{year: y, source: name, line: ln}
			secs[y] = cur
		case "off", "work":
			if cur == nil {
				fail(ln, "%s: no valid \"year\" line above it", fields[0])
				continue
			}
			if len(fields) < 2 {
				fail(ln, "%s: missing date", fields[0])
				continue
			}
			first, last, err := parseDates(fields[1], fields[0] == "off")
			if err != nil {
				fail(ln, "%s: %v", fields[0], err)
				continue
			}
			kind := Holiday
			if fields[0] == "work" {
				kind = MakeupWorkday
			}
			for d := first; d <= last; d++ {
				if !inSection(d, cur.year) {
					fail(ln, "%s is outside the %d section (allowed: %d, December %d, January %d)",
						formatDay(d), cur.year, cur.year, cur.year-1, cur.year+1)
					continue
				}
				if kind == MakeupWorkday && !isWeekend(d) {
					fail(ln, "make-up working day %s is a %s; 调休上班 days must be a Saturday or Sunday",
						formatDay(d), weekday(d))
					continue
				}
				if prev, ok := seen[d]; ok {
					if prev.kind == kind {
						fail(ln, "duplicate date %s (already listed on line %d)", formatDay(d), prev.line)
					} else {
						fail(ln, "%s listed as %s here but as %s on line %d; a date cannot be both holiday and make-up working day",
							formatDay(d), kind, prev.kind, prev.line)
					}
					continue
				}
				e := entry{day: d, kind: kind, name: name, line: ln}
				seen[d] = e
				cur.entries = append(cur.entries, e)
			}
		default:
			fail(ln, "unknown directive %q (want year, off or work)", fields[0])
		}
	}
	if err := sc.Err(); err != nil {
		errs = append(errs, fmt.Errorf("calendar: read: %w", err))
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return newCalendar(secs)
}

// parseDates parses "YYYY-MM-DD" or, if ranges, "YYYY-MM-DD..YYYY-MM-DD".
func parseDates(s string, ranges bool) (first, last int, err error) {
	a, b, isRange := strings.Cut(s, "..")
	if isRange && !ranges {
		return 0, 0, fmt.Errorf("%q: a make-up working day is a single date, not a range", s)
	}
	if first, err = parseDay(a); err != nil {
		return 0, 0, err
	}
	last = first
	if isRange {
		if last, err = parseDay(b); err != nil {
			return 0, 0, err
		}
		if last < first {
			return 0, 0, fmt.Errorf("range %q ends before it starts", s)
		}
		if last-first > 30 {
			return 0, 0, fmt.Errorf("range %q is longer than 31 days", s)
		}
	}
	return first, last, nil
}

func parseDay(s string) (int, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil || len(s) != len(time.DateOnly) {
		return 0, fmt.Errorf("bad date %q (want YYYY-MM-DD, a real calendar date)", s)
	}
	return dayNum(t.Date()), nil
}

func inSection(d, year int) bool {
	y, m, _ := civil(d)
	return y == year || (y == year-1 && m == time.December) || (y == year+1 && m == time.January)
}

// Civil day numbers: days since 1970-01-01, independent of any time zone.

func dayNum(y int, m time.Month, d int) int {
	return int(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400)
}

func civil(n int) (int, time.Month, int) {
	return time.Unix(int64(n)*86400, 0).UTC().Date()
}

func weekday(n int) time.Weekday { return time.Weekday(((n+4)%7 + 7) % 7) } // 1970-01-01 was a Thursday

func isWeekend(n int) bool { w := weekday(n); return w == time.Saturday || w == time.Sunday }

func formatDay(n int) string {
	y, m, d := civil(n)
	return fmt.Sprintf("%04d-%02d-%02d", y, int(m), d)
}

// Years returns the covered years, ascending.
func (c *Calendar) Years() []int {
	ys := make([]int, 0, len(c.sections))
	for y := range c.sections {
		ys = append(ys, y)
	}
	sort.Ints(ys)
	return ys
}

// Covered reports whether the calendar has a holiday arrangement for year.
// For an uncovered year, every date is treated as Monday–Friday working days.
func (c *Calendar) Covered(year int) bool { _, ok := c.sections[year]; return ok }

// Source returns the notice recorded on the year's "year" line ("" if the
// year is not covered).
func (c *Calendar) Source(year int) string {
	if s, ok := c.sections[year]; ok {
		return s.source
	}
	return ""
}

// Location returns the calendar's time zone.
func (c *Calendar) Location() *time.Location { return c.loc }

// WithLocation returns a copy of c whose civil dates are taken in loc.
func (c *Calendar) WithLocation(loc *time.Location) *Calendar {
	if loc == nil {
		panic("calendar: nil location")
	}
	cp := *c
	cp.loc = loc
	return &cp
}

// WithWorkingHours returns a copy of c whose working window on each working
// day is [open, close) after local midnight, 0 <= open < close <= 24h. The
// default is [0, 24h): a deadline falls at 24:00 of its day. With close = 18h
// it falls at 18:00 (office close); open matters only for pauses, since only
// paused time inside the window is given back (see Deadline).
func (c *Calendar) WithWorkingHours(open, close time.Duration) (*Calendar, error) {
	if open < 0 || close <= open || close > 24*time.Hour {
		return nil, fmt.Errorf("calendar: working hours [%v, %v) must satisfy 0 <= open < close <= 24h", open, close)
	}
	cp := *c
	cp.open, cp.close = open, close
	return &cp, nil
}

// WithDeferredReceipt returns a copy of c with the receipt rule for orders
// received on non-working days changed. By default (false) the period starts
// the day after the receipt date whatever that date is, so an order received
// on Saturday has Monday as its first working day. With true, an order
// received on a non-working day is treated as received on the next working
// day, which then is not counted either (Tuesday becomes the first day), as
// some localities' rules read "节假日受理的，自节后第一个工作日受理".
func (c *Calendar) WithDeferredReceipt(on bool) *Calendar {
	cp := *c
	cp.deferReceipt = on
	return &cp
}

// dayOf returns the civil day number of t in c's zone.
func (c *Calendar) dayOf(t time.Time) int { return dayNum(t.In(c.loc).Date()) }

// at returns the instant off after local midnight of day n (wall clock).
func (c *Calendar) at(n int, off time.Duration) time.Time {
	y, m, d := civil(n)
	return time.Date(y, m, d, 0, 0, 0, int(off), c.loc)
}

func (c *Calendar) kind(n int) (DayKind, string) {
	if e, ok := c.days[n]; ok {
		return e.kind, e.name
	}
	if isWeekend(n) {
		return Weekend, ""
	}
	return Workday, ""
}

func (c *Calendar) working(n int) bool { k, _ := c.kind(n); return k.IsWorking() }

// Kind classifies the civil date of t (in c's zone) and returns the holiday
// or make-up name from the data file, if any. In an uncovered year the
// answer is the Monday–Friday fallback; check Covered(year).
func (c *Calendar) Kind(t time.Time) (DayKind, string) { return c.kind(c.dayOf(t)) }

// IsWorkday reports whether the civil date of t (in c's zone) is a working
// day: Monday–Friday unless a holiday, or a make-up working day. In an
// uncovered year the answer is the Monday–Friday fallback; check Covered.
func (c *Calendar) IsWorkday(t time.Time) bool { return c.working(c.dayOf(t)) }

// CheckRange returns an *UncoveredError naming every year between the civil
// dates of a and b (inclusive, either order) that the calendar does not
// cover, or nil.
func (c *Calendar) CheckRange(a, b time.Time) error {
	ya, yb := a.In(c.loc).Year(), b.In(c.loc).Year()
	if yb < ya {
		ya, yb = yb, ya
	}
	return c.uncovered(ya, yb)
}

func (c *Calendar) uncovered(from, to int) error {
	var ys []int
	for y := from; y <= to; y++ {
		if !c.Covered(y) {
			ys = append(ys, y)
		}
	}
	if ys == nil {
		return nil
	}
	return &UncoveredError{Years: ys}
}
