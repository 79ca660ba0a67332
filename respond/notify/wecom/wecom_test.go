package wecom

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"yuqing/respond/notify"
)

var msg = notify.Message{
	ID: "breach:i1:statement", Kind: notify.KindBreach, Grade: 1, IncidentID: "i1",
	Title: "权威信息发布超时", Text: "5 小时内须发布权威信息，现已超时。", URL: "https://console.example/i/i1",
	Unit: "市委网信办", Role: notify.RoleDutyOfficer, At: time.Date(2026, 5, 1, 6, 0, 0, 0, time.UTC),
}

const key = "693a91f6-secret-key"

// bot answers like the WeCom API, after checking the request.
func bot(t *testing.T, status int, answer string) *httptest.Server {
	t.Helper()
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/cgi-bin/webhook/send" || r.URL.Query().Get("key") != key {
			t.Errorf("request %s %s", r.Method, r.URL.Path)
		}
		if ct := r.Header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("content type %q", ct)
		}
		b, _ := io.ReadAll(r.Body)
		var p struct {
			MsgType  string `json:"msgtype"`
			Markdown struct {
				Content string `json:"content"`
			} `json:"markdown"`
		}
		if err := json.Unmarshal(b, &p); err != nil {
			t.Errorf("body %s: %v", b, err)
		}
		if p.MsgType != "markdown" || !strings.HasPrefix(p.Markdown.Content, "### 【I级·超时告警】权威信息发布超时") ||
			!strings.Contains(p.Markdown.Content, "[打开处置台](https://console.example/i/i1)") || len(p.Markdown.Content) > MaxContent {
			t.Errorf("payload %+v", p)
		}
		w.WriteHeader(status)
		fmt.Fprint(w, answer)
	}))
}

func TestNotify(t *testing.T) {
	cases := []struct {
		name   string
		status int
		answer string
		ok     bool
		retry  bool
	}{
		{"success", 200, `{"errcode":0,"errmsg":"ok"}`, true, false},
		{"rate limited", 200, `{"errcode":45009,"errmsg":"api freq out of limit"}`, false, true},
		{"busy", 200, `{"errcode":-1,"errmsg":"system busy"}`, false, true},
		{"bad key", 200, `{"errcode":93000,"errmsg":"invalid webhook url"}`, false, false},
		{"server error", 502, `bad gateway`, false, true},
		{"not found", 404, `not found`, false, false},
		{"not the API", 200, `<html>portal</html>`, false, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := bot(t, c.status, c.answer)
			defer srv.Close()
			n, err := New(Config{WebhookURL: notify.Secret(srv.URL + "/cgi-bin/webhook/send?key=" + key)}, srv.Client())
			if err != nil {
				t.Fatal(err)
			}
			retry, err := n.Notify(t.Context(), msg)
			if (err == nil) != c.ok || retry != c.retry {
				t.Fatalf("retry=%v err=%v", retry, err)
			}
			if err != nil && strings.Contains(err.Error(), key) {
				t.Errorf("key in error: %v", err)
			}
		})
	}
}

func TestNetworkErrorRetriesWithoutLeakingKey(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL + "/cgi-bin/webhook/send?key=" + key
	srv.Close()
	n, err := New(Config{WebhookURL: notify.Secret(url)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	retry, err := n.Notify(t.Context(), msg)
	if err == nil || !retry {
		t.Fatalf("retry=%v err=%v", retry, err)
	}
	if strings.Contains(err.Error(), key) {
		t.Errorf("key in error: %v", err)
	}
}

func TestConfig(t *testing.T) {
	c := Config{WebhookURL: "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=" + key}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{c.String(), fmt.Sprintf("%v %+v", c, c)} {
		if strings.Contains(s, key) || !strings.Contains(s, "<secret>") {
			t.Errorf("String: %s", s)
		}
	}
	for _, bad := range []notify.Secret{"", "ftp://x/y", "not a url", "https:///nohost"} {
		if err := (Config{WebhookURL: bad}).Validate(); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestLongContentCut(t *testing.T) {
	m := msg
	m.Text = strings.Repeat("舆情", 3000)
	b, err := Payload(m)
	if err != nil {
		t.Fatal(err)
	}
	var p struct{ Markdown struct{ Content string } }
	_ = json.Unmarshal(b, &p)
	if len(p.Markdown.Content) > MaxContent || !strings.HasSuffix(p.Markdown.Content, "…") {
		t.Errorf("content %d bytes", len(p.Markdown.Content))
	}
}
