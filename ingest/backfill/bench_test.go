package backfill

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"yuqing/ingest/source"
)

// benchRead reads a file of 20,000 mentions through the source (no log):
// the ceiling a backfill can reach.
func benchRead(b *testing.B, name, data string) {
	p := writeFile(b, name, data)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		s := open(b, config(p, nil), Options{})
		good, _ := flatten(drain(b, s))
		n += len(good)
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "mentions/s")
}

func BenchmarkReadJSONL(b *testing.B) {
	benchRead(b, "x.jsonl", jsonl(20000, nil))
}

func BenchmarkReadCSV(b *testing.B) {
	var sb strings.Builder
	sb.WriteString("id,platform,published_at,text,author_name,url,reposts\n")
	for i := range 20000 {
		fmt.Fprintf(&sb, "%d,weibo,2026-11-2%d %02d:%02d:00,\"第%d条：市区出现异味，网友称气味刺鼻，\"\"请有关部门尽快处理\"\"\",网友%d,https://weibo.com/1/%d,%d\n",
			i, 1+i%2, i%24, i%60, i, i, i, i%50)
	}
	benchRead(b, "x.csv", sb.String())
}

// BenchmarkBackfillSQLite: a 20,000-line JSONL file through the source
// Runner (batches of 1000, a cursor event after each) into the embedded
// SQLite log.
func BenchmarkBackfillSQLite(b *testing.B) {
	l := newLog(b)
	p := writeFile(b, "x.jsonl", jsonl(20000, nil))
	reg := source.Registry{}
	Register(reg)
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		n++
		sc := config(p, nil)
		sc.Name = fmt.Sprintf("history-%d", n) // a new source: from the start
		r, err := source.NewRunner(l, source.Config{Sources: []source.SourceConfig{sc}}, reg, source.Options{Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			b.Fatal(err)
		}
		if err := r.Run(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n*20000)/b.Elapsed().Seconds(), "mentions/s")
}
