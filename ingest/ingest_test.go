package ingest

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"yuqing/internal/event"
	"yuqing/internal/eventlog"
	"yuqing/internal/eventlog/sqlitelog"
	"yuqing/internal/mention"
)

var now = time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)

func newLog(t *testing.T) *sqlitelog.Log {
	t.Helper()
	l, err := sqlitelog.Open(t.Context(), sqlitelog.Config{Path: filepath.Join(t.TempDir(), "log.db")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

func topic(t *testing.T, l eventlog.Log, name string) []event.Envelope {
	t.Helper()
	var out []event.Envelope
	if err := l.Replay(t.Context(), name, func(_ context.Context, b []eventlog.Record) error {
		for _, r := range b {
			out = append(out, r.Event)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

func post(t *testing.T, h http.Handler, token, body string) (*httptest.ResponseRecorder, Response) {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/api/v1/mentions", strings.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var resp Response
	json.Unmarshal(rec.Body.Bytes(), &resp)
	return rec, resp
}

func handler(l Appender) *Handler {
	return &Handler{Log: l, Token: "s3cret", Now: func() time.Time { return now }, Logger: slog.New(slog.DiscardHandler)}
}

const one = `{"id":"1","platform":"weibo","text":"化工厂附近有异味","published_at":"2026-11-23T07:00:00Z","root_id":"0"}`

func TestPostRequiresToken(t *testing.T) {
	l := newLog(t)
	h := handler(l)
	for _, tok := range []string{"", "wrong", "s3cre"} {
		rec, _ := post(t, h, tok, one)
		if rec.Code != http.StatusUnauthorized {
			t.Fatalf("token %q: status %d, want 401", tok, rec.Code)
		}
	}
	if n := len(topic(t, l, eventlog.TopicMentions)); n != 0 {
		t.Fatalf("unauthorised post stored %d events", n)
	}
}

func TestPostOneAndArray(t *testing.T) {
	l := newLog(t)
	h := handler(l)
	rec, resp := post(t, h, "s3cret", one)
	if rec.Code != http.StatusOK || len(resp.Accepted) != 1 || resp.Accepted[0] != "weibo:1" {
		t.Fatalf("status %d, resp %+v", rec.Code, resp)
	}
	rec, resp = post(t, h, "s3cret", `[`+one+`,{"id":"2","platform":"wechat","title":"通报","text":"","published_at":"2026-11-23T07:01:00Z"},{"id":"3","platform":"nowhere","text":"x","published_at":"2026-11-23T07:01:00Z"}]`)
	if rec.Code != http.StatusOK || len(resp.Accepted) != 2 || len(resp.Rejected) != 1 || resp.Rejected[0].Index != 2 {
		t.Fatalf("status %d, resp %+v", rec.Code, resp)
	}
	evs := topic(t, l, eventlog.TopicMentions)
	if len(evs) != 3 {
		t.Fatalf("log has %d mentions, want 3", len(evs))
	}
	var m mention.Mention
	if err := evs[0].Decode(&m); err != nil {
		t.Fatal(err)
	}
	if evs[0].Type != event.MentionIngested || evs[0].Key != "weibo:0" || m.Text != "化工厂附近有异味" || !evs[0].Time.Equal(m.PublishedAt) {
		t.Fatalf("event %+v mention %+v", evs[0], m)
	}
	dl := topic(t, l, eventlog.TopicDeadLetter)
	if len(dl) != 1 || !strings.Contains(string(dl[0].Payload), "nowhere") {
		t.Fatalf("dead letters: %+v", dl)
	}
}

func TestPostGarbageIsDeadLettered(t *testing.T) {
	l := newLog(t)
	rec, resp := post(t, handler(l), "s3cret", `{"id": not json`)
	if rec.Code != http.StatusUnprocessableEntity || len(resp.Accepted) != 0 {
		t.Fatalf("status %d resp %+v", rec.Code, resp)
	}
	dl := topic(t, l, eventlog.TopicDeadLetter)
	if len(dl) != 1 || !strings.Contains(string(dl[0].Payload), `not json`) {
		t.Fatalf("dead letter lost the raw payload: %+v", dl)
	}
}

type failing struct{}

func (failing) Append(context.Context, string, ...event.Envelope) error {
	return errors.New("disk full")
}

func TestPostLogFailureAcceptsNothing(t *testing.T) {
	rec, resp := post(t, handler(failing{}), "s3cret", one)
	if rec.Code != http.StatusServiceUnavailable || len(resp.Accepted) != 0 {
		t.Fatalf("status %d resp %+v", rec.Code, resp)
	}
}

// Decoded mentions are cleaned before they reach the log: markup becomes
// text, full-width becomes half-width, Traditional becomes Simplified; one
// that is empty after cleaning is a dead letter with the reason.
func TestCleanNormalisesAndRejects(t *testing.T) {
	now := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
	good := []mention.Mention{
		{ID: "1", Platform: "news", Text: "<p>城東化工廠&nbsp;異味　ＡＢＣ１２３</p>", URL: "HTTPS://News.Example.cn/a?utm_source=x&id=7", PublishedAt: now},
		{ID: "2", Platform: "forum", Text: "<br/>", PublishedAt: now},
	}
	good, bad := Clean(good, nil, now)
	if len(good) != 1 || len(bad) != 1 {
		t.Fatalf("good %+v bad %+v", good, bad)
	}
	if good[0].Text != "城东化工厂 异味 ABC123" {
		t.Errorf("text %q", good[0].Text)
	}
	if good[0].URL != "https://news.example.cn/a?id=7" {
		t.Errorf("url %q", good[0].URL)
	}
	if !strings.Contains(bad[0].Reason, "after normalisation") || !strings.Contains(bad[0].Raw, "forum") {
		t.Errorf("rejected %+v", bad[0])
	}
}
