package sms

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"yuqing/respond/notify"
)

var msg = notify.Message{
	ID: "breach:i1:statement", Kind: notify.KindBreach, Grade: 1, IncidentID: "i1",
	Title: "权威信息发布超时", Text: "5 小时内须发布权威信息，现已超时，请立即处置。", URL: "https://c.example/i/i1",
	Unit: "市委网信办", Role: notify.RoleLeader, At: time.Date(2026, 5, 1, 6, 0, 0, 0, time.UTC),
}

const token = "sms-gateway-token-123"

var phones = []string{"13800001111", "+8613900002222"}

func gateway(t *testing.T, status int) *httptest.Server {
	t.Helper()
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.Header.Get("Authorization") != "Bearer "+token {
			t.Errorf("request %s auth %q", r.Method, r.Header.Get("Authorization"))
		}
		b, _ := io.ReadAll(r.Body)
		var p struct {
			Phones  []string `json:"phones"`
			Content string   `json:"content"`
		}
		if err := json.Unmarshal(b, &p); err != nil {
			t.Errorf("body %s: %v", b, err)
		}
		want := "【某市网信办】【I级·超时告警】权威信息发布超时：5 小时内须发布权威信息，现已超时，请立即处置。 https://c.example/i/i1"
		if !slices.Equal(p.Phones, phones) || p.Content != want {
			t.Errorf("payload %+v", p)
		}
		w.WriteHeader(status)
	}))
}

func TestNotify(t *testing.T) {
	for _, c := range []struct {
		status    int
		ok, retry bool
	}{{200, true, false}, {502, false, true}, {429, false, true}, {401, false, false}, {400, false, false}} {
		t.Run(strconv.Itoa(c.status), func(t *testing.T) {
			srv := gateway(t, c.status)
			defer srv.Close()
			n, err := New(Config{URL: srv.URL + "/sms/send", Token: token, Phones: phones, Signature: "【某市网信办】"}, srv.Client())
			if err != nil {
				t.Fatal(err)
			}
			retry, err := n.Notify(t.Context(), msg)
			if (err == nil) != c.ok || retry != c.retry {
				t.Fatalf("retry=%v err=%v", retry, err)
			}
			if err != nil && strings.Contains(err.Error(), token) {
				t.Errorf("token in error: %v", err)
			}
		})
	}
}

func TestContentShortened(t *testing.T) {
	c := Config{URL: "https://x", Token: token, Phones: phones}
	m := msg
	m.Text = strings.Repeat("舆情研判处置", 60) // 360 characters
	got := c.Content(m)
	if n := utf8.RuneCountInString(got); n != 210 {
		t.Errorf("%d characters, want 70×3 = 210", n)
	}
	if !strings.HasPrefix(got, "【I级·超时告警】权威信息发布超时：") || !strings.HasSuffix(got, "…") || strings.Contains(got, "https://") {
		t.Errorf("content %q", got)
	}
	c.SegmentChars, c.MaxSegments = 67, 1
	if n := utf8.RuneCountInString(c.Content(m)); n != 67 {
		t.Errorf("%d characters, want 67", n)
	}
}

func TestConfig(t *testing.T) {
	c := Config{URL: "https://sms.example.gov.cn/api/send", Token: token, Phones: phones}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	s := c.String()
	if strings.Contains(s, token) || strings.Contains(s, "13800001111") || !strings.Contains(s, "138****1111") || !strings.Contains(s, "<secret>") {
		t.Errorf("String: %s", s)
	}
	bad := Config{URL: "https://x", Token: token, Phones: []string{"12345", "0755-1234567"}}
	if err := bad.Validate(); err == nil || strings.Contains(err.Error(), "12345") {
		t.Errorf("bad phones: %v", err)
	}
	if err := (Config{URL: "https://x", Phones: phones}).Validate(); err == nil {
		t.Error("empty token accepted")
	}
}
