package notify

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"
)

var nopNotifier = NotifierFunc(func(context.Context, Message) (bool, error) { return false, nil })

func cst(y int, mo time.Month, d, h, mi int) time.Time {
	return time.Date(y, mo, d, h, mi, 0, 0, ChinaTime)
}

func TestMatchMinGrade(t *testing.T) {
	m := Match{MinGrade: 2}
	for g, want := range map[int]bool{0: false, 1: true, 2: true, 3: false, 4: false} {
		if got := m.Matches(Message{Grade: g}); got != want {
			t.Errorf("MinGrade II, grade %d: %v", g, got)
		}
	}
	if !(Match{}).Matches(Message{Grade: 0, Kind: KindInfo}) {
		t.Error("empty match should match everything")
	}
	m = Match{Kinds: []string{KindBreach, KindEscalation}, Roles: []string{RoleLeader}, Units: []string{"市委网信办"}}
	if !m.Matches(Message{Kind: KindBreach, Role: RoleLeader, Unit: "市委网信办"}) {
		t.Error("should match")
	}
	if m.Matches(Message{Kind: KindWarning, Role: RoleLeader, Unit: "市委网信办"}) ||
		m.Matches(Message{Kind: KindBreach, Role: RoleDutyOfficer, Unit: "市委网信办"}) ||
		m.Matches(Message{Kind: KindBreach, Role: RoleLeader, Unit: "区网信办"}) {
		t.Error("should not match")
	}
}

func testRouter(t *testing.T) *Router {
	t.Helper()
	q, err := ParseQuietHours("22:00-07:00", nil)
	if err != nil {
		t.Fatal(err)
	}
	r, err := NewRouter([]Route{
		{Match: Match{Kinds: []string{KindBreach, KindEscalation}, MinGrade: 2}, Receivers: []string{"leader-sms", "duty-wecom"}, Continue: true},
		{Match: Match{Roles: []string{RoleLeader}}, Receivers: []string{"leader-mail"}},
		{Match: Match{}, Receivers: []string{"duty-wecom"}},
	}, []Receiver{
		{Name: "leader-sms", Notifier: nopNotifier},
		{Name: "leader-mail", Notifier: nopNotifier, Quiet: q},
		{Name: "duty-wecom", Notifier: nopNotifier, Quiet: q},
	})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestRouterFirstMatchAndContinue(t *testing.T) {
	r := testRouter(t)
	cases := []struct {
		msg  Message
		want []string
	}{
		// Route 1 matches and continues; route 3 adds duty-wecom again (deduped).
		{Message{Kind: KindBreach, Grade: 1, Role: RoleDutyOfficer}, []string{"leader-sms", "duty-wecom"}},
		// Route 1 continues into route 2, which stops.
		{Message{Kind: KindEscalation, Grade: 2, Role: RoleLeader}, []string{"leader-sms", "duty-wecom", "leader-mail"}},
		// Only route 2: first match wins, route 3 not reached.
		{Message{Kind: KindWarning, Grade: 1, Role: RoleLeader}, []string{"leader-mail"}},
		// Grade III breach skips route 1.
		{Message{Kind: KindBreach, Grade: 3, Role: RoleDutyOfficer}, []string{"duty-wecom"}},
	}
	for i, c := range cases {
		if got := r.Match(c.msg); !slices.Equal(got, c.want) {
			t.Errorf("case %d: %v, want %v", i, got, c.want)
		}
	}
}

func TestNewRouterRejects(t *testing.T) {
	_, err := NewRouter([]Route{{Receivers: []string{"nobody"}}, {Match: Match{MinGrade: 9}, Receivers: []string{"a"}}},
		[]Receiver{{Name: "a", Notifier: nopNotifier}, {Name: "a", Notifier: nopNotifier}, {Name: "b"}})
	if err == nil {
		t.Fatal("want an error")
	}
	for _, s := range []string{`unknown receiver "nobody"`, "min_grade 9", `"a": defined twice`, `"b": no notifier`} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error lacks %q: %v", s, err)
		}
	}
	if _, err := ParseQuietHours("07:00-07:00", nil); err == nil {
		t.Error("empty window accepted")
	}
	if _, err := ParseQuietHours("25:00-07:00", nil); err == nil {
		t.Error("25:00 accepted")
	}
}

func TestQuietHoursUntil(t *testing.T) {
	night, _ := ParseQuietHours("22:00-07:00", nil)
	noon, _ := ParseQuietHours("12:00-13:30", nil)
	cases := []struct {
		q     *QuietHours
		at    time.Time
		quiet bool
		until time.Time
	}{
		{night, cst(2026, 5, 1, 21, 59), false, time.Time{}},
		{night, cst(2026, 5, 1, 22, 0), true, cst(2026, 5, 2, 7, 0)},
		{night, cst(2026, 5, 1, 23, 30), true, cst(2026, 5, 2, 7, 0)},
		{night, cst(2026, 5, 2, 0, 0), true, cst(2026, 5, 2, 7, 0)},
		{night, cst(2026, 5, 2, 6, 59), true, cst(2026, 5, 2, 7, 0)},
		{night, cst(2026, 5, 2, 7, 0), false, time.Time{}},
		{night, cst(2026, 12, 31, 23, 0), true, cst(2027, 1, 1, 7, 0)},
		// The same instant given in UTC: 15:00Z is 23:00 in Beijing.
		{night, time.Date(2026, 5, 1, 15, 0, 0, 0, time.UTC), true, cst(2026, 5, 2, 7, 0)},
		{noon, cst(2026, 5, 1, 12, 0), true, cst(2026, 5, 1, 13, 30)},
		{noon, cst(2026, 5, 1, 13, 30), false, time.Time{}},
		{noon, cst(2026, 5, 1, 23, 0), false, time.Time{}},
	}
	for i, c := range cases {
		until, quiet := c.q.Until(c.at)
		if quiet != c.quiet || !until.Equal(c.until) {
			t.Errorf("case %d (%s): quiet=%v until=%s, want %v %s", i, c.at, quiet, until, c.quiet, c.until)
		}
	}
}

func TestPlanQuietHoursNeverDelayUrgent(t *testing.T) {
	r := testRouter(t)
	late := cst(2026, 5, 1, 23, 10)
	morning := cst(2026, 5, 2, 7, 0)
	type want = []Delivery
	cases := []struct {
		name string
		msg  Message
		now  time.Time
		want want
	}{
		{"grade I warning at night goes now", Message{Kind: KindWarning, Grade: 1}, late,
			want{{"duty-wecom", late}}},
		{"grade II breach at night goes now to everyone", Message{Kind: KindBreach, Grade: 2}, late,
			want{{"leader-sms", late}, {"duty-wecom", late}}},
		{"grade II escalation to leader at night goes now", Message{Kind: KindEscalation, Grade: 2, Role: RoleLeader}, late,
			want{{"leader-sms", late}, {"duty-wecom", late}, {"leader-mail", late}}},
		{"grade III warning held to 07:00", Message{Kind: KindWarning, Grade: 3}, late,
			want{{"duty-wecom", morning}}},
		{"grade I info held to 07:00", Message{Kind: KindInfo, Grade: 1, Role: RoleLeader}, late,
			want{{"leader-mail", morning}}},
		{"ungraded breach held to 07:00", Message{Kind: KindBreach}, late,
			want{{"duty-wecom", morning}}},
		{"grade IV breach by day goes now", Message{Kind: KindBreach, Grade: 4}, cst(2026, 5, 2, 10, 0),
			want{{"duty-wecom", cst(2026, 5, 2, 10, 0)}}},
	}
	for _, c := range cases {
		got := r.Plan(c.msg, c.now)
		if !slices.EqualFunc(got, c.want, func(a, b Delivery) bool { return a.Receiver == b.Receiver && a.NotBefore.Equal(b.NotBefore) }) {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}
