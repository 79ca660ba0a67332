package report

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"yuqing/analyze"
	"yuqing/analyze/scheme"
	"yuqing/internal/eventlog"
	"yuqing/respond/incident"
	"yuqing/respond/workorder"
)

// facts is what a report reads from the log: the projections rebuilt from
// the events recorded by asOf.
type facts struct {
	board     *incident.Board
	orders    map[string]*workorder.State
	summaries map[string]analyze.TopicSummary // each topic's latest summary
	schemes   map[string]string               // scheme ID → name (deleted ones keep theirs)
}

// loadFacts replays the incidents, work orders, topics and schemes topics,
// keeping only what was recorded at or before asOf. A topic summary it
// cannot read is left out, with a warning to logger.
func loadFacts(ctx context.Context, log eventlog.Log, asOf time.Time, logger *slog.Logger) (*facts, error) {
	f := &facts{board: incident.NewBoard(), orders: map[string]*workorder.State{}, summaries: map[string]analyze.TopicSummary{}, schemes: map[string]string{}}
	replay := func(topic string, apply func(r eventlog.Record) error) error {
		err := log.Replay(ctx, topic, func(_ context.Context, batch []eventlog.Record) error {
			for _, r := range batch {
				if r.Event.Recorded.After(asOf) {
					continue
				}
				if err := apply(r); err != nil {
					return fmt.Errorf("%s event %s: %w", r.Event.Type, r.Event.ID, err)
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("reading the %s topic: %w", topic, err)
		}
		return nil
	}
	if err := replay(incident.Topic, func(r eventlog.Record) error { return f.board.Apply(r.Event) }); err != nil {
		return nil, err
	}
	err := replay(workorder.Topic, func(r eventlog.Record) error {
		st := f.orders[r.Event.Key]
		if st == nil {
			st = &workorder.State{ID: r.Event.Key}
			f.orders[r.Event.Key] = st
		}
		return workorder.Apply(st, r.Event)
	})
	if err != nil {
		return nil, err
	}
	err = replay(analyze.TopicTopics, func(r eventlog.Record) error {
		if r.Event.Type != analyze.TypeTopicUpdated && r.Event.Type != analyze.TypeTopicRetired {
			return nil
		}
		var s analyze.TopicSummary
		err := json.Unmarshal(r.Event.Payload, &s)
		if err == nil && s.ID == "" {
			err = errors.New("no topic id")
		}
		if err != nil { // a summary the analyser could not have written; headlines fall back to labels
			logger.Warn("topic summary not readable; left out of the report", "topic", analyze.TopicTopics, "event", r.Event.ID, "key", r.Event.Key, "type", r.Event.Type, "err", err)
			return nil
		}
		f.summaries[s.ID] = s
		return nil
	})
	if err != nil {
		return nil, err
	}
	reg := scheme.NewRegistry()
	err = replay(scheme.Topic, func(r eventlog.Record) error {
		if err := reg.Apply(r.Event); err != nil {
			return err
		}
		for _, s := range reg.List() {
			f.schemes[s.ID] = s.Name
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return f, nil
}
