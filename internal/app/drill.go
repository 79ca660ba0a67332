package app

import (
	"context"
	"encoding/json"
	"log/slog"
	"slices"
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
// sees clocks run within a minute, opens a grade II drill incident for the
// run. One story, one incident: the run is one scripted story, so its first
// alert opens the incident and every later alert of the run is linked to it,
// even when the analyser raised it for a topic that merges only later
// (alerts of the run are those whose evidence are the run's mentions).
// Everything it creates is marked drill.
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
	run := map[string]bool{}
	for _, m := range ms {
		run[m.ID] = true
	}
	var runIncident string // the run's incident, once opened; kept across restarts of the loop
	workers.loop(ctx, logger, "drill incidents", func(ctx context.Context) error {
		return eventlog.Follow(ctx, log, analyze.TopicAlerts, nil, func(ctx context.Context, batch []eventlog.Record) error {
			for _, r := range batch {
				if r.Event.Type != alert.TypeRaised {
					continue
				}
				var a alert.Alert
				if json.Unmarshal(r.Event.Payload, &a) != nil || !a.Drill || !slices.ContainsFunc(a.Evidence, func(id string) bool { return run[id] }) {
					continue // not an alert of this run
				}
				if runIncident != "" {
					if _, err := dk.Handle(ctx, runIncident, actorDrill, incident.Link{AlertID: a.ID, Label: a.Label, Topics: []string{a.TopicID},
						Reason: "演练：同一演练事件的预警"}); err != nil {
						logger.Warn("drill alert not linked to the drill incident", "alert", a.ID, "incident", runIncident, "err", err)
					}
					continue
				}
				title := "演练：" + strings.Join(a.Label[:min(3, len(a.Label))], "、") + " 相关舆情"
				res, err := dk.Open(ctx, "", actorDrill, incident.Open{Title: title, AlertID: a.ID, Topics: []string{a.TopicID}, Mentions: a.Evidence, DetectedAt: a.Raised, Drill: true})
				if err != nil {
					logger.Warn("drill incident not opened", "alert", a.ID, "err", err)
					continue
				}
				runIncident = res.ID
				if res.Existing {
					continue
				}
				if _, err := dk.Handle(ctx, res.ID, actorDrill, incident.SetGrade{Grade: incident.GradeII, Reason: "演练自动定级为重大，以便演示 5 小时时限"}); err != nil {
					logger.Warn("drill incident not graded", "incident", res.ID, "err", err)
				}
			}
			return nil
		}, nil)
	})
	return nil
}

const actorDrill = "system:drill"
