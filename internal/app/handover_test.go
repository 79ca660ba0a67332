package app

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"yuqing/analyze"
	"yuqing/analyze/alert"
	"yuqing/analyze/grade"
	"yuqing/ingest/source"
	"yuqing/internal/event"
	"yuqing/internal/eventlog/sqlitelog"
	"yuqing/respond/auth"
	"yuqing/respond/console"
	"yuqing/respond/desk"
	"yuqing/respond/handover"
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
	feed := newHandoverFeed(dk)
	proj := withHandover{console.NewBoard(), feed}
	deliver := func(typ, key string, payload any) {
		t.Helper()
		e, err := event.New(typ, key, "test", now, now, payload)
		if err != nil {
			t.Fatal(err)
		}
		proj.Apply(console.Delta{Topic: "t", Event: e})
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

	in := handover.Inputs{Incidents: feed, Alerts: feed, Sources: feed}
	note := handover.Compose(in, handover.Config{}, now, time.Time{})
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
			if c.Kind == handover.KindWorkOrder && c.Subject == "WO-1" && c.Owner == "市住建局" {
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
	note = handover.Compose(in, handover.Config{}, now, time.Time{})
	want := []handover.Source{
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
	again := withHandover{console.NewBoard(), newHandoverFeed(dk)}
	if err := again.Restore(raw); err != nil {
		t.Fatal(err)
	}
	in2 := handover.Inputs{Incidents: again.feed, Alerts: again.feed, Sources: again.feed}
	a, _ := json.Marshal(handover.Compose(in, handover.Config{}, now, time.Time{}))
	b, _ := json.Marshal(handover.Compose(in2, handover.Config{}, now, time.Time{}))
	if string(a) != string(b) {
		t.Fatalf("note after restoring the snapshot differs:\n%s\n%s", b, a)
	}
	s1, _ := json.Marshal(proj.State())
	s2, _ := json.Marshal(again.State())
	if string(s1) != string(s2) {
		t.Fatal("console state after restoring the snapshot differs")
	}
}

// yuqing serve has the handover: a blind source in the draft, one duty
// officer hands over, another takes over, signed in through the real
// accounts and roles.
func TestHandoverInServe(t *testing.T) {
	cfg := Defaults()
	cfg.Data, cfg.Addr = t.TempDir(), "127.0.0.1:0"
	addUser(t, cfg, "duty", auth.RoleDutyOfficer)
	addUser(t, cfg, "duty2", auth.RoleDutyOfficer)
	addUser(t, cfg, "li", auth.RoleSpokesperson)
	l, err := OpenLog(t.Context(), cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	h := source.Health{Source: "wechat-bridge", AuthFailed: true, At: time.Now().UTC(), Error: "HTTP 401"}
	e, _ := event.New(source.TypeHealth, h.Source, "test", h.At, h.At, h)
	if err := l.Append(t.Context(), source.Topic, e); err != nil {
		t.Fatal(err)
	}
	l.Close()
	addr, stop := startApp(t, cfg)
	defer stop()

	type session struct{ cookie, csrf string }
	open := func(user string) session {
		cookie := signIn(t, addr, user, testPassword)
		_, me := request(t, addr, cookie, "", "GET", "/api/v1/me", "")
		return session{cookie, me["csrf_token"].(string)}
	}
	duty, duty2, li := open("duty"), open("duty2"), open("li")
	waitFor(t, "the blind source in the handover draft", func() bool {
		code, out := request(t, addr, li.cookie, "", "GET", "/api/v1/handover/draft", "")
		note, _ := out["note"].(map[string]any)
		srcs, _ := note["sources"].([]any)
		return code == 200 && len(srcs) == 1 && srcs[0].(map[string]any)["name"] == "wechat-bridge"
	})
	if code, _ := request(t, addr, li.cookie, li.csrf, "POST", "/api/v1/handovers", `{"note":"无"}`); code != http.StatusForbidden {
		t.Fatalf("a spokesperson handing over: %d", code)
	}
	code, out := request(t, addr, duty.cookie, duty.csrf, "POST", "/api/v1/handovers", `{"note":"微信渠道失明，请跟进凭证更新"}`)
	if code != 200 || out["handed_by"] != "user:duty" {
		t.Fatalf("hand over: %d %v", code, out)
	}
	take := "/api/v1/handovers/" + out["id"].(string) + "/take"
	if code, out := request(t, addr, duty.cookie, duty.csrf, "POST", take, `{}`); code != http.StatusConflict || !strings.Contains(fmt.Sprint(out["error"]), "不能接自己交的班") {
		t.Fatalf("taking one's own: %d %v", code, out)
	}
	if code, out := request(t, addr, duty2.cookie, duty2.csrf, "POST", take, `{"remark":"收到"}`); code != 200 || out["taken_by"] != "user:duty2" || out["taken_by_name"] == "" {
		t.Fatalf("take over: %d %v", code, out)
	}
}

// request sends a request with a session cookie (and CSRF token) and
// decodes a JSON object answer.
func request(t *testing.T, addr, cookie, csrf, method, path, body string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(method, "http://"+addr+path, strings.NewReader(body))
	req.Header.Set("Cookie", cookie)
	req.Header.Set("Content-Type", "application/json")
	if csrf != "" {
		req.Header.Set("X-CSRF-Token", csrf)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	json.Unmarshal(raw, &out)
	return resp.StatusCode, out
}
