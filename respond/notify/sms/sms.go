// Package sms sends text messages through an HTTP SMS gateway, the kind most
// government SMS platforms (政务短信平台) expose:
//
//	POST <url>
//	Authorization: Bearer <token>
//	{"phones":["13800000000",…],"content":"…"}
//
// 2xx is success. Content is cut to SegmentChars characters × MaxSegments
// (default 70 × 3): a single SMS holds 70 Chinese characters, and long
// messages are expensive and arrive out of order on some handsets.
package sms

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"

	"yuqing/respond/notify"
	"yuqing/respond/notify/internal/httpx"
)

// Defaults.
const (
	DefaultSegmentChars = 70
	DefaultMaxSegments  = 3
)

// Config of one gateway and its recipients.
type Config struct {
	URL          string        `yaml:"url" json:"url"`
	Token        notify.Secret `yaml:"token" json:"token"`
	Phones       []string      `yaml:"phones" json:"phones"`               // mainland mobile numbers, optionally +86
	Signature    string        `yaml:"signature" json:"signature"`         // e.g. 【某市网信办】, prepended if the gateway does not add it
	SegmentChars int           `yaml:"segment_chars" json:"segment_chars"` // 0 = 70
	MaxSegments  int           `yaml:"max_segments" json:"max_segments"`   // 0 = 3
}

var mobile = regexp.MustCompile(`^(\+?86)?1[3-9][0-9]{9}$`)

// Validate checks the configuration.
func (c Config) Validate() error {
	var errs []error
	if err := httpx.CheckURL("sms url", c.URL); err != nil {
		errs = append(errs, err)
	}
	if c.Token == "" {
		errs = append(errs, errors.New("sms token: empty"))
	}
	if len(c.Phones) == 0 {
		errs = append(errs, errors.New("sms phones: none"))
	}
	for i, p := range c.Phones {
		if !mobile.MatchString(p) {
			errs = append(errs, fmt.Errorf("sms phones[%d]: not a mobile number", i)) // no number: personal data
		}
	}
	if c.SegmentChars < 0 || c.MaxSegments < 0 {
		errs = append(errs, errors.New("sms: negative segment limits"))
	}
	return errors.Join(errs...)
}

// String shows the configuration without the token, and phone numbers
// masked (138****0000).
func (c Config) String() string {
	masked := make([]string, len(c.Phones))
	for i, p := range c.Phones {
		masked[i] = mask(p)
	}
	return fmt.Sprintf("sms{url=%s token=%s phones=[%s]}", httpx.Host(c.URL), c.Token, strings.Join(masked, " "))
}

func mask(p string) string {
	if len(p) < 8 {
		return "****"
	}
	return p[:len(p)-8] + "****" + p[len(p)-4:]
}

// Limit is the longest content, in characters.
func (c Config) Limit() int {
	seg, n := c.SegmentChars, c.MaxSegments
	if seg == 0 {
		seg = DefaultSegmentChars
	}
	if n == 0 {
		n = DefaultMaxSegments
	}
	return seg * n
}

// Content is the short text for msg: signature, drill and grade/kind
// prefix, title, then as much of the text as fits, then the console link
// if it fits whole.
func (c Config) Content(msg notify.Message) string {
	limit := c.Limit()
	head := c.Signature + notify.Subject(msg)
	tail := ""
	if msg.URL != "" {
		tail = " " + msg.URL
	}
	body := strings.Join(strings.Fields(msg.Text), " ")
	if body != "" {
		body = "：" + body
	}
	runes := func(s string) int { return len([]rune(s)) }
	if runes(head)+runes(body)+runes(tail) > limit {
		tail = "" // the link is useless cut; the text matters more
	}
	return notify.TruncateRunes(head+body+tail, limit)
}

type payload struct {
	Phones  []string `json:"phones"`
	Content string   `json:"content"`
}

// Payload is the JSON body for msg.
func (c Config) Payload(msg notify.Message) ([]byte, error) {
	return json.Marshal(payload{Phones: c.Phones, Content: c.Content(msg)})
}

// Notifier sends through one gateway.
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

// Notify sends msg. 2xx is success; 408, 425, 429 and 5xx are retried; any
// other status (401 bad token, 400 bad number, …) is permanent.
func (n *Notifier) Notify(ctx context.Context, msg notify.Message) (bool, error) {
	body, err := n.cfg.Payload(msg)
	if err != nil {
		return false, fmt.Errorf("sms: %w", err)
	}
	hdr := http.Header{}
	hdr.Set("Authorization", "Bearer "+n.cfg.Token.Reveal())
	hdr.Set("Idempotency-Key", msg.ID)
	resp, err := httpx.Post(ctx, n.client, n.cfg.URL, "application/json; charset=utf-8", body, hdr)
	if err != nil {
		return true, fmt.Errorf("sms: %w", err)
	}
	if resp.Status/100 != 2 {
		return httpx.RetryableStatus(resp.Status), fmt.Errorf("sms: %w", httpx.StatusError(resp))
	}
	return false, nil
}
