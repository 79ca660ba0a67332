package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"yuqing/ingest"
	"yuqing/ingest/hotline"
	"yuqing/internal/event"
	"yuqing/internal/eventlog"
	"yuqing/internal/eventlog/sqlitelog"
	"yuqing/internal/mention"
)

var now = time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)

const (
	tokenA  = "token-a-0123456789abcdef"
	tokenB  = "token-b-0123456789abcdef"
	secretB = "secret-b-0123456789abcdef"
)

var endpoints = []Endpoint{
	{Name: "vendor-a", Platform: "weibo", Token: tokenA},
	{Name: "vendor-b", Platform: "news", Token: tokenB, Secret: secretB},
}

func newLog(t testing.TB) *sqlitelog.Log {
	t.Helper()
	l, err := sqlitelog.Open(context.Background(), sqlitelog.Config{Path: filepath.Join(t.TempDir(), "log.db")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

func topic(t testing.TB, l eventlog.Log, name string) []event.Envelope {
	t.Helper()
	var out []event.Envelope
	if err := l.Replay(context.Background(), name, func(_ context.Context, b []eventlog.Record) error {
		for _, r := range b {
			out = append(out, r.Event)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

func quiet() *slog.Logger { return slog.New(slog.DiscardHandler) }

// server serves both handlers on the app's patterns.
func server(t testing.TB, log ingest.Appender, orders Orders) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	clock := func() time.Time { return now }
	mux.Handle(Pattern, &Handler{Log: log, Endpoints: endpoints, Now: clock, Logger: quiet()})
	mux.Handle(HotlinePattern, &HotlineHandler{Log: log, Orders: orders, Endpoints: endpoints, Now: clock, Logger: quiet()})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

type call struct {
	path, token, contentType, body string
	ts                             int64  // signed with secret when secret != ""
	secret                         string // HMAC key to sign with
	sig                            string // overrides the signature
}

func do(t testing.TB, srv *httptest.Server, c call) (int, ingest.Response) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, srv.URL+c.path, strings.NewReader(c.body))
	if err != nil {
		t.Fatal(err)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if c.contentType == "" {
		c.contentType = "application/json"
	}
	req.Header.Set("Content-Type", c.contentType)
	if c.secret != "" || c.sig != "" {
		if c.ts == 0 {
			c.ts = now.Unix()
		}
		req.Header.Set(HeaderTimestamp, strconv.FormatInt(c.ts, 10))
		sig := c.sig
		if sig == "" {
			sig = Sign(c.secret, c.ts, []byte(c.body))
		}
		req.Header.Set(HeaderSignature, sig)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out ingest.Response
	b, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("answer %d is not JSON: %q", resp.StatusCode, b)
	}
	return resp.StatusCode, out
}

func mentionIDs(t testing.TB, l eventlog.Log) []string {
	t.Helper()
	var ids []string
	for _, e := range topic(t, l, eventlog.TopicMentions) {
		var m mention.Mention
		if err := e.Decode(&m); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, m.ID)
	}
	return ids
}

func TestAcceptedAreInTheLogWhenTheAnswerArrives(t *testing.T) {
	l := newLog(t)
	srv := server(t, l, nil)
	body := `[{"id":"101","text":"市区出现异味","published_at":"2026-11-23T10:00:00+08:00"},
	          {"id":"wechat:102","text":"转发：市区异味","published_at":"2026-11-23T10:05:00+08:00","source":"公众号"}]`
	status, resp := do(t, srv, call{path: "/api/v1/hooks/vendor-a", token: tokenA, body: body})
	if status != http.StatusOK {
		t.Fatalf("status %d: %+v", status, resp)
	}
	if want := []string{"weibo:101", "wechat:102"}; !slices.Equal(resp.Accepted, want) {
		t.Fatalf("accepted %v, want %v", resp.Accepted, want)
	}
	evs := topic(t, l, eventlog.TopicMentions)
	if len(evs) != 2 {
		t.Fatalf("%d mentions in the log, want 2", len(evs))
	}
	var m mention.Mention
	evs[0].Decode(&m)
	if evs[0].Actor != "webhook:vendor-a" || m.Platform != "weibo" || m.Source != "vendor-a" || evs[0].Type != event.MentionIngested {
		t.Errorf("event %+v, mention %+v", evs[0], m)
	}
	evs[1].Decode(&m)
	if m.Platform != "wechat" || m.Source != "公众号" {
		t.Errorf("the id's platform and the given source win: %+v", m)
	}
}

func TestToken(t *testing.T) {
	l := newLog(t)
	srv := server(t, l, nil)
	body := `{"id":"1","text":"x","published_at":"2026-11-23T00:00:00Z"}`
	for _, c := range []struct {
		name string
		c    call
	}{
		{"none", call{path: "/api/v1/hooks/vendor-a", body: body}},
		{"wrong", call{path: "/api/v1/hooks/vendor-a", token: "token-a-0123456789abcdeX", body: body}},
		{"another endpoint's", call{path: "/api/v1/hooks/vendor-a", token: tokenB, body: body}},
		{"unknown endpoint", call{path: "/api/v1/hooks/nobody", token: tokenA, body: body}},
		{"hotline, wrong", call{path: "/api/v1/hooks/vendor-a/workorders", token: tokenB, body: body}},
	} {
		t.Run(c.name, func(t *testing.T) {
			status, resp := do(t, srv, c.c)
			if status != http.StatusUnauthorized || resp.Error == "" {
				t.Fatalf("status %d %+v, want 401", status, resp)
			}
		})
	}
	if n := len(topic(t, l, eventlog.TopicMentions)) + len(topic(t, l, eventlog.TopicDeadLetter)); n != 0 {
		t.Fatalf("%d events written for refused requests", n)
	}
}

func TestSignature(t *testing.T) {
	l := newLog(t)
	srv := server(t, l, nil)
	body := `{"id":"7","text":"签名的请求","published_at":"2026-11-23T00:00:00Z"}`
	good := call{path: "/api/v1/hooks/vendor-b", token: tokenB, body: body, secret: secretB}
	if status, resp := do(t, srv, good); status != http.StatusOK || !slices.Equal(resp.Accepted, []string{"news:7"}) {
		t.Fatalf("signed request: %d %+v", status, resp)
	}
	skewed := good
	skewed.ts = now.Add(-4 * time.Minute).Unix()
	if status, resp := do(t, srv, skewed); status != http.StatusOK {
		t.Fatalf("4 minutes old, inside the skew: %d %+v", status, resp)
	}
	refused := map[string]call{}
	c := good
	c.sig = Sign(secretB, now.Unix(), []byte(body))
	c.body = strings.Replace(body, "签名的请求", "篡改的请求", 1)
	refused["tampered body"] = c
	c = good
	c.secret = "another-secret-0123456789"
	refused["wrong secret"] = c
	c = good
	c.ts = now.Add(-6 * time.Minute).Unix()
	refused["stale timestamp"] = c
	c = good
	c.ts = now.Add(6 * time.Minute).Unix()
	refused["future timestamp"] = c
	c = good
	c.secret = ""
	refused["unsigned"] = c
	c = good
	c.sig = "sha256=zz"
	refused["not hex"] = c
	c = good
	c.ts, c.sig = now.Unix(), strings.Replace(Sign(secretB, now.Unix(), []byte(body)), "sha256=", "sha1=", 1)
	refused["other algorithm"] = c
	// A signature made for one timestamp does not hold for another.
	c = good
	c.ts, c.sig = now.Unix()-1, Sign(secretB, now.Unix(), []byte(body))
	refused["timestamp changed"] = c
	for name, c := range refused {
		t.Run(name, func(t *testing.T) {
			status, resp := do(t, srv, c)
			if status != http.StatusUnauthorized || !strings.Contains(resp.Error, "签名") || !strings.Contains(resp.Error, "signature") {
				t.Fatalf("status %d %+v, want 401 with a bilingual signature error", status, resp)
			}
		})
	}
	if n := len(topic(t, l, eventlog.TopicMentions)); n != 2 {
		t.Fatalf("%d mentions in the log, want the 2 signed ones", n)
	}
}

func TestMalformedItemGoesToDeadLetters(t *testing.T) {
	l := newLog(t)
	srv := server(t, l, nil)
	body := `[{"id":"1","text":"好","published_at":"2026-11-23T00:00:00Z"},
	          {"id":"2","platform":"myspace","text":"x","published_at":"2026-11-23T00:00:00Z"},
	          {"id":"3","text":"也好","published_at":"2026-11-23T00:01:00Z"}]`
	status, resp := do(t, srv, call{path: "/api/v1/hooks/vendor-a", token: tokenA, body: body})
	if status != http.StatusOK || !slices.Equal(resp.Accepted, []string{"weibo:1", "weibo:3"}) {
		t.Fatalf("status %d %+v", status, resp)
	}
	if len(resp.Rejected) != 1 || resp.Rejected[0].Index != 1 || !strings.Contains(resp.Rejected[0].Reason, "myspace") {
		t.Fatalf("rejected %+v", resp.Rejected)
	}
	dl := topic(t, l, eventlog.TopicDeadLetter)
	if len(dl) != 1 {
		t.Fatalf("%d dead letters, want 1", len(dl))
	}
	var r mention.Rejected
	if err := dl[0].Decode(&r); err != nil {
		t.Fatal(err)
	}
	if r.Index != 1 || !strings.Contains(r.Reason, "platform") || !strings.Contains(r.Raw, `"myspace"`) || r.Source != "webhook:vendor-a" {
		t.Fatalf("dead letter %+v", r)
	}
	if ids := mentionIDs(t, l); !slices.Equal(ids, []string{"weibo:1", "weibo:3"}) {
		t.Fatalf("log has %v", ids)
	}

	// Nothing valid: 422, the dead letters kept.
	status, resp = do(t, srv, call{path: "/api/v1/hooks/vendor-a", token: tokenA, body: `not json at all`})
	if status != http.StatusUnprocessableEntity || len(resp.Rejected) != 1 || len(resp.Accepted) != 0 {
		t.Fatalf("status %d %+v", status, resp)
	}
	if n := len(topic(t, l, eventlog.TopicDeadLetter)); n != 2 {
		t.Fatalf("%d dead letters, want 2", n)
	}
}

func TestJSONLines(t *testing.T) {
	l := newLog(t)
	srv := server(t, l, nil)
	body := "{\"id\":\"1\",\"text\":\"第一行\",\"published_at\":\"2026-11-23T00:00:00Z\"}\r\n" +
		"\n" +
		"{\"id\":\"2\",\"text\":\"第三行\",\"time\":\"2026-11-23T00:00:01Z\"}\n" +
		"{\"id\":\"3\",\"text\":\"坏行\"\n" +
		"{\"id\":\"4\",\"text\":\"第五行\",\"published_at\":\"2026-11-23T00:00:02Z\"}"
	for _, ct := range []string{"application/x-ndjson", "application/json"} { // declared, or sniffed
		t.Run(ct, func(t *testing.T) {
			status, resp := do(t, srv, call{path: "/api/v1/hooks/vendor-a", token: tokenA, body: body, contentType: ct})
			if status != http.StatusOK || !slices.Equal(resp.Accepted, []string{"weibo:1", "weibo:2", "weibo:4"}) {
				t.Fatalf("status %d %+v", status, resp)
			}
			if len(resp.Rejected) != 1 || resp.Rejected[0].Index != 3 || !strings.HasPrefix(resp.Rejected[0].Reason, "line 4: ") {
				t.Fatalf("rejected %+v", resp.Rejected)
			}
		})
	}
}

func TestStatusCodes(t *testing.T) {
	l := newLog(t)
	mux := http.NewServeMux()
	mux.Handle(Pattern, &Handler{Log: l, Endpoints: endpoints, MaxBody: 1 << 10, Now: func() time.Time { return now }, Logger: quiet()})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	if status, resp := do(t, srv, call{path: "/api/v1/hooks/vendor-a", token: tokenA, body: strings.Repeat(" ", 2<<10)}); status != http.StatusRequestEntityTooLarge || resp.Error == "" {
		t.Errorf("big body: %d %+v", status, resp)
	}
	for _, ct := range []string{"text/plain", "application/x-www-form-urlencoded", "application/json; charset=gbk", "multipart/form-data; boundary=x"} {
		if status, _ := do(t, srv, call{path: "/api/v1/hooks/vendor-a", token: tokenA, body: `{}`, contentType: ct}); status != http.StatusUnsupportedMediaType {
			t.Errorf("%s: %d, want 415", ct, status)
		}
	}
	if status, _ := do(t, srv, call{path: "/api/v1/hooks/vendor-a", token: tokenA, body: `{"id":"1","text":"x","published_at":"2026-11-23T00:00:00Z"}`, contentType: "application/json; charset=UTF-8"}); status != http.StatusOK {
		t.Errorf("utf-8 charset: %d", status)
	}
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/api/v1/hooks/vendor-a", nil)
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET: %d", resp.StatusCode)
	}
}

type failingLog struct{}

func (failingLog) Append(context.Context, string, ...event.Envelope) error {
	return errors.New("disk full")
}

func TestAppendFailureClaimsNothing(t *testing.T) {
	srv := server(t, failingLog{}, nil)
	status, resp := do(t, srv, call{path: "/api/v1/hooks/vendor-a", token: tokenA, body: `{"id":"1","text":"x","published_at":"2026-11-23T00:00:00Z"}`})
	if status != http.StatusServiceUnavailable || len(resp.Accepted) != 0 || resp.Error == "" {
		t.Fatalf("status %d %+v", status, resp)
	}
	orders := &fakeOrders{}
	srv = server(t, failingLog{}, orders)
	status, resp = do(t, srv, call{path: "/api/v1/hooks/vendor-a/workorders", token: tokenA, body: `{"order_id":"A1","received_at":"2026-11-23 09:00","text":"x"}`})
	if status != http.StatusServiceUnavailable || len(resp.Accepted) != 0 || len(orders.got) != 0 {
		t.Fatalf("work orders: status %d %+v, %d orders received", status, resp, len(orders.got))
	}
}

type fakeOrders struct {
	mu     sync.Mutex
	got    []hotline.Record
	actors []string
	fail   map[string]error
}

func (f *fakeOrders) Receive(_ context.Context, rec hotline.Record, actor string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.fail[rec.OrderID]; err != nil {
		return err
	}
	f.got = append(f.got, rec)
	f.actors = append(f.actors, actor)
	return nil
}

func TestHotlineWorkOrders(t *testing.T) {
	l := newLog(t)
	orders := &fakeOrders{fail: map[string]error{"A4": fmt.Errorf("%w: received_at is missing or in the future", ErrRefused)}}
	srv := server(t, l, orders)
	body := `[
	  {"order_id":"A1","received_at":"2026-11-23 09:00:00","channel":"12345","category":"投诉","locality":"南山区","title":"噪音扰民","text":"夜间施工，电话13812345678","phone":"13812345678"},
	  {"order_id":"","received_at":"2026-11-23 09:10","text":"没有编号","phone":"13900001111"},
	  {"工单编号":"LY3","受理时间":"2026年11月23日 10:00","channel":"留言板","诉求内容":"留言内容"},
	  {"order_id":"A4","received_at":"2026-11-23 11:00","text":"被拒绝的工单"}
	]`
	status, resp := do(t, srv, call{path: "/api/v1/hooks/vendor-a/workorders", token: tokenA, body: body})
	if status != http.StatusOK || !slices.Equal(resp.Accepted, []string{"A1", "LY3"}) {
		t.Fatalf("status %d %+v", status, resp)
	}
	if len(resp.Rejected) != 2 || resp.Rejected[0].Index != 1 || resp.Rejected[1].Index != 3 || !strings.Contains(resp.Rejected[1].Reason, "refused") {
		t.Fatalf("rejected %+v", resp.Rejected)
	}
	if len(orders.got) != 2 {
		t.Fatalf("orders received: %+v", orders.got)
	}
	a1 := orders.got[0]
	if a1.OrderID != "A1" || a1.Phone != "138****5678" || strings.Contains(a1.Text, "13812345678") || a1.Category != "投诉" || orders.actors[0] != "webhook:vendor-a" {
		t.Fatalf("order %+v by %s", a1, orders.actors[0])
	}
	if !a1.ReceivedAt.Equal(time.Date(2026, 11, 23, 1, 0, 0, 0, time.UTC)) {
		t.Fatalf("received at %v", a1.ReceivedAt)
	}
	// Every valid order is a mention, the refused one too (it is a real
	// record; only its clock was refused).
	var ms []mention.Mention
	for _, e := range topic(t, l, eventlog.TopicMentions) {
		var m mention.Mention
		e.Decode(&m)
		ms = append(ms, m)
	}
	if len(ms) != 3 || ms[0].ID != "hotline:A1" || ms[1].ID != "messageboard:LY3" || ms[2].ID != "hotline:A4" {
		t.Fatalf("mentions %+v", ms)
	}
	if ms[0].Text != "噪音扰民\n夜间施工，电话138****5678" || !ms[0].PublishedAt.Equal(a1.ReceivedAt) {
		t.Fatalf("mention %+v", ms[0])
	}
	all, _ := json.Marshal(topic(t, l, eventlog.TopicMentions))
	dls, _ := json.Marshal(topic(t, l, eventlog.TopicDeadLetter))
	for _, clear := range []string{"13812345678", "13900001111"} {
		if bytes.Contains(all, []byte(clear)) || bytes.Contains(dls, []byte(clear)) {
			t.Fatalf("phone %s stored in clear", clear)
		}
	}
	if n := len(topic(t, l, eventlog.TopicDeadLetter)); n != 1 {
		t.Fatalf("%d dead letters, want 1", n)
	}

	// A transient failure of the desk: 503, nothing claimed.
	orders.fail = map[string]error{"B1": errors.New("log unavailable")}
	status, resp = do(t, srv, call{path: "/api/v1/hooks/vendor-a/workorders", token: tokenA, body: `{"order_id":"B1","received_at":"2026-11-23 09:00","text":"x"}`})
	if status != http.StatusServiceUnavailable || len(resp.Accepted) != 0 {
		t.Fatalf("status %d %+v", status, resp)
	}
	// JSON Lines are not work-order bodies.
	if status, _ := do(t, srv, call{path: "/api/v1/hooks/vendor-a/workorders", token: tokenA, body: `{}`, contentType: "application/x-ndjson"}); status != http.StatusUnsupportedMediaType {
		t.Fatalf("ndjson work orders: %d", status)
	}
}

func TestMessageBoardEndpoint(t *testing.T) {
	l := newLog(t)
	orders := &fakeOrders{}
	h := &HotlineHandler{Log: l, Orders: orders, Endpoints: []Endpoint{{Name: "lyb", Platform: "messageboard", Token: tokenA}}, Now: func() time.Time { return now }, Logger: quiet()}
	req := httptest.NewRequest(http.MethodPost, "/api/v1/hooks/lyb/workorders", strings.NewReader(`{"order_id":"M1","received_at":"2026-11-23 09:00","text":"留言"}`))
	req.Header.Set("Authorization", "Bearer "+tokenA)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req) // not mounted: the name comes from the path
	if rec.Code != http.StatusOK || len(orders.got) != 1 || orders.got[0].Channel != hotline.ChannelMessageBoard || orders.got[0].Category != "留言" {
		t.Fatalf("%d %s %+v", rec.Code, rec.Body, orders.got)
	}
}

func TestConfigResolve(t *testing.T) {
	var c struct {
		Webhooks Config `yaml:"webhooks"`
	}
	src := `
webhooks:
  max_body_bytes: 1048576
  endpoints:
    - {name: vendor-a, platform: weibo, token_env: HOOK_A_TOKEN, secret_env: HOOK_A_SECRET, max_skew: 2m}
    - {name: "12345", platform: hotline, token: "inline-token-0123456789"}
`
	if err := yaml.Unmarshal([]byte(src), &c); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"HOOK_A_TOKEN": tokenA, "HOOK_A_SECRET": secretB}
	eps, err := c.Webhooks.Resolve(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	want := []Endpoint{
		{Name: "vendor-a", Platform: "weibo", Token: tokenA, Secret: secretB, MaxSkew: 2 * time.Minute},
		{Name: "12345", Platform: "hotline", Token: "inline-token-0123456789"},
	}
	if !slices.Equal(eps, want) || c.Webhooks.MaxBodyBytes != 1<<20 {
		t.Fatalf("endpoints %+v", eps)
	}

	bad := Config{Endpoints: []EndpointConfig{
		{Name: "a b", Token: tokenA},
		{Name: "short", Token: "abc"},
		{Name: "unset", TokenEnv: "NOT_SET"},
		{Name: "both", Token: tokenA, TokenEnv: "HOOK_A_TOKEN"},
		{Name: "plat", Platform: "myspace", Token: tokenA},
		{Name: "none"},
		{Name: "dup", Token: tokenA},
		{Name: "dup", Token: tokenA},
	}}
	_, err = bad.Resolve(func(k string) string { return env[k] })
	if err == nil {
		t.Fatal("bad config accepted")
	}
	for _, want := range []string{`"a b"`, "shorter than 16", "NOT_SET", "not both", "myspace", "token is missing", "duplicate"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not mention %q:\n%v", want, err)
		}
	}
	if strings.Contains(err.Error(), tokenA) {
		t.Error("a token's value in the error")
	}
}

func TestDecodeBodyShapes(t *testing.T) {
	d := Defaults{Platform: "forum", Source: "hook"}
	good, bad, err := DecodeBody([]byte("\uFEFF {\n  \"id\": \"1\",\n  \"text\": \"多行对象\",\n  \"published_at\": \"2026-11-23T00:00:00Z\"\n}\n"), false, d, now)
	if err != nil || len(good) != 1 || len(bad) != 0 || good[0].ID != "forum:1" || good[0].Source != "hook" {
		t.Fatalf("pretty object: %+v %+v %v", good, bad, err)
	}
	good, bad, err = DecodeBody([]byte("{\n  \"id\": \"1\",\n  broken\n}"), false, d, now)
	if err != nil || len(good) != 0 || len(bad) != 1 || bad[0].Index != 0 {
		t.Fatalf("broken pretty object is one item: %+v %+v %v", good, bad, err)
	}
	if _, _, err := DecodeBody([]byte("  "), false, d, now); err == nil {
		t.Fatal("empty body accepted")
	}
	if _, _, err := DecodeBody([]byte("[1,"), false, d, now); err == nil {
		t.Fatal("broken array accepted")
	}
	_, bad, _ = DecodeBody([]byte(`[1, "x", null, {"id":"9","text":"x","published_at":"2026-11-23T00:00:00Z"}]`), false, Defaults{}, now)
	if len(bad) != 4 {
		t.Fatalf("without a platform everything is refused: %+v", bad)
	}
}

// Issue 13: a pushed item that is not valid UTF-8, or whose id holds a
// control character, is refused with the reason and its own index.
func TestDecodeBodyRefusesInvalidUTF8AndControlIDs(t *testing.T) {
	d := Defaults{Platform: "forum", Source: "hook"}
	body := `[{"id":"1","text":"好","published_at":"2026-11-23T00:00:00Z"},` +
		`{"id":"2","text":"坏` + "\xff" + `","published_at":"2026-11-23T00:00:00Z"},` +
		`{"id":"3\u0000","text":"x","published_at":"2026-11-23T00:00:00Z"},` +
		`{"id":"4` + "\x7f" + `","text":"x","published_at":"2026-11-23T00:00:00Z"}]`
	good, bad, err := DecodeBody([]byte(body), false, d, now)
	if err != nil || len(good) != 1 || good[0].ID != "forum:1" || len(bad) != 3 {
		t.Fatalf("good %+v bad %+v err %v", good, bad, err)
	}
	for i, want := range []string{"not valid UTF-8", "control character", "control character"} {
		if bad[i].Index != i+1 || !strings.Contains(bad[i].Reason, want) {
			t.Errorf("rejected %d: %+v, want index %d and %q", i, bad[i], i+1, want)
		}
	}
}
