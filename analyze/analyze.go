// Package analyze turns ingested mentions into the few stories a duty
// officer must act on.
//
// Two stages: Enrich is stateless (segmentation, keywords, monitoring
// schemes, sentiment) and runs on many cores; Track is stateful (hot topics,
// spikes, grades, alerts) and runs on one goroutine in event time. The
// streaming Analyzer and the offline `yuqing analyze` share both.
package analyze

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"yuqing/analyze/dedupe"
	"yuqing/analyze/grade"
	"yuqing/analyze/scheme"
	"yuqing/analyze/segment"
	"yuqing/analyze/sentiment"
	"yuqing/internal/analytics"
	"yuqing/internal/event"
	"yuqing/internal/eventlog"
	"yuqing/internal/mention"
)

// Group is the consumer group the analyser commits its progress under.
const Group = "analyze"

// Analyzed is the payload of a mention.analyzed.v1 event.
type Analyzed struct {
	Mention mention.Mention `json:"mention"`
	Tokens  []string        `json:"tokens"`
	// Entities are the places, organisations, casualty figures and #话题#
	// the text names.
	Entities    []segment.Entity `json:"entities,omitempty"`
	Keywords    []string         `json:"keywords"`
	Sentiment   sentiment.Result `json:"sentiment"`
	Schemes     []scheme.Match   `json:"schemes,omitempty"`
	Facts       grade.Facts      `json:"facts,omitzero"`
	Topic       string           `json:"topic,omitempty"`
	NewTopic    bool             `json:"new_topic,omitempty"`
	SourceEvent string           `json:"source_event,omitempty"` // ID of the mention.ingested.v1 event
	// Duplicate marks the same post seen again (exact_id: not counted
	// again), the same page by another link (exact_url) or a repost or
	// copied text (near, 洗稿), with the first copy seen.
	Duplicate *dedupe.Verdict `json:"duplicate,omitempty"`
}

// Enricher is the stateless stage. Safe for concurrent use.
type Enricher struct {
	Seg       *segment.Segmenter
	Schemes   *scheme.Registry // may be nil: no schemes
	Sentiment atomic.Pointer[sentiment.Scorer]
	Keywords  int // keywords kept per mention (default 8)
}

// NewEnricher returns an enricher with the built-in sentiment model.
func NewEnricher(seg *segment.Segmenter, schemes *scheme.Registry) *Enricher {
	e := &Enricher{Seg: seg, Schemes: schemes}
	var s sentiment.Scorer = sentiment.Builtin()
	e.Sentiment.Store(&s)
	return e
}

// SetSentiment swaps the sentiment scorer (a newly trained model).
func (e *Enricher) SetSentiment(s sentiment.Scorer) { e.Sentiment.Store(&s) }

// Enrich segments a mention, picks keywords, matches schemes and scores sentiment.
func (e *Enricher) Enrich(m mention.Mention) Analyzed {
	text := textOf(m.Title, m.Text)
	tokens, ents := e.Seg.TokensEntities(text)
	n := e.Keywords
	if n == 0 {
		n = 8
	}
	a := Analyzed{Mention: m, Tokens: tokens, Entities: ents, Keywords: e.Seg.Keywords(tokens, n)}
	if e.Schemes != nil {
		a.Schemes = e.Schemes.Matcher().Match(scheme.Input{Text: text, Platform: m.Platform, Region: m.Region, At: m.PublishedAt})
	}
	a.Sentiment = (*e.Sentiment.Load()).Score(text, tokens)
	a.Facts = grade.Inspect(text)
	return a
}

// Store is where analysed mentions and topic summaries go for querying.
type Store interface {
	PutMentions(ctx context.Context, ms []analytics.Mention) error
	PutTopics(ctx context.Context, ts []analytics.Topic) error
}

// Topics where the analyser writes besides the analysed mentions.
const (
	TopicTopics = "topics" // topic.updated.v1, topic.retired.v1
	TopicAlerts = "alerts" // alert.raised.v1, alert.updated.v1
)

// Analyzer is the streaming analysis stage.
type Analyzer struct {
	Enricher *Enricher
	Tracking TrackerConfig
	Store    Store
	Log      eventlog.Log
	Now      func() time.Time
	Logger   *slog.Logger
	// SnapshotPath, if set, is where the tracker's state is saved, with the
	// analysed topic's positions it reaches, every SnapshotEvery analysed
	// mentions (default 20,000) and after a rebuild that replayed
	// ReplaySave or more, so a restart replays only what came after, on
	// either log.
	SnapshotPath  string
	SnapshotEvery int64
	// ReplaySave: a start whose rebuild replayed at least this many
	// analysed mentions saves a snapshot at once (default 1,000): a process
	// killed again before its first periodic snapshot (a crash loop) would
	// otherwise replay ever more at each start.
	ReplaySave int64
	// Workers enrich a batch's mentions at once (default: every core).
	Workers int
	// FromEnriched makes the analyser the tracking stage alone (role
	// track): it reads the enriched topic as GroupTrack instead of
	// enriching the mentions topic itself (see TopicEnriched).
	FromEnriched bool

	replayed int64 // analysed mentions the last rebuild read
	rebuilt  atomic.Bool
}

// parallel calls fn(0..n-1) on up to workers goroutines (default: every
// core) and returns when all are done.
func parallel(n, workers int, fn func(i int)) {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = min(workers, n)
	if workers <= 1 {
		for i := 0; i < n; i++ {
			fn(i)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				fn(i)
			}
		}()
	}
	wg.Wait()
}

// Run rebuilds the tracker from the analysed topic, then consumes the
// mentions topic until ctx is done. On a log that supports it (the embedded
// SQLite log) every output and the consumer offset commit atomically;
// otherwise delivery downstream is at-least-once and the store's idempotent
// writes count each mention once.
func (a *Analyzer) Run(ctx context.Context) error {
	a.rebuilt.Store(false)
	tr, pos, err := a.rebuild(ctx)
	if err != nil {
		return err
	}
	every := a.SnapshotEvery
	if every <= 0 {
		every = 20000
	}
	a.rebuilt.Store(true)
	lastSnap := tr.Processed()
	replaySave := a.ReplaySave
	if replaySave <= 0 {
		replaySave = 1000
	}
	if a.SnapshotPath != "" && a.replayed >= min(every, replaySave) {
		// A replay is not repeated at the next start.
		if err := a.saveSnapshot(ctx, tr, pos); err != nil {
			a.Logger.Warn("tracker snapshot not saved", "err", err)
		}
	}
	from, group := eventlog.TopicMentions, Group
	// mu guards tr and pos between the handler and the standby's warming.
	var mu sync.Mutex
	if a.FromEnriched {
		from, group = TopicEnriched, GroupTrack
		if len(pos) > 1 {
			return fmt.Errorf("the analysed topic has %d partitions; the tracker needs it in one (its order is the tracker's): recreate it with one partition", len(pos))
		}
		// While another process owns the enriched topic, this one is its
		// warm standby: it keeps its tracker at the end of what the owner
		// appends, so taking over replays seconds, not the day.
		wctx, stop := context.WithCancel(ctx)
		defer stop()
		go func() {
			t := time.NewTicker(2 * time.Second)
			defer t.Stop()
			for {
				select {
				case <-wctx.Done():
					return
				case <-t.C:
				}
				mu.Lock()
				if n, err := a.catchUp(wctx, tr, pos); err != nil && wctx.Err() == nil {
					a.Logger.Warn("standby could not follow the analysed topic", "err", err)
				} else if n > 0 {
					a.Logger.Debug("standby followed the owner", "mentions", n)
				}
				mu.Unlock()
			}
		}()
	}
	return eventlog.Pipe(ctx, a.Log, from, group, func(ctx context.Context, tx eventlog.Tx, batch []eventlog.Record) error {
		mu.Lock()
		defer mu.Unlock()
		if a.FromEnriched {
			// Taking over (or after another owner's last batch during a
			// rebalance): first track what others appended.
			if n, err := a.catchUp(ctx, tr, pos); err != nil {
				return err
			} else if n > 0 {
				a.Logger.Info("tracker took over: followed the previous owner's output", "mentions", n, "positions", pos)
			}
		}
		// The previous batch is done (we were called again): the tracker's
		// state now matches the analysed topic up to its ends, a safe
		// moment to save it with those positions. (On a log without
		// transactions its offset may not be committed yet: the mentions
		// come again, and the tracker knows them as exact duplicates.)
		if a.SnapshotPath != "" && tr.Processed()-lastSnap >= every {
			at := pos
			if !a.FromEnriched {
				at = nil // read the ends: on the embedded log the commit just made them
			}
			if err := a.saveSnapshot(ctx, tr, at); err != nil {
				a.Logger.Warn("tracker snapshot not saved", "err", err)
			} else {
				lastSnap = tr.Processed()
			}
		}
		stored, err := a.handle(ctx, tr, tx, batch)
		if err != nil {
			return err
		}
		if a.FromEnriched {
			pos[0] += int64(stored) // the analysed topic's one partition
		}
		return nil
	})
}

// catchUp tracks the analysed mentions after pos that this tracker did not
// write itself (another owner's), advancing pos; it returns how many.
func (a *Analyzer) catchUp(ctx context.Context, tr *Tracker, pos eventlog.Positions) (int, error) {
	ends, err := a.Log.Ends(ctx, eventlog.TopicAnalyzed)
	if err != nil || pos.Behind(ends) == 0 {
		return 0, err
	}
	return a.track(ctx, tr, pos)
}

// Rebuilt reports whether Run has restored its topics and is analysing.
func (a *Analyzer) Rebuilt() bool { return a.rebuilt.Load() }

// saveSnapshot saves the tracker with the positions it reaches (nil: the
// analysed topic's ends now).
func (a *Analyzer) saveSnapshot(ctx context.Context, tr *Tracker, at eventlog.Positions) error {
	if at == nil {
		var err error
		if at, err = a.Log.Ends(ctx, eventlog.TopicAnalyzed); err != nil {
			return err
		}
	}
	if err := tr.SaveSnapshot(a.SnapshotPath, at); err != nil {
		return err
	}
	a.Logger.Info("tracker snapshot saved", "mentions", tr.Processed(), "active_topics", tr.Active(), "positions", at)
	return nil
}

// Rebuild restores the tracker, so its topics, spikes and alerts are what
// they were when the process stopped: from the snapshot and the analysed
// mentions after its positions when there is a usable one, else by
// replaying the whole analysed topic. A run whose handler failed rebuilds
// too: the tracker may have seen mentions whose output was never committed.
func (a *Analyzer) Rebuild(ctx context.Context) (*Tracker, error) {
	tr, _, err := a.rebuild(ctx)
	return tr, err
}

// rebuild is Rebuild, also returning the positions in the analysed topic
// the tracker reaches.
func (a *Analyzer) rebuild(ctx context.Context) (*Tracker, eventlog.Positions, error) {
	if a.SnapshotPath != "" {
		if f, err := os.Open(a.SnapshotPath); err == nil {
			tr, err := RestoreTracker(a.Tracking, f)
			f.Close()
			if err == nil && tr.Positions() == nil {
				err = errors.New("the snapshot records no log positions")
			}
			if err == nil {
				pos := maps.Clone(tr.Positions())
				if err = a.replay(ctx, tr, pos); err == nil {
					return tr, pos, nil
				}
			}
			a.Logger.Warn("tracker snapshot unusable; replaying the whole analysed topic", "path", a.SnapshotPath, "err", err)
		}
	}
	tr, pos := NewTracker(a.Tracking), eventlog.Positions{}
	if err := a.replay(ctx, tr, pos); err != nil {
		return nil, nil, err
	}
	return tr, pos, nil
}

// replay feeds tr the analysed mentions after pos (empty: all of them),
// advancing pos, and logs how it went.
func (a *Analyzer) replay(ctx context.Context, tr *Tracker, pos eventlog.Positions) error {
	fromSnapshot := tr.Processed()
	start := time.Now()
	n, err := a.track(ctx, tr, pos)
	if err != nil {
		return fmt.Errorf("rebuilding topics from the analysed log: %w", err)
	}
	a.replayed = int64(n)
	a.Logger.Info("topics rebuilt from the log", "from_snapshot", fromSnapshot, "replayed", n, "active_topics", tr.Active(), "took", time.Since(start).Round(time.Millisecond))
	return nil
}

// track feeds tr the analysed mentions after pos, advancing pos.
func (a *Analyzer) track(ctx context.Context, tr *Tracker, pos eventlog.Positions) (int, error) {
	n := 0
	err := a.Log.ReplayFrom(ctx, eventlog.TopicAnalyzed, pos, func(_ context.Context, batch []eventlog.Record) error {
		for _, r := range batch {
			var an Analyzed
			if err := json.Unmarshal(r.Event.Payload, &an); err != nil {
				a.Logger.Warn("analysed mention not readable; topics leave it out", "topic", eventlog.TopicAnalyzed, "event", r.Event.ID, "key", r.Event.Key, "type", r.Event.Type, "err", err)
				continue
			}
			tr.Track(&an)
			n++
		}
		pos.Advance(batch)
		return nil
	})
	return n, err
}

// handle analyses one batch and returns how many analysed mentions it
// stored in the analysed topic.
func (a *Analyzer) handle(ctx context.Context, tr *Tracker, tx eventlog.Tx, batch []eventlog.Record) (int, error) {
	now := a.Now()
	rows := make([]analytics.Mention, 0, len(batch))
	var topicRows []analytics.Topic
	var analyzed, topics, alerts []event.Envelope
	emit := func(list *[]event.Envelope, typ, key string, at time.Time, payload any) error {
		e, err := event.New(typ, key, "analyze", at, now, payload)
		if err != nil {
			return err
		}
		*list = append(*list, e)
		return nil
	}
	// Decode, then enrich on every core (the stateless stage) unless the
	// enrich stage did, then track in log order on this goroutine.
	var items []item
	var dead []event.Envelope
	var err error
	if a.FromEnriched {
		items, dead, err = enrichedIn(batch, now)
	} else {
		items, dead, err = mentionsIn(batch, now)
		enrichAll(a.Enricher, items, a.Workers)
	}
	if err != nil {
		return 0, err
	}
	for i := range items {
		r, res, m := items[i].r, items[i].res, items[i].res.Mention
		out := tr.Track(&res)
		if res.Duplicate == nil || res.Duplicate.Kind != dedupe.ExactID {
			rows = append(rows, Row(res, items[i].ingested))
		}
		if err := emit(&analyzed, event.MentionAnalyzed, r.Event.Key, r.Event.Time, res); err != nil {
			return 0, err
		}
		for _, s := range out.Updated {
			if err := emit(&topics, TypeTopicUpdated, s.ID, m.PublishedAt, s); err != nil {
				return 0, err
			}
			topicRows = append(topicRows, TopicRow(s, m.PublishedAt, false))
		}
		for _, x := range out.Split {
			if err := emit(&topics, TypeTopicSplit, x.From, x.At, x); err != nil {
				return 0, err
			}
		}
		for _, x := range out.Merged {
			if err := emit(&topics, TypeTopicMerged, x.Into, x.At, x); err != nil {
				return 0, err
			}
		}
		for _, s := range out.Retired {
			if err := emit(&topics, TypeTopicRetired, s.ID, s.LastTime, s); err != nil {
				return 0, err
			}
			topicRows = append(topicRows, TopicRow(s, m.PublishedAt, true))
		}
		for _, al := range out.Alerts {
			if err := emit(&alerts, al.Type, al.Alert.ID, m.PublishedAt, al.Alert); err != nil {
				return 0, err
			}
		}
	}
	if err := a.Store.PutMentions(ctx, rows); err != nil {
		return 0, fmt.Errorf("storing %d analysed mentions: %w", len(rows), err)
	}
	if err := a.Store.PutTopics(ctx, topicRows); err != nil {
		return 0, fmt.Errorf("storing %d topic summaries: %w", len(topicRows), err)
	}
	refused, err := appendAll(ctx, tx, a.Logger, now, []output{{eventlog.TopicDeadLetter, dead}, {eventlog.TopicAnalyzed, analyzed}, {TopicTopics, topics}, {TopicAlerts, alerts}})
	return len(analyzed) - refused[eventlog.TopicAnalyzed], err
}

// output is what a stage appends to one topic.
type output struct {
	topic string
	evs   []event.Envelope
}

// appendAll appends a stage's outputs in order and returns how many events
// of each topic the log refused for their size: those go to dead letters
// with the reason (retrying cannot help) and the partition moves on.
func appendAll(ctx context.Context, tx eventlog.Tx, logger *slog.Logger, now time.Time, outs []output) (map[string]int, error) {
	refused := map[string]int{}
	for _, o := range outs {
		if len(o.evs) == 0 {
			continue
		}
		err := tx.Append(ctx, o.topic, o.evs...)
		var big *eventlog.TooLargeError
		if errors.As(err, &big) {
			refused[o.topic] = len(big.IDs)
			err = refusedTooLarge(ctx, tx, logger, big, o.evs, now)
		}
		if err != nil {
			return refused, err
		}
	}
	if n := len(outs[0].evs); outs[0].topic == eventlog.TopicDeadLetter && n > 0 {
		logger.Warn("undecodable mention events sent to dead letters", "count", n)
	}
	return refused, nil
}

// refusedTooLarge dead-letters the output events the log refused for their
// size. The dead letter names the event and its key (the mention it came
// from is still in the mentions topic) without its oversized payload.
func refusedTooLarge(ctx context.Context, tx eventlog.Tx, logger *slog.Logger, big *eventlog.TooLargeError, evs []event.Envelope, now time.Time) error {
	keyOf := make(map[string]string, len(evs))
	for _, e := range evs {
		keyOf[e.ID] = e.Key
	}
	var dls []event.Envelope
	for i, id := range big.IDs {
		dl, err := event.New(event.MentionRejected, keyOf[id], "analyze", now, now, mention.Rejected{
			Source: big.Topic + "/" + id,
			Reason: fmt.Sprintf("%s event %s of %d bytes is larger than the log's %d-byte record limit: not stored (the mention %s stays in %s)",
				big.Topic, id, big.Sizes[i], big.Limit, keyOf[id], eventlog.TopicMentions),
		})
		if err != nil {
			return err
		}
		dls = append(dls, dl)
	}
	logger.Error("events too large for the log sent to dead letters", "topic", big.Topic, "count", len(dls), "first", big.IDs[0], "bytes", big.Sizes[0], "limit", big.Limit)
	return tx.Append(ctx, eventlog.TopicDeadLetter, dls...)
}

func deadLetter(r eventlog.Record, cause error, now time.Time) (event.Envelope, error) {
	return event.New(event.MentionRejected, r.Event.Key, "analyze", now, now, mention.Rejected{
		Source: fmt.Sprintf("%s/%d/%d", r.Topic, r.Partition, r.Offset),
		Reason: fmt.Sprintf("event %s: %v", r.Event.ID, cause),
		Raw:    string(r.Event.Payload),
	})
}

// Row is the analytics row of an analysed mention.
func Row(a Analyzed, ingested time.Time) analytics.Mention {
	m := a.Mention
	row := analytics.Mention{
		ID: m.ID, Platform: m.Platform, Source: m.Source, URL: m.URL,
		AuthorID: m.Author.ID, AuthorName: m.Author.Name, Title: m.Title, Text: m.Text,
		PublishedAt: m.PublishedAt, IngestedAt: ingested,
		Tokens: a.Tokens, Keywords: a.Keywords, Drill: m.Drill,
		Sentiment: string(a.Sentiment.Label), SentimentScore: a.Sentiment.Score, Topic: a.Topic,
	}
	for _, s := range a.Schemes {
		row.Schemes = append(row.Schemes, s.SchemeID)
	}
	return row
}

// TopicRow is the analytics row of a topic summary at event time at.
func TopicRow(s TopicSummary, at time.Time, retired bool) analytics.Topic {
	plats := make([]string, 0, len(s.Platforms))
	for p := range s.Platforms {
		plats = append(plats, p)
	}
	sort.Slice(plats, func(i, j int) bool {
		if s.Platforms[plats[i]] != s.Platforms[plats[j]] {
			return s.Platforms[plats[i]] > s.Platforms[plats[j]]
		}
		return plats[i] < plats[j]
	})
	return analytics.Topic{
		ID: s.ID, Label: s.Label, Mentions: int64(s.Mentions), FirstID: s.First.ID, FirstTime: s.FirstTime, LastTime: s.LastTime,
		Platforms: plats, Neg: int64(s.Sentiment.Neg), Neu: int64(s.Sentiment.Neu), Pos: int64(s.Sentiment.Pos),
		Reach: s.Reach, Heat: s.Heat, Lifecycle: s.Lifecycle, Grade: int(s.Suggested.Grade), Schemes: s.Schemes,
		Retired: retired, Drill: s.Drill, Updated: at,
	}
}
