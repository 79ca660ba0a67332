package report

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"yuqing/internal/clock"
	"yuqing/respond/calendar"
	"yuqing/respond/notify"
)

// Schedule says which reports are made when. Times are clock times in
// Zone; the defaults are 08:00 Beijing time: the daily report every day,
// the weekly report on Mondays, the monthly report on the 1st.
type Schedule struct {
	Kinds   []Kind // which of daily, weekly, monthly (default all three; none: no schedule)
	Daily   string // "08:00"
	Weekly  string // "mon 08:00": weekday and time
	Monthly string // "1 08:00": day of the month (1-28) and time
	Zone    string
	// WorkingDaysOnly makes reports only on working days (respond/calendar:
	// weekends and public holidays off, make-up Saturdays and Sundays on):
	// a daily report covers every day since the previous working day (the
	// Monday report covers Friday to Sunday), and a weekly or monthly report
	// due on a day off comes on the next working day, covering the same
	// period.
	WorkingDaysOnly bool
	Formats         []string
	ConsoleURL      string // base URL of the console, for the link in the message
}

// DefaultSchedule is 08:00 Beijing time, every kind, HTML, Word and PDF.
func DefaultSchedule() Schedule {
	return Schedule{Kinds: []Kind{Daily, Weekly, Monthly}, Daily: "08:00", Weekly: "mon 08:00", Monthly: "1 08:00", Zone: DefaultZone,
		Formats: []string{HTML, DOCX, PDF}}
}

type kindsFlag struct{ p *[]Kind }

func (k kindsFlag) String() string {
	if k.p == nil {
		return ""
	}
	var s []string
	for _, x := range *k.p {
		s = append(s, string(x))
	}
	return strings.Join(s, ",")
}

func (k kindsFlag) Set(v string) error {
	*k.p = nil
	for _, x := range strings.Split(v, ",") {
		if x = strings.TrimSpace(x); x != "" && x != "none" {
			*k.p = append(*k.p, Kind(x))
		}
	}
	return nil
}

type listFlag struct{ p *[]string }

func (l listFlag) String() string {
	if l.p == nil {
		return ""
	}
	return strings.Join(*l.p, ",")
}

func (l listFlag) Set(v string) error {
	*l.p = nil
	for _, x := range strings.Split(v, ",") {
		if x = strings.TrimSpace(x); x != "" {
			*l.p = append(*l.p, x)
		}
	}
	return nil
}

// RegisterFlags binds the schedule to fs; current values are the defaults.
func (s *Schedule) RegisterFlags(fs *flag.FlagSet) {
	fs.Var(kindsFlag{&s.Kinds}, "report-kinds", "reports made on schedule: daily,weekly,monthly (none: no schedule)")
	fs.StringVar(&s.Daily, "report-daily", s.Daily, "time of the daily report (日报), HH:MM")
	fs.StringVar(&s.Weekly, "report-weekly", s.Weekly, `weekday and time of the weekly report (周报), e.g. "mon 08:00"`)
	fs.StringVar(&s.Monthly, "report-monthly", s.Monthly, `day of the month and time of the monthly report (月报), e.g. "1 08:00"`)
	fs.StringVar(&s.Zone, "report-zone", s.Zone, "time zone of report days and times")
	fs.BoolVar(&s.WorkingDaysOnly, "report-working-days-only", s.WorkingDaysOnly, "make scheduled reports on working days only (the first working day's daily report covers the days off before it)")
	fs.Var(listFlag{&s.Formats}, "report-formats", "formats of scheduled reports: html,docx,pdf")
}

// Validate reports a schedule that cannot run.
func (s Schedule) Validate() error {
	var errs []error
	for _, k := range s.Kinds {
		if k != Daily && k != Weekly && k != Monthly {
			errs = append(errs, fmt.Errorf("scheduled report kind %q is not daily, weekly or monthly", k))
		}
	}
	if _, err := time.LoadLocation(s.Zone); err != nil || s.Zone == "" {
		errs = append(errs, fmt.Errorf("report zone %q: not a time zone", s.Zone))
	}
	if slices.Contains(s.Kinds, Daily) {
		if _, err := clockTime(s.Daily); err != nil {
			errs = append(errs, fmt.Errorf("report-daily: %w", err))
		}
	}
	if slices.Contains(s.Kinds, Weekly) {
		if _, _, err := weeklyTime(s.Weekly); err != nil {
			errs = append(errs, fmt.Errorf("report-weekly: %w", err))
		}
	}
	if slices.Contains(s.Kinds, Monthly) {
		if _, _, err := monthlyTime(s.Monthly); err != nil {
			errs = append(errs, fmt.Errorf("report-monthly: %w", err))
		}
	}
	for _, f := range s.Formats {
		if !slices.Contains(AllFormats, f) {
			errs = append(errs, fmt.Errorf("report-formats: %q is not html, docx or pdf", f))
		}
	}
	return errors.Join(errs...)
}

// clockTime reads "HH:MM" as the offset from midnight.
func clockTime(s string) (time.Duration, error) {
	h, m, ok := strings.Cut(strings.TrimSpace(s), ":")
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if !ok || err1 != nil || err2 != nil || hh < 0 || hh > 23 || mm < 0 || mm > 59 {
		return 0, fmt.Errorf("%q is not a time HH:MM", s)
	}
	return time.Duration(hh)*time.Hour + time.Duration(mm)*time.Minute, nil
}

var weekdayNames = map[string]time.Weekday{"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday, "wed": time.Wednesday, "thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday}

func weeklyTime(s string) (time.Weekday, time.Duration, error) {
	d, t, ok := strings.Cut(strings.TrimSpace(s), " ")
	wd, known := weekdayNames[strings.ToLower(d)[:min(3, len(d))]]
	if !ok || !known {
		return 0, 0, fmt.Errorf("%q is not a weekday and a time, like \"mon 08:00\"", s)
	}
	off, err := clockTime(t)
	return wd, off, err
}

func monthlyTime(s string) (int, time.Duration, error) {
	d, t, ok := strings.Cut(strings.TrimSpace(s), " ")
	n, err := strconv.Atoi(d)
	if !ok || err != nil || n < 1 || n > 28 {
		return 0, 0, fmt.Errorf("%q is not a day of the month (1-28) and a time, like \"1 08:00\"", s)
	}
	off, err := clockTime(t)
	return n, off, err
}

// Due is a report the schedule asks for: its kind and period, and when.
type Due struct {
	Kind     Kind
	From, To time.Time
	At       time.Time // the slot
}

// Params are the due report's parameters.
func (d Due) Params(s Schedule) Params {
	return Params{Kind: d.Kind, From: d.From, To: d.To, Timezone: s.Zone, Formats: s.Formats}
}

// planner computes slots; Next and Latest are its pure uses.
type planner struct {
	s   Schedule
	loc *time.Location
	cal *calendar.Calendar
}

func (s Schedule) planner(cal *calendar.Calendar) planner {
	loc, err := time.LoadLocation(s.Zone)
	if err != nil {
		loc = clock.Shanghai()
	}
	if cal == nil {
		cal = calendar.Default()
	}
	return planner{s: s, loc: loc, cal: cal.WithLocation(loc)}
}

func (p planner) working(day time.Time) bool { return !p.s.WorkingDaysOnly || p.cal.IsWorkday(day) }

// nextWorking is day, or the first working day after it.
func (p planner) nextWorking(day time.Time) time.Time {
	for i := 0; i < 60 && !p.working(day); i++ {
		day = day.AddDate(0, 0, 1)
	}
	return day
}

// slot is the kind's report due on its nominal day (a day it is due on
// before moving off days off): when, and for what period.
func (p planner) slot(k Kind, nominal time.Time) (Due, bool) {
	switch k {
	case Daily:
		off, _ := clockTime(p.s.Daily)
		if !p.working(nominal) {
			return Due{}, false
		}
		from := nominal.AddDate(0, 0, -1)
		for i := 0; i < 60 && !p.working(from); i++ {
			from = from.AddDate(0, 0, -1)
		}
		return Due{Kind: k, From: from, To: nominal, At: nominal.Add(off)}, true
	case Weekly:
		wd, off, _ := weeklyTime(p.s.Weekly)
		if nominal.Weekday() != wd {
			return Due{}, false
		}
		from, to := Period(Weekly, nominal, p.loc)
		return Due{Kind: k, From: from, To: to, At: p.nextWorking(nominal).Add(off)}, true
	case Monthly:
		n, off, _ := monthlyTime(p.s.Monthly)
		if nominal.Day() != n {
			return Due{}, false
		}
		first := time.Date(nominal.Year(), nominal.Month(), 1, 0, 0, 0, 0, p.loc)
		from, to := Period(Monthly, first, p.loc)
		return Due{Kind: k, From: from, To: to, At: p.nextWorking(nominal).Add(off)}, true
	}
	return Due{}, false
}

// slots lists every slot whose time falls in (after, until], in order.
func (p planner) slots(after, until time.Time) []Due {
	var out []Due
	// A slot can come up to ~60 days after its nominal day (moved off a
	// long stretch of days off): start looking that far back.
	start := dayStart(after, p.loc).AddDate(0, 0, -62)
	for d := start; !d.After(until); d = d.AddDate(0, 0, 1) {
		for _, k := range p.s.Kinds {
			if due, ok := p.slot(k, d); ok && due.At.After(after) && !due.At.After(until) {
				out = append(out, due)
			}
		}
	}
	slices.SortStableFunc(out, func(a, b Due) int {
		if c := a.At.Compare(b.At); c != 0 {
			return c
		}
		return slices.Index(Kinds, a.Kind) - slices.Index(Kinds, b.Kind)
	})
	return out
}

// Next returns the reports due at the first slot strictly after after
// (several when kinds fall together, e.g. Monday the 1st), using cal for
// working days (nil: the embedded holiday calendar). None when the
// schedule has no kinds. Pure.
func (s Schedule) Next(after time.Time, cal *calendar.Calendar) []Due {
	if len(s.Kinds) == 0 {
		return nil
	}
	p := s.planner(cal)
	for horizon := 40 * 24 * time.Hour; horizon <= 400*24*time.Hour; horizon *= 2 {
		all := p.slots(after, after.Add(horizon))
		if len(all) == 0 {
			continue
		}
		var out []Due
		for _, d := range all {
			if d.At.Equal(all[0].At) {
				out = append(out, d)
			}
		}
		return out
	}
	return nil
}

// Latest returns, for each kind, its most recent slot at or before now:
// what should exist after a start. Pure.
func (s Schedule) Latest(now time.Time, cal *calendar.Calendar) []Due {
	p := s.planner(cal)
	var out []Due
	for _, k := range s.Kinds {
		one := p
		one.s.Kinds = []Kind{k}
		if all := one.slots(now.AddDate(0, 0, -70), now); len(all) > 0 {
			out = append(out, all[len(all)-1])
		}
	}
	return out
}

// Generator makes and lists reports (Service).
type Generator interface {
	Generate(ctx context.Context, p Params, actor string) (Generated, error)
	List(ctx context.Context) ([]Generated, error)
}

// Sender delivers a message to people (desk.Desk.Notify: routed, retried,
// recorded, and sent once per message ID). Reports are sent as a link to
// the console: notification channels carry no attachments.
type Sender interface {
	Notify(ctx context.Context, m notify.Message) error
}

// Scheduler makes the scheduled reports and sends each once.
type Scheduler struct {
	Schedule Schedule
	Calendar *calendar.Calendar // nil: the embedded holiday calendar
	Reports  Generator
	Send     Sender // nil: reports are made, not sent
	Now      func() time.Time
	Logger   *slog.Logger
}

const actorSchedule = "system:schedule"

// Run makes, on start, each kind's latest report that does not exist yet
// (the slots missed while the process was down: once, idempotent by the
// report's ID), then each report at its time, until ctx is done. A report
// that fails is logged and made again at the next start.
func (s *Scheduler) Run(ctx context.Context) error {
	if err := s.Schedule.Validate(); err != nil {
		return err
	}
	if len(s.Schedule.Kinds) == 0 {
		<-ctx.Done()
		return ctx.Err()
	}
	now := s.now()
	have, err := s.Reports.List(ctx)
	if err != nil {
		return fmt.Errorf("reports made before: %w", err)
	}
	for _, d := range s.Schedule.Latest(now, s.Calendar) {
		p := d.Params(s.Schedule).Normalize()
		if slices.ContainsFunc(have, func(g Generated) bool { return g.ID == p.ID() && g.Complete }) {
			continue
		}
		s.logger().Info("making a scheduled report missed while down", "kind", d.Kind, "slot", d.At)
		s.make(ctx, d)
	}
	for {
		due := s.Schedule.Next(s.now(), s.Calendar)
		if len(due) == 0 {
			<-ctx.Done()
			return ctx.Err()
		}
		t := time.NewTimer(due[0].At.Sub(s.now()))
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
		for _, d := range due {
			s.make(ctx, d)
		}
	}
}

func (s *Scheduler) now() time.Time {
	if s.Now == nil {
		return time.Now()
	}
	return s.Now()
}

func (s *Scheduler) logger() *slog.Logger {
	if s.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Logger
}

// make generates one due report and sends it.
func (s *Scheduler) make(ctx context.Context, d Due) {
	g, err := s.Reports.Generate(ctx, d.Params(s.Schedule), actorSchedule)
	if err != nil && len(g.Files) == 0 {
		s.logger().Error("scheduled report not made; it is made again at the next start", "kind", d.Kind, "from", d.From, "err", err)
		return
	}
	if err != nil {
		s.logger().Warn("scheduled report made in part", "id", g.ID, "err", err)
	}
	if s.Send == nil {
		return
	}
	m := s.Schedule.Message(g)
	// E-mail carries the Word and PDF files; the other channels the link.
	if f, ok := s.Reports.(interface {
		Path(ctx context.Context, id, format string) (string, Generated, error)
	}); ok {
		for _, x := range g.Files {
			if x.Format != DOCX && x.Format != PDF {
				continue
			}
			if p, _, err := f.Path(ctx, g.ID, x.Format); err == nil {
				m.Attachments = append(m.Attachments, notify.Attachment{Name: x.Name, Path: p, Type: mimeTypes[x.Format]})
			}
		}
	}
	if err := s.Send.Notify(ctx, m); err != nil {
		s.logger().Error("scheduled report not sent", "id", g.ID, "err", err)
	}
}

// mimeTypes are the attachments' types.
var mimeTypes = map[string]string{
	DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
	PDF:  "application/pdf",
}

// Message is the notification of a generated report: its title, its
// headline figures and a link to it in the console (/reports/{id}). One
// message per report ID, so a report made again is not sent again.
func (s Schedule) Message(g Generated) notify.Message {
	text := []string{"统计时段：" + periodText(g.Params.From, g.Params.To, g.Params.Location())}
	if g.Summary != "" {
		text = append(text, g.Summary)
	}
	var formats []string
	for _, f := range g.Files {
		formats = append(formats, strings.ToUpper(f.Format))
	}
	if len(formats) > 0 {
		text = append(text, "格式："+strings.Join(formats, "、"))
	}
	text = append(text, "数据指纹："+shortHash(g.SHA256))
	m := notify.Message{ID: "report:" + g.ID, Kind: notify.KindInfo, Title: "【报表】" + g.Title + " 已生成", Text: guard(strings.Join(text, "\n")),
		Role: notify.RoleLeader, At: g.At, Drill: g.Params.Drill}
	if s.ConsoleURL != "" {
		m.URL = strings.TrimSuffix(s.ConsoleURL, "/") + "/reports/" + g.ID
	}
	return m
}
