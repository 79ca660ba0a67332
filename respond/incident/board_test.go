package incident

import (
	"reflect"
	"strings"
	"testing"
	"time"
	"yuqing/internal/event"
)

type eventEnv = event.Envelope

func TestBoardProjections(t *testing.T) {
	x := newH(t)
	open(x)
	x.do(SetGrade{GradeII, "重大"})
	x.do(Assign{Units: []Unit{{"城东区政府", "属地"}, {"市生态环境局", "主管"}}, Lead: "城东区政府"})
	due := x.clock(ClockStatement).Due
	x.now = due.Add(-30 * time.Minute)
	x.tick()
	x.now = due.Add(-20 * time.Minute)
	x.do(Publish{Release{At: x.now, Channel: "政务微博", URL: "https://weibo.com/gov/2", Text: "情况通报"}})

	y := newH(t)
	y.s.ID = "inc-2"
	y.do(Open{Title: "学校食堂", DetectedAt: t0})
	y.do(Assign{Units: []Unit{{"市教育局", "主管"}}, Lead: "市教育局"})

	b := NewBoard()
	for _, e := range append(append([]eventEnv{}, x.log...), y.log...) {
		if err := b.Apply(e); err != nil {
			t.Fatal(err)
		}
	}
	now := t0.Add(25 * time.Hour)
	running := b.Running(now)
	var clocks []string
	for _, v := range running {
		clocks = append(clocks, v.Incident+"/"+v.Clock+"/"+v.Urgency)
	}
	want := []string{"inc-1/press_conference/breached", "inc-1/follow_up/ok", "inc-2/response/ok"}
	if len(running) != 3 {
		t.Fatalf("running %v", clocks)
	}
	for _, w := range want {
		found := false
		for _, c := range clocks {
			found = found || c == w
		}
		if !found {
			t.Fatalf("running clocks %v lack %s", clocks, w)
		}
	}
	for i := 1; i < len(running); i++ {
		if running[i].Due.Before(running[i-1].Due) {
			t.Fatal("running clocks not ordered by due time")
		}
	}
	if od := b.Overdue(now); len(od) != 1 || od[0].Clock != ClockConference {
		t.Fatalf("overdue %+v", od)
	}
	rates := b.OnTimeRates(t0.Add(-time.Hour), t0.Add(time.Hour), now)
	wantRates := []UnitRate{{"城东区政府", 1, 1, 0.5}, {"市生态环境局", 1, 1, 0.5}}
	if !reflect.DeepEqual(rates, wantRates) {
		t.Fatalf("rates %+v", rates)
	}
	tl := b.Timeline("inc-1")
	if len(tl) != len(x.log) || tl[0].Actor == "" {
		t.Fatalf("timeline has %d entries for %d events", len(tl), len(x.log))
	}
	var text []string
	for _, e := range tl {
		text = append(text, e.Summary)
	}
	all := strings.Join(text, "\n")
	for _, want := range []string{"建立事件：城东化工厂异味", "定级 未定级 → II 重大", "还剩 30 分钟", "发布权威信息", "按时完成"} {
		if !strings.Contains(all, want) {
			t.Errorf("timeline lacks %q:\n%s", want, all)
		}
	}
	// Rebuilding from the log gives identical clocks.
	b2 := NewBoard()
	for _, e := range append(append([]eventEnv{}, x.log...), y.log...) {
		b2.Apply(e)
	}
	if !reflect.DeepEqual(b2.Running(now), running) {
		t.Fatal("rebuilt board differs")
	}
}
