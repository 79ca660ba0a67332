package app

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"yuqing/ingest/feed"
	"yuqing/ingest/source"
	"yuqing/internal/eventlog"
)

// Sources is every connector type a sources file may name.
func Sources(client *http.Client) source.Registry {
	reg := source.Registry{}
	feed.Register(reg, client)
	return reg
}

// startSources runs the configured pull sources in workers. Each source's
// cursor advances only after the log holds what it read.
func startSources(ctx context.Context, workers *group, cfg Config, log eventlog.Log, afterWrite func(string), logger *slog.Logger) error {
	sc, err := cfg.SourceConfig()
	if err != nil {
		return fmt.Errorf("sources: %w", err)
	}
	if len(sc.Sources) == 0 {
		return nil
	}
	r, err := source.NewRunner(log, sc, Sources(&http.Client{Timeout: 60 * time.Second}), source.Options{Logger: logger, AfterWrite: afterWrite})
	if err != nil {
		return fmt.Errorf("sources: %w", err)
	}
	logger.Info("pull sources starting", "sources", len(sc.Sources))
	workers.loop(ctx, logger, "pull sources", func(ctx context.Context) error {
		if err := r.Run(ctx); err != nil {
			return err
		}
		logger.Info("every pull source reached its end of input")
		<-ctx.Done()
		return ctx.Err()
	})
	return nil
}
