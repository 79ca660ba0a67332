package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"yuqing/analyze"
	"yuqing/analyze/alert"
	"yuqing/analyze/scheme"
	"yuqing/internal/analytics"
	"yuqing/internal/analytics/sqlitestore"
	"yuqing/internal/event"
	"yuqing/internal/eventlog"
	"yuqing/internal/eventlog/sqlitelog"
	"yuqing/respond/desk"
	"yuqing/respond/incident"
)

var t0 = time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC)

// testGuard reads the user's roles from a header, as the real auth
// middleware reads them from the session.
func testGuard(roles ...string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			have := r.Header.Get("X-Roles")
			if have == "" {
				http.Error(w, `{"error":"请先登录"}`, http.StatusUnauthorized)
				return
			}
			for _, want := range roles {
				if slices.Contains(strings.Split(have, ","), want) {
					next.ServeHTTP(w, r)
					return
				}
			}
			http.Error(w, `{"error":"权限不足"}`, http.StatusForbidden)
		})
	}
}

func newAPI(t *testing.T) (*httptest.Server, *desk.Desk) {
	srv, d, _, _ := newAPIWithLog(t)
	return srv, d
}

func newAPIWithLog(t *testing.T) (*httptest.Server, *desk.Desk, eventlog.Log, analytics.Store) {
	return newAPIWith(t, nil)
}

// newAPIWith is newAPIWithLog with set changing the API before it serves.
func newAPIWith(t *testing.T, set func(*API)) (*httptest.Server, *desk.Desk, eventlog.Log, analytics.Store) {
	t.Helper()
	dir := t.TempDir()
	l, err := sqlitelog.Open(t.Context(), sqlitelog.Config{Path: filepath.Join(dir, "log.db")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	st, err := sqlitestore.Open(t.Context(), filepath.Join(dir, "a.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	now := func() time.Time { return t0 }
	d, err := desk.New(desk.Config{Policy: incident.Default()}, l, nil, now, nil)
	if err != nil {
		t.Fatal(err)
	}
	d.Load(t.Context())
	a := &API{Desk: d, Store: st, Schemes: scheme.NewRegistry(), Log: l, Guard: testGuard, Now: now,
		Actor: func(r *http.Request) string { return "user:" + r.Header.Get("X-User") }}
	if set != nil {
		set(a)
	}
	mux := http.NewServeMux()
	a.Register(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv, d, l, st
}

func call(t *testing.T, srv *httptest.Server, method, path, roles string, body any) (int, map[string]any) {
	t.Helper()
	return callAs(t, srv, method, path, roles, "zhang", body)
}

func TestIncidentFlowThroughTheAPI(t *testing.T) {
	srv, d := newAPI(t)
	code, out := call(t, srv, "POST", "/api/v1/incidents", "duty_officer", map[string]any{"title": "城东化工厂异味", "alert_id": "a-t-weibo:1", "detected_at": t0.Add(-time.Hour)})
	if code != 200 || out["id"] != "inc-a-t-weibo:1" || out["existing"] != false {
		t.Fatalf("open: %d %v", code, out)
	}
	id := "/api/v1/incidents/inc-a-t-weibo:1"
	// One story, one incident: a second open for the alert answers with the
	// incident it already has.
	if code, out := call(t, srv, "POST", "/api/v1/incidents", "duty_officer", map[string]any{"title": "again", "alert_id": "a-t-weibo:1"}); code != 200 || out["id"] != "inc-a-t-weibo:1" || out["existing"] != true {
		t.Fatalf("second incident for one alert: %d %v", code, out)
	}
	if code, _ := call(t, srv, "POST", id+"/grade", "spokesperson", map[string]any{"grade": 2, "reason": "x"}); code != 403 {
		t.Fatalf("spokesperson grading: %d", code)
	}
	if code, out := call(t, srv, "POST", id+"/grade", "duty_officer", map[string]any{"grade": 2}); code != 409 || !strings.Contains(out["error"].(string), "理由") {
		t.Fatalf("grade without reason: %d %v", code, out)
	}
	if code, _ := call(t, srv, "POST", id+"/grade", "leader", map[string]any{"grade": 2, "reason": "有人员受伤"}); code != 200 {
		t.Fatalf("grade: %d", code)
	}
	if code, _ := call(t, srv, "POST", id+"/publish", "leader", map[string]any{"at": t0, "channel": "政务微博", "url": "https://weibo.com/1"}); code != 403 {
		t.Fatalf("leader publishing: %d", code)
	}
	if code, out := call(t, srv, "POST", id+"/publish", "spokesperson", map[string]any{"at": t0, "channel": "政务微博", "url": "https://weibo.com/gov/1", "text": "情况通报"}); code != 200 {
		t.Fatalf("publish: %d %v", code, out)
	}
	if code, _ := call(t, srv, "POST", id+"/publish", "spokesperson", map[string]any{"at": t0, "chanel": "typo"}); code != 400 {
		t.Fatalf("unknown field: %d", code)
	}
	code, out = call(t, srv, "GET", id, "leader", nil)
	if code != 200 {
		t.Fatal(code)
	}
	met := false
	for _, e := range out["timeline"].([]any) {
		e := e.(map[string]any)
		if e["actor"] != "user:zhang" {
			t.Fatalf("timeline entry without its actor: %v", e)
		}
		met = met || strings.Contains(e["summary"].(string), "发布权威信息按时完成")
	}
	if !met {
		t.Fatalf("timeline %v", out["timeline"])
	}
	st, _ := d.Board().State("inc-a-t-weibo:1")
	if cl := st.Clocks[incident.ClockStatement]; !cl.Stopped || !cl.Met {
		t.Fatalf("statement clock %+v", cl)
	}
	if code, _ := call(t, srv, "GET", "/api/v1/clocks", "", nil); code != 401 {
		t.Fatalf("anonymous: %d", code)
	}
}

func TestSchemesAndOpenAPI(t *testing.T) {
	srv, _ := newAPI(t)
	if code, out := call(t, srv, "PUT", "/api/v1/schemes/chem", "duty_officer", map[string]any{"name": "化工厂", "rule": "化工厂 & 异味"}); code != 200 {
		t.Fatalf("put scheme: %d %v", code, out)
	}
	if code, out := call(t, srv, "PUT", "/api/v1/schemes/bad", "duty_officer", map[string]any{"rule": "(("}); code != 422 || !strings.Contains(out["error"].(string), "scheme bad") {
		t.Fatalf("bad scheme: %d %v", code, out)
	}
	code, doc := call(t, srv, "GET", "/api/v1/openapi.json", "leader", nil)
	if code != 200 || doc["openapi"] != "3.0.3" {
		t.Fatalf("openapi: %d", code)
	}
	paths := doc["paths"].(map[string]any)
	post := paths["/api/v1/incidents/{id}/publish"].(map[string]any)["post"].(map[string]any)
	if !slices.Contains(toStrings(post["x-roles"]), "spokesperson") || post["summary"] == "" {
		t.Fatalf("publish route description %v", post)
	}
	for path, ops := range paths {
		for method, op := range ops.(map[string]any) {
			if op.(map[string]any)["summary"] == "" {
				t.Errorf("%s %s has no summary", method, path)
			}
		}
	}
}

func toStrings(v any) []string {
	var out []string
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	return out
}

// Marking a mention wrong — its sentiment or its relevance — is a feedback
// event naming the duty officer; a leader may not, and an unknown mention
// is refused.
func TestFeedbackEvents(t *testing.T) {
	srv, _, l, st := newAPIWithLog(t)
	if err := st.PutMentions(t.Context(), []analytics.Mention{{ID: "weibo:1", Platform: "weibo", Text: "化工厂演习广告", PublishedAt: t0, IngestedAt: t0, Schemes: []string{"chem"}, Sentiment: "neg"}}); err != nil {
		t.Fatal(err)
	}
	if code, out := call(t, srv, "POST", "/api/v1/feedback/relevance", "duty_officer", map[string]any{"mention_id": "weibo:1", "scheme_id": "chem", "relevant": false, "reason": "广告"}); code != 200 {
		t.Fatalf("relevance: %d %v", code, out)
	}
	if code, _ := call(t, srv, "POST", "/api/v1/feedback/sentiment", "duty_officer", map[string]any{"mention_id": "weibo:1", "label": "neu"}); code != 200 {
		t.Fatalf("sentiment: %d", code)
	}
	if code, _ := call(t, srv, "POST", "/api/v1/feedback/relevance", "leader", map[string]any{"mention_id": "weibo:1"}); code != 403 {
		t.Fatalf("leader marked relevance: %d", code)
	}
	if code, _ := call(t, srv, "POST", "/api/v1/feedback/relevance", "duty_officer", map[string]any{"mention_id": "weibo:404"}); code != 404 {
		t.Fatalf("unknown mention: %d", code)
	}
	var types []string
	l.Replay(t.Context(), "feedback", func(_ context.Context, b []eventlog.Record) error {
		for _, r := range b {
			types = append(types, r.Event.Type)
			if r.Event.Actor != "user:zhang" {
				t.Errorf("actor %q", r.Event.Actor)
			}
		}
		return nil
	})
	if !slices.Equal(types, []string{scheme.TypeRelevance, "feedback.sentiment.v1"}) {
		t.Fatalf("feedback events %v", types)
	}
}

// A topic's mention stream comes from the store, newest first, filtered.
func TestTopicMentions(t *testing.T) {
	srv, _, _, st := newAPIWithLog(t)
	var ms []analytics.Mention
	for i, p := range []string{"weibo", "wechat", "weibo"} {
		ms = append(ms, analytics.Mention{ID: fmt.Sprintf("%s:%d", p, i), Platform: p, AuthorName: "网友", Text: "化工厂异味", Topic: "t1",
			Sentiment: "neg", PublishedAt: t0.Add(-time.Duration(3-i) * time.Hour), IngestedAt: t0})
	}
	if err := st.PutMentions(t.Context(), ms); err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("GET", srv.URL+"/api/v1/topics/t1/mentions?platform=weibo", nil)
	req.Header.Set("X-Roles", "leader")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var got []mentionView
	json.NewDecoder(resp.Body).Decode(&got)
	if resp.StatusCode != 200 || len(got) != 2 || got[0].ID != "weibo:2" || got[1].ID != "weibo:0" || got[0].Author != "网友" || got[0].Sentiment != "neg" {
		t.Fatalf("%d %+v", resp.StatusCode, got)
	}
}

// Two alerts of one story (the second folded into the first): opening for
// either gives one incident, which holds both and records the link naming
// the user.
func TestOpenForAnAlertOfAStoryWithAnIncident(t *testing.T) {
	srv, d, l, _ := newAPIWithLog(t)
	for _, a := range []alert.Alert{
		{ID: "a-S", TopicID: "S", Version: 1, Label: []string{"化工厂", "异味"}},
		{ID: "a-F", TopicID: "F", Version: 1, Label: []string{"刺鼻", "气味"}},
		{ID: "a-F", TopicID: "S", Version: 2, Label: []string{"刺鼻", "气味"}, MergedInto: "a-S"},
	} {
		typ := alert.TypeRaised
		if a.Version > 1 {
			typ = alert.TypeUpdated
		}
		e, _ := event.New(typ, a.ID, "analyze", t0.Add(-time.Hour), t0, a)
		if err := l.Append(t.Context(), analyze.TopicAlerts, e); err != nil {
			t.Fatal(err)
		}
		if err := d.Observe(t.Context(), e); err != nil {
			t.Fatal(err)
		}
	}
	code, out := call(t, srv, "POST", "/api/v1/incidents", "duty_officer", map[string]any{"title": "刺鼻气味", "alert_id": "a-F", "topics": []string{"S"}})
	if code != 200 || out["id"] != "inc-a-S" || out["existing"] != false {
		t.Fatalf("open for the folded alert: %d %v (the incident is named after the survivor)", code, out)
	}
	code, out = call(t, srv, "POST", "/api/v1/incidents", "duty_officer", map[string]any{"title": "化工厂异味", "alert_id": "a-S", "topics": []string{"S"}})
	if code != 200 || out["id"] != "inc-a-S" || out["existing"] != true {
		t.Fatalf("open for the survivor: %d %v", code, out)
	}
	if ids := d.Board().IDs(); len(ids) != 1 {
		t.Fatalf("incidents %v, want one", ids)
	}
	st, _ := d.Board().State("inc-a-S")
	if !st.HasAlert("a-S") || !st.HasAlert("a-F") {
		t.Fatalf("the incident holds %v", st.Alerts)
	}
	var link *incident.Entry
	for _, e := range d.Board().Timeline("inc-a-S") {
		if e.Type == incident.TypeLinked {
			link = &e
		}
	}
	if link == nil || link.Actor != "user:zhang" || !strings.Contains(link.Summary, "化工厂、异味") {
		t.Fatalf("link on the timeline: %+v", link)
	}
}
