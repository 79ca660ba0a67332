package api

import (
	"fmt"
	"math"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"yuqing/analyze/segment"
	"yuqing/internal/analytics"
)

// snakeKey is a JSON object key of the API: lower-case letters, digits and
// underscores.
var snakeKey = regexp.MustCompile(`^[a-z][a-z0-9]*(_[a-z0-9]+)*$`)

// durationKey names a duration without its unit: remaining, elapsed …
// Durations in the API are seconds, named so (remaining_s, waiting_s).
var durationKey = regexp.MustCompile(`(^|_)(remaining|duration|elapsed|waiting|wait|delay|timeout|interval|lag|age|ttl|before|warned|warning)$`)

// dataMaps are the keys of the JSON objects whose own keys are data, not
// field names (actor → name, platform → count, format → link …): their
// keys are not checked, their values are.
var dataMaps = map[string]bool{
	"names":     true, // actor → display name
	"links":     true, // format → download link
	"volume":    true, // platform → counts per hour
	"platforms": true, // platform → mentions (the overview's)
	"sentiment": true, // neg, neu, pos → mentions (the overview's)
	"bases":     true, // result code → cases
	"clocks":    true, // clock name → clock
	"groups":    true, // a scheme's word groups by name
}

// conventionIssues walks v, the JSON of route, and lists what breaks the
// API's conventions: a key not snake_case, a duration in nanoseconds or
// without its unit. (Nulls: see nulls.)
func conventionIssues(route, path string, v any, out *[]string) {
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		data := dataMaps[path[strings.LastIndex(path, ".")+1:]]
		for _, k := range keys {
			e := x[k]
			sub := path + "." + k
			if !data {
				if !snakeKey.MatchString(k) {
					*out = append(*out, fmt.Sprintf("%s: key %q at %s is not snake_case", route, k, path))
				}
				if strings.HasSuffix(k, "_ns") || strings.HasSuffix(k, "_nanos") {
					*out = append(*out, fmt.Sprintf("%s: %s is in nanoseconds: durations are seconds (_s)", route, sub))
				}
				if _, isNum := e.(float64); isNum && durationKey.MatchString(k) {
					*out = append(*out, fmt.Sprintf("%s: %s is a duration without its unit: name it %s_s, in seconds", route, sub, k))
				}
				if nanoseconds(e) {
					*out = append(*out, fmt.Sprintf("%s: %s = %v looks like nanoseconds: durations are seconds", route, sub, e))
				}
			}
			conventionIssues(route, sub, e, out)
		}
	case []any:
		for _, e := range x {
			conventionIssues(route, path+"[]", e, out)
		}
	}
}

// nanoseconds tells a number, or a list of them, that looks like a
// time.Duration written as is: a whole number of milliseconds in
// nanoseconds, a second or more.
func nanoseconds(v any) bool {
	switch x := v.(type) {
	case float64:
		return x >= 1e9 && x == math.Trunc(x) && math.Mod(x, 1e6) == 0
	case []any:
		for _, e := range x {
			if f, ok := e.(float64); ok && nanoseconds(f) {
				return true
			}
		}
	}
	return false
}

// TestJSONConventions calls every GET route of the API with data in every
// part of it and walks the JSON: every key is snake_case, no duration is
// in nanoseconds or without its unit, and a list is [] when empty, never
// null, at the top and inside.
func TestJSONConventions(t *testing.T) {
	seg := testSegmenter(t)
	var api *API
	srv, d, _, st := newAPIWith(t, func(a *API) {
		withEveryService(t, a)
		a.Segmenter = func() *segment.Segmenter { return seg }
		api = a
	})
	ok := func(code int, out map[string]any) {
		t.Helper()
		if code != 200 {
			t.Fatalf("%d %v", code, out)
		}
	}

	// The store: a topic with mentions on two platforms, one questioning.
	var ms []analytics.Mention
	for i, p := range []string{"weibo", "wechat", "weibo", "douyin"} {
		ms = append(ms, analytics.Mention{ID: fmt.Sprintf("%s:%d", p, i), Platform: p, AuthorName: "网友", Title: "化工厂异味", Text: "城东化工厂异味刺鼻，是不是泄漏了？有没有人受伤？",
			URL: "https://example.com/" + p, Topic: "t1", Sentiment: "neg", SentimentScore: -0.8, Keywords: []string{"化工厂", "异味"}, Schemes: []string{"chem"},
			PublishedAt: t0.Add(-time.Duration(4-i) * time.Hour), IngestedAt: t0})
	}
	if err := st.PutMentions(t.Context(), ms); err != nil {
		t.Fatal(err)
	}
	if err := st.PutTopics(t.Context(), []analytics.Topic{{ID: "t1", Label: []string{"化工厂", "异味"}, Mentions: 4, FirstID: "weibo:0", FirstTime: t0.Add(-4 * time.Hour),
		LastTime: t0.Add(-time.Hour), Platforms: []string{"weibo", "wechat", "douyin"}, Neg: 4, Heat: 12.5, Lifecycle: "rising", Grade: 3, Schemes: []string{"chem"}, Updated: t0}}); err != nil {
		t.Fatal(err)
	}
	ok(call(t, srv, "PUT", "/api/v1/schemes/chem", "duty_officer", map[string]any{"name": "化工厂", "rule": "化工厂 & 异味"}))

	// An incident on the topic: graded, assigned, published, with a fact,
	// a draft submitted and a conference scheduled.
	code, out := call(t, srv, "POST", "/api/v1/incidents", "duty_officer", map[string]any{"id": "inc-1", "title": "城东化工厂异味", "topics": []string{"t1"},
		"mentions": []string{"weibo:0"}, "detected_at": t0.Add(-3 * time.Hour)})
	ok(code, out)
	inc := "/api/v1/incidents/inc-1"
	ok(call(t, srv, "POST", inc+"/grade", "leader", map[string]any{"grade": 2, "reason": "有人员受伤"}))
	ok(call(t, srv, "POST", inc+"/assign", "duty_officer", map[string]any{"units": []map[string]any{{"name": "城东区政府", "kind": "属地"}}, "lead": "城东区政府"}))
	ok(call(t, srv, "POST", inc+"/conference/schedule", "spokesperson", map[string]any{"at": t0.Add(3 * time.Hour), "place": "区政府新闻发布厅", "speakers": []map[string]any{{"name": "李四", "role": "新闻发言人"}}}))
	ok(callAs(t, srv, "POST", inc+"/facts", "spokesperson", "li", map[string]any{"kind": "unit", "text": "12月3日凌晨，化工厂一储罐泄漏，造成3人受伤。", "source": "城东区政府"}))
	ok(callAs(t, srv, "POST", inc+"/facts/F1/verify", "spokesperson", "li", map[string]any{"status": "已核实"}))
	ok(callAs(t, srv, "POST", inc+"/drafts", "spokesperson", "li", map[string]any{"kind": "情况通报", "text": "标题\n造成3人受伤。[F1]"}))
	ok(callAs(t, srv, "PUT", inc+"/drafts/D1", "spokesperson", "li", map[string]any{"base": 1, "text": "标题\n化工厂储罐泄漏，造成3人受伤。[F1]"}))
	ok(callAs(t, srv, "POST", inc+"/drafts/D1/submit", "spokesperson", "li", nil))
	ok(call(t, srv, "POST", inc+"/publish", "spokesperson", map[string]any{"at": t0.Add(-2 * time.Hour), "channel": "政务微博", "url": "https://weibo.com/gov/1", "text": "情况通报"}))

	// A work order, paused and resumed.
	ok(call(t, srv, "POST", "/api/v1/workorders", "duty_officer", map[string]any{"id": "WO-1", "received_at": t0.Add(-5 * time.Hour), "channel": "网上申请",
		"category": "依申请公开", "unit": "市住建局", "title": "申请公开老旧小区改造项目清单"}))
	ok(call(t, srv, "POST", "/api/v1/workorders/WO-1/pause", "duty_officer", map[string]any{"at": t0.Add(-4 * time.Hour), "reason": "申请内容不明确", "kind": "supplement", "until": t0.Add(7 * 24 * time.Hour)}))
	ok(call(t, srv, "POST", "/api/v1/workorders/WO-1/resume", "duty_officer", map[string]any{"at": t0.Add(-2 * time.Hour)}))

	// A 口径 entry, approved.
	code, out = callAs(t, srv, "POST", "/api/v1/wording", "spokesperson", "li", map[string]any{"category": "安全生产", "unit": "市应急管理局", "title": "危化品泄漏处置口径",
		"text": "发生危化品泄漏后，属地政府第一时间组织疏散。", "citations": []map[string]any{{"kind": "document", "ref": "国办发〔2016〕61号", "label": "通知"}}})
	ok(code, out)
	wid := out["id"].(string)
	ok(callAs(t, srv, "POST", "/api/v1/wording/"+wid+"/approve", "approver", "wang", map[string]any{"version": 1, "note": "同意"}))

	// A policy assessed and released.
	code, out = call(t, srv, "POST", "/api/v1/policies/assess", "duty_officer", map[string]any{"title": parkingTitle, "unit": "临江市发展和改革委员会", "release_at": "2026-11-23", "text": parkingText})
	ok(code, out)
	pid := out["id"].(string)
	ok(call(t, srv, "POST", "/api/v1/policies/"+pid+"/release", "spokesperson", map[string]any{"released_at": t0.Add(-time.Hour).Format(time.RFC3339)}))

	// A handover, handed and taken.
	code, out = callAs(t, srv, "POST", "/api/v1/handovers", "duty_officer", "zhang", map[string]any{"note": "关注化工厂异味"})
	ok(code, out)
	hid := out["id"].(string)
	ok(callAs(t, srv, "POST", "/api/v1/handovers/"+hid+"/take", "duty_officer", "wu", map[string]any{"remark": "已了解"}))

	// A daily report, as HTML (no browser here for the PDF).
	code, out = call(t, srv, "POST", "/api/v1/reports", "leader", map[string]any{"kind": "daily", "formats": []string{"html"}})
	ok(code, out)
	rid := out["id"].(string)

	if _, ok := d.Board().State("inc-1"); !ok {
		t.Fatal("no incident")
	}

	// Every GET route, with the URLs that show its JSON; a route without
	// JSON (a file) has none.
	examples := map[string][]string{
		"/api/v1/topics":                    {"/api/v1/topics", "/api/v1/topics?drill=1"},
		"/api/v1/topics/{id}/volume":        {"/api/v1/topics/t1/volume", "/api/v1/topics/t1/volume?step=minute"},
		"/api/v1/topics/{id}/mentions":      {"/api/v1/topics/t1/mentions"},
		"/api/v1/topics/{id}/breakdown":     {"/api/v1/topics/t1/breakdown"},
		"/api/v1/mentions/{id}":             {"/api/v1/mentions/weibo:0"},
		"/api/v1/mentions":                  {"/api/v1/mentions?limit=2", "/api/v1/mentions?q=" + "nothing-matches"},
		"/api/v1/mentions/export":           nil, // CSV, XLSX
		"/api/v1/clocks":                    {"/api/v1/clocks"},
		"/api/v1/reports/ontime":            {"/api/v1/reports/ontime"},
		"/api/v1/overview":                  {"/api/v1/overview"},
		"/api/v1/incidents":                 {"/api/v1/incidents"},
		"/api/v1/incidents/{id}":            {inc},
		"/api/v1/incidents/{id}/evidence":   {inc + "/evidence"},
		"/api/v1/incidents/{id}/effect":     {inc + "/effect"},
		"/api/v1/incidents/{id}/statements": {inc + "/statements"},
		"/api/v1/assistant":                 {"/api/v1/assistant"},
		"/api/v1/workorders/options":        {"/api/v1/workorders/options"},
		"/api/v1/workorders/{id}":           {"/api/v1/workorders/WO-1"},
		"/api/v1/schemes":                   {"/api/v1/schemes"},
		"/api/v1/wording":                   {"/api/v1/wording?q=" + "泄漏", "/api/v1/wording?all=1"},
		"/api/v1/wording/{wid}":             {"/api/v1/wording/" + wid},
		"/api/v1/reports":                   {"/api/v1/reports"},
		"/api/v1/reports/{id}":              {"/api/v1/reports/" + rid},
		"/api/v1/reports/{id}/{format}":     nil, // HTML, Word, PDF
		"/api/v1/policies":                  {"/api/v1/policies"},
		"/api/v1/policies/{id}":             {"/api/v1/policies/" + pid},
		"/api/v1/policies/{id}/export":      {"/api/v1/policies/" + pid + "/export?format=json"},
		"/api/v1/handover/draft":            {"/api/v1/handover/draft", "/api/v1/handover/draft?until=" + t0.Add(-time.Minute).Format(time.RFC3339)},
		"/api/v1/handovers":                 {"/api/v1/handovers"},
		"/api/v1/handovers/{id}":            {"/api/v1/handovers/" + hid},
		"/api/v1/openapi.json":              nil, // OpenAPI's own names (requestBody, x-roles …); TestOpenAPIRequestBodies
	}
	var issues []string
	for _, r := range api.spec.routes {
		if r.method != "get" {
			continue
		}
		urls, known := examples[r.path]
		if !known {
			t.Errorf("GET %s: no example URL in TestJSONConventions: add one", r.path)
			continue
		}
		for _, u := range urls {
			code, v, raw := getRaw(t, srv.URL+u)
			if code != 200 {
				t.Errorf("GET %s: %d %s", u, code, raw)
				continue
			}
			if v == nil {
				issues = append(issues, fmt.Sprintf("GET %s: null", u))
			}
			var found []string
			nulls("", v, &found)
			for _, n := range found {
				if nullable[n] {
					continue
				}
				issues = append(issues, fmt.Sprintf("GET %s: %s is null", u, n))
			}
			conventionIssues("GET "+u, "", v, &issues)
		}
	}
	seen := map[string]bool{}
	for _, s := range issues {
		if !seen[s] {
			seen[s] = true
			t.Error(s)
		}
	}
}

// nullable are the values that are an object or null (never a list).
var nullable = map[string]bool{
	".handed": true, // the shift not handed yet
}

// TestConventionIssues: the audit itself tells a PascalCase key, a
// duration in nanoseconds and one without its unit, and leaves the keys of
// data maps alone.
func TestConventionIssues(t *testing.T) {
	var got []string
	conventionIssues("GET x", "", map[string]any{
		"ID": "a", "ok_key": 1.0, "remaining": 3600.0, "wait_ns": 5.0, "warned_before_s": []any{3600.0},
		"gap": []any{float64(time.Hour)}, "names": map[string]any{"user:li": "李四"},
	}, &got)
	want := []string{`key "ID"`, "remaining is a duration", "wait_ns is in nanoseconds", ".gap = "}
	if len(got) != len(want) {
		t.Fatalf("issues %q", got)
	}
	for _, w := range want {
		found := false
		for _, g := range got {
			found = found || strings.Contains(g, w)
		}
		if !found {
			t.Errorf("no issue %q in %q", w, got)
		}
	}
}

// The incident commands read snake_case bodies (their command types name
// no JSON fields), still take the names in any case as before, and a
// submission takes its draft from the path only.
func TestCommandBodiesSnakeCase(t *testing.T) {
	srv, d := newAPI(t)
	if code, out := call(t, srv, "POST", "/api/v1/incidents", "duty_officer", map[string]any{"id": "inc-1", "title": "化工厂异味", "detected_at": t0.Add(-time.Hour)}); code != 200 {
		t.Fatalf("open: %d %v", code, out)
	}
	inc := "/api/v1/incidents/inc-1"
	ok := func(code int, out map[string]any) {
		t.Helper()
		if code != 200 {
			t.Fatalf("%d %v", code, out)
		}
	}
	ok(call(t, srv, "POST", inc+"/acknowledge", "leader", nil))
	ok(call(t, srv, "POST", inc+"/assign", "duty_officer", map[string]any{"units": []map[string]any{{"name": "城东区政府", "kind": "属地"}}, "lead": "城东区政府"}))
	ok(call(t, srv, "POST", inc+"/grade", "leader", map[string]any{"grade": 3, "reason": "影响较小"}))
	running := d.Board().Running(t0)
	if len(running) == 0 {
		t.Fatal("no clock running")
	}
	clock, until := running[0].Clock, t0.Add(30*time.Minute)
	ok(call(t, srv, "POST", inc+"/snooze", "duty_officer", map[string]any{"clock": clock, "until": until, "reason": "正在核实"}))
	st, _ := d.Board().State("inc-1")
	if st.Lead != "城东区政府" || len(st.Units) != 1 || !st.Clocks[clock].SnoozedUntil.Equal(until) {
		t.Fatalf("assigned and snoozed: %+v", st)
	}
	ok(call(t, srv, "POST", inc+"/close", "leader", map[string]any{"review": "已处置"}))
	if st, _ := d.Board().State("inc-1"); st.Status != "closed" || st.Review != "已处置" {
		t.Fatalf("closed: %+v", st)
	}
	ok(call(t, srv, "POST", inc+"/reopen", "leader", map[string]any{"Reason": "舆情反弹"})) // the old name still reads
	if st, _ := d.Board().State("inc-1"); st.Status != "open" {
		t.Fatalf("reopened: %+v", st)
	}
	ok(callAs(t, srv, "POST", inc+"/drafts", "spokesperson", "li", map[string]any{"kind": "情况通报", "text": "标题\n正文"}))
	if code, out := callAs(t, srv, "POST", inc+"/drafts/D1/submit", "spokesperson", "li", map[string]any{"draft": "D2"}); code != 400 {
		t.Fatalf("a submission naming another draft in its body: %d %v", code, out)
	}
	ok(callAs(t, srv, "POST", inc+"/drafts/D1/submit", "spokesperson", "li", nil))
}
