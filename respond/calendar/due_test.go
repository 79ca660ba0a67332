package calendar

import (
	"errors"
	"testing"
	"time"
)

func office(t *testing.T, open, close time.Duration) *Calendar {
	t.Helper()
	c, err := Default().WithWorkingHours(open, close)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Due times below are instants in Asia/Shanghai. With the default working
// window a deadline is 24:00 of the due day, written as 00:00 of the next.
func TestAddWorkdays(t *testing.T) {
	def := Default()
	close18 := office(t, 0, 18*time.Hour)
	deferred := Default().WithDeferredReceipt(true)
	tests := []struct {
		name     string
		cal      *Calendar
		received string
		n        int
		want     string
	}{
		// Ordinary Friday evening receipt: Saturday/Sunday skipped, receipt day not counted.
		{"friday evening n=1", def, "2025-03-14 19:30", 1, "2025-03-18 00:00"},
		{"friday evening n=3", def, "2025-03-14 19:30", 3, "2025-03-20 00:00"},
		{"friday evening n=5", def, "2025-03-14 19:30", 5, "2025-03-22 00:00"},
		{"friday evening n=13", def, "2025-03-14 19:30", 13, "2025-04-03 00:00"},
		{"friday evening n=1 office close 18:00", close18, "2025-03-14 19:30", 1, "2025-03-17 18:00"},

		// Spring Festival 2025: Jan 28–Feb 4 off; Jan 26 (Sun) and Feb 8 (Sat) working.
		{"2025 spring friday n=1 lands on makeup sunday", def, "2025-01-24 20:00", 1, "2025-01-27 00:00"},
		{"2025 spring friday n=3", def, "2025-01-24 20:00", 3, "2025-02-06 00:00"},
		{"2025 spring friday n=5", def, "2025-01-24 20:00", 5, "2025-02-08 00:00"},
		{"2025 spring friday n=13 counts makeup saturday", def, "2025-01-24 20:00", 13, "2025-02-19 00:00"},
		{"2025 spring received on makeup sunday n=1", def, "2025-01-26 11:00", 1, "2025-01-28 00:00"},
		{"2025 spring received on makeup sunday n=3", def, "2025-01-26 11:00", 3, "2025-02-07 00:00"},
		{"2025 spring received in holiday n=1", def, "2025-01-30 09:00", 1, "2025-02-06 00:00"},
		{"2025 spring received in holiday n=3", def, "2025-01-30 09:00", 3, "2025-02-08 00:00"},
		{"2025 spring received in holiday n=5", def, "2025-01-30 09:00", 5, "2025-02-11 00:00"},
		{"2025 spring received in holiday n=1 deferred", deferred, "2025-01-30 09:00", 1, "2025-02-07 00:00"},
		{"2025 received on makeup saturday n=1", def, "2025-02-08 14:00", 1, "2025-02-11 00:00"},

		// National Day 2025: Oct 1–8 off; Sep 28 (Sun) and Oct 11 (Sat) working.
		{"2025 national day n=1", def, "2025-09-30 10:00", 1, "2025-10-10 00:00"},
		{"2025 national day n=3 ends on makeup saturday", def, "2025-09-30 10:00", 3, "2025-10-12 00:00"},
		{"2025 national day n=3 office close", close18, "2025-09-30 10:00", 3, "2025-10-11 18:00"},
		{"2025 national day n=5", def, "2025-09-30 10:00", 5, "2025-10-15 00:00"},
		{"2025 national day n=13", def, "2025-09-30 10:00", 13, "2025-10-25 00:00"},
		{"2025 ordinary saturday n=1 lands on makeup sunday", def, "2025-09-27 09:00", 1, "2025-09-29 00:00"},
		{"2025 received on makeup saturday oct 11 n=1", def, "2025-10-11 16:00", 1, "2025-10-14 00:00"},

		// Spring Festival 2026: Feb 15–23 off; Feb 14 (Sat) and Feb 28 (Sat) working.
		{"2026 spring friday n=1", def, "2026-02-13 17:00", 1, "2026-02-15 00:00"},
		{"2026 spring friday n=3", def, "2026-02-13 17:00", 3, "2026-02-26 00:00"},
		{"2026 spring friday n=5", def, "2026-02-13 17:00", 5, "2026-02-28 00:00"},
		{"2026 spring friday n=13", def, "2026-02-13 17:00", 13, "2026-03-11 00:00"},
		{"2026 received on makeup saturday n=1", def, "2026-02-14 10:00", 1, "2026-02-25 00:00"},
		{"2026 received on makeup saturday n=5", def, "2026-02-14 10:00", 5, "2026-03-01 00:00"},

		// Mid-Autumn + National Day 2026: Sep 25–27 and Oct 1–7 off; Sep 20 (Sun), Oct 10 (Sat) working.
		{"2026 autumn n=3", def, "2026-09-23 10:00", 3, "2026-09-30 00:00"},
		{"2026 autumn n=5", def, "2026-09-23 10:00", 5, "2026-10-09 00:00"},
		{"2026 national day n=3", def, "2026-09-30 10:00", 3, "2026-10-11 00:00"},
		{"2026 ordinary saturday n=1 lands on makeup sunday", def, "2026-09-19 09:00", 1, "2026-09-21 00:00"},
		{"2026 new year across year end", def, "2025-12-31 16:00", 1, "2026-01-05 00:00"},

		// Non-working-day receipt, default vs deferred rule.
		{"saturday n=1", def, "2025-03-15 10:00", 1, "2025-03-18 00:00"},
		{"saturday n=1 deferred", deferred, "2025-03-15 10:00", 1, "2025-03-19 00:00"},
		{"working day unaffected by deferred", deferred, "2025-03-14 19:30", 1, "2025-03-18 00:00"},

		// n = 0: same day.
		{"n=0 working day", def, "2025-03-17 10:00", 0, "2025-03-18 00:00"},
		{"n=0 after office close", close18, "2025-03-17 19:00", 0, "2025-03-18 18:00"},
		{"n=0 in holiday", def, "2025-01-30 09:00", 0, "2025-02-06 00:00"},
		{"negative n treated as 0", def, "2025-03-17 10:00", -2, "2025-03-18 00:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.cal.AddWorkdays(cst(t, tt.received), tt.n)
			if want := cst(t, tt.want); !got.Equal(want) {
				t.Errorf("AddWorkdays(%s, %d) = %s, want %s", tt.received, tt.n, got.In(sh).Format(time.DateTime), tt.want)
			}
		})
	}
}

func TestAddWorkdaysZoneOfReceipt(t *testing.T) {
	c := Default()
	// 2025-01-26 23:30 in Beijing (a make-up Sunday) vs 2025-01-27 00:30 (Monday).
	late := time.Date(2025, 1, 26, 15, 30, 0, 0, time.UTC)
	early := time.Date(2025, 1, 26, 16, 30, 0, 0, time.UTC)
	if got, want := c.AddWorkdays(late, 1), cst(t, "2025-01-28 00:00"); !got.Equal(want) {
		t.Errorf("late: %v, want %v", got, want)
	}
	if got, want := c.AddWorkdays(early, 1), cst(t, "2025-02-06 00:00"); !got.Equal(want) {
		t.Errorf("early: %v, want %v", got, want)
	}
	if loc := c.AddWorkdays(late, 1).Location(); loc.String() != DefaultZone {
		t.Errorf("due time in %v, want %s", loc, DefaultZone)
	}
}

func TestDeadlinePausesAndExtensions(t *testing.T) {
	def := Default()
	p := func(from, to string) Pause { return Pause{From: cst(t, from), To: cst(t, to)} }
	tests := []struct {
		name     string
		cal      *Calendar
		received string
		n        int
		pauses   []Pause
		ext      []int
		want     string
		paused   time.Duration
		budget   int
	}{
		// Nominal: Jan 21, 22, 23, 24, 26 (makeup Sun) → due end of Jan 26.
		{"no pause", def, "2025-01-20 10:00", 5, nil, nil, "2025-01-27 00:00", 0, 5},
		// Paused Fri Jan 24 .. Wed Feb 5: weekend, makeup Sunday, Monday and the
		// whole Spring Festival. Lost working days: Jan 24, 26, 27.
		{"pause over weekend and holiday", def, "2025-01-20 10:00", 5,
			[]Pause{p("2025-01-24 00:00", "2025-02-05 00:00")}, nil, "2025-02-07 00:00", 72 * time.Hour, 5},
		// Partial days: 9h + 24h×3 + 10h = 91h paused, rounded up to 4 working days.
		{"partial-day pause rounds up", def, "2025-01-20 10:00", 5,
			[]Pause{p("2025-01-23 15:00", "2025-02-05 10:00")}, nil, "2025-02-08 00:00", 91 * time.Hour, 5},
		{"pause only on weekend and holiday costs nothing", def, "2025-01-20 10:00", 5,
			[]Pause{p("2025-01-25 00:00", "2025-01-26 00:00"), p("2025-01-28 00:00", "2025-02-05 00:00")}, nil,
			"2025-01-27 00:00", 0, 5},
		{"pause on receipt day costs nothing", def, "2025-01-20 10:00", 5,
			[]Pause{p("2025-01-20 10:00", "2025-01-21 00:00")}, nil, "2025-01-27 00:00", 0, 5},
		{"pause after due costs nothing", def, "2025-01-20 10:00", 5,
			[]Pause{p("2025-02-10 00:00", "2025-02-12 00:00")}, nil, "2025-01-27 00:00", 0, 5},
		{"overlapping pauses count once", def, "2025-01-20 10:00", 5,
			[]Pause{p("2025-01-22 00:00", "2025-01-23 00:00"), p("2025-01-21 00:00", "2025-01-22 12:00")}, nil,
			"2025-02-06 00:00", 48 * time.Hour, 5},
		{"empty pause ignored", def, "2025-01-20 10:00", 5,
			[]Pause{p("2025-01-22 00:00", "2025-01-22 00:00")}, nil, "2025-01-27 00:00", 0, 5},
		// 2026: paused Sep 23 12:00 .. Oct 9 12:00 across Mid-Autumn and National Day.
		// Paused working time: 12h + 24h (Sep 24) + 72h (Sep 28–30) + 24h (Oct 8) + 12h = 6 days.
		{"2026 pause over mid-autumn and national day", def, "2026-09-18 09:00", 5,
			[]Pause{p("2026-09-23 12:00", "2026-10-09 12:00")}, nil, "2026-10-11 00:00", 144 * time.Hour, 5},
		// Overnight pause: costs a day with the 24h window, nothing with office hours 09:00–18:00.
		{"overnight pause, 24h window", def, "2025-03-14 19:30", 3,
			[]Pause{p("2025-03-17 18:00", "2025-03-18 09:00")}, nil, "2025-03-21 00:00", 15 * time.Hour, 3},
		{"overnight pause, office hours", office(t, 9*time.Hour, 18*time.Hour), "2025-03-14 19:30", 3,
			[]Pause{p("2025-03-17 18:00", "2025-03-18 09:00")}, nil, "2025-03-19 18:00", 0, 3},
		{"short pause in office hours", office(t, 9*time.Hour, 18*time.Hour), "2025-03-14 19:30", 3,
			[]Pause{p("2025-03-17 10:00", "2025-03-17 11:00")}, nil, "2025-03-20 18:00", time.Hour, 3},

		// Extensions (延期): +k working days each.
		{"extension +5", def, "2025-03-14 19:30", 5, nil, []int{5}, "2025-03-29 00:00", 0, 10},
		{"two extensions over qingming", def, "2025-03-14 19:30", 13, nil, []int{5, 3}, "2025-04-16 00:00", 0, 21},
		{"extension on n=0", def, "2025-03-17 10:00", 0, nil, []int{1}, "2025-03-19 00:00", 0, 1},
		// Received Fri Sep 26 2025; nominal n=3 is Sep 28 (makeup Sun), 29, 30.
		// Paused Sep 29..Oct 10 (loses Sep 29, 30, Oct 9), extended by 2:
		// counted days Sep 28, Oct 10, 11 (makeup Sat), 13, 14.
		{"pause and extension across national day", def, "2025-09-26 10:00", 3,
			[]Pause{p("2025-09-29 00:00", "2025-10-10 00:00")}, []int{2}, "2025-10-15 00:00", 72 * time.Hour, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := tt.cal.Deadline(cst(t, tt.received), tt.n, tt.pauses, tt.ext...)
			if err != nil {
				t.Fatal(err)
			}
			if want := cst(t, tt.want); !d.Due.Equal(want) {
				t.Errorf("Due = %s, want %s", d.Due.In(sh).Format(time.DateTime), tt.want)
			}
			if d.Paused != tt.paused {
				t.Errorf("Paused = %v, want %v", d.Paused, tt.paused)
			}
			if d.Workdays != tt.budget {
				t.Errorf("Workdays = %d, want %d", d.Workdays, tt.budget)
			}
			if d.Uncovered != nil || d.Err() != nil {
				t.Errorf("covered dates reported uncovered: %v", d.Uncovered)
			}
		})
	}
}

func TestDeadlinePauseInputIsNotModified(t *testing.T) {
	ps := []Pause{
		{From: cst(t, "2025-01-22 00:00"), To: cst(t, "2025-01-23 00:00")},
		{From: cst(t, "2025-01-21 00:00"), To: cst(t, "2025-01-22 12:00")},
	}
	before := append([]Pause(nil), ps...)
	if _, err := Default().Deadline(cst(t, "2025-01-20 10:00"), 5, ps); err != nil {
		t.Fatal(err)
	}
	for i := range ps {
		if ps[i] != before[i] {
			t.Fatalf("pause %d modified: %v", i, ps[i])
		}
	}
}

func TestDeadlineUncoveredYear(t *testing.T) {
	c := Default()
	tests := []struct {
		received string
		n        int
		want     string
		years    []int
	}{
		{"2027-03-01 10:00", 3, "2027-03-05 00:00", []int{2027}},   // Mon–Fri fallback
		{"2026-12-30 10:00", 3, "2027-01-05 00:00", []int{2027}},   // Jan 1 2027 assumed working
		{"2023-12-29 10:00", 1, "2024-01-03 00:00", []int{2023}},   // receipt year uncovered
		{"2028-06-01 10:00", 1, "2028-06-03 00:00", []int{2028}},   // Thursday → Friday
		{"2026-12-30 10:00", 1, "2027-01-01 00:00", nil},           // due Dec 31 2026: covered
		{"2026-12-31 10:00", 0, "2027-01-01 00:00", nil},           // same day
		{"2026-12-31 10:00", 1, "2027-01-02 00:00", []int{2027}},   // due Jan 1 2027
		{"2024-01-02 10:00", 400, "2025-08-12 00:00", nil},         // long span, all covered
		{"2026-06-01 10:00", 400, "2027-12-21 00:00", []int{2027}}, // span into 2027
		{"2025-06-03 10:00", 13, "2025-06-21 00:00", nil},          // after Dragon Boat 2025
	}
	for _, tt := range tests {
		d, err := c.Deadline(cst(t, tt.received), tt.n, nil)
		if err != nil {
			t.Fatal(err)
		}
		if want := cst(t, tt.want); !d.Due.Equal(want) {
			t.Errorf("%s n=%d: Due = %s, want %s", tt.received, tt.n, d.Due.In(sh).Format(time.DateTime), tt.want)
		}
		if len(d.Uncovered) != len(tt.years) || (len(tt.years) > 0 && d.Uncovered[0] != tt.years[0]) {
			t.Errorf("%s n=%d: Uncovered = %v, want %v", tt.received, tt.n, d.Uncovered, tt.years)
		}
		var ue *UncoveredError
		if (len(tt.years) > 0) != errors.As(d.Err(), &ue) {
			t.Errorf("%s n=%d: Err() = %v", tt.received, tt.n, d.Err())
		}
	}
}

func TestDeadlineRejectsBadInput(t *testing.T) {
	c := Default()
	at := cst(t, "2025-03-17 10:00")
	cases := map[string]func() error{
		"negative n":         func() error { _, err := c.Deadline(at, -1, nil); return err },
		"negative extension": func() error { _, err := c.Deadline(at, 3, nil, 2, -1); return err },
		"too many days":      func() error { _, err := c.Deadline(at, MaxWorkdays, nil, 1); return err },
		"open pause": func() error {
			_, err := c.Deadline(at, 3, []Pause{{From: at}})
			return err
		},
		"pause without start": func() error {
			_, err := c.Deadline(at, 3, []Pause{{To: at}})
			return err
		},
		"pause backwards": func() error {
			_, err := c.Deadline(at, 3, []Pause{{From: at, To: at.Add(-time.Hour)}})
			return err
		},
	}
	for name, f := range cases {
		if f() == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestDeadlineMet(t *testing.T) {
	d, err := Default().Deadline(cst(t, "2025-09-30 10:00"), 1, nil) // due 24:00 Oct 9
	if err != nil {
		t.Fatal(err)
	}
	for at, want := range map[string]bool{
		"2025-10-09 23:59": true,
		"2025-10-10 00:00": true,
		"2025-10-10 00:01": false,
	} {
		if d.Met(cst(t, at)) != want {
			t.Errorf("Met(%s) = %v", at, !want)
		}
	}
}

func TestWorkdaysBetween(t *testing.T) {
	c := Default()
	tests := []struct {
		a, b string
		want int
	}{
		{"2025-01-24 20:00", "2025-02-05 10:00", 3}, // Jan 26 (makeup), Jan 27, Feb 5
		{"2025-02-05 10:00", "2025-01-24 20:00", -3},
		{"2025-03-17 09:00", "2025-03-17 18:00", 0},
		{"2025-03-14 19:30", "2025-03-17 08:00", 1},
		{"2025-09-30 10:00", "2025-10-11 10:00", 3}, // Oct 9, 10, 11 (makeup)
		{"2025-10-01 10:00", "2025-10-08 10:00", 0}, // all holiday
		{"2026-02-13 10:00", "2026-03-02 10:00", 7}, // Feb 14, 24, 25, 26, 27, 28, Mar 2
	}
	for _, tt := range tests {
		if got := c.WorkdaysBetween(cst(t, tt.a), cst(t, tt.b)); got != tt.want {
			t.Errorf("WorkdaysBetween(%s, %s) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}

// Every receipt day in the covered years: the due day is a working day and
// WorkdaysBetween counts exactly n working days to it.
func TestAddWorkdaysConsistentWithWorkdaysBetween(t *testing.T) {
	c := Default()
	for day := cst(t, "2024-01-01 15:00"); day.Year() < 2027; day = day.AddDate(0, 0, 1) {
		for _, n := range []int{1, 3, 5, 13} {
			due := c.AddWorkdays(day, n)
			last := due.Add(-time.Nanosecond) // 23:59:59.999… of the due day
			if !c.IsWorkday(last) {
				t.Fatalf("%s n=%d: due day %s is not a working day", day.Format(time.DateOnly), n, last.Format(time.DateOnly))
			}
			if got := c.WorkdaysBetween(day, last); got != n {
				t.Fatalf("%s n=%d: WorkdaysBetween to due day = %d", day.Format(time.DateOnly), n, got)
			}
		}
	}
}
