package drill

import (
	"context"
	"fmt"
	"math"
	"slices"
	"time"

	"yuqing/internal/mention"
)

// PostFunc delivers a batch of mentions: a Poster's Post over HTTP, or, in a
// server playing a drill into itself, a write to the ingest log.
type PostFunc func(ctx context.Context, ms []mention.Mention) error

// SleepFunc waits d or until ctx is done.
type SleepFunc func(ctx context.Context, d time.Duration) error

// Sleep waits d or until ctx is done, whichever is first.
func Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Clock says how a Player rewrites published_at.
type Clock int

const (
	// SimulatedClock: published_at = start of play + the mention's offset in
	// the scenario. The stream keeps its shape (rates per minute, gaps) as
	// the analyser sees it in event time; at a speed above 1 the drill clock
	// runs ahead of the wall clock (a 5-hour scenario at speed 60 ends with
	// mentions 5 hours "from now", well inside the day of the future that
	// ingest accepts).
	SimulatedClock Clock = iota
	// RealClock: published_at = the real moment the mention is due, so every
	// mention looks published "just now"; the scenario is compressed by the
	// speed and its rates multiplied by it.
	RealClock
)

// Progress is reported after each batch.
type Progress struct {
	Sent, Total int
	Batch       int           // mentions in the batch just sent
	Simulated   time.Duration // scenario time of the last mention sent, from the first
	At          time.Time     // its rewritten published_at
	Elapsed     time.Duration // real time since play began
}

func (p Progress) String() string {
	return fmt.Sprintf("%d/%d sent, T+%s", p.Sent, p.Total, p.Simulated.Round(time.Second))
}

// Player plays a stream into a server in real time scaled by Speed.
type Player struct {
	// Speed is simulated time per real time: 60 plays one simulated minute a
	// real second. 0, negative or +Inf sends everything without waiting.
	Speed    float64
	Post     PostFunc
	Now      func() time.Time // default time.Now
	Sleep    SleepFunc        // default Sleep
	Clock    Clock
	Progress func(Progress) // called after each batch; may be nil
	// MaxBatch bounds a batch (default 50). Tick is the real time within
	// which due mentions are gathered into one batch (default 250ms): no
	// mention is sent before it is due, none more than Tick late when the
	// server keeps up.
	MaxBatch int
	Tick     time.Duration
}

// Play plays ms at speed through post, with injectable clock and sleep: the
// Player with defaults for the rest.
func Play(ctx context.Context, ms []mention.Mention, speed float64, post PostFunc, now func() time.Time, sleep SleepFunc) error {
	return (&Player{Speed: speed, Post: post, Now: now, Sleep: sleep}).Play(ctx, ms)
}

// Play sends every mention of ms once, in event-time order, in small
// batches, each when it is due: its offset from the first mention divided
// by Speed after play began. published_at is rewritten (see Clock) so that
// the first mention is published at the moment play begins; ms itself is
// not changed. It stops at the first failed batch or when ctx is done,
// saying how far it got.
func (p *Player) Play(ctx context.Context, ms []mention.Mention) error {
	if p.Post == nil {
		return fmt.Errorf("drill: player has no post function")
	}
	now, sleep := p.Now, p.Sleep
	if now == nil {
		now = time.Now
	}
	if sleep == nil {
		sleep = Sleep
	}
	maxBatch, tick := p.MaxBatch, p.Tick
	if maxBatch <= 0 {
		maxBatch = 50
	}
	if tick <= 0 {
		tick = 250 * time.Millisecond
	}
	if len(ms) == 0 {
		return nil
	}
	if !slices.IsSortedFunc(ms, byTime) {
		ms = slices.Clone(ms)
		slices.SortStableFunc(ms, byTime)
	}
	first := ms[0].PublishedAt
	begin := now()
	scale := func(d time.Duration) time.Duration {
		if p.Speed <= 0 || math.IsInf(p.Speed, 1) {
			return 0
		}
		return time.Duration(float64(d) / p.Speed)
	}
	due := func(i int) time.Time { return begin.Add(scale(ms[i].PublishedAt.Sub(first))) }
	publish := func(i int) time.Time {
		if p.Clock == RealClock {
			return due(i)
		}
		return begin.Add(ms[i].PublishedAt.Sub(first))
	}

	for i := 0; i < len(ms); {
		// Gather what falls due within a tick of the next mention, wait
		// until the last of it is due, then take whatever else is late.
		j := i + 1
		for j < len(ms) && j-i < maxBatch && !due(j).After(due(i).Add(tick)) {
			j++
		}
		if wait := due(j - 1).Sub(now()); wait > 0 {
			if err := sleep(ctx, wait); err != nil {
				return fmt.Errorf("drill: stopped after %d of %d mentions: %w", i, len(ms), err)
			}
		}
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("drill: stopped after %d of %d mentions: %w", i, len(ms), err)
		}
		for t := now(); j < len(ms) && j-i < maxBatch && !due(j).After(t); {
			j++
		}
		batch := make([]mention.Mention, j-i)
		for k := range batch {
			batch[k] = ms[i+k]
			batch[k].PublishedAt = publish(i + k)
		}
		if err := p.Post(ctx, batch); err != nil {
			return fmt.Errorf("drill: sending mentions %d–%d of %d: %w", i+1, j, len(ms), err)
		}
		if p.Progress != nil {
			p.Progress(Progress{
				Sent: j, Total: len(ms), Batch: j - i,
				Simulated: ms[j-1].PublishedAt.Sub(first),
				At:        batch[len(batch)-1].PublishedAt,
				Elapsed:   now().Sub(begin),
			})
		}
		i = j
	}
	return nil
}

func byTime(a, b mention.Mention) int { return a.PublishedAt.Compare(b.PublishedAt) }
