// Package feishu sends to a Feishu (飞书) custom bot (自定义机器人), with the
// optional 签名校验 setting.
//
// Signing: string_to_sign = timestamp + "\n" + secret, timestamp in Unix
// seconds (the server allows one hour of skew). Unlike DingTalk, the
// string_to_sign is the HMAC-SHA256 KEY and the message is empty; sign =
// base64(HmacSHA256(key = string_to_sign, "")). "timestamp" and "sign" go in
// the JSON body next to "msg_type". The answer is {"code":0,"msg":"success"}
// (older deployments answer {"StatusCode":0,"StatusMessage":"success"}).
package feishu

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"yuqing/respond/notify"
	"yuqing/respond/notify/internal/httpx"
)

// MaxBody is the request size limit of custom bots.
const MaxBody = 20 << 10

// Message types.
const (
	TypeInteractive = "interactive" // a card with a coloured header and a console button
	TypeText        = "text"
)

// Config of one bot.
type Config struct {
	WebhookURL notify.Secret `yaml:"webhook_url" json:"webhook_url"` // https://open.feishu.cn/open-apis/bot/v2/hook/<token>
	Secret     notify.Secret `yaml:"secret" json:"secret"`           // 签名校验 secret; empty if not enabled
	MsgType    string        `yaml:"msg_type" json:"msg_type"`       // interactive (default) or text
}

// Validate checks the configuration.
func (c Config) Validate() error {
	if err := httpx.CheckURL("feishu webhook_url", c.WebhookURL.Reveal()); err != nil {
		return err
	}
	switch c.MsgType {
	case "", TypeInteractive, TypeText:
	default:
		return fmt.Errorf("feishu msg_type: %q is neither interactive nor text", c.MsgType)
	}
	return nil
}

// String shows the configuration without the hook token or the secret.
func (c Config) String() string {
	return fmt.Sprintf("feishu{webhook_url=%s secret=%s msg_type=%s}", c.WebhookURL, c.Secret, c.msgType())
}

func (c Config) msgType() string {
	if c.MsgType == "" {
		return TypeInteractive
	}
	return c.MsgType
}

// Notifier posts to one bot.
type Notifier struct {
	cfg    Config
	client *http.Client
	// Now is the signing clock; nil means time.Now.
	Now func() time.Time
}

// New checks cfg. A nil client gets a fresh one with a timeout.
func New(cfg Config, client *http.Client) (*Notifier, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Notifier{cfg: cfg, client: httpx.DefaultClient(client)}, nil
}

// Sign returns the signature for a timestamp in seconds.
func Sign(secret string, timestamp int64) string {
	mac := hmac.New(sha256.New, []byte(strconv.FormatInt(timestamp, 10)+"\n"+secret))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil)) // empty message
}

type text struct {
	Text string `json:"text"`
}

type plain struct {
	Tag     string `json:"tag"`
	Content string `json:"content"`
}

type header struct {
	Title    plain  `json:"title"`
	Template string `json:"template"`
}

type element struct {
	Tag     string   `json:"tag"`
	Text    *plain   `json:"text,omitempty"`
	Actions []action `json:"actions,omitempty"`
}

type action struct {
	Tag  string `json:"tag"`
	Text plain  `json:"text"`
	URL  string `json:"url"`
	Type string `json:"type"`
}

type card struct {
	Config   map[string]bool `json:"config"`
	Header   header          `json:"header"`
	Elements []element       `json:"elements"`
}

type payload struct {
	Timestamp string `json:"timestamp,omitempty"`
	Sign      string `json:"sign,omitempty"`
	MsgType   string `json:"msg_type"`
	Content   *text  `json:"content,omitempty"`
	Card      *card  `json:"card,omitempty"`
}

// template picks the header colour: red for breaches and escalations and
// every grade I, orange for other warnings, blue otherwise.
func template(m notify.Message) string {
	switch {
	case m.Kind == notify.KindBreach || m.Kind == notify.KindEscalation || m.Grade == 1:
		return "red"
	case m.Kind == notify.KindWarning:
		return "orange"
	}
	return "blue"
}

func (c Config) payload(msg notify.Message, now time.Time) payload {
	p := payload{MsgType: c.msgType()}
	if c.Secret != "" {
		ts := now.Unix()
		p.Timestamp = strconv.FormatInt(ts, 10)
		p.Sign = Sign(c.Secret.Reveal(), ts)
	}
	if p.MsgType == TypeText {
		p.Content = &text{Text: notify.PlainText(msg)}
		return p
	}
	// lark_md has bold and links but no headings or quotes; the card
	// header carries the subject.
	var b strings.Builder
	for _, kv := range notify.Details(msg) {
		b.WriteString("**" + kv[0] + "**：" + kv[1] + "\n")
	}
	if msg.Text != "" {
		b.WriteString("\n" + msg.Text)
	}
	body := b.String()
	cd := &card{
		Config: map[string]bool{"wide_screen_mode": true},
		Header: header{Title: plain{Tag: "plain_text", Content: notify.Subject(msg)}, Template: template(msg)},
		Elements: []element{{
			Tag:  "div",
			Text: &plain{Tag: "lark_md", Content: body},
		}},
	}
	if msg.URL != "" {
		cd.Elements = append(cd.Elements, element{Tag: "action", Actions: []action{{
			Tag: "button", Text: plain{Tag: "plain_text", Content: "打开处置台"}, URL: msg.URL, Type: "primary",
		}}})
	}
	p.Card = cd
	return p
}

// Payload is the JSON body for msg signed at now, cut to MaxBody by
// shortening the text.
func (c Config) Payload(msg notify.Message, now time.Time) ([]byte, error) {
	b, err := json.Marshal(c.payload(msg, now))
	for err == nil && len(b) > MaxBody {
		// JSON escaping can make the text longer in the body than in the
		// string, so cut and measure again until it fits.
		keep := len(msg.Text) - (len(b) - MaxBody) - 64
		if keep <= 0 {
			return nil, fmt.Errorf("message too large for a custom bot (%d bytes)", len(b))
		}
		msg.Text = notify.Truncate(msg.Text, keep)
		b, err = json.Marshal(c.payload(msg, now))
	}
	return b, err
}

type answer struct {
	Code          *int   `json:"code"`
	Msg           string `json:"msg"`
	StatusCode    *int   `json:"StatusCode"`
	StatusMessage string `json:"StatusMessage"`
}

// Error codes.
const (
	codeFrequency = 11232    // frequency limited (100/min, 5/s per bot; busy at :00 and :30)
	codeRateLimit = 99991400 // request trigger frequency limit (platform-wide)
	codeBadReq    = 9499     // Bad Request: malformed payload
	codeSign      = 19021    // sign match fail or timestamp is not within one hour
	codeIP        = 19022    // ip not allowed
	codeKeyword   = 19024    // key words not found
)

// Retryable reports the codes worth retrying: 11232 and 99991400 (rate
// limits). 19021 (signature or timestamp), 19022 (IP list), 19024
// (keywords), 9499 (bad request) and unknown codes are permanent.
func Retryable(code int) bool { return code == codeFrequency || code == codeRateLimit }

// Notify posts msg.
func (n *Notifier) Notify(ctx context.Context, msg notify.Message) (bool, error) {
	now := time.Now
	if n.Now != nil {
		now = n.Now
	}
	body, err := n.cfg.Payload(msg, now())
	if err != nil {
		return false, fmt.Errorf("feishu: %w", err)
	}
	resp, err := httpx.Post(ctx, n.client, n.cfg.WebhookURL.Reveal(), "application/json; charset=utf-8", body, nil)
	if err != nil {
		return true, fmt.Errorf("feishu: %w", err)
	}
	var a answer
	jerr := json.Unmarshal(resp.Body, &a)
	if resp.Status/100 != 2 {
		retry := httpx.RetryableStatus(resp.Status)
		if jerr == nil && a.Code != nil && Retryable(*a.Code) { // old APIs answer rate limits with HTTP 400
			retry = true
		}
		return retry, fmt.Errorf("feishu: %w", httpx.StatusError(resp))
	}
	code, text := a.Code, a.Msg
	if code == nil {
		code, text = a.StatusCode, a.StatusMessage
	}
	if jerr != nil || code == nil {
		return true, fmt.Errorf("feishu: unexpected answer: %s", httpx.Excerpt(resp.Body))
	}
	if *code != 0 {
		return Retryable(*code), fmt.Errorf("feishu: code %d: %s", *code, text)
	}
	return false, nil
}
