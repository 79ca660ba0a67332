package app

import (
	"context"
	"log/slog"

	"yuqing/internal/analytics"
	"yuqing/internal/eventlog"
	"yuqing/internal/eventlog/kafkalog"
)

func openKafka(ctx context.Context, cfg Config, logger *slog.Logger) (eventlog.Log, error) {
	return kafkalog.New(ctx, kafkalog.Config{Brokers: cfg.Brokers, Partitions: cfg.Partitions, ClientID: "yuqing"}, logger)
}

func openClickHouse(ctx context.Context, cfg Config, logger *slog.Logger) (analytics.Store, error) {
	return nil, errNotWired
}

var errNotWired = errorString("clickhouse store: not wired yet")

type errorString string

func (e errorString) Error() string { return string(e) }
