package desk

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"yuqing/internal/analytics"
	"yuqing/internal/event"
	"yuqing/respond/evidence"
	"yuqing/respond/incident"
	"yuqing/respond/notify"
)

// actorSecondary raises 次生舆情 on incidents.
const actorSecondary = "system:secondary"

// secondaryWatch is how long after its first statement an incident is
// watched for 次生舆情.
const secondaryWatch = 24 * time.Hour

// WatchSecondary looks, every every, at each open incident whose first
// authoritative statement is less than a day old for 次生舆情 (see
// evidence.Secondary: posts questioning the statement, in the incident's
// topics or in new topics about it, or volume rebounding) and raises each
// sign once as incident.secondary_raised.v1, which pages the duty
// officers. It returns when ctx ends.
func (d *Desk) WatchSecondary(ctx context.Context, store analytics.Store, every time.Duration) error {
	if every <= 0 {
		every = 5 * time.Minute
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if err := d.CheckSecondary(ctx, store); err != nil {
			d.logger.Warn("次生舆情 check", "err", err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

// CheckSecondary runs one round of WatchSecondary.
func (d *Desk) CheckSecondary(ctx context.Context, store analytics.Store) error {
	now := d.now()
	for _, id := range d.board.IDs() {
		st, _ := d.board.State(id)
		if st.Status != "open" || len(st.Releases) == 0 || len(st.Topics) == 0 {
			continue
		}
		rel := st.Releases[0]
		if now.Sub(rel.At) > secondaryWatch || rel.At.After(now) {
			continue
		}
		alerts, err := secondaryOf(ctx, store, st, rel, now)
		if err != nil {
			return fmt.Errorf("incident %s: %w", id, err)
		}
		for _, a := range alerts {
			cmd := incident.RaiseSecondary{SecondaryRaised: incident.SecondaryRaised{Kind: a.Kind, Reason: a.Reason, Topic: a.Topic, At: a.At, MentionIDs: a.MentionIDs}}
			if _, err := d.Handle(ctx, id, actorSecondary, cmd); err != nil {
				return fmt.Errorf("raising 次生舆情 on %s: %w", id, err)
			}
		}
	}
	return nil
}

// secondaryOf reads what evidence.Secondary needs: the mentions of the
// incident's topics and of the topics that began after the statement and
// share its words, and the incident's hourly volume.
func secondaryOf(ctx context.Context, store analytics.Store, st incident.State, rel incident.Release, now time.Time) ([]evidence.SecondaryAlert, error) {
	from := rel.At.Add(-secondaryWatch).Truncate(time.Hour)
	to := now.Add(time.Minute)
	eff, err := evidence.Effect(ctx, store, st.Topics, rel.At, now)
	if err != nil {
		return nil, err
	}
	topics := append([]string(nil), st.Topics...)
	for _, t := range eff.NewTopics {
		topics = append(topics, t.ID)
	}
	var ms []analytics.Mention
	for _, t := range topics {
		got, err := store.Mentions(ctx, analytics.MentionQuery{Topic: t, From: from, To: to, Limit: analytics.MaxMentions})
		if err != nil {
			return nil, fmt.Errorf("reading the mentions of topic %s: %w", t, err)
		}
		ms = append(ms, got...)
	}
	roll, err := store.Rollup(ctx, analytics.ByTopic, st.Topics, analytics.Query{From: from, To: to, Step: analytics.Hour})
	if err != nil {
		return nil, fmt.Errorf("reading the hourly volume: %w", err)
	}
	byHour := map[time.Time]int64{}
	for _, b := range roll {
		byHour[b.Start.UTC()] += b.Count
	}
	var hours []evidence.Hour
	for h := from.UTC(); h.Before(to); h = h.Add(time.Hour) {
		hours = append(hours, evidence.Hour{Start: h, Mentions: byHour[h], Partial: h.Add(time.Hour).After(now)})
	}
	return evidence.Secondary(evidence.Statement{At: rel.At, Text: rel.Text}, st.Topics, ms, hours, now), nil
}

// secondaryMessage pages the duty officers about 次生舆情.
func (d *Desk) secondaryMessage(st incident.State, e event.Envelope) (notify.Message, bool) {
	var p incident.SecondaryRaised
	if err := json.Unmarshal(e.Payload, &p); err != nil {
		return notify.Message{}, false
	}
	m := notify.Message{ID: e.ID, Kind: notify.KindWarning, Grade: int(st.Grade), IncidentID: st.ID, Role: "duty_officer", At: e.Time, Drill: st.Drill, Unit: st.Lead,
		Title: "【次生舆情】" + st.Title,
		Text:  fmt.Sprintf("事件：%s\n等级：%s\n%s\n牵头单位：%s", st.Title, st.Grade, p.Reason, orDash(st.Lead))}
	if d.cfg.ConsoleURL != "" {
		m.URL = d.cfg.ConsoleURL + "/incidents/" + st.ID
	}
	return m, true
}
