package ingest

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"yuqing/ingest/normalize"
	"yuqing/internal/mention"
)

// FileStats counts what a file import did.
type FileStats struct {
	Lines    int
	Accepted int
	Rejected int
}

// ReadJSONL imports mentions, one JSON object per line, appending them in
// batches of batchSize (default 1000). A bad line becomes a dead letter
// carrying its line number; the import goes on. Progress is logged every
// 10,000 lines. It returns after the log holds everything read.
func ReadJSONL(ctx context.Context, r io.Reader, name string, log Appender, batchSize int, now func() time.Time, logger *slog.Logger) (FileStats, error) {
	if batchSize <= 0 {
		batchSize = 1000
	}
	var (
		st   FileStats
		good []mention.Mention
		bad  []mention.Rejected
	)
	flush := func() error {
		if err := Write(ctx, log, good, bad, "file:"+name, "ingest:file", now()); err != nil {
			return fmt.Errorf("%s: writing lines up to %d: %w", name, st.Lines, err)
		}
		st.Accepted += len(good)
		st.Rejected += len(bad)
		good, bad = good[:0], bad[:0]
		return nil
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), mention.MaxTextBytes*4)
	for sc.Scan() {
		st.Lines++
		line := sc.Bytes()
		if len(line) == 0 {
			continue
		}
		m, err := mention.Decode(line, now())
		if err == nil {
			normalize.Mention(&m, nil)
			err = m.Validate(now())
		}
		if err != nil {
			bad = append(bad, mention.Rejected{Index: st.Lines, Reason: fmt.Sprintf("line %d: %v", st.Lines, err), Raw: string(line)})
		} else {
			good = append(good, m)
		}
		if len(good)+len(bad) >= batchSize {
			if err := flush(); err != nil {
				return st, err
			}
		}
		if st.Lines%10000 == 0 {
			logger.Info("importing", "file", name, "lines", st.Lines, "accepted", st.Accepted, "rejected", st.Rejected)
		}
		if err := ctx.Err(); err != nil {
			return st, err
		}
	}
	if err := sc.Err(); err != nil {
		return st, fmt.Errorf("%s: reading after line %d: %w", name, st.Lines, err)
	}
	return st, flush()
}
