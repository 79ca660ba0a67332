package api

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"yuqing/respond/llm"
)

func callAs(t *testing.T, srv *httptest.Server, method, path, roles, user string, body any) (int, map[string]any) {
	t.Helper()
	var b []byte // nil: no body, as a command without one
	if body != nil {
		b, _ = json.Marshal(body)
	}
	req, _ := http.NewRequest(method, srv.URL+path, bytes.NewReader(b))
	req.Header.Set("X-Roles", roles)
	req.Header.Set("X-User", user)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

// The workbench through the API: roles guard each step, a draft without
// text comes from the template with the verified facts cited, the check
// travels with the draft, refusals are Chinese, and the timeline names
// people and statement steps.
func TestWorkbenchThroughTheAPI(t *testing.T) {
	srv, _ := newAPI(t)
	code, out := callAs(t, srv, "POST", "/api/v1/incidents", "duty_officer", "duty", map[string]any{"title": "城东化工厂泄漏", "detected_at": t0.Add(-time.Hour)})
	if code != 200 {
		t.Fatalf("open: %d %v", code, out)
	}
	inc := "/api/v1/incidents/" + out["id"].(string)
	ok := func(code int, out map[string]any) {
		t.Helper()
		if code != 200 {
			t.Fatalf("%d %v", code, out)
		}
	}
	ok(callAs(t, srv, "POST", inc+"/facts", "spokesperson", "li", map[string]any{"kind": "unit", "text": "12月3日凌晨，东港化工厂一储罐泄漏，造成3人受伤。", "source": "临江区政府"}))
	ok(callAs(t, srv, "POST", inc+"/facts/F1/verify", "spokesperson", "li", map[string]any{"status": "已核实"}))
	if code, _ := callAs(t, srv, "POST", inc+"/drafts", "approver", "wang", map[string]any{"kind": "情况通报"}); code != 403 {
		t.Fatalf("an approver drafting: %d", code)
	}
	ok(callAs(t, srv, "POST", inc+"/drafts", "spokesperson", "li", map[string]any{"kind": "情况通报"}))
	code, out = callAs(t, srv, "GET", inc+"/statements", "leader", "zhao", nil)
	ok(code, out)
	drafts := out["drafts"].([]any)
	d := drafts[0].(map[string]any)
	text := d["versions"].([]any)[0].(map[string]any)["text"].(string)
	if d["title"] != "城东化工厂泄漏" || !strings.Contains(text, "造成3人受伤。[F1]") || !strings.Contains(text, "二、原因") {
		t.Fatalf("draft from the template: %v\n%s", d["title"], text)
	}
	if chk := d["check"].(map[string]any); chk["ok"] != false || len(chk["placeholders"].([]any)) == 0 {
		t.Fatalf("a fresh template fails the check on its placeholders: %v", chk)
	}
	code, out = callAs(t, srv, "POST", inc+"/drafts/D1/check", "spokesperson", "li", map[string]any{"text": "标题\n造成5人受伤。[F1]\n电话13812345678。"})
	ok(code, out)
	if len(out["issues"].([]any)) != 1 || len(out["privacy"].([]any)) != 1 {
		t.Fatalf("check of an unsaved text: %v", out)
	}
	ok(callAs(t, srv, "POST", inc+"/drafts/D1/submit", "spokesperson", "li", nil))
	if code, _ := callAs(t, srv, "POST", inc+"/drafts/D1/approve", "spokesperson", "li", nil); code != 403 {
		t.Fatalf("a spokesperson approving: %d", code)
	}
	code, out = callAs(t, srv, "POST", inc+"/drafts/D1/approve", "approver", "wang", map[string]any{})
	if code != 409 || !strings.Contains(out["error"].(string), "未通过检查") || strings.Contains(out["error"].(string), "refused") {
		t.Fatalf("approving a draft with placeholders: %d %v", code, out)
	}
	ok(callAs(t, srv, "POST", inc+"/drafts/D1/return", "approver", "wang", map[string]any{"reason": "请补全原因和措施"}))
	code, out = callAs(t, srv, "GET", inc, "leader", "zhao", nil)
	ok(code, out)
	var summaries []string
	for _, e := range out["timeline"].([]any) {
		m := e.(map[string]any)
		summaries = append(summaries, m["actor_name"].(string)+"："+m["summary"].(string))
	}
	all := strings.Join(summaries, "\n")
	for _, want := range []string{"li：记录事实 F1", "li：事实 F1 已核实", "wang：情况通报「城东化工厂泄漏」第 1 稿退回：请补全原因和措施"} {
		if !strings.Contains(all, want) {
			t.Errorf("timeline lacks %q:\n%s", want, all)
		}
	}
	if dr := out["incident"].(map[string]any)["draft"].(map[string]any); dr["status"] != "草稿" || dr["kind"] != "情况通报" {
		t.Errorf("the incident's draft line: %v", dr)
	}
}

type fakeAssistant struct{ got llm.Request }

func (f *fakeAssistant) Propose(_ context.Context, req llm.Request) (string, error) {
	f.got = req
	return "关于化工厂泄漏的情况通报\n东港化工厂一储罐泄漏，造成3人受伤。[F1]\n另有5人送医观察。\n", nil
}

// The writing assistant sees verified facts only, and what it proposes
// goes through the same citation check as anything typed.
func TestAssistantSeesVerifiedFactsOnly(t *testing.T) {
	fa := &fakeAssistant{}
	srv, _, _, _ := newAPIWith(t, func(a *API) { a.Assistant = fa })
	_, out := callAs(t, srv, "POST", "/api/v1/incidents", "duty_officer", "duty", map[string]any{"title": "化工厂泄漏", "detected_at": t0.Add(-time.Hour)})
	inc := "/api/v1/incidents/" + out["id"].(string)
	callAs(t, srv, "POST", inc+"/facts", "spokesperson", "li", map[string]any{"kind": "unit", "text": "东港化工厂一储罐泄漏，造成3人受伤。", "source": "区政府"})
	callAs(t, srv, "POST", inc+"/facts", "spokesperson", "li", map[string]any{"kind": "unit", "text": "厂长已被控制。", "source": "网友"})
	callAs(t, srv, "POST", inc+"/facts/F1/verify", "spokesperson", "li", map[string]any{"status": "已核实"})
	callAs(t, srv, "POST", inc+"/drafts", "spokesperson", "li", map[string]any{"kind": "情况通报"})
	code, out := callAs(t, srv, "POST", inc+"/drafts/D1/assist", "spokesperson", "li", nil)
	if code != 200 {
		t.Fatalf("assist: %d %v", code, out)
	}
	if len(fa.got.Facts) != 1 || fa.got.Facts[0].ID != "F1" || fa.got.Kind != "情况通报" {
		t.Fatalf("the assistant was given %+v", fa.got)
	}
	issues := out["check"].(map[string]any)["issues"].([]any)
	if len(issues) != 1 || issues[0].(map[string]any)["text"] != "5人" {
		t.Fatalf("the proposal's check: %v", out["check"])
	}
	if code, _ := callAs(t, srv, "POST", inc+"/drafts/D1/assist", "approver", "wang", nil); code != 403 {
		t.Fatalf("an approver asking the assistant: %d", code)
	}
}
