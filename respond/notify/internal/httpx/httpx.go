// Package httpx holds the HTTP plumbing the notify adapters share: a POST
// whose errors never carry the request URL (webhook URLs hold keys and
// tokens), and the status-code retry classification.
package httpx

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"
)

// MaxBody is how much of a response is read.
const MaxBody = 64 << 10

// Response is what came back.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// DefaultClient returns the client to use when the caller passed nil: a
// fresh one with a timeout, never http.DefaultClient.
func DefaultClient(c *http.Client) *http.Client {
	if c != nil {
		return c
	}
	return &http.Client{Timeout: 15 * time.Second}
}

// Post sends body to rawURL. A transport error is returned without the URL
// (net/http puts the full URL, query and all, into *url.Error).
func Post(ctx context.Context, c *http.Client, rawURL, contentType string, body []byte, hdr http.Header) (*Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, rawURL, bytes.NewReader(body))
	if err != nil {
		return nil, errors.New("build request: invalid URL") // the parse error quotes the URL
	}
	for k, vs := range hdr {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	req.Header.Set("Content-Type", contentType)
	resp, err := c.Do(req)
	if err != nil {
		return nil, Scrub(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, MaxBody))
	if err != nil {
		return nil, fmt.Errorf("read response (HTTP %d): %w", resp.StatusCode, Scrub(err))
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, MaxBody)) // let the connection be reused
	return &Response{Status: resp.StatusCode, Header: resp.Header, Body: b}, nil
}

// Scrub removes the URL from a *url.Error, keeping its operation and cause.
func Scrub(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s request: %w", ue.Op, ue.Err)
	}
	return err
}

// RetryableStatus reports the HTTP statuses worth trying again: 408, 425,
// 429 and every 5xx.
func RetryableStatus(code int) bool {
	switch code {
	case http.StatusRequestTimeout, http.StatusTooEarly, http.StatusTooManyRequests:
		return true
	}
	return code >= 500
}

// StatusError is the error for a non-2xx answer, with a short excerpt of
// the body (bot and gateway error bodies say what went wrong).
func StatusError(r *Response) error {
	return fmt.Errorf("HTTP %d: %s", r.Status, Excerpt(r.Body))
}

// Excerpt is the first 200 bytes of b, for error messages.
func Excerpt(b []byte) string {
	const n = 200
	b = bytes.TrimSpace(b)
	if len(b) > n {
		return string(bytes.ToValidUTF8(b[:n], nil)) + "…"
	}
	return string(bytes.ToValidUTF8(b, nil))
}

// CheckURL validates a configured endpoint: absolute http(s) with a host.
// The error never quotes the URL.
func CheckURL(field, raw string) error {
	if raw == "" {
		return fmt.Errorf("%s: empty", field)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("%s: not a URL", field)
	}
	if u.Scheme != "https" && u.Scheme != "http" {
		return fmt.Errorf("%s: scheme must be https or http", field)
	}
	if u.Host == "" {
		return fmt.Errorf("%s: no host", field)
	}
	return nil
}

// Host is the scheme and host of a URL, for String methods.
func Host(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "?"
	}
	return u.Scheme + "://" + u.Host
}
