package report

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"yuqing/internal/analytics"
	"yuqing/internal/hanzi"
	"yuqing/respond/incident"
)

// effectWindow is how long before and after the first publication the
// volume is compared.
const effectWindow = 24 * time.Hour

// casePeriod is the default period of a 专报: from the day before the
// incident was detected to a day after it closed (or to AsOf while it is
// open), in whole hours. An unknown incident keeps the zero period, and
// Build refuses it.
func casePeriod(p Params, f *facts) Params {
	st, ok := f.board.State(p.Incident)
	if !ok || st.Status == "" {
		return p
	}
	loc := p.Location()
	if p.From.IsZero() {
		p.From = dayStart(st.DetectedAt, loc).AddDate(0, 0, -1).UTC()
	}
	if p.To.IsZero() {
		end := p.AsOf
		if !st.ClosedAt.IsZero() && st.ClosedAt.Add(24*time.Hour).Before(end) {
			end = st.ClosedAt.Add(24 * time.Hour)
		}
		p.To = end.Truncate(time.Hour).Add(time.Hour).UTC()
	}
	return p
}

// incidentCase fills the 专报 of one incident.
func (b *builder) incidentCase(ctx context.Context, r *Report) error {
	st, ok := b.f.board.State(b.p.Incident)
	if !ok || st.Status == "" {
		return fmt.Errorf("%w: %s（截至 %s）", ErrNoIncident, b.p.Incident, b.p.AsOf.In(b.loc).Format("2006-01-02 15:04"))
	}
	if st.Drill && !b.p.Drill {
		return fmt.Errorf("%w：事件 %s 是演练，生成其专报需要包含演练数据（--drill / \"drill\": true）", ErrInvalid, st.ID)
	}
	c := &IncidentCase{ID: st.ID, Title: guard(st.Title), Grade: st.Grade.String(), GradeReason: guard(st.GradeReason), Status: statusName(st.Status),
		Jurisdiction: st.Jurisdiction, DetectedAt: st.DetectedAt.UTC(), OpenedAt: st.OpenedAt.UTC(), ClosedAt: st.ClosedAt.UTC(),
		Review: guard(st.Review), Lead: st.Lead, Drill: st.Drill}
	if st.ClosedAt.IsZero() {
		c.ClosedAt = time.Time{}
	}
	for _, u := range st.Units {
		c.Units = append(c.Units, fmt.Sprintf("%s（%s）", u.Name, u.Kind))
	}
	for _, e := range b.f.board.Timeline(st.ID) {
		if e.Type == incident.TypeClockWarned || e.Type == incident.TypeReAlerted {
			continue // reminders: the clocks section says how each deadline ended
		}
		c.Timeline = append(c.Timeline, Entry{At: e.At.UTC(), Actor: actorName(e.Actor), Summary: guard(e.Summary)})
	}
	for _, rel := range st.Releases {
		c.Statements = append(c.Statements, Statement{Kind: "权威发布", At: rel.At.UTC(), Channel: rel.Channel, URL: rel.URL, Text: guard(hanzi.Clip(rel.Text, 200))})
	}
	for _, rel := range st.FollowUps {
		c.Statements = append(c.Statements, Statement{Kind: "持续发布", At: rel.At.UTC(), Channel: rel.Channel, URL: rel.URL, Text: guard(hanzi.Clip(rel.Text, 200))})
	}
	for _, conf := range st.Conferences {
		var sp []string
		for _, s := range conf.Speakers {
			sp = append(sp, s.Role+" "+s.Name)
		}
		c.Statements = append(c.Statements, Statement{Kind: "新闻发布会", At: conf.At.UTC(), Channel: conf.Place, Text: guard("发布人：" + strings.Join(sp, "、"))})
	}
	sort.SliceStable(c.Statements, func(i, j int) bool { return c.Statements[i].At.Before(c.Statements[j].At) })
	for _, name := range clockNames(st) {
		ci := clockItem(st, st.Clocks[name], b.p.AsOf)
		ci.Incident, ci.Title = "", ""
		c.Clocks = append(c.Clocks, ci)
	}
	if err := b.evidence(ctx, st, c); err != nil {
		return err
	}
	r.Case = c
	if st.Drill {
		r.Notes = append(r.Notes, "本专报所述事件为演练（舆情演练），不是真实事件。")
	}
	return nil
}

// actorName is who did something, as the timeline shows it.
func actorName(a string) string {
	switch {
	case strings.HasPrefix(a, "user:"):
		return strings.TrimPrefix(a, "user:")
	case strings.HasPrefix(a, "system:"), a == "analyze":
		return "系统"
	case strings.HasPrefix(a, "cli:"):
		return strings.TrimPrefix(a, "cli:")
	}
	return a
}

// evidence is the volume, sentiment and platforms of the incident's
// topics in the period, and the effect of its first publication.
func (b *builder) evidence(ctx context.Context, st incident.State, c *IncidentCase) error {
	if len(st.Topics) == 0 {
		return nil
	}
	ts, err := b.store.Topics(ctx, analytics.TopicQuery{From: b.p.From, To: b.p.To, Limit: 1000, Drill: true})
	if err != nil {
		return fmt.Errorf("listing topics: %w", err)
	}
	var topics []analytics.Topic
	for _, t := range ts {
		if slices.Contains(st.Topics, t.ID) {
			topics = append(topics, t)
		}
	}
	if len(topics) == 0 {
		return nil
	}
	ids := make([]string, len(topics))
	for i, t := range topics {
		ids[i] = t.ID
	}
	if b.hourly, err = b.rollup(ctx, ids, b.p.From, b.p.To); err != nil {
		return err
	}
	labels := b.bucketLabels()
	ev := &Evidence{Buckets: labels, Counts: make([]int64, len(labels))}
	for _, id := range ids {
		for h, n := range b.hourly[id] {
			if i := b.bucketOf(h); i >= 0 && i < len(labels) {
				ev.Counts[i] += n
				ev.Total += n
			}
		}
	}
	if ev.Total == 0 {
		return nil
	}
	plats := map[string]int64{}
	for i, t := range topics {
		item, err := b.topic(ctx, t, b.p.From, b.p.To, i < detailTopics, nil)
		if err != nil {
			return err
		}
		ev.Sentiment.Neg += item.Sentiment.Neg
		ev.Sentiment.Neu += item.Sentiment.Neu
		ev.Sentiment.Pos += item.Sentiment.Pos
		for _, p := range item.Platforms {
			plats[p.Name] += p.Count
		}
		ev.Topics = append(ev.Topics, item)
	}
	sort.SliceStable(ev.Topics, func(i, j int) bool { return ev.Topics[i].Mentions > ev.Topics[j].Mentions })
	var total int64
	for _, n := range plats {
		total += n
	}
	for _, p := range sortedKeys(plats) {
		ev.Platforms = append(ev.Platforms, Count{Name: p, Count: plats[p], Share: float64(plats[p]) / float64(max(total, 1))})
	}
	sort.SliceStable(ev.Platforms, func(i, j int) bool { return ev.Platforms[i].Count > ev.Platforms[j].Count })
	c.Evidence = ev
	return b.effect(ctx, st, ids, c)
}

// effect compares the volume and the negative share in equal windows
// before and after the first publication (24 hours, less when the period
// does not hold them).
func (b *builder) effect(ctx context.Context, st incident.State, topics []string, c *IncidentCase) error {
	t0 := firstPublished(st)
	if t0.IsZero() || !t0.After(b.p.From) || !t0.Before(b.p.To) {
		return nil
	}
	w := min(effectWindow, t0.Sub(b.p.From), b.p.To.Sub(t0))
	if w < time.Hour {
		return nil
	}
	w = w.Truncate(time.Hour)
	e := &Effect{Published: t0.UTC(), Window: fmt.Sprintf("发布前后各 %d 小时", int(w/time.Hour))}
	var negB, negA int64
	for _, id := range topics {
		err := eachMention(ctx, b.store, id, t0.Add(-w), t0.Add(w), func(m analytics.Mention) {
			if m.PublishedAt.Before(t0) {
				e.Before++
				if m.Sentiment == "neg" {
					negB++
				}
				return
			}
			e.After++
			if m.Sentiment == "neg" {
				negA++
			}
		})
		if err != nil {
			return err
		}
	}
	if e.Before > 0 {
		ch := float64(e.After-e.Before) / float64(e.Before)
		nb := float64(negB) / float64(e.Before)
		e.Change, e.NegBefore = &ch, &nb
	}
	if e.After > 0 {
		na := float64(negA) / float64(e.After)
		e.NegAfter = &na
	}
	c.Effect = e
	return nil
}
