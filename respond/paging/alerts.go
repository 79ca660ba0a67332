package paging

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"yuqing/analyze"
	"yuqing/analyze/alert"
	"yuqing/analyze/grade"
	"yuqing/internal/clock"
	"yuqing/internal/eventlog"
	"yuqing/respond/notify"
)

// AlertsGroup is the desk's consumer group on the analyser's alerts.
const AlertsGroup = "desk-alerts"

// Alerts tells the desk every alert event (Desk.Observe: one story, one
// incident) and pages the duty officers when the analyser raises an alert,
// and again when an alert's suggested grade rises. A suggested grade I or
// II is urgent (quiet hours never hold it); other alerts wait for quiet
// hours to end. Alerts whose stories are more than a day old in event time
// (a backfill of history) page no one. Each alert event is one message,
// sent once (Desk.Notify). Run is not safe to call concurrently.
type Alerts struct {
	log    eventlog.Log
	desk   Desk
	cfg    Config
	now    func() time.Time
	logger *slog.Logger
}

// NewAlerts returns the alert pager over log and the desk.
func NewAlerts(log eventlog.Log, dk Desk, cfg Config, now func() time.Time, logger *slog.Logger) *Alerts {
	if now == nil {
		now = time.Now
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Alerts{log: log, desk: dk, cfg: cfg, now: now, logger: logger}
}

// Run reads back what was paged, then follows the alerts topic until ctx
// is done or the log or the desk fails (the batch is then not committed:
// run it again).
func (p *Alerts) Run(ctx context.Context) error {
	// The grade each alert was last paged with, read back from the desk's
	// own queued messages: a restart neither repeats a page nor misses a
	// rise.
	paged := map[string]grade.Grade{}
	err := queued(ctx, p.log, p.logger, func(m notify.Message) {
		if strings.HasPrefix(m.ID, "alert:") {
			paged[m.IncidentID] = grade.Grade(m.Grade)
		}
	})
	if err != nil {
		return fmt.Errorf("reading paged alerts: %w", err)
	}
	return p.log.Consume(ctx, analyze.TopicAlerts, AlertsGroup, func(ctx context.Context, batch []eventlog.Record) error {
		for _, r := range batch {
			// One story, one incident: an alert that folded into a story
			// with an incident joins it (the desk rebuilt the stories from
			// the whole topic on Load).
			if err := p.desk.Observe(ctx, r.Event); err != nil {
				return err
			}
			var a alert.Alert
			if err := json.Unmarshal(r.Event.Payload, &a); err != nil || a.ID == "" {
				reason := "alert without an id"
				if err != nil {
					reason = "alert not readable: " + err.Error()
				}
				if err := unreadable(ctx, p.log, p.logger, p.now(), analyze.TopicAlerts, r.Event, reason); err != nil {
					return err
				}
				continue
			}
			if p.now().Sub(a.Updated) > maxAge {
				continue
			}
			last, was := paged[a.ID]
			if !shouldPage(r.Event.Type, a.Grade, last, was) {
				continue
			}
			if err := p.desk.Notify(ctx, alertMessage(r.Event.ID, was, a, p.cfg.ConsoleURL)); err != nil {
				return err
			}
			paged[a.ID] = a.Grade
		}
		return nil
	})
}

// shouldPage decides one alert event: a raised alert pages unless it was
// paged already; an update pages only when its suggested grade is more
// serious than the one last paged (or than none).
func shouldPage(typ string, g, last grade.Grade, paged bool) bool {
	rose := g != grade.None && (last == grade.None || g < last)
	switch {
	case paged:
		return rose
	case typ == alert.TypeRaised:
		return true
	}
	return rose
}

func alertMessage(eventID string, rise bool, a alert.Alert, consoleURL string) notify.Message {
	m := notify.Message{ID: "alert:" + eventID, Kind: notify.KindInfo, Grade: int(a.Grade), IncidentID: a.ID, Role: "duty_officer", At: a.Updated, Drill: a.Drill}
	if a.Grade == grade.I || a.Grade == grade.II {
		m.Kind = notify.KindWarning // urgent: never held by quiet hours
	}
	label := strings.Join(a.Label[:min(3, len(a.Label))], "、")
	head := "【舆情预警】"
	if rise {
		head = "【预警升级】"
	}
	m.Title = fmt.Sprintf("%s%s（%d 条）", head, label, a.Mentions)
	suggested := "未定"
	if a.Grade != grade.None {
		suggested = a.Grade.String()
	}
	m.Text = fmt.Sprintf("%s\n建议等级：%s（定级由人作出）\n首次发现：%s", a.Reason, suggested, a.Raised.In(clock.Beijing).Format("01月02日 15:04"))
	m.URL = link(consoleURL, "/#/alerts")
	return m
}
