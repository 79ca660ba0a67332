// Package wecom sends to a WeCom (企业微信) group bot (群机器人).
//
// The bot's webhook URL carries its key:
// https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=KEY. A POST of
// {"msgtype":"markdown","markdown":{"content":"…"}} (UTF-8, at most 4096
// bytes of content) posts to the group; the answer is
// {"errcode":0,"errmsg":"ok"}, any other errcode is a failure.
package wecom

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"yuqing/respond/notify"
	"yuqing/respond/notify/internal/httpx"
)

// MaxContent is the markdown content limit, in bytes.
const MaxContent = 4096

// Config of one bot.
type Config struct {
	WebhookURL notify.Secret `yaml:"webhook_url" json:"webhook_url"` // holds the key
}

// Validate checks the configuration.
func (c Config) Validate() error {
	return httpx.CheckURL("wecom webhook_url", c.WebhookURL.Reveal())
}

// String shows the configuration without the key.
func (c Config) String() string {
	return fmt.Sprintf("wecom{webhook_url=%s}", c.WebhookURL)
}

// Notifier posts to one bot.
type Notifier struct {
	cfg    Config
	client *http.Client
}

// New checks cfg. A nil client gets a fresh one with a timeout.
func New(cfg Config, client *http.Client) (*Notifier, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Notifier{cfg: cfg, client: httpx.DefaultClient(client)}, nil
}

type markdown struct {
	Content string `json:"content"`
}

type payload struct {
	MsgType  string   `json:"msgtype"`
	Markdown markdown `json:"markdown"`
}

type answer struct {
	ErrCode *int   `json:"errcode"`
	ErrMsg  string `json:"errmsg"`
}

// Error codes.
const (
	codeBusy      = -1    // 系统繁忙
	codeFreqLimit = 45009 // api freq out of limit (20 messages a minute per bot)
	codeBadHook   = 93000 // invalid webhook url (wrong or deleted key)
)

// Retryable reports the errcodes worth retrying: -1 (system busy) and 45009
// (rate limit). Everything else (93000 bad key, 40008 bad type, 44004 empty
// content, …) is permanent.
func Retryable(code int) bool { return code == codeBusy || code == codeFreqLimit }

// Payload is the JSON body for msg.
func Payload(msg notify.Message) ([]byte, error) {
	return json.Marshal(payload{
		MsgType:  "markdown",
		Markdown: markdown{Content: notify.Truncate(notify.Markdown(msg), MaxContent)},
	})
}

// Notify posts msg.
func (n *Notifier) Notify(ctx context.Context, msg notify.Message) (bool, error) {
	body, err := Payload(msg)
	if err != nil {
		return false, fmt.Errorf("wecom: %w", err)
	}
	resp, err := httpx.Post(ctx, n.client, n.cfg.WebhookURL.Reveal(), "application/json", body, nil)
	if err != nil {
		return true, fmt.Errorf("wecom: %w", err)
	}
	if resp.Status/100 != 2 {
		return httpx.RetryableStatus(resp.Status), fmt.Errorf("wecom: %w", httpx.StatusError(resp))
	}
	var a answer
	if err := json.Unmarshal(resp.Body, &a); err != nil || a.ErrCode == nil {
		// A 200 that is not the API's JSON: a proxy or captive portal. Try again.
		return true, fmt.Errorf("wecom: unexpected answer: %s", httpx.Excerpt(resp.Body))
	}
	if *a.ErrCode != 0 {
		return Retryable(*a.ErrCode), fmt.Errorf("wecom: errcode %d: %s", *a.ErrCode, a.ErrMsg)
	}
	return false, nil
}
