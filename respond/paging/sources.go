package paging

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"yuqing/ingest/source"
	"yuqing/internal/clock"
	"yuqing/internal/eventlog"
	"yuqing/respond/notify"
)

// SourcesGroup is the desk's consumer group on source health.
const SourcesGroup = "desk-sources"

// Sources tells the duty officers when a source goes blind (credentials
// refused, a login wall) and when it sees again: a 5-hour clock cannot be
// kept on what nobody sees. Flips older than a day (a first start on an
// old log) are not announced. Run is not safe to call concurrently.
type Sources struct {
	log    eventlog.Log
	desk   Desk
	cfg    Config
	now    func() time.Time
	logger *slog.Logger
}

// NewSources returns the blind-source pager over log and the desk.
func NewSources(log eventlog.Log, dk Desk, cfg Config, now func() time.Time, logger *slog.Logger) *Sources {
	if now == nil {
		now = time.Now
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Sources{log: log, desk: dk, cfg: cfg, now: now, logger: logger}
}

// Run reads back what was announced, then follows the sources' health
// until ctx is done or the log or the desk fails (the batch is then not
// committed: run it again).
func (p *Sources) Run(ctx context.Context) error {
	announced := map[string]bool{} // source → last announcement was "blind"
	err := queued(ctx, p.log, p.logger, func(m notify.Message) {
		if name, ok := strings.CutPrefix(m.IncidentID, "source:"); ok {
			announced[name] = m.Kind == notify.KindWarning
		}
	})
	if err != nil {
		return fmt.Errorf("reading announced sources: %w", err)
	}
	return p.log.Consume(ctx, source.Topic, SourcesGroup, func(ctx context.Context, batch []eventlog.Record) error {
		for _, r := range batch {
			if r.Event.Type != source.TypeHealth {
				continue
			}
			var h source.Health
			if err := json.Unmarshal(r.Event.Payload, &h); err != nil || h.Source == "" {
				reason := "source health without a source"
				if err != nil {
					reason = "source health not readable: " + err.Error()
				}
				if err := unreadable(ctx, p.log, p.logger, p.now(), source.Topic, r.Event, reason); err != nil {
					return err
				}
				continue
			}
			blind := h.AuthFailed
			if blind == announced[h.Source] || (!blind && !h.OK) || p.now().Sub(h.At) > maxAge {
				continue
			}
			if err := p.desk.Notify(ctx, sourceMessage(r.Event.ID, h, p.cfg.ConsoleURL)); err != nil {
				return err
			}
			announced[h.Source] = blind
		}
		return nil
	})
}

// sourceMessage announces a source blind (h.AuthFailed) or seeing again.
func sourceMessage(eventID string, h source.Health, consoleURL string) notify.Message {
	m := notify.Message{ID: "source:" + eventID, IncidentID: "source:" + h.Source, Role: "duty_officer", At: h.At, URL: link(consoleURL, "/#/sources")}
	at := h.At.In(clock.Beijing).Format("01月02日 15:04")
	if h.AuthFailed {
		m.Kind = notify.KindWarning
		m.Title = "【信源失明】" + h.Source + "：凭证失效或被要求登录"
		m.Text = fmt.Sprintf("信源 %s 自 %s 起无法采集（%s）。\n这一渠道的舆情当前无法发现，时限无法保证，请尽快更新凭证。", h.Source, at, h.Error)
	} else {
		m.Kind = notify.KindInfo
		m.Title = "【信源恢复】" + h.Source + "：已恢复采集"
		m.Text = fmt.Sprintf("信源 %s 于 %s 恢复采集。", h.Source, at)
	}
	return m
}
