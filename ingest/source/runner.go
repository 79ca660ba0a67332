package source

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"yuqing/ingest"
	"yuqing/ingest/normalize"
	"yuqing/internal/backoff"
	"yuqing/internal/event"
	"yuqing/internal/eventlog"
	"yuqing/internal/mention"
)

// The topic and event types the Runner keeps its state in.
const (
	Topic      = "sources"          // cursors and health, keyed by source name
	TypeCursor = "source.cursor.v1" // CursorEvent
	TypeHealth = "source.health.v1" // Health
)

// CursorEvent is a source's position, appended after the log accepted the
// batch that led to it. The latest one per source wins.
type CursorEvent struct {
	Source string    `json:"source"`
	Cursor string    `json:"cursor"`
	At     time.Time `json:"at"`
}

// Health is what a source's last attempts looked like.
type Health struct {
	Source      string    `json:"source"`
	OK          bool      `json:"ok"`
	At          time.Time `json:"at"`
	LastSuccess time.Time `json:"last_success,omitzero"`
	Items       int       `json:"items"`            // items written (good and rejected) since the previous health event
	LagMS       int64     `json:"lag_ms,omitempty"` // ingest time minus publish time of the newest mention written since the previous health event
	Error       string    `json:"error,omitempty"`
	AuthFailed  bool      `json:"auth_failed"`        // the source is blind: credentials refused or a login wall
	Failures    int       `json:"failures,omitempty"` // consecutive failed attempts
	Ended       bool      `json:"ended,omitempty"`    // a finite source reached its end

	// Over the last hour: items written, attempts (reads that wrote or
	// failed), and the share of attempts that failed.
	ItemsLastHour int     `json:"items_last_hour"`
	Attempts      int     `json:"attempts_last_hour"`
	ErrorRate     float64 `json:"error_rate"`
}

// attempt is one read that wrote (ok) or failed, for the hourly figures.
type attempt struct {
	at    time.Time
	items int
	ok    bool
}

// healthWindow is the period of the hourly figures.
const healthWindow = time.Hour

// Log is what the Runner needs of the event log.
type Log interface {
	ingest.Appender
	Replay(ctx context.Context, topic string, h eventlog.Handler) error
}

// Options tune a Runner. Zero values take the defaults noted.
type Options struct {
	Clock func() time.Time                                 // default time.Now
	Sleep func(ctx context.Context, d time.Duration) error // default: a timer; returns ctx.Err() if ctx ends first
	Seed  uint64                                           // seeds backoff jitter; 0: random

	BackoffBase     time.Duration // first retry delay (default 1s), doubled per failure
	BackoffMax      time.Duration // longest delay, also used for errors not marked retryable (default 5m)
	DefaultInterval time.Duration // poll interval of sources without one (default 5m)
	ReadTimeout     time.Duration // limit of one Read for sources without a timeout (default 60s)
	HealthEvery     time.Duration // at most one health event per source per period unless its state flips (default 1m)

	Actor  string // actor of the events written (default "ingest:source")
	Logger *slog.Logger

	// AfterWrite, if set, is called when a batch is in the log and before
	// its cursor is: the window a crash re-reads. The crash test kills the
	// process here.
	AfterWrite func(source string)
}

func (o *Options) defaults() {
	if o.Clock == nil {
		o.Clock = time.Now
	}
	if o.Sleep == nil {
		o.Sleep = Sleep
	}
	if o.Seed == 0 {
		o.Seed = rand.Uint64()
	}
	if o.BackoffBase <= 0 {
		o.BackoffBase = time.Second
	}
	if o.BackoffMax <= 0 {
		o.BackoffMax = 5 * time.Minute
	}
	if o.BackoffMax < o.BackoffBase {
		o.BackoffMax = o.BackoffBase
	}
	if o.DefaultInterval <= 0 {
		o.DefaultInterval = 5 * time.Minute
	}
	if o.ReadTimeout <= 0 {
		o.ReadTimeout = 60 * time.Second
	}
	if o.HealthEvery <= 0 {
		o.HealthEvery = time.Minute
	}
	if o.Actor == "" {
		o.Actor = "ingest:source"
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
}

// Sleep waits d or until ctx is done (then ctx.Err()). It is the Runner's
// default wait, and connectors' between requests.
func Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Runner runs many sources into the log, each in its own goroutine.
type Runner struct {
	log   Log
	cfg   Config
	reg   Registry
	opt   Options
	hosts map[string]*Bucket

	rngMu sync.Mutex
	rng   *rand.Rand
}

// NewRunner checks the config against the registry and prepares the
// per-host rate limits. Nothing is connected until Run.
func NewRunner(log Log, cfg Config, reg Registry, opt Options) (*Runner, error) {
	if log == nil {
		return nil, errors.New("source: runner needs a log")
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if err := reg.Check(cfg); err != nil {
		return nil, err
	}
	opt.defaults()
	r := &Runner{log: log, cfg: cfg, reg: reg, opt: opt, hosts: map[string]*Bucket{},
		rng: rand.New(rand.NewPCG(opt.Seed, opt.Seed^0x9e3779b97f4a7c15))}
	for _, sc := range cfg.Sources {
		h := sc.Host()
		if h == "" {
			continue
		}
		if _, ok := r.hosts[h]; ok {
			continue
		}
		rate, ok := cfg.HostRates[h]
		if !ok {
			rate = cfg.DefaultHostRate
		}
		r.hosts[h] = NewBucket(rate, 1)
	}
	return r, nil
}

// Run restores every source's cursor from the log, then runs the enabled
// sources until ctx ends (returning ctx.Err()) or every source reached its
// end of input (returning nil). A source that fails keeps being retried with
// backoff; it never stops the others.
func (r *Runner) Run(ctx context.Context) error {
	cursors, err := Cursors(ctx, r.log)
	if err != nil {
		return fmt.Errorf("source: restoring cursors: %w", err)
	}
	type job struct {
		sc  SourceConfig
		src Source
	}
	var jobs []job
	var errs []error
	for _, sc := range r.cfg.Sources {
		if sc.Disabled {
			continue
		}
		src, err := r.reg[sc.Type](sc)
		if err != nil {
			errs = append(errs, fmt.Errorf("source %q: %w", sc.Name, err))
			continue
		}
		jobs = append(jobs, job{sc, src})
	}
	if len(errs) > 0 {
		for _, j := range jobs {
			j.src.Close(ctx)
		}
		return errors.Join(errs...)
	}
	var wg sync.WaitGroup
	for _, j := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.runSource(ctx, j.sc, j.src, cursors[j.sc.Name].Cursor)
		}()
	}
	wg.Wait()
	return ctx.Err()
}

// Cursors replays the sources topic: the latest cursor of each source.
func Cursors(ctx context.Context, l Log) (map[string]CursorEvent, error) {
	out := map[string]CursorEvent{}
	err := l.Replay(ctx, Topic, func(_ context.Context, batch []eventlog.Record) error {
		for _, rec := range batch {
			if rec.Event.Type != TypeCursor {
				continue
			}
			var c CursorEvent
			if err := rec.Event.Decode(&c); err != nil {
				return err
			}
			out[c.Source] = c
		}
		return nil
	})
	return out, err
}

// LatestHealth replays the sources topic: the latest health of each source.
func LatestHealth(ctx context.Context, l Log) (map[string]Health, error) {
	out := map[string]Health{}
	err := l.Replay(ctx, Topic, func(_ context.Context, batch []eventlog.Record) error {
		for _, rec := range batch {
			if rec.Event.Type != TypeHealth {
				continue
			}
			var h Health
			if err := rec.Event.Decode(&h); err != nil {
				return err
			}
			out[h.Source] = h
		}
		return nil
	})
	return out, err
}

// run is one source's state inside runSource.
type run struct {
	sc        SourceConfig
	src       Source
	bucket    *Bucket
	host      *Bucket
	committed string // the cursor the log holds
	failures  int

	// health
	emitted     bool
	last        Health
	lastSuccess time.Time
	items       int
	newest      time.Time // newest published time written since the last health event
	newestAt    time.Time // when it was written
	window      []attempt // the last hour's attempts, oldest first
}

// record notes an attempt and forgets those older than the window.
func (st *run) record(a attempt) {
	st.window = append(st.window, a)
	cut := 0
	for cut < len(st.window) && a.at.Sub(st.window[cut].at) > healthWindow {
		cut++
	}
	if cut > 0 {
		st.window = append(st.window[:0], st.window[cut:]...)
	}
}

func (r *Runner) runSource(ctx context.Context, sc SourceConfig, src Source, cursor string) {
	log := r.opt.Logger.With("source", sc.Name)
	st := &run{sc: sc, src: src, bucket: NewBucket(sc.Rate, sc.Burst), host: r.hosts[sc.Host()], committed: cursor}
	defer func() {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if err := src.Close(cctx); err != nil {
			log.Warn("closing source", "err", err)
		}
	}()
	if cursor != "" {
		if rs, ok := src.(Resumer); ok {
			if err := rs.Resume(cursor); err != nil {
				log.Warn("cursor from the log refused; starting the source afresh", "err", err)
			}
		}
	}
	interval := sc.Interval.D()
	if interval <= 0 {
		interval = r.opt.DefaultInterval
	}
	connected := false
	for ctx.Err() == nil {
		if !connected {
			if err := src.Connect(ctx); err != nil {
				if !r.failed(ctx, st, fmt.Errorf("connecting: %w", err)) {
					return
				}
				continue
			}
			connected = true
		}
		if err := r.opt.Sleep(ctx, max(st.bucket.Reserve(r.opt.Clock()), st.host.Reserve(r.opt.Clock()))); err != nil {
			return
		}
		start := r.opt.Clock()
		b, err := r.read(ctx, st)
		if errors.Is(err, ErrEndOfInput) {
			log.Info("source reached its end")
			h := r.health(st, true, nil)
			h.Ended = true
			r.emit(ctx, st, h, true)
			return
		}
		if err != nil {
			if errors.Is(err, ErrNotConnected) {
				connected = false
			}
			if !r.failed(ctx, st, err) {
				return
			}
			continue
		}
		r.sanitize(st, &b)
		if !r.write(ctx, st, b) {
			return
		}
		if r.opt.AfterWrite != nil && b.Len() > 0 {
			r.opt.AfterWrite(sc.Name)
		}
		if b.Cursor != "" && b.Cursor != st.committed {
			if err := r.appendCursor(ctx, sc.Name, b.Cursor); err != nil {
				// The batch is in the log; the next cursor event supersedes
				// this one. A crash before then re-reads: at-least-once.
				if !r.failed(ctx, st, fmt.Errorf("saving cursor: %w", err)) {
					return
				}
				continue
			}
			st.committed = b.Cursor
		}
		st.failures = 0
		st.lastSuccess = r.opt.Clock()
		st.record(attempt{at: st.lastSuccess, items: b.Len(), ok: true})
		r.emit(ctx, st, r.health(st, true, nil), false)
		if b.More {
			continue
		}
		if err := r.opt.Sleep(ctx, start.Add(interval).Sub(r.opt.Clock())); err != nil {
			return
		}
	}
}

// read calls Read under the source's timeout. A timeout of the read (not of
// the runner) is retryable.
func (r *Runner) read(ctx context.Context, st *run) (Batch, error) {
	timeout := st.sc.Timeout.D()
	if timeout <= 0 {
		timeout = r.opt.ReadTimeout
	}
	rctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	b, err := st.src.Read(rctx)
	if err != nil && ctx.Err() == nil && rctx.Err() != nil && !IsRetryable(err) {
		err = Retryable(fmt.Errorf("read timed out after %s: %w", timeout, err))
	}
	return b, err
}

// sanitize names the mentions' source and moves any invalid mention into
// the dead letters: a buggy connector must not put bad mentions in the log.
func (r *Runner) sanitize(st *run, b *Batch) {
	now := r.opt.Clock()
	loc, _ := st.sc.Location() // validated with the config
	good := b.Mentions[:0:0]
	for i, m := range b.Mentions {
		if m.Source == "" {
			m.Source = st.sc.Source
			if m.Source == "" {
				m.Source = st.sc.Name
			}
		}
		normalize.Mention(&m, loc, now)
		if err := m.Validate(now); err != nil {
			raw, _ := json.Marshal(m)
			b.Rejected = append(b.Rejected, mention.Rejected{Index: i, Reason: err.Error(), Raw: string(raw)})
			continue
		}
		good = append(good, m)
	}
	b.Mentions = good
}

// write gets the batch into the log, retrying with backoff until it does or
// ctx ends (false). The batch is held, not re-read: the source has moved on.
func (r *Runner) write(ctx context.Context, st *run, b Batch) bool {
	if b.Len() == 0 {
		return true
	}
	for {
		now := r.opt.Clock()
		err := ingest.Write(ctx, r.log, b.Mentions, b.Rejected, st.sc.Name, r.opt.Actor, now)
		if err == nil {
			st.items += b.Len()
			for _, m := range b.Mentions {
				if m.PublishedAt.After(st.newest) {
					st.newest, st.newestAt = m.PublishedAt, now
				}
			}
			return true
		}
		if !r.failed(ctx, st, Retryable(fmt.Errorf("writing to the log: %w", err))) {
			return false
		}
	}
}

func (r *Runner) appendCursor(ctx context.Context, name, cursor string) error {
	now := r.opt.Clock()
	e, err := event.New(TypeCursor, name, r.opt.Actor, now, now, CursorEvent{Source: name, Cursor: cursor, At: now.UTC()})
	if err != nil {
		return err
	}
	return r.log.Append(ctx, Topic, e)
}

// failed records a failed attempt, reports health and waits the backoff.
// It returns false when ctx ended.
func (r *Runner) failed(ctx context.Context, st *run, err error) bool {
	if ctx.Err() != nil {
		return false
	}
	st.failures++
	st.record(attempt{at: r.opt.Clock(), ok: false})
	d := r.Backoff(st.failures, err)
	r.opt.Logger.Warn("source attempt failed", "source", st.sc.Name, "err", err, "failures", st.failures, "retry_in", d)
	r.emit(ctx, st, r.health(st, false, err), false)
	return r.opt.Sleep(ctx, d) == nil
}

// Backoff is the wait before retry number n (from 1) after err: for a
// retryable error base·2^(n-1) capped at the maximum, with "equal jitter"
// (half fixed, half random); for any other error, an authentication failure
// included, the maximum. A server's Retry-After is a floor.
func (r *Runner) Backoff(n int, err error) time.Duration {
	b := backoff.Backoff{Min: r.opt.BackoffBase, Max: r.opt.BackoffMax, Jitter: 0.5}
	if !IsRetryable(err) || errors.Is(err, ErrAuth) {
		b.Min = b.Max // every retry waits the longest
	}
	r.rngMu.Lock()
	d := b.Next(n, r.rng)
	r.rngMu.Unlock()
	return max(d, retryAfter(err))
}

func (r *Runner) health(st *run, ok bool, err error) Health {
	h := Health{Source: st.sc.Name, OK: ok, At: r.opt.Clock().UTC(), LastSuccess: st.lastSuccess.UTC(), Items: st.items, Failures: st.failures}
	if !st.newest.IsZero() {
		h.LagMS = st.newestAt.Sub(st.newest).Milliseconds()
	}
	if err != nil {
		h.Error = err.Error()
		h.AuthFailed = errors.Is(err, ErrAuth)
	}
	failed := 0
	for _, a := range st.window {
		if h.At.Sub(a.at) > healthWindow {
			continue
		}
		h.Attempts++
		h.ItemsLastHour += a.items
		if !a.ok {
			failed++
		}
	}
	if h.Attempts > 0 {
		h.ErrorRate = float64(failed) / float64(h.Attempts)
	}
	return h
}

// emit appends a health event when the source's state flipped (ok, auth),
// on the first attempt, when forced, or once per HealthEvery.
func (r *Runner) emit(ctx context.Context, st *run, h Health, force bool) {
	due := force || !st.emitted || h.OK != st.last.OK || h.AuthFailed != st.last.AuthFailed ||
		h.At.Sub(st.last.At) >= r.opt.HealthEvery
	if !due {
		return
	}
	e, err := event.New(TypeHealth, h.Source, r.opt.Actor, h.At, h.At, h)
	if err == nil {
		err = r.log.Append(ctx, Topic, e)
	}
	if err != nil {
		if ctx.Err() == nil {
			r.opt.Logger.Warn("appending source health", "source", h.Source, "err", err)
		}
		return
	}
	st.emitted, st.last = true, h
	st.items, st.newest, st.newestAt = 0, time.Time{}, time.Time{}
}
