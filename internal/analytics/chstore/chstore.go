// Package chstore is the ClickHouse analytics store, for deployments whose
// mention volume outgrows the embedded SQLite store.
//
// It speaks the native protocol through clickhouse-go v2 and keeps its
// schema in embedded migrations (migrations/NNNN_name.sql) applied in order
// by New and recorded in the schema_migrations table. The schema works on
// ClickHouse 18.16 (Debian's package, used by the tests) and on current
// releases; DDL that only newer servers accept goes into a migration whose
// header says `-- min_server_version: X.Y`: it is skipped, and not recorded,
// on older servers, so it is applied once the server is upgraded.
//
// Writes are idempotent without reading first: mentions is a
// ReplacingMergeTree keyed by (platform, published_at, id), and every query
// counts uniqExact(id), so a mention written twice counts once before and
// after background merges. A mention is taken to be immutable: a second
// write of an ID with a different platform or publish time would be counted
// in both places. Rollup reads a mention's topic and schemes from its first
// write (argMax by ver), as Get and merges do, so a rewrite that changes
// them is not counted twice.
//
// Topic summaries are a ReplacingMergeTree versioned by their Updated time
// (see migrations/0002_analysis.sql); queries pick the latest version of
// each topic themselves, so they too are exact before merges.
package chstore

import (
	"cmp"
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"math"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"yuqing/internal/analytics"
	"yuqing/internal/secret"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// DefaultDatabase is the database used when Config.Database is empty.
const DefaultDatabase = "yuqing"

// maxBatch bounds the rows sent in one INSERT; PutMentions splits larger
// calls.
const maxBatch = 100_000

// Config says where the ClickHouse server is.
type Config struct {
	Addr     string        // host:port of the native protocol (9000 by default on servers); several may be separated by commas
	Database string        // created if missing; DefaultDatabase if empty
	Username string        // "" for the server's default user
	Password secret.Secret // never printed; revealed only to the driver
}

var identRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

func (c Config) database() string {
	if c.Database == "" {
		return DefaultDatabase
	}
	return c.Database
}

func (c Config) addrs() []string {
	var out []string
	for a := range strings.SplitSeq(c.Addr, ",") {
		if a = strings.TrimSpace(a); a != "" {
			out = append(out, a)
		}
	}
	return out
}

// Validate reports a config New cannot use.
func (c Config) Validate() error {
	addrs := c.addrs()
	if len(addrs) == 0 {
		return errors.New("chstore: Addr is empty")
	}
	for _, a := range addrs {
		if i := strings.LastIndexByte(a, ':'); i <= 0 || i == len(a)-1 {
			return fmt.Errorf("chstore: address %q is not host:port", a)
		}
	}
	if db := c.database(); !identRE.MatchString(db) {
		return fmt.Errorf("chstore: database name %q must match %s", db, identRE)
	}
	return nil
}

// String prints the config; the password, a secret.Secret, shows as
// <secret> here as in every other printing of the config.
func (c Config) String() string {
	return fmt.Sprintf("{Addr:%s Database:%s Username:%s Password:%s}", c.Addr, c.database(), c.Username, c.Password)
}

// Store is the ClickHouse analytics store. It is safe for concurrent use.
type Store struct {
	conn   driver.Conn
	db     string
	logger *slog.Logger

	// topicsMu makes PutTopics' read of the stored versions and its insert
	// one step, so that of two calls writing the same topic version the
	// second sees the first's.
	topicsMu sync.Mutex
}

var _ analytics.Store = (*Store)(nil)

func open(ctx context.Context, cfg Config, database string) (driver.Conn, error) {
	conn, err := clickhouse.Open(&clickhouse.Options{
		Protocol: clickhouse.Native,
		Addr:     cfg.addrs(),
		Auth: clickhouse.Auth{
			Database: database,
			Username: cfg.Username,
			Password: cfg.Password.Reveal(),
		},
		DialTimeout:  10 * time.Second,
		MaxOpenConns: 10,
		MaxIdleConns: 5,
	})
	if err != nil {
		return nil, err
	}
	if err := conn.Ping(ctx); err != nil {
		conn.Close()
		return nil, err
	}
	return conn, nil
}

// New connects to ClickHouse, creates cfg.Database if missing and applies
// the migrations not yet applied. logger may be nil.
func New(ctx context.Context, cfg Config, logger *slog.Logger) (*Store, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	db := cfg.database()
	// The database may not exist yet, and a connection naming it would be
	// refused: create it over one naming none.
	boot, err := open(ctx, cfg, "")
	if err != nil {
		return nil, fmt.Errorf("chstore: connecting to %s: %w", cfg.Addr, err)
	}
	err = boot.Exec(ctx, "CREATE DATABASE IF NOT EXISTS `"+db+"`")
	boot.Close()
	if err != nil {
		return nil, fmt.Errorf("chstore: creating database %s: %w", db, err)
	}
	conn, err := open(ctx, cfg, db)
	if err != nil {
		return nil, fmt.Errorf("chstore: connecting to %s database %s: %w", cfg.Addr, db, err)
	}
	s := &Store{conn: conn, db: db, logger: logger}
	ms, err := loadMigrations(migrationFiles)
	if err != nil {
		conn.Close()
		return nil, err
	}
	if err := s.migrate(ctx, ms); err != nil {
		conn.Close()
		return nil, fmt.Errorf("chstore: migrating database %s: %w", db, err)
	}
	return s, nil
}

// Close implements analytics.Store.
func (s *Store) Close() error { return s.conn.Close() }

// ---- migrations

// migration is one migrations/NNNN_name.sql file.
type migration struct {
	version    uint32
	name       string
	minServer  [2]uint64 // {major, minor}; zero for any server
	statements []string
	adds       []addColumn // per statement: the column it adds, if an ADD COLUMN
}

// addColumn is the column an `ALTER TABLE t ADD COLUMN c ...` statement
// adds.
type addColumn struct{ table, column string }

var (
	migrationName = regexp.MustCompile(`^(\d+)_([A-Za-z0-9_]+)\.sql$`)
	addColumnRE   = regexp.MustCompile("(?is)^ALTER\\s+TABLE\\s+`?([A-Za-z_][A-Za-z0-9_]*)`?\\s+ADD\\s+COLUMN\\s+`?([A-Za-z_][A-Za-z0-9_]*)`?\\s")
	addCountRE    = regexp.MustCompile(`(?i)\bADD\s+COLUMN\b`)
)

// loadMigrations reads the migrations in fsys (a migrations/ directory), in
// version order. A file may hold several statements, each ended by a ';' at
// the end of a line (so no literal may hold ";\n"); lines starting with --
// are comments. A comment line `-- min_server_version: MAJOR.MINOR` gates
// the file on the server's version.
//
// 18.16 does not parse ADD COLUMN IF NOT EXISTS, so a statement
// `ALTER TABLE t ADD COLUMN c ...` is made idempotent by the runner
// instead: it is skipped when t already has a column c. Such a statement
// must add only that one column.
func loadMigrations(fsys fs.FS) ([]migration, error) {
	names, err := fs.Glob(fsys, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	var out []migration
	for _, name := range names {
		base := path.Base(name)
		sm := migrationName.FindStringSubmatch(base)
		if sm == nil {
			return nil, fmt.Errorf("chstore: migration file %s is not named NNNN_name.sql", base)
		}
		v, err := strconv.ParseUint(sm[1], 10, 32)
		if err != nil || v == 0 {
			return nil, fmt.Errorf("chstore: migration file %s: bad version", base)
		}
		body, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		m := migration{version: uint32(v), name: sm[2]}
		var stmt strings.Builder
		for line := range strings.Lines(string(body)) {
			t := strings.TrimSpace(line)
			if strings.HasPrefix(t, "--") {
				if d, ok := strings.CutPrefix(strings.TrimSpace(t[2:]), "min_server_version:"); ok {
					if m.minServer, err = parseMajorMinor(strings.TrimSpace(d)); err != nil {
						return nil, fmt.Errorf("chstore: migration file %s: %w", base, err)
					}
				}
				continue
			}
			stmt.WriteString(line)
			if strings.HasSuffix(t, ";") {
				if s := strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(stmt.String()), ";")); s != "" {
					m.statements = append(m.statements, s)
				}
				stmt.Reset()
			}
		}
		if s := strings.TrimSpace(stmt.String()); s != "" {
			m.statements = append(m.statements, s)
		}
		if len(m.statements) == 0 {
			return nil, fmt.Errorf("chstore: migration file %s has no statement", base)
		}
		m.adds = make([]addColumn, len(m.statements))
		for i, st := range m.statements {
			n := len(addCountRE.FindAllStringIndex(st, -1))
			if n == 0 {
				continue
			}
			sm := addColumnRE.FindStringSubmatch(st)
			if sm == nil || n > 1 {
				return nil, fmt.Errorf("chstore: migration file %s statement %d: write ADD COLUMN as `ALTER TABLE t ADD COLUMN c ...`, one column a statement, so that a rerun can skip it", base, i+1)
			}
			m.adds[i] = addColumn{table: sm[1], column: sm[2]}
		}
		out = append(out, m)
	}
	slices.SortFunc(out, func(a, b migration) int { return cmp.Compare(a.version, b.version) })
	for i := 1; i < len(out); i++ {
		if out[i].version == out[i-1].version {
			return nil, fmt.Errorf("chstore: two migrations have version %d", out[i].version)
		}
	}
	return out, nil
}

func parseMajorMinor(s string) ([2]uint64, error) {
	major, minor, _ := strings.Cut(s, ".")
	a, err1 := strconv.ParseUint(major, 10, 64)
	b, err2 := strconv.ParseUint(minor, 10, 64)
	if err1 != nil || err2 != nil {
		return [2]uint64{}, fmt.Errorf("min_server_version %q is not MAJOR.MINOR", s)
	}
	return [2]uint64{a, b}, nil
}

// migrate applies the migrations not recorded in schema_migrations. Every
// statement is expected to be idempotent (IF NOT EXISTS, or an ADD COLUMN
// the runner skips when the column exists), since ClickHouse has no
// transactional DDL: a migration interrupted half way is run again whole,
// and two processes migrating at once may both run it.
func (s *Store) migrate(ctx context.Context, ms []migration) error {
	err := s.conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
    version    UInt32,
    name       String,
    applied_at DateTime('UTC')
) ENGINE = MergeTree()
ORDER BY version`)
	if err != nil {
		return fmt.Errorf("creating schema_migrations: %w", err)
	}
	applied := map[uint32]bool{}
	rows, err := s.conn.Query(ctx, `SELECT DISTINCT version FROM schema_migrations`)
	if err != nil {
		return fmt.Errorf("reading schema_migrations: %w", err)
	}
	for rows.Next() {
		var v uint32
		if err := rows.Scan(&v); err != nil {
			rows.Close()
			return err
		}
		applied[v] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	sv, err := s.conn.ServerVersion()
	if err != nil {
		return fmt.Errorf("reading server version: %w", err)
	}
	server := [2]uint64{sv.Version.Major, sv.Version.Minor}
	for _, m := range ms {
		if applied[m.version] {
			continue
		}
		if cmpVersion(server, m.minServer) < 0 {
			s.logger.Warn("analytics schema migration skipped: server too old; it will be applied once the server is upgraded",
				"database", s.db, "version", m.version, "name", m.name,
				"needs", fmt.Sprintf("%d.%d", m.minServer[0], m.minServer[1]),
				"server", fmt.Sprintf("%d.%d.%d", sv.Version.Major, sv.Version.Minor, sv.Version.Patch))
			continue
		}
		for i, stmt := range m.statements {
			if i < len(m.adds) && m.adds[i] != (addColumn{}) {
				has, err := s.hasColumn(ctx, m.adds[i])
				if err != nil {
					return fmt.Errorf("migration %04d_%s statement %d: %w", m.version, m.name, i+1, err)
				}
				if has {
					continue
				}
			}
			if err := s.conn.Exec(ctx, stmt); err != nil {
				return fmt.Errorf("migration %04d_%s statement %d: %w", m.version, m.name, i+1, err)
			}
		}
		if err := s.record(ctx, m); err != nil {
			return fmt.Errorf("recording migration %04d_%s: %w", m.version, m.name, err)
		}
		s.logger.Info("analytics schema migrated", "database", s.db, "version", m.version, "name", m.name)
	}
	return nil
}

// hasColumn reports whether the store's database has the column c.
func (s *Store) hasColumn(ctx context.Context, c addColumn) (bool, error) {
	var n uint64
	err := s.conn.QueryRow(ctx, `SELECT count() FROM system.columns WHERE database = ? AND table = ? AND name = ?`,
		s.db, c.table, c.column).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("looking up column %s.%s: %w", c.table, c.column, err)
	}
	return n > 0, nil
}

// record notes m in schema_migrations. It uses a batch: over the native
// protocol, 18.16 never answers an Exec of INSERT ... VALUES (...).
func (s *Store) record(ctx context.Context, m migration) error {
	b, err := s.conn.PrepareBatch(ctx, `INSERT INTO schema_migrations (version, name, applied_at)`)
	if err != nil {
		return err
	}
	if err := b.Append(m.version, m.name, time.Now().UTC().Truncate(time.Second)); err != nil {
		b.Abort()
		return err
	}
	return b.Send()
}

func cmpVersion(a, b [2]uint64) int {
	if c := cmp.Compare(a[0], b[0]); c != 0 {
		return c
	}
	return cmp.Compare(a[1], b[1])
}

// ---- times

// maxDateTime is the last second a DateTime holds.
const maxDateTime = math.MaxUint32

// toDateTime splits t into whole UTC seconds and nanoseconds. The zero time
// is stored as the Unix epoch (and read back as the zero time); other times
// outside DateTime's 1970..2106 are refused.
func toDateTime(t time.Time) (time.Time, uint32, error) {
	if t.IsZero() {
		return time.Unix(0, 0).UTC(), 0, nil
	}
	sec := t.Unix()
	if sec < 0 || sec > maxDateTime {
		return time.Time{}, 0, fmt.Errorf("time %s is outside 1970..2106", t.Format(time.RFC3339))
	}
	return time.Unix(sec, 0).UTC(), uint32(t.Nanosecond()), nil
}

func fromDateTime(t time.Time, nanos uint32) time.Time {
	if t.Unix() == 0 && nanos == 0 {
		return time.Time{}
	}
	return time.Unix(t.Unix(), int64(nanos)).UTC()
}

// clampSec is t in whole seconds, clamped into DateTime's range.
func clampSec(t time.Time) int64 {
	return min(max(t.Unix(), 0), maxDateTime)
}

// rangeWhere is the condition for published in [from, to), exact to the
// nanosecond.
func rangeWhere(from, to time.Time) (string, []any) {
	var (
		conds []string
		args  []any
	)
	fs, fn := clampSec(from), from.Nanosecond()
	if fn == 0 || from.Unix() != fs {
		conds = append(conds, "published_at >= toDateTime(?)")
		args = append(args, fs)
	} else {
		conds = append(conds, "(published_at > toDateTime(?) OR (published_at = toDateTime(?) AND published_nanos >= ?))")
		args = append(args, fs, fs, fn)
	}
	ts, tn := clampSec(to), to.Nanosecond()
	switch {
	case to.Unix() > maxDateTime:
		// every storable time is before to
	case to.Unix() < 0:
		conds = append(conds, "0")
	case tn == 0:
		conds = append(conds, "published_at < toDateTime(?)")
		args = append(args, ts)
	default:
		conds = append(conds, "(published_at < toDateTime(?) OR (published_at = toDateTime(?) AND published_nanos < ?))")
		args = append(args, ts, ts, tn)
	}
	return strings.Join(conds, " AND "), args
}

// ---- writes

// PutMentions implements analytics.Store. Mentions are sent in batches of at
// most maxBatch rows; a mention whose ID repeats in ms is sent once.
func (s *Store) PutMentions(ctx context.Context, ms []analytics.Mention) error {
	if len(ms) == 0 {
		return nil
	}
	seen := make(map[string]struct{}, len(ms))
	uniq := make([]analytics.Mention, 0, len(ms))
	for _, m := range ms {
		if m.ID == "" {
			return errors.New("chstore: mention with an empty ID")
		}
		if _, dup := seen[m.ID]; dup {
			continue
		}
		seen[m.ID] = struct{}{}
		uniq = append(uniq, m)
	}
	for chunk := range slices.Chunk(uniq, maxBatch) {
		if err := s.insert(ctx, chunk); err != nil {
			return err
		}
	}
	return nil
}

const insertMentions = `INSERT INTO mentions (id, platform, source, url, author_id, author_name, title, text,
    published_at, published_nanos, ingested_at, ingested_nanos, tokens, keywords, drill,
    sentiment, sentiment_score, topic, schemes, ver)`

func (s *Store) insert(ctx context.Context, ms []analytics.Mention) (err error) {
	// Earlier writes get higher versions, so merges keep the first write.
	ver := uint64(math.MaxUint64) - uint64(time.Now().UnixNano())
	batch, err := s.conn.PrepareBatch(ctx, insertMentions)
	if err != nil {
		return fmt.Errorf("chstore: preparing insert of %d mentions: %w", len(ms), err)
	}
	defer func() {
		if err != nil {
			batch.Abort()
		}
	}()
	for _, m := range ms {
		pub, pubNanos, err := toDateTime(m.PublishedAt)
		if err != nil {
			return fmt.Errorf("chstore: mention %s published: %w", m.ID, err)
		}
		ing, ingNanos, err := toDateTime(m.IngestedAt)
		if err != nil {
			return fmt.Errorf("chstore: mention %s ingested: %w", m.ID, err)
		}
		var drill uint8
		if m.Drill {
			drill = 1
		}
		if err := batch.Append(m.ID, m.Platform, m.Source, m.URL, m.AuthorID, m.AuthorName, m.Title, m.Text,
			pub, pubNanos, ing, ingNanos, nonNil(m.Tokens), nonNil(m.Keywords), drill,
			m.Sentiment, m.SentimentScore, m.Topic, nonNil(m.Schemes), ver); err != nil {
			return fmt.Errorf("chstore: appending mention %s: %w", m.ID, err)
		}
	}
	if err := batch.Send(); err != nil {
		return fmt.Errorf("chstore: inserting %d mentions: %w", len(ms), err)
	}
	return nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// ---- reads

// Get implements analytics.Store.
func (s *Store) Get(ctx context.Context, id string) (analytics.Mention, error) {
	var (
		m                  analytics.Mention
		pub, ing           time.Time
		pubNanos, ingNanos uint32
		drill              uint8
	)
	// mention_keys narrows the read to the granules holding id; the highest
	// ver is the first write, the one merges keep.
	err := s.conn.QueryRow(ctx, `SELECT id, platform, source, url, author_id, author_name, title, text,
    published_at, published_nanos, ingested_at, ingested_nanos, tokens, keywords, drill,
    sentiment, sentiment_score, topic, schemes
FROM mentions
WHERE (platform, published_at, id) IN (SELECT platform, published_at, id FROM mention_keys WHERE id = ?)
ORDER BY ver DESC
LIMIT 1`, id).Scan(&m.ID, &m.Platform, &m.Source, &m.URL, &m.AuthorID, &m.AuthorName, &m.Title, &m.Text,
		&pub, &pubNanos, &ing, &ingNanos, &m.Tokens, &m.Keywords, &drill,
		&m.Sentiment, &m.SentimentScore, &m.Topic, &m.Schemes)
	if errors.Is(err, sql.ErrNoRows) {
		return analytics.Mention{}, fmt.Errorf("mention %s: %w", id, analytics.ErrNotFound)
	}
	if err != nil {
		return analytics.Mention{}, fmt.Errorf("chstore: reading mention %s: %w", id, err)
	}
	finish(&m, pub, pubNanos, ing, ingNanos, drill)
	return m, nil
}

// Mentions implements analytics.Store: newest first; LIMIT 1 BY id keeps
// one row of a mention stored twice (the highest ver, as Get).
func (s *Store) Mentions(ctx context.Context, q analytics.MentionQuery) ([]analytics.Mention, error) {
	q, err := q.Normalize()
	if err != nil {
		return nil, err
	}
	where, args := rangeWhere(q.From, q.To)
	switch at := q.After.PublishedAt; {
	case q.After.IsZero(), at.Unix() > maxDateTime:
		// from the start: every storable time is before the cursor
	case !at.IsZero() && at.Unix() < 0:
		return nil, nil // nothing storable is after it
	default:
		t, nanos, _ := toDateTime(at) // in range; the zero time is stored as the epoch
		sec := t.Unix()
		where += " AND (published_at < toDateTime(?) OR (published_at = toDateTime(?) AND (published_nanos < ? OR (published_nanos = ? AND id > ?))))"
		args = append(args, sec, sec, nanos, nanos, q.After.ID)
	}
	if q.Topic != "" {
		where += " AND topic = ?"
		args = append(args, q.Topic)
	}
	if q.Platform != "" {
		where += " AND platform = ?"
		args = append(args, q.Platform)
	}
	if q.Sentiment != "" {
		where += " AND sentiment = ?"
		args = append(args, q.Sentiment)
	}
	if q.Text != "" {
		// positionCaseInsensitive folds ASCII letters only, as the SQLite
		// store does, and has no wildcards.
		where += " AND (positionCaseInsensitive(title, ?) > 0 OR positionCaseInsensitive(text, ?) > 0)"
		args = append(args, q.Text, q.Text)
	}
	rows, err := s.conn.Query(ctx, `SELECT id, platform, source, url, author_id, author_name, title, text,
    published_at, published_nanos, ingested_at, ingested_nanos, tokens, keywords, drill,
    sentiment, sentiment_score, topic, schemes
FROM mentions WHERE `+where+`
ORDER BY published_at DESC, published_nanos DESC, id, ver DESC
LIMIT 1 BY id
LIMIT `+strconv.Itoa(q.Limit), args...)
	if err != nil {
		return nil, fmt.Errorf("chstore: listing mentions (topic %q): %w", q.Topic, err)
	}
	defer rows.Close()
	var out []analytics.Mention
	for rows.Next() {
		var (
			m                  analytics.Mention
			pub, ing           time.Time
			pubNanos, ingNanos uint32
			drill              uint8
		)
		if err := rows.Scan(&m.ID, &m.Platform, &m.Source, &m.URL, &m.AuthorID, &m.AuthorName, &m.Title, &m.Text,
			&pub, &pubNanos, &ing, &ingNanos, &m.Tokens, &m.Keywords, &drill,
			&m.Sentiment, &m.SentimentScore, &m.Topic, &m.Schemes); err != nil {
			return nil, fmt.Errorf("chstore: reading mentions (topic %q): %w", q.Topic, err)
		}
		finish(&m, pub, pubNanos, ing, ingNanos, drill)
		out = append(out, m)
	}
	return out, rows.Err()
}

// Breakdown implements analytics.Store: each mention's latest version of
// the topic counted once.
func (s *Store) Breakdown(ctx context.Context, q analytics.MentionQuery) ([]analytics.Cell, error) {
	q, err := q.NormalizeBreakdown()
	if err != nil {
		return nil, err
	}
	where, args := rangeWhere(q.From, q.To)
	where += " AND topic = ?"
	args = append(args, q.Topic)
	rows, err := s.conn.Query(ctx, `SELECT toStartOfHour(at) AS b, p, sen, count() FROM (
    SELECT id, argMax(published_at, ver) AS at, argMax(platform, ver) AS p, argMax(sentiment, ver) AS sen
    FROM mentions WHERE `+where+` GROUP BY id)
GROUP BY b, p, sen ORDER BY b, p, sen`, args...)
	if err != nil {
		return nil, fmt.Errorf("chstore: counting the mentions of %s: %w", q.Topic, err)
	}
	defer rows.Close()
	var out []analytics.Cell
	for rows.Next() {
		var c analytics.Cell
		var n uint64
		if err := rows.Scan(&c.Start, &c.Platform, &c.Sentiment, &n); err != nil {
			return nil, fmt.Errorf("chstore: reading the counts of %s: %w", q.Topic, err)
		}
		c.Start, c.Count = c.Start.UTC(), int64(n)
		out = append(out, c)
	}
	return out, rows.Err()
}

// finish completes a mention read from its columns.
func finish(m *analytics.Mention, pub time.Time, pubNanos uint32, ing time.Time, ingNanos uint32, drill uint8) {
	m.PublishedAt = fromDateTime(pub, pubNanos)
	m.IngestedAt = fromDateTime(ing, ingNanos)
	m.Tokens = nonNil(m.Tokens)
	m.Keywords = nonNil(m.Keywords)
	m.Drill = drill != 0
	if len(m.Schemes) == 0 {
		m.Schemes = nil // as sqlitestore
	}
}

var bucketFunc = map[time.Duration]string{
	analytics.Minute: "toStartOfMinute",
	analytics.Hour:   "toStartOfHour",
	analytics.Day:    "toStartOfDay",
}

// Counts implements analytics.Store. Buckets are computed in UTC, the
// column's time zone, whatever the server's.
func (s *Store) Counts(ctx context.Context, q analytics.Query) ([]analytics.Bucket, error) {
	if err := q.Validate(true); err != nil {
		return nil, err
	}
	where, args := rangeWhere(q.From, q.To)
	if q.Platform != "" {
		where += " AND platform = ?"
		args = append(args, q.Platform)
	}
	if q.Keyword != "" {
		where += " AND has(keywords, ?)"
		args = append(args, q.Keyword)
	}
	rows, err := s.conn.Query(ctx, `SELECT `+bucketFunc[q.Step]+`(published_at) AS start, platform, uniqExact(id) AS n
FROM mentions
WHERE `+where+`
GROUP BY start, platform
ORDER BY start, platform`, args...)
	if err != nil {
		return nil, fmt.Errorf("chstore: counting mentions: %w", err)
	}
	defer rows.Close()
	var out []analytics.Bucket
	for rows.Next() {
		var (
			start    time.Time
			platform string
			n        uint64
		)
		if err := rows.Scan(&start, &platform, &n); err != nil {
			return nil, fmt.Errorf("chstore: counting mentions: %w", err)
		}
		out = append(out, analytics.Bucket{Start: start.UTC(), Platform: platform, Count: int64(n)})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("chstore: counting mentions: %w", err)
	}
	return out, nil
}

// TopKeywords implements analytics.Store.
func (s *Store) TopKeywords(ctx context.Context, q analytics.Query, limit int) ([]analytics.KeywordCount, error) {
	if err := q.Validate(false); err != nil {
		return nil, err
	}
	if limit <= 0 {
		return nil, fmt.Errorf("keyword limit %d must be positive", limit)
	}
	where, args := rangeWhere(q.From, q.To)
	if q.Platform != "" {
		where += " AND platform = ?"
		args = append(args, q.Platform)
	}
	rows, err := s.conn.Query(ctx, `SELECT keyword, uniqExact(id) AS n
FROM mentions
ARRAY JOIN keywords AS keyword
WHERE `+where+`
GROUP BY keyword
ORDER BY n DESC, keyword ASC
LIMIT `+strconv.Itoa(limit), args...)
	if err != nil {
		return nil, fmt.Errorf("chstore: counting keywords: %w", err)
	}
	defer rows.Close()
	var out []analytics.KeywordCount
	for rows.Next() {
		var (
			kw string
			n  uint64
		)
		if err := rows.Scan(&kw, &n); err != nil {
			return nil, fmt.Errorf("chstore: counting keywords: %w", err)
		}
		out = append(out, analytics.KeywordCount{Keyword: kw, Count: int64(n)})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("chstore: counting keywords: %w", err)
	}
	return out, nil
}

// Rollup implements analytics.Store. Each mention's topic or schemes are
// those of its first write (the highest ver of its sort key, as Get and
// merges pick), so a rewrite that changed them does not count twice.
func (s *Store) Rollup(ctx context.Context, dim analytics.Dimension, keys []string, q analytics.Query) ([]analytics.KeyBucket, error) {
	if err := q.Validate(true); err != nil {
		return nil, err
	}
	var column string
	switch dim {
	case analytics.ByTopic:
		column = "topic"
	case analytics.ByScheme:
		column = "schemes"
	default:
		return nil, fmt.Errorf("rollup dimension %q is not %q or %q", dim, analytics.ByTopic, analytics.ByScheme)
	}
	if keys != nil && len(keys) == 0 {
		return nil, nil
	}
	where, args := rangeWhere(q.From, q.To)
	if q.Platform != "" {
		where += " AND platform = ?"
		args = append(args, q.Platform)
	}
	// The inner query collapses the rows of one mention as a merge would;
	// filters on the key come after it, or a rewrite's key could stand in
	// for the first write's.
	inner := `SELECT id, ` + bucketFunc[q.Step] + `(published_at) AS start, argMax(` + column + `, ver) AS v
    FROM mentions
    WHERE ` + where + `
    GROUP BY platform, published_at, id`
	var query string
	var conds []string
	if dim == analytics.ByTopic {
		query = `SELECT v AS key, start, uniqExact(id) AS n
FROM (` + inner + `)`
		conds = append(conds, "key != ''")
	} else {
		query = `SELECT key, start, uniqExact(id) AS n
FROM (` + inner + `)
ARRAY JOIN v AS key`
	}
	if keys != nil {
		conds = append(conds, "has(?, key)")
		args = append(args, keys)
	}
	if len(conds) > 0 {
		query += "\nWHERE " + strings.Join(conds, " AND ")
	}
	query += "\nGROUP BY key, start\nORDER BY key, start"
	rows, err := s.conn.Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("chstore: rolling up mentions by %s: %w", dim, err)
	}
	defer rows.Close()
	var out []analytics.KeyBucket
	for rows.Next() {
		var (
			key   string
			start time.Time
			n     uint64
		)
		if err := rows.Scan(&key, &start, &n); err != nil {
			return nil, fmt.Errorf("chstore: rolling up mentions by %s: %w", dim, err)
		}
		out = append(out, analytics.KeyBucket{Key: key, Start: start.UTC(), Count: int64(n)})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("chstore: rolling up mentions by %s: %w", dim, err)
	}
	return out, nil
}

// ---- topics

// toNanos is t in Unix nanoseconds for the topics table: 0 for the zero
// time; other times outside DateTime's 1970..2106, as for mentions, are
// refused.
func toNanos(t time.Time) (int64, error) {
	if t.IsZero() {
		return 0, nil
	}
	if sec := t.Unix(); sec < 0 || sec > maxDateTime {
		return 0, fmt.Errorf("time %s is outside 1970..2106", t.Format(time.RFC3339))
	}
	return t.UnixNano(), nil
}

func fromNanos(ns int64) time.Time {
	if ns == 0 {
		return time.Time{}
	}
	return time.Unix(0, ns).UTC()
}

// boundNanos is a query bound in Unix nanoseconds, clamped into int64.
func boundNanos(t time.Time) int64 {
	switch {
	case t.Before(time.Unix(0, math.MinInt64)):
		return math.MinInt64
	case t.After(time.Unix(0, math.MaxInt64)):
		return math.MaxInt64
	}
	return t.UnixNano()
}

// topicChunk bounds the topics one PutTopics step reads the versions of and
// writes: their IDs are inlined in the query, which must stay under the
// server's max_query_size (256 KiB by default).
const topicChunk = 1000

const insertTopics = `INSERT INTO topics (id, label, mentions, first_id, first_ns, last_ns, platforms,
    neg, neu, pos, reach, heat, lifecycle, grade, schemes, retired, drill, updated_ns, ins)`

// PutTopics implements analytics.Store. Of the versions of one ID in ts the
// latest is kept, the first of equal ones; it is written only if newer than
// the stored version.
func (s *Store) PutTopics(ctx context.Context, ts []analytics.Topic) (err error) {
	if len(ts) == 0 {
		return nil
	}
	type row struct {
		t                   analytics.Topic
		first, last, update int64
	}
	latest := make(map[string]int, len(ts))
	var rows []row
	for _, t := range ts {
		if t.ID == "" {
			return errors.New("chstore: topic with an empty ID")
		}
		r := row{t: t}
		for _, f := range []struct {
			name string
			t    time.Time
			dst  *int64
		}{{"first", t.FirstTime, &r.first}, {"last", t.LastTime, &r.last}, {"updated", t.Updated, &r.update}} {
			if *f.dst, err = toNanos(f.t); err != nil {
				return fmt.Errorf("chstore: topic %s %s: %w", t.ID, f.name, err)
			}
		}
		if i, ok := latest[t.ID]; !ok {
			latest[t.ID] = len(rows)
			rows = append(rows, r)
		} else if r.update > rows[i].update {
			rows[i] = r
		}
	}

	s.topicsMu.Lock()
	defer s.topicsMu.Unlock()
	for chunk := range slices.Chunk(rows, topicChunk) {
		ids := make([]string, len(chunk))
		for i, r := range chunk {
			ids[i] = r.t.ID
		}
		stored, err := s.topicVersions(ctx, ids)
		if err != nil {
			return err
		}
		ins := uint64(time.Now().UnixNano())
		var batch driver.Batch
		n := 0
		for _, r := range chunk {
			if v, ok := stored[r.t.ID]; ok && uint64(r.update) <= v {
				continue // an older or equal version arriving later
			}
			if batch == nil {
				if batch, err = s.conn.PrepareBatch(ctx, insertTopics); err != nil {
					return fmt.Errorf("chstore: preparing insert of %d topics: %w", len(chunk), err)
				}
			}
			t := r.t
			var retired, drill uint8
			if t.Retired {
				retired = 1
			}
			if t.Drill {
				drill = 1
			}
			if err := batch.Append(t.ID, nonNil(t.Label), t.Mentions, t.FirstID, r.first, r.last, nonNil(t.Platforms),
				t.Neg, t.Neu, t.Pos, t.Reach, t.Heat, t.Lifecycle, int64(t.Grade), nonNil(t.Schemes),
				retired, drill, uint64(r.update), ins); err != nil {
				batch.Abort()
				return fmt.Errorf("chstore: appending topic %s: %w", t.ID, err)
			}
			n++
		}
		if batch == nil {
			continue
		}
		if err := batch.Send(); err != nil {
			return fmt.Errorf("chstore: inserting %d topics: %w", n, err)
		}
	}
	return nil
}

// topicVersions returns the stored version (updated_ns) of those of ids
// that are stored.
func (s *Store) topicVersions(ctx context.Context, ids []string) (map[string]uint64, error) {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	rows, err := s.conn.Query(ctx, `SELECT id, max(updated_ns) FROM topics WHERE id IN (`+
		strings.TrimSuffix(strings.Repeat("?, ", len(ids)), ", ")+`) GROUP BY id`, args...)
	if err != nil {
		return nil, fmt.Errorf("chstore: reading stored topic versions: %w", err)
	}
	defer rows.Close()
	out := make(map[string]uint64, len(ids))
	for rows.Next() {
		var (
			id string
			v  uint64
		)
		if err := rows.Scan(&id, &v); err != nil {
			return nil, fmt.Errorf("chstore: reading stored topic versions: %w", err)
		}
		out[id] = v
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("chstore: reading stored topic versions: %w", err)
	}
	return out, nil
}

// Topics implements analytics.Store.
func (s *Store) Topics(ctx context.Context, q analytics.TopicQuery) ([]analytics.Topic, error) {
	if q.From.IsZero() || q.To.IsZero() || !q.From.Before(q.To) {
		return nil, fmt.Errorf("topic query range [%s, %s) is empty", q.From.Format(time.RFC3339), q.To.Format(time.RFC3339))
	}
	limit := q.Limit
	if limit <= 0 {
		limit = 50
	}
	where := "last_ns >= ? AND first_ns < ?"
	if !q.Drill {
		where += " AND drill = 0"
	}
	// The inner query picks each ID's latest version (as merges will);
	// the range and drill filters must come after it, or an older version
	// could stand in for a latest one they exclude.
	rows, err := s.conn.Query(ctx, `SELECT id, label, mentions, first_id, first_ns, last_ns, platforms,
    neg, neu, pos, reach, heat, lifecycle, grade, schemes, retired, drill, updated_ns
FROM (
    SELECT * FROM topics
    ORDER BY id, updated_ns DESC, ins DESC
    LIMIT 1 BY id
)
WHERE `+where+`
ORDER BY mentions DESC, id ASC
LIMIT `+strconv.Itoa(limit), boundNanos(q.From), boundNanos(q.To))
	if err != nil {
		return nil, fmt.Errorf("chstore: reading topics: %w", err)
	}
	defer rows.Close()
	var out []analytics.Topic
	for rows.Next() {
		var (
			t              analytics.Topic
			first, last    int64
			grade          int64
			retired, drill uint8
			updated        uint64
		)
		if err := rows.Scan(&t.ID, &t.Label, &t.Mentions, &t.FirstID, &first, &last, &t.Platforms,
			&t.Neg, &t.Neu, &t.Pos, &t.Reach, &t.Heat, &t.Lifecycle, &grade, &t.Schemes, &retired, &drill, &updated); err != nil {
			return nil, fmt.Errorf("chstore: reading topics: %w", err)
		}
		t.FirstTime, t.LastTime, t.Updated = fromNanos(first), fromNanos(last), fromNanos(int64(updated))
		t.Grade = int(grade)
		t.Retired, t.Drill = retired != 0, drill != 0
		for _, a := range []*[]string{&t.Label, &t.Platforms, &t.Schemes} {
			if len(*a) == 0 {
				*a = nil
			}
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("chstore: reading topics: %w", err)
	}
	return out, nil
}
