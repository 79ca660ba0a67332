package sqlitestore

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"yuqing/internal/analytics"
)

// BenchmarkPutMentions writes the analyser's batches (500 mentions, as the
// embedded log delivers them) into a store that already holds
// SQLITESTORE_BENCH_PRELOAD mentions (default 50,000), and reports
// mentions/s and the WAL pages a batch writes. The mentions are synthetic
// (random IDs, roughly increasing times, Zipf keywords and topics) unless
// SQLITESTORE_BENCH_ROWS names an analytics.db, e.g. one `yuqing bench
// e2e --data DIR` made: then its mentions are written again in the order
// they were ingested, under new IDs and later times on every pass.
//
//	go test ./internal/analytics/sqlitestore -run '^$' -bench PutMentions -benchtime 200x
func BenchmarkPutMentions(b *testing.B) {
	ctx := context.Background()
	preload := 50_000
	if v := os.Getenv("SQLITESTORE_BENCH_PRELOAD"); v != "" {
		var err error
		if preload, err = strconv.Atoi(v); err != nil {
			b.Fatal(err)
		}
	}
	rows := benchRows(b, ctx)
	s, err := Open(ctx, filepath.Join(b.TempDir(), "analytics.db"), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	const batch = 500
	gen := rowCycler{rows: rows}
	start := time.Now()
	for done := 0; done < preload; done += batch {
		if err := s.PutMentions(ctx, gen.next(batch)); err != nil {
			b.Fatal(err)
		}
	}
	if preload > 0 {
		b.Logf("preloaded %d mentions in %s (%.0f/s)", preload, time.Since(start).Round(time.Millisecond), float64(preload)/time.Since(start).Seconds())
	}
	batches := make([][]analytics.Mention, b.N)
	for i := range batches {
		batches[i] = gen.next(batch)
	}
	io0, cpu0 := procIO(), cpuTime()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := s.PutMentions(ctx, batches[i]); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "mentions/s")
	b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(b.N*batch), "CPU-µs/mention")
	if io1 := procIO(); io0 != nil && io1 != nil {
		b.ReportMetric(float64(io1["wchar"]-io0["wchar"])/float64(b.N*batch), "B-written/mention")
		b.ReportMetric(float64(io1["rchar"]-io0["rchar"])/float64(b.N*batch), "B-read/mention")
	}
}

// cpuTime is the CPU time this process has used, user and system: on a
// shared machine it varies less than the elapsed time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// procIO is this process's I/O counters (Linux), nil elsewhere: wchar and
// rchar count the bytes passed to write and read calls, SQLite's page
// writes (WAL and checkpoints) and page reads that miss its cache.
func procIO() map[string]int64 {
	raw, err := os.ReadFile("/proc/self/io")
	if err != nil {
		return nil
	}
	out := map[string]int64{}
	for _, line := range strings.Split(string(raw), "\n") {
		k, v, ok := strings.Cut(line, ": ")
		if n, err := strconv.ParseInt(v, 10, 64); ok && err == nil {
			out[k] = n
		}
	}
	return out
}

// rowCycler hands out the sample rows again and again, each pass under new
// IDs and shifted later than the last, so every mention is new and time
// goes on.
type rowCycler struct {
	rows []analytics.Mention
	i    int
	pass int
}

func (c *rowCycler) next(n int) []analytics.Mention {
	out := make([]analytics.Mention, 0, n)
	span := c.rows[len(c.rows)-1].PublishedAt.Sub(c.rows[0].PublishedAt) + time.Hour
	for len(out) < n {
		if c.i == len(c.rows) {
			c.i, c.pass = 0, c.pass+1
		}
		m := c.rows[c.i]
		c.i++
		if c.pass > 0 {
			m.ID += "-p" + strconv.Itoa(c.pass)
			if m.Topic != "" {
				m.Topic += "-p" + strconv.Itoa(c.pass)
			}
			shift := time.Duration(c.pass) * span
			m.PublishedAt, m.IngestedAt = m.PublishedAt.Add(shift), m.IngestedAt.Add(shift)
		}
		out = append(out, m)
	}
	return out
}

func benchRows(b *testing.B, ctx context.Context) []analytics.Mention {
	path := os.Getenv("SQLITESTORE_BENCH_ROWS")
	if path == "" {
		return syntheticRows(20_000)
	}
	s, err := Open(ctx, path, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	rs, err := s.db.QueryContext(ctx, `SELECT id, platform, source, url, author_id, author_name, title, text, published_ns, ingested_ns, tokens, keywords, drill, sentiment, sentiment_score, topic, schemes FROM mentions ORDER BY ingested_ns, id`)
	if err != nil {
		b.Fatal(err)
	}
	defer rs.Close()
	var out []analytics.Mention
	for rs.Next() {
		m, err := scanMention(rs)
		if err != nil {
			b.Fatal(err)
		}
		out = append(out, m)
	}
	if err := rs.Err(); err != nil {
		b.Fatal(err)
	}
	if len(out) == 0 {
		b.Fatalf("%s holds no mentions", path)
	}
	b.Logf("%d sample mentions from %s", len(out), path)
	return out
}

// syntheticRows are n analysed mentions shaped like the evaluation set's:
// short posts with random IDs, about four keywords drawn from a Zipf
// vocabulary, seven in ten in one of the few hundred topics active at the
// time, some in a monitoring scheme, published a few seconds apart with
// some disorder.
func syntheticRows(n int) []analytics.Mention {
	r := rand.New(rand.NewPCG(1, 2))
	word := func() string {
		var sb strings.Builder
		for range 2 + r.IntN(3) {
			sb.WriteRune(rune(0x4e00 + r.IntN(0x5000)))
		}
		return sb.String()
	}
	vocab := make([]string, 20_000)
	for i := range vocab {
		vocab[i] = word()
	}
	zipf := rand.NewZipf(r, 1.1, 10, uint64(len(vocab)-1))
	plats := []string{"weibo", "weibo", "weibo", "wechat", "news", "forum", "douyin"}
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	out := make([]analytics.Mention, n)
	for i := range out {
		at := t0.Add(time.Duration(i)*15*time.Second + time.Duration(r.IntN(600)-300)*time.Second)
		var text strings.Builder
		tokens := make([]string, 0, 12)
		for range 6 + r.IntN(10) {
			w := vocab[zipf.Uint64()]
			text.WriteString(w)
			tokens = append(tokens, w)
		}
		kws := make([]string, 0, 8)
		seen := map[string]bool{}
		for range r.IntN(9) {
			if w := vocab[zipf.Uint64()]; !seen[w] {
				seen[w] = true
				kws = append(kws, w)
			}
		}
		m := analytics.Mention{
			ID: fmt.Sprintf("%s:m%016x", plats[i%len(plats)], r.Uint64()), Platform: plats[i%len(plats)], Source: "bench",
			AuthorID: fmt.Sprint(r.IntN(100_000)), AuthorName: "作者", Text: text.String(),
			PublishedAt: at, IngestedAt: t0.Add(time.Duration(i) * 15 * time.Second),
			Tokens: tokens, Keywords: kws, Sentiment: []string{"neg", "neu", "pos"}[r.IntN(3)], SentimentScore: r.Float64()*2 - 1,
		}
		if r.IntN(10) < 7 {
			// topics live about two hours: the active ones are the last few hundred
			m.Topic = fmt.Sprintf("t-%d", i/480*10+r.IntN(300))
		}
		if r.IntN(10) == 0 {
			m.Schemes = []string{fmt.Sprintf("s%d", r.IntN(20))}
		}
		out[i] = m
	}
	return out
}
