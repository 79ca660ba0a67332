package handover

import (
	"encoding/json"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"yuqing/analyze"
	"yuqing/analyze/alert"
	"yuqing/analyze/grade"
	"yuqing/ingest/source"
	"yuqing/internal/event"
	"yuqing/internal/eventlog/sqlitelog"
	"yuqing/respond/console"
	"yuqing/respond/desk"
	"yuqing/respond/incident"
	"yuqing/respond/workorder"
)

// The handover's feed sees what the console sees: alerts with their
// story's incident (a topic merged into the incident's topic brings its
// alert along), the work orders' running clocks (a paused one stops), and
// sources not collecting since their first failure in a row.
func TestHandoverFeed(t *testing.T) {
	ctx := t.Context()
	now := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC) // 16:00 Beijing
	l, err := sqlitelog.Open(ctx, sqlitelog.Config{Path: filepath.Join(t.TempDir(), "log.db")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	dk, err := desk.New(desk.Config{Policy: incident.Default()}, l, nil, func() time.Time { return now }, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := dk.Load(ctx); err != nil {
		t.Fatal(err)
	}
	feed := NewFeed(dk.Board())
	proj := Projection{console.NewBoard(), feed}
	deliver := func(typ, key string, payload any) {
		t.Helper()
		e, err := event.New(typ, key, "test", now, now, payload)
		if err != nil {
			t.Fatal(err)
		}
		if err := proj.Apply(console.Delta{Topic: "t", Event: e}); err != nil {
			t.Fatal(err)
		}
	}
	raised := func(id, topic, merged string, g grade.Grade) alert.Alert {
		return alert.Alert{ID: id, TopicID: topic, Version: 1, Headline: "标题" + id, Label: []string{"关键词"}, Grade: g, Raised: now.Add(-time.Hour), Updated: now.Add(-time.Hour), MergedInto: merged}
	}
	for _, a := range []alert.Alert{raised("a-t1", "t1", "", grade.II), raised("a-t2", "t2", "", grade.III), raised("a-t3", "t3", "a-t2", grade.III), raised("a-t4", "t4", "", grade.None)} {
		deliver(alert.TypeRaised, a.ID, a)
	}
	opened, err := dk.Open(ctx, "", "user:duty", incident.Open{Title: "城东化工厂异味", AlertID: "a-t1", Topics: []string{"t1"}, DetectedAt: now.Add(-time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	deliver(analyze.TypeTopicUpdated, "t1", analyze.TopicSummary{ID: "t1", Merged: []string{"t4"}})

	in := feed.Inputs()
	note := Compose(in, Config{}, now, time.Time{})
	var alerts []string
	for _, a := range note.Alerts {
		alerts = append(alerts, a.ID)
	}
	// a-t1 has the incident, a-t4's topic merged into its story, a-t3
	// folded into a-t2: only a-t2 waits for someone.
	if !slices.Equal(alerts, []string{"a-t2"}) || note.Alerts[0].Title != "标题a-t2" {
		t.Fatalf("alerts %v", note.Alerts)
	}
	if len(note.Incidents) != 1 || note.Incidents[0].ID != opened.ID || note.Incidents[0].Status != "待定级，待指派责任单位，未发布权威信息" || note.Incidents[0].Next == nil {
		t.Fatalf("incidents %+v", note.Incidents)
	}

	envs, err := dk.HandleWorkOrder(ctx, "WO-1", "user:duty", workorder.Receive{Received: workorder.Received{Category: "咨询", Unit: "市住建局", Title: "小区停水咨询", ReceivedAt: now}})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range envs {
		proj.Apply(console.Delta{Topic: workorder.Topic, Event: e})
	}
	orderClocks := func() (names []string) {
		for _, c := range feed.RunningClocks() {
			if c.Kind == KindWorkOrder && c.Subject == "WO-1" && c.Owner == "市住建局" {
				names = append(names, c.Name)
			}
		}
		slices.Sort(names)
		return names
	}
	if got := orderClocks(); !slices.Equal(got, []string{"工单答复", "工单签收"}) {
		t.Fatalf("work-order clocks %v", got)
	}
	envs, err = dk.HandleWorkOrder(ctx, "WO-1", "user:duty", workorder.Pause{At: now, Reason: "等待补充材料"})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range envs {
		proj.Apply(console.Delta{Topic: workorder.Topic, Event: e})
	}
	if got := orderClocks(); len(got) != 0 {
		t.Fatalf("a paused work order's clocks run: %v", got)
	}

	health := func(h source.Health) { deliver(source.TypeHealth, h.Source, h) }
	health(source.Health{Source: "board", OK: false, At: now.Add(-3 * time.Hour), Error: "timeout", Failures: 1})
	health(source.Health{Source: "board", OK: false, At: now.Add(-2 * time.Hour), Error: "timeout", Failures: 2})
	health(source.Health{Source: "feed", OK: false, At: now.Add(-2 * time.Hour), Error: "HTTP 502", Failures: 1})
	health(source.Health{Source: "feed", OK: true, At: now.Add(-time.Hour)})
	health(source.Health{Source: "wechat-bridge", AuthFailed: true, At: now.Add(-time.Hour), Error: "HTTP 401"})
	health(source.Health{Source: "backfill", OK: false, Ended: true, At: now.Add(-time.Hour)})
	note = Compose(in, Config{}, now, time.Time{})
	want := []Source{
		{Name: "board", Since: now.Add(-3 * time.Hour), Reason: "连续 2 次采集失败：timeout"},
		{Name: "wechat-bridge", Since: now.Add(-time.Hour), Reason: "凭证失效或被要求登录：HTTP 401", Blind: true},
	}
	if !slices.Equal(note.Sources, want) {
		t.Fatalf("sources %+v, want %+v", note.Sources, want)
	}
	// The console's own projection got the deltas too.
	st := proj.State().(console.State)
	if len(st.Alerts) != 4 || len(st.Sources) != 4 {
		t.Fatalf("console state: %d alerts, %d sources", len(st.Alerts), len(st.Sources))
	}

	// The console's snapshot carries the handover feed: restored into a
	// fresh projection, the note is the same (sources failing since when).
	raw, err := proj.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	again := Projection{console.NewBoard(), NewFeed(dk.Board())}
	if err := again.Restore(raw); err != nil {
		t.Fatal(err)
	}
	in2 := again.Feed.Inputs()
	a, _ := json.Marshal(Compose(in, Config{}, now, time.Time{}))
	b, _ := json.Marshal(Compose(in2, Config{}, now, time.Time{}))
	if string(a) != string(b) {
		t.Fatalf("note after restoring the snapshot differs:\n%s\n%s", b, a)
	}
	s1, _ := json.Marshal(proj.State())
	s2, _ := json.Marshal(again.State())
	if string(s1) != string(s2) {
		t.Fatal("console state after restoring the snapshot differs")
	}
}

// What the feed cannot read is an error, and changes nothing.
func TestFeedRefusesUnreadablePayload(t *testing.T) {
	now := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
	feed := NewFeed(incident.NewBoard())
	for _, typ := range []string{alert.TypeRaised, source.TypeHealth, analyze.TypeTopicUpdated} {
		e, _ := event.New(typ, "k", "test", now, now, map[string]any{})
		e.Payload = []byte(`[1]`)
		if err := feed.Apply(e); err == nil {
			t.Errorf("%s with an unreadable payload applied", typ)
		}
	}
	if len(feed.Alerts()) != 0 || len(feed.BlindSources()) != 0 {
		t.Fatal("an unreadable event changed the feed")
	}
}
