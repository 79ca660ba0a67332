package api

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"yuqing/respond/wording"
)

// The 口径 library through the API: a spokesperson proposes, the same
// person cannot approve, an approver does; search finds it with what a
// draft inserts (its text and a citation of the entry).
func TestWordingThroughTheAPI(t *testing.T) {
	srv, _, _, _ := newAPIWith(t, func(a *API) { a.Wording = wording.NewService(a.Log, a.Now) })
	code, out := callAs(t, srv, "POST", "/api/v1/wording", "spokesperson", "li", map[string]any{
		"category": "安全生产", "unit": "市应急管理局", "title": "危化品泄漏处置口径",
		"text":      "发生危化品泄漏后，属地政府第一时间组织疏散，环境监测部门持续监测并及时公布结果。",
		"citations": []map[string]any{{"kind": "document", "ref": "国办发〔2016〕61号", "label": "关于在政务公开工作中进一步做好政务舆情回应的通知"}},
	})
	if code != 200 {
		t.Fatalf("propose: %d %v", code, out)
	}
	id := out["id"].(string)
	if code, out := callAs(t, srv, "POST", "/api/v1/wording/"+id+"/approve", "approver,spokesperson", "li", map[string]any{"version": 1}); code != 409 {
		t.Fatalf("self-approval: %d %v", code, out)
	}
	if code, _ := callAs(t, srv, "POST", "/api/v1/wording/"+id+"/approve", "spokesperson", "zhang", map[string]any{"version": 1}); code != 403 {
		t.Fatalf("a spokesperson approving: %d", code)
	}
	if code, out := callAs(t, srv, "POST", "/api/v1/wording/"+id+"/approve", "approver", "wang", map[string]any{"version": 1, "note": "同意"}); code != 200 {
		t.Fatalf("approve: %d %v", code, out)
	}
	code, out = callAs(t, srv, "GET", "/api/v1/wording?q="+url.QueryEscape("泄漏 疏散"), "leader", "zhao", nil)
	hits := out["hits"].([]any)
	if code != 200 || len(hits) != 1 {
		t.Fatalf("search: %d %v", code, out)
	}
	h := hits[0].(map[string]any)
	cites := h["citations"].([]any)
	last := cites[len(cites)-1].(map[string]any)
	if !strings.HasPrefix(h["insert"].(string), "发生危化品泄漏后") || last["kind"] != "wording" || last["ref"] != id+"@1" {
		t.Fatalf("what a draft inserts: %v", h)
	}
	// A phone number in 口径 is refused unless someone says why it may stay.
	code, out = callAs(t, srv, "POST", "/api/v1/wording", "spokesperson", "li", map[string]any{
		"category": "其他", "unit": "市政府办", "title": "咨询电话", "text": "咨询请拨打13812345678。", "valid_until": time.Now().Add(time.Hour)})
	if code != 409 {
		t.Fatalf("口径 with a mobile number: %d %v", code, out)
	}
}
