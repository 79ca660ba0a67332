package drill

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"yuqing/internal/backoff"
	"yuqing/internal/mention"
)

// ErrUnauthorized: the server refused the ingest token (401).
var ErrUnauthorized = errors.New("the server refused the ingest token (401): check the token")

// Endpoint is where mentions are posted, under a server's base URL.
const Endpoint = "/api/v1/mentions"

// Poster posts batches to a yuqing server's POST /api/v1/mentions.
type Poster struct {
	URL    string // the endpoint, e.g. http://localhost:8080/api/v1/mentions
	Token  string // the ingest token, sent as "Authorization: Bearer <token>"
	Client *http.Client
	// Retries bounds the retries of a batch the server could not take (503,
	// 502, 504) or that did not reach it (default 5); Backoff is the first
	// wait (default 500ms), doubled each time up to 10s (or up to Backoff
	// when it is longer), or the server's Retry-After when it gives one.
	Retries int
	Backoff time.Duration
	Sleep   SleepFunc // default Sleep
}

// NewPoster posts to baseURL (the server, e.g. "http://localhost:8080"; a
// URL already ending in /api/v1/mentions is taken as it is) with the ingest
// token. A nil client means http.DefaultClient.
func NewPoster(baseURL, token string, client *http.Client) *Poster {
	u := strings.TrimRight(strings.TrimSpace(baseURL), "/")
	if !strings.HasSuffix(u, Endpoint) {
		u += Endpoint
	}
	if client == nil {
		client = http.DefaultClient
	}
	return &Poster{URL: u, Token: token, Client: client}
}

// RejectedError: the server refused some or all mentions of a batch (422,
// or 200 with rejections). The refused ones are kept as dead letters there.
type RejectedError struct {
	Status   int
	Accepted int
	Rejected []Rejection
}

// Rejection is one refused mention: its index in the batch and the reason.
type Rejection struct {
	Index  int    `json:"index"`
	ID     string `json:"-"`
	Reason string `json:"reason"`
}

func (e *RejectedError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "the server rejected %d of %d mentions (%d)", len(e.Rejected), e.Accepted+len(e.Rejected), e.Status)
	for i, r := range e.Rejected {
		if i == 3 {
			fmt.Fprintf(&b, "; and %d more", len(e.Rejected)-i)
			break
		}
		fmt.Fprintf(&b, "; #%d %s: %s", r.Index, r.ID, r.Reason)
	}
	return b.String()
}

type reply struct {
	Accepted []string    `json:"accepted"`
	Rejected []Rejection `json:"rejected"`
	Error    string      `json:"error"`
}

// Post sends one batch, a JSON array, and returns when the server's log
// holds it. It retries, bounded, what may succeed later; a wrong token is
// ErrUnauthorized, refused mentions a *RejectedError.
func (p *Poster) Post(ctx context.Context, ms []mention.Mention) error {
	if len(ms) == 0 {
		return nil
	}
	if u, err := url.Parse(p.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("drill: %q is not an http(s) URL of a yuqing server", p.URL)
	}
	body, err := json.Marshal(ms)
	if err != nil {
		return fmt.Errorf("drill: encoding mentions: %w", err)
	}
	retries, first, sleep := p.Retries, p.Backoff, p.Sleep
	if retries <= 0 {
		retries = 5
	}
	if first <= 0 {
		first = 500 * time.Millisecond
	}
	wait := backoff.Backoff{Min: first, Max: max(first, 10*time.Second)}
	if sleep == nil {
		sleep = Sleep
	}
	client := p.Client
	if client == nil {
		client = http.DefaultClient
	}
	for attempt := 0; ; attempt++ {
		d, err := p.once(ctx, client, body, ms)
		if err == nil {
			return nil
		}
		if d < 0 || ctx.Err() != nil {
			return err
		}
		if attempt >= retries {
			return fmt.Errorf("%w (gave up after %d attempts)", err, attempt+1)
		}
		if d == 0 {
			d = wait.Delay(attempt + 1)
		}
		if err := sleep(ctx, d); err != nil {
			return err
		}
	}
}

// once makes one attempt. wait < 0: do not retry; 0: retry after the
// backoff; > 0: retry after that long (Retry-After).
func (p *Poster) once(ctx context.Context, client *http.Client, body []byte, ms []mention.Mention) (wait time.Duration, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.URL, bytes.NewReader(body))
	if err != nil {
		return -1, fmt.Errorf("drill: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+p.Token)
	req.Header.Set("User-Agent", "yuqing-drill")
	resp, err := client.Do(req)
	if err != nil {
		return 0, fmt.Errorf("drill: posting to %s: %w", p.URL, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	var r reply
	json.Unmarshal(raw, &r) // a body that is not ours is described below
	detail := r.Error
	if detail == "" {
		detail = strings.TrimSpace(string(raw))
		if len(detail) > 200 {
			detail = detail[:200] + "…"
		}
	}
	switch resp.StatusCode {
	case http.StatusOK:
		if len(r.Rejected) > 0 {
			return -1, fmt.Errorf("drill: %w", rejected(resp.StatusCode, r, ms))
		}
		return 0, nil
	case http.StatusUnauthorized:
		return -1, fmt.Errorf("drill: %s: %w", p.URL, ErrUnauthorized)
	case http.StatusUnprocessableEntity:
		return -1, fmt.Errorf("drill: %w", rejected(resp.StatusCode, r, ms))
	case http.StatusRequestEntityTooLarge:
		return -1, fmt.Errorf("drill: the batch of %d mentions is too large for the server (413): send smaller batches", len(ms))
	case http.StatusServiceUnavailable, http.StatusBadGateway, http.StatusGatewayTimeout:
		wait := time.Duration(0)
		if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s > 0 {
			wait = min(time.Duration(s)*time.Second, time.Minute)
		}
		return wait, fmt.Errorf("drill: the server could not take the batch (%d): %s", resp.StatusCode, detail)
	}
	return -1, fmt.Errorf("drill: the server answered %s: %s", resp.Status, detail)
}

func rejected(status int, r reply, ms []mention.Mention) *RejectedError {
	e := &RejectedError{Status: status, Accepted: len(r.Accepted), Rejected: r.Rejected}
	for i := range e.Rejected {
		if k := e.Rejected[i].Index; k >= 0 && k < len(ms) {
			e.Rejected[i].ID = ms[k].ID
		}
	}
	return e
}
