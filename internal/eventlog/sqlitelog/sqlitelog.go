// Package sqlitelog is the embedded event log: one SQLite file (WAL,
// synchronous=FULL) holding every topic's events and every group's committed
// offsets. Each topic has a single partition (0), so order is total.
//
// Appends are serialised through one writer connection; reads run on a pool.
// A consumer may commit its output and its offset in one transaction
// (ConsumeTx), which makes a log-to-log pipe exactly-once.
package sqlitelog

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"yuqing/internal/event"
	"yuqing/internal/eventlog"
	"yuqing/internal/private"
)

// Config configures the embedded log.
type Config struct {
	Path      string        // the database file, e.g. data/log.db
	BatchSize int           // most records per delivered batch (default 500)
	Poll      time.Duration // how often an idle consumer checks for appends by other processes (default 1s)
}

// Validate reports a config that cannot work.
func (c Config) Validate() error {
	if c.Path == "" {
		return errors.New("sqlitelog: path is empty")
	}
	if c.BatchSize < 0 || c.Poll < 0 {
		return errors.New("sqlitelog: batch size and poll interval must not be negative")
	}
	return nil
}

// Log is the SQLite event log. It is safe for concurrent use.
type Log struct {
	cfg    Config
	logger *slog.Logger
	w      *sql.DB // one connection: every write goes through it
	r      *sql.DB // readers (WAL lets them run beside the writer)

	mu      sync.Mutex    // serialises write transactions and guards changed
	changed chan struct{} // closed and replaced after every committed append
	done    chan struct{} // closed by Close
	once    sync.Once
}

var _ eventlog.TxLog = (*Log)(nil)

const schema = `
CREATE TABLE IF NOT EXISTS events (
	topic       TEXT    NOT NULL,
	off         INTEGER NOT NULL,
	id          TEXT    NOT NULL,
	type        TEXT    NOT NULL,
	key         TEXT    NOT NULL,
	time_ns     INTEGER NOT NULL,
	recorded_ns INTEGER NOT NULL,
	actor       TEXT    NOT NULL,
	payload     BLOB    NOT NULL,
	PRIMARY KEY (topic, off)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS topic_ends (
	topic    TEXT PRIMARY KEY,
	next_off INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS group_offsets (
	grp      TEXT NOT NULL,
	topic    TEXT NOT NULL,
	next_off INTEGER NOT NULL,
	PRIMARY KEY (grp, topic)
) WITHOUT ROWID;
`

// Open opens (creating if needed) the log file.
func Open(ctx context.Context, cfg Config, logger *slog.Logger) (*Log, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.BatchSize == 0 {
		cfg.BatchSize = 500
	}
	if cfg.Poll == 0 {
		cfg.Poll = time.Second
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if err := os.MkdirAll(filepath.Dir(cfg.Path), 0o700); err != nil {
		return nil, fmt.Errorf("creating directory for %s: %w", cfg.Path, err)
	}
	// The log holds every mention and account: owner only, whatever the
	// umask. SQLite gives the -wal and -shm files the database's mode.
	if err := private.File(cfg.Path, true, logger, "event log"); err != nil {
		return nil, err
	}
	dsn := "file:" + cfg.Path + "?_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)"
	w, err := sql.Open("sqlite", dsn+"&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("opening event log %s: %w", cfg.Path, err)
	}
	w.SetMaxOpenConns(1)
	r, err := sql.Open("sqlite", dsn+"&_pragma=query_only(1)")
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("opening event log %s for reading: %w", cfg.Path, err)
	}
	r.SetMaxOpenConns(4)
	if _, err := w.ExecContext(ctx, schema); err != nil {
		w.Close()
		r.Close()
		return nil, fmt.Errorf("creating event log schema in %s: %w", cfg.Path, err)
	}
	for _, p := range []string{cfg.Path + "-wal", cfg.Path + "-shm"} {
		if err := private.File(p, false, logger, "event log"); err != nil && !errors.Is(err, os.ErrNotExist) {
			logger.Warn("could not restrict the event log's files to their owner", "err", err)
		}
	}
	return &Log{cfg: cfg, logger: logger, w: w, r: r, changed: make(chan struct{}), done: make(chan struct{})}, nil
}

func (l *Log) isClosed() bool {
	select {
	case <-l.done:
		return true
	default:
		return false
	}
}

// Append implements eventlog.Log. It returns after the transaction holding
// every event is committed with synchronous=FULL.
func (l *Log) Append(ctx context.Context, topic string, events ...event.Envelope) error {
	return l.write(ctx, func(tx *sql.Tx) error { return appendTx(ctx, tx, topic, events) })
}

// write runs fn in one write transaction and wakes consumers after it commits.
func (l *Log) write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.isClosed() {
		return eventlog.ErrClosed
	}
	tx, err := l.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("beginning event log transaction: %w", err)
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("committing event log transaction: %w", err)
	}
	close(l.changed)
	l.changed = make(chan struct{})
	return nil
}

func appendTx(ctx context.Context, tx *sql.Tx, topic string, events []event.Envelope) error {
	for i := range events {
		if err := events[i].Validate(); err != nil {
			return fmt.Errorf("appending event %d of %d to %s: %w", i, len(events), topic, err)
		}
	}
	return insertTx(ctx, tx, topic, events)
}

// eventsPerInsert are the events one INSERT statement writes: a statement
// per event cost more in the driver than the event did in SQLite.
const eventsPerInsert = 64

func insertEventsSQL(n int) string {
	return `INSERT INTO events (topic, off, id, type, key, time_ns, recorded_ns, actor, payload) VALUES ` +
		strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, ?, ?, ?, ?, ?), ", n), ", ")
}

// insertTx appends events, validated already, to topic in tx.
func insertTx(ctx context.Context, tx *sql.Tx, topic string, events []event.Envelope) error {
	if topic == "" {
		return errors.New("appending: topic is empty")
	}
	if len(events) == 0 {
		return nil
	}
	var next int64
	err := tx.QueryRowContext(ctx, `SELECT next_off FROM topic_ends WHERE topic = ?`, topic).Scan(&next)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("reading the end of topic %s: %w", topic, err)
	}
	// The inserts run without ctx's cancellation, which the driver would
	// watch with a goroutine per statement; ctx is checked between them,
	// and the transaction ends with it.
	xctx := context.WithoutCancel(ctx)
	args := make([]any, 0, 9*min(len(events), eventsPerInsert))
	for i, e := range events {
		args = append(args, topic, next+int64(i), e.ID, e.Type, e.Key, e.Time.UnixNano(), e.Recorded.UnixNano(), e.Actor, []byte(e.Payload))
		if len(args) < cap(args) && i < len(events)-1 {
			continue
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if _, err := tx.ExecContext(xctx, insertEventsSQL(len(args)/9), args...); err != nil {
			first := i + 1 - len(args)/9
			return fmt.Errorf("appending events %s.. to %s at offset %d: %w", events[first].ID, topic, next+int64(first), err)
		}
		args = args[:0]
	}
	next += int64(len(events))
	if _, err := tx.ExecContext(ctx, `INSERT INTO topic_ends (topic, next_off) VALUES (?, ?) ON CONFLICT(topic) DO UPDATE SET next_off = excluded.next_off`, topic, next); err != nil {
		return fmt.Errorf("advancing the end of topic %s: %w", topic, err)
	}
	return nil
}

// read returns up to limit records of topic from offset from, below end (end < 0: no bound).
func (l *Log) read(ctx context.Context, topic string, from, end int64, limit int) ([]eventlog.Record, error) {
	if end < 0 {
		end = 1<<63 - 1
	}
	rows, err := l.r.QueryContext(ctx, `SELECT off, id, type, key, time_ns, recorded_ns, actor, payload FROM events WHERE topic = ? AND off >= ? AND off < ? ORDER BY off LIMIT ?`, topic, from, end, limit)
	if err != nil {
		return nil, l.wrapClosed(fmt.Errorf("reading %s from offset %d: %w", topic, from, err))
	}
	defer rows.Close()
	var out []eventlog.Record
	for rows.Next() {
		var (
			r        eventlog.Record
			tns, rns int64
			payload  []byte
		)
		if err := rows.Scan(&r.Offset, &r.Event.ID, &r.Event.Type, &r.Event.Key, &tns, &rns, &r.Event.Actor, &payload); err != nil {
			return nil, fmt.Errorf("scanning %s: %w", topic, err)
		}
		r.Topic = topic
		r.Event.Time = time.Unix(0, tns).UTC()
		r.Event.Recorded = time.Unix(0, rns).UTC()
		r.Event.Payload = payload
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, l.wrapClosed(fmt.Errorf("reading %s: %w", topic, err))
	}
	return out, nil
}

func (l *Log) wrapClosed(err error) error {
	if l.isClosed() {
		return fmt.Errorf("%w (%v)", eventlog.ErrClosed, err)
	}
	return err
}

func (l *Log) committed(ctx context.Context, topic, group string) (int64, error) {
	var off int64
	err := l.r.QueryRowContext(ctx, `SELECT next_off FROM group_offsets WHERE grp = ? AND topic = ?`, group, topic).Scan(&off)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, l.wrapClosed(fmt.Errorf("reading committed offset of group %s on %s: %w", group, topic, err))
	}
	return off, nil
}

func commitTx(ctx context.Context, tx *sql.Tx, topic, group string, next int64) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO group_offsets (grp, topic, next_off) VALUES (?, ?, ?) ON CONFLICT(grp, topic) DO UPDATE SET next_off = excluded.next_off`, group, topic, next)
	if err != nil {
		return fmt.Errorf("committing offset %d of group %s on %s: %w", next, group, topic, err)
	}
	return nil
}

// Consume implements eventlog.Log.
func (l *Log) Consume(ctx context.Context, topic, group string, h eventlog.Handler) error {
	return l.ConsumeTx(ctx, topic, group, func(ctx context.Context, _ eventlog.Tx, batch []eventlog.Record) error {
		return h(ctx, batch)
	})
}

// bufferTx collects a handler's appends so they can be written in the
// transaction that commits the offset, without holding the writer while the
// handler works.
type bufferTx struct {
	topics []string
	events [][]event.Envelope
}

func (b *bufferTx) Append(_ context.Context, topic string, events ...event.Envelope) error {
	for i := range events {
		if err := events[i].Validate(); err != nil {
			return fmt.Errorf("appending to %s: %w", topic, err)
		}
	}
	b.topics = append(b.topics, topic)
	b.events = append(b.events, events)
	return nil
}

// ConsumeTx implements eventlog.TxLog: what h appends through tx and the
// batch's offset are committed in one transaction, or neither is.
func (l *Log) ConsumeTx(ctx context.Context, topic, group string, h eventlog.TxHandler) error {
	if l.isClosed() {
		return eventlog.ErrClosed
	}
	off, err := l.committed(ctx, topic, group)
	if err != nil {
		return err
	}
	for {
		l.mu.Lock()
		changed := l.changed
		l.mu.Unlock()
		batch, err := l.read(ctx, topic, off, -1, l.cfg.BatchSize)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return err
		}
		if len(batch) == 0 {
			if err := l.wait(ctx, changed); err != nil {
				return err
			}
			continue
		}
		buf := &bufferTx{}
		if err := h(ctx, buf, batch); err != nil {
			return fmt.Errorf("group %s handling %s offsets %d..%d: %w", group, topic, batch[0].Offset, batch[len(batch)-1].Offset, err)
		}
		next := batch[len(batch)-1].Offset + 1
		// The handler succeeded: commit even if ctx was cancelled meanwhile.
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		err = l.write(cctx, func(tx *sql.Tx) error {
			for i, t := range buf.topics {
				// bufferTx.Append validated them.
				if err := insertTx(cctx, tx, t, buf.events[i]); err != nil {
					return err
				}
			}
			return commitTx(cctx, tx, topic, group, next)
		})
		cancel()
		if err != nil {
			return err
		}
		off = next
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
}

// wait blocks until an append commits, the poll interval passes (appends by
// other processes), ctx is done or the log closes.
func (l *Log) wait(ctx context.Context, changed <-chan struct{}) error {
	t := time.NewTimer(l.cfg.Poll)
	defer t.Stop()
	select {
	case <-changed:
		return nil
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-l.done:
		return eventlog.ErrClosed
	}
}

// Replay implements eventlog.Log.
func (l *Log) Replay(ctx context.Context, topic string, h eventlog.Handler) error {
	return l.ReplayFrom(ctx, topic, nil, h)
}

// ReplayFrom implements eventlog.Log. The embedded log has one partition, 0.
func (l *Log) ReplayFrom(ctx context.Context, topic string, from eventlog.Positions, h eventlog.Handler) error {
	if l.isClosed() {
		return eventlog.ErrClosed
	}
	end, err := l.End(ctx, topic)
	if err != nil {
		return l.wrapClosed(fmt.Errorf("reading the end of %s: %w", topic, err))
	}
	off := from[0]
	if off > end {
		return fmt.Errorf("replaying %s from offset %d: the topic ends at %d (positions from another log?)", topic, off, end)
	}
	for off < end {
		batch, err := l.read(ctx, topic, off, end, l.cfg.BatchSize)
		if err != nil {
			return err
		}
		if len(batch) == 0 {
			return fmt.Errorf("replaying %s: offsets %d..%d are missing", topic, off, end-1)
		}
		if err := h(ctx, batch); err != nil {
			return fmt.Errorf("replaying %s at offset %d: %w", topic, batch[0].Offset, err)
		}
		off = batch[len(batch)-1].Offset + 1
	}
	return nil
}

// Appended implements eventlog.Notifier: closed at this process's next
// committed append.
func (l *Log) Appended() <-chan struct{} {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.changed
}

// Ends implements eventlog.Log.
func (l *Log) Ends(ctx context.Context, topic string) (eventlog.Positions, error) {
	if l.isClosed() {
		return nil, eventlog.ErrClosed
	}
	end, err := l.End(ctx, topic)
	if err != nil {
		return nil, l.wrapClosed(fmt.Errorf("reading the end of %s: %w", topic, err))
	}
	if end == 0 {
		return eventlog.Positions{}, nil
	}
	return eventlog.Positions{0: end}, nil
}

// End returns the next offset of topic: how many events it holds.
func (l *Log) End(ctx context.Context, topic string) (int64, error) {
	var end int64
	err := l.r.QueryRowContext(ctx, `SELECT next_off FROM topic_ends WHERE topic = ?`, topic).Scan(&end)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return end, err
}

// Close implements eventlog.Log. It waits for a write in progress.
func (l *Log) Close() error {
	var err error
	l.once.Do(func() {
		l.mu.Lock()
		close(l.done)
		l.mu.Unlock()
		err = errors.Join(l.w.Close(), l.r.Close())
	})
	return err
}
