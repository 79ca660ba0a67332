package app

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"yuqing/ingest/source"
	"yuqing/internal/eventlog"
	"yuqing/respond/desk"
	"yuqing/respond/notify"
)

// SourcesGroup is the desk's consumer group on source health.
const SourcesGroup = "desk-sources"

// followBlindSources tells the duty officers when a source goes blind
// (credentials refused, a login wall) and when it sees again: a 5-hour
// clock cannot be kept on what nobody sees. What was last announced for
// each source is read back from the desk's own queued notifications, so a
// restart neither repeats nor misses an announcement; flips older than a
// day (a first start on an old log) are not announced.
func followBlindSources(ctx context.Context, workers *group, log eventlog.Log, dk *desk.Desk, consoleURL string, now func() time.Time, logger *slog.Logger) {
	workers.loop(ctx, logger, "blind-source alerts", func(ctx context.Context) error {
		announced := map[string]bool{} // source → last announcement was "blind"
		err := queuedMessages(ctx, log, func(m notify.Message) {
			if name, ok := strings.CutPrefix(m.IncidentID, "source:"); ok {
				announced[name] = m.Kind == notify.KindWarning
			}
		})
		if err != nil {
			return fmt.Errorf("reading announced sources: %w", err)
		}
		return log.Consume(ctx, source.Topic, SourcesGroup, func(ctx context.Context, batch []eventlog.Record) error {
			for _, r := range batch {
				if r.Event.Type != source.TypeHealth {
					continue
				}
				var h source.Health
				if json.Unmarshal(r.Event.Payload, &h) != nil || h.Source == "" {
					continue
				}
				blind := h.AuthFailed
				if blind == announced[h.Source] || (!blind && !h.OK) || now().Sub(h.At) > 24*time.Hour {
					continue
				}
				m := notify.Message{ID: "source:" + r.Event.ID, IncidentID: "source:" + h.Source, Role: "duty_officer", At: h.At}
				if consoleURL != "" {
					m.URL = strings.TrimRight(consoleURL, "/") + "/#/sources"
				}
				at := h.At.In(beijingTime).Format("01月02日 15:04")
				if blind {
					m.Kind = notify.KindWarning
					m.Title = "【信源失明】" + h.Source + "：凭证失效或被要求登录"
					m.Text = fmt.Sprintf("信源 %s 自 %s 起无法采集（%s）。\n这一渠道的舆情当前无法发现，时限无法保证，请尽快更新凭证。", h.Source, at, h.Error)
				} else {
					m.Kind = notify.KindInfo
					m.Title = "【信源恢复】" + h.Source + "：已恢复采集"
					m.Text = fmt.Sprintf("信源 %s 于 %s 恢复采集。", h.Source, at)
				}
				if err := dk.Notify(ctx, m); err != nil {
					return err
				}
				announced[h.Source] = blind
			}
			return nil
		})
	})
}

var beijingTime = time.FixedZone("CST", 8*3600)

// queuedMessages replays the desk's own notification.queued.v1 messages:
// what was already announced, so a restart neither repeats nor misses one.
func queuedMessages(ctx context.Context, log eventlog.Log, fn func(notify.Message)) error {
	return log.Replay(ctx, desk.Topic, func(_ context.Context, batch []eventlog.Record) error {
		for _, r := range batch {
			var m notify.Message
			if r.Event.Type == desk.TypeQueued && json.Unmarshal(r.Event.Payload, &m) == nil {
				fn(m)
			}
		}
		return nil
	})
}
