package app

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"yuqing/analyze"
	"yuqing/analyze/alert"
	"yuqing/ingest"
	"yuqing/ingest/drill"
	"yuqing/internal/eventlog"
	"yuqing/internal/mention"
	"yuqing/respond/desk"
	"yuqing/respond/incident"
)

// startDrill plays the configured scenario into the log and, so a newcomer
// sees clocks run within a minute, opens a grade II drill incident for each
// drill alert. Everything it creates is marked drill.
func startDrill(ctx context.Context, workers *group, cfg Config, log eventlog.Log, dk *desk.Desk, logger *slog.Logger) error {
	ms, err := drill.Stream(cfg.DrillScenario, time.Now(), uint64(time.Now().UnixNano()))
	if err != nil {
		return err
	}
	logger.Info("drill: playing a scripted incident (舆情演练); every mention, alert and incident is marked drill", "scenario", cfg.DrillScenario, "mentions", len(ms), "speed", cfg.DrillSpeed)
	p := &drill.Player{Speed: cfg.DrillSpeed, Clock: drill.RealClock, Post: func(ctx context.Context, batch []mention.Mention) error {
		return ingest.Write(ctx, log, batch, nil, "drill", "ingest:drill", time.Now())
	}}
	workers.wg.Add(1)
	go func() {
		defer workers.wg.Done()
		if err := p.Play(ctx, ms); err != nil && ctx.Err() == nil {
			logger.Error("drill stopped", "err", err)
		}
	}()
	if dk == nil {
		return nil
	}
	host, _ := os.Hostname()
	group := fmt.Sprintf("drill-incidents-%s-%d", host, time.Now().UnixNano())
	workers.loop(ctx, logger, "drill incidents", func(ctx context.Context) error {
		return log.Consume(ctx, analyze.TopicAlerts, group, func(ctx context.Context, batch []eventlog.Record) error {
			for _, r := range batch {
				if r.Event.Type != alert.TypeRaised {
					continue
				}
				var a alert.Alert
				if json.Unmarshal(r.Event.Payload, &a) != nil || !a.Drill {
					continue
				}
				id := "inc-" + a.ID
				title := "演练：" + strings.Join(a.Label[:min(3, len(a.Label))], "、") + " 相关舆情"
				if _, err := dk.Handle(ctx, id, "system:drill", incident.Open{Title: title, AlertID: a.ID, Topics: []string{a.TopicID}, Mentions: a.Evidence, DetectedAt: a.Raised, Drill: true}); err != nil {
					continue // already open
				}
				if _, err := dk.Handle(ctx, id, "system:drill", incident.SetGrade{Grade: incident.GradeII, Reason: "演练自动定级为重大，以便演示 5 小时时限"}); err != nil {
					logger.Warn("drill incident not graded", "incident", id, "err", err)
				}
			}
			return nil
		})
	})
	return nil
}
