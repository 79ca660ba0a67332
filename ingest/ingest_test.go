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
	good, bad := Clean(good, nil, nil, now)
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

// Issue 13: a rejection names the item's index in the request as sent, also
// when the item fails only after normalisation and an earlier item was
// already rejected.
func TestPostRejectionIndexAfterEarlierRejection(t *testing.T) {
	l := newLog(t)
	body := `[{"id":"1","platform":"nowhere","text":"x","published_at":"2026-11-23T07:00:00Z"},` +
		`{"id":"2","platform":"weibo","text":"化工厂附近有异味","published_at":"2026-11-23T07:00:00Z"},` +
		`{"id":"3","platform":"forum","text":"<br/>","published_at":"2026-11-23T07:00:00Z"},` +
		`{"id":"4","platform":"weibo","text":"另一条","published_at":"2026-11-23T07:00:00Z"},` +
		`{"id":"5","platform":"forum","text":"<p></p>","published_at":"2026-11-23T07:00:00Z"}]`
	rec, resp := post(t, handler(l), "s3cret", body)
	if rec.Code != http.StatusOK || len(resp.Accepted) != 2 {
		t.Fatalf("status %d resp %+v", rec.Code, resp)
	}
	var got []int
	for _, r := range resp.Rejected {
		got = append(got, r.Index)
	}
	if len(got) != 3 || got[0] != 0 || got[1] != 2 || got[2] != 4 {
		t.Fatalf("rejected indexes %v, want [0 2 4]: %+v", got, resp.Rejected)
	}
	dl := topic(t, l, eventlog.TopicDeadLetter)
	idx := map[int]bool{}
	for _, e := range dl {
		var r mention.Rejected
		if err := e.Decode(&r); err != nil {
			t.Fatal(err)
		}
		idx[r.Index] = true
	}
	if len(dl) != 3 || !idx[0] || !idx[2] || !idx[4] {
		t.Fatalf("dead letter indexes %v, want 0, 2, 4", idx)
	}
}

// Issue 13: invalid UTF-8 is refused, not accepted with U+FFFD in its place.
func TestPostInvalidUTF8IsRejected(t *testing.T) {
	l := newLog(t)
	body := "[" + one + `,{"id":"2","platform":"weibo","text":"化工厂` + "\xff\xfe" + `异味","published_at":"2026-11-23T07:00:00Z"}]`
	rec, resp := post(t, handler(l), "s3cret", body)
	if rec.Code != http.StatusOK || len(resp.Accepted) != 1 || resp.Accepted[0] != "weibo:1" {
		t.Fatalf("status %d resp %+v", rec.Code, resp)
	}
	if len(resp.Rejected) != 1 || resp.Rejected[0].Index != 1 || !strings.Contains(resp.Rejected[0].Reason, "not valid UTF-8") {
		t.Fatalf("rejected %+v, want item 1 as not valid UTF-8", resp.Rejected)
	}
	for _, e := range topic(t, l, eventlog.TopicMentions) {
		if strings.Contains(string(e.Payload), "\uFFFD") || strings.Contains(string(e.Payload), `\ufffd`) {
			t.Fatalf("stored a mention with U+FFFD: %s", e.Payload)
		}
	}
	if dl := topic(t, l, eventlog.TopicDeadLetter); len(dl) != 1 || !strings.Contains(string(dl[0].Payload), "not valid UTF-8") {
		t.Fatalf("dead letters %+v", dl)
	}
}

// Issue 13: an id with a control character (NUL, other C0, DEL) is refused.
func TestPostControlCharacterInIDIsRejected(t *testing.T) {
	for _, id := range []string{`1\u0000`, `a\u0001b`, `x\u001fy`, "a\x7fb", `a\nb`, `a\tb`} {
		l := newLog(t)
		body := `{"id":"` + id + `","platform":"weibo","text":"化工厂附近有异味","published_at":"2026-11-23T07:00:00Z"}`
		rec, resp := post(t, handler(l), "s3cret", body)
		if rec.Code != http.StatusUnprocessableEntity || len(resp.Accepted) != 0 || len(resp.Rejected) != 1 || !strings.Contains(resp.Rejected[0].Reason, "control character") {
			t.Errorf("id %q: status %d resp %+v", id, rec.Code, resp)
		}
	}
}

// The cost of one request is bounded: too many items are refused before
// any is parsed or written; many bad items keep MaxRejected dead letters
// and one summary, and the answer lists MaxRejected of them.
func TestPostCostIsBounded(t *testing.T) {
	l := newLog(t)
	many := "[" + strings.Repeat("0,", MaxItems) + "0]"
	rec, resp := post(t, handler(l), "s3cret", many)
	if rec.Code != http.StatusRequestEntityTooLarge || !strings.Contains(resp.Error, "at most") {
		t.Fatalf("%d items: %d %+v", MaxItems+1, rec.Code, resp)
	}
	if dl := topic(t, l, eventlog.TopicDeadLetter); len(dl) != 0 {
		t.Fatalf("a refused request left %d dead letters", len(dl))
	}
	bad := "[" + strings.Repeat(`{"id":"x"},`, 499) + `{"id":"x"}]`
	rec, resp = post(t, handler(l), "s3cret", bad)
	if rec.Code != http.StatusUnprocessableEntity || len(resp.Rejected) != MaxRejected || resp.RejectedMore != 500-MaxRejected {
		t.Fatalf("500 bad items: %d, %d listed, %d more", rec.Code, len(resp.Rejected), resp.RejectedMore)
	}
	dl := topic(t, l, eventlog.TopicDeadLetter)
	if len(dl) != MaxRejected+1 || !strings.Contains(string(dl[MaxRejected].Payload), "400 more items") {
		t.Fatalf("%d dead letters; last %s", len(dl), dl[len(dl)-1].Payload)
	}
	if rec.Body.Len() > 64<<10 {
		t.Fatalf("answer of %d bytes", rec.Body.Len())
	}
}

// hung is a log that never answers: a broker paused.
type hung struct{}

func (hung) Append(ctx context.Context, _ string, _ ...event.Envelope) error {
	<-ctx.Done()
	return ctx.Err()
}

// A hung log holds a request no longer than the handler's timeout, and the
// answer says the truth: the batch may have been written, re-send it.
func TestPostHungLogIsBoundedAndTruthful(t *testing.T) {
	h := handler(hung{})
	h.Timeout = 20 * time.Millisecond
	rec, resp := post(t, h, "s3cret", one)
	if rec.Code != http.StatusServiceUnavailable || len(resp.Accepted) != 0 || !strings.Contains(resp.Error, "may have been written") || !strings.Contains(resp.Error, "same ids") {
		t.Fatalf("status %d resp %+v", rec.Code, resp)
	}
	rec, resp = post(t, handler(failing{}), "s3cret", one)
	if strings.Contains(resp.Error, "nothing was accepted") || !strings.Contains(resp.Error, "same ids") {
		t.Fatalf("a failed write's answer: %d %+v", rec.Code, resp)
	}
}
