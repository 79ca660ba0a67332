package httpjson

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestWrite(t *testing.T) {
	for _, c := range []struct {
		name   string
		write  func(w http.ResponseWriter)
		status int
		body   string
	}{
		{"object", func(w http.ResponseWriter) { Write(w, http.StatusOK, map[string]any{"accepted": []string{"weibo:1"}}) },
			http.StatusOK, `{"accepted":["weibo:1"]}` + "\n"},
		{"html escaped", func(w http.ResponseWriter) { Write(w, http.StatusCreated, "<a>&") },
			http.StatusCreated, `"\u003ca\u003e\u0026"` + "\n"},
		{"chinese as is", func(w http.ResponseWriter) { Write(w, http.StatusOK, []string{"舆情"}) },
			http.StatusOK, `["舆情"]` + "\n"},
		{"error", func(w http.ResponseWriter) { Error(w, http.StatusUnauthorized, "请先登录") },
			http.StatusUnauthorized, `{"error":"请先登录"}` + "\n"},
		{"not marshallable", func(w http.ResponseWriter) { Write(w, http.StatusOK, func() {}) },
			http.StatusOK, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			c.write(rec)
			if rec.Code != c.status || rec.Body.String() != c.body {
				t.Errorf("got %d %q, want %d %q", rec.Code, rec.Body.String(), c.status, c.body)
			}
			if got := rec.Header().Get("Content-Type"); got != "application/json; charset=utf-8" {
				t.Errorf("Content-Type %q", got)
			}
			if got := rec.Header().Get("Cache-Control"); got != "no-store" {
				t.Errorf("Cache-Control %q", got)
			}
		})
	}
}
