package backfill

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"math"
	"time"

	"yuqing/ingest/drill"
	"yuqing/internal/mention"
)

// Clock is the time Replay runs on; the zero value is the real one
// (time.Now and drill.Sleep). Tests pass a fake whose Sleep moves Now.
type Clock struct {
	Now   func() time.Time
	Sleep drill.SleepFunc
}

// ReplayStats says what a replay did.
type ReplayStats struct {
	Sent    int           // mentions posted
	Posts   int           // calls of post
	Covered time.Duration // event time from the first mention to the last sent
	Elapsed time.Duration // real (clock) time
}

// Replayer sends mentions in event time. Unlike drill.Player, which plays a
// scenario "now" and rewrites published_at, it keeps every mention as it
// is, reads a stream (not only a slice) and groups only what is due at
// once: it is for history, not drills.
type Replayer struct {
	// Speed is event time per real time: 60 replays an hour of mentions in
	// a minute. 0, negative or +Inf sends everything as fast as post takes
	// it.
	Speed float64
	Post  drill.PostFunc // e.g. a write to the log, or drill.Poster.Post to a server
	Clock Clock
	// MaxBatch bounds one post (default 1000).
	MaxBatch int
	// Window gathers mentions due within it of the first of a post into
	// that post (default 0: only those due at the same moment, and any that
	// are already late because post was slow).
	Window time.Duration
	// Progress is called after each post; may be nil.
	Progress func(ReplayStats)
}

// Replay sends mentions through post spaced by the gaps between their
// published_at divided by speed, with the clock's Now and Sleep: see
// Replayer. Mentions should come sorted by PublishedAt (slices.Values of a
// sorted slice, or a stream); one earlier than its predecessor is sent at
// once, with the mentions then due.
func Replay(ctx context.Context, mentions iter.Seq[mention.Mention], speed float64, post drill.PostFunc, clock Clock) (ReplayStats, error) {
	return (&Replayer{Speed: speed, Post: post, Clock: clock}).Replay(ctx, mentions)
}

// Replay sends every mention once, in the order given: mention i is due
// at (its published_at − the first's) / Speed after the replay began, and
// no mention is posted before it is due. Mentions due at the same moment
// (within Window) go in one post of at most MaxBatch. It stops at the
// first failed post or when ctx is done, saying how far it got.
func (p *Replayer) Replay(ctx context.Context, mentions iter.Seq[mention.Mention]) (ReplayStats, error) {
	var st ReplayStats
	if p.Post == nil {
		return st, errors.New("backfill: replay has no post function")
	}
	now, sleep := p.Clock.Now, p.Clock.Sleep
	if now == nil {
		now = time.Now
	}
	if sleep == nil {
		sleep = drill.Sleep
	}
	maxBatch := p.MaxBatch
	if maxBatch <= 0 {
		maxBatch = 1000
	}
	next, stop := iter.Pull(mentions)
	defer stop()
	m, ok := next()
	if !ok {
		return st, nil
	}
	first, begin := m.PublishedAt, now()
	due := func(m mention.Mention) time.Time {
		off := m.PublishedAt.Sub(first)
		if p.Speed <= 0 || math.IsInf(p.Speed, 1) || math.IsNaN(p.Speed) || off <= 0 {
			return begin
		}
		scaled := float64(off) / p.Speed
		if scaled >= math.MaxInt64/2 {
			scaled = math.MaxInt64 / 2
		}
		return begin.Add(time.Duration(scaled))
	}
	stopped := func(err error) (ReplayStats, error) {
		st.Elapsed = now().Sub(begin)
		return st, fmt.Errorf("backfill: replay stopped after %d mentions: %w", st.Sent, err)
	}
	for ok {
		batch := []mention.Mention{m}
		head := due(m)
		last := head
		// What falls due with the head of the batch…
		for {
			if m, ok = next(); !ok || len(batch) >= maxBatch {
				break
			}
			d := due(m)
			if d.After(head.Add(p.Window)) {
				break
			}
			batch = append(batch, m)
			last = later(last, d)
		}
		if wait := last.Sub(now()); wait > 0 {
			if err := sleep(ctx, wait); err != nil {
				return stopped(err)
			}
		}
		if err := ctx.Err(); err != nil {
			return stopped(err)
		}
		// …and whatever is late by now.
		for t := now(); ok && len(batch) < maxBatch && !due(m).After(t); m, ok = next() {
			batch = append(batch, m)
		}
		if err := p.Post(ctx, batch); err != nil {
			return stopped(fmt.Errorf("posting %d mentions: %w", len(batch), err))
		}
		st.Sent += len(batch)
		st.Posts++
		for _, b := range batch {
			st.Covered = max(st.Covered, b.PublishedAt.Sub(first))
		}
		st.Elapsed = now().Sub(begin)
		if p.Progress != nil {
			p.Progress(st)
		}
	}
	return st, nil
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
