package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/text/encoding/simplifiedchinese"

	"yuqing/analyze/scheme"
	"yuqing/analyze/segment"
	"yuqing/internal/analytics"
	"yuqing/internal/clock"
	"yuqing/internal/eventlog"
	"yuqing/respond/policy"
)

var (
	apiSegOnce sync.Once
	apiSeg     *segment.Segmenter
	apiSegErr  error
)

func testSegmenter(t *testing.T) *segment.Segmenter {
	t.Helper()
	apiSegOnce.Do(func() { apiSeg, apiSegErr = segment.New(segment.Config{}, nil) })
	if apiSegErr != nil {
		t.Fatal(apiSegErr)
	}
	return apiSeg
}

const parkingTitle = "临江市中心城区机动车停放服务收费调整方案"

const parkingText = `为缓解中心城区停车难问题，发挥价格杠杆调节作用，根据《临江市机动车停放服务收费管理办法》，制定本方案。
一、本方案适用于鼓楼区、江滨区范围内的道路临时停车泊位和政府投资建设的公共停车场。
二、一类区域道路停车泊位由每小时5元调整为8元，上调60%；二类区域由每小时3元调整为5元。夜间停车收费标准提高至每小时2元。
三、首30分钟免费的规定调整为首15分钟免费。
四、居民包月停车由每月150元提高至每月300元，仅限在本片区登记的居民车辆办理。
五、本方案自2026年12月1日起施行，原已办理的包月停车在有效期内继续有效。`

// newPolicyAPI serves the API with policy assessments and, when ready,
// a loaded segmenter.
func newPolicyAPI(t *testing.T, ready bool) (*httptest.Server, eventlog.Log, analytics.Store, *API) {
	t.Helper()
	var seg *segment.Segmenter
	if ready {
		seg = testSegmenter(t)
	}
	var api *API
	srv, _, l, st := newAPIWith(t, func(a *API) {
		a.Policies = policy.NewService(a.Log, a.Now)
		a.Segmenter = func() *segment.Segmenter { return seg }
		api = a
	})
	return srv, l, st, api
}

// upload posts a multipart form with the draft as a file.
func upload(t *testing.T, srv *httptest.Server, roles, name string, content []byte, fields map[string]string) (int, map[string]any) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write(content)
	mw.Close()
	req, _ := http.NewRequest("POST", srv.URL+"/api/v1/policies/assess", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("X-Roles", roles)
	req.Header.Set("X-User", "duty")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

func get(t *testing.T, srv *httptest.Server, path string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest("GET", srv.URL+path, nil)
	req.Header.Set("X-Roles", "leader")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

// The segmenter still loading: assessing answers 503 in Chinese.
func TestPolicyAssessWaitsForTheSegmenter(t *testing.T) {
	srv, _, _, _ := newPolicyAPI(t, false)
	code, out := call(t, srv, "POST", "/api/v1/policies/assess", "duty_officer", map[string]any{"title": parkingTitle, "text": parkingText})
	if code != 503 || !strings.Contains(fmt.Sprint(out["error"]), "分词器") {
		t.Fatalf("%d %v", code, out)
	}
	srv, _, _, _ = newAPIWith(t, nil) // no policy service at all
	if code, out := call(t, srv, "GET", "/api/v1/policies", "leader", nil); code != 503 || !strings.Contains(fmt.Sprint(out["error"]), "未启用") {
		t.Fatalf("without a service: %d %v", code, out)
	}
}

// A draft assessed, read, exported, marked released (its scheme defined
// for the window), and what happened after: through the API, as events
// that replay.
func TestPolicyAssessReleaseAfter(t *testing.T) {
	srv, l, st, api := newPolicyAPI(t, true)
	body := map[string]any{"title": parkingTitle, "unit": "临江市发展和改革委员会", "release_at": "2026-11-23", "text": parkingText}
	if code, _ := call(t, srv, "POST", "/api/v1/policies/assess", "approver", body); code != 403 {
		t.Fatalf("an approver assessed: %d", code)
	}
	if code, out := call(t, srv, "POST", "/api/v1/policies/assess", "duty_officer", map[string]any{"title": "空", "text": "  "}); code != 400 || !strings.Contains(fmt.Sprint(out["error"]), "没有正文") {
		t.Fatalf("empty draft: %d %v", code, out)
	}
	if code, _ := call(t, srv, "POST", "/api/v1/policies/assess", "duty_officer", map[string]any{"text": parkingText, "colour": "red"}); code != 400 {
		t.Fatalf("unknown field: %d", code)
	}
	code, out := call(t, srv, "POST", "/api/v1/policies/assess", "duty_officer", body)
	if code != 200 {
		t.Fatalf("assess: %d %v", code, out)
	}
	id := out["id"].(string)
	p := out["policy"].(map[string]any)
	as := p["assessment"].(map[string]any)
	if as["level"] != "高" || len(as["evidence"].([]any)) == 0 || p["assessed_by"] != "user:zhang" || !slices.Contains(toStrings(out["events"]), policy.TypeAssessed) {
		t.Fatalf("assessment %v", out)
	}
	if sc := as["scheme"].(map[string]any); sc["id"] != "policy-"+id {
		t.Fatalf("scheme %v", sc)
	}
	if out["after"] != nil {
		t.Fatalf("after before release: %v", out["after"])
	}

	// The same draft uploaded as a GB18030 .txt, title on its first line:
	// the same assessment, assessed again.
	gb, _ := simplifiedchinese.GB18030.NewEncoder().String(parkingTitle + "\r\n" + parkingText)
	code, out = upload(t, srv, "spokesperson", "停车收费.txt", []byte(gb), map[string]string{"unit": "临江市发展和改革委员会"})
	if code != 200 || out["id"] != id || out["policy"].(map[string]any)["assessments"] != 2.0 {
		t.Fatalf("upload: %d %v", code, out["id"])
	}
	if code, out := upload(t, srv, "spokesperson", "draft.pdf", []byte("%PDF-1.4"), nil); code != 400 || !strings.Contains(fmt.Sprint(out["error"]), ".docx") {
		t.Fatalf("a pdf: %d %v", code, out)
	}
	if code, out := upload(t, srv, "spokesperson", "big.txt", bytes.Repeat([]byte("停车收费。"), 400_000), nil); code != 413 || !strings.Contains(fmt.Sprint(out["error"]), "5 MB") {
		t.Fatalf("6 MB: %d %v", code, out)
	}

	resp, b := get(t, srv, "/api/v1/policies")
	var list []map[string]any
	json.Unmarshal(b, &list)
	if resp.StatusCode != 200 || len(list) != 1 || list[0]["id"] != id || list[0]["title"] != parkingTitle || list[0]["level"] != "高" || list[0]["released_at"] != nil {
		t.Fatalf("list: %d %s", resp.StatusCode, b)
	}
	if code, _ := call(t, srv, "GET", "/api/v1/policies/nope", "leader", nil); code != 404 {
		t.Fatalf("unknown assessment: %d", code)
	}

	resp, b = get(t, srv, "/api/v1/policies/"+id+"/export?format=md")
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment;") ||
		!strings.Contains(resp.Header.Get("Content-Disposition"), "utf-8''") || !strings.Contains(resp.Header.Get("Content-Type"), "charset=utf-8") ||
		!strings.HasPrefix(string(b), "# 政策舆情风险研判："+parkingTitle) || !strings.Contains(string(b), "尚未标记发布") {
		t.Fatalf("export md: %d %v\n%s", resp.StatusCode, resp.Header, b)
	}
	resp, b = get(t, srv, "/api/v1/policies/"+id+"/export?format=docx")
	if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Content-Type"), "wordprocessingml") || !bytes.HasPrefix(b, []byte("PK")) ||
		!strings.Contains(resp.Header.Get("Content-Disposition"), ".docx") {
		t.Fatalf("export docx: %d %v (%d bytes)", resp.StatusCode, resp.Header, len(b))
	}
	if resp, _ := get(t, srv, "/api/v1/policies/"+id+"/export?format=pdf"); resp.StatusCode != 400 {
		t.Fatalf("export pdf: %d", resp.StatusCode)
	}

	// Release: a duty officer may not; a spokesperson may, once.
	rel := "/api/v1/policies/" + id + "/release"
	if code, _ := call(t, srv, "POST", "/api/v1/policies/nope/release", "spokesperson", map[string]any{}); code != 404 {
		t.Fatalf("releasing an unknown assessment: %d", code)
	}
	if code, _ := call(t, srv, "POST", rel, "duty_officer", map[string]any{}); code != 403 {
		t.Fatalf("duty officer released: %d", code)
	}
	if code, out := call(t, srv, "POST", rel, "spokesperson", map[string]any{"released_at": "2026-12-25"}); code != 409 || !strings.Contains(fmt.Sprint(out["error"]), "不能晚于现在") {
		t.Fatalf("release in the future: %d %v", code, out)
	}
	code, out = call(t, srv, "POST", rel, "spokesperson", map[string]any{"released_at": "2026-11-23T09:00", "window_days": 10})
	if code != 200 || !slices.Equal(toStrings(out["events"]), []string{scheme.TypeDefined, policy.TypeReleased}) {
		t.Fatalf("release: %d %v", code, out)
	}
	from := time.Date(2026, 11, 23, 0, 0, 0, 0, clock.Beijing)
	var sc *scheme.Scheme
	for _, s := range api.Schemes.List() {
		if s.ID == "policy-"+id {
			sc = &s
		}
	}
	if sc == nil || !sc.ActiveFrom.Equal(from) || !sc.ActiveTo.Equal(from.AddDate(0, 0, 10)) || !strings.HasPrefix(sc.Name, "政策发布监测：") {
		t.Fatalf("release scheme %+v", sc)
	}
	if code, out := call(t, srv, "POST", rel, "leader", map[string]any{}); code != 409 || !strings.Contains(fmt.Sprint(out["error"]), "已于") {
		t.Fatalf("released twice: %d %v", code, out)
	}
	if code, out := call(t, srv, "POST", "/api/v1/policies/assess", "duty_officer", body); code != 409 || out["id"] != id {
		t.Fatalf("assessing a released policy again: %d %v", code, out)
	}

	// The analyser matches the scheme inside its window only.
	m := api.Schemes.Matcher()
	post := "临江停车费上调了，低收入群体有没有补贴？"
	if len(m.Match(scheme.Input{Text: post, At: from.Add(-time.Hour)})) != 0 || len(m.Match(scheme.Input{Text: post, At: from.Add(time.Hour)})) != 1 {
		t.Fatal("the release scheme does not keep to its window")
	}
	seg := testSegmenter(t)
	var ms []analytics.Mention
	for i, text := range []string{post, "临江停车费上调，低收入群体有没有减免？", "临江包月停车费翻倍，居民太难了"} {
		at := t0.Add(-time.Duration(3-i) * time.Hour)
		tok := seg.Tokens(text)
		ms = append(ms, analytics.Mention{ID: fmt.Sprintf("weibo:p%d", i), Platform: "weibo", Text: text, PublishedAt: at, IngestedAt: at,
			Tokens: tok, Keywords: seg.Keywords(tok, 8), Sentiment: "neg", Topic: "t-fee", Schemes: []string{"policy-" + id}})
	}
	if err := st.PutMentions(t.Context(), ms); err != nil {
		t.Fatal(err)
	}
	if err := st.PutTopics(t.Context(), []analytics.Topic{{ID: "t-fee", Label: []string{"停车费", "上调"}, Mentions: 3, FirstTime: ms[0].PublishedAt,
		LastTime: ms[2].PublishedAt, Neg: 3, Schemes: []string{"policy-" + id}, Updated: t0}}); err != nil {
		t.Fatal(err)
	}
	code, out = call(t, srv, "GET", "/api/v1/policies/"+id, "leader", nil)
	if code != 200 {
		t.Fatalf("get: %d %v", code, out)
	}
	after := out["after"].(map[string]any)
	if after["mentions"] != 3.0 || after["read"] != 3.0 || after["neg_share"] != 1.0 || !after["open"].(bool) || len(after["topics"].([]any)) != 1 {
		t.Fatalf("after %v", after)
	}
	matched := after["questions"].(map[string]any)["matched"].([]any)
	if len(matched) == 0 || !strings.Contains(matched[0].(map[string]any)["predicted"].(string), "低收入") {
		t.Fatalf("questions asked vs predicted: %v", after["questions"])
	}
	if out["scheme"].(map[string]any)["id"] != "policy-"+id {
		t.Fatalf("linked scheme %v", out["scheme"])
	}
	resp, b = get(t, srv, "/api/v1/policies/"+id+"/export?format=json")
	var exp map[string]any
	if resp.StatusCode != 200 || json.Unmarshal(b, &exp) != nil || exp["after"] == nil || !strings.Contains(resp.Header.Get("Content-Disposition"), ".json") {
		t.Fatalf("export json: %d %s", resp.StatusCode, b)
	}
	if _, b = get(t, srv, "/api/v1/policies/"+id+"/export"); !strings.Contains(string(b), "## 发布后") || !strings.Contains(string(b), "低收入") {
		t.Fatalf("export md after release:\n%s", b)
	}

	// Replay: the policies and schemes topics give the same state.
	re := policy.NewService(l, api.Now)
	if err := re.Load(t.Context()); err != nil {
		t.Fatal(err)
	}
	got, ok := re.Board().Get(id)
	want, _ := api.Policies.Board().Get(id)
	gj, _ := json.Marshal(got)
	wj, _ := json.Marshal(want)
	if !ok || !got.Released() || string(gj) != string(wj) {
		t.Fatalf("replayed:\n%s\nwant\n%s", gj, wj)
	}
	reg := scheme.NewRegistry()
	l.Replay(t.Context(), scheme.Topic, func(_ context.Context, batch []eventlog.Record) error {
		for _, r := range batch {
			if err := reg.Apply(r.Event); err != nil {
				return err
			}
		}
		return nil
	})
	if list := reg.List(); len(list) != 1 || !list[0].ActiveFrom.Equal(from) {
		t.Fatalf("replayed schemes %+v", list)
	}
}
