package source

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"yuqing/internal/event"
	"yuqing/internal/eventlog"
	"yuqing/internal/eventlog/sqlitelog"
	"yuqing/internal/mention"
)

var t0 = time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)

// fakeClock is the injected clock: Sleep advances it and returns at once.
type fakeClock struct {
	mu      sync.Mutex
	now     time.Time
	slept   []time.Duration // every positive sleep
	onSleep func(n int)     // called after each positive sleep with their count
}

func newClock() *fakeClock { return &fakeClock{now: t0} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if d <= 0 {
		return nil
	}
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.slept = append(c.slept, d)
	n, f := len(c.slept), c.onSleep
	c.mu.Unlock()
	if f != nil {
		f(n)
	}
	return ctx.Err()
}

func (c *fakeClock) sleeps() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.slept...)
}

// fakeSource serves items in batches of per; its cursor is the position.
type fakeSource struct {
	mu      sync.Mutex
	items   []mention.Mention
	per     int
	pos     int
	errs    []error // returned, in order, before any item is read
	always  error   // returned by every Read when set
	more    bool    // Batch.More
	resumed string
	reads   int
}

func (f *fakeSource) Connect(context.Context) error { return nil }
func (f *fakeSource) Close(context.Context) error   { return nil }
func (f *fakeSource) Resume(c string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	n, err := strconv.Atoi(c)
	if err != nil {
		return err
	}
	f.pos, f.resumed = n, c
	return nil
}

func (f *fakeSource) Read(context.Context) (Batch, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reads++
	if f.always != nil {
		return Batch{}, f.always
	}
	if len(f.errs) > 0 {
		err := f.errs[0]
		f.errs = f.errs[1:]
		return Batch{}, err
	}
	if f.pos >= len(f.items) {
		return Batch{}, ErrEndOfInput
	}
	end := min(f.pos+f.per, len(f.items))
	b := Batch{Mentions: append([]mention.Mention(nil), f.items[f.pos:end]...), Cursor: strconv.Itoa(end), More: f.more}
	f.pos = end
	return b, nil
}

func items(n int) []mention.Mention {
	out := make([]mention.Mention, n)
	for i := range out {
		out[i] = mention.Mention{ID: fmt.Sprintf("weibo:%d", 5000000+i), Platform: "weibo",
			Text: fmt.Sprintf("第%d条：某区自来水管网检修，部分小区停水", i), PublishedAt: t0.Add(-time.Duration(n-i) * time.Minute)}
	}
	return out
}

func openLog(t *testing.T, path string) *sqlitelog.Log {
	t.Helper()
	l, err := sqlitelog.Open(t.Context(), sqlitelog.Config{Path: path}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

// hookLog lets a test act before each append (fail it, look at the log, or
// "kill" the process).
type hookLog struct {
	Log
	before func(topic string, evs []event.Envelope) error
}

func (h *hookLog) Append(ctx context.Context, topic string, evs ...event.Envelope) error {
	if h.before != nil {
		if err := h.before(topic, evs); err != nil {
			return err
		}
	}
	return h.Log.Append(ctx, topic, evs...)
}

func replay(t *testing.T, l Log, topic string) []event.Envelope {
	t.Helper()
	var out []event.Envelope
	if err := l.Replay(context.Background(), topic, func(_ context.Context, b []eventlog.Record) error {
		for _, r := range b {
			out = append(out, r.Event)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

func mentionIDs(t *testing.T, l Log) []string {
	t.Helper()
	var ids []string
	for _, e := range replay(t, l, eventlog.TopicMentions) {
		var m mention.Mention
		if err := e.Decode(&m); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, m.ID)
	}
	return ids
}

func ofType(t *testing.T, l Log, typ string) []event.Envelope {
	var out []event.Envelope
	for _, e := range replay(t, l, Topic) {
		if e.Type == typ {
			out = append(out, e)
		}
	}
	return out
}

func newRunner(t *testing.T, l Log, clk *fakeClock, srcs map[string]Source, opt Options, cfgs ...SourceConfig) *Runner {
	t.Helper()
	reg := Registry{"fake": func(sc SourceConfig) (Source, error) { return srcs[sc.Name], nil }}
	if len(cfgs) == 0 {
		for name := range srcs {
			cfgs = append(cfgs, SourceConfig{Name: name, Type: "fake", Interval: Duration(time.Second)})
		}
	}
	opt.Clock, opt.Sleep = clk.Now, clk.Sleep
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	if opt.Seed == 0 {
		opt.Seed = 42
	}
	r, err := NewRunner(l, Config{Sources: cfgs}, reg, opt)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestCursorAdvancesOnlyAfterTheLogHasTheBatch(t *testing.T) {
	inner := openLog(t, filepath.Join(t.TempDir(), "log.db"))
	failMentions := 2 // the first two mention writes fail
	var cursors []string
	l := &hookLog{Log: inner}
	l.before = func(topic string, evs []event.Envelope) error {
		if topic == eventlog.TopicMentions && failMentions > 0 {
			failMentions--
			return errors.New("disk full")
		}
		if topic == Topic && evs[0].Type == TypeCursor {
			var c CursorEvent
			evs[0].Decode(&c)
			n, _ := strconv.Atoi(c.Cursor)
			// Everything up to the cursor must already be in the log.
			if got := len(mentionIDs(t, inner)); got != n {
				t.Errorf("cursor %s appended while the log holds %d mentions", c.Cursor, got)
			}
			cursors = append(cursors, c.Cursor)
		}
		return nil
	}
	clk := newClock()
	src := &fakeSource{items: items(5), per: 2, more: true}
	r := newRunner(t, l, clk, map[string]Source{"fake-weibo": src}, Options{})
	if err := r.Run(t.Context()); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(cursors, ","); got != "2,4,5" {
		t.Fatalf("cursor events %s, want 2,4,5", got)
	}
	if src.reads != 4 { // three batches and the end; failed writes are retried, not re-read
		t.Errorf("%d reads, want 4", src.reads)
	}
	if ids := mentionIDs(t, inner); len(ids) != 5 {
		t.Errorf("%d mentions in the log, want 5", len(ids))
	}
	c, err := Cursors(t.Context(), inner)
	if err != nil || c["fake-weibo"].Cursor != "5" {
		t.Fatalf("restored cursor %+v %v, want 5", c, err)
	}
	// Two failed writes: two backoffs, 1s and 2s with equal jitter.
	s := clk.sleeps()
	if len(s) != 2 || s[0] < 500*time.Millisecond || s[0] > time.Second || s[1] < time.Second || s[1] > 2*time.Second {
		t.Errorf("sleeps %v, want the backoffs of two write retries", s)
	}
}

// A runner killed after the log took a batch and before the cursor event
// re-reads that batch on restart. Raw duplicates appear; by mention ID every
// item is in the log exactly once.
func TestKilledBetweenWriteAndCursorRereadsTheBatch(t *testing.T) {
	path := filepath.Join(t.TempDir(), "log.db")
	all := items(10)

	// Run 1: batches [0,3) [3,6) [6,9) [9,10); killed after [3,6) is written.
	l1, err := sqlitelog.Open(t.Context(), sqlitelog.Config{Path: path}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, kill := context.WithCancel(t.Context())
	hl := &hookLog{Log: l1}
	hl.before = func(topic string, evs []event.Envelope) error {
		if topic == Topic && evs[0].Type == TypeCursor {
			var c CursorEvent
			evs[0].Decode(&c)
			if c.Cursor == "6" {
				kill() // the process dies before the cursor event is written
				return errors.New("killed")
			}
		}
		return nil
	}
	src1 := &fakeSource{items: all, per: 3, more: true}
	if err := newRunner(t, hl, newClock(), map[string]Source{"weibo-kw": src1}, Options{}).Run(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("run 1: %v, want canceled", err)
	}
	if ids := mentionIDs(t, l1); len(ids) != 6 {
		t.Fatalf("after the kill the log holds %d mentions, want 6", len(ids))
	}
	l1.Close()

	// Run 2: a new process on the same log file.
	l2 := openLog(t, path)
	src2 := &fakeSource{items: all, per: 3, more: true}
	if err := newRunner(t, l2, newClock(), map[string]Source{"weibo-kw": src2}, Options{}).Run(t.Context()); err != nil {
		t.Fatal(err)
	}
	if src2.resumed != "3" {
		t.Fatalf("run 2 resumed from %q, want 3 (the last cursor the log holds)", src2.resumed)
	}
	ids := mentionIDs(t, l2)
	count := map[string]int{}
	for _, id := range ids {
		count[id]++
	}
	if len(ids) != 13 || len(count) != 10 {
		t.Fatalf("%d raw mention events, %d distinct; want 13 raw (batch [3,6) twice) and 10 distinct", len(ids), len(count))
	}
	for i, m := range all {
		want := 1
		if i >= 3 && i < 6 {
			want = 2
		}
		if count[m.ID] != want {
			t.Errorf("%s: %d raw copies, want %d", m.ID, count[m.ID], want)
		}
	}
	// Downstream de-duplication by mention ID: exactly once.
	seen := map[string]bool{}
	var deduped []string
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			deduped = append(deduped, id)
		}
	}
	if len(deduped) != len(all) {
		t.Fatalf("%d after de-duplication, want %d", len(deduped), len(all))
	}
	for i, m := range all {
		if deduped[i] != m.ID {
			t.Fatalf("de-duplicated order %v, want the source's order", deduped)
		}
	}
	c, _ := Cursors(t.Context(), l2)
	if c["weibo-kw"].Cursor != "10" {
		t.Errorf("final cursor %q, want 10", c["weibo-kw"].Cursor)
	}
}

func TestBackoffIsExponentialWithSeededJitter(t *testing.T) {
	run := func(seed uint64) []time.Duration {
		l := openLog(t, filepath.Join(t.TempDir(), "log.db"))
		clk := newClock()
		var errs []error
		for range 7 {
			errs = append(errs, Retryable(errors.New("HTTP 502")))
		}
		src := &fakeSource{items: items(1), per: 1, more: true, errs: errs}
		opt := Options{Seed: seed, BackoffBase: time.Second, BackoffMax: 30 * time.Second}
		if err := newRunner(t, l, clk, map[string]Source{"s": src}, opt).Run(t.Context()); err != nil {
			t.Fatal(err)
		}
		return clk.sleeps()
	}
	a, b, c := run(7), run(7), run(8)
	if len(a) != 7 {
		t.Fatalf("sleeps %v, want 7 backoffs", a)
	}
	for i, d := range a {
		full := min(time.Second<<i, 30*time.Second)
		if d < full/2 || d > full {
			t.Errorf("backoff %d = %s, want in [%s, %s]", i+1, d, full/2, full)
		}
	}
	if fmt.Sprint(a) != fmt.Sprint(b) {
		t.Errorf("same seed, different jitter: %v vs %v", a, b)
	}
	if fmt.Sprint(a) == fmt.Sprint(c) {
		t.Errorf("different seeds, same jitter: %v", a)
	}

	r := newRunner(t, openLog(t, filepath.Join(t.TempDir(), "log.db")), newClock(), map[string]Source{"s": &fakeSource{}},
		Options{BackoffBase: time.Second, BackoffMax: time.Minute})
	if d := r.Backoff(1, errors.New("HTTP 404")); d < 30*time.Second || d > time.Minute {
		t.Errorf("non-retryable error backoff %s, want the maximum with jitter", d)
	}
	if d := r.Backoff(1, RetryAfter(errors.New("HTTP 429"), 10*time.Minute)); d != 10*time.Minute {
		t.Errorf("Retry-After 10m gave %s", d)
	}
}

func TestAuthFailureIsMarkedInHealth(t *testing.T) {
	l := openLog(t, filepath.Join(t.TempDir(), "log.db"))
	clk := newClock()
	ctx, cancel := context.WithCancel(t.Context())
	clk.onSleep = func(n int) {
		if n >= 3 {
			cancel()
		}
	}
	src := &fakeSource{always: Auth(errors.New("HTTP 403 from rsshub.example.gov.cn: cookie expired"))}
	r := newRunner(t, l, clk, map[string]Source{"wechat-bridge": src}, Options{BackoffMax: 10 * time.Minute, HealthEvery: time.Hour})
	if err := r.Run(ctx); !errors.Is(err, context.Canceled) {
		t.Fatal(err)
	}
	h, err := LatestHealth(t.Context(), l)
	if err != nil {
		t.Fatal(err)
	}
	got := h["wechat-bridge"]
	if got.OK || !got.AuthFailed || !strings.Contains(got.Error, "403") || got.Failures < 1 {
		t.Fatalf("health %+v, want not ok, auth_failed, the 403", got)
	}
	if got.ErrorRate != 1 || got.Attempts < 1 || got.ItemsLastHour != 0 {
		t.Fatalf("hourly figures %+v, want every attempt failed", got)
	}
	for _, d := range clk.sleeps() {
		if d < 5*time.Minute {
			t.Errorf("auth failure retried after %s, want the long backoff", d)
		}
	}
	// The state did not change between attempts: one health event, not one per attempt.
	if n := len(ofType(t, l, TypeHealth)); n != 1 {
		t.Errorf("%d health events for 3 identical failures within HealthEvery, want 1", n)
	}
}

func TestHealthIsBoundedAndCountsItems(t *testing.T) {
	l := openLog(t, filepath.Join(t.TempDir(), "log.db"))
	clk := newClock()
	src := &fakeSource{items: items(50), per: 1}
	r := newRunner(t, l, clk, map[string]Source{"forum": src}, Options{HealthEvery: 20 * time.Second},
		SourceConfig{Name: "forum", Type: "fake", Interval: Duration(time.Second)})
	if err := r.Run(t.Context()); err != nil {
		t.Fatal(err)
	}
	hs := ofType(t, l, TypeHealth)
	if len(hs) < 2 || len(hs) > 5 {
		t.Fatalf("%d health events over 50 polls 1s apart with HealthEvery 20s", len(hs))
	}
	total := 0
	var last Health
	for _, e := range hs {
		var h Health
		e.Decode(&h)
		total += h.Items
		last = h
	}
	if total != 50 {
		t.Errorf("items over health events %d, want 50", total)
	}
	if !last.Ended || !last.OK || last.LastSuccess.IsZero() {
		t.Errorf("last health %+v, want ended ok with last_success", last)
	}
	if last.LagMS <= 0 {
		t.Errorf("lag %dms, want publish→ingest lag", last.LagMS)
	}
	// 50 one-item polls a second apart, all within the hour.
	if last.ItemsLastHour != 50 || last.ErrorRate != 0 || last.Attempts < 50 {
		t.Errorf("hourly figures: %d items, %d attempts, error rate %.2f", last.ItemsLastHour, last.Attempts, last.ErrorRate)
	}
}

func TestInvalidMentionsBecomeDeadLetters(t *testing.T) {
	l := openLog(t, filepath.Join(t.TempDir(), "log.db"))
	ms := items(3)
	ms[1].Platform = "myspace"
	src := &fakeSource{items: ms, per: 3}
	if err := newRunner(t, l, newClock(), map[string]Source{"s": src}, Options{}).Run(t.Context()); err != nil {
		t.Fatal(err)
	}
	if ids := mentionIDs(t, l); len(ids) != 2 {
		t.Errorf("%d mentions, want 2", len(ids))
	}
	dl := replay(t, l, eventlog.TopicDeadLetter)
	if len(dl) != 1 {
		t.Fatalf("%d dead letters, want 1", len(dl))
	}
	var rej mention.Rejected
	dl[0].Decode(&rej)
	if !strings.Contains(rej.Reason, "myspace") || rej.Source != "s" || !strings.Contains(rej.Raw, "停水") {
		t.Errorf("dead letter %+v", rej)
	}
}

func TestRateLimits(t *testing.T) {
	b := NewBucket(2, 1) // 2/s
	at := t0
	if d := b.Reserve(at); d != 0 {
		t.Fatalf("first token waited %s", d)
	}
	if d := b.Reserve(at); d != 500*time.Millisecond {
		t.Fatalf("second token at once: wait %s, want 500ms", d)
	}
	if d := b.Reserve(at); d != time.Second {
		t.Fatalf("third token at once: wait %s, want 1s (queued behind the second)", d)
	}
	if d := b.Reserve(at.Add(10 * time.Second)); d != 0 {
		t.Fatalf("after 10s idle: wait %s", d)
	}
	var nilBucket *Bucket
	if nilBucket.Reserve(at) != 0 || NewBucket(0, 5) != nil {
		t.Fatal("unlimited rate must not wait")
	}

	// Per source: 1/10s over 4 reads of a bursty source.
	l := openLog(t, filepath.Join(t.TempDir(), "log.db"))
	clk := newClock()
	src := &fakeSource{items: items(3), per: 1, more: true}
	r := newRunner(t, l, clk, map[string]Source{"s": src}, Options{},
		SourceConfig{Name: "s", Type: "fake", Rate: Rate(0.1)})
	if err := r.Run(t.Context()); err != nil {
		t.Fatal(err)
	}
	if got := clk.Now().Sub(t0); got != 30*time.Second {
		t.Errorf("4 reads at 1/10s took %s, want 30s", got)
	}

	// Per host: two sources on one host share 1/s.
	clk = newClock()
	srcs := map[string]Source{
		"a": &fakeSource{items: items(3), per: 1, more: true},
		"b": &fakeSource{items: items(3), per: 1, more: true},
	}
	reg := Registry{"fake": func(sc SourceConfig) (Source, error) { return srcs[sc.Name], nil }}
	cfg := Config{HostRates: map[string]Rate{"rsshub.example.gov.cn": 1}, Sources: []SourceConfig{
		{Name: "a", Type: "fake", URL: "https://rsshub.example.gov.cn/weibo/user/1"},
		{Name: "b", Type: "fake", URL: "https://RSSHub.example.gov.cn/weibo/user/2"},
	}}
	r, err := NewRunner(l, cfg, reg, Options{Clock: clk.Now, Sleep: clk.Sleep, Seed: 1, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Run(t.Context()); err != nil {
		t.Fatal(err)
	}
	var waited time.Duration
	for _, d := range clk.sleeps() {
		waited += d
	}
	if waited < 7*time.Second { // 8 reads on one host at 1/s: 7 waits of at least 1s
		t.Errorf("8 reads on one host at 1/s waited %s in all", waited)
	}
}

func TestConfig(t *testing.T) {
	good := `
host_rates:
  rsshub.example.gov.cn: 2/s
sources:
  - name: weibo-pingan
    type: rss
    url: https://rsshub.example.gov.cn/weibo/user/1234567890
    platform: weibo
    interval: 5m
    rate: 10/m
  - name: weibo-kw-tingshui
    type: rss
    url: "https://rsshub.example.gov.cn/weibo/keyword/停水"
    platform: weibo
    timezone: Asia/Shanghai
`
	c, err := ParseConfig([]byte(good))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Sources) != 2 || c.Sources[0].Interval.D() != 5*time.Minute || c.Sources[0].Rate != Rate(10.0/60) ||
		c.HostRates["rsshub.example.gov.cn"] != 2 || c.Sources[0].Host() != "rsshub.example.gov.cn" {
		t.Fatalf("parsed %+v", c)
	}
	list, err := ParseConfig([]byte(`[{name: a, type: rss, url: "https://example.com/feed", interval: 90s, rate: "1/10s"}]`))
	if err != nil || len(list.Sources) != 1 || list.Sources[0].Rate != 0.1 {
		t.Fatalf("bare list: %+v %v", list, err)
	}

	bad := []struct{ yaml, want string }{
		{`[{name: a, type: rss, url: "ftp://example.com/x"}]`, "scheme must be http or https"},
		{`[{name: a, type: rss, url: "https:///x"}]`, "has no host"},
		{`[{name: a, type: rss, url: "http://a/"}, {name: a, type: rss, url: "http://b/"}]`, `source 2 ("a"): duplicate name, also source 1`},
		{`[{type: rss, url: "http://a/"}]`, "name is missing"},
		{`[{name: a, url: "http://a/"}]`, "type is missing"},
		{`[{name: a, type: rss, intervall: 5m}]`, "field intervall not found"},
		{`[{name: a, type: rss, interval: often}]`, "not a duration"},
		{`[{name: a, type: rss, rate: "fast"}]`, `rate "fast"`},
		{`[{name: a, type: rss, timezone: Mars/Olympus}]`, "timezone"},
		{``, "empty"},
	}
	for _, tc := range bad {
		_, err := ParseConfig([]byte(tc.yaml))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", tc.yaml, err, tc.want)
		}
	}

	reg := Registry{"rss": nil, "atom": nil}
	c, _ = ParseConfig([]byte(`[{name: a, type: twitter, url: "http://a/"}]`))
	if err := reg.Check(c); err == nil || !strings.Contains(err.Error(), `unknown type "twitter", want one of atom, rss`) {
		t.Errorf("unknown type: %v", err)
	}
	if _, err := NewRunner(openLog(t, filepath.Join(t.TempDir(), "l.db")), c, reg, Options{}); err == nil {
		t.Error("runner accepted an unknown type")
	}
	if got := Redact("https://wechat2rss.example.com/feed/abc.xml?k=secret123&x=1"); strings.Contains(got, "secret123") {
		t.Errorf("redacted %s", got)
	}
}

func TestErrorMarks(t *testing.T) {
	base := errors.New("HTTP 503")
	if !IsRetryable(Retryable(base)) || IsRetryable(base) || !errors.Is(Retryable(base), base) {
		t.Fatal("retryable mark")
	}
	a := Auth(errors.New("redirected to https://passport.weibo.com/visitor"))
	if !errors.Is(a, ErrAuth) || !strings.Contains(a.Error(), "passport") || Auth(nil) != nil || Retryable(nil) != nil {
		t.Fatalf("auth mark: %v", a)
	}
	if fmt.Sprint(fmt.Errorf("feed x: %w", a)) == "" || !errors.Is(fmt.Errorf("feed x: %w", a), ErrAuth) {
		t.Fatal("auth mark lost when wrapped")
	}
}

// Request headers may carry a login cookie: they are set from the YAML but
// never printed, in any form a log line or an error might take.
func TestHeadersNeverPrint(t *testing.T) {
	c, err := ParseConfig([]byte("sources:\n  - {name: board-a, type: board, url: \"https://bbs.example.gov.cn/\", headers: {Cookie: \"SESSIONID=s3cr3t\", User-Agent: \"yuqing-test\"}}\n"))
	if err != nil {
		t.Fatal(err)
	}
	h := c.Sources[0].Headers
	if h["Cookie"].Reveal() != "SESSIONID=s3cr3t" || h["User-Agent"].Reveal() != "yuqing-test" {
		t.Fatalf("headers not read: %#v", h)
	}
	js, _ := json.Marshal(c)
	for _, out := range []string{fmt.Sprint(c), fmt.Sprintf("%+v", c), fmt.Sprintf("%#v", c.Sources[0]), string(js)} {
		if strings.Contains(out, "s3cr3t") {
			t.Errorf("a header value printed: %s", out)
		}
	}
}
