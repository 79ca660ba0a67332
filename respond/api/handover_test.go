package api

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"yuqing/respond/desk"
	"yuqing/respond/handover"
)

// deskFloor feeds the handover from the test desk's incidents, with one
// alert nobody acted on and one blind source.
type deskFloor struct{ d *desk.Desk }

func (f deskFloor) OpenIncidents() []handover.Incident {
	var out []handover.Incident
	for _, id := range f.d.Board().IDs() {
		st, _ := f.d.Board().State(id)
		if st.Status == "open" {
			out = append(out, handover.Incident{ID: st.ID, Title: st.Title, Grade: int(st.Grade), Owner: st.Lead, Status: "处置中", DetectedAt: st.DetectedAt})
		}
	}
	return out
}

func (f deskFloor) RunningClocks() []handover.Clock {
	var out []handover.Clock
	for _, c := range f.d.Board().Running(t0) {
		out = append(out, handover.Clock{Subject: c.Incident, Kind: handover.KindIncident, Title: c.Title, Clock: c.Clock, Name: c.Name, Grade: int(c.Grade), Due: c.Due})
	}
	return out
}

func (deskFloor) Alerts() []handover.Alert {
	return []handover.Alert{{ID: "a-t-1", Title: "噪音扰民", Grade: 3, Raised: t0.Add(-time.Hour), Updated: t0.Add(-time.Hour)}}
}

func (deskFloor) BlindSources() []handover.Source {
	return []handover.Source{{Name: "wechat-bridge", Since: t0.Add(-2 * time.Hour), Reason: "凭证失效或被要求登录", Blind: true}}
}

func newHandoverAPI(t *testing.T) *httptest.Server {
	t.Helper()
	srv, _, _, _ := newAPIWith(t, func(a *API) {
		a.Handovers = handover.NewService(a.Log, a.Now, handover.Inputs{Incidents: deskFloor{a.Desk}, Alerts: deskFloor{a.Desk}, Sources: deskFloor{a.Desk}}, handover.Config{})
		if err := a.Handovers.Load(t.Context()); err != nil {
			t.Fatal(err)
		}
	})
	return srv
}

// The handover through the API: anyone reads the draft, duty officers
// sign; the outgoing officer cannot take their own handover, a handover
// is taken once and a shift handed once, with Chinese refusals.
func TestHandoverThroughTheAPI(t *testing.T) {
	srv := newHandoverAPI(t)
	// t0 is 10:00 Beijing: the day shift ends at 17:30, the night shift
	// after it at 08:30. A grade II incident found an hour ago has its
	// statement due at 14:00 and its press conference at 09:00 tomorrow,
	// after the night shift.
	code, out := callAs(t, srv, "POST", "/api/v1/incidents", "duty_officer", "duty", map[string]any{"title": "城东化工厂异味", "detected_at": t0.Add(-time.Hour)})
	if code != 200 {
		t.Fatalf("open: %d %v", code, out)
	}
	inc := out["id"].(string)
	if code, out := callAs(t, srv, "POST", "/api/v1/incidents/"+inc+"/grade", "duty_officer", "duty", map[string]any{"grade": 2, "reason": "有人员受伤"}); code != 200 {
		t.Fatalf("grade: %d %v", code, out)
	}

	code, out = callAs(t, srv, "GET", "/api/v1/handover/draft", "spokesperson", "li", nil)
	if code != 200 || out["handed"] != nil {
		t.Fatalf("draft: %d %v", code, out)
	}
	note := out["note"].(map[string]any)
	if note["until"] != "2026-11-23T17:30:00+08:00" || note["next_end"] != "2026-11-24T08:30:00+08:00" {
		t.Fatalf("draft shift until %v, next ends %v", note["until"], note["next_end"])
	}
	incs, clocks := note["incidents"].([]any), note["clocks"].([]any)
	if len(incs) != 1 || incs[0].(map[string]any)["id"] != inc || len(clocks) != 1 || clocks[0].(map[string]any)["clock"] != "statement" {
		t.Fatalf("draft incidents %v, clocks %v (the press conference falls due after the next shift)", incs, clocks)
	}
	if len(note["alerts"].([]any)) != 1 || len(note["sources"].([]any)) != 1 {
		t.Fatalf("draft alerts %v, sources %v", note["alerts"], note["sources"])
	}
	if code, _ := callAs(t, srv, "GET", "/api/v1/handover/draft?until=tomorrow", "leader", "zhao", nil); code != 400 {
		t.Fatalf("draft until=tomorrow: %d", code)
	}

	if code, _ := callAs(t, srv, "POST", "/api/v1/handovers", "spokesperson", "li", map[string]any{"note": "无"}); code != 403 {
		t.Fatalf("a spokesperson handing over: %d", code)
	}
	if code, out := callAs(t, srv, "POST", "/api/v1/handovers", "duty_officer", "duty", map[string]any{"note": " "}); code != 409 || !strings.Contains(out["error"].(string), "请填写交班说明") {
		t.Fatalf("handing over without a note: %d %v", code, out)
	}
	if code, _ := callAs(t, srv, "POST", "/api/v1/handovers", "duty_officer", "duty", map[string]any{"note": "无", "shift": "day"}); code != 400 {
		t.Fatalf("unknown field: %d", code)
	}
	code, out = callAs(t, srv, "POST", "/api/v1/handovers", "duty_officer", "duty", map[string]any{"note": "城东化工厂 14:00 前须发布情况通报。"})
	if code != 200 || out["handed_by"] != "user:duty" || out["handed_by_name"] != "duty" || out["taken_by"] != nil || out["handed_at"] != t0.Format(time.RFC3339) {
		t.Fatalf("hand over: %d %v", code, out)
	}
	id := out["id"].(string)
	if frozen := out["note"].(map[string]any); frozen["text"] != "城东化工厂 14:00 前须发布情况通报。" || len(frozen["clocks"].([]any)) != 1 {
		t.Fatalf("handed note %v", frozen)
	}
	// Handed early, the draft is the next shift's; asked for the shift
	// handed, it names the handover.
	if code, out := callAs(t, srv, "GET", "/api/v1/handover/draft", "leader", "zhao", nil); code != 200 || out["handed"] != nil ||
		out["note"].(map[string]any)["until"] != "2026-11-24T08:30:00+08:00" {
		t.Fatalf("draft after handing over: %d %v", code, out)
	}
	if code, out := callAs(t, srv, "GET", "/api/v1/handover/draft?until=2026-11-23T17:30:00%2B08:00", "leader", "zhao", nil); code != 200 || out["handed"] == nil || out["handed"].(map[string]any)["id"] != id {
		t.Fatalf("draft of the shift handed: %d %v", code, out)
	}
	if code, out := callAs(t, srv, "POST", "/api/v1/handovers", "duty_officer", "duty2", map[string]any{"note": "再交一次"}); code != 409 || !strings.Contains(out["error"].(string), "不再重复交班") {
		t.Fatalf("handing one shift over twice: %d %v", code, out)
	}

	take := "/api/v1/handovers/" + id + "/take"
	if code, out := callAs(t, srv, "POST", take, "duty_officer", "duty", map[string]any{"remark": ""}); code != 409 || out["error"] != "不能接自己交的班：接班须由另一名值班员签字" {
		t.Fatalf("taking one's own handover: %d %v", code, out)
	}
	if code, _ := callAs(t, srv, "POST", take, "leader", "zhao", map[string]any{}); code != 403 {
		t.Fatalf("a leader taking over: %d", code)
	}
	if code, out := callAs(t, srv, "POST", "/api/v1/handovers/nope/take", "duty_officer", "duty2", map[string]any{}); code != 404 || !strings.Contains(out["error"].(string), "没有交接班") {
		t.Fatalf("taking an unknown handover: %d %v", code, out)
	}
	code, out = callAs(t, srv, "POST", take, "duty_officer", "duty2", map[string]any{"remark": "已知悉"})
	if code != 200 || out["taken_by"] != "user:duty2" || out["taken_by_name"] != "duty2" || out["remark"] != "已知悉" || out["handed_by"] != "user:duty" {
		t.Fatalf("take over: %d %v", code, out)
	}
	if code, out := callAs(t, srv, "POST", take, "admin", "root", map[string]any{}); code != 409 || !strings.Contains(out["error"].(string), "不能重复接班") {
		t.Fatalf("taking over twice: %d %v", code, out)
	}

	if code, out := callAs(t, srv, "GET", "/api/v1/handovers/"+id, "spokesperson", "li", nil); code != 200 || out["taken_by"] != "user:duty2" {
		t.Fatalf("get: %d %v", code, out)
	}
	if code, _ := callAs(t, srv, "GET", "/api/v1/handovers/nope", "spokesperson", "li", nil); code != 404 {
		t.Fatalf("get unknown: %d", code)
	}
	list := handoverList(t, srv)
	if len(list) != 1 || list[0]["id"] != id {
		t.Fatalf("list %v", list)
	}
	if code, _ := callAs(t, srv, "GET", "/api/v1/handovers?limit=0", "leader", "zhao", nil); code != 400 {
		t.Fatalf("limit=0: %d", code)
	}
	_, doc := callAs(t, srv, "GET", "/api/v1/openapi.json", "leader", "zhao", nil)
	paths := doc["paths"].(map[string]any)
	for _, p := range []string{"/api/v1/handover/draft", "/api/v1/handovers", "/api/v1/handovers/{id}", "/api/v1/handovers/{id}/take"} {
		for _, op := range paths[p].(map[string]any) {
			if s, _ := op.(map[string]any)["summary"].(string); s == "" {
				t.Errorf("%s has no description", p)
			}
		}
	}
}

func handoverList(t *testing.T, srv *httptest.Server) []map[string]any {
	t.Helper()
	req, _ := http.NewRequest("GET", srv.URL+"/api/v1/handovers", nil)
	req.Header.Set("X-Roles", "leader")
	req.Header.Set("X-User", "zhao")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out []map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != 200 {
		t.Fatalf("list: %d %v", resp.StatusCode, err)
	}
	return out
}

// Without the service the routes say so.
func TestHandoverOff(t *testing.T) {
	srv, _ := newAPI(t)
	if code, out := callAs(t, srv, "GET", "/api/v1/handover/draft", "duty_officer", "duty", nil); code != 503 || !strings.Contains(out["error"].(string), "未启用") {
		t.Fatalf("draft without the service: %d %v", code, out)
	}
}
