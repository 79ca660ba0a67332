package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"yuqing/ingest"
	"yuqing/internal/event"
	"yuqing/internal/eventlog"
	"yuqing/internal/mention"
)

// memLog is an in-memory log for the real ingest handler: it counts how
// often each mention ID was appended.
type memLog struct {
	mu       sync.Mutex
	mentions map[string]int
	dead     int
}

func (l *memLog) Append(_ context.Context, topic string, evs ...event.Envelope) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, e := range evs {
		switch topic {
		case eventlog.TopicMentions:
			var m mention.Mention
			if err := json.Unmarshal(e.Payload, &m); err != nil {
				return err
			}
			l.mentions[m.ID]++
		case eventlog.TopicDeadLetter:
			l.dead++
		}
	}
	return nil
}

// faultyIngest is the real ingest handler behind a front that, by request
// number, drops the connection before the handler runs, answers 503, or
// lets the handler write to the log and then drops the connection so the
// answer is lost. It records every id each request carried.
type faultyIngest struct {
	h    *ingest.Handler
	log  *memLog
	n    atomic.Int64
	mu   sync.Mutex
	seen map[string]int // mention ID -> requests that carried it
}

func newFaultyIngest(token string) *faultyIngest {
	l := &memLog{mentions: map[string]int{}}
	return &faultyIngest{
		log:  l,
		seen: map[string]int{},
		h:    &ingest.Handler{Log: l, Token: token, Now: time.Now, Logger: slog.New(slog.DiscardHandler)},
	}
}

func drop(t *testing.T, w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		t.Errorf("hijack: %v", err)
		return
	}
	conn.Close()
}

func (f *faultyIngest) handler(t *testing.T) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			t.Errorf("reading request: %v", err)
			return
		}
		var items []struct {
			ID       string `json:"id"`
			Platform string `json:"platform"`
		}
		if err := json.Unmarshal(body, &items); err != nil {
			t.Errorf("request is not a JSON array: %v", err)
		}
		f.mu.Lock()
		for _, it := range items {
			f.seen[it.Platform+":"+it.ID]++
		}
		f.mu.Unlock()
		r.Body = io.NopCloser(strings.NewReader(string(body)))
		switch f.n.Add(1) % 6 {
		case 1: // refused before anything happened
			drop(t, w)
		case 3: // the log is down
			http.Error(w, `{"accepted":[],"error":"log down"}`, http.StatusServiceUnavailable)
		case 4: // written to the log, answer lost
			f.h.ServeHTTP(httptest.NewRecorder(), r)
			drop(t, w)
		default:
			f.h.ServeHTTP(w, r)
		}
	})
}

// readLines returns the lines of an acked file.
func readLines(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		out = append(out, sc.Text())
	}
	return out
}

func testLoadConfig(url, acked string) loadConfig {
	return loadConfig{
		to: url, token: "secret-token", acked: acked,
		rate: 4000, duration: 500 * time.Millisecond, grace: time.Minute,
		batch: 50, prefix: "t", concurrency: 4, timeout: 10 * time.Second,
		progress: time.Hour, minBackoff: time.Millisecond, maxBackoff: 10 * time.Millisecond,
	}
}

// Some requests are refused, some fail with 503, some are written but
// their answer is lost: every acknowledged id is recorded once, every
// failed batch is re-sent with the same ids until acknowledged, and items
// the server rejects are counted but never recorded.
func TestLoadRetriesSameIDsAndRecordsEachAckOnce(t *testing.T) {
	f := newFaultyIngest("secret-token")
	srv := httptest.NewServer(f.handler(t))
	defer srv.Close()
	acked := filepath.Join(t.TempDir(), "acked.txt")
	c := testLoadConfig(srv.URL, acked)
	c.invalidEvery = 7
	var stderr strings.Builder
	st, err := runLoad(t.Context(), c, &stderr)
	if err != nil {
		t.Fatalf("load: %v\n%s", err, stderr.String())
	}
	t.Logf("%s (%d requests)", st.line(), f.n.Load())
	sent, ack, rej := st.sent.Load(), st.acked.Load(), st.rejected.Load()
	if sent == 0 || st.unacked != 0 || ack+rej != sent {
		t.Fatalf("sent %d = acked %d + rejected %d + unacked %d does not hold, or something is unacknowledged", sent, ack, rej, st.unacked)
	}
	if st.retries.Load() == 0 {
		t.Fatal("no retries although a third of the requests failed")
	}

	lines := readLines(t, acked)
	if int64(len(lines)) != ack {
		t.Fatalf("acked file has %d lines, the loader counted %d acknowledged", len(lines), ack)
	}
	inFile := map[string]bool{}
	for _, id := range lines {
		if inFile[id] {
			t.Errorf("%s recorded twice", id)
		}
		inFile[id] = true
	}
	// Exactly the ids the log holds were acknowledged: a batch written but
	// unanswered was re-sent with the same ids and acknowledged then.
	f.log.mu.Lock()
	defer f.log.mu.Unlock()
	rewritten := 0
	for id, n := range f.log.mentions {
		if !inFile[id] {
			t.Errorf("%s is in the log but was never recorded as acknowledged", id)
		}
		if n > 1 {
			rewritten++
		}
	}
	for id := range inFile {
		if f.log.mentions[id] == 0 {
			t.Errorf("%s recorded as acknowledged but not in the log", id)
		}
	}
	if rewritten == 0 {
		t.Error("no batch was written twice: the lost-answer case was not exercised")
	}
	// Retries re-sent the same ids: the server saw exactly the ids generated.
	f.mu.Lock()
	defer f.mu.Unlock()
	if int64(len(f.seen)) != sent {
		t.Fatalf("the server saw %d distinct ids, the loader sent %d mentions", len(f.seen), sent)
	}
	resent, invalid := 0, int64(0)
	for id, n := range f.seen {
		if n > 1 {
			resent++
		}
		seq, err := strconv.ParseInt(id[strings.LastIndexByte(id, '-')+1:], 10, 64)
		if err != nil || !strings.Contains(id, ":t-") || seq >= sent {
			t.Errorf("unexpected id %q", id)
		}
		if seq%7 == 6 {
			invalid++
			if inFile[id] {
				t.Errorf("%s is invalid (empty text) but was recorded as acknowledged", id)
			}
		}
	}
	if resent == 0 {
		t.Error("no id was sent twice")
	}
	if rej != invalid || invalid == 0 {
		t.Errorf("loader counted %d rejected, %d invalid mentions were sent", rej, invalid)
	}
	if f.log.dead == 0 {
		t.Error("no dead letter: the invalid mentions did not reach validation")
	}
}

// SIGINT (ctx cancelled) while requests are in flight: no new batch is
// sent, the in-flight ones finish and their acknowledgements are recorded.
func TestLoadInterruptRecordsInFlightAcks(t *testing.T) {
	l := &memLog{mentions: map[string]int{}}
	h := &ingest.Handler{Log: l, Token: "secret-token", Now: time.Now, Logger: slog.New(slog.DiscardHandler)}
	started := make(chan struct{}, 100)
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		started <- struct{}{}
		<-release
		h.ServeHTTP(w, r)
	}))
	defer srv.Close()
	defer func() {
		select {
		case <-release:
		default:
			close(release)
		}
	}()
	acked := filepath.Join(t.TempDir(), "acked.txt")
	c := testLoadConfig(srv.URL, acked)
	c.duration = time.Hour
	ctx, cancel := context.WithCancel(t.Context())
	type result struct {
		st  *loadStats
		err error
	}
	done := make(chan result, 1)
	go func() {
		st, err := runLoad(ctx, c, io.Discard)
		done <- result{st, err}
	}()
	for range c.concurrency {
		<-started // every worker holds a request the server has not answered
	}
	cancel()
	close(release)
	r := <-done
	if r.err != nil {
		t.Fatal(r.err)
	}
	st := r.st
	want := int64(c.concurrency * c.batch)
	if st.sent.Load() != want || st.acked.Load() != want || st.unacked != 0 {
		t.Fatalf("%s: want the %d in-flight mentions sent and acknowledged, nothing more", st.line(), want)
	}
	if lines := readLines(t, acked); int64(len(lines)) != want {
		t.Fatalf("acked file has %d lines, want %d", len(lines), want)
	}
}

// A wrong token cannot be fixed by retrying: the load stops with an error.
func TestLoadStopsOnWrongToken(t *testing.T) {
	f := newFaultyIngest("another-token")
	srv := httptest.NewServer(f.h)
	defer srv.Close()
	acked := filepath.Join(t.TempDir(), "acked.txt")
	c := testLoadConfig(srv.URL, acked)
	c.duration = time.Hour
	st, err := runLoad(t.Context(), c, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "token") {
		t.Fatalf("load with a wrong token: %v", err)
	}
	if st.acked.Load() != 0 || len(readLines(t, acked)) != 0 {
		t.Fatalf("%s: nothing can be acknowledged with a wrong token", st.line())
	}
}

// Every generated mention is valid and its ID is what the server names it.
func TestLoadMentionsAreValid(t *testing.T) {
	g := newMentionGen("load-1", 0)
	now := time.Now()
	texts := map[string]bool{}
	for seq := int64(0); seq < 300; seq++ {
		it := g.next(seq, now)
		m, err := mention.Decode(it.raw, now)
		if err != nil {
			t.Fatalf("mention %d: %v\n%s", seq, err, it.raw)
		}
		if m.ID != it.id {
			t.Fatalf("mention %d: server names it %q, the loader %q", seq, m.ID, it.id)
		}
		texts[m.Text] = true
	}
	if len(texts) < 250 {
		t.Fatalf("only %d distinct texts in 300 mentions", len(texts))
	}
}
