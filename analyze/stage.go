package analyze

import (
	"context"
	"encoding/json"
	"log/slog"
	"time"

	"yuqing/internal/event"
	"yuqing/internal/eventlog"
	"yuqing/internal/mention"
)

// Scaling out. Analysis is two stages: enrichment (segmentation, schemes,
// sentiment: stateless, most of the CPU) and tracking (topics, spikes,
// grades, alerts: one state over every story). One process runs both on
// the mentions topic (role analyze, the embedded default). Beyond one
// machine, enrichment runs in as many processes as the mentions topic has
// partitions (role enrich, consumer group GroupEnrich) and writes the
// enriched topic; tracking runs in one process at a time (role track,
// group GroupTrack) reading that topic, which has one partition: the
// group gives it to one member, and another member waits as a warm
// standby that takes it over when the owner dies (after the group's
// session timeout) and restores the tracker from its snapshot and the
// analysed topic, which has one partition too, so a rebuild sees the
// order the owner saw.
const (
	TopicEnriched = "enriched"            // mention.enriched.v1, one partition
	TypeEnriched  = "mention.enriched.v1" // an Enriched
	GroupEnrich   = "enrich"
	GroupTrack    = "track"
)

// SinglePartition are the topics a distributed log must create with one
// partition: their order is the tracker's.
var SinglePartition = []string{TopicEnriched, eventlog.TopicAnalyzed}

// Enriched is the payload of a mention.enriched.v1 event: an analysed
// mention before tracking, with when the log took it.
type Enriched struct {
	Analyzed
	IngestedAt time.Time `json:"ingested_at"`
}

// Enrichment is the enrichment stage on its own (role enrich).
type Enrichment struct {
	Enricher *Enricher
	Log      eventlog.Log
	Now      func() time.Time
	Logger   *slog.Logger
	Workers  int // default: every core
}

// Run consumes the mentions topic as GroupEnrich and appends each
// mention's enrichment to the enriched topic, until ctx is done.
// Undecodable mention events go to dead letters with the reason.
func (e *Enrichment) Run(ctx context.Context) error {
	return eventlog.Pipe(ctx, e.Log, eventlog.TopicMentions, GroupEnrich, func(ctx context.Context, tx eventlog.Tx, batch []eventlog.Record) error {
		now := e.Now()
		items, dead, err := mentionsIn(batch, now)
		if err != nil {
			return err
		}
		enrichAll(e.Enricher, items, e.Workers)
		out := make([]event.Envelope, 0, len(items))
		for _, it := range items {
			ev, err := event.New(TypeEnriched, it.r.Event.Key, "analyze", it.r.Event.Time, now, Enriched{Analyzed: it.res, IngestedAt: it.ingested})
			if err != nil {
				return err
			}
			out = append(out, ev)
		}
		_, err = appendAll(ctx, tx, e.Logger, now, []output{{eventlog.TopicDeadLetter, dead}, {TopicEnriched, out}})
		return err
	})
}

// item is one mention on its way through the stages.
type item struct {
	r        eventlog.Record
	res      Analyzed
	ingested time.Time // when the log took the mention
}

// mentionsIn decodes a batch of the mentions topic. Events that do not
// decode become dead letters.
func mentionsIn(batch []eventlog.Record, now time.Time) ([]item, []event.Envelope, error) {
	items := make([]item, 0, len(batch))
	var dead []event.Envelope
	for _, r := range batch {
		if r.Event.Type != event.MentionIngested {
			continue
		}
		var m mention.Mention
		if err := json.Unmarshal(r.Event.Payload, &m); err != nil {
			dl, derr := deadLetter(r, err, now)
			if derr != nil {
				return nil, nil, derr
			}
			dead = append(dead, dl)
			continue
		}
		items = append(items, item{r: r, res: Analyzed{Mention: m, SourceEvent: r.Event.ID}, ingested: r.Event.Recorded})
	}
	return items, dead, nil
}

// enrichedIn decodes a batch of the enriched topic.
func enrichedIn(batch []eventlog.Record, now time.Time) ([]item, []event.Envelope, error) {
	items := make([]item, 0, len(batch))
	var dead []event.Envelope
	for _, r := range batch {
		if r.Event.Type != TypeEnriched {
			continue
		}
		var en Enriched
		if err := json.Unmarshal(r.Event.Payload, &en); err != nil {
			dl, derr := deadLetter(r, err, now)
			if derr != nil {
				return nil, nil, derr
			}
			dead = append(dead, dl)
			continue
		}
		items = append(items, item{r: r, res: en.Analyzed, ingested: en.IngestedAt})
	}
	return items, dead, nil
}

// enrichAll enriches the items on up to workers goroutines.
func enrichAll(e *Enricher, items []item, workers int) {
	parallel(len(items), workers, func(i int) {
		src := items[i].res.SourceEvent
		items[i].res = e.Enrich(items[i].res.Mention)
		items[i].res.SourceEvent = src
	})
}
