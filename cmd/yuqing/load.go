package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"yuqing/internal/backoff"

	"yuqing/cmd/yuqing/app"
	"yuqing/ingest"
)

// loadConfig is what `yuqing bench load` runs with.
type loadConfig struct {
	to           string        // the ingest endpoint (a base URL gets /api/v1/mentions)
	token        string        // bearer ingest token
	rate         float64       // mentions a second
	duration     time.Duration // how long new mentions are generated
	grace        time.Duration // after duration: how long unacknowledged batches are still retried
	acked        string        // file the acknowledged ids are appended to
	batch        int           // mentions a request
	prefix       string        // native ids are prefix-seq
	concurrency  int           // requests in flight
	timeout      time.Duration // one request
	invalidEvery int           // every Nth mention is invalid on purpose (0: none)
	progress     time.Duration // progress lines on stderr

	client     *http.Client     // tests replace it
	now        func() time.Time // tests replace it
	minBackoff time.Duration
	maxBackoff time.Duration
}

// runBenchLoad is `yuqing bench load`: a steady stream of realistic
// mentions POSTed to a running server, recording every id the server
// acknowledged in --acked (fsynced per batch) so that `yuqing check` can
// prove afterwards that none of them was lost or counted twice. A request
// that fails (connection refused while the server is down, a 5xx, a
// timeout) is sent again with the same ids, with backoff, until it is
// acknowledged or --duration plus --grace has passed: ids are idempotent,
// re-sending is harmless. SIGINT stops generating, lets the requests in
// flight finish and records their acknowledgements.
//
// Progress goes to stderr every --progress; the last line on stdout is
// `sent=N acked=N rejected=N retries=N unacked=N rate=N/s`: every mention
// sent ends acknowledged, rejected by the server's validation (never
// expected), or unacknowledged (retrying stopped); retries counts requests
// sent again; rate is acknowledged mentions a second from the start to the
// last acknowledgement. While every worker waits on a server that is down,
// no new mentions are made and the run does not catch up afterwards.
func runBenchLoad(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	c := loadConfig{}
	fs := flag.NewFlagSet("yuqing bench load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.to, "to", "", "server base URL (http://127.0.0.1:8080) or the full ingest URL")
	fs.StringVar(&c.token, "token", "", "ingest token (default: YUQING_INGEST_TOKEN)")
	fs.Float64Var(&c.rate, "rate", 1000, "mentions a second")
	fs.DurationVar(&c.duration, "duration", time.Minute, "how long to generate new mentions")
	fs.DurationVar(&c.grace, "grace", 2*time.Minute, "after --duration, how long unacknowledged batches are still retried")
	fs.StringVar(&c.acked, "acked", "", "file the acknowledged mention ids are appended to, one a line (fsynced per batch)")
	fs.IntVar(&c.batch, "batch", 100, fmt.Sprintf("mentions a request (at most %d)", ingest.MaxItems))
	fs.StringVar(&c.prefix, "prefix", "", "prefix of the native ids (default: load-<unix time>)")
	fs.IntVar(&c.concurrency, "concurrency", 4, "requests in flight")
	fs.DurationVar(&c.timeout, "timeout", 60*time.Second, "timeout of one request (the server waits up to 30 s for its log)")
	fs.IntVar(&c.invalidEvery, "invalid-every", 0, "make every Nth mention invalid on purpose (empty text): the server rejects it, it is counted as rejected and never expected (0: none)")
	fs.DurationVar(&c.progress, "progress", 10*time.Second, "interval of the progress lines on stderr")
	if err := app.ParseFlags(fs, args); err != nil {
		return err
	}
	if c.token == "" {
		c.token = getenv("YUQING_INGEST_TOKEN")
	}
	if c.prefix == "" {
		c.prefix = fmt.Sprintf("load-%d", time.Now().Unix())
	}
	st, err := runLoad(ctx, c, stderr)
	if st != nil {
		fmt.Fprintln(stdout, st.line())
	}
	return err
}

// loadStats are the counters of a load run. Every generated mention that
// was sent ends as exactly one of acked, rejected or unacked.
type loadStats struct {
	sent, acked, rejected, retries atomic.Int64
	unacked                        int64
	start, lastAck                 time.Time
	mu                             sync.Mutex
}

func (s *loadStats) line() string {
	s.mu.Lock()
	el := s.lastAck.Sub(s.start).Seconds()
	s.mu.Unlock()
	rate := 0.0
	if el > 0 {
		rate = float64(s.acked.Load()) / el
	}
	return fmt.Sprintf("sent=%d acked=%d rejected=%d retries=%d unacked=%d rate=%d/s",
		s.sent.Load(), s.acked.Load(), s.rejected.Load(), s.retries.Load(), s.unacked, int64(math.Round(rate)))
}

// loadItem is one generated mention: id is the mention ID the server will
// name it by (platform:native), raw its JSON as sent, every time.
type loadItem struct {
	id  string
	raw []byte
}

// ackFile appends acknowledged ids and fsyncs after each batch.
type ackFile struct {
	mu sync.Mutex
	f  *os.File
}

func (a *ackFile) record(ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	var b bytes.Buffer
	for _, id := range ids {
		b.WriteString(id)
		b.WriteByte('\n')
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if _, err := a.f.Write(b.Bytes()); err != nil {
		return err
	}
	return a.f.Sync()
}

// lockedWriter serialises the progress and retry lines of the workers.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// errLoadFatal marks an answer retrying cannot fix (a wrong token, a batch
// the server refuses as too large).
var errLoadFatal = errors.New("fatal answer")

func runLoad(ctx context.Context, c loadConfig, stderr io.Writer) (*loadStats, error) {
	switch {
	case c.to == "":
		return nil, errors.New("--to URL is required")
	case c.token == "":
		return nil, errors.New("an ingest token is required: --token or YUQING_INGEST_TOKEN")
	case c.acked == "":
		return nil, errors.New("--acked FILE is required")
	case c.rate <= 0:
		return nil, errors.New("--rate must be positive")
	case c.batch < 1 || c.batch > ingest.MaxItems:
		return nil, fmt.Errorf("--batch must be in 1..%d", ingest.MaxItems)
	case c.concurrency < 1:
		return nil, errors.New("--concurrency must be at least 1")
	case c.duration <= 0:
		return nil, errors.New("--duration must be positive")
	}
	if !strings.Contains(strings.TrimPrefix(strings.TrimPrefix(c.to, "http://"), "https://"), "/api/") {
		c.to = strings.TrimRight(c.to, "/") + "/api/v1/mentions"
	}
	if c.now == nil {
		c.now = time.Now
	}
	stderr = &lockedWriter{w: stderr}
	if c.client == nil {
		c.client = &http.Client{Timeout: c.timeout, Transport: &http.Transport{MaxIdleConnsPerHost: c.concurrency}}
	}
	if c.minBackoff <= 0 {
		c.minBackoff = 100 * time.Millisecond
	}
	if c.maxBackoff <= 0 {
		c.maxBackoff = 5 * time.Second
	}
	if c.progress <= 0 {
		c.progress = 10 * time.Second
	}
	f, err := os.OpenFile(c.acked, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("--acked: %w", err)
	}
	defer f.Close()
	acks := &ackFile{f: f}

	st := &loadStats{start: c.now()}
	st.lastAck = st.start
	// Generation stops at the end of --duration or on SIGINT; retries go on
	// until --grace after it, unless interrupted. Requests in flight are not
	// cancelled by SIGINT: their answers are recorded.
	genCtx, stopGen := context.WithTimeout(ctx, c.duration)
	defer stopGen()
	retryUntil := st.start.Add(c.duration + c.grace)
	fatalCtx, fatal := context.WithCancelCause(context.Background())
	defer fatal(nil)

	gen := newMentionGen(c.prefix, c.invalidEvery)
	per := min(c.batch, max(1, int(c.rate)))
	// A worker takes the first seq of a batch and makes the batch when it
	// takes it, so published_at is when the batch is first sent.
	batches := make(chan int64)
	var inflight atomic.Int64
	var wg sync.WaitGroup
	var unacked atomic.Int64
	for w := 0; w < c.concurrency; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for first := range batches {
				now := c.now()
				b := make([]loadItem, per)
				for i := range b {
					b[i] = gen.next(first+int64(i), now)
				}
				left, err := c.deliver(ctx, fatalCtx, b, st, acks, retryUntil, stderr)
				if errors.Is(err, errLoadFatal) {
					fatal(err)
				}
				unacked.Add(int64(left))
				inflight.Add(-1)
			}
		}()
	}

	// Progress.
	progDone := make(chan struct{})
	go func() {
		t := time.NewTicker(c.progress)
		defer t.Stop()
		var last int64
		for {
			select {
			case <-progDone:
				return
			case <-t.C:
				a := st.acked.Load()
				fmt.Fprintf(stderr, "load: %s sent=%d acked=%d rejected=%d retries=%d in_flight_batches=%d rate=%.0f/s\n",
					c.now().Sub(st.start).Round(time.Second), st.sent.Load(), a, st.rejected.Load(), st.retries.Load(), inflight.Load(),
					float64(a-last)/c.progress.Seconds())
				last = a
			}
		}
	}()

	// Pacing: mention seq is due at origin + seq/rate. A batch goes out
	// when a whole one is due (at least one a second). A run that fell more
	// than a second behind (every worker blocked on a server that is down)
	// does not catch up in a burst: the debt is dropped.
	origin := st.start
	var seq int64
pace:
	for genCtx.Err() == nil && fatalCtx.Err() == nil {
		due := int64(c.now().Sub(origin).Seconds() * c.rate)
		if behind := due - seq; float64(behind) > c.rate+float64(per) {
			origin = origin.Add(time.Duration(float64(behind-int64(per)) / c.rate * float64(time.Second)))
			continue
		}
		if due < seq+int64(per) {
			at := origin.Add(time.Duration(float64(seq+int64(per)) / c.rate * float64(time.Second)))
			select {
			case <-genCtx.Done():
				break pace
			case <-fatalCtx.Done():
				break pace
			case <-time.After(max(at.Sub(c.now()), time.Millisecond)):
			}
			continue
		}
		select {
		case batches <- seq:
			seq += int64(per)
			inflight.Add(1)
		case <-genCtx.Done():
			break pace
		case <-fatalCtx.Done():
			break pace
		}
	}
	close(batches)
	wg.Wait()
	close(progDone)
	st.unacked = unacked.Load()
	if err := context.Cause(fatalCtx); err != nil {
		return st, err
	}
	return st, nil
}

// deliver sends one batch until every item is acknowledged or rejected,
// re-sending the items not yet answered with their same ids. It returns how
// many were left unacknowledged (retrying stopped: past retryUntil, SIGINT,
// or a fatal answer).
func (c loadConfig) deliver(ctx, fatalCtx context.Context, items []loadItem, st *loadStats, acks *ackFile, retryUntil time.Time, stderr io.Writer) (int, error) {
	st.sent.Add(int64(len(items)))
	bo := backoff.Backoff{Min: c.minBackoff, Max: c.maxBackoff, Jitter: 0.5}
	retry := 0 // retries since the last progress
	for attempt := 0; ; attempt++ {
		if attempt > 0 {
			if ctx.Err() != nil {
				return len(items), ctx.Err()
			}
			if fatalCtx.Err() != nil {
				return len(items), nil
			}
			retry++
			if !c.now().Add(bo.Delay(retry)).Before(retryUntil) {
				return len(items), nil
			}
			st.retries.Add(1)
			sleep := bo.Next(retry, nil)
			select {
			case <-time.After(sleep):
			case <-fatalCtx.Done():
				return len(items), nil
			}
		}
		acked, rejected, left, err := c.post(items)
		if err != nil && errors.Is(err, errLoadFatal) {
			return len(items), err
		}
		if len(acked) > 0 {
			if werr := acks.record(acked); werr != nil {
				return len(items), fmt.Errorf("%w: recording acknowledged ids in %s: %v", errLoadFatal, c.acked, werr)
			}
			st.acked.Add(int64(len(acked)))
			st.mu.Lock()
			st.lastAck = c.now()
			st.mu.Unlock()
		}
		st.rejected.Add(int64(rejected))
		if err != nil && attempt == 0 {
			fmt.Fprintf(stderr, "load: %d mentions not acknowledged (%v): retrying with the same ids\n", len(left), err)
		}
		if len(left) == 0 {
			return 0, nil
		}
		if len(left) < len(items) {
			retry = 0 // progress: the rest is retried promptly
		}
		items = left
	}
}

// post sends items once. It returns the ids the server acknowledged (as it
// named them), how many items it rejected, and the items without an answer.
func (c loadConfig) post(items []loadItem) (acked []string, rejected int, left []loadItem, err error) {
	var body bytes.Buffer
	body.WriteByte('[')
	for i, it := range items {
		if i > 0 {
			body.WriteByte(',')
		}
		body.Write(it.raw)
	}
	body.WriteByte(']')
	req, err := http.NewRequest(http.MethodPost, c.to, &body)
	if err != nil {
		return nil, 0, items, fmt.Errorf("%w: %v", errLoadFatal, err)
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.client.Do(req)
	if err != nil {
		return nil, 0, items, err
	}
	defer resp.Body.Close()
	b, rerr := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	switch {
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return nil, 0, items, fmt.Errorf("%w: %s: wrong ingest token", errLoadFatal, resp.Status)
	case resp.StatusCode == http.StatusRequestEntityTooLarge:
		return nil, 0, items, fmt.Errorf("%w: %s: %s (use a smaller --batch)", errLoadFatal, resp.Status, bytes.TrimSpace(b))
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		return nil, 0, items, fmt.Errorf("%s", resp.Status)
	case resp.StatusCode/100 != 2 && resp.StatusCode != http.StatusUnprocessableEntity:
		return nil, 0, items, fmt.Errorf("%w: %s: %s", errLoadFatal, resp.Status, bytes.TrimSpace(b))
	}
	if rerr != nil {
		return nil, 0, items, fmt.Errorf("reading the answer: %w", rerr)
	}
	var r ingest.Response
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, 0, items, fmt.Errorf("answer %s is not JSON: %w", resp.Status, err)
	}
	return matchAnswer(items, r)
}

// matchAnswer sorts items into acknowledged, rejected and unanswered by the
// server's answer. Rejected items are named by index; accepted ones by the
// ID the server gave them, in request order. When the answer accounts for
// every item one by one, the accepted IDs are matched by position (the
// server's name is recorded, whatever normalisation it applied); otherwise
// by the ID the item was generated with.
func matchAnswer(items []loadItem, r ingest.Response) (acked []string, rejected int, left []loadItem, err error) {
	rej := make(map[int]bool, len(r.Rejected))
	lastListed := -1
	for _, x := range r.Rejected {
		if x.Index >= 0 && x.Index < len(items) {
			rej[x.Index] = true
			lastListed = max(lastListed, x.Index)
		}
	}
	if r.RejectedMore == 0 && len(r.Accepted)+len(rej) == len(items) {
		k := 0
		for i := range items {
			if rej[i] {
				rejected++
				continue
			}
			acked = append(acked, r.Accepted[k])
			k++
		}
		return acked, rejected, nil, nil
	}
	accepted := make(map[string]bool, len(r.Accepted))
	for _, id := range r.Accepted {
		accepted[id] = true
	}
	for i, it := range items {
		switch {
		case accepted[it.id]:
			acked = append(acked, it.id)
		case rej[i] || (r.RejectedMore > 0 && i > lastListed):
			// Past the listed rejections, the server counts the rest
			// without naming them: an unnamed item after the last listed
			// one that was not accepted was rejected.
			rejected++
		default:
			left = append(left, it)
		}
	}
	if len(left) > 0 {
		err = fmt.Errorf("answer left %d of %d items neither accepted nor rejected", len(left), len(items))
	}
	return acked, rejected, left, err
}

// mentionGen makes realistic mentions: Chinese text from a few templates ×
// places × numbers, on weibo, news and forum, published now, with unique
// ids prefix-seq.
type mentionGen struct {
	prefix       string
	invalidEvery int
}

func newMentionGen(prefix string, invalidEvery int) *mentionGen {
	return &mentionGen{prefix: prefix, invalidEvery: invalidEvery}
}

var (
	loadPlaces = []string{"城东区", "临江区", "高新区", "西湖街道", "阳光小区", "东港化工厂", "市第一中学", "滨河路", "南站", "青山镇", "人民医院", "开发区"}
	loadThings = []string{"化工厂", "自来水", "垃圾站", "工地", "幼儿园食堂", "地铁施工", "小区电梯", "菜市场", "污水处理厂", "公交线路"}
	loadTexts  = []string{
		"%[1]s附近%[2]s传出刺鼻异味，已有%[3]d位居民反映头晕恶心，希望有关部门尽快检测并公布结果",
		"【%[1]s%[2]s事件】网传%[3]d人受伤送医，记者从应急管理局获悉，相关部门已赶赴现场处置",
		"%[1]s的%[2]s问题拖了%[3]d天还没解决，12345打了好几次电话，到底有没有人管？",
		"%[1]s%[2]s夜间施工噪音扰民，凌晨%[3]d点还在作业，居民多次投诉无果",
		"转发：%[1]s%[2]s停水已经%[3]d个小时了，物业和供水公司互相推诿，老人孩子怎么办",
		"%[1]s回应%[2]s相关情况：经核查，涉及%[3]d户居民，已成立工作专班逐户走访",
		"听说%[1]s%[2]s要拆迁，补偿标准每平方米%[3]d元，有没有知情人出来说说",
		"%[1]s%[2]s发生安全事故，现场浓烟滚滚，目击者称约有%[3]d辆消防车赶到",
	}
	loadTitles    = []string{"%[1]s%[2]s情况通报", "关于%[1]s%[2]s问题的调查", "%[1]s：%[2]s引发关注", "%[1]s%[2]s最新进展"}
	loadPlatforms = []string{"weibo", "news", "forum"}
)

// next returns mention seq, published at now.
func (g *mentionGen) next(seq int64, now time.Time) loadItem {
	h := uint64(seq)*0x9E3779B97F4A7C15 + 1
	pick := func(n int) int { h ^= h >> 29; h *= 0xBF58476D1CE4E5B9; return int(h % uint64(n)) }
	platform := loadPlatforms[seq%int64(len(loadPlatforms))]
	native := fmt.Sprintf("%s-%d", g.prefix, seq)
	place, thing, n := loadPlaces[pick(len(loadPlaces))], loadThings[pick(len(loadThings))], 1+pick(500)
	m := map[string]any{
		"id":           native,
		"platform":     platform,
		"text":         fmt.Sprintf(loadTexts[pick(len(loadTexts))], place, thing, n),
		"published_at": now.UTC().Format(time.RFC3339Nano),
		"author":       map[string]any{"id": fmt.Sprintf("u%d", pick(5000)), "name": fmt.Sprintf("网友%04d", pick(10000))},
		"metrics":      map[string]any{"reposts": pick(200), "comments": pick(100), "likes": pick(1000)},
	}
	switch platform {
	case "news":
		m["title"] = fmt.Sprintf(loadTitles[pick(len(loadTitles))], place, thing)
		m["url"] = "https://news.example.gov.cn/load/" + native + ".html"
	case "forum":
		m["url"] = "https://bbs.example.gov.cn/thread/" + native
	}
	if g.invalidEvery > 0 && seq%int64(g.invalidEvery) == int64(g.invalidEvery)-1 {
		m["text"], m["title"] = "", "" // rejected: text and title are both empty
	}
	raw, _ := json.Marshal(m)
	return loadItem{id: platform + ":" + native, raw: raw}
}
