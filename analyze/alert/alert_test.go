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
