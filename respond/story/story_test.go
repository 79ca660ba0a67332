package story

import (
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"yuqing/analyze"
	"yuqing/analyze/alert"
	"yuqing/internal/event"
	"yuqing/respond/incident"
)

var t0 = time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC)

func alertEvent(t *testing.T, typ string, a alert.Alert) event.Envelope {
	t.Helper()
	e, err := event.New(typ, a.ID, "analyze", t0.Add(time.Duration(a.Version)*time.Minute), t0, a)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// The stream the analyser writes when topic F merges into S while both have
// alerts, G's alert moves to H when H had none, and topic K is absorbed by
// S without an alert of its own.
func mergeStream(t *testing.T) []event.Envelope {
	merged, err := event.New(analyze.TypeTopicUpdated, "S", "analyze", t0.Add(time.Hour), t0, analyze.TopicSummary{ID: "S", Merged: []string{"F", "K"}})
	if err != nil {
		t.Fatal(err)
	}
	return []event.Envelope{
		alertEvent(t, alert.TypeRaised, alert.Alert{ID: "a-S", TopicID: "S", Version: 1, Label: []string{"化工厂", "异味"}}),
		alertEvent(t, alert.TypeRaised, alert.Alert{ID: "a-F", TopicID: "F", Version: 1, Label: []string{"刺鼻", "气味"}}),
		alertEvent(t, alert.TypeRaised, alert.Alert{ID: "a-G", TopicID: "G", Version: 1, Label: []string{"学校", "停课"}}),
		alertEvent(t, alert.TypeUpdated, alert.Alert{ID: "a-S", TopicID: "S", Version: 2, Label: []string{"化工厂", "异味", "泄漏"}}),
		alertEvent(t, alert.TypeUpdated, alert.Alert{ID: "a-F", TopicID: "S", Version: 2, Label: []string{"刺鼻", "气味"}, MergedInto: "a-S"}),
		alertEvent(t, alert.TypeUpdated, alert.Alert{ID: "a-G", TopicID: "H", Version: 2, Label: []string{"学校", "停课"}}),
		merged,
	}
}

func TestStoriesJoinThroughFoldsAndMerges(t *testing.T) {
	x := New()
	for _, e := range mergeStream(t) {
		x.Apply(e)
	}
	want := Story{Alerts: []string{"a-F", "a-S"}, Topics: []string{"F", "K", "S"}}
	for _, got := range []Story{x.Of("a-F"), x.Of("a-S"), x.Of("", "K"), x.Of("a-F", "F")} {
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("story %+v, want %+v", got, want)
		}
	}
	if got := x.Of("a-G"); !reflect.DeepEqual(got, Story{Alerts: []string{"a-G"}, Topics: []string{"G", "H"}}) {
		t.Fatalf("a moved alert: %+v", got)
	}
	if got := x.Of("a-unknown"); !reflect.DeepEqual(got, Story{Alerts: []string{"a-unknown"}}) {
		t.Fatalf("unknown alert: %+v", got)
	}
	if x.Survivor("a-F") != "a-S" || x.Survivor("a-S") != "a-S" || x.Survivor("a-G") != "a-G" {
		t.Fatalf("survivors: %s %s %s", x.Survivor("a-F"), x.Survivor("a-S"), x.Survivor("a-G"))
	}
	if a, _ := x.Alert("a-S"); !reflect.DeepEqual(a.Label, []string{"化工厂", "异味", "泄漏"}) {
		t.Fatalf("the latest label: %v", a.Label)
	}
	if a, _ := x.Alert("a-F"); !reflect.DeepEqual(a.Topics, []string{"F", "S"}) || a.TopicID != "S" {
		t.Fatalf("a folded alert's topics: %+v", a)
	}
}

// Replaying, redelivering or reordering the events gives the same stories.
func TestStoriesDoNotDependOnOrder(t *testing.T) {
	evs := mergeStream(t)
	ref := New()
	for _, e := range evs {
		ref.Apply(e)
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 50 {
		x := New()
		for _, i := range r.Perm(len(evs)) {
			x.Apply(evs[i])
			x.Apply(evs[r.IntN(len(evs))]) // and redeliveries
		}
		for _, id := range []string{"a-S", "a-F", "a-G"} {
			if !reflect.DeepEqual(x.Of(id), ref.Of(id)) || x.Survivor(id) != ref.Survivor(id) {
				t.Fatalf("%s: %+v / %s, want %+v / %s", id, x.Of(id), x.Survivor(id), ref.Of(id), ref.Survivor(id))
			}
			a, _ := x.Alert(id)
			b, _ := ref.Alert(id)
			if !reflect.DeepEqual(a, b) {
				t.Fatalf("%s: %+v, want %+v", id, a, b)
			}
		}
	}
}

// A story's incident is found through any of its alerts or topics; when
// two were opened before the merge showed one story, the open one opened
// first leads.
func TestIncidentOfAStory(t *testing.T) {
	x := New()
	for _, e := range mergeStream(t) {
		x.Apply(e)
	}
	b := incident.NewBoard()
	open := func(id, alertID, topic string, at time.Time) {
		evs, err := incident.Decide(&incident.State{ID: id}, incident.Default(), incident.Open{Title: id, AlertID: alertID, Topics: []string{topic}, DetectedAt: at}, at)
		if err != nil {
			t.Fatal(err)
		}
		envs, _ := incident.Envelopes(id, "user:zhang", at, evs)
		for _, e := range envs {
			b.Apply(e)
		}
	}
	if _, ok := x.Incident(b, "a-F"); ok {
		t.Fatal("an incident before any was opened")
	}
	open("inc-by-topic", "", "K", t0.Add(2*time.Hour))
	if got, _ := x.Incident(b, "a-F"); got != "inc-by-topic" {
		t.Fatalf("through a merged topic: %q", got)
	}
	open("inc-a-S", "a-S", "S", t0.Add(time.Hour))
	if got := x.Incidents(b, "a-F"); !reflect.DeepEqual(got, []string{"inc-a-S", "inc-by-topic"}) {
		t.Fatalf("primary first: %v", got)
	}
	if _, ok := x.Incident(b, "a-G"); ok {
		t.Fatal("another story's alert found an incident")
	}
}

// An alert or topic event whose payload does not decode is an error for the
// caller to log, and leaves the stories as they were.
func TestUndecodableEventIsAnError(t *testing.T) {
	x := New()
	for _, e := range mergeStream(t) {
		if _, _, err := x.Apply(e); err != nil {
			t.Fatalf("%s: %v", e.Type, err)
		}
	}
	before := x.Of("a-S")
	for _, typ := range []string{alert.TypeRaised, alert.TypeUpdated, analyze.TypeTopicUpdated} {
		bad := alertEvent(t, typ, alert.Alert{ID: "a-X", TopicID: "S"})
		bad.Payload = []byte(`{"id": 7`)
		if _, ok, err := x.Apply(bad); err == nil || ok {
			t.Errorf("%s with a broken payload: ok=%v err=%v, want an error", typ, ok, err)
		}
	}
	if after := x.Of("a-S"); !reflect.DeepEqual(before, after) {
		t.Errorf("story changed: %+v -> %+v", before, after)
	}
	other, err := event.New("mention.analyzed.v1", "m1", "analyze", t0, t0, map[string]string{"id": "m1"})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok, err := x.Apply(other); ok || err != nil {
		t.Errorf("other event: ok=%v err=%v, want ignored", ok, err)
	}
}
