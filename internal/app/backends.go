package app

import (
	"context"
	"errors"
	"log/slog"

	"yuqing/internal/analytics"
	"yuqing/internal/eventlog"
)

func openKafka(ctx context.Context, cfg Config, logger *slog.Logger) (eventlog.Log, error) {
	return nil, errors.New("kafka log: not wired yet")
}

func openClickHouse(ctx context.Context, cfg Config, logger *slog.Logger) (analytics.Store, error) {
	return nil, errors.New("clickhouse store: not wired yet")
}
