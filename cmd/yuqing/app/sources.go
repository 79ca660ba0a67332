package app

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"time"

	"yuqing/ingest/backfill"
	"yuqing/ingest/board"
	"yuqing/ingest/feed"
	"yuqing/ingest/hotline"
	"yuqing/ingest/source"
	"yuqing/ingest/webhook"
	"yuqing/ingest/weibo"
	"yuqing/internal/eventlog"
)

// Sources is every connector type a sources file may name, on the clock
// now (nil: time.Now).
func Sources(client *http.Client, now func() time.Time) source.Registry {
	reg := source.Registry{}
	feed.Register(reg, client, now)
	weibo.Register(reg, client, now)
	board.Register(reg, client, now)
	backfill.RegisterWith(reg, backfill.Options{Now: now})
	return reg
}

// startSources runs the configured pull sources in workers. Each source's
// cursor advances only after the log holds what it read.
func startSources(ctx context.Context, workers *group, cfg Config, log eventlog.Log, now func() time.Time, afterWrite func(string), logger *slog.Logger) error {
	sc, err := cfg.SourceConfig()
	if err != nil {
		return fmt.Errorf("sources: %w", err)
	}
	if len(sc.Sources) == 0 {
		return nil
	}
	r, err := source.NewRunner(log, sc, Sources(&http.Client{Timeout: 60 * time.Second}, now), source.Options{Clock: now, Logger: logger, AfterWrite: afterWrite})
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

// startWebhooks serves the push endpoints configured under webhooks:
// mentions at POST /api/v1/hooks/{name}, work orders at
// POST /api/v1/hooks/{name}/workorders (they reach the desk through the log).
func startWebhooks(mux *http.ServeMux, cfg Config, log eventlog.Log, now func() time.Time, logger *slog.Logger) error {
	if len(cfg.Webhooks.Endpoints) == 0 {
		return nil
	}
	eps, err := cfg.Webhooks.Resolve(os.Getenv)
	if err != nil {
		return fmt.Errorf("webhooks: %w", err)
	}
	mux.Handle(webhook.Pattern, &webhook.Handler{Log: log, Endpoints: eps, MaxBody: cfg.Webhooks.MaxBodyBytes, Now: now, Logger: logger})
	mux.Handle(webhook.HotlinePattern, &webhook.HotlineHandler{Log: log, Orders: hotline.Submitter{Log: log, Now: now}, Endpoints: eps, MaxBody: cfg.Webhooks.MaxBodyBytes, Now: now, Logger: logger})
	logger.Info("push webhooks ready", "endpoints", len(eps))
	return nil
}
