package feishu

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
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
	ID: "escalation:i1:statement:leader", Kind: notify.KindEscalation, Grade: 1, IncidentID: "i1",
	Title: "权威信息发布超时未处置", Text: "值班员、科室负责人均未确认，升级至分管领导。", URL: "https://console.example/i/i1",
	Unit: "市委网信办", Role: notify.RoleLeader, At: time.Date(2026, 5, 1, 6, 0, 0, 0, time.UTC), Drill: true,
}

const (
	hook   = "0a1b2c3d-hook-token"
	secret = "feishu-signing-secret"
)

var now = time.Date(2026, 5, 1, 6, 0, 0, 0, time.UTC)

type body struct {
	Timestamp string          `json:"timestamp"`
	Sign      string          `json:"sign"`
	MsgType   string          `json:"msg_type"`
	Content   json.RawMessage `json:"content"`
	Card      struct {
		Header struct {
			Title    struct{ Content string } `json:"title"`
			Template string                   `json:"template"`
		} `json:"header"`
		Elements []struct {
			Tag  string `json:"tag"`
			Text *struct {
				Tag     string `json:"tag"`
				Content string `json:"content"`
			} `json:"text"`
			Actions []struct {
				URL string `json:"url"`
			} `json:"actions"`
		} `json:"elements"`
	} `json:"card"`
}

// bot checks the request like Feishu: the signature is recomputed from the
// secret and the timestamp in the body, with timestamp+"\n"+secret as the
// HMAC key over an empty message.
func bot(t *testing.T, msgType string, status int, answer string) *httptest.Server {
	t.Helper()
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/open-apis/bot/v2/hook/"+hook {
			t.Errorf("request %s %s", r.Method, r.URL.Path)
		}
		raw, _ := io.ReadAll(r.Body)
		var b body
		if err := json.Unmarshal(raw, &b); err != nil {
			t.Errorf("body %s: %v", raw, err)
		}
		if b.Timestamp != strconv.FormatInt(now.Unix(), 10) {
			t.Errorf("timestamp %q, want seconds %d", b.Timestamp, now.Unix())
		}
		mac := hmac.New(sha256.New, []byte(b.Timestamp+"\n"+secret))
		if want := base64.StdEncoding.EncodeToString(mac.Sum(nil)); b.Sign != want {
			t.Errorf("sign %q, want %q", b.Sign, want)
		}
		if b.MsgType != msgType {
			t.Errorf("msg_type %q", b.MsgType)
		}
		switch msgType {
		case TypeInteractive:
			c := b.Card
			if c.Header.Title.Content != "【演练】【I级·升级督办】权威信息发布超时未处置" || c.Header.Template != "red" ||
				len(c.Elements) != 2 || c.Elements[0].Text == nil || c.Elements[0].Text.Tag != "lark_md" ||
				!strings.Contains(c.Elements[0].Text.Content, "升级至分管领导") || !strings.Contains(c.Elements[0].Text.Content, "**单位**：市委网信办") ||
				c.Elements[1].Actions[0].URL != msg.URL {
				t.Errorf("card %s", raw)
			}
		case TypeText:
			var tx struct{ Text string }
			if err := json.Unmarshal(b.Content, &tx); err != nil || !strings.HasPrefix(tx.Text, "【演练】") {
				t.Errorf("text %s", raw)
			}
		}
		w.WriteHeader(status)
		fmt.Fprint(w, answer)
	}))
}

func TestNotify(t *testing.T) {
	cases := []struct {
		name    string
		msgType string
		status  int
		answer  string
		ok      bool
		retry   bool
	}{
		{"card", TypeInteractive, 200, `{"code":0,"data":{},"msg":"success"}`, true, false},
		{"text", TypeText, 200, `{"code":0,"data":{},"msg":"success"}`, true, false},
		{"old answer", TypeText, 200, `{"Extra":null,"StatusCode":0,"StatusMessage":"success"}`, true, false},
		{"frequency limited", TypeInteractive, 200, `{"code":11232,"data":{},"msg":"frequency limited psm[lark.oapi.app_platform_runtime]appID[1]"}`, false, true},
		{"rate limit 429", TypeInteractive, 429, `{"code":99991400,"msg":"request trigger frequency limit"}`, false, true},
		{"rate limit old 400", TypeInteractive, 400, `{"code":99991400,"msg":"request trigger frequency limit"}`, false, true},
		{"sign fail", TypeInteractive, 200, `{"code":19021,"data":{},"msg":"sign match fail or timestamp is not within one hour from current time"}`, false, false},
		{"keyword", TypeInteractive, 200, `{"code":19024,"data":{},"msg":"Key Words Not Found"}`, false, false},
		{"bad request", TypeInteractive, 400, `{"code":9499,"msg":"Bad Request"}`, false, false},
		{"server error", TypeInteractive, 500, ``, false, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := bot(t, c.msgType, c.status, c.answer)
			defer srv.Close()
			n, err := New(Config{WebhookURL: notify.Secret(srv.URL + "/open-apis/bot/v2/hook/" + hook), Secret: secret, MsgType: c.msgType}, srv.Client())
			if err != nil {
				t.Fatal(err)
			}
			n.Now = func() time.Time { return now }
			retry, err := n.Notify(t.Context(), msg)
			if (err == nil) != c.ok || retry != c.retry {
				t.Fatalf("retry=%v err=%v", retry, err)
			}
			if err != nil && strings.Contains(err.Error(), hook) {
				t.Errorf("hook token in error: %v", err)
			}
		})
	}
}

func TestUnsignedHasNoSignFields(t *testing.T) {
	b, err := Config{WebhookURL: "https://open.feishu.cn/open-apis/bot/v2/hook/x"}.Payload(msg, now)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), `"sign"`) || strings.Contains(string(b), `"timestamp"`) {
		t.Errorf("unsigned payload has sign fields: %s", b)
	}
}

func TestPayloadFitsLimit(t *testing.T) {
	m := msg
	m.Text = strings.Repeat("\"舆情\"\n", 6000) // escapes grow in JSON
	b, err := Config{WebhookURL: "https://x/y", Secret: secret}.Payload(m, now)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) > MaxBody {
		t.Errorf("%d bytes > %d", len(b), MaxBody)
	}
}

func TestConfig(t *testing.T) {
	c := Config{WebhookURL: "https://open.feishu.cn/open-apis/bot/v2/hook/" + hook, Secret: secret}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if s := c.String(); strings.Contains(s, hook) || strings.Contains(s, secret) || !strings.Contains(s, "<secret>") {
		t.Errorf("String: %s", s)
	}
	if err := (Config{WebhookURL: "https://x/y", MsgType: "post"}).Validate(); err == nil {
		t.Error("msg_type post accepted")
	}
}
