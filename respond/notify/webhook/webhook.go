// Package webhook POSTs the notify.Message as JSON to any HTTP receiver,
// signed so the receiver can check origin and freshness:
//
//	X-Yuqing-Timestamp: <unix seconds>
//	X-Yuqing-Signature: sha256=<hex(HMAC-SHA256(secret, timestamp + "." + body))>
//	Idempotency-Key:    <message id>
//
// Receivers call Verify with their copy of the secret and reject stale
// timestamps, which bounds replays of a captured request to maxSkew; they
// should also dedupe on Idempotency-Key, because retries resend.
package webhook

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"yuqing/respond/notify"
	"yuqing/respond/notify/internal/httpx"
)

// Header names.
const (
	HeaderTimestamp   = "X-Yuqing-Timestamp"
	HeaderSignature   = "X-Yuqing-Signature"
	HeaderIdempotency = "Idempotency-Key"
)

// MinSecret is the shortest secret accepted.
const MinSecret = 16

// Config of one receiver.
type Config struct {
	URL    string        `yaml:"url" json:"url"`
	Secret notify.Secret `yaml:"secret" json:"secret"`
}

// Validate checks the configuration.
func (c Config) Validate() error {
	var errs []error
	if err := httpx.CheckURL("webhook url", c.URL); err != nil {
		errs = append(errs, err)
	}
	if len(c.Secret) < MinSecret {
		errs = append(errs, fmt.Errorf("webhook secret: shorter than %d bytes", MinSecret))
	}
	return errors.Join(errs...)
}

// String shows the configuration without the secret, and the URL without
// its path and query (which may carry tokens too).
func (c Config) String() string {
	return fmt.Sprintf("webhook{url=%s secret=%s}", httpx.Host(c.URL), c.Secret)
}

// Notifier posts to one receiver.
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

// Sign returns the X-Yuqing-Signature value for a timestamp header value
// and a body.
func Sign(secret, timestamp string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(timestamp))
	mac.Write([]byte("."))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// Verification failures.
var (
	ErrNoSignature  = errors.New("webhook: missing timestamp or signature")
	ErrBadTimestamp = errors.New("webhook: malformed timestamp")
	ErrStale        = errors.New("webhook: timestamp outside the allowed skew")
	ErrBadSignature = errors.New("webhook: signature mismatch")
)

// Verify checks a received request: header holds X-Yuqing-Timestamp and
// X-Yuqing-Signature, body is the raw request body (read it before
// decoding), now is the receiver's clock. A timestamp more than maxSkew
// away from now, in either direction, is rejected before the signature is
// compared; the comparison is constant-time.
func Verify(secret string, header http.Header, body []byte, now time.Time, maxSkew time.Duration) error {
	ts, sig := header.Get(HeaderTimestamp), header.Get(HeaderSignature)
	if ts == "" || sig == "" {
		return ErrNoSignature
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || sec <= 0 {
		return ErrBadTimestamp
	}
	if d := now.Sub(time.Unix(sec, 0)); d > maxSkew || d < -maxSkew {
		return ErrStale
	}
	if !strings.HasPrefix(sig, "sha256=") {
		return ErrBadSignature
	}
	if !hmac.Equal([]byte(sig), []byte(Sign(secret, ts, body))) {
		return ErrBadSignature
	}
	return nil
}

// Notify posts msg. 2xx is success; 408, 425, 429 and 5xx are retried;
// any other status is permanent.
func (n *Notifier) Notify(ctx context.Context, msg notify.Message) (bool, error) {
	body, err := json.Marshal(msg)
	if err != nil {
		return false, fmt.Errorf("webhook: %w", err)
	}
	now := time.Now
	if n.Now != nil {
		now = n.Now
	}
	ts := strconv.FormatInt(now().Unix(), 10)
	hdr := http.Header{}
	hdr.Set(HeaderTimestamp, ts)
	hdr.Set(HeaderSignature, Sign(n.cfg.Secret.Reveal(), ts, body))
	hdr.Set(HeaderIdempotency, msg.ID)
	hdr.Set("User-Agent", "yuqing-notify/1")
	resp, err := httpx.Post(ctx, n.client, n.cfg.URL, "application/json; charset=utf-8", body, hdr)
	if err != nil {
		return true, fmt.Errorf("webhook: %w", err)
	}
	if resp.Status/100 != 2 {
		return httpx.RetryableStatus(resp.Status), fmt.Errorf("webhook: %w", httpx.StatusError(resp))
	}
	return false, nil
}
