package alert

import (
	"testing"
	"time"

	"yuqing/analyze/grade"
)

var t0 = time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)

func topic(n int, g grade.Grade, spike bool) Topic {
	return Topic{ID: "t-weibo:1", Label: []string{"化工厂", "异味"}, Mentions: n, Spike: spike, Suggested: grade.Suggestion{Grade: g}, Evidence: []string{"weibo:1"}}
}

func TestOneStoryOneAlertThatUpdates(t *testing.T) {
	al := New(Policy{})
	var raised, updated int
	count := func(typ string, ok bool) {
		if !ok {
			return
		}
		if typ == TypeRaised {
			raised++
		} else {
			updated++
		}
	}
	// Too small, then a spike raises it.
	typ, _, ok := al.Consider(topic(3, grade.IV, true), t0)
	count(typ, ok)
	typ, a, ok := al.Consider(topic(8, grade.IV, true), t0.Add(time.Minute))
	count(typ, ok)
	if raised != 1 || a.ID != "a-t-weibo:1" || a.Version != 1 {
		t.Fatalf("raise: %v %+v", typ, a)
	}
	// A hundred more mentions within minutes: no storm.
	for i := 0; i < 100; i++ {
		typ, _, ok := al.Consider(topic(9+i, grade.IV, true), t0.Add(time.Duration(2+i)*time.Second))
		count(typ, ok)
	}
	if raised != 1 || updated != 0 {
		t.Fatalf("within the update interval: raised %d, updated %d", raised, updated)
	}
	// A grade change updates at once.
	typ, a, ok = al.Consider(topic(120, grade.II, false), t0.Add(5*time.Minute))
	if !ok || typ != TypeUpdated || a.Version != 2 || a.Grade != grade.II {
		t.Fatalf("grade change: %v %+v", typ, a)
	}
	// Growth after the interval updates.
	if _, _, ok := al.Consider(topic(130, grade.II, false), t0.Add(25*time.Minute)); ok {
		t.Fatal("small growth updated")
	}
	typ, a, ok = al.Consider(topic(200, grade.II, false), t0.Add(26*time.Minute))
	if !ok || a.Version != 3 || a.Mentions != 200 {
		t.Fatalf("growth: %v %+v", typ, a)
	}
}

func TestGradeRaisesWithoutSpike(t *testing.T) {
	al := New(Policy{})
	if _, _, ok := al.Consider(topic(10, grade.IV, false), t0); ok {
		t.Fatal("a quiet grade IV topic raised an alert")
	}
	typ, a, ok := al.Consider(topic(10, grade.III, false), t0)
	if !ok || typ != TypeRaised || a.Reason == "" {
		t.Fatalf("%v %+v", typ, a)
	}
}

func TestMergeKeepsOneAlert(t *testing.T) {
	al := New(Policy{})
	a1 := topic(10, grade.III, false)
	a2 := topic(10, grade.III, false)
	a2.ID = "t-weibo:2"
	al.Consider(a1, t0)
	al.Consider(a2, t0)
	typ, a, ok := al.Merged("t-weibo:2", "t-weibo:1", t0.Add(time.Minute))
	if !ok || typ != TypeUpdated || a.ID != "a-t-weibo:2" || a.TopicID != "t-weibo:1" || al.Open() != 1 {
		t.Fatalf("%v %+v open %d", typ, a, al.Open())
	}
	if _, _, ok := al.Merged("t-none", "t-weibo:1", t0); ok {
		t.Fatal("merging a topic without an alert emitted one")
	}
}

// TestYoungStoryCatchingOnRaises: a new topic gaining mentions fast raises
// an alert before any baseline can call it a spike; an old one does not.
func TestYoungStoryCatchingOnRaises(t *testing.T) {
	al := New(Policy{})
	x := topic(12, grade.IV, false)
	x.Velocity, x.Age = 24, 40*time.Minute
	if typ, a, ok := al.Consider(x, t0); !ok || typ != TypeRaised || a.Reason == "" {
		t.Fatalf("young topic at 24/h: %v %v %+v", typ, ok, a)
	}
	old := topic(12, grade.IV, false)
	old.ID, old.Velocity, old.Age = "t-weibo:2", 24, 3*24*time.Hour
	if _, _, ok := New(Policy{}).Consider(old, t0); ok {
		t.Error("a three-day-old topic raised on velocity alone")
	}
	small := topic(6, grade.IV, false)
	small.Velocity, small.Age = 24, time.Minute
	if _, _, ok := New(Policy{}).Consider(small, t0); ok {
		t.Error("a topic below RiseMentions raised on velocity")
	}
}

// TestAttachedThreadRaisesNoAlert: a thread attached to another topic's
// open alert raises none of its own, follows that alert through a merge,
// and is free again once that topic retires.
func TestAttachedThreadRaisesNoAlert(t *testing.T) {
	al := New(Policy{})
	a := topic(10, grade.III, false)
	if _, _, ok := al.Consider(a, t0); !ok {
		t.Fatal("setup: no alert for a")
	}
	b := topic(10, grade.III, false)
	b.ID, b.Headline = "t-weibo:2", "网传有人中毒"
	if !al.Wants(b) {
		t.Fatal("b should want an alert")
	}
	typ, up, ok := al.Attach(b, a.ID, t0.Add(time.Minute))
	if !ok || typ != TypeUpdated || up.ID != "a-"+a.ID || up.Reason == "" {
		t.Fatalf("attach: %v %v %+v", typ, ok, up)
	}
	if al.Wants(b) {
		t.Error("an attached thread still wants an alert")
	}
	if _, _, ok := al.Consider(b, t0.Add(2*time.Minute)); ok {
		t.Error("an attached thread raised an alert")
	}
	al.Merged(a.ID, "t-weibo:3", t0.Add(3*time.Minute))
	if got := al.Attached()[b.ID]; got != "t-weibo:3" {
		t.Errorf("after a merged into t-weibo:3, b is attached to %q", got)
	}
	al.Retired("t-weibo:3")
	if !al.Wants(b) {
		t.Error("b should be free once the topic it was attached to retired")
	}
}
