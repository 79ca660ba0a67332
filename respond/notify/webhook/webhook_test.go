package webhook

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"yuqing/respond/notify"
)

var msg = notify.Message{
	ID: "breach:i1:press_conference", Kind: notify.KindBreach, Grade: 2, IncidentID: "i1",
	Title: "新闻发布会超时", Text: "24 小时内须召开新闻发布会。", URL: "https://console.example/i/i1",
	Unit: "市委网信办", Role: notify.RoleSpokesperson, At: time.Date(2026, 5, 1, 6, 0, 0, 0, time.UTC),
}

const secret = "whsec-0123456789abcdef"

var now = time.Date(2026, 5, 1, 6, 0, 5, 0, time.UTC)

// receiver verifies like a real one: Verify with its copy of the secret and
// its own clock, then decodes.
func receiver(t *testing.T, status int, got *notify.Message) *httptest.Server {
	t.Helper()
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := Verify(secret, r.Header, body, now.Add(3*time.Second), 5*time.Minute); err != nil {
			t.Errorf("verify: %v", err)
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		if r.Header.Get(HeaderIdempotency) != msg.ID || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
			t.Errorf("headers %v", r.Header)
		}
		if err := json.Unmarshal(body, got); err != nil {
			t.Errorf("body: %v", err)
		}
		w.WriteHeader(status)
	}))
}

func TestNotify(t *testing.T) {
	cases := []struct {
		status int
		ok     bool
		retry  bool
	}{
		{http.StatusNoContent, true, false},
		{http.StatusOK, true, false},
		{http.StatusServiceUnavailable, false, true},
		{http.StatusTooManyRequests, false, true},
		{http.StatusRequestTimeout, false, true},
		{http.StatusUnprocessableEntity, false, false},
		{http.StatusForbidden, false, false},
	}
	for _, c := range cases {
		t.Run(strconv.Itoa(c.status), func(t *testing.T) {
			var got notify.Message
			srv := receiver(t, c.status, &got)
			defer srv.Close()
			n, err := New(Config{URL: srv.URL + "/hooks/yuqing", Secret: secret}, srv.Client())
			if err != nil {
				t.Fatal(err)
			}
			n.Now = func() time.Time { return now }
			retry, err := n.Notify(t.Context(), msg)
			if (err == nil) != c.ok || retry != c.retry {
				t.Fatalf("retry=%v err=%v", retry, err)
			}
			if got.ID != msg.ID || got.Title != msg.Title || got.Grade != 2 || !got.At.Equal(msg.At) || got.Role != msg.Role {
				t.Errorf("received %+v", got)
			}
		})
	}
}

func TestVerify(t *testing.T) {
	body := []byte(`{"id":"x"}`)
	ts := strconv.FormatInt(now.Unix(), 10)
	h := func(ts, sig string) http.Header {
		hd := http.Header{}
		if ts != "" {
			hd.Set(HeaderTimestamp, ts)
		}
		if sig != "" {
			hd.Set(HeaderSignature, sig)
		}
		return hd
	}
	good := Sign(secret, ts, body)
	if !strings.HasPrefix(good, "sha256=") || len(good) != len("sha256=")+64 {
		t.Fatalf("signature %q", good)
	}
	cases := []struct {
		name string
		hdr  http.Header
		body []byte
		at   time.Time
		want error
	}{
		{"fresh", h(ts, good), body, now.Add(time.Minute), nil},
		{"slightly early clock", h(ts, good), body, now.Add(-time.Minute), nil},
		{"stale", h(ts, good), body, now.Add(6 * time.Minute), ErrStale},
		{"from the future", h(ts, good), body, now.Add(-6 * time.Minute), ErrStale},
		{"tampered body", h(ts, good), []byte(`{"id":"y"}`), now, ErrBadSignature},
		{"replayed with a new timestamp", h(strconv.FormatInt(now.Unix()+60, 10), good), body, now, ErrBadSignature},
		{"wrong secret", h(ts, Sign("other-secret-000000", ts, body)), body, now, ErrBadSignature},
		{"no prefix", h(ts, strings.TrimPrefix(good, "sha256=")), body, now, ErrBadSignature},
		{"missing", h("", ""), body, now, ErrNoSignature},
		{"garbage timestamp", h("yesterday", good), body, now, ErrBadTimestamp},
	}
	for _, c := range cases {
		if err := Verify(secret, c.hdr, c.body, c.at, 5*time.Minute); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
}

func TestConfig(t *testing.T) {
	c := Config{URL: "https://hooks.example.gov.cn/x?token=abc", Secret: secret}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if s := c.String(); strings.Contains(s, secret) || strings.Contains(s, "token=abc") || !strings.Contains(s, "<secret>") {
		t.Errorf("String: %s", s)
	}
	if err := (Config{URL: "https://x", Secret: "short"}).Validate(); err == nil {
		t.Error("short secret accepted")
	}
}
