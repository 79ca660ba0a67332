package report_test

import (
	"bytes"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"yuqing/analyze/scheme"
	"yuqing/respond/api"
	"yuqing/respond/report"
	"yuqing/respond/report/browser"
)

// console serves the API over the fixture as the console sees it, every
// request signed in as an admin, at the time now.
func console(t *testing.T, f *fixture, now time.Time, reports *report.Service) *httptest.Server {
	t.Helper()
	a := &api.API{Desk: f.desk, Store: f.store, Log: f.log, Schemes: scheme.NewRegistry(), Reports: reports,
		Guard: func(...string) func(http.Handler) http.Handler { return func(h http.Handler) http.Handler { return h } },
		Actor: func(*http.Request) string { return "user:leader" },
		Now:   func() time.Time { return now }}
	mux := http.NewServeMux()
	a.Register(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// apiOnTime is GET /api/v1/reports/ontime?from&to answered at now.
func apiOnTime(t *testing.T, f *fixture, from, to, now time.Time) []report.UnitRate {
	t.Helper()
	srv := console(t, f, now, nil)
	q := url.Values{"from": {from.Format(time.RFC3339)}, "to": {to.Format(time.RFC3339)}}
	res, err := http.Get(srv.URL + "/api/v1/reports/ontime?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("ontime: %s", res.Status)
	}
	var out []report.UnitRate
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out
}

// The console's report routes: generate, list, figures, download.
func TestReportRoutes(t *testing.T) {
	f := seed(t)
	now := weekTo.Add(8 * time.Hour)
	svc := report.NewService(f.log, f.store, filepath.Join(f.dir, "reports"), browser.Config{Path: "/nonexistent/chromium"}, func() time.Time { return now }, nil)
	srv := console(t, f, now, svc)
	call := func(method, path, body string) (*http.Response, []byte) {
		t.Helper()
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res, b
	}
	// Without dates: the last whole week before now.
	res, b := call("POST", "/api/v1/reports", `{"kind":"weekly","formats":["html","docx"]}`)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("generate: %s %s", res.Status, b)
	}
	var g struct {
		ID     string            `json:"id"`
		SHA256 string            `json:"sha256"`
		Actor  string            `json:"actor"`
		Links  map[string]string `json:"links"`
	}
	json.Unmarshal(b, &g)
	if g.ID != "weekly-20261116-20261122" || g.Actor != "user:leader" || g.Links["docx"] != "/api/v1/reports/weekly-20261116-20261122/docx" {
		t.Fatalf("generated %s", b)
	}
	// PDF without Chromium: the other formats are made, the answer says why not the PDF.
	res, b = call("POST", "/api/v1/reports", `{"kind":"daily","from":"2026-11-17","to":"2026-11-17","formats":["pdf","html"]}`)
	if res.StatusCode != http.StatusOK || !strings.Contains(string(b), "apt-get install chromium") || strings.Contains(string(b), `"pdf":`) {
		t.Errorf("pdf without chromium: %s %s", res.Status, b)
	}
	res, b = call("POST", "/api/v1/reports", `{"kind":"daily","from":"2026-11-17","to":"2026-11-17","formats":["pdf"]}`)
	if res.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(b), "Chromium") {
		t.Errorf("pdf only without chromium: %s %s", res.Status, b)
	}
	for _, bad := range []struct {
		body   string
		status int
	}{
		{`{"kind":"yearly"}`, http.StatusBadRequest},
		{`{"kind":"weekly","from":"16/11/2026"}`, http.StatusBadRequest},
		{`{"kind":"incident","incident":"inc-none"}`, http.StatusNotFound},
		{`{"kind":"weekly","colour":"red"}`, http.StatusBadRequest},
	} {
		if res, b := call("POST", "/api/v1/reports", bad.body); res.StatusCode != bad.status {
			t.Errorf("%s: %s %s", bad.body, res.Status, b)
		}
	}
	res, b = call("GET", "/api/v1/reports", "")
	if res.StatusCode != http.StatusOK || !strings.Contains(string(b), g.ID) || !strings.Contains(string(b), "daily-20261117-20261117") {
		t.Errorf("list: %s %s", res.Status, b)
	}
	res, b = call("GET", "/api/v1/reports/"+g.ID, "")
	var one struct {
		Report  struct{ SHA256 string } `json:"report"`
		Figures report.Report           `json:"figures"`
	}
	if err := json.Unmarshal(b, &one); err != nil || res.StatusCode != http.StatusOK || one.Report.SHA256 != g.SHA256 || one.Figures.Headline == nil || one.Figures.Headline.Mentions != 644 {
		t.Errorf("get: %s %.300s %v", res.Status, b, err)
	}
	res, b = call("GET", "/api/v1/reports/"+g.ID+"/docx", "")
	if res.StatusCode != http.StatusOK || !bytes.HasPrefix(b, []byte("PK")) ||
		res.Header.Get("Content-Type") != "application/vnd.openxmlformats-officedocument.wordprocessingml.document" {
		t.Errorf("docx: %s %s", res.Status, res.Header)
	}
	_, params, err := mime.ParseMediaType(res.Header.Get("Content-Disposition"))
	if err != nil || params["filename"] != "舆情周报（2026年第47周）.docx" {
		t.Errorf("Content-Disposition %q: %v", res.Header.Get("Content-Disposition"), err)
	}
	res, _ = call("GET", "/api/v1/reports/"+g.ID+"/html", "")
	if res.StatusCode != http.StatusOK || !strings.Contains(res.Header.Get("Content-Security-Policy"), "default-src 'none'") {
		t.Errorf("html: %s %s", res.Status, res.Header)
	}
	for _, path := range []string{"/api/v1/reports/" + g.ID + "/pdf", "/api/v1/reports/" + g.ID + "/xls", "/api/v1/reports/nope", "/api/v1/reports/..%2f..%2fetc/html"} {
		if res, b := call("GET", path, ""); res.StatusCode != http.StatusNotFound {
			t.Errorf("%s: %s %s", path, res.Status, b)
		}
	}
	// Without a report service the routes say so.
	bare := console(t, f, now, nil)
	if res, err := http.Get(bare.URL + "/api/v1/reports"); err != nil || res.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("no service: %v %v", res.Status, err)
	}
}
