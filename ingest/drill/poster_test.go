package drill

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"yuqing/ingest"
	"yuqing/internal/event"
	"yuqing/internal/eventlog"
	"yuqing/internal/mention"
)

type sleeps struct{ got []time.Duration }

func (s *sleeps) sleep(ctx context.Context, d time.Duration) error {
	s.got = append(s.got, d)
	return ctx.Err()
}

// server answers with the statuses in turn (the last one repeats) and
// checks every request.
func server(t *testing.T, statuses ...int) (*httptest.Server, *int) {
	t.Helper()
	var mu sync.Mutex
	n := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		status := statuses[min(n, len(statuses)-1)]
		n++
		mu.Unlock()
		if r.Method != http.MethodPost || r.URL.Path != "/api/v1/mentions" || r.Header.Get("Content-Type") != "application/json" {
			t.Errorf("%s %s %s", r.Method, r.URL.Path, r.Header.Get("Content-Type"))
		}
		if got := r.Header.Get("Authorization"); got != "Bearer s3cret" {
			t.Errorf("Authorization %q", got)
		}
		var ms []mention.Mention
		body, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(body, &ms); err != nil || len(ms) != 2 || ms[0].ID != "weibo:drill-a" || !ms[1].Drill {
			t.Errorf("body %s: %v", body, err)
		}
		w.WriteHeader(status)
		switch status {
		case http.StatusOK:
			io.WriteString(w, `{"accepted":["weibo:drill-a","weibo:drill-b"]}`)
		case http.StatusUnprocessableEntity:
			io.WriteString(w, `{"accepted":[],"rejected":[{"index":1,"reason":"text and title are both empty"}]}`)
		case http.StatusUnauthorized:
			io.WriteString(w, `{"accepted":null,"error":"missing or wrong ingest token"}`)
		default:
			io.WriteString(w, `{"accepted":[],"error":"the log did not accept the batch; nothing was accepted, retry"}`)
		}
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

var two = []mention.Mention{
	{ID: "weibo:drill-a", Platform: "weibo", Text: "a", PublishedAt: testStart, Drill: true},
	{ID: "weibo:drill-b", Platform: "weibo", Text: "b", PublishedAt: testStart, Drill: true},
}

func TestPosterRetries503(t *testing.T) {
	srv, n := server(t, 503, 503, 200)
	var s sleeps
	p := NewPoster(srv.URL+"/", "s3cret", srv.Client())
	p.Sleep = s.sleep
	if err := p.Post(context.Background(), two); err != nil {
		t.Fatal(err)
	}
	if *n != 3 || len(s.got) != 2 || s.got[0] != 500*time.Millisecond || s.got[1] != time.Second {
		t.Errorf("%d attempts, sleeps %v; want 3 and [500ms 1s]", *n, s.got)
	}
}

func TestPosterGivesUp(t *testing.T) {
	srv, n := server(t, 503)
	var s sleeps
	p := NewPoster(srv.URL, "s3cret", nil)
	p.Sleep, p.Retries = s.sleep, 3
	err := p.Post(context.Background(), two)
	if err == nil || !strings.Contains(err.Error(), "503") || !strings.Contains(err.Error(), "gave up after 4 attempts") {
		t.Errorf("Post = %v", err)
	}
	if *n != 4 || len(s.got) != 3 || s.got[2] != 2*time.Second {
		t.Errorf("%d attempts, sleeps %v", *n, s.got)
	}
}

func TestPosterRetryAfter(t *testing.T) {
	var n int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n++; n == 1 {
			w.Header().Set("Retry-After", "7")
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		io.WriteString(w, `{"accepted":["weibo:drill-a","weibo:drill-b"]}`)
	}))
	defer srv.Close()
	var s sleeps
	p := NewPoster(srv.URL+"/api/v1/mentions", "s3cret", nil)
	p.Sleep = s.sleep
	if err := p.Post(context.Background(), two); err != nil || len(s.got) != 1 || s.got[0] != 7*time.Second {
		t.Errorf("Post = %v, sleeps %v; want one sleep of 7s", err, s.got)
	}
}

func TestPosterFailsOn401And422(t *testing.T) {
	srv, n := server(t, 401)
	var s sleeps
	p := NewPoster(srv.URL, "s3cret", nil)
	p.Sleep = s.sleep
	err := p.Post(context.Background(), two)
	if !errors.Is(err, ErrUnauthorized) || *n != 1 || len(s.got) != 0 {
		t.Errorf("401: Post = %v after %d attempts, sleeps %v", err, *n, s.got)
	}

	srv, n = server(t, 422)
	p = NewPoster(srv.URL, "s3cret", nil)
	p.Sleep = s.sleep
	err = p.Post(context.Background(), two)
	var rej *RejectedError
	if !errors.As(err, &rej) || *n != 1 || len(rej.Rejected) != 1 || rej.Rejected[0].ID != "weibo:drill-b" ||
		!strings.Contains(err.Error(), "rejected 1 of 1") || !strings.Contains(err.Error(), "both empty") {
		t.Errorf("422: Post = %v after %d attempts", err, *n)
	}

	if err := NewPoster("localhost:8080", "x", nil).Post(context.Background(), two); err == nil || !strings.Contains(err.Error(), "not an http(s) URL") {
		t.Errorf("bad URL: Post = %v", err)
	}
}

// memLog is an ingest.Appender that keeps what it is given.
type memLog struct {
	mu     sync.Mutex
	events map[string][]event.Envelope
}

func (l *memLog) Append(_ context.Context, topic string, evs ...event.Envelope) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.events[topic] = append(l.events[topic], evs...)
	return nil
}

// A scenario played through the real ingest handler is accepted whole.
func TestPlayIntoIngest(t *testing.T) {
	log := &memLog{events: map[string][]event.Envelope{}}
	h := &ingest.Handler{Log: log, Token: "s3cret", Now: time.Now, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	mux := http.NewServeMux()
	mux.Handle("/api/v1/mentions", h)
	srv := httptest.NewServer(mux)
	defer srv.Close()

	ms, err := Stream("flood-response", testStart, 11)
	if err != nil {
		t.Fatal(err)
	}
	c := &fakeClock{t: time.Now()}
	var last Progress
	p := &Player{Speed: 120, Post: NewPoster(srv.URL, "s3cret", srv.Client()).Post, Now: c.now, Sleep: c.sleep, Progress: func(pr Progress) { last = pr }}
	if err := p.Play(context.Background(), ms); err != nil {
		t.Fatal(err)
	}
	if last.Sent != len(ms) {
		t.Errorf("progress says %d of %d", last.Sent, len(ms))
	}
	if dead := log.events[eventlog.TopicDeadLetter]; len(dead) > 0 {
		t.Errorf("%d dead letters, the first %s", len(dead), dead[0].Payload)
	}
	got := log.events[eventlog.TopicMentions]
	if len(got) != len(ms) {
		t.Fatalf("the log holds %d mentions, want %d", len(got), len(ms))
	}
	var m mention.Mention
	if err := json.Unmarshal(got[0].Payload, &m); err != nil || m.ID != ms[0].ID || !m.Drill || !got[0].Time.Equal(c.sleepless()) {
		t.Errorf("first event %+v: %v", m, err)
	}
}

// sleepless is when play began: the fake clock less what it slept.
func (c *fakeClock) sleepless() time.Time {
	t := c.t
	for _, d := range c.sleeps {
		t = t.Add(-d)
	}
	return t.UTC()
}
