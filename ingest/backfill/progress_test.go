package backfill

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestProgressString(t *testing.T) {
	for _, c := range []struct {
		p    Progress
		want string
	}{
		{Progress{Bytes: 520000, Total: 1000000, Rate: 12300, ETA: 39 * time.Second, Lines: 5200, Accepted: 5190, Rejected: 10},
			"[==========>         ] 52% 520000/1000000 12.3k/s ETA 0:39 · 5200 lines, 5190 ok, 10 rejected"},
		{Progress{Bytes: 0, Total: 1000, ETA: -1},
			"[>                   ] 0% 0/1000 0/s ETA --:-- · 0 lines, 0 ok, 0 rejected"},
		{Progress{Bytes: 3 << 30, Total: 4 << 30, Rate: 4.2e6, ETA: 2*time.Hour + 5*time.Minute + 7*time.Second},
			"[===============>    ] 75% 3221225472/4294967296 4.2M/s ETA 2:05:07 · 0 lines, 0 ok, 0 rejected"},
		{Progress{Bytes: 1000, Total: 1000, Rate: 950, Elapsed: 81 * time.Second, Done: true, Lines: 10, Accepted: 10},
			"[====================] 100% 1000/1000 950/s done in 1:21 · 10 lines, 10 ok, 0 rejected"},
		{Progress{Total: 0, Done: true}, "[====================] 100% 0/0 0/s done in 0:00 · 0 lines, 0 ok, 0 rejected"},
	} {
		if got := c.p.String(); got != c.want {
			t.Errorf("got  %q\nwant %q", got, c.want)
		}
	}
}

type buffer struct{ strings.Builder }

func TestBarThrottlesAndEnds(t *testing.T) {
	var w buffer
	bar := Bar(&w)
	p := Progress{Total: 1000000, ETA: -1}
	step := func(elapsed time.Duration, bytes int64) {
		p.Elapsed, p.Bytes = elapsed, bytes
		p.Rate = float64(bytes) / elapsed.Seconds()
		p.ETA = time.Duration(float64(p.Total-bytes) / p.Rate * float64(time.Second))
		bar(p)
	}
	step(10*time.Millisecond, 10000)   // drawn: the first
	step(100*time.Millisecond, 100000) // not: 90ms later
	step(250*time.Millisecond, 250000) // drawn
	step(300*time.Millisecond, 300000) // not
	step(500*time.Millisecond, 520000) // drawn
	p.Done, p.Bytes, p.Elapsed, p.Rate = true, 1000000, 510*time.Millisecond, 1960784
	bar(p) // drawn: the end, however soon
	bar(p) // ignored
	out := w.String()
	if !strings.HasSuffix(out, "\n") || strings.Count(out, "\n") != 1 {
		t.Fatalf("want one final newline: %q", out)
	}
	frames := strings.Split(strings.TrimSuffix(out, "\n"), "\r")[1:]
	if len(frames) != 4 {
		t.Fatalf("%d frames, want 4: %q", len(frames), frames)
	}
	re := regexp.MustCompile(`^\[(=*>? *)\] (\d+)% (\d+)/1000000 [\d.]+[kMG]?/s (ETA \d+:\d\d|done in \d+:\d\d) · \d+ lines, \d+ ok, \d+ rejected *$`)
	var pct []string
	for _, f := range frames {
		m := re.FindStringSubmatch(f)
		if m == nil || len(m[1]) != barWidth {
			t.Fatalf("frame %q does not match", f)
		}
		pct = append(pct, m[2])
	}
	if !slices.Equal(pct, []string{"1", "25", "52", "100"}) {
		t.Fatalf("percentages %v", pct)
	}
	if !strings.Contains(frames[2], "[==========>         ] 52% 520000/1000000 1.0M/s ETA 0:00") {
		t.Fatalf("frame %q", frames[2])
	}
}

// A source reports before each Read what the Runner has by then, and the
// end once.
func TestSourceReportsProgress(t *testing.T) {
	p := writeFile(t, "x.jsonl", jsonl(25, map[int]string{5: "junk"}))
	tick := now
	var got []Progress
	s := open(t, config(p, map[string]string{"batch": "10"}), Options{
		Now:      func() time.Time { tick = tick.Add(time.Second); return tick },
		Progress: func(p Progress) { got = append(got, p) },
	})
	drain(t, s)
	s.Read(context.Background())
	if len(got) != 4 {
		t.Fatalf("%d reports: %+v", len(got), got)
	}
	if got[0].Bytes != 0 || got[0].Lines != 0 || got[0].ETA != -1 || got[0].Done {
		t.Fatalf("first %+v", got[0])
	}
	if got[1].Lines != 10 || got[1].Accepted != 9 || got[1].Rejected != 1 || got[1].Rate <= 0 || got[1].ETA <= 0 {
		t.Fatalf("second %+v", got[1])
	}
	last := got[3]
	if !last.Done || last.Bytes != last.Total || last.Lines != 25 || last.Accepted != 24 || last.Rejected != 1 || last.Fraction() != 1 {
		t.Fatalf("last %+v", last)
	}
}
