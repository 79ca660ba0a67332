package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"yuqing/cmd/yuqing/app"
	"yuqing/internal/analytics"
	"yuqing/internal/eventlog"
)

// runCheck is `yuqing check --data DIR --acked FILE [serve's log and store
// flags] [--wait 2m]`: the verdict of a fault run. It reads the ids a load
// (`yuqing bench load`) recorded as acknowledged by the server, waits (up
// to --wait, replaying the analysed stream every --poll) until the
// analyser has caught up with them, and verifies that nothing acknowledged
// was lost or counted twice:
//
//   - every acknowledged id is in the log's analysed stream
//     (mention.analyzed.v1 events of the "analyzed" topic). An id with more
//     than one analysed event is reported as analysed_twice: a re-sent
//     batch the analyser recognised as a repeat (exact_id), or Kafka's
//     at-least-once redelivery. That is not an error as long as the store
//     counts the mention once;
//   - every acknowledged id is in the store: Get, one by one, on SQLite; on
//     ClickHouse, where a Get costs milliseconds, one bulk read of the
//     load's range (the row Get would return: the first write), checked
//     against Get on a sample of 1,000 spread over the load, plus Get for
//     every acknowledged id the bulk read did not find;
//   - the store counts each mention once. The store cannot filter its
//     counts by id prefix, so they are compared over the load's time range
//     R — the whole minutes from the earliest to the latest published_at of
//     the acknowledged mentions — with the mentions the check knows of:
//     S = the stored rows of every acknowledged id and of every id the
//     analysed stream holds, published in R. Unrelated mentions in the
//     same data directory are in S too (they went through the analysed
//     stream), so the comparison holds whatever else the data directory
//     holds. Compared per bucket: Counts (per minute and platform) with the
//     rows of S, the topic rollup (per topic and minute) with the rows of S
//     that have a topic, the scheme rollup with their schemes. A mismatch
//     is measured again twice (an analyser still at work races the count)
//     before it is reported.
//
// lost counts the acknowledged ids missing from the analysed stream or the
// store, plus mentions the store holds but its counts leave out (the
// largest shortfall of the three comparisons). doubled is the largest
// excess of the three comparisons: mentions counted more often than the
// store holds them (a mention counted twice shows in Counts and again in its
// topic's rollup, so the largest, not the sum). The last line on stdout is
// `acked=N lost=N doubled=N analysed_twice=N`; the command fails when lost
// or doubled is not 0, naming up to 10 offending ids (for counts, buckets).
//
// On the embedded backends the check runs beside a live `yuqing serve`
// (SQLite's WAL lets it read while the server writes).
func runCheck(ctx context.Context, args []string, stdout io.Writer, getenv func(string) string, logger *slog.Logger) error {
	var o checkOptions
	cfg, _, err := app.Load("check", args, getenv, app.Sections{Log: true, Store: true}, func(fs *flag.FlagSet) {
		fs.StringVar(&o.acked, "acked", "", "file of acknowledged mention ids, one a line (from yuqing bench load --acked)")
		fs.DurationVar(&o.wait, "wait", 2*time.Minute, "how long to wait for the analyser to catch up with the acknowledged ids")
		fs.DurationVar(&o.poll, "poll", 2*time.Second, "interval between catch-up polls")
		fs.IntVar(&o.concurrency, "concurrency", 8, "store lookups (Get) in flight")
	})
	if err != nil {
		return err
	}
	if o.acked == "" {
		return errors.New("--acked FILE is required")
	}
	log, err := app.OpenLog(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer log.Close()
	store, err := app.OpenStore(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer store.Close()
	var bulk bulkReader
	if cfg.Store == "clickhouse" {
		conn, err := openClickHouseReader(ctx, cfg)
		if err != nil {
			return err
		}
		defer conn.Close()
		bulk = clickHouseRows(conn)
	}
	res, err := checkAcked(ctx, log, store, bulk, o, stdout, logger)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "acked=%d lost=%d doubled=%d analysed_twice=%d\n", res.acked, res.lost, res.doubled, res.analysedTwice)
	if res.lost > 0 || res.doubled > 0 {
		return fmt.Errorf("%d acknowledged mentions lost, %d counted twice", res.lost, res.doubled)
	}
	return nil
}

type checkOptions struct {
	acked       string
	wait, poll  time.Duration
	concurrency int
}

type checkResult struct {
	acked, lost, doubled, analysedTwice int64
}

// analysedInfo is what the check keeps of one id's analysed events.
type analysedInfo struct {
	n, repeats int32 // analysed events; of them, recognised repeats (exact_id)
	published  time.Time
}

// readAcked reads the acked file: distinct ids in file order, and how many
// lines repeated an id.
func readAcked(path string) (ids []string, repeated int, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, fmt.Errorf("--acked: %w", err)
	}
	defer f.Close()
	seen := map[string]bool{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		id := strings.TrimSpace(sc.Text())
		if id == "" {
			continue
		}
		if seen[id] {
			repeated++
			continue
		}
		seen[id] = true
		ids = append(ids, id)
	}
	return ids, repeated, sc.Err()
}

// bulkReader reads the stored row of every mention published in [from,
// to) at once, as Get would return it; nil where Get is cheap (SQLite).
type bulkReader func(ctx context.Context, from, to time.Time) (map[string]analytics.Mention, error)

func checkAcked(ctx context.Context, log eventlog.Log, store analytics.Store, bulk bulkReader, o checkOptions, stdout io.Writer, logger *slog.Logger) (checkResult, error) {
	if o.poll <= 0 {
		o.poll = 2 * time.Second
	}
	if o.concurrency < 1 {
		o.concurrency = 1
	}
	ids, repeated, err := readAcked(o.acked)
	if err != nil {
		return checkResult{}, err
	}
	res := checkResult{acked: int64(len(ids))}
	if repeated > 0 {
		fmt.Fprintf(stdout, "note: %d lines of %s repeat an id already listed (a loader should record each id once)\n", repeated, o.acked)
	}
	deadline := time.Now().Add(o.wait)
	sleep := func() error {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(o.poll):
			return nil
		}
	}

	// 1. Catch-up: replay the analysed stream until it holds every
	// acknowledged id, or the wait is over. The analyser writes the store
	// before it appends the analysed events, so an id in the stream is in
	// the store unless the store lost it.
	var an map[string]*analysedInfo
	var undecodable int
	for {
		an, undecodable, err = replayAnalysed(ctx, log)
		if err != nil {
			if time.Now().After(deadline) {
				return res, err
			}
			logger.Warn("log not answering; retrying", "err", err)
		} else {
			absent := 0
			for _, id := range ids {
				if an[id] == nil {
					absent++
				}
			}
			if absent == 0 || time.Now().After(deadline) {
				break
			}
			logger.Info("waiting for the analyser to catch up with the acknowledged mentions", "absent", absent, "acked", len(ids), "left", time.Until(deadline).Round(time.Second))
		}
		if err := sleep(); err != nil {
			return res, err
		}
	}

	// 2. The store, and its figures against the rows it holds. Counting
	// races an analyser still at work (a row stored after the replay, or
	// before its analysed event is appended): a mismatch is measured again,
	// twice, before it is reported.
	cache := make(map[string]analytics.Mention, len(ids))
	var m measurement
	for attempt := 1; ; attempt++ {
		m, err = measure(ctx, store, bulk, ids, an, cache, o.concurrency, logger)
		if err != nil {
			return res, err
		}
		if m.excess() == 0 && m.shortfall() == 0 || attempt >= 3 {
			break
		}
		logger.Info("store counts differ from the mentions it holds; measuring again", "attempt", attempt, "excess", m.excess(), "shortfall", m.shortfall())
		if err := sleep(); err != nil {
			return res, err
		}
		if an, undecodable, err = replayAnalysed(ctx, log); err != nil {
			return res, err
		}
	}
	rows := m.rows

	// Verdict per id.
	var notAnalysed, notStored, lostIDs []string
	var repeats, redelivered int64
	for _, id := range ids {
		a := an[id]
		_, stored := rows[id]
		if a == nil {
			notAnalysed = append(notAnalysed, id)
		} else if a.n > 1 {
			res.analysedTwice++
			if a.repeats >= a.n-1 {
				repeats++
			} else {
				redelivered++
			}
		}
		if !stored {
			notStored = append(notStored, id)
		}
		if a == nil || !stored {
			lostIDs = append(lostIDs, id)
		}
	}
	res.lost = int64(len(lostIDs)) + m.shortfall()
	res.doubled = m.excess()

	fmt.Fprintf(stdout, "analysed stream: %d distinct mentions; of the %d acknowledged, %d absent\n", len(an), len(ids), len(notAnalysed))
	if undecodable > 0 {
		fmt.Fprintf(stdout, "analysed stream: %d events without a decodable mention skipped\n", undecodable)
	}
	fmt.Fprintf(stdout, "store: %d of %d acknowledged mentions stored, %d absent\n", len(ids)-len(notStored), len(ids), len(notStored))
	if m.sampled > 0 {
		fmt.Fprintf(stdout, "store rows read in bulk; %d of them compared with Get: %d differ\n", m.sampled, len(m.inconsistent))
	}
	if res.analysedTwice > 0 {
		fmt.Fprintf(stdout, "analysed more than once: %d acknowledged mentions (%d re-sent and recognised as repeats, %d analysed as new again: at-least-once redelivery); not an error when the store counts them once\n",
			res.analysedTwice, repeats, redelivered)
	}
	if m.from.IsZero() {
		fmt.Fprintln(stdout, "counts: not compared (no acknowledged mention is analysed or stored)")
	} else {
		fmt.Fprintf(stdout, "counts over [%s, %s): %d mentions known to the check stored in the range (%d of them acknowledged by this load, %d others); store Counts %d, topic rollup %d (want %d), scheme rollup %d (want %d)\n",
			m.from.Format(time.RFC3339), m.to.Format(time.RFC3339), m.known, m.knownAcked, m.known-m.knownAcked,
			m.counts.got, m.topics.got, m.topics.want, m.schemes.got, m.schemes.want)
		if m.unstored > 0 {
			fmt.Fprintf(stdout, "note: %d mentions of the analysed stream in the range (not acknowledged to this load) are not in the store\n", m.unstored)
		}
		for _, c := range []*bucketDiff{&m.counts, &m.topics, &m.schemes} {
			if c.excess > 0 || c.shortfall > 0 {
				fmt.Fprintf(stdout, "%s: store counts %d more and %d fewer than the stored mentions the check accounts for; first buckets: %s\n", c.name, c.excess, c.shortfall, strings.Join(c.examples, "; "))
			}
		}
	}
	if len(lostIDs) > 0 {
		inMentions := map[string]bool{}
		if err := replayIDs(ctx, log, eventlog.TopicMentions, lostIDs, inMentions, logger); err != nil {
			logger.Warn("could not look the lost ids up in the mentions topic", "err", err)
		}
		fmt.Fprintf(stdout, "lost: %d acknowledged mentions; first %d:\n", len(lostIDs), min(10, len(lostIDs)))
		for _, id := range lostIDs[:min(10, len(lostIDs))] {
			_, stored := rows[id]
			fmt.Fprintf(stdout, "  %s  in mentions topic: %v, analysed: %v, stored: %v\n", id, inMentions[id], an[id] != nil, stored)
		}
	}
	if len(m.inconsistent) > 0 {
		return res, fmt.Errorf("the bulk read of the store and Get disagree on %d of %d sampled mentions (first: %s): the verdict cannot be trusted",
			len(m.inconsistent), m.sampled, strings.Join(m.inconsistent[:min(10, len(m.inconsistent))], ", "))
	}
	return res, nil
}

// maxLookups bounds the ids looked up one by one beside a bulk read.
const maxLookups = 10000

// measurement is the store's side of the verdict.
type measurement struct {
	rows map[string]analytics.Mention // stored rows of the acknowledged ids
	countComparison
	sampled      int      // bulk rows compared with Get
	inconsistent []string // of them, those Get disagrees with
}

// measure reads the store's rows of the acknowledged ids (and of every
// other mention in their range) and compares its figures with them. On the
// Get path, cache keeps the rows found by earlier attempts.
func measure(ctx context.Context, store analytics.Store, bulk bulkReader, ids []string, an map[string]*analysedInfo, cache map[string]analytics.Mention, concurrency int, logger *slog.Logger) (measurement, error) {
	var m measurement
	// The load's range: whole minutes around the acknowledged mentions'
	// published_at, as the analysed stream has it, else as stored.
	var from, to time.Time
	extend := func(t time.Time) {
		if from.IsZero() || t.Before(from) {
			from = t
		}
		if t.After(to) {
			to = t
		}
	}
	for _, id := range ids {
		if a := an[id]; a != nil {
			extend(a.published)
		}
	}
	lookup := func(want []string) error {
		got, err := getRows(ctx, store, want, concurrency, logger)
		for id, r := range got {
			cache[id] = r
		}
		return err
	}
	if bulk == nil {
		var missing []string
		for _, id := range ids {
			if _, ok := cache[id]; !ok {
				missing = append(missing, id)
			}
		}
		if err := lookup(missing); err != nil {
			return m, err
		}
	} else {
		if from.IsZero() {
			if err := lookup(ids[:min(len(ids), maxLookups)]); err != nil {
				return m, err
			}
		}
		for _, r := range cache {
			extend(r.PublishedAt)
		}
		if !from.IsZero() {
			all, err := bulk(ctx, from.Truncate(time.Minute), to.Truncate(time.Minute).Add(time.Minute))
			if err != nil {
				return m, fmt.Errorf("reading the store in bulk: %w", err)
			}
			for id, r := range all {
				cache[id] = r
			}
		}
		var missing []string
		for _, id := range ids {
			if _, ok := cache[id]; !ok {
				missing = append(missing, id)
			}
		}
		if len(missing) > maxLookups {
			logger.Warn("too many acknowledged mentions absent from the bulk read to look each up: the rest count as not stored", "absent", len(missing), "looked_up", maxLookups)
			missing = missing[:maxLookups]
		}
		if err := lookup(missing); err != nil {
			return m, err
		}
		// The bulk read must agree with Get: compare a sample spread over the load.
		var sample []string
		step := max(1, len(ids)/1000)
		for i := 0; i < len(ids); i += step {
			if _, ok := cache[ids[i]]; ok {
				sample = append(sample, ids[i])
			}
		}
		got, err := getRows(ctx, store, sample, concurrency, logger)
		if err != nil {
			return m, err
		}
		m.sampled = len(sample)
		for _, id := range sample {
			g, ok := got[id]
			b := cache[id]
			if !ok || g.Topic != b.Topic || !g.PublishedAt.Equal(b.PublishedAt) || g.Platform != b.Platform || strings.Join(g.Schemes, ",") != strings.Join(b.Schemes, ",") {
				m.inconsistent = append(m.inconsistent, id)
			}
		}
	}
	m.rows = make(map[string]analytics.Mention, len(ids))
	for _, id := range ids {
		if r, ok := cache[id]; ok {
			m.rows[id] = r
			extend(r.PublishedAt)
		}
	}
	if from.IsZero() {
		return m, nil
	}
	m.from = from.Truncate(time.Minute)
	m.to = to.Truncate(time.Minute).Add(time.Minute)
	in := func(t time.Time) bool { return !t.Before(m.from) && t.Before(m.to) }

	// The other mentions of the analysed stream in the range: read in bulk
	// already, or looked up now.
	var others []string
	for id, a := range an {
		if _, ok := cache[id]; !ok && in(a.published) {
			others = append(others, id)
		}
	}
	if bulk == nil {
		if err := lookup(others); err != nil {
			return m, fmt.Errorf("reading the other mentions of the range: %w", err)
		}
	}
	for _, id := range others {
		if _, ok := cache[id]; !ok {
			m.unstored++
		}
	}
	acked := make(map[string]bool, len(ids))
	for _, id := range ids {
		acked[id] = true
	}
	var err error
	m.countComparison, err = compareCounts(ctx, store, m.from, m.to, cache, acked, m.unstored)
	return m, err
}

// getRows reads ids from the store, concurrency lookups at a time, with a
// progress line every 10 s. Ids not found are absent from the result;
// another error stops the lookups.
func getRows(ctx context.Context, store analytics.Store, ids []string, concurrency int, logger *slog.Logger) (map[string]analytics.Mention, error) {
	out := make(map[string]analytics.Mention, len(ids))
	var (
		mu      sync.Mutex
		wg      sync.WaitGroup
		firstEr error
	)
	next := make(chan string)
	for w := 0; w < concurrency; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for id := range next {
				m, err := store.Get(ctx, id)
				mu.Lock()
				switch {
				case err == nil:
					// Only what the verdict uses: a long run holds a million.
					out[id] = analytics.Mention{ID: m.ID, Platform: m.Platform, PublishedAt: m.PublishedAt, Topic: m.Topic, Schemes: m.Schemes}
				case !errors.Is(err, analytics.ErrNotFound) && firstEr == nil:
					firstEr = err
				}
				mu.Unlock()
			}
		}()
	}
	last := time.Now()
	for i, id := range ids {
		mu.Lock()
		stop := firstEr != nil
		mu.Unlock()
		if stop || ctx.Err() != nil {
			break
		}
		if time.Since(last) >= 10*time.Second {
			logger.Info("reading mentions from the store", "done", i, "of", len(ids))
			last = time.Now()
		}
		next <- id
	}
	close(next)
	wg.Wait()
	if firstEr == nil {
		firstEr = ctx.Err()
	}
	return out, firstEr
}

// replayAnalysed reads the analysed stream: per mention id, its analysed
// events and its published_at.
func replayAnalysed(ctx context.Context, log eventlog.Log) (map[string]*analysedInfo, int, error) {
	out := map[string]*analysedInfo{}
	undecodable := 0
	err := log.Replay(ctx, eventlog.TopicAnalyzed, func(_ context.Context, batch []eventlog.Record) error {
		for _, r := range batch {
			var a struct {
				Mention struct {
					ID          string    `json:"id"`
					PublishedAt time.Time `json:"published_at"`
				} `json:"mention"`
				Duplicate *struct {
					Kind string `json:"kind"`
				} `json:"duplicate"`
			}
			if err := json.Unmarshal(r.Event.Payload, &a); err != nil || a.Mention.ID == "" {
				undecodable++ // counted and reported: the analyser never writes one
				continue
			}
			x := out[a.Mention.ID]
			if x == nil {
				x = &analysedInfo{published: a.Mention.PublishedAt}
				out[a.Mention.ID] = x
			}
			x.n++
			if a.Duplicate != nil && a.Duplicate.Kind == "exact_id" {
				x.repeats++
			}
		}
		return nil
	})
	if err != nil {
		return nil, 0, fmt.Errorf("replaying the analysed stream: %w", err)
	}
	return out, undecodable, nil
}

// replayIDs marks which of ids have an event in topic (a mention payload);
// an event that does not decode is logged and skipped.
func replayIDs(ctx context.Context, log eventlog.Log, topic string, ids []string, found map[string]bool, logger *slog.Logger) error {
	want := make(map[string]bool, len(ids))
	for _, id := range ids {
		want[id] = true
	}
	return log.Replay(ctx, topic, func(_ context.Context, batch []eventlog.Record) error {
		for _, r := range batch {
			var m struct {
				ID string `json:"id"`
			}
			if err := json.Unmarshal(r.Event.Payload, &m); err != nil {
				logger.Warn("undecodable event skipped", "topic", topic, "offset", r.Offset, "err", err)
				continue
			}
			if want[m.ID] {
				found[m.ID] = true
			}
		}
		return nil
	})
}

// bucketDiff compares one of the store's figures bucket by bucket with the
// rows it holds.
type bucketDiff struct {
	name              string
	got, want         int64
	excess, shortfall int64
	examples          []string
}

func (d *bucketDiff) compare(got, want map[string]int64) {
	keys := map[string]bool{}
	for k := range got {
		keys[k] = true
	}
	for k := range want {
		keys[k] = true
	}
	sorted := make([]string, 0, len(keys))
	for k := range keys {
		sorted = append(sorted, k)
	}
	sort.Strings(sorted)
	for _, k := range sorted {
		g, w := got[k], want[k]
		d.got += g
		d.want += w
		if g == w {
			continue
		}
		if g > w {
			d.excess += g - w
		} else {
			d.shortfall += w - g
		}
		if len(d.examples) < 10 {
			d.examples = append(d.examples, fmt.Sprintf("%s counted %d, accounted for %d", k, g, w))
		}
	}
}

type countComparison struct {
	from, to                time.Time
	known, knownAcked       int64
	unstored                int64
	counts, topics, schemes bucketDiff
}

func (c countComparison) excess() int64 {
	return max(c.counts.excess, c.topics.excess, c.schemes.excess)
}

func (c countComparison) shortfall() int64 {
	return max(c.counts.shortfall, c.topics.shortfall, c.schemes.shortfall)
}

// compareCounts compares the store's Counts and rollups over [from, to)
// with the stored rows the check knows of (see runCheck).
func compareCounts(ctx context.Context, store analytics.Store, from, to time.Time, rows map[string]analytics.Mention, acked map[string]bool, unstored int64) (countComparison, error) {
	c := countComparison{from: from, to: to, unstored: unstored,
		counts: bucketDiff{name: "counts"}, topics: bucketDiff{name: "topic rollup"}, schemes: bucketDiff{name: "scheme rollup"}}
	wantCounts, wantTopics, wantSchemes := map[string]int64{}, map[string]int64{}, map[string]int64{}
	for _, m := range rows {
		if m.PublishedAt.Before(from) || !m.PublishedAt.Before(to) {
			continue
		}
		c.known++
		if acked[m.ID] {
			c.knownAcked++
		}
		minute := m.PublishedAt.Truncate(time.Minute).Format(time.RFC3339)
		wantCounts[minute+" "+m.Platform]++
		if m.Topic != "" {
			wantTopics["topic "+m.Topic+" "+minute]++
		}
		for _, s := range m.Schemes {
			wantSchemes["scheme "+s+" "+minute]++
		}
	}

	q := analytics.Query{From: from, To: to, Step: analytics.Minute}
	buckets, err := store.Counts(ctx, q)
	if err != nil {
		return c, fmt.Errorf("store counts: %w", err)
	}
	gotCounts := map[string]int64{}
	for _, b := range buckets {
		gotCounts[b.Start.UTC().Format(time.RFC3339)+" "+b.Platform] += b.Count
	}
	c.counts.compare(gotCounts, wantCounts)
	for _, r := range []struct {
		dim  analytics.Dimension
		want map[string]int64
		diff *bucketDiff
	}{{analytics.ByTopic, wantTopics, &c.topics}, {analytics.ByScheme, wantSchemes, &c.schemes}} {
		kb, err := store.Rollup(ctx, r.dim, nil, q)
		if err != nil {
			return c, fmt.Errorf("store rollup by %s: %w", r.dim, err)
		}
		got := map[string]int64{}
		for _, b := range kb {
			got[string(r.dim)+" "+b.Key+" "+b.Start.UTC().Format(time.RFC3339)] += b.Count
		}
		r.diff.compare(got, r.want)
	}
	return c, nil
}

// openClickHouseReader connects to the store's ClickHouse database for the
// bulk read (the Store interface reads one mention at a time, which takes
// hours for a long run's million mentions on ClickHouse).
func openClickHouseReader(ctx context.Context, cfg app.Config) (driver.Conn, error) {
	var addrs []string
	for _, a := range strings.Split(cfg.ClickHouse, ",") {
		if a = strings.TrimSpace(a); a != "" {
			addrs = append(addrs, a)
		}
	}
	conn, err := clickhouse.Open(&clickhouse.Options{
		Protocol:    clickhouse.Native,
		Addr:        addrs,
		Auth:        clickhouse.Auth{Database: cfg.CHDatabase, Username: cfg.CHUser, Password: cfg.CHPassword.Reveal()},
		DialTimeout: 10 * time.Second,
	})
	if err != nil {
		return nil, fmt.Errorf("connecting to ClickHouse for the bulk read: %w", err)
	}
	if err := conn.Ping(ctx); err != nil {
		conn.Close()
		return nil, fmt.Errorf("connecting to ClickHouse for the bulk read: %w", err)
	}
	return conn, nil
}

// clickHouseRows reads the mentions table of internal/analytics/chstore
// (its migrations name the columns) the way its Get does: of a mention's
// rows (a ReplacingMergeTree keeps duplicates until it merges them), the
// one with the highest ver, the first write. The check compares a sample of
// what it reads with Get, so a schema this reader no longer matches is
// reported, not trusted.
func clickHouseRows(conn driver.Conn) bulkReader {
	return func(ctx context.Context, from, to time.Time) (map[string]analytics.Mention, error) {
		rows, err := conn.Query(ctx, `SELECT id, argMax(platform, ver), argMax(published_at, ver), argMax(published_nanos, ver),
    argMax(topic, ver), argMax(schemes, ver)
FROM mentions
WHERE published_at >= toDateTime(?) AND published_at < toDateTime(?)
GROUP BY id`, from.Unix(), to.Unix())
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		out := map[string]analytics.Mention{}
		for rows.Next() {
			var (
				m     analytics.Mention
				at    time.Time
				nanos uint32
			)
			if err := rows.Scan(&m.ID, &m.Platform, &at, &nanos, &m.Topic, &m.Schemes); err != nil {
				return nil, err
			}
			m.PublishedAt = time.Unix(at.Unix(), int64(nanos)).UTC()
			if len(m.Schemes) == 0 {
				m.Schemes = nil
			}
			out[m.ID] = m
		}
		return out, rows.Err()
	}
}
