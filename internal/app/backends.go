package app

import (
	"context"
	"log/slog"

	"yuqing/internal/analytics"
	"yuqing/internal/analytics/chstore"
	"yuqing/internal/eventlog"
	"yuqing/internal/eventlog/kafkalog"
)

func openKafka(ctx context.Context, cfg Config, logger *slog.Logger) (eventlog.Log, error) {
	return kafkalog.New(ctx, kafkalog.Config{Brokers: cfg.Brokers, Partitions: cfg.Partitions, ClientID: "yuqing"}, logger)
}

func openClickHouse(ctx context.Context, cfg Config, logger *slog.Logger) (analytics.Store, error) {
	return chstore.New(ctx, chstore.Config{Addr: cfg.ClickHouse, Database: cfg.CHDatabase, Username: cfg.CHUser, Password: cfg.CHPassword}, logger)
}
