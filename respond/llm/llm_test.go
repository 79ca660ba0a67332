package llm

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
)

const key = "sk-test-0123456789abcdef"

// verified and unverified facts of one incident: only the first go out.
var (
	verified = []Fact{
		{ID: "F1", Text: "12月3日9时许，城东化工园区一企业仓库发生火灾。"},
		{ID: "F2", Text: "消防救援人员于9时40分将明火扑灭，现场无人员被困。"},
		{ID: "F3", Text: "周边空气质量监测数据未见异常。"},
	}
	unverified = []Fact{
		{ID: "F4", Text: "网传起火原因系员工违规动火作业。"},
		{ID: "F5", Text: "网传有3人死亡。"},
	}
)

func request() Request {
	return Request{Kind: KindBriefing, Title: "城东化工园区仓库火灾", Facts: verified}
}

// fake is an OpenAI-compatible server that records what it was sent.
type fake struct {
	status int
	body   string
	got    chatRequest
	auth   string
	path   string
	calls  int
}

func (f *fake) start(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.calls++
		f.path, f.auth = r.Method+" "+r.URL.Path, r.Header.Get("Authorization")
		if r.Header.Get("Content-Type") != "application/json" {
			t.Errorf("content type %q", r.Header.Get("Content-Type"))
		}
		if err := json.NewDecoder(r.Body).Decode(&f.got); err != nil {
			t.Errorf("decoding the request: %v", err)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(f.status)
		io.WriteString(w, f.body)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func answer(content string) string {
	b, _ := json.Marshal(map[string]any{"id": "x", "choices": []any{map[string]any{"index": 0, "message": map[string]string{"role": "assistant", "content": content}}}})
	return string(b)
}

func client(t *testing.T, srv *httptest.Server, k Secret) *Client {
	t.Helper()
	c, err := New(Config{URL: srv.URL + "/v1/", Model: "qwen-gov", Key: k}, srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestPropose(t *testing.T) {
	draft := "12月3日9时许，城东化工园区一企业仓库发生火灾。[F1]明火已于9时40分扑灭，现场无人员被困。[F2]"
	f := &fake{status: 200, body: answer("\n" + draft + "\n")}
	srv := f.start(t)
	got, err := client(t, srv, key).Propose(context.Background(), request())
	if err != nil {
		t.Fatal(err)
	}
	if got != draft {
		t.Fatalf("draft %q", got)
	}
	if f.path != "POST /v1/chat/completions" || f.auth != "Bearer "+key {
		t.Fatalf("request %s, Authorization %q", f.path, f.auth)
	}
	if f.got.Model != "qwen-gov" || f.got.Temperature != Temperature || len(f.got.Messages) != 2 ||
		f.got.Messages[0].Role != "system" || f.got.Messages[1].Role != "user" {
		t.Fatalf("request body %+v", f.got)
	}
	system, user := f.got.Messages[0].Content, f.got.Messages[1].Content
	for _, rule := range []string{"只能使用", "[F1]", "不得添加事实中没有的数字、人名、地名"} {
		if !strings.Contains(system, rule) {
			t.Errorf("the system prompt lacks %q:\n%s", rule, system)
		}
	}
	for _, fct := range verified {
		if !strings.Contains(user, "["+fct.ID+"] "+fct.Text) {
			t.Errorf("verified fact %s is not in the prompt:\n%s", fct.ID, user)
		}
	}
	for _, fct := range unverified {
		if strings.Contains(user+system, fct.Text) || strings.Contains(user, "["+fct.ID+"]") {
			t.Errorf("unverified fact %s reached the model", fct.ID)
		}
	}
	if !strings.Contains(user, KindBriefing) || !strings.Contains(user, "城东化工园区仓库火灾") {
		t.Errorf("the prompt lacks the kind or the title:\n%s", user)
	}
	if problems := Check(got, verified); problems != nil {
		t.Errorf("Check of a faithful draft: %v", problems)
	}
}

// Without a key no Authorization header is sent (a server inside the network).
func TestProposeWithoutKey(t *testing.T) {
	f := &fake{status: 200, body: answer("草稿[F1]")}
	if _, err := client(t, f.start(t), "").Propose(context.Background(), request()); err != nil {
		t.Fatal(err)
	}
	if f.auth != "" {
		t.Fatalf("Authorization %q without a key", f.auth)
	}
}

func TestProposeErrors(t *testing.T) {
	for _, tc := range []struct {
		name      string
		status    int
		body      string
		is        error
		want      string
		temporary bool
	}{
		{"openai error", 500, `{"error":{"message":"model overloaded","type":"server_error"}}`, nil, "HTTP 500：model overloaded", true},
		{"rate limited", 429, `{"error":"too many requests"}`, nil, "HTTP 429：too many requests", true},
		{"unauthorized", 401, "invalid api key\nmore", nil, "HTTP 401：invalid api key", false},
		{"message field", 400, `{"message":"model not found"}`, nil, "HTTP 400：model not found", false},
		{"empty error body", 502, "", nil, "HTTP 502：502 Bad Gateway", true},
		{"no choices", 200, `{"choices":[]}`, ErrNoChoices, "没有返回任何候选结果", false},
		{"blank content", 200, answer("  \n"), ErrEmpty, "空白内容", false},
		{"not json", 200, `<html>`, nil, "不是有效的 JSON", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := &fake{status: tc.status, body: tc.body}
			_, err := client(t, f.start(t), key).Propose(context.Background(), request())
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Fatalf("error %v is not %v", err, tc.is)
			}
			var se *StatusError
			if errors.As(err, &se) != (tc.status/100 != 2) || se != nil && se.Temporary() != tc.temporary {
				t.Fatalf("status error %+v, temporary want %v", se, tc.temporary)
			}
			if strings.Contains(err.Error(), key) {
				t.Fatal("the error shows the key")
			}
		})
	}
}

// A cancelled ctx ends the call; the server sees the request go.
func TestProposeCancelled(t *testing.T) {
	arrived, released := make(chan struct{}), make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body) // the server notices a closed connection only after the body
		close(arrived)
		<-r.Context().Done()
		close(released)
	}))
	t.Cleanup(srv.Close)
	c := client(t, srv, key)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() {
		_, err := c.Propose(ctx, request())
		done <- err
	}()
	<-arrived
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
	<-released
}

func TestRequestValidate(t *testing.T) {
	f := &fake{status: 200, body: answer("x")}
	c := client(t, f.start(t), key)
	for _, tc := range []struct {
		edit func(*Request)
		want string
	}{
		{func(r *Request) { r.Kind = "新闻稿" }, "文稿类型"},
		{func(r *Request) { r.Title = " " }, "事件标题"},
		{func(r *Request) { r.Facts = nil }, "没有已核实的事实"},
		{func(r *Request) { r.Facts = []Fact{{ID: "F 1", Text: "x"}} }, "编号"},
		{func(r *Request) { r.Facts = []Fact{{ID: "F1", Text: "x"}, {ID: "F1", Text: "y"}} }, "重复"},
		{func(r *Request) { r.Facts = []Fact{{ID: "F1"}} }, "没有内容"},
	} {
		r := request()
		tc.edit(&r)
		if _, err := c.Propose(context.Background(), r); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("error %v, want one containing %q", err, tc.want)
		}
	}
	if f.calls != 0 {
		t.Fatalf("%d invalid requests reached the server", f.calls)
	}
	for _, k := range Kinds() {
		r := request()
		r.Kind = k
		if !strings.Contains(Prompt(r)[1].Content, kindGuide[k]) || kindGuide[k] == "" {
			t.Errorf("kind %s has no guide in the prompt", k)
		}
	}
}

func TestConfig(t *testing.T) {
	var c Config
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	c.RegisterFlags(fs)
	if fs.Lookup("llm-key") != nil {
		t.Fatal("the key must not be a flag")
	}
	if !c.Enabled() == false || c.Validate() != nil {
		t.Fatal("an empty config is disabled and valid")
	}
	if _, err := New(c, http.DefaultClient); !errors.Is(err, ErrDisabled) {
		t.Fatalf("New of a disabled config: %v", err)
	}
	if err := fs.Parse([]string{"--llm-url", "https://llm.example.gov.cn/v1", "--llm-model", "qwen-gov"}); err != nil {
		t.Fatal(err)
	}
	c.ReadEnv(func(k string) string {
		if k == KeyEnv {
			return " " + key + "\n"
		}
		return ""
	})
	if !c.Enabled() || c.Validate() != nil || c.Key.Reveal() != key {
		t.Fatalf("config %+v: %v", c, c.Validate())
	}
	for _, tc := range []struct {
		c    Config
		want string
	}{
		{Config{URL: "ftp://x", Model: "m"}, "不是 http(s) 地址"},
		{Config{URL: "https://user:" + key + "@x/v1", Model: "m"}, "不能包含账号或密钥"},
		{Config{URL: "https://x/v1"}, "--llm-model"},
	} {
		if err := tc.c.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), key) {
			t.Errorf("Validate(%s) = %v, want %q", tc.c, err, tc.want)
		}
	}
	if _, err := New(c, nil); err == nil {
		t.Error("New without an http.Client")
	}

	// The key never prints.
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("config", "llm", c, "key", c.Key)
	slog.New(slog.NewTextHandler(&buf, nil)).Info("config", "key", c.Key)
	j, _ := json.Marshal(c)
	for _, s := range []string{c.String(), fmt.Sprint(c), fmt.Sprintf("%v %+v %#v %s %q", c, c, c, c.Key, c.Key), string(j), buf.String()} {
		if strings.Contains(s, key) || !strings.Contains(s, "<secret>") && !strings.Contains(s, `\u003csecret\u003e`) {
			t.Errorf("the key shows or is not marked: %s", s)
		}
	}
	if Secret("").String() != "" {
		t.Error("an empty key prints as <secret>")
	}
}

func TestCheck(t *testing.T) {
	for _, tc := range []struct {
		draft string
		want  []string
	}{
		{"12月3日9时许，园区仓库发生火灾。[F1]9时40分明火扑灭。[F2]", nil},
		{"１２月３日发生火灾。[F1]", nil}, // full-width digits
		{"火灾造成7人死亡。[F5]", []string{"引用了不存在的事实[F5]", "数字“7”不在已核实事实中"}},
		{"过火面积约200平方米，损失15.5万元。[F1][F1]", []string{"数字“200”不在已核实事实中", "数字“15.5”不在已核实事实中"}},
		{"有关情况正在进一步核实。", nil},
	} {
		if got := Check(tc.draft, verified); !slices.Equal(got, tc.want) {
			t.Errorf("Check(%q) = %q, want %q", tc.draft, got, tc.want)
		}
	}
}
