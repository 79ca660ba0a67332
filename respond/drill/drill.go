// Package drill is the duty desk's side of a drill played into the server
// (`yuqing serve --drill`, 舆情演练; ingest/drill plays the mentions): so a
// newcomer sees clocks run within a minute, the run's first alert opens a
// drill incident graded II (重大: the 5-hour clock), and every later alert
// of the run is linked to it. Everything it creates is marked drill.
package drill

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"

	"yuqing/analyze"
	"yuqing/analyze/alert"
	"yuqing/internal/event"
	"yuqing/internal/eventlog"
	"yuqing/respond/desk"
	"yuqing/respond/incident"
)

// Actor names the drill in the incidents' history.
const Actor = "system:drill"

// Desk is what the drill needs of the duty desk (*desk.Desk).
type Desk interface {
	// Open opens an incident, or links the alert to its story's incident.
	Open(ctx context.Context, id, actor string, cmd incident.Open) (desk.Opened, error)
	// Handle decides a command on an incident; a refusal wraps
	// incident.ErrRule.
	Handle(ctx context.Context, id, actor string, cmd any) ([]event.Envelope, error)
}

// Incidents opens and grades the incident of one drill run. One story, one
// incident: the run is one scripted story, so its first alert opens the
// incident and every later alert of the run is linked to it, even when the
// analyser raised it for a topic that merges only later (alerts of the run
// are those whose evidence are the run's mentions).
//
// What the desk refuses (incident.ErrRule: the incident is open already,
// the alert linked already, the grade set already) is logged and the drill
// goes on; any other error (the log failed) ends Run, and the next Run
// takes up where it stopped: the run's incident, once opened, and whether
// it was graded are kept across Runs. Run is not safe to call concurrently.
type Incidents struct {
	log    eventlog.Log
	desk   Desk
	run    map[string]bool // the run's mention IDs
	logger *slog.Logger

	incident string // the run's incident, once opened
	graded   bool   // it has its grade, or was open before the drill
}

// NewIncidents returns the desk's side of the drill run whose mentions are
// mentions (drill.Local.IDs).
func NewIncidents(log eventlog.Log, dk Desk, mentions []string, logger *slog.Logger) *Incidents {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	run := make(map[string]bool, len(mentions))
	for _, id := range mentions {
		run[id] = true
	}
	return &Incidents{log: log, desk: dk, run: run, logger: logger}
}

// Run follows the alerts topic from its start, without a consumer group,
// until ctx is done or the desk fails for a reason other than a refusal.
// An alert it cannot read is not the run's: the alert pager, which reads
// the topic with a group, keeps it as a dead letter.
func (d *Incidents) Run(ctx context.Context) error {
	return eventlog.Follow(ctx, d.log, analyze.TopicAlerts, nil, func(ctx context.Context, batch []eventlog.Record) error {
		for _, r := range batch {
			if r.Event.Type != alert.TypeRaised {
				continue
			}
			var a alert.Alert
			if err := json.Unmarshal(r.Event.Payload, &a); err != nil {
				d.logger.Warn("alert not readable; not the drill's", "topic", analyze.TopicAlerts, "event", r.Event.ID, "key", r.Event.Key, "type", r.Event.Type, "err", err)
				continue
			}
			if !d.ofRun(a) {
				continue
			}
			if err := d.alert(ctx, a); err != nil {
				return err
			}
		}
		return nil
	}, nil)
}

// ofRun: a drill alert whose evidence is one of the run's mentions.
func (d *Incidents) ofRun(a alert.Alert) bool {
	return a.Drill && slices.ContainsFunc(a.Evidence, func(id string) bool { return d.run[id] })
}

// alert opens the run's incident for its first alert and links the others;
// then grades the incident, if that is still to do.
func (d *Incidents) alert(ctx context.Context, a alert.Alert) error {
	if d.incident == "" {
		title := "演练：" + strings.Join(a.Label[:min(3, len(a.Label))], "、") + " 相关舆情"
		res, err := d.desk.Open(ctx, "", Actor, incident.Open{Title: title, AlertID: a.ID, Topics: []string{a.TopicID}, Mentions: a.Evidence, DetectedAt: a.Raised, Drill: true})
		if err != nil {
			return d.refused(err, "drill incident not opened", "opening the drill incident for alert "+a.ID, "alert", a.ID)
		}
		// The story's incident, if it had one already, keeps its grade.
		d.incident, d.graded = res.ID, res.Existing
	} else {
		_, err := d.desk.Handle(ctx, d.incident, Actor, incident.Link{AlertID: a.ID, Label: a.Label, Topics: []string{a.TopicID}, Reason: "演练：同一演练事件的预警"})
		if err != nil {
			if err := d.refused(err, "drill alert not linked to the drill incident", "linking alert "+a.ID+" to the drill incident", "alert", a.ID, "incident", d.incident); err != nil {
				return err
			}
		}
	}
	if d.graded {
		return nil
	}
	_, err := d.desk.Handle(ctx, d.incident, Actor, incident.SetGrade{Grade: incident.GradeII, Reason: "演练自动定级为重大，以便演示 5 小时时限"})
	if err != nil && !errors.Is(err, incident.ErrRule) {
		return fmt.Errorf("grading the drill incident %s: %w", d.incident, err)
	}
	if err != nil {
		d.logger.Warn("drill incident not graded", "incident", d.incident, "err", err)
	}
	d.graded = true
	return nil
}

// refused logs what the desk refused (nil: the drill goes on) and returns
// any other error, saying what was being done.
func (d *Incidents) refused(err error, msg, doing string, args ...any) error {
	if errors.Is(err, incident.ErrRule) {
		d.logger.Warn(msg, append(args, "err", err)...)
		return nil
	}
	return fmt.Errorf("%s: %w", doing, err)
}
