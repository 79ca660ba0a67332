package app

import (
	"context"
	"log/slog"

	"yuqing/analyze"
	"yuqing/internal/analytics"
	"yuqing/internal/analytics/chstore"
	"yuqing/internal/eventlog"
	"yuqing/internal/eventlog/kafkalog"
)

func openKafka(ctx context.Context, cfg Config, logger *slog.Logger) (eventlog.Log, error) {
	single := map[string]int{}
	for _, t := range analyze.SinglePartition {
		single[t] = 1
	}
	return kafkalog.New(ctx, kafkalog.Config{Brokers: cfg.Brokers, Partitions: cfg.Partitions, ReplicationFactor: cfg.Replication, TopicPartitions: single, ClientID: "yuqing"}, logger)
}

func openClickHouse(ctx context.Context, cfg Config, logger *slog.Logger) (analytics.Store, error) {
	return chstore.New(ctx, chstore.Config{Addr: cfg.ClickHouse, Database: cfg.CHDatabase, Username: cfg.CHUser, Password: cfg.CHPassword}, logger)
}
