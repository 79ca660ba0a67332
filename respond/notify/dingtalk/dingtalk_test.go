package dingtalk

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"yuqing/respond/notify"
)

var msg = notify.Message{
	ID: "warning:i1:statement:30m", Kind: notify.KindWarning, Grade: 2, IncidentID: "i1",
	Title: "权威信息发布即将到期", Text: "距 5 小时时限还有 30 分钟。", URL: "https://console.example/i/i1",
	Unit: "市委网信办", Role: notify.RoleSectionChief, At: time.Date(2026, 5, 1, 6, 0, 0, 0, time.UTC),
}

const (
	token  = "tok-0123456789"
	secret = "SEC7a1b2c3d4e5f-signing-secret"
)

var now = time.Date(2026, 5, 1, 6, 0, 0, 123e6, time.UTC)

// bot checks the request like DingTalk: recomputes the signature from the
// secret and the timestamp it received.
func bot(t *testing.T, status int, answer string) *httptest.Server {
	t.Helper()
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if r.Method != http.MethodPost || r.URL.Path != "/robot/send" || q.Get("access_token") != token {
			t.Errorf("request %s %s", r.Method, r.URL.Path)
		}
		ts := q.Get("timestamp")
		if ts != strconv.FormatInt(now.UnixMilli(), 10) {
			t.Errorf("timestamp %q, want ms %d", ts, now.UnixMilli())
		}
		mac := hmac.New(sha256.New, []byte(secret))
		mac.Write([]byte(ts + "\n" + secret))
		want := base64.StdEncoding.EncodeToString(mac.Sum(nil))
		if got := q.Get("sign"); got != want {
			t.Errorf("sign %q, want %q", got, want)
		}
		// On the wire the base64 is URL-encoded (no raw + / =).
		if !strings.Contains(r.URL.RawQuery, "sign="+url.QueryEscape(want)) {
			t.Errorf("raw query %q", r.URL.RawQuery)
		}
		b, _ := io.ReadAll(r.Body)
		var p struct {
			MsgType  string `json:"msgtype"`
			Markdown struct {
				Title string `json:"title"`
				Text  string `json:"text"`
			} `json:"markdown"`
			At struct {
				AtMobiles []string `json:"atMobiles"`
				IsAtAll   bool     `json:"isAtAll"`
			} `json:"at"`
		}
		if err := json.Unmarshal(b, &p); err != nil {
			t.Errorf("body %s: %v", b, err)
		}
		if p.MsgType != "markdown" || p.Markdown.Title != "【II级·临期预警】权威信息发布即将到期" ||
			!strings.Contains(p.Markdown.Text, "距 5 小时时限还有 30 分钟") || !strings.HasSuffix(p.Markdown.Text, "@13800001111") ||
			len(p.At.AtMobiles) != 1 || p.At.AtMobiles[0] != "13800001111" {
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
		{"too fast", 200, `{"errcode":130101,"errmsg":"send too fast, exceed 20 times per minute"}`, false, true},
		{"too fast (new code)", 200, `{"errcode":410100,"errmsg":"send too fast"}`, false, true},
		{"busy", 200, `{"errcode":-1,"errmsg":"系统繁忙"}`, false, true},
		{"sign not match", 200, `{"errcode":310000,"errmsg":"sign not match"}`, false, false},
		{"token missing", 200, `{"errcode":300001,"errmsg":"token is not exist"}`, false, false},
		{"server error", 503, ``, false, true},
		{"too many requests", 429, ``, false, true},
		{"bad request", 400, `bad`, false, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := bot(t, c.status, c.answer)
			defer srv.Close()
			n, err := New(Config{
				WebhookURL: notify.Secret(srv.URL + "/robot/send?access_token=" + token),
				Secret:     secret, AtMobiles: []string{"13800001111"},
			}, srv.Client())
			if err != nil {
				t.Fatal(err)
			}
			n.Now = func() time.Time { return now }
			retry, err := n.Notify(t.Context(), msg)
			if (err == nil) != c.ok || retry != c.retry {
				t.Fatalf("retry=%v err=%v", retry, err)
			}
			if err != nil && (strings.Contains(err.Error(), token) || strings.Contains(err.Error(), secret)) {
				t.Errorf("secret in error: %v", err)
			}
		})
	}
}

func TestNetworkErrorRetriesWithoutLeaks(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	u := srv.URL + "/robot/send?access_token=" + token
	srv.Close()
	n, _ := New(Config{WebhookURL: notify.Secret(u), Secret: secret}, nil)
	retry, err := n.Notify(t.Context(), msg)
	if err == nil || !retry {
		t.Fatalf("retry=%v err=%v", retry, err)
	}
	if s := err.Error(); strings.Contains(s, token) || strings.Contains(s, "sign=") {
		t.Errorf("leak: %v", err)
	}
}

func TestSignedURLWithoutSecret(t *testing.T) {
	u, err := SignedURL("https://oapi.dingtalk.com/robot/send?access_token=x", "", now)
	if err != nil || u != "https://oapi.dingtalk.com/robot/send?access_token=x" {
		t.Fatalf("%q %v", u, err)
	}
}

func TestConfig(t *testing.T) {
	c := Config{WebhookURL: "https://oapi.dingtalk.com/robot/send?access_token=" + token, Secret: secret}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if s := c.String(); strings.Contains(s, token) || strings.Contains(s, secret) || !strings.Contains(s, "<secret>") {
		t.Errorf("String: %s", s)
	}
	if err := (Config{WebhookURL: "https://oapi.dingtalk.com/robot/send"}).Validate(); err == nil {
		t.Error("URL without access_token accepted")
	}
}
