package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"yuqing/cmd/yuqing/app"
	"yuqing/respond/auth"
	"yuqing/respond/console"
)

// runBenchE2E is `yuqing bench e2e`: a whole server in this process (the
// configured log and store, every role), mentions posted over HTTP as a
// source would, a console on the websocket. It prints the sustained rate
// from the first POST until the analyser has handled the last mention (read
// from the server's own /metrics), and the time from a mention's acceptance
// to the alert it raised arriving on the console.
func runBenchE2E(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	var in string
	var repeat, batch, conc, consoles int
	var rate float64
	var timeout time.Duration
	var verbose bool
	var cpuprofile string
	cfg, fs, err := app.Load("bench e2e", args, getenv, app.AllSections, func(fs *flag.FlagSet) {
		fs.StringVar(&in, "in", "", "JSONL mentions: the ingest API's fields, or {id, platform, time, text} as in the evaluation sets")
		fs.IntVar(&repeat, "repeat", 1, "post the input this many times, IDs suffixed and times shifted after the previous copy")
		fs.IntVar(&batch, "batch", 200, "mentions per POST")
		fs.IntVar(&conc, "concurrency", 4, "POSTs in flight")
		fs.IntVar(&consoles, "consoles", 1, "signed-in console websockets watching for alerts (each is timed)")
		fs.Float64Var(&rate, "rate", 0, "post at most this many mentions per second (0: as fast as the server takes them)")
		fs.DurationVar(&timeout, "timeout", 30*time.Minute, "give up when analysis has not caught up by then")
		fs.BoolVar(&verbose, "v", false, "show the server's log")
		fs.StringVar(&cpuprofile, "cpuprofile", "", "write a CPU profile of the run (server and client) here")
	})
	if err != nil {
		return err
	}
	if in == "" || repeat < 1 || batch < 1 || batch > 10000 || conc < 1 || consoles < 1 || rate < 0 {
		return errors.New("usage: yuqing bench e2e --in mentions.jsonl [--repeat N] [--batch 200] [--concurrency 4] [--consoles 1] [--rate 0] [--data DIR | serve's log and store flags]")
	}
	dataSet := false
	fs.Visit(func(f *flag.Flag) { dataSet = dataSet || f.Name == "data" })
	if !dataSet && getenv("YUQING_DATA") == "" {
		dir, err := os.MkdirTemp("", "yuqing-bench-e2e-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		cfg.Data = dir
	}
	items, err := benchItems(in, repeat)
	if err != nil {
		return err
	}
	pace := "as fast as taken"
	if rate > 0 {
		pace = fmt.Sprintf("at %.0f/s", rate)
	}
	fmt.Fprintf(stderr, "bench e2e: %d mentions (%s ×%d) posted %s, batches of %d, %d in flight, %d console(s), log=%s store=%s data=%s\n", len(items), filepath.Base(in), repeat, pace, batch, conc, consoles, cfg.Log, cfg.Store, cfg.Data)

	// A console account for the bench's websocket.
	const user, password = "bench-e2e", "压测专用-口令-2026-长"
	quiet := slog.New(slog.DiscardHandler)
	if verbose {
		quiet = slog.New(slog.NewTextHandler(stderr, nil))
	}
	lg, err := app.OpenLog(ctx, cfg, quiet)
	if err != nil {
		return err
	}
	if _, err := auth.CreateUser(ctx, lg, user, "压测", password, []string{auth.RoleDutyOfficer}, "bench"); err != nil && !strings.Contains(err.Error(), "exists") && !strings.Contains(err.Error(), "已存在") {
		lg.Close()
		return err
	}
	lg.Close()

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	sctx, stop := context.WithCancel(ctx)
	defer stop()
	served := make(chan error, 1)
	go func() { served <- app.Run(sctx, cfg, app.Options{Listener: ln, Logger: quiet}) }()
	base := "http://" + ln.Addr().String()
	startWait := time.Now()
	for {
		if resp, err := http.Get(base + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		select {
		case err := <-served:
			return fmt.Errorf("server stopped before it was ready: %v", err)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	fmt.Fprintf(stderr, "bench e2e: server ready in %v\n", time.Since(startWait).Round(time.Millisecond))
	secret := func(name string) (string, error) {
		b, err := os.ReadFile(filepath.Join(cfg.Data, "secrets", name))
		return strings.TrimSpace(string(b)), err
	}
	ingestToken, err := secret("ingest.token")
	if cfg.IngestToken != "" {
		ingestToken, err = cfg.IngestToken.Reveal(), nil
	}
	if err != nil {
		return err
	}
	metricsToken, err := secret("metrics.token")
	if cfg.MetricsToken != "" {
		metricsToken, err = cfg.MetricsToken.Reveal(), nil
	}
	if err != nil {
		return err
	}
	analysed0, err := scrapeCounter(base, metricsToken, `yuqing_consumed_records_total{group="analyze",topic="mentions"}`)
	if err != nil {
		return err
	}

	// The consoles: every one signed in, each arrival of an alert timed.
	cookie, err := benchSignIn(base, user, password)
	if err != nil {
		return err
	}
	type arrival struct {
		at       time.Time
		evidence []string
	}
	var (
		mu       sync.Mutex
		accepted = make(map[string]time.Time, len(items))
		alerts   [][]arrival // per console
		dropped  atomic.Value
		garbled  atomic.Value // the first console frame that did not decode
		wsURL    = "ws" + strings.TrimPrefix(base, "http") + "/api/v1/console"
		received atomic.Int64
	)
	alerts = make([][]arrival, consoles)
	for i := range consoles {
		ws, _, err := websocket.DefaultDialer.DialContext(ctx, wsURL, http.Header{"Origin": {base}, "Cookie": {cookie}})
		if err != nil {
			return fmt.Errorf("console websocket %d of %d: %w", i+1, consoles, err)
		}
		defer ws.Close()
		go func() {
			for {
				_, b, err := ws.ReadMessage()
				if err != nil {
					dropped.Store(err.Error())
					return
				}
				received.Add(1)
				if !bytes.Contains(b, []byte(`"alert.raised.v1"`)) {
					continue
				}
				at := time.Now()
				var m console.Message
				if err := json.Unmarshal(b, &m); err != nil {
					garbled.CompareAndSwap(nil, err.Error()) // fails the run at the end
					continue
				}
				for _, d := range m.All() {
					if d.Event.Type != "alert.raised.v1" {
						continue
					}
					var a struct {
						Evidence []string `json:"evidence"`
					}
					_ = json.Unmarshal(d.Event.Payload, &a)
					mu.Lock()
					alerts[i] = append(alerts[i], arrival{at, a.Evidence})
					mu.Unlock()
				}
			}
		}()
	}
	if consoles > 1 {
		fmt.Fprintf(stderr, "bench e2e: %d consoles connected\n", consoles)
	}

	stopProfile, err := cpuProfile(cpuprofile)
	if err != nil {
		return err
	}
	defer stopProfile()

	// Post.
	start := time.Now()
	batches := make(chan []json.RawMessage)
	var posted, rejected atomic.Int64
	var postErr atomic.Value
	var wg sync.WaitGroup
	client := &http.Client{Timeout: time.Minute}
	for range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range batches {
				ids, bad, err := benchPost(client, base, ingestToken, b)
				if err != nil {
					postErr.Store(err)
					continue
				}
				now := time.Now()
				mu.Lock()
				for _, id := range ids {
					accepted[id] = now
				}
				mu.Unlock()
				posted.Add(int64(len(ids)))
				rejected.Add(int64(bad))
			}
		}()
	}
	go func() {
		defer close(batches)
		for i := 0; i < len(items); i += batch {
			if rate > 0 { // paced: batch i is due at start + i/rate
				if d := time.Until(start.Add(time.Duration(float64(i) / rate * float64(time.Second)))); d > 0 {
					select {
					case <-ctx.Done():
						return
					case <-time.After(d):
					}
				}
			}
			batches <- items[i:min(i+batch, len(items))]
		}
	}()
	postDone := make(chan struct{})
	go func() { wg.Wait(); close(postDone) }()

	// Wait for the analyser, reading its count from /metrics.
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	lastReport := time.Now()
	var postedFor time.Duration
	postsOver := false
	var analysed float64
	deadline := time.Now().Add(timeout)
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case err := <-served:
			return fmt.Errorf("server stopped: %v", err)
		case <-postDone:
			if !postsOver {
				postsOver, postedFor = true, time.Since(start)
			}
			postDone = nil
		case <-tick.C:
		}
		n, err := scrapeCounter(base, metricsToken, `yuqing_consumed_records_total{group="analyze",topic="mentions"}`)
		if err == nil {
			analysed = n - analysed0
		}
		if time.Since(lastReport) >= 10*time.Second {
			el := time.Since(start).Seconds()
			fmt.Fprintf(stderr, "bench e2e: %.0fs posted %d analysed %.0f (%.0f/s)\n", el, posted.Load(), analysed, analysed/el)
			lastReport = time.Now()
		}
		if postsOver && analysed >= float64(posted.Load()) {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("analysis had not caught up after %v: posted %d, analysed %.0f", timeout, posted.Load(), analysed)
		}
	}
	total := time.Since(start)
	if e, ok := postErr.Load().(error); ok {
		fmt.Fprintf(stderr, "bench e2e: some POSTs failed (their mentions were not counted): %v\n", e)
	}
	// Give the console a moment for the last alerts, then measure.
	time.Sleep(time.Second)
	mu.Lock()
	var lat []float64
	nAlerts, short := 0, 0
	for i, as := range alerts {
		if i == 0 {
			nAlerts = len(as)
		}
		if len(as) < len(alerts[0]) {
			short++
		}
		for _, a := range as {
			var last time.Time
			for _, id := range a.evidence {
				if t, ok := accepted[id]; ok && t.After(last) {
					last = t
				}
			}
			if !last.IsZero() {
				lat = append(lat, a.at.Sub(last).Seconds()*1000)
			}
		}
	}
	mu.Unlock()
	if short > 0 {
		fmt.Fprintf(stderr, "bench e2e: %d of %d consoles saw fewer alerts than the first\n", short, consoles)
	}
	slices.Sort(lat)
	if g, ok := garbled.Load().(string); ok {
		return fmt.Errorf("a console frame did not decode: %s", g)
	}
	if d, ok := dropped.Load().(string); ok && !strings.Contains(d, "close 1000") {
		fmt.Fprintf(stderr, "bench e2e: the console connection ended during the run (%s): alert latencies cover what arrived\n", d)
	}
	n := float64(posted.Load())
	fmt.Fprintf(stdout, "mentions=%d rejected=%d post_s=%.1f total_s=%.1f ingest_accepted_per_s=%.0f consoles=%d console_messages=%d alerts=%d alert_latency_p50_ms=%.0f alert_latency_p99_ms=%.0f\n",
		posted.Load(), rejected.Load(), postedFor.Seconds(), total.Seconds(), n/postedFor.Seconds(), consoles, received.Load(), nAlerts, quantile(lat, 0.5), quantile(lat, 0.99))
	fmt.Fprintf(stdout, "e2e_mentions_per_s=%.0f\n", n/total.Seconds())
	stop()
	if err := <-served; err != nil && !errors.Is(err, context.Canceled) {
		return fmt.Errorf("server: %w", err)
	}
	return nil
}

func quantile(sorted []float64, q float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(len(sorted)-1, int(q*float64(len(sorted))))]
}

// benchItems reads the mentions as the ingest API takes them; an evaluation
// set's {time} becomes published_at and its gold label is dropped. Copies
// after the first get an ID suffix and times shifted past the previous copy
// (wrapping around before they would be in the future).
func benchItems(path string, repeat int) ([]json.RawMessage, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var rows []map[string]any
	var first, last time.Time
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for line := 1; sc.Scan(); line++ {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		var r map[string]any
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			return nil, fmt.Errorf("%s line %d: %w", path, line, err)
		}
		if _, ok := r["published_at"]; !ok {
			r["published_at"] = r["time"]
		}
		delete(r, "time")
		delete(r, "event")
		t, err := time.Parse(time.RFC3339, fmt.Sprint(r["published_at"]))
		if err != nil {
			return nil, fmt.Errorf("%s line %d: published_at: %w", path, line, err)
		}
		if first.IsZero() || t.Before(first) {
			first = t
		}
		if t.After(last) {
			last = t
		}
		rows = append(rows, r)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("%s has no mentions", path)
	}
	span := last.Sub(first) + time.Hour
	// The API refuses a mention dated in the future: copies that would be
	// wrap around to the earlier spans (their IDs stay distinct).
	spans := max(1, int(time.Since(last)/span)+1)
	out := make([]json.RawMessage, 0, len(rows)*repeat)
	for k := range repeat {
		for _, r := range rows {
			c := r
			if k > 0 {
				c = make(map[string]any, len(r))
				for key, v := range r {
					c[key] = v
				}
				c["id"] = fmt.Sprint(r["id"]) + "-r" + strconv.Itoa(k)
				t, _ := time.Parse(time.RFC3339, fmt.Sprint(r["published_at"]))
				c["published_at"] = t.Add(time.Duration(k%spans) * span).Format(time.RFC3339)
			}
			b, err := json.Marshal(c)
			if err != nil {
				return nil, err
			}
			out = append(out, b)
		}
	}
	return out, nil
}

// benchPost posts one batch; it returns the accepted mention IDs.
func benchPost(c *http.Client, base, token string, batch []json.RawMessage) ([]string, int, error) {
	body, err := json.Marshal(batch)
	if err != nil {
		return nil, 0, err
	}
	req, _ := http.NewRequest(http.MethodPost, base+"/api/v1/mentions", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		return nil, 0, err
	}
	defer resp.Body.Close()
	var out struct {
		Accepted     []string `json:"accepted"`
		Rejected     []any    `json:"rejected"`
		RejectedMore int      `json:"rejected_more"`
		Error        string   `json:"error"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != http.StatusOK {
		return nil, 0, fmt.Errorf("POST /api/v1/mentions: %d %s %v", resp.StatusCode, out.Error, err)
	}
	return out.Accepted, len(out.Rejected) + out.RejectedMore, nil
}

func benchSignIn(base, user, password string) (string, error) {
	body, _ := json.Marshal(map[string]string{"username": user, "password": password})
	resp, err := http.Post(base+"/api/v1/login", "application/json", bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || len(resp.Cookies()) == 0 {
		b, _ := io.ReadAll(resp.Body)
		return "", fmt.Errorf("signing in the bench's console: %d %s", resp.StatusCode, b)
	}
	return resp.Cookies()[0].Name + "=" + resp.Cookies()[0].Value, nil
}

// scrapeCounter reads one sample from the server's /metrics (0 if absent).
func scrapeCounter(base, token, sample string) (float64, error) {
	req, _ := http.NewRequest(http.MethodGet, base+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("/metrics: %d", resp.StatusCode)
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<16), 1<<20)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), sample+" "); ok {
			return strconv.ParseFloat(strings.TrimSpace(v), 64)
		}
	}
	return 0, sc.Err()
}
