package incident

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"yuqing/internal/event"
)

var t0 = time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC) // 10:00 in Beijing

// h is a test harness: an incident, its log, and a clock the test moves.
type h struct {
	t   *testing.T
	p   Policy
	s   State
	log []event.Envelope
	now time.Time
}

func newH(t *testing.T) *h {
	return &h{t: t, p: Default(), s: State{ID: "inc-1"}, now: t0}
}

func (x *h) do(cmd any) []Event {
	x.t.Helper()
	evs, err := Decide(&x.s, x.p, cmd, x.now)
	if err != nil {
		x.t.Fatalf("%T at %s: %v", cmd, x.now.Format(time.RFC3339), err)
	}
	x.apply(evs)
	return evs
}

func (x *h) apply(evs []Event) {
	x.t.Helper()
	envs, err := Envelopes(x.s.ID, "user:tester", x.now, evs)
	if err != nil {
		x.t.Fatal(err)
	}
	for _, e := range envs {
		if err := Apply(&x.s, e); err != nil {
			x.t.Fatal(err)
		}
	}
	x.log = append(x.log, envs...)
}

func (x *h) refused(cmd any, want string) {
	x.t.Helper()
	_, err := Decide(&x.s, x.p, cmd, x.now)
	if !errors.Is(err, ErrRule) || !strings.Contains(err.Error(), want) {
		x.t.Fatalf("%T: error %v, want a refusal containing %q", cmd, err, want)
	}
}

func (x *h) tick() []string {
	x.t.Helper()
	var types []string
	for _, e := range x.do(Tick{}) {
		types = append(types, e.Type+":"+clockOf(e))
	}
	return types
}

func clockOf(e Event) string {
	switch d := e.Data.(type) {
	case ClockWarned:
		return d.Clock + "@" + d.Before.String()
	case ClockBreached:
		return d.Clock
	case Escalated:
		return d.Clock + ">" + d.Role
	case ReAlerted:
		return d.Clock + ">" + d.Role
	}
	return ""
}

func (x *h) clock(name string) *Clock {
	x.t.Helper()
	c := x.s.Clocks[name]
	if c == nil {
		x.t.Fatalf("no clock %s in %v", name, x.s.Clocks)
	}
	return c
}

var detected = t0.Add(-40 * time.Minute)

func open(x *h) {
	x.do(Open{Title: "城东化工厂异味", AlertID: "a-t-weibo:1", DetectedAt: detected})
}

func TestDeadlineRules(t *testing.T) {
	cases := []struct {
		name   string
		policy func(*Policy)
		steps  func(x *h)
		clocks map[string]time.Time // running clocks and their due times
		gone   []string             // clocks cancelled
	}{
		{"ungraded: 48 h response from detection", nil, func(x *h) {}, map[string]time.Time{ClockResponse: detected.Add(48 * time.Hour)}, nil},
		{"start from opening when the policy says so", func(p *Policy) { p.StartAt = FromOpening }, func(x *h) {},
			map[string]time.Time{ClockResponse: t0.Add(48 * time.Hour)}, nil},
		{"grade II: 5 h statement and 24 h conference", nil, func(x *h) {
			x.now = t0.Add(10 * time.Minute)
			x.do(SetGrade{GradeII, "三人受伤，化学品泄漏"})
		}, map[string]time.Time{ClockStatement: detected.Add(5 * time.Hour), ClockConference: detected.Add(24 * time.Hour)}, []string{ClockResponse}},
		{"grade I like grade II", nil, func(x *h) { x.do(SetGrade{GradeI, "多人死亡"}) },
			map[string]time.Time{ClockStatement: detected.Add(5 * time.Hour), ClockConference: detected.Add(24 * time.Hour)}, []string{ClockResponse}},
		{"grade III: 48 h response stays", nil, func(x *h) { x.do(SetGrade{GradeIII, "影响有限"}) },
			map[string]time.Time{ClockResponse: detected.Add(48 * time.Hour)}, nil},
		{"regrade down II → IV: statement and conference cancelled, 48 h back", nil, func(x *h) {
			x.do(SetGrade{GradeII, "初判"})
			x.now = t0.Add(time.Hour)
			x.do(SetGrade{GradeIV, "核实后无人员伤亡"})
		}, map[string]time.Time{ClockResponse: detected.Add(48 * time.Hour)}, []string{ClockStatement, ClockConference}},
		{"regrade up IV → II: the 5 h clock counts from detection", nil, func(x *h) {
			x.do(SetGrade{GradeIV, "初判"})
			x.now = t0.Add(3 * time.Hour)
			x.do(SetGrade{GradeII, "发现伤亡"})
		}, map[string]time.Time{ClockStatement: detected.Add(5 * time.Hour), ClockConference: detected.Add(24 * time.Hour)}, []string{ClockResponse}},
		{"configured jurisdiction: 3 h statement", func(p *Policy) { p.Grades[GradeII] = []Rule{{ClockStatement, 3 * time.Hour}} }, func(x *h) {
			x.do(SetGrade{GradeII, "地方规定更严"})
		}, map[string]time.Time{ClockStatement: detected.Add(3 * time.Hour)}, []string{ClockResponse}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			x := newH(t)
			if c.policy != nil {
				c.policy(&x.p)
			}
			open(x)
			c.steps(x)
			for name, due := range c.clocks {
				cl := x.clock(name)
				if !cl.Running() || !cl.Due.Equal(due) {
					t.Errorf("clock %s: running %v due %s, want due %s", name, cl.Running(), cl.Due.Format(time.RFC3339), due.Format(time.RFC3339))
				}
			}
			for _, name := range c.gone {
				if cl := x.s.Clocks[name]; cl != nil && cl.Running() {
					t.Errorf("clock %s still running", name)
				}
			}
			running := 0
			for _, cl := range x.s.Clocks {
				if cl.Running() {
					running++
				}
			}
			if running != len(c.clocks) {
				t.Errorf("%d clocks running, want %d: %+v", running, len(c.clocks), x.s.Clocks)
			}
		})
	}
}

func TestRegradeRecordsOldAndNewDue(t *testing.T) {
	x := newH(t)
	open(x)
	x.do(SetGrade{GradeIV, "初判"})
	x.p.Grades[GradeIII] = []Rule{{ClockResponse, 24 * time.Hour}}
	evs := x.do(SetGrade{GradeIII, "转发量上升"})
	var set ClockSet
	for _, e := range evs {
		if d, ok := e.Data.(ClockSet); ok {
			set = d
		}
	}
	if !set.OldDue.Equal(detected.Add(48*time.Hour)) || !set.Due.Equal(detected.Add(24*time.Hour)) || !strings.Contains(set.Reason, "转发量上升") || set.StartedBy != FromDetection {
		t.Fatalf("clock change %+v", set)
	}
}

func TestMetOneSecondBeforeAndAfter(t *testing.T) {
	for _, c := range []struct {
		offset time.Duration
		met    bool
	}{{-time.Second, true}, {0, true}, {time.Second, false}} {
		x := newH(t)
		open(x)
		x.do(SetGrade{GradeII, "重大"})
		due := x.clock(ClockStatement).Due
		x.now = due.Add(c.offset).Add(time.Minute) // recorded a minute later
		x.do(Publish{Release{At: due.Add(c.offset), Channel: "政务微博", URL: "https://weibo.com/gov/1", Text: "情况通报"}})
		cl := x.clock(ClockStatement)
		if !cl.Stopped || cl.Met != c.met {
			t.Errorf("published %s from due: stopped %v met %v, want met %v", c.offset, cl.Stopped, cl.Met, c.met)
		}
		if x.clock(ClockConference).Stopped {
			t.Error("the statement stopped the conference clock")
		}
		if fu := x.clock(ClockFollowUp); !fu.Running() || !fu.Due.Equal(due.Add(c.offset).Add(24*time.Hour)) {
			t.Errorf("follow-up clock %+v", fu)
		}
	}
}

func TestConferenceStopsItsClock(t *testing.T) {
	x := newH(t)
	open(x)
	x.do(SetGrade{GradeI, "特别重大"})
	x.now = t0.Add(20 * time.Hour)
	x.refused(Hold{Conference{At: x.now, Place: "市政府新闻发布厅"}}, "发布人")
	x.refused(Hold{Conference{At: x.now.Add(time.Hour), Place: "市政府新闻发布厅", Speakers: []Speaker{{"王某", "新闻发言人"}}}}, "在未来")
	x.do(Schedule{Conference{At: x.now.Add(2 * time.Hour), Place: "市政府新闻发布厅", Speakers: []Speaker{{"王某", "新闻发言人"}}}})
	if x.s.Scheduled == nil || x.clock(ClockConference).Stopped {
		t.Fatal("scheduling must not stop the clock")
	}
	x.now = t0.Add(22 * time.Hour)
	x.do(Hold{Conference{At: x.now, Place: "市政府新闻发布厅", Speakers: []Speaker{{"王某", "新闻发言人"}, {"李某", "负责人"}}}})
	if cl := x.clock(ClockConference); !cl.Stopped || !cl.Met {
		t.Fatalf("conference clock %+v", cl)
	}
}

func TestWarningsBreachEscalationAndReAlert(t *testing.T) {
	x := newH(t)
	open(x)
	x.do(SetGrade{GradeII, "重大"})
	due := x.clock(ClockStatement).Due
	step := func(at time.Time, want ...string) {
		t.Helper()
		x.now = at
		if got := x.tick(); !reflect.DeepEqual(got, want) && !(len(got) == 0 && len(want) == 0) {
			t.Fatalf("tick at due%+v: %v, want %v", at.Sub(due), got, want)
		}
	}
	step(due.Add(-61 * time.Minute))
	step(due.Add(-60*time.Minute), TypeClockWarned+":statement@1h0m0s")
	step(due.Add(-59 * time.Minute)) // sent once
	x.now = due.Add(-50 * time.Minute)
	x.do(Acknowledge{ClockStatement})
	step(due.Add(-40 * time.Minute)) // acknowledged: no escalation
	step(due.Add(-30*time.Minute), TypeClockWarned+":statement@30m0s")
	step(due.Add(-15*time.Minute), TypeEscalated+":statement>section_chief") // unacknowledged 15 min
	step(due.Add(-10*time.Minute), TypeClockWarned+":statement@10m0s")
	step(due.Add(-time.Second))
	step(due, TypeClockBreached+":statement")
	step(due.Add(time.Minute)) // once
	step(due.Add(15*time.Minute), TypeEscalated+":statement>section_chief")
	step(due.Add(30*time.Minute), TypeEscalated+":statement>leader")
	x.now = due.Add(31 * time.Minute)
	x.do(Acknowledge{})
	step(due.Add(45 * time.Minute))
	// Acknowledging does not silence the clock for good: it re-alerts.
	step(due.Add(60*time.Minute), TypeReAlerted+":statement>leader")
	// The fact stops it: nothing more.
	x.now = due.Add(70 * time.Minute)
	x.do(Publish{Release{At: x.now, Channel: "政府网站", URL: "https://gov.example.cn/tz/1", Text: "通报"}})
	step(due.Add(5 * time.Hour))
	if cl := x.clock(ClockStatement); cl.Met {
		t.Fatal("a late statement counted as met")
	}
}

func TestMissedWarningsCollapse(t *testing.T) {
	x := newH(t)
	open(x)
	x.do(SetGrade{GradeII, "重大"})
	due := x.clock(ClockStatement).Due
	x.now = due.Add(-5 * time.Minute) // the process was down for the 60 and 30 minute points
	got := x.tick()
	if !reflect.DeepEqual(got, []string{TypeClockWarned + ":statement@10m0s"}) {
		t.Fatalf("after downtime: %v", got)
	}
	x.now = due.Add(-4 * time.Minute)
	if got := x.tick(); len(got) != 0 {
		t.Fatalf("earlier warning points sent late: %v", got)
	}
}

func TestSnoozeRules(t *testing.T) {
	x := newH(t)
	open(x)
	x.do(SetGrade{GradeIV, "一般"})
	due := x.clock(ClockResponse).Due
	x.now = due.Add(-90 * time.Minute)
	x.refused(Snooze{Clock: ClockResponse, Until: x.now.Add(time.Hour)}, "理由")
	x.refused(Snooze{Clock: ClockResponse, Until: x.now.Add(5 * time.Hour), Reason: "开会"}, "只能暂停到")
	x.do(Snooze{Clock: ClockResponse, Until: x.now.Add(time.Hour), Reason: "正在核实"})
	x.now = due.Add(-60 * time.Minute)
	if got := x.tick(); len(got) != 0 {
		t.Fatalf("snoozed warning sent: %v", got)
	}
	x.now = due.Add(-29 * time.Minute)
	if got := x.tick(); len(got) != 1 {
		t.Fatalf("after the snooze: %v", got)
	}

	// Grade II: a breach is never hidden.
	y := newH(t)
	open(y)
	y.do(SetGrade{GradeII, "重大"})
	sdue := y.clock(ClockStatement).Due
	y.now = sdue.Add(-20 * time.Minute)
	y.do(Snooze{Clock: ClockStatement, Until: sdue.Add(time.Hour), Reason: "领导审批中"})
	y.now = sdue
	if got := y.tick(); len(got) != 1 || !strings.HasPrefix(got[0], TypeClockBreached) {
		t.Fatalf("snoozed grade II breach: %v", got)
	}
	y.refused(Snooze{Clock: ClockStatement, Until: y.now.Add(time.Hour), Reason: "再等等"}, "不能暂停")
}

func TestCommandRules(t *testing.T) {
	x := newH(t)
	x.refused(SetGrade{GradeII, "x"}, "尚未建立")
	x.refused(Open{Title: " "}, "标题")
	x.refused(Open{Title: "t", DetectedAt: t0.Add(time.Hour)}, "在未来")
	open(x)
	x.refused(Open{Title: "again"}, "已建立")
	x.refused(SetGrade{GradeII, ""}, "理由")
	x.refused(SetGrade{Grade(7), "x"}, "I 至 IV")
	x.do(SetGrade{GradeII, "x"})
	x.refused(SetGrade{GradeII, "again"}, "已是")
	x.refused(Assign{}, "至少")
	x.refused(Assign{Units: []Unit{{"城东区政府", "属地"}}, Lead: "市环保局"}, "牵头")
	x.refused(Assign{Units: []Unit{{"城东区政府", "上级"}}, Lead: "城东区政府"}, "只能是属地或主管")
	x.do(Assign{Units: []Unit{{"城东区政府", "属地"}, {"市生态环境局", "主管"}}, Lead: "城东区政府"})
	x.refused(Publish{Release{At: t0, Channel: "政务微博", URL: "weibo"}}, "链接")
	x.refused(Publish{Release{At: t0.Add(time.Hour), Channel: "政务微博", URL: "https://weibo.com/1"}}, "在未来")
	x.refused(FollowUp{Release{At: t0, Channel: "政务微博", URL: "https://weibo.com/1"}}, "持续发布")
	x.refused(Close{}, "复盘")
	x.do(Close{Review: "处置及时，发布略晚"})
	x.refused(SetGrade{GradeI, "x"}, "已关闭")
	if got := x.tick(); len(got) != 0 {
		t.Fatalf("a closed incident ticked: %v", got)
	}
	for _, cl := range x.s.Clocks {
		if cl.Running() {
			t.Fatalf("clock %s still running after close", cl.Name)
		}
	}
	x.refused(Reopen{}, "理由")
	x.now = t0.Add(time.Hour)
	x.do(Reopen{Reason: "出现新情况"})
	if !x.clock(ClockStatement).Running() {
		t.Fatal("reopening did not restart the unmet clocks")
	}
	for _, e := range x.log {
		if e.Actor == "" {
			t.Fatalf("event %s names no actor", e.Type)
		}
	}
}

// Replaying the log gives the same state, clocks included.
func TestReplayGivesSameState(t *testing.T) {
	x := newH(t)
	open(x)
	x.do(SetGrade{GradeII, "重大"})
	due := x.clock(ClockStatement).Due
	for _, at := range []time.Duration{-60 * time.Minute, -30 * time.Minute, -10 * time.Minute, 0, 20 * time.Minute} {
		x.now = due.Add(at)
		x.tick()
	}
	x.now = due.Add(25 * time.Minute)
	x.do(Publish{Release{At: x.now, Channel: "政府网站", URL: "https://gov.example.cn/1", Text: "通报"}})
	var re State
	for _, e := range x.log {
		if err := Apply(&re, e); err != nil {
			t.Fatal(err)
		}
	}
	if !reflect.DeepEqual(re, x.s) {
		t.Fatalf("replayed state differs:\n%+v\n%+v", re, x.s)
	}
}

// One story, one incident: Link adds an alert of the story and its topics,
// once; linking again causes nothing; a closed incident still records it.
func TestLinkAddsAlertsOfTheStory(t *testing.T) {
	x := newH(t)
	x.refused(Link{AlertID: "a-t2", Reason: "同一事件"}, "尚未建立")
	x.do(Open{Title: "城东化工厂异味", AlertID: "a-t1", Topics: []string{"t1"}, DetectedAt: detected})
	x.refused(Link{Reason: "同一事件"}, "预警或一个话题")
	x.refused(Link{AlertID: "a-t2"}, "理由")
	evs := x.do(Link{AlertID: "a-t2", Label: []string{"化工厂", "异味"}, Topics: []string{"t1", "t2"}, Reason: "预警已合并到同一事件"})
	if len(evs) != 1 || evs[0].Type != TypeLinked {
		t.Fatalf("link: %+v", evs)
	}
	if d := evs[0].Data.(Linked); d.AlertID != "a-t2" || !reflect.DeepEqual(d.Topics, []string{"t2"}) {
		t.Fatalf("linked payload: %+v (only the new topic belongs in it)", d)
	}
	if !reflect.DeepEqual(x.s.Alerts, []string{"a-t1", "a-t2"}) || !reflect.DeepEqual(x.s.Topics, []string{"t1", "t2"}) {
		t.Fatalf("alerts %v topics %v", x.s.Alerts, x.s.Topics)
	}
	for _, again := range []Link{{AlertID: "a-t2", Reason: "再次"}, {AlertID: "a-t1", Topics: []string{"t1"}, Reason: "再次"}} {
		if evs := x.do(again); len(evs) != 0 {
			t.Fatalf("linking %+v again: %+v", again, evs)
		}
	}
	x.do(Close{Review: "处置完毕"})
	x.do(Link{AlertID: "a-t3", Reason: "预警已合并到同一事件"})
	if !x.s.HasAlert("a-t3") || x.s.Status != "closed" {
		t.Fatalf("closed incident: alerts %v status %s", x.s.Alerts, x.s.Status)
	}
	var re State
	for _, e := range x.log {
		if err := Apply(&re, e); err != nil {
			t.Fatal(err)
		}
	}
	if !reflect.DeepEqual(re, x.s) {
		t.Fatalf("replayed state differs:\n%+v\n%+v", re, x.s)
	}
	b := NewBoard()
	for _, e := range x.log {
		b.Apply(e)
	}
	if got := b.WithAlert("a-t2"); !reflect.DeepEqual(got, []string{"inc-1"}) {
		t.Fatalf("board by alert: %v", got)
	}
	if got := b.WithTopic("t2"); !reflect.DeepEqual(got, []string{"inc-1"}) {
		t.Fatalf("board by topic: %v", got)
	}
	tl := b.Timeline("inc-1")
	if !slices.ContainsFunc(tl, func(e Entry) bool {
		return strings.Contains(e.Summary, "关联预警「化工厂、异味」") && e.Actor == "user:tester"
	}) {
		t.Fatalf("timeline does not show the link by headline: %+v", tl)
	}
}
