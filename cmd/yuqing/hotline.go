package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"yuqing/cmd/yuqing/app"
	"yuqing/ingest/hotline"
)

// importOrders is `yuqing ingest --hotline FILE`: a 12345 or message-board
// export becomes mentions and submitted work orders; rows that cannot be
// read go to dead letters with their row number and reason.
func importOrders(ctx context.Context, cfg app.Config, path, channel string, stdout io.Writer, logger *slog.Logger) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("opening work orders: %w", err)
	}
	defer f.Close()
	opts := hotline.Options{Channel: channel}
	var recs []hotline.Record
	var bad []hotline.Rejected
	switch strings.ToLower(filepath.Ext(path)) {
	case ".xlsx":
		st, err := f.Stat()
		if err != nil {
			return err
		}
		recs, bad, err = hotline.ReadXLSX(f, st.Size(), opts)
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
	case ".json":
		b, err := io.ReadAll(f)
		if err != nil {
			return err
		}
		if recs, bad, err = hotline.ParseJSONWith(b, opts); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
	default:
		if recs, bad, err = hotline.ReadCSV(f, opts); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
	}
	log, err := app.OpenLog(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer log.Close()
	ids, err := hotline.Submit(ctx, log, recs, bad, "hotline:"+filepath.Base(path), "ingest:hotline", time.Now())
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: %d work orders submitted, %d rows rejected to dead letters\n", path, len(ids), len(recs)+len(bad)-len(ids))
	return nil
}
