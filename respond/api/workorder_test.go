package api

import (
	"strings"
	"testing"
	"time"
)

// A disclosure request (依申请公开) through the API: the forms' options,
// registration on the statutory clock, a 补正 pause, an extension that
// needs the head's approval and notice, and an answer with its result.
func TestDisclosureRequestThroughTheAPI(t *testing.T) {
	srv, d := newAPI(t)
	code, out := call(t, srv, "GET", "/api/v1/workorders/options", "duty_officer", nil)
	if code != 200 || out["disclosure"] != "依申请公开" || len(out["results"].([]any)) < 5 || out["bases"].(map[string]any)["withheld"] == nil {
		t.Fatalf("options: %d %v", code, out)
	}
	received := t0.Add(-5 * time.Hour)
	code, out = call(t, srv, "POST", "/api/v1/workorders", "duty_officer", map[string]any{"id": "YSQ-2026-001", "received_at": received,
		"channel": "网上申请", "category": "依申请公开", "unit": "市住建局", "title": "申请公开老旧小区改造项目清单"})
	if code != 200 {
		t.Fatalf("receive: %d %v", code, out)
	}
	st, _ := d.WorkOrder("YSQ-2026-001")
	if c := st.Clocks["answer"]; c == nil || c.Workdays != 20 {
		t.Fatalf("answer clock %+v", st.Clocks)
	}
	path := "/api/v1/workorders/YSQ-2026-001"
	if code, out := call(t, srv, "POST", path+"/pause", "duty_officer", map[string]any{"at": t0.Add(-4 * time.Hour), "reason": "申请内容不明确"}); code != 409 || !strings.Contains(out["error"].(string), "中止") && !strings.Contains(out["error"].(string), "类型") {
		t.Fatalf("pause without a kind: %d %v", code, out)
	}
	if code, out := call(t, srv, "POST", path+"/pause", "duty_officer", map[string]any{"at": t0.Add(-4 * time.Hour), "reason": "申请内容不明确", "kind": "supplement", "until": t0.Add(7 * 24 * time.Hour)}); code != 200 {
		t.Fatalf("补正: %d %v", code, out)
	}
	if code, out := call(t, srv, "POST", path+"/resume", "duty_officer", map[string]any{"at": t0.Add(-2 * time.Hour)}); code != 200 {
		t.Fatalf("resume: %d %v", code, out)
	}
	if code, _ := call(t, srv, "POST", path+"/extend", "duty_officer", map[string]any{"days": 20, "reason": "需调取档案", "approved_by": "李处长"}); code != 403 {
		t.Fatalf("a duty officer extending: %d", code)
	}
	if code, out := call(t, srv, "POST", path+"/extend", "approver", map[string]any{"days": 20, "reason": "需调取档案", "approved_by": "李处长"}); code != 409 || !strings.Contains(out["error"].(string), "告知申请人") {
		t.Fatalf("extension without notice: %d %v", code, out)
	}
	if code, out := call(t, srv, "POST", path+"/extend", "approver", map[string]any{"days": 20, "reason": "需调取档案", "approved_by": "李处长", "notified_at": t0.Add(-time.Hour)}); code != 200 {
		t.Fatalf("extension: %d %v", code, out)
	}
	if code, out := call(t, srv, "POST", path+"/answer", "duty_officer", map[string]any{"at": t0, "text": "见附件", "result": "maybe"}); code != 409 {
		t.Fatalf("unknown result: %d %v", code, out)
	}
	if code, out := call(t, srv, "POST", path+"/answer", "duty_officer", map[string]any{"at": t0, "text": "见附件", "result": "public"}); code != 200 {
		t.Fatalf("answer: %d %v", code, out)
	}
	code, out = call(t, srv, "GET", path, "leader", nil)
	if code != 200 || out["result"] != "public" || out["status"] != "answered" || len(out["extensions"].([]any)) != 1 {
		t.Fatalf("order: %d %v", code, out)
	}
}
