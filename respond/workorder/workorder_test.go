package workorder

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"yuqing/internal/event"
	"yuqing/respond/calendar"
)

var cst = time.FixedZone("CST", 8*3600)

func at(y int, m time.Month, d, h, mi int) time.Time { return time.Date(y, m, d, h, mi, 0, 0, cst) }

type h struct {
	t   *testing.T
	s   State
	log []event.Envelope
	now time.Time
	p   Policy
	cal *calendar.Calendar
}

func newH(t *testing.T, now time.Time) *h {
	return &h{t: t, s: State{ID: "12345-0001"}, now: now, p: DefaultPolicy(), cal: calendar.Default()}
}

func (x *h) do(cmd any) []Event {
	x.t.Helper()
	evs, err := Decide(&x.s, x.p, x.cal, cmd, x.now)
	if err != nil {
		x.t.Fatalf("%T: %v", cmd, err)
	}
	envs, err := Envelopes(x.s.ID, "user:hotline", x.now, evs)
	if err != nil {
		x.t.Fatal(err)
	}
	for _, e := range envs {
		if err := Apply(&x.s, e); err != nil {
			x.t.Fatal(err)
		}
	}
	x.log = append(x.log, envs...)
	return evs
}

func receive(x *h, category string, when time.Time) {
	x.do(Receive{Received{ReceivedAt: when, Channel: "12345", Category: category, Locality: "城东区", Unit: "城东区住建局", Title: "小区停水", Text: "三天没水"}})
}

func TestDueTimesAcrossHolidays(t *testing.T) {
	cases := []struct {
		name     string
		received time.Time
		category string
		sign     time.Time
		answer   time.Time
	}{
		// Received Tuesday 30 Sep 2025, before National Day (Oct 1-8 off; Sat 11 Oct works).
		{"National Day 2025, enquiry (2 days)", at(2025, 9, 30, 16, 0), "咨询", at(2025, 10, 10, 0, 0), at(2025, 10, 11, 0, 0)},
		{"National Day 2025, complaint (13 days)", at(2025, 9, 30, 16, 0), "投诉", at(2025, 10, 10, 0, 0), at(2025, 10, 25, 0, 0)},
		// Received on the 调休 Saturday 8 Feb 2025: day 1 is Monday 10 Feb.
		{"Spring Festival 2025, received on a make-up Saturday", at(2025, 2, 8, 10, 0), "求助", at(2025, 2, 11, 0, 0), at(2025, 2, 15, 0, 0)},
		// Received Friday evening 13 Feb 2026 before the Spring Festival (Feb 15-23 off, Sat 14 and Sat 28 work).
		{"Spring Festival 2026, Friday evening", at(2026, 2, 13, 20, 0), "咨询", at(2026, 2, 15, 0, 0), at(2026, 2, 25, 0, 0)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			x := newH(t, c.received.Add(time.Minute))
			receive(x, c.category, c.received)
			if got := x.s.Clocks[ClockSign].Due; !got.Equal(c.sign) {
				t.Errorf("sign due %s, want %s", got.In(cst), c.sign)
			}
			if got := x.s.Clocks[ClockAnswer].Due; !got.Equal(c.answer) {
				t.Errorf("answer due %s, want %s", got.In(cst), c.answer)
			}
		})
	}
}

func TestPausedAndExtendedOrder(t *testing.T) {
	x := newH(t, at(2026, 11, 23, 9, 5)) // Monday
	receive(x, "求助", at(2026, 11, 23, 9, 0))
	due := x.s.Clocks[ClockAnswer].Due // 5 working days from Tuesday: end of Monday 30 Nov
	if !due.Equal(at(2026, 12, 1, 0, 0)) {
		t.Fatalf("answer due %s", due.In(cst))
	}
	x.now = at(2026, 11, 24, 10, 0)
	x.do(Sign{})
	x.now = at(2026, 11, 25, 9, 0)
	x.do(Pause{Reason: "等待市民补充材料"})
	x.now = at(2026, 11, 27, 17, 0)
	if evs := x.do(Tick{}); len(evs) != 0 {
		t.Fatalf("a paused order ticked: %+v", evs)
	}
	x.now = at(2026, 11, 30, 9, 0) // resumed Monday: Wed, Thu, Fri were paused
	evs := x.do(Resume{})
	var moved DueSet
	for _, e := range evs {
		if d, ok := e.Data.(DueSet); ok {
			moved = d
		}
	}
	if !moved.OldDue.Equal(due) || !moved.Due.After(due) {
		t.Fatalf("pause did not move the due time: %+v", moved)
	}
	paused := x.s.Clocks[ClockAnswer].Due
	x.now = at(2026, 12, 1, 9, 0)
	x.do(Extend{Days: 3, Reason: "涉及多部门协调", ApprovedBy: "user:chief"})
	ext := x.s.Clocks[ClockAnswer].Due
	if calendar.Default().WorkdaysBetween(paused, ext) != 3 {
		t.Fatalf("extension moved %s → %s", paused.In(cst), ext.In(cst))
	}
	// Replay gives the same state.
	var re State
	for _, e := range x.log {
		Apply(&re, e)
	}
	if !reflect.DeepEqual(re, x.s) {
		t.Fatalf("replay differs:\n%+v\n%+v", re, x.s)
	}
}

func TestWarningAndBreachOnce(t *testing.T) {
	x := newH(t, at(2026, 11, 23, 9, 5))
	receive(x, "咨询", at(2026, 11, 23, 9, 0))
	sign := x.s.Clocks[ClockSign].Due
	x.now = sign.Add(-3 * time.Hour)
	if evs := x.do(Tick{}); len(evs) != 1 || evs[0].Type != TypeWarned {
		t.Fatalf("warning: %+v", evs)
	}
	x.now = sign.Add(-time.Hour)
	if evs := x.do(Tick{}); len(evs) != 0 {
		t.Fatalf("warned twice: %+v", evs)
	}
	x.now = sign
	if evs := x.do(Tick{}); len(evs) != 1 || evs[0].Type != TypeBreached {
		t.Fatalf("breach: %+v", evs)
	}
	x.now = sign.Add(time.Hour)
	if evs := x.do(Tick{}); len(evs) != 0 {
		t.Fatalf("breached twice: %+v", evs)
	}
	x.do(Answer{Text: "已联系供水公司，今晚恢复供水"})
	if cl := x.s.Clocks[ClockSign]; !cl.Done || cl.Met {
		t.Fatalf("late signing counted as met: %+v", cl)
	}
	if cl := x.s.Clocks[ClockAnswer]; !cl.Done || !cl.Met {
		t.Fatalf("answer %+v", cl)
	}
}

func TestRulesAndRefusals(t *testing.T) {
	p := DefaultPolicy()
	p.Rules = append(p.Rules, Rule{Locality: "城东区", Category: "投诉", Sign: 1, Answer: 10})
	if r := p.Rule("城东区", "投诉"); r.Answer != 10 {
		t.Errorf("locality rule not preferred: %+v", r)
	}
	if r := p.Rule("城西区", "投诉"); r.Answer != 13 {
		t.Errorf("category rule: %+v", r)
	}
	if r := p.Rule("城西区", "其他"); r.Answer != 5 {
		t.Errorf("default: %+v", r)
	}
	x := newH(t, at(2026, 11, 23, 9, 5))
	for _, c := range []struct {
		cmd  any
		want string
	}{{Sign{}, "尚未受理"}} {
		if _, err := Decide(&x.s, x.p, x.cal, c.cmd, x.now); !errors.Is(err, ErrRule) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%T: %v", c.cmd, err)
		}
	}
	receive(x, "咨询", at(2026, 11, 23, 9, 0))
	for _, c := range []struct {
		cmd  any
		want string
	}{
		{Receive{Received{ReceivedAt: x.now, Category: "咨询"}}, "已受理"},
		{Pause{}, "理由"},
		{Resume{}, "未挂起"},
		{Extend{Days: 2, Reason: "x"}, "批准人"},
		{Answer{}, "内容"},
	} {
		if _, err := Decide(&x.s, x.p, x.cal, c.cmd, x.now); !errors.Is(err, ErrRule) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%T: %v, want %q", c.cmd, err, c.want)
		}
	}
}

func TestUncoveredYearIsRecorded(t *testing.T) {
	x := newH(t, time.Date(2030, 3, 4, 9, 5, 0, 0, cst))
	receive(x, "咨询", time.Date(2030, 3, 4, 9, 0, 0, 0, cst))
	if u := x.s.Clocks[ClockAnswer].Uncovered; len(u) != 1 || u[0] != 2030 {
		t.Fatalf("uncovered years %v", u)
	}
}
