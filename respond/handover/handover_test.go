package handover

import (
	"encoding/json"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"yuqing/internal/event"
	"yuqing/internal/eventlog/sqlitelog"
)

// bj is a Beijing wall-clock time on 2026-11-23 plus days.
func bj(days, hh, mm int) time.Time {
	return time.Date(2026, 11, 23+days, hh, mm, 0, 0, Beijing)
}

// fake feeds the note; tests change it between calls.
type fake struct {
	incidents []Incident
	clocks    []Clock
	alerts    []Alert
	sources   []Source
}

func (f *fake) OpenIncidents() []Incident { return slices.Clone(f.incidents) }
func (f *fake) RunningClocks() []Clock    { return slices.Clone(f.clocks) }
func (f *fake) Alerts() []Alert           { return slices.Clone(f.alerts) }
func (f *fake) BlindSources() []Source    { return slices.Clone(f.sources) }
func (f *fake) inputs() Inputs            { return Inputs{Incidents: f, Alerts: f, Sources: f} }

func dueClock(subject, name string, due time.Time) Clock {
	return Clock{Subject: subject, Kind: KindIncident, Title: "事件" + subject, Clock: name, Name: name, Due: due}
}

// The afternoon of 2026-11-23, 16:00 Beijing: the day shift ends at 17:30,
// the night shift after it at 08:30 on the 24th.
func floor() *fake {
	return &fake{
		incidents: []Incident{
			{ID: "A", Title: "城东化工厂异味", Grade: 2, Owner: "城东区政府", Status: "待发布权威信息", DetectedAt: bj(0, 12, 0)},
			{ID: "B", Title: "城西停水", Grade: 3, Status: "处置中", DetectedAt: bj(0, 9, 0)},
			{ID: "C", Title: "学校食堂", Grade: 0, Status: "待定级", DetectedAt: bj(0, 13, 0)},
			{ID: "D", Title: "已发布待复盘", Grade: 1, Status: "处置中", DetectedAt: bj(-1, 9, 0)},
		},
		clocks: []Clock{
			dueClock("A", "press_conference", bj(1, 8, 0)), // within the next shift
			dueClock("B", "response", bj(1, 9, 0)),         // after the next shift ends: not listed
			dueClock("A", "statement", bj(0, 15, 0)),       // breached an hour ago
			{Subject: "W-1", Kind: KindWorkOrder, Title: "工单", Clock: "answer", Name: "答复", Due: bj(1, 8, 30)}, // due as the next shift ends
			dueClock("B", "statement", bj(0, 16, 30)),
			dueClock("C", "statement", bj(0, 14, 0)), // breached two hours ago: first
		},
		alerts: []Alert{
			{ID: "a1", Title: "噪音扰民", Grade: 2, Raised: bj(0, 14, 0), Updated: bj(0, 15, 0)},
			{ID: "a2", Title: "已建事件", Grade: 1, Raised: bj(0, 14, 0), Updated: bj(0, 15, 30), Incident: "A"},
			{ID: "a3", Title: "已合并", Grade: 2, Raised: bj(0, 14, 0), Updated: bj(0, 15, 30), MergedInto: "a1"},
			{ID: "a4", Title: "昨天的", Grade: 2, Raised: bj(-2, 8, 0), Updated: bj(-1, 10, 0)}, // 30 hours old
			{ID: "a5", Title: "未定级", Grade: 0, Raised: bj(0, 15, 50), Updated: bj(0, 15, 50)},
			{ID: "a6", Title: "刚更新", Grade: 2, Raised: bj(0, 10, 0), Updated: bj(0, 15, 55)},
		},
		sources: []Source{
			{Name: "weibo-api", Since: bj(0, 13, 0), Reason: "采集失败"},
			{Name: "wechat-bridge", Since: bj(-1, 16, 0), Reason: "凭证失效", Blind: true},
		},
	}
}

func ids[T any](list []T, id func(T) string) []string {
	out := make([]string, len(list))
	for i, x := range list {
		out[i] = id(x)
	}
	return out
}

func TestComposeOrdersAndFilters(t *testing.T) {
	now := bj(0, 16, 0)
	n := Compose(floor().inputs(), Config{}, now, time.Time{})
	if !n.Until.Equal(bj(0, 17, 30)) || !n.From.Equal(bj(0, 8, 30)) || !n.NextEnd.Equal(bj(1, 8, 30)) || !n.At.Equal(now) {
		t.Fatalf("shift %v – %v, next ends %v, at %v", n.From, n.Until, n.NextEnd, n.At)
	}
	clocks := ids(n.Clocks, func(c Clock) string { return c.Subject + "/" + c.Clock })
	// Breached first, then by due time; B's response, due at 09:00 after
	// the next shift ended at 08:30, is not listed; the work order due at
	// 08:30 sharp is.
	if want := []string{"C/statement", "A/statement", "B/statement", "A/press_conference", "W-1/answer"}; !slices.Equal(clocks, want) {
		t.Fatalf("clocks %v, want %v", clocks, want)
	}
	if !n.Clocks[0].Breached || !n.Clocks[1].Breached || n.Clocks[2].Breached {
		t.Fatalf("breached flags %+v", n.Clocks[:3])
	}
	// Incidents: the soonest running clock first; one without a running
	// clock last.
	incs := ids(n.Incidents, func(i Incident) string { return i.ID })
	if want := []string{"C", "A", "B", "D"}; !slices.Equal(incs, want) {
		t.Fatalf("incidents %v, want %v", incs, want)
	}
	if n.Incidents[1].Next == nil || n.Incidents[1].Next.Clock != "statement" || n.Incidents[3].Next != nil {
		t.Fatalf("incident clocks: A %+v, D %+v", n.Incidents[1].Next, n.Incidents[3].Next)
	}
	// B's next clock is shown on its row even though only B/statement is
	// in the horizon; its 09:00 response is not.
	if n.Incidents[2].Next.Clock != "statement" {
		t.Fatalf("B's next clock %+v", n.Incidents[2].Next)
	}
	// Alerts: nobody acted on them (no incident, not folded) within the
	// last 24 hours, the most serious suggestion first, then the latest.
	alerts := ids(n.Alerts, func(a Alert) string { return a.ID })
	if want := []string{"a6", "a1", "a5"}; !slices.Equal(alerts, want) {
		t.Fatalf("alerts %v, want %v", alerts, want)
	}
	srcs := ids(n.Sources, func(s Source) string { return s.Name })
	if want := []string{"wechat-bridge", "weibo-api"}; !slices.Equal(srcs, want) {
		t.Fatalf("sources %v, want %v", srcs, want)
	}
	if n.Window != "24 小时" || !slices.Equal(n.Shifts, []string{"08:30", "17:30"}) {
		t.Fatalf("window %q, boundaries %v", n.Window, n.Shifts)
	}
	// Nothing to list is empty lists, never null.
	empty := Compose(Inputs{}, Config{}, now, time.Time{})
	b, _ := json.Marshal(empty)
	for _, k := range []string{`"incidents":[]`, `"clocks":[]`, `"alerts":[]`, `"sources":[]`} {
		if !strings.Contains(string(b), k) {
			t.Fatalf("empty note %s lacks %s", b, k)
		}
	}
}

func TestShiftBoundaries(t *testing.T) {
	s := DefaultShifts()
	cases := []struct {
		now, next, last time.Time
	}{
		{bj(0, 16, 0), bj(0, 17, 30), bj(0, 8, 30)},
		{bj(0, 23, 0), bj(1, 8, 30), bj(0, 17, 30)},
		{bj(0, 2, 0), bj(0, 8, 30), bj(-1, 17, 30)},
		{bj(0, 8, 30), bj(0, 17, 30), bj(0, 8, 30)}, // at a boundary: it is the last, the next is the following one
	}
	for _, c := range cases {
		if got := s.Next(c.now); !got.Equal(c.next) {
			t.Errorf("Next(%v) = %v, want %v", c.now, got, c.next)
		}
		if got := s.Last(c.now); !got.Equal(c.last) {
			t.Errorf("Last(%v) = %v, want %v", c.now, got, c.last)
		}
	}
	if got := s.Start(bj(1, 8, 30)); !got.Equal(bj(0, 17, 30)) {
		t.Errorf("the night shift ending 08:30 began %v", got)
	}
	// A handover a little after the hour is for the shift that just ended,
	// unless someone handed over there already; long after, the next one.
	cfg := Config{}
	if got := cfg.Until(bj(0, 8, 45), nil); !got.Equal(bj(0, 8, 30)) {
		t.Errorf("at 08:45 the shift ends %v, want 08:30", got)
	}
	handed := func(u time.Time) bool { return u.Equal(bj(0, 8, 30)) }
	if got := cfg.Until(bj(0, 8, 45), handed); !got.Equal(bj(0, 17, 30)) {
		t.Errorf("at 08:45 after the 08:30 handover the shift ends %v, want 17:30", got)
	}
	handedTwice := func(u time.Time) bool { return u.Equal(bj(0, 8, 30)) || u.Equal(bj(0, 17, 30)) }
	if got := cfg.Until(bj(0, 8, 45), handedTwice); !got.Equal(bj(1, 8, 30)) {
		t.Errorf("at 08:45 with the day shift handed early the draft ends %v, want 08:30 tomorrow", got)
	}
	if got := cfg.Until(bj(0, 11, 0), nil); !got.Equal(bj(0, 17, 30)) {
		t.Errorf("at 11:00 the shift ends %v, want 17:30", got)
	}
	if got := cfg.Until(bj(0, 8, 20), nil); !got.Equal(bj(0, 8, 30)) {
		t.Errorf("at 08:20 the shift ends %v, want 08:30", got)
	}
	// Configured boundaries: three shifts; one boundary is a 24-hour shift.
	three, err := ParseShifts([]string{"16:00", "00:00", " 08:00"})
	if err != nil || three.String() != "00:00,08:00,16:00" || !three.Next(bj(0, 16, 0)).Equal(bj(1, 0, 0)) {
		t.Fatalf("three shifts %v %v", three, err)
	}
	one, err := ParseShifts([]string{"09:00"})
	if err != nil || !one.Next(bj(0, 9, 0)).Equal(bj(1, 9, 0)) || !one.Start(bj(1, 9, 0)).Equal(bj(0, 9, 0)) {
		t.Fatalf("one shift %v", err)
	}
	for _, bad := range [][]string{{"8"}, {"24:00"}, {"08:3"}, {"08:30", "08:30"}, {}, {"八点"}} {
		if _, err := ParseShifts(bad); err == nil {
			t.Errorf("ParseShifts(%q) accepted", bad)
		}
	}
}

func newService(t *testing.T, in Inputs, now *time.Time) (*Service, func() *Service) {
	t.Helper()
	l, err := sqlitelog.Open(t.Context(), sqlitelog.Config{Path: filepath.Join(t.TempDir(), "log.db")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	open := func() *Service {
		s := NewService(l, func() time.Time { return *now }, in, Config{})
		if err := s.Load(t.Context()); err != nil {
			t.Fatal(err)
		}
		return s
	}
	return open(), open
}

func refusedWith(t *testing.T, err error, sentinel error, words string) {
	t.Helper()
	if !errors.Is(err, sentinel) || !strings.Contains(err.Error(), words) {
		t.Fatalf("err %v, want a refusal (%v) saying %q", err, sentinel, words)
	}
}

// The outgoing officer signs a note whose lists are frozen; another duty
// officer takes it once; nobody takes their own; replaying the log gives
// the same handovers.
func TestSignRulesAndReplay(t *testing.T) {
	now := bj(0, 17, 20)
	f := floor()
	svc, reopen := newService(t, f.inputs(), &now)
	ctx := t.Context()

	_, err := svc.Hand(ctx, "user:duty", "  ", time.Time{})
	refusedWith(t, err, ErrRule, "交班说明")
	_, err = svc.Hand(ctx, "user:duty", strings.Repeat("字", MaxText+1), time.Time{})
	refusedWith(t, err, ErrRule, "超过")
	_, err = svc.Hand(ctx, "user:duty", "x", bj(3, 0, 0))
	refusedWith(t, err, ErrRule, "24 小时")

	st, err := svc.Hand(ctx, "user:duty", " 城东化工厂 18:00 前须发布情况通报。 ", time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if st.ID == "" || st.HandedBy != "user:duty" || !st.HandedAt.Equal(now) || st.Taken() || st.Note.Text != "城东化工厂 18:00 前须发布情况通报。" ||
		!st.Note.Until.Equal(bj(0, 17, 30)) || len(st.Note.Clocks) != 5 || len(st.Note.Incidents) != 4 || len(st.Note.Alerts) != 3 || len(st.Note.Sources) != 2 {
		t.Fatalf("handed %+v", st)
	}
	// The same shift is handed over once; after an early handover the
	// draft is the next shift's, which cannot be handed before it begins.
	_, err = svc.Hand(ctx, "user:duty2", "再交一次", bj(0, 17, 30))
	refusedWith(t, err, ErrRule, "不再重复交班")
	now = bj(0, 17, 25)
	if d := svc.Draft(time.Time{}); !d.Until.Equal(bj(1, 8, 30)) || !d.From.Equal(bj(0, 17, 30)) {
		t.Fatalf("draft after the early handover: %v – %v", d.From, d.Until)
	}
	_, err = svc.Hand(ctx, "user:duty2", "再交一次", time.Time{})
	refusedWith(t, err, ErrRule, "不再重复交班；下一班 11-23 17:30 开始")

	// The floor changes after the signature: the note keeps what was
	// handed; the draft shows the floor as it is, for the next shift.
	now = bj(0, 17, 40)
	f.incidents = f.incidents[:1]
	f.clocks = nil
	if got, _ := svc.Board().Get(st.ID); len(got.Note.Incidents) != 4 || len(got.Note.Clocks) != 5 {
		t.Fatalf("the handed note changed with the floor: %+v", got.Note)
	}
	if d := svc.Draft(time.Time{}); len(d.Incidents) != 1 || len(d.Clocks) != 0 || !d.Until.Equal(bj(1, 8, 30)) {
		t.Fatalf("draft after the 17:30 handover: until %v, %d incidents, %d clocks", d.Until, len(d.Incidents), len(d.Clocks))
	}

	_, err = svc.Take(ctx, st.ID, "user:duty", "")
	refusedWith(t, err, ErrRule, "不能接自己交的班")
	_, err = svc.Take(ctx, "no-such-handover", "user:duty2", "")
	refusedWith(t, err, ErrNotFound, "没有交接班")
	_, err = svc.Take(ctx, st.ID, "", "")
	refusedWith(t, err, ErrRule, "签字")

	taken, err := svc.Take(ctx, st.ID, "user:duty2", "已知悉，18:00 前跟进通报")
	if err != nil {
		t.Fatal(err)
	}
	if taken.TakenBy != "user:duty2" || !taken.TakenAt.Equal(now) || taken.Remark != "已知悉，18:00 前跟进通报" || taken.HandedBy != "user:duty" {
		t.Fatalf("taken %+v", taken)
	}
	_, err = svc.Take(ctx, st.ID, "user:duty3", "")
	refusedWith(t, err, ErrRule, "不能重复接班")

	// The night shift hands over in the morning, a little after 08:30.
	now = bj(1, 8, 40)
	night, err := svc.Hand(ctx, "user:duty2", "无", time.Time{})
	if err != nil || !night.Note.Until.Equal(bj(1, 8, 30)) || !night.Note.From.Equal(bj(0, 17, 30)) {
		t.Fatalf("night handover %+v %v", night.Note, err)
	}

	list := svc.Board().List()
	if len(list) != 2 || list[0].ID != night.ID || list[1].ID != st.ID {
		t.Fatalf("newest first: %v", ids(list, func(s State) string { return s.ID }))
	}
	before, _ := json.Marshal(list)
	after, _ := json.Marshal(reopen().Board().List())
	if string(before) != string(after) {
		t.Fatalf("replay differs:\n%s\n%s", before, after)
	}
}

// Decide and Apply alone: a take before the hand is refused and, met in a
// log, an error; a second take in a log is ignored.
func TestApplyTakesOnce(t *testing.T) {
	s := State{ID: "h1"}
	if _, err := Decide(&s, Take{}, "user:b", bj(0, 9, 0)); !errors.Is(err, ErrNotFound) {
		t.Fatalf("take before hand: %v", err)
	}
	if _, err := Decide(&s, "nonsense", "user:b", bj(0, 9, 0)); !errors.Is(err, ErrRule) {
		t.Fatalf("unknown command: %v", err)
	}
	at := bj(0, 9, 0)
	take := func(who string) event.Envelope {
		envs, err := event.Wrap("h1", who, at, []Event{{Type: TypeTaken, Data: Taken{Officer: who}}})
		if err != nil {
			t.Fatal(err)
		}
		return envs[0]
	}
	if err := Apply(&s, take("user:b")); err == nil {
		t.Fatal("a take before the hand applied")
	}
	hand, _ := event.Wrap("h1", "user:a", at, []Event{{Type: TypeHanded, Data: Handed{Officer: "user:a", Note: Note{At: at, Until: at}}}})
	for _, e := range []event.Envelope{hand[0], take("user:b"), take("user:c")} {
		if err := Apply(&s, e); err != nil {
			t.Fatal(err)
		}
	}
	if s.HandedBy != "user:a" || s.TakenBy != "user:b" {
		t.Fatalf("after two takes: %+v", s)
	}
}
