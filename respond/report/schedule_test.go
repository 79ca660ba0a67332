package report_test

import (
	"context"
	"flag"
	"fmt"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"yuqing/respond/notify"
	"yuqing/respond/report"
)

func at(y int, m time.Month, d, h int) time.Time { return time.Date(y, m, d, h, 0, 0, 0, cst) }

func TestNext(t *testing.T) {
	all := report.DefaultSchedule()
	work := all
	work.WorkingDaysOnly = true
	type due struct {
		kind     report.Kind
		from, to time.Time
	}
	tests := []struct {
		name  string
		s     report.Schedule
		after time.Time
		at    time.Time
		due   []due
	}{
		{"daily at eight", all, at(2026, 11, 17, 9), at(2026, 11, 18, 8), []due{{report.Daily, at(2026, 11, 17, 0), at(2026, 11, 18, 0)}}},
		{"the same morning", all, at(2026, 11, 17, 7), at(2026, 11, 17, 8), []due{{report.Daily, at(2026, 11, 16, 0), at(2026, 11, 17, 0)}}},
		{"Monday: daily and weekly", all, at(2026, 11, 22, 9), at(2026, 11, 23, 8), []due{
			{report.Daily, at(2026, 11, 22, 0), at(2026, 11, 23, 0)}, {report.Weekly, at(2026, 11, 16, 0), at(2026, 11, 23, 0)}}},
		{"the 1st: daily and monthly", all, at(2026, 11, 30, 9), at(2026, 12, 1, 8), []due{
			{report.Daily, at(2026, 11, 30, 0), at(2026, 12, 1, 0)}, {report.Monthly, at(2026, 11, 1, 0), at(2026, 12, 1, 0)}}},
		{"working days: Monday covers the weekend", work, at(2026, 11, 20, 9), at(2026, 11, 23, 8), []due{
			{report.Daily, at(2026, 11, 20, 0), at(2026, 11, 23, 0)}, {report.Weekly, at(2026, 11, 16, 0), at(2026, 11, 23, 0)}}},
		{"working days: after National Day, all three", work, at(2026, 9, 30, 9), at(2026, 10, 8, 8), []due{
			{report.Daily, at(2026, 9, 30, 0), at(2026, 10, 8, 0)}, {report.Weekly, at(2026, 9, 28, 0), at(2026, 10, 5, 0)}, {report.Monthly, at(2026, 9, 1, 0), at(2026, 10, 1, 0)}}},
		{"working days: a make-up Saturday", work, at(2026, 10, 9, 9), at(2026, 10, 10, 8), []due{{report.Daily, at(2026, 10, 9, 0), at(2026, 10, 10, 0)}}},
		{"every day: National Day", all, at(2026, 9, 30, 9), at(2026, 10, 1, 8), []due{
			{report.Daily, at(2026, 9, 30, 0), at(2026, 10, 1, 0)}, {report.Monthly, at(2026, 9, 1, 0), at(2026, 10, 1, 0)}}},
		{"weekly only, Friday 17:30", report.Schedule{Kinds: []report.Kind{report.Weekly}, Weekly: "fri 17:30", Zone: report.DefaultZone}, at(2026, 11, 17, 9),
			time.Date(2026, 11, 20, 17, 30, 0, 0, cst), []due{{report.Weekly, at(2026, 11, 13, 0), at(2026, 11, 20, 0)}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.s.Validate(); err != nil {
				t.Fatal(err)
			}
			got := tc.s.Next(tc.after, nil)
			var gs []string
			for _, d := range got {
				gs = append(gs, fmt.Sprintf("%s %s [%s, %s)", d.Kind, d.At.In(cst).Format("01-02 15:04"), d.From.In(cst).Format("01-02"), d.To.In(cst).Format("01-02")))
			}
			var ws []string
			for _, d := range tc.due {
				ws = append(ws, fmt.Sprintf("%s %s [%s, %s)", d.kind, tc.at.Format("01-02 15:04"), d.from.Format("01-02"), d.to.Format("01-02")))
			}
			if strings.Join(gs, "; ") != strings.Join(ws, "; ") {
				t.Errorf("got  %s\nwant %s", strings.Join(gs, "; "), strings.Join(ws, "; "))
			}
		})
	}
	if got := (report.Schedule{Zone: report.DefaultZone}).Next(at(2026, 1, 1, 0), nil); got != nil {
		t.Errorf("no kinds: %v", got)
	}
}

func TestScheduleFlags(t *testing.T) {
	s := report.DefaultSchedule()
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	s.RegisterFlags(fs)
	if err := fs.Parse([]string{"--report-kinds", "daily,weekly", "--report-daily", "07:30", "--report-working-days-only", "--report-formats", "docx,pdf"}); err != nil {
		t.Fatal(err)
	}
	if err := s.Validate(); err != nil || len(s.Kinds) != 2 || s.Daily != "07:30" || !s.WorkingDaysOnly || len(s.Formats) != 2 {
		t.Errorf("%+v %v", s, err)
	}
	for _, bad := range [][]string{{"--report-daily", "25:00"}, {"--report-weekly", "someday 08:00"}, {"--report-monthly", "31 08:00"}, {"--report-kinds", "yearly"}, {"--report-zone", "Mars/Base"}, {"--report-formats", "xls"}} {
		s := report.DefaultSchedule()
		fs := flag.NewFlagSet("x", flag.ContinueOnError)
		s.RegisterFlags(fs)
		if err := fs.Parse(bad); err != nil {
			t.Fatal(err)
		}
		if s.Validate() == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}

// fakeReports records what the scheduler asks for.
type fakeReports struct {
	mu   sync.Mutex
	made []report.Params
	have []report.Generated
}

func (f *fakeReports) Generate(_ context.Context, p report.Params, actor string) (report.Generated, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	p = p.Normalize()
	f.made = append(f.made, p)
	g := report.Generated{ID: p.ID(), Title: string(p.Kind), Params: p, Actor: actor, Complete: true, Files: []report.File{{Format: "docx", Name: p.ID() + ".docx"}, {Format: "html"}}, SHA256: "abcdef0123456789abcdef"}
	f.have = append(f.have, g)
	return g, nil
}

// Path is where a report's file lies: the scheduler attaches Word and PDF.
func (f *fakeReports) Path(_ context.Context, id, format string) (string, report.Generated, error) {
	return "/data/reports/" + id + "/report." + format, report.Generated{}, nil
}

func (f *fakeReports) List(context.Context) ([]report.Generated, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]report.Generated(nil), f.have...), nil
}

type inbox struct {
	mu  sync.Mutex
	got []notify.Message
}

func (i *inbox) Notify(_ context.Context, m notify.Message) error {
	if err := m.Validate(); err != nil {
		return err
	}
	i.mu.Lock()
	i.got = append(i.got, m)
	i.mu.Unlock()
	return nil
}

// Run catches up once on start, then makes each report at its time and
// sends a link to it. In a synctest bubble time starts at 2000-01-01
// 00:00 UTC, 08:00 in Beijing (a Saturday).
func TestSchedulerRun(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		reps := &fakeReports{}
		// The daily report of Friday 31 December was made before the stop.
		reps.have = append(reps.have, report.Generated{ID: "daily-19991231-19991231", Complete: true})
		box := &inbox{}
		s := &report.Scheduler{Schedule: report.DefaultSchedule(), Reports: reps, Send: box}
		s.Schedule.ConsoleURL = "https://yuqing.example.gov.cn/"
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error)
		go func() { done <- s.Run(ctx) }()
		time.Sleep(3*24*time.Hour + time.Hour) // to Tuesday 4 January, 09:00
		synctest.Wait()
		cancel()
		if err := <-done; err != context.Canceled {
			t.Fatalf("run: %v", err)
		}
		var ids []string
		for _, p := range reps.made {
			ids = append(ids, p.ID())
		}
		want := []string{
			"weekly-19991220-19991226",  // catch-up: last Monday's weekly
			"monthly-19991201-19991231", // catch-up: the 1st's monthly
			"daily-20000101-20000101",   // Sunday 08:00
			"daily-20000102-20000102",   // Monday 08:00
			"weekly-19991227-20000102",
			"daily-20000103-20000103", // Tuesday 08:00
		}
		if strings.Join(ids, " ") != strings.Join(want, " ") {
			t.Errorf("made %v\nwant %v", ids, want)
		}
		if len(box.got) != len(want) {
			t.Fatalf("%d messages", len(box.got))
		}
		m := box.got[2]
		if m.ID != "report:daily-20000101-20000101" || m.URL != "https://yuqing.example.gov.cn/reports/daily-20000101-20000101" || m.Kind != notify.KindInfo || !strings.Contains(m.Text, "统计时段：2000年1月1日") {
			t.Errorf("message %+v", m)
		}
		if len(m.Attachments) != 1 || m.Attachments[0].Path != "/data/reports/daily-20000101-20000101/report.docx" || m.Attachments[0].Name != "daily-20000101-20000101.docx" {
			t.Errorf("attachments %+v", m.Attachments)
		}
	})
}
