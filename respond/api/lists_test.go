package api

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"yuqing/respond/handover"
	"yuqing/respond/policy"
	"yuqing/respond/report"
	"yuqing/respond/report/browser"
	"yuqing/respond/wording"
)

// nulls lists the paths of the null values in v.
func nulls(path string, v any, out *[]string) {
	switch x := v.(type) {
	case nil:
		*out = append(*out, path)
	case map[string]any:
		for k, e := range x {
			nulls(path+"."+k, e, out)
		}
	case []any:
		for i, e := range x {
			nulls(fmt.Sprintf("%s[%d]", path, i), e, out)
		}
	}
}

// getRaw GETs path as an admin and decodes the answer.
func getRaw(t *testing.T, url string) (int, any, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("X-Roles", "admin")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("GET %s: %v: %s", url, err, b)
	}
	return resp.StatusCode, v, string(b)
}

// On an empty system every list in the API's JSON is [], never null: every
// GET route without a path parameter, and the lists of a topic.
func TestEmptyListsAreArrays(t *testing.T) {
	var api *API
	srv, _, _, _ := newAPIWith(t, func(a *API) {
		withEveryService(t, a)
		api = a
	})
	paths := []string{"/api/v1/topics/T/volume", "/api/v1/topics/T/mentions", "/api/v1/topics/T/breakdown"}
	for _, r := range api.spec.routes {
		if r.method == "get" && !strings.Contains(r.path, "{") && r.path != "/api/v1/mentions/export" {
			paths = append(paths, r.path)
		}
	}
	for _, p := range paths {
		code, v, raw := getRaw(t, srv.URL+p)
		if code != 200 {
			t.Errorf("GET %s: %d %s", p, code, raw)
			continue
		}
		var found []string
		nulls("", v, &found)
		for _, n := range found {
			if p == "/api/v1/handover/draft" && n == ".handed" {
				continue // not handed yet: an object or null, not a list
			}
			t.Errorf("GET %s: %s is null: %s", p, n, raw)
		}
	}
}

// Durations in the API's JSON are seconds, named so: a clock's remaining
// time is remaining_s, not nanoseconds.
func TestClockRemainingInSeconds(t *testing.T) {
	srv, _ := newAPI(t)
	if code, out := call(t, srv, "POST", "/api/v1/incidents", "duty_officer", map[string]any{"id": "inc-1", "title": "化工厂异味", "detected_at": t0.Add(-time.Hour)}); code != 200 {
		t.Fatalf("open: %d %v", code, out)
	}
	_, v, raw := getRaw(t, srv.URL+"/api/v1/clocks")
	running := v.(map[string]any)["running"].([]any)
	if len(running) == 0 {
		t.Fatalf("no running clock: %s", raw)
	}
	c := running[0].(map[string]any)
	due, _ := time.Parse(time.RFC3339, c["due"].(string))
	if _, ok := c["remaining"]; ok || c["remaining_s"] != due.Sub(t0).Seconds() {
		t.Fatalf("remaining: %s", raw)
	}
}

// withEveryService gives a test API every optional service (口径, policies,
// handover, reports), so that every route answers.
func withEveryService(t *testing.T, a *API) {
	t.Helper()
	a.Wording = wording.NewService(a.Log, a.Now)
	a.Policies = policy.NewService(a.Log, a.Now)
	a.Handovers = handover.NewService(a.Log, a.Now, handover.Inputs{Incidents: deskFloor{a.Desk}, Alerts: deskFloor{a.Desk}, Sources: deskFloor{a.Desk}}, handover.Config{})
	a.Reports = report.NewService(a.Log, a.Store, filepath.Join(t.TempDir(), "reports"), browser.Config{Path: "/nonexistent/chromium"}, a.Now, nil)
}
