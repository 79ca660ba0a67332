// Package llm is the optional writing assistant: a client of an
// OpenAI-compatible chat-completions API that proposes a first draft
// (情况通报, 答记者问, 发布会口径, 政策解读) from the verified facts of an
// incident, and nothing else.
//
// The assistant only proposes: a person edits and approves every draft.
// The prompt gives the model the verified facts alone, tells it to cite
// each one as [F1] by its ID and to add no number, name, place or date the
// facts do not hold; Check finds the places where a draft did anyway.
//
// It is off unless --llm-url is set. The API key comes from the
// environment (YUQING_LLM_KEY), never from a flag, and never prints.
package llm

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"yuqing/internal/secret"
)

// KeyEnv is the environment variable the API key is read from.
const KeyEnv = "YUQING_LLM_KEY"

// Temperature of every request: low, a draft of an official statement is
// no place for invention.
const Temperature = 0.2

// Secret is the key: a string that never prints (fmt, log/slog and
// encoding/json show <secret>), the one secret type of every configuration.
type Secret = secret.Secret

// Config is where the assistant is and which model it runs.
type Config struct {
	URL   string `json:"url"`   // base URL of the API, e.g. https://llm.example.gov.cn/v1; "" turns the assistant off
	Model string `json:"model"` // model name the server knows
	Key   Secret `json:"key"`   // bearer key, from YUQING_LLM_KEY only; may be empty for a local server
}

// RegisterFlags binds --llm-url and --llm-model to fs; the current values
// are the defaults. The key has no flag: see ReadEnv.
func (c *Config) RegisterFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.URL, "llm-url", c.URL, "writing assistant: base URL of an OpenAI-compatible API (…/v1); empty turns it off. The key comes from "+KeyEnv)
	fs.StringVar(&c.Model, "llm-model", c.Model, "writing assistant: model name")
}

// ReadEnv reads the key from YUQING_LLM_KEY when it is set.
func (c *Config) ReadEnv(getenv func(string) string) {
	if k := strings.TrimSpace(getenv(KeyEnv)); k != "" {
		c.Key = Secret(k)
	}
}

// Enabled reports whether the assistant is configured: a URL is set.
func (c Config) Enabled() bool { return strings.TrimSpace(c.URL) != "" }

// Validate reports what is wrong with an enabled config; a disabled one is
// valid.
func (c Config) Validate() error {
	if !c.Enabled() {
		return nil
	}
	u, err := url.Parse(c.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("写作助手地址 --llm-url %q 不是 http(s) 地址", c.URL)
	}
	if u.User != nil {
		return fmt.Errorf("写作助手地址不能包含账号或密钥，密钥请放在环境变量 %s 中", KeyEnv)
	}
	if strings.TrimSpace(c.Model) == "" {
		return errors.New("启用写作助手需要 --llm-model 指定模型")
	}
	return nil
}

// String prints the config with the key hidden, for logs.
func (c Config) String() string {
	return fmt.Sprintf("url=%s model=%s key=%s", c.URL, c.Model, c.Key)
}

// Draft kinds.
const (
	KindBriefing   = "情况通报"
	KindQA         = "答记者问"
	KindConference = "发布会口径"
	KindPolicy     = "政策解读"
)

// Kinds returns the draft kinds the assistant writes.
func Kinds() []string { return []string{KindBriefing, KindQA, KindConference, KindPolicy} }

// Fact is a verified fact of an incident; ID is what the draft cites ([F1]).
type Fact struct {
	ID   string `json:"id"`
	Text string `json:"text"`
}

// Request asks for one draft. Facts must hold only facts a person has
// verified: whatever is here, the model may use.
type Request struct {
	Kind  string // one of Kinds()
	Title string // the incident's title
	Facts []Fact
}

var factID = regexp.MustCompile(`^[A-Za-z0-9_-]{1,32}$`)

// Validate reports what is wrong with the request.
func (r Request) Validate() error {
	if !slices.Contains(Kinds(), r.Kind) {
		return fmt.Errorf("文稿类型“%s”应为%s之一", r.Kind, strings.Join(Kinds(), "、"))
	}
	if strings.TrimSpace(r.Title) == "" {
		return errors.New("请提供事件标题")
	}
	if len(r.Facts) == 0 {
		return errors.New("没有已核实的事实，写作助手无从起草")
	}
	seen := map[string]bool{}
	for i, f := range r.Facts {
		if !factID.MatchString(f.ID) {
			return fmt.Errorf("第%d条事实的编号“%s”应由字母、数字组成，如 F1", i+1, f.ID)
		}
		if seen[f.ID] {
			return fmt.Errorf("事实编号 %s 重复", f.ID)
		}
		seen[f.ID] = true
		if strings.TrimSpace(f.Text) == "" {
			return fmt.Errorf("事实 %s 没有内容", f.ID)
		}
	}
	return nil
}

// Client calls the assistant. It is safe for concurrent use.
type Client struct {
	cfg Config
	hc  *http.Client
}

// ErrDisabled is returned by New when the config has no URL.
var ErrDisabled = errors.New("写作助手未启用（未设置 --llm-url）")

// New returns a client of cfg using hc, whose Timeout (with each call's
// ctx) bounds every request.
func New(cfg Config, hc *http.Client) (*Client, error) {
	if !cfg.Enabled() {
		return nil, ErrDisabled
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if hc == nil {
		return nil, errors.New("llm.New: no http.Client")
	}
	return &Client{cfg: cfg, hc: hc}, nil
}

// Errors of a response.
var (
	ErrNoChoices = errors.New("写作助手没有返回任何候选结果")
	ErrEmpty     = errors.New("写作助手返回了空白内容")
)

// StatusError is a non-2xx answer of the server, with the server's message.
type StatusError struct {
	Code    int
	Message string
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("写作助手服务返回 HTTP %d：%s", e.Code, e.Message)
}

// Temporary reports an answer worth retrying later: rate limited or a
// server error.
func (e *StatusError) Temporary() bool {
	return e.Code == http.StatusTooManyRequests || e.Code >= 500
}

// Message is one chat message: role system, user or assistant.
type Message struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

type chatRequest struct {
	Model       string    `json:"model"`
	Messages    []Message `json:"messages"`
	Temperature float64   `json:"temperature"`
}

type chatResponse struct {
	Choices []struct {
		Message Message `json:"message"`
	} `json:"choices"`
}

// maxResponse bounds what is read of an answer.
const maxResponse = 4 << 20

// Propose asks the model for a draft of req and returns its text. Errors:
// a *StatusError for a non-2xx answer, ErrNoChoices or ErrEmpty for an
// answer without text, the request's own validation error, or the
// transport's (ctx cancelled, timeout), all wrapped with what was being
// done. The draft is a proposal: run Check on it and have a person edit it.
func (c *Client) Propose(ctx context.Context, req Request) (string, error) {
	if err := req.Validate(); err != nil {
		return "", err
	}
	body, err := json.Marshal(chatRequest{Model: c.cfg.Model, Messages: Prompt(req), Temperature: Temperature})
	if err != nil {
		return "", fmt.Errorf("encoding the request: %w", err)
	}
	endpoint := strings.TrimRight(c.cfg.URL, "/") + "/chat/completions"
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(body))
	if err != nil {
		return "", fmt.Errorf("building the request to %s: %w", endpoint, err)
	}
	hr.Header.Set("Content-Type", "application/json")
	hr.Header.Set("Accept", "application/json")
	if c.cfg.Key != "" {
		hr.Header.Set("Authorization", "Bearer "+c.cfg.Key.Reveal())
	}
	resp, err := c.hc.Do(hr)
	if err != nil {
		return "", fmt.Errorf("请求写作助手 %s：%w", endpoint, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		return "", fmt.Errorf("读取写作助手的回复：%w", err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return "", fmt.Errorf("请求写作助手 %s：%w", endpoint, &StatusError{Code: resp.StatusCode, Message: serverMessage(raw, resp.Status)})
	}
	var cr chatResponse
	if err := json.Unmarshal(raw, &cr); err != nil {
		return "", fmt.Errorf("写作助手的回复不是有效的 JSON：%w", err)
	}
	if len(cr.Choices) == 0 {
		return "", fmt.Errorf("请求写作助手 %s：%w", endpoint, ErrNoChoices)
	}
	text := strings.TrimSpace(cr.Choices[0].Message.Content)
	if text == "" {
		return "", fmt.Errorf("请求写作助手 %s：%w", endpoint, ErrEmpty)
	}
	return text, nil
}

// serverMessage is the message of an error answer: OpenAI's
// {"error":{"message"}}, {"error":"…"}, {"message":"…"}, or the body's
// first line.
func serverMessage(raw []byte, status string) string {
	var e struct {
		Error   json.RawMessage `json:"error"`
		Message string          `json:"message"`
	}
	if json.Unmarshal(raw, &e) == nil {
		var inner struct {
			Message string `json:"message"`
		}
		var s string
		switch {
		case json.Unmarshal(e.Error, &inner) == nil && inner.Message != "":
			return inner.Message
		case json.Unmarshal(e.Error, &s) == nil && s != "":
			return s
		case e.Message != "":
			return e.Message
		}
	}
	line, _, _ := strings.Cut(strings.TrimSpace(string(raw)), "\n")
	if r := []rune(line); len(r) > 200 {
		line = string(r[:200]) + "…"
	}
	if line == "" {
		return status
	}
	return line
}

// kindGuide is how each kind of draft is written.
var kindGuide = map[string]string{
	KindBriefing:   "按“基本情况、处置经过、目前进展、下一步工作”的顺序写成情况通报，结尾不写联系方式。",
	KindQA:         "写成答记者问：先列出记者可能提出的问题，再逐一作答，格式为“问：……答：……”。",
	KindConference: "写成新闻发布会上发言人可以直接宣读的口径，分条列出要点。",
	KindPolicy:     "写成政策解读：说明背景、主要内容、适用对象和办理方式，只解读事实中写明的内容。",
}

// Prompt is the messages Propose sends: the rules, then the incident and
// its verified facts, each under its ID. Exported so a reviewer can see
// exactly what leaves the building.
func Prompt(req Request) []Message {
	system := strings.Join([]string{
		"你是政府新闻发言人的写作助手，为人工审核起草初稿。必须遵守：",
		"1. 只能使用用户给出的“已核实事实”，不得使用其他任何信息或常识补充事实。",
		"2. 每一句涉及事实的话，句末用方括号标注所依据事实的编号，如[F1]；一句依据多条事实时写[F1][F2]；只能使用给出的编号。",
		"3. 不得添加事实中没有的数字、人名、地名、机构名、时间和日期，不得推测原因、估计损失或作出事实中没有的承诺。",
		"4. 不得写出身份证号、电话号码、住址、车牌号，以及患者、伤亡人员和未成年人的姓名。",
		"5. 事实不足以回答的地方，写“有关情况正在进一步核实”，不要编造。",
		"6. 语言庄重、准确、简洁，符合政务信息发布规范。只输出文稿正文，不要解释。",
	}, "\n")
	var b strings.Builder
	fmt.Fprintf(&b, "文稿类型：%s\n事件：%s\n要求：%s\n已核实事实：\n", req.Kind, req.Title, kindGuide[req.Kind])
	for _, f := range req.Facts {
		fmt.Fprintf(&b, "[%s] %s\n", f.ID, strings.TrimSpace(f.Text))
	}
	fmt.Fprintf(&b, "请仅依据以上事实起草%s。", req.Kind)
	return []Message{{Role: "system", Content: system}, {Role: "user", Content: b.String()}}
}

var (
	marker = regexp.MustCompile(`\[([A-Za-z0-9_-]{1,32})\]`)
	number = regexp.MustCompile(`[0-9０-９]+(?:[.．][0-9０-９]+)?`)
)

// Check lists what a draft says that the facts do not support: citations
// of facts that were not given, and numbers (counts, dates, times) found in
// no fact. Each problem is a sentence for the person editing the draft; no
// problem returns nil.
func Check(draft string, facts []Fact) []string {
	ids, known := map[string]bool{}, map[string]bool{}
	for _, f := range facts {
		ids[f.ID] = true
		for _, n := range number.FindAllString(width(f.Text), -1) {
			known[n] = true
		}
	}
	var problems []string
	add := func(p string) {
		if !slices.Contains(problems, p) {
			problems = append(problems, p)
		}
	}
	for _, m := range marker.FindAllStringSubmatch(draft, -1) {
		if !ids[m[1]] {
			add(fmt.Sprintf("引用了不存在的事实[%s]", m[1]))
		}
	}
	for _, n := range number.FindAllString(marker.ReplaceAllString(draft, ""), -1) {
		if !known[width(n)] {
			add(fmt.Sprintf("数字“%s”不在已核实事实中", n))
		}
	}
	return problems
}

// width folds full-width digits and points to ASCII.
func width(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= '０' && r <= '９':
			return r - '０' + '0'
		case r == '．':
			return '.'
		}
		return r
	}, s)
}
