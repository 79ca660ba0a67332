package desk

import (
	"context"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"yuqing/analyze"
	"yuqing/analyze/alert"
	"yuqing/internal/event"
	"yuqing/internal/eventlog"
	"yuqing/respond/incident"
)

// raise appends an alert event to the analyser's alerts topic, as the
// analyser would, and returns it.
func raise(t *testing.T, l eventlog.Log, typ string, a alert.Alert) event.Envelope {
	t.Helper()
	e, err := event.New(typ, a.ID, "analyze", t0.Add(time.Duration(a.Version)*time.Minute), t0, a)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Append(context.Background(), analyze.TopicAlerts, e); err != nil {
		t.Fatal(err)
	}
	return e
}

func incidentEvents(t *testing.T, l eventlog.Log) []event.Envelope {
	t.Helper()
	var out []event.Envelope
	l.Replay(context.Background(), incident.Topic, func(_ context.Context, b []eventlog.Record) error {
		for _, r := range b {
			out = append(out, r.Event)
		}
		return nil
	})
	return out
}

// One story, one incident: two alerts raised before their topics merged,
// the second folding into the first (merged_into), give one incident; the
// fold links the folded alert to it, opening again for either alert answers
// with that incident, and a desk rebuilt from the log knows all of it.
func TestOneStoryOneIncident(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "log.db")
	l := openLog(t, path)
	clock := &fakeClock{t: t0.Add(time.Hour)}
	start := func() *Desk {
		d, err := New(Config{Policy: incident.Default()}, l, nil, clock.now, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := d.Load(ctx); err != nil {
			t.Fatal(err)
		}
		return d
	}
	d := start()
	for _, e := range []event.Envelope{
		raise(t, l, alert.TypeRaised, alert.Alert{ID: "a-S", TopicID: "S", Version: 1, Label: []string{"化工厂", "异味"}}),
		raise(t, l, alert.TypeRaised, alert.Alert{ID: "a-F", TopicID: "F", Version: 1, Label: []string{"刺鼻", "气味"}}),
	} {
		if err := d.Observe(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	open := func(alertID, topic string) Opened {
		t.Helper()
		res, err := d.Open(ctx, "", "user:zhang", incident.Open{Title: "城东化工厂异味", AlertID: alertID, Topics: []string{topic}, DetectedAt: t0})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	first := open("a-S", "S")
	if first.ID != "inc-a-S" || first.Existing || len(first.Events) == 0 {
		t.Fatalf("first open: %+v", first)
	}
	if again := open("a-S", "S"); again.ID != "inc-a-S" || !again.Existing || len(again.Events) != 0 {
		t.Fatalf("a second open for the same alert: %+v", again)
	}

	// The topics merge: a-F folds into a-S, and the incident gains it.
	fold := raise(t, l, alert.TypeUpdated, alert.Alert{ID: "a-F", TopicID: "S", Version: 2, Label: []string{"刺鼻", "气味"}, MergedInto: "a-S"})
	if err := d.Observe(ctx, fold); err != nil {
		t.Fatal(err)
	}
	if err := d.Observe(ctx, fold); err != nil { // redelivered
		t.Fatal(err)
	}
	st, _ := d.Board().State("inc-a-S")
	if !reflect.DeepEqual(st.Alerts, []string{"a-S", "a-F"}) || !reflect.DeepEqual(st.Topics, []string{"S", "F"}) {
		t.Fatalf("after the fold the incident holds alerts %v topics %v", st.Alerts, st.Topics)
	}
	var linked []event.Envelope
	for _, e := range incidentEvents(t, l) {
		if e.Type == incident.TypeLinked {
			linked = append(linked, e)
		}
	}
	if len(linked) != 1 || linked[0].Actor != actorStory || linked[0].Key != "inc-a-S" {
		t.Fatalf("link events: %+v", linked)
	}
	if second := open("a-F", "S"); second.ID != "inc-a-S" || !second.Existing {
		t.Fatalf("opening for the folded alert: %+v", second)
	}
	if ids := d.Board().IDs(); !reflect.DeepEqual(ids, []string{"inc-a-S"}) {
		t.Fatalf("incidents %v, want one", ids)
	}

	// An incident opened after the fold holds every alert of its story.
	for _, e := range []event.Envelope{
		raise(t, l, alert.TypeRaised, alert.Alert{ID: "a-X", TopicID: "X", Version: 1, Label: []string{"停水"}}),
		raise(t, l, alert.TypeRaised, alert.Alert{ID: "a-Y", TopicID: "Y", Version: 1, Label: []string{"断水"}}),
		raise(t, l, alert.TypeUpdated, alert.Alert{ID: "a-Y", TopicID: "X", Version: 2, Label: []string{"断水"}, MergedInto: "a-X"}),
	} {
		if err := d.Observe(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	if x := open("a-X", "X"); x.ID != "inc-a-X" || x.Existing {
		t.Fatalf("open after the fold: %+v", x)
	}
	if st, _ := d.Board().State("inc-a-X"); !reflect.DeepEqual(st.Alerts, []string{"a-X", "a-Y"}) {
		t.Fatalf("the incident opened after the fold holds %v", st.Alerts)
	}

	// While no desk runs, a third alert folds in; a desk rebuilt from the
	// log knows the stories and links it, once.
	raise(t, l, alert.TypeRaised, alert.Alert{ID: "a-G", TopicID: "G", Version: 1, Label: []string{"异味", "居民"}})
	raise(t, l, alert.TypeUpdated, alert.Alert{ID: "a-G", TopicID: "S", Version: 2, Label: []string{"异味", "居民"}, MergedInto: "a-F"})
	d = start()
	for _, id := range []string{"a-S", "a-F", "a-G"} {
		if inc, ok := d.StoryIncident(id); !ok || inc != "inc-a-S" {
			t.Fatalf("after replay, the incident of %s: %q %v", id, inc, ok)
		}
	}
	st, _ = d.Board().State("inc-a-S")
	if !reflect.DeepEqual(st.Alerts, []string{"a-S", "a-F", "a-G"}) {
		t.Fatalf("after replay the incident holds %v", st.Alerts)
	}
	n := len(incidentEvents(t, l))
	d = start()
	if again := open("a-G", "S"); again.ID != "inc-a-S" || !again.Existing || len(again.Events) != 0 {
		t.Fatalf("after a second replay: %+v", again)
	}
	if m := len(incidentEvents(t, l)); m != n {
		t.Fatalf("a replay recorded %d more incident events", m-n)
	}
	if d.Stories().Survivor("a-G") != "a-S" {
		t.Fatalf("survivor of a-G: %s", d.Stories().Survivor("a-G"))
	}
}

// An incident opened by hand for a topic is the incident of an alert
// raised later for that topic; an incident with no alert nor topic is
// opened as before.
func TestOpenByTopicAndWithoutAlert(t *testing.T) {
	ctx := context.Background()
	l := openLog(t, filepath.Join(t.TempDir(), "log.db"))
	d, _ := New(Config{Policy: incident.Default()}, l, nil, func() time.Time { return t0.Add(time.Hour) }, nil)
	d.Load(ctx)
	res, err := d.Open(ctx, "inc-hand", "user:li", incident.Open{Title: "手工建立", Topics: []string{"T"}, DetectedAt: t0})
	if err != nil || res.Existing || res.ID != "inc-hand" {
		t.Fatalf("by hand: %+v %v", res, err)
	}
	if err := d.Observe(ctx, raise(t, l, alert.TypeRaised, alert.Alert{ID: "a-T", TopicID: "T", Version: 1, Label: []string{"停水"}})); err != nil {
		t.Fatal(err)
	}
	if st, _ := d.Board().State("inc-hand"); !st.HasAlert("a-T") {
		t.Fatalf("the topic's new alert was not linked: %+v", st.Alerts)
	}
	a, err := d.Open(ctx, "", "user:li", incident.Open{Title: "无关事件"})
	b, err2 := d.Open(ctx, "", "user:li", incident.Open{Title: "无关事件"})
	if err != nil || err2 != nil || a.ID == b.ID || a.Existing || b.Existing {
		t.Fatalf("two incidents without alerts: %+v %+v %v %v", a, b, err, err2)
	}
}
