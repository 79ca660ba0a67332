package desk

import (
	"context"
	"fmt"
	"strings"

	"yuqing/internal/event"
	"yuqing/respond/incident"
	"yuqing/respond/statement"
)

// HandleStatement decides a statement command (a fact, a draft, a review
// step, a publication) on incident id for actor, records its events in the
// incidents topic and applies them. Publishing a signed draft also records
// the incident's authoritative release in the same append, so the 5-hour
// clock stops with the statement's text kept in the incident's history. A
// refusal wraps statement.ErrRule (or incident.ErrRule) and is worded in
// Chinese.
func (d *Desk) HandleStatement(ctx context.Context, id, actor string, cmd any) ([]event.Envelope, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	inc, ok := d.board.State(id)
	if !ok || inc.Status == "" {
		return nil, fmt.Errorf("%w: 没有事件 %s", statement.ErrRule, id)
	}
	if inc.Status == "closed" {
		if _, comment := cmd.(statement.Comment); !comment {
			return nil, fmt.Errorf("%w: 事件已关闭，请先重新打开", statement.ErrRule)
		}
	}
	st := d.book.State(id)
	now := d.now()
	evs, err := statement.Decide(&st, cmd, actor, now, d.cfg.Checker)
	if err != nil || len(evs) == 0 {
		return nil, err
	}
	envs, err := statement.Envelopes(id, actor, now, evs)
	if err != nil {
		return nil, err
	}
	for _, ev := range evs {
		p, ok := ev.Data.(statement.PublishedPayload)
		if !ok {
			continue
		}
		rel := incident.Release{At: p.At, Channel: strings.Join(p.Channels, "、"), URL: p.URL, Text: p.Text}
		ievs, err := incident.Decide(&inc, d.policy(inc.Jurisdiction), incident.Publish{Release: rel}, now)
		if err != nil {
			return nil, fmt.Errorf("%w: 发布未能记录到事件：%v", statement.ErrRule, err)
		}
		more, err := incident.Envelopes(id, actor, now, ievs)
		if err != nil {
			return nil, err
		}
		envs = append(envs, more...)
	}
	envs, err = d.record(ctx, incident.Topic, "statement events of incident "+id, envs, func(e event.Envelope) error {
		if err := d.book.Apply(e); err != nil {
			return err
		}
		return d.board.Apply(e)
	})
	if err != nil {
		return nil, err
	}
	d.flushLocked(ctx)
	return envs, nil
}
