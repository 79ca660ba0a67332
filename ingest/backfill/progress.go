package backfill

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// Progress is how far a file source is. Bytes and Lines are positions in
// the file (a resumed source starts where its cursor was); Accepted,
// Rejected, Elapsed and the rates count this run only.
type Progress struct {
	Source   string
	Bytes    int64 // read, up to the cursor
	Total    int64 // the file's size when it was opened
	Lines    int
	Accepted int // mentions handed to the Runner
	Rejected int // lines that became dead letters
	Elapsed  time.Duration
	Rate     float64       // bytes per second
	PerSec   float64       // mentions (accepted and rejected) per second
	ETA      time.Duration // at Rate; -1 when unknown
	Done     bool          // the end of the file
}

// Fraction is Bytes/Total, 1 for an empty file.
func (p Progress) Fraction() float64 {
	if p.Total <= 0 {
		return 1
	}
	return min(float64(p.Bytes)/float64(p.Total), 1)
}

// barWidth is the width of the bar between the brackets.
const barWidth = 20

// String is the progress bar line:
//
//	[==========>         ] 52% 520000/1000000 12.3k/s ETA 0:40 · 5200 lines, 5190 ok, 10 rejected
//
// the rate in bytes per second; "done in 1:21" instead of the ETA at the
// end.
func (p Progress) String() string {
	f := p.Fraction()
	full := int(f * barWidth)
	var b strings.Builder
	b.WriteByte('[')
	b.WriteString(strings.Repeat("=", full))
	if full < barWidth {
		b.WriteByte('>')
		b.WriteString(strings.Repeat(" ", barWidth-full-1))
	}
	fmt.Fprintf(&b, "] %d%% %d/%d %s/s ", int(f*100), p.Bytes, p.Total, si(p.Rate))
	switch {
	case p.Done:
		b.WriteString("done in " + clock(p.Elapsed))
	case p.ETA < 0:
		b.WriteString("ETA --:--")
	default:
		b.WriteString("ETA " + clock(p.ETA))
	}
	fmt.Fprintf(&b, " · %d lines, %d ok, %d rejected", p.Lines, p.Accepted, p.Rejected)
	return b.String()
}

// si writes x with a k, M or G suffix: 950, 12.3k, 4.1M.
func si(x float64) string {
	switch {
	case x < 1000:
		return fmt.Sprintf("%.0f", x)
	case x < 1e6:
		return fmt.Sprintf("%.1fk", x/1e3)
	case x < 1e9:
		return fmt.Sprintf("%.1fM", x/1e6)
	}
	return fmt.Sprintf("%.1fG", x/1e9)
}

// clock writes d as m:ss, or h:mm:ss from an hour.
func clock(d time.Duration) string {
	s := int64(d.Round(time.Second) / time.Second)
	if s >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
	}
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}

// BarInterval is the least time between two lines Bar draws.
const BarInterval = 200 * time.Millisecond

// Bar returns a Progress callback that draws the progress on w as one line
// updated in place (a carriage return before each), at most every
// BarInterval of the progress's own Elapsed, and the final line, ended by a
// newline, when Done. Calls after that are ignored. It is safe for
// concurrent use.
func Bar(w io.Writer) func(Progress) {
	var (
		mu      sync.Mutex
		drawn   bool
		done    bool
		last    time.Duration
		lastLen int
	)
	return func(p Progress) {
		mu.Lock()
		defer mu.Unlock()
		if done || drawn && !p.Done && p.Elapsed-last < BarInterval {
			return
		}
		line := p.String()
		n := len([]rune(line))
		pad := ""
		if n < lastLen {
			pad = strings.Repeat(" ", lastLen-n) // wipe the rest of a longer line
		}
		end := ""
		if p.Done {
			end = "\n"
		}
		fmt.Fprintf(w, "\r%s%s%s", line, pad, end)
		drawn, done, last, lastLen = true, p.Done, p.Elapsed, n
	}
}

// snapshot is the source's progress now.
func (s *Source) snapshot(done bool) Progress {
	p := Progress{
		Source: s.name, Bytes: s.cur.Offset, Total: s.size, Lines: s.cur.Line,
		Accepted: s.accepted, Rejected: s.rejected, Elapsed: s.now().Sub(s.start), ETA: -1, Done: done,
	}
	if sec := p.Elapsed.Seconds(); sec > 0 {
		p.Rate = float64(p.Bytes-s.startOffset) / sec
		p.PerSec = float64(p.Accepted+p.Rejected) / sec
	}
	if done {
		p.ETA = 0
	} else if p.Rate > 0 {
		p.ETA = time.Duration(float64(max(p.Total-p.Bytes, 0)) / p.Rate * float64(time.Second))
	}
	return p
}

// report calls the Progress callback, once more with done at the end.
func (s *Source) report(done bool) {
	if s.progress == nil || s.reportedDone {
		return
	}
	s.reported = true
	s.reportedDone = done
	s.progress(s.snapshot(done))
}
