package calendar

import (
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

var sh = func() *time.Location {
	loc, err := time.LoadLocation(DefaultZone)
	if err != nil {
		panic(err)
	}
	return loc
}()

// cst parses "2006-01-02 15:04" (or "2006-01-02") in Asia/Shanghai.
func cst(t *testing.T, s string) time.Time {
	t.Helper()
	layout := "2006-01-02 15:04"
	if len(s) == len(time.DateOnly) {
		layout = time.DateOnly
	}
	v, err := time.ParseInLocation(layout, s, sh)
	if err != nil {
		t.Fatalf("bad test time %q: %v", s, err)
	}
	return v
}

// notice is an independent transcription of one year's notice, with the
// weekday the notice prints next to each date, so a typo in cn_holidays.txt
// (or here) shows up as a mismatch.
type notice struct {
	year    int
	off     [][2]string // inclusive ranges
	work    []string
	weekday map[string]time.Weekday // dates whose weekday the notice states
}

var notices = []notice{
	{ // 国办发明电〔2023〕7号
		year: 2024,
		off: [][2]string{{"2024-01-01", "2024-01-01"}, {"2024-02-10", "2024-02-17"}, {"2024-04-04", "2024-04-06"},
			{"2024-05-01", "2024-05-05"}, {"2024-06-10", "2024-06-10"}, {"2024-09-15", "2024-09-17"}, {"2024-10-01", "2024-10-07"}},
		work: []string{"2024-02-04", "2024-02-18", "2024-04-07", "2024-04-28", "2024-05-11", "2024-09-14", "2024-09-29", "2024-10-12"},
		weekday: map[string]time.Weekday{"2024-02-04": time.Sunday, "2024-02-18": time.Sunday, "2024-04-07": time.Sunday,
			"2024-04-28": time.Sunday, "2024-05-11": time.Saturday, "2024-09-14": time.Saturday, "2024-09-29": time.Sunday,
			"2024-10-12": time.Saturday},
	},
	{ // 国办发明电〔2024〕12号
		year: 2025,
		off: [][2]string{{"2025-01-01", "2025-01-01"}, {"2025-01-28", "2025-02-04"}, {"2025-04-04", "2025-04-06"},
			{"2025-05-01", "2025-05-05"}, {"2025-05-31", "2025-06-02"}, {"2025-10-01", "2025-10-08"}},
		work: []string{"2025-01-26", "2025-02-08", "2025-04-27", "2025-09-28", "2025-10-11"},
		weekday: map[string]time.Weekday{"2025-01-01": time.Wednesday, "2025-01-28": time.Tuesday, "2025-02-04": time.Tuesday,
			"2025-01-26": time.Sunday, "2025-02-08": time.Saturday, "2025-04-04": time.Friday, "2025-04-06": time.Sunday,
			"2025-05-01": time.Thursday, "2025-05-05": time.Monday, "2025-04-27": time.Sunday, "2025-05-31": time.Saturday,
			"2025-06-02": time.Monday, "2025-10-01": time.Wednesday, "2025-10-08": time.Wednesday,
			"2025-09-28": time.Sunday, "2025-10-11": time.Saturday},
	},
	{ // 国务院办公厅关于2026年部分节假日安排的通知 (2025-11-04)
		year: 2026,
		off: [][2]string{{"2026-01-01", "2026-01-03"}, {"2026-02-15", "2026-02-23"}, {"2026-04-04", "2026-04-06"},
			{"2026-05-01", "2026-05-05"}, {"2026-06-19", "2026-06-21"}, {"2026-09-25", "2026-09-27"}, {"2026-10-01", "2026-10-07"}},
		work: []string{"2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"},
		weekday: map[string]time.Weekday{"2026-01-01": time.Thursday, "2026-01-03": time.Saturday, "2026-01-04": time.Sunday,
			"2026-02-15": time.Sunday, "2026-02-23": time.Monday, "2026-02-14": time.Saturday, "2026-02-28": time.Saturday,
			"2026-04-04": time.Saturday, "2026-04-06": time.Monday, "2026-05-01": time.Friday, "2026-05-05": time.Tuesday,
			"2026-05-09": time.Saturday, "2026-06-19": time.Friday, "2026-06-21": time.Sunday, "2026-09-25": time.Friday,
			"2026-09-27": time.Sunday, "2026-10-01": time.Thursday, "2026-10-07": time.Wednesday,
			"2026-09-20": time.Sunday, "2026-10-10": time.Saturday},
	},
}

func mustDay(t *testing.T, s string) int {
	t.Helper()
	d, err := parseDay(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestDefaultMatchesNotices(t *testing.T) {
	c := Default()
	if got := c.Years(); len(got) != 3 || got[0] != 2024 || got[2] != 2026 {
		t.Fatalf("Years() = %v, want [2024 2025 2026]", got)
	}
	for _, n := range notices {
		want := map[int]DayKind{}
		for _, r := range n.off {
			for d := mustDay(t, r[0]); d <= mustDay(t, r[1]); d++ {
				want[d] = Holiday
			}
		}
		for _, s := range n.work {
			want[mustDay(t, s)] = MakeupWorkday
		}
		got := map[int]DayKind{}
		for _, e := range c.sections[n.year].entries {
			got[e.day] = e.kind
		}
		if len(got) != len(want) {
			t.Errorf("%d: %d listed dates, notice has %d", n.year, len(got), len(want))
		}
		for d, k := range want {
			if got[d] != k || c.days[d].kind != k {
				t.Errorf("%d: %s is %v in data, notice says %v", n.year, formatDay(d), got[d], k)
			}
		}
		for s, wd := range n.weekday {
			if got := weekday(mustDay(t, s)); got != wd {
				t.Errorf("%s: weekday %v, notice says %v", s, got, wd)
			}
		}
		if !strings.Contains(c.Source(n.year), "部分节假日安排的通知") {
			t.Errorf("%d: source %q does not name the notice", n.year, c.Source(n.year))
		}
	}
}

func TestKindAndIsWorkday(t *testing.T) {
	c := Default()
	tests := []struct {
		at   string
		kind DayKind
		name string
	}{
		{"2025-09-28 10:00", MakeupWorkday, "国庆节调休 (周日)"}, // Sunday, works
		{"2025-10-01 10:00", Holiday, "国庆节、中秋节"},
		{"2025-10-08 23:59", Holiday, "国庆节、中秋节"}, // last day of the 8-day block
		{"2025-10-09 00:00", Workday, ""},
		{"2025-10-11 09:00", MakeupWorkday, "国庆节调休 (周六)"},
		{"2025-10-12 09:00", Weekend, ""},
		{"2025-01-26 09:00", MakeupWorkday, "春节调休 (周日)"},
		{"2025-01-28 09:00", Holiday, "春节"},
		{"2025-02-04 09:00", Holiday, "春节"},
		{"2025-02-05 09:00", Workday, ""},
		{"2025-02-08 09:00", MakeupWorkday, "春节调休 (周六)"},
		{"2024-02-09 09:00", Workday, ""}, // 2024 除夕: rest only encouraged, not a holiday
		{"2026-02-14 09:00", MakeupWorkday, "春节调休 (周六)"},
		{"2026-02-23 09:00", Holiday, "春节"},
		{"2026-02-24 09:00", Workday, ""},
		{"2026-09-20 09:00", MakeupWorkday, "国庆节调休 (周日)"},
		{"2026-10-07 09:00", Holiday, "国庆节"},
		{"2026-10-10 09:00", MakeupWorkday, "国庆节调休 (周六)"},
		{"2027-01-01 09:00", Workday, ""}, // uncovered: Monday–Friday fallback (a Friday)
	}
	for _, tt := range tests {
		at := cst(t, tt.at)
		k, name := c.Kind(at)
		if k != tt.kind || name != tt.name {
			t.Errorf("Kind(%s) = %v %q, want %v %q", tt.at, k, name, tt.kind, tt.name)
		}
		if c.IsWorkday(at) != tt.kind.IsWorking() {
			t.Errorf("IsWorkday(%s) = %v", tt.at, !tt.kind.IsWorking())
		}
	}
}

func TestIsWorkdayUsesCalendarZone(t *testing.T) {
	c := Default()
	// 2025-09-30 17:00 UTC is 2025-10-01 01:00 in Beijing: a holiday.
	at := time.Date(2025, 9, 30, 17, 0, 0, 0, time.UTC)
	if c.IsWorkday(at) {
		t.Error("2025-10-01 01:00 CST reported as working day")
	}
	if !c.WithLocation(time.UTC).IsWorkday(at) {
		t.Error("in UTC the same instant is Tuesday 2025-09-30, a working day")
	}
}

func TestCovered(t *testing.T) {
	c := Default()
	for y, want := range map[int]bool{2023: false, 2024: true, 2025: true, 2026: true, 2027: false} {
		if c.Covered(y) != want {
			t.Errorf("Covered(%d) = %v", y, !want)
		}
	}
	err := c.CheckRange(cst(t, "2026-12-30"), cst(t, "2028-01-02"))
	var ue *UncoveredError
	if !errors.As(err, &ue) || len(ue.Years) != 2 || ue.Years[0] != 2027 || ue.Years[1] != 2028 {
		t.Fatalf("CheckRange = %v, want years [2027 2028]", err)
	}
	if !strings.Contains(err.Error(), "2027, 2028") {
		t.Errorf("message %q does not name the years", err)
	}
	if err := c.CheckRange(cst(t, "2026-12-31"), cst(t, "2024-01-01")); err != nil {
		t.Errorf("CheckRange over covered years = %v", err)
	}
}

func TestLoadRejectsMalformed(t *testing.T) {
	const head = "# test\nyear 2025 测试通知\n" // lines 1–2
	tests := []struct {
		name  string
		data  string
		lines []string // each must appear in the error
	}{
		{"bad date", head + "off 2025-02-30 春节\n", []string{"line 3:", `bad date "2025-02-30"`}},
		{"bad date format", head + "off 2025-2-3\n", []string{"line 3:", "bad date"}},
		{"make-up on weekday", head + "work 2025-01-27 春节调休\n", []string{"line 3:", "2025-01-27 is a Monday", "Saturday or Sunday"}},
		{"duplicate date", head + "off 2025-10-01..2025-10-08\noff 2025-10-08\n", []string{"line 4:", "duplicate date 2025-10-08", "line 3"}},
		{"holiday also make-up", head + "off 2025-02-01..2025-02-04\nwork 2025-02-01\n",
			[]string{"line 4:", "2025-02-01", "both holiday and make-up"}},
		{"entry before year", "off 2025-01-01\n", []string{"line 1:", `no valid "year" line`}},
		{"unknown directive", head + "holiday 2025-01-01\n", []string{"line 3:", `unknown directive "holiday"`}},
		{"reversed range", head + "off 2025-02-04..2025-01-28\n", []string{"line 3:", "ends before it starts"}},
		{"range too long", head + "off 2025-01-01..2025-03-01\n", []string{"line 3:", "longer than 31 days"}},
		{"make-up range", head + "work 2025-01-25..2025-01-26\n", []string{"line 3:", "single date"}},
		{"outside section", head + "off 2026-05-01\n", []string{"line 3:", "outside the 2025 section"}},
		{"duplicate year", head + "year 2025 again\n", []string{"line 3:", "year 2025 already started on line 2"}},
		{"bad year", "year 20x5\n", []string{"line 1:", `"20x5" is not a year`}},
		{"several problems", head + "off 2025-13-01\nwork 2025-01-28\n",
			[]string{"line 3:", "line 4:"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Load(strings.NewReader(tt.data))
			if err == nil {
				t.Fatalf("Load accepted %q", tt.data)
			}
			if c != nil {
				t.Error("Load returned a calendar with an error")
			}
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Errorf("error %v is not a *ParseError", err)
			}
			for _, s := range tt.lines {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q lacks %q", err, s)
				}
			}
		})
	}
}

func TestLoadAcceptsCommentsAndCrossYear(t *testing.T) {
	// Modelled on the 2019 notice: 2018-12-30..2019-01-01 off, 2018-12-29 (Sat) working.
	data := "\uFEFF# comment line\n\nyear 2019 国务院办公厅关于2019年部分节假日安排的通知 # trailing comment\n" +
		"off  2018-12-30..2019-01-01 元旦\n" +
		"work 2018-12-29             元旦调休\n"
	c, err := Load(strings.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Source(2019); got != "国务院办公厅关于2019年部分节假日安排的通知" {
		t.Errorf("Source = %q", got)
	}
	if !c.IsWorkday(cst(t, "2018-12-29 10:00")) || c.IsWorkday(cst(t, "2018-12-31 10:00")) {
		t.Error("cross-year entries not applied")
	}
	if c.Covered(2018) || !c.Covered(2019) {
		t.Error("coverage must follow year sections only")
	}
}

func TestMergeOverlay(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "holidays.txt")
	// A made-up 2027 section (not an official arrangement) and a replacement
	// 2025 section: the file's sections replace the embedded ones wholesale.
	data := "year 2027 测试用安排 (not official)\noff 2027-10-01..2027-10-07 国庆节\nwork 2027-10-09 国庆节调休\n" +
		"year 2025 更正版\noff 2025-01-01\n"
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := LoadOverlay(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Years(); !sort.IntsAreSorted(got) || len(got) != 4 {
		t.Errorf("Years = %v", got)
	}
	if !c.Covered(2027) || c.IsWorkday(cst(t, "2027-10-04 10:00")) || !c.IsWorkday(cst(t, "2027-10-09 10:00")) {
		t.Error("2027 from the file not applied")
	}
	if !c.IsWorkday(cst(t, "2025-10-08 10:00")) || c.Source(2025) != "更正版" {
		t.Error("file's 2025 section must replace the embedded one as a whole")
	}
	if c.IsWorkday(cst(t, "2026-10-05 10:00")) {
		t.Error("embedded 2026 lost")
	}
	if Default().Covered(2027) || Default().IsWorkday(cst(t, "2025-10-08 10:00")) {
		t.Error("LoadOverlay modified the shared default")
	}

	// A conflict across sections at New Year is rejected.
	a, err := Load(strings.NewReader("year 2027 a\noff 2027-12-31\n"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := Load(strings.NewReader("year 2028 b\nwork 2027-12-31\n")) // 2027-12-31 is a Friday
	if err == nil {
		t.Fatalf("weekday make-up accepted: %v", b)
	}
	b, err = Load(strings.NewReader("year 2028 b\nwork 2027-12-26\n")) // Sunday
	if err != nil {
		t.Fatal(err)
	}
	a2, err := Load(strings.NewReader("year 2027 a\noff 2027-12-26\n"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a2.Merge(b); err == nil || !strings.Contains(err.Error(), "2027-12-26") {
		t.Errorf("cross-section conflict not reported: %v", err)
	}
	if _, err := a.Merge(b); err != nil {
		t.Errorf("non-conflicting merge: %v", err)
	}

	if _, err := LoadFile(filepath.Join(dir, "missing.txt")); err == nil {
		t.Error("LoadFile of a missing file succeeded")
	}
	bad := filepath.Join(dir, "bad.txt")
	if err := os.WriteFile(bad, []byte("year 2027 x\nwork 2027-03-03\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadOverlay(bad); err == nil || !strings.Contains(err.Error(), "bad.txt") ||
		!strings.Contains(err.Error(), "line 2:") {
		t.Errorf("LoadOverlay(bad) = %v, want path and line number", err)
	}
}

func TestWithWorkingHoursValidation(t *testing.T) {
	c := Default()
	for _, h := range [][2]time.Duration{{0, 0}, {-time.Hour, 18 * time.Hour}, {9 * time.Hour, 9 * time.Hour}, {0, 25 * time.Hour}} {
		if _, err := c.WithWorkingHours(h[0], h[1]); err == nil {
			t.Errorf("WithWorkingHours(%v, %v) accepted", h[0], h[1])
		}
	}
}
