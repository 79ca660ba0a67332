// Package dingtalk sends to a DingTalk (钉钉) custom group bot (自定义机器人)
// with the 加签 (signature) security setting.
//
// Signing: string_to_sign = timestamp + "\n" + secret, where timestamp is
// Unix milliseconds (the server allows one hour of skew); sign =
// urlEncode(base64(HmacSHA256(key = secret, string_to_sign))); both are
// appended to the webhook URL as &timestamp=…&sign=…. The body is
// {"msgtype":"markdown","markdown":{"title":…,"text":…},"at":{…}}; the
// answer is {"errcode":0,"errmsg":"ok"}.
package dingtalk

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"yuqing/respond/notify"
	"yuqing/respond/notify/internal/httpx"
)

// Limits of the markdown message (errcode 34016 beyond them).
const (
	MaxTitle = 64   // characters
	MaxText  = 5000 // characters
)

// Config of one bot.
type Config struct {
	WebhookURL notify.Secret `yaml:"webhook_url" json:"webhook_url"` // https://oapi.dingtalk.com/robot/send?access_token=…
	Secret     notify.Secret `yaml:"secret" json:"secret"`           // the SEC… string of 加签; empty if the bot uses keywords or an IP list only
	AtMobiles  []string      `yaml:"at_mobiles" json:"at_mobiles"`   // @ these members (phone numbers)
	AtAll      bool          `yaml:"at_all" json:"at_all"`
}

// Validate checks the configuration.
func (c Config) Validate() error {
	var errs []error
	if err := httpx.CheckURL("dingtalk webhook_url", c.WebhookURL.Reveal()); err != nil {
		errs = append(errs, err)
	} else if u, _ := url.Parse(c.WebhookURL.Reveal()); u.Query().Get("access_token") == "" {
		errs = append(errs, errors.New("dingtalk webhook_url: no access_token"))
	}
	return errors.Join(errs...)
}

// String shows the configuration without the token or the secret.
func (c Config) String() string {
	return fmt.Sprintf("dingtalk{webhook_url=%s secret=%s at_mobiles=%d at_all=%t}",
		c.WebhookURL, c.Secret, len(c.AtMobiles), c.AtAll)
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

// Sign returns the base64 signature (before URL encoding) for a timestamp
// in milliseconds.
func Sign(secret string, timestampMillis int64) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(strconv.FormatInt(timestampMillis, 10) + "\n" + secret))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// SignedURL appends timestamp and sign to the webhook URL. url.Values
// encoding of the base64 string is the urlEncode step of the algorithm.
func SignedURL(webhook, secret string, now time.Time) (string, error) {
	u, err := url.Parse(webhook)
	if err != nil {
		return "", errors.New("invalid webhook URL")
	}
	if secret == "" {
		return webhook, nil
	}
	ts := now.UnixMilli()
	q := u.Query()
	q.Set("timestamp", strconv.FormatInt(ts, 10))
	q.Set("sign", Sign(secret, ts))
	u.RawQuery = q.Encode()
	return u.String(), nil
}

type markdown struct {
	Title string `json:"title"`
	Text  string `json:"text"`
}

type at struct {
	AtMobiles []string `json:"atMobiles,omitempty"`
	IsAtAll   bool     `json:"isAtAll"`
}

type payload struct {
	MsgType  string   `json:"msgtype"`
	Markdown markdown `json:"markdown"`
	At       at       `json:"at"`
}

// Payload is the JSON body for msg. The title is what shows in the chat
// list and notification banner; members to @ must also appear in the text.
func (c Config) Payload(msg notify.Message) ([]byte, error) {
	text := notify.Markdown(msg)
	for _, m := range c.AtMobiles {
		text += " @" + m
	}
	return json.Marshal(payload{
		MsgType: "markdown",
		Markdown: markdown{
			Title: notify.TruncateRunes(notify.Subject(msg), MaxTitle),
			Text:  notify.TruncateRunes(text, MaxText),
		},
		At: at{AtMobiles: c.AtMobiles, IsAtAll: c.AtAll},
	})
}

type answer struct {
	ErrCode *int   `json:"errcode"`
	ErrMsg  string `json:"errmsg"`
}

// Error codes.
const (
	codeBusy      = -1     // 系统繁忙, retry
	codeTooFast   = 130101 // send too fast, exceed 20 times per minute (then throttled 10 minutes)
	codeTooFast2  = 410100 // 发送速度太快而限流 (newer code for the same limit)
	codeSecurity  = 310000 // sign not match / keywords not in content / ip not in whitelist
	codeBadToken  = 300001 // token is not exist
	codeTooLong   = 34016  // content too long
	codeBadFormat = 34014  // bad JSON structure
)

// Retryable reports the errcodes worth retrying: -1 (busy), 130101 and
// 410100 (rate limited). 310000 (signature, keyword or IP check failed),
// 300001 (token), 34014/34016 (payload) and unknown codes are permanent.
func Retryable(code int) bool {
	return code == codeBusy || code == codeTooFast || code == codeTooFast2
}

// Notify posts msg.
func (n *Notifier) Notify(ctx context.Context, msg notify.Message) (bool, error) {
	body, err := n.cfg.Payload(msg)
	if err != nil {
		return false, fmt.Errorf("dingtalk: %w", err)
	}
	now := time.Now
	if n.Now != nil {
		now = n.Now
	}
	u, err := SignedURL(n.cfg.WebhookURL.Reveal(), n.cfg.Secret.Reveal(), now())
	if err != nil {
		return false, fmt.Errorf("dingtalk: %w", err)
	}
	resp, err := httpx.Post(ctx, n.client, u, "application/json;charset=utf-8", body, nil)
	if err != nil {
		return true, fmt.Errorf("dingtalk: %w", err)
	}
	if resp.Status/100 != 2 {
		return httpx.RetryableStatus(resp.Status), fmt.Errorf("dingtalk: %w", httpx.StatusError(resp))
	}
	var a answer
	if err := json.Unmarshal(resp.Body, &a); err != nil || a.ErrCode == nil {
		return true, fmt.Errorf("dingtalk: unexpected answer: %s", httpx.Excerpt(resp.Body))
	}
	if *a.ErrCode != 0 {
		return Retryable(*a.ErrCode), fmt.Errorf("dingtalk: errcode %d: %s", *a.ErrCode, a.ErrMsg)
	}
	return false, nil
}
