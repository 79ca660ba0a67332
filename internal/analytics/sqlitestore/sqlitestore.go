// Package sqlitestore is the embedded analytics store: one SQLite file in the
// data directory. Mentions are keyed by ID (INSERT OR IGNORE), so writing a
// mention twice counts it once.
package sqlitestore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"yuqing/internal/analytics"
	"yuqing/internal/private"
)

// Store is the SQLite analytics store. It is safe for concurrent use.
type Store struct {
	db     *sql.DB
	logger *slog.Logger
}

var _ analytics.Store = (*Store)(nil)

// migrations are applied in order; their index+1 is the schema version.
var migrations = []string{
	`CREATE TABLE mentions (
		id           TEXT PRIMARY KEY,
		platform     TEXT NOT NULL,
		source       TEXT NOT NULL,
		url          TEXT NOT NULL,
		author_id    TEXT NOT NULL,
		author_name  TEXT NOT NULL,
		title        TEXT NOT NULL,
		text         TEXT NOT NULL,
		published_ns INTEGER NOT NULL,
		ingested_ns  INTEGER NOT NULL,
		tokens       TEXT NOT NULL,
		keywords     TEXT NOT NULL,
		drill        INTEGER NOT NULL
	) WITHOUT ROWID;
	CREATE INDEX mentions_published ON mentions (published_ns, platform);
	CREATE TABLE mention_keywords (
		keyword      TEXT NOT NULL,
		id           TEXT NOT NULL,
		platform     TEXT NOT NULL,
		published_ns INTEGER NOT NULL,
		PRIMARY KEY (keyword, id)
	) WITHOUT ROWID;
	CREATE INDEX mention_keywords_published ON mention_keywords (published_ns);`,
	// 2: analysis fields, rollups kept current as mentions arrive, topics.
	`ALTER TABLE mentions ADD COLUMN sentiment TEXT NOT NULL DEFAULT '';
	ALTER TABLE mentions ADD COLUMN sentiment_score REAL NOT NULL DEFAULT 0;
	ALTER TABLE mentions ADD COLUMN topic TEXT NOT NULL DEFAULT '';
	ALTER TABLE mentions ADD COLUMN schemes TEXT NOT NULL DEFAULT '[]';
	CREATE TABLE rollup_minute (
		dim      TEXT NOT NULL,
		key      TEXT NOT NULL,
		platform TEXT NOT NULL,
		start_ns INTEGER NOT NULL,
		n        INTEGER NOT NULL,
		PRIMARY KEY (dim, key, start_ns, platform)
	) WITHOUT ROWID;
	CREATE TABLE rollup_hour (
		dim      TEXT NOT NULL,
		key      TEXT NOT NULL,
		platform TEXT NOT NULL,
		start_ns INTEGER NOT NULL,
		n        INTEGER NOT NULL,
		PRIMARY KEY (dim, key, start_ns, platform)
	) WITHOUT ROWID;
	CREATE INDEX rollup_minute_start ON rollup_minute (dim, start_ns);
	CREATE INDEX rollup_hour_start ON rollup_hour (dim, start_ns);
	CREATE TABLE topics (
		id         TEXT PRIMARY KEY,
		first_ns   INTEGER NOT NULL,
		last_ns    INTEGER NOT NULL,
		mentions   INTEGER NOT NULL,
		drill      INTEGER NOT NULL,
		updated_ns INTEGER NOT NULL,
		body       TEXT NOT NULL
	) WITHOUT ROWID;
	CREATE INDEX topics_last ON topics (last_ns);`,
	// 3: topic pages list a topic's mentions.
	`CREATE INDEX mentions_topic ON mentions (topic, published_ns);`,
}

// Open opens (creating and migrating if needed) the store at path.
func Open(ctx context.Context, path string, logger *slog.Logger) (*Store, error) {
	if path == "" {
		return nil, errors.New("sqlitestore: path is empty")
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("creating directory for %s: %w", path, err)
	}
	// Owner only, whatever the umask. SQLite gives the -wal and -shm files
	// the database's mode.
	if err := private.File(path, true, logger, "analytics store"); err != nil {
		return nil, err
	}
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=busy_timeout(10000)&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("opening analytics store %s: %w", path, err)
	}
	db.SetMaxOpenConns(4)
	s := &Store{db: db, logger: logger}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("migrating analytics store %s: %w", path, err)
	}
	for _, p := range []string{path + "-wal", path + "-shm"} {
		if err := private.File(p, false, logger, "analytics store"); err != nil && !errors.Is(err, os.ErrNotExist) {
			logger.Warn("could not restrict the analytics store's files to their owner", "err", err)
		}
	}
	return s, nil
}

func (s *Store) migrate(ctx context.Context) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var version int
	if err := tx.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&version); err != nil {
		return err
	}
	for v := version; v < len(migrations); v++ {
		if _, err := tx.ExecContext(ctx, migrations[v]); err != nil {
			return fmt.Errorf("applying migration %d: %w", v+1, err)
		}
		s.logger.Info("analytics schema migrated", "version", v+1)
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf(`PRAGMA user_version = %d`, len(migrations))); err != nil {
		return err
	}
	return tx.Commit()
}

// PutMentions implements analytics.Store.
func (s *Store) PutMentions(ctx context.Context, ms []analytics.Mention) error {
	if len(ms) == 0 {
		return nil
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("beginning mention insert: %w", err)
	}
	defer tx.Rollback()
	ins, err := tx.PrepareContext(ctx, `INSERT OR IGNORE INTO mentions (id, platform, source, url, author_id, author_name, title, text, published_ns, ingested_ns, tokens, keywords, drill, sentiment, sentiment_score, topic, schemes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	defer ins.Close()
	kw, err := tx.PrepareContext(ctx, `INSERT OR IGNORE INTO mention_keywords (keyword, id, platform, published_ns) VALUES (?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	defer kw.Close()
	var roll [2]*sql.Stmt
	for i, table := range []string{"rollup_minute", "rollup_hour"} {
		if roll[i], err = tx.PrepareContext(ctx, `INSERT INTO `+table+` (dim, key, platform, start_ns, n) VALUES (?, ?, ?, ?, ?) ON CONFLICT (dim, key, start_ns, platform) DO UPDATE SET n = n + excluded.n`); err != nil {
			return err
		}
		defer roll[i].Close()
	}
	// Rollup increments are summed over the batch: one upsert per bucket,
	// not one per mention.
	type bucket struct {
		step           int
		dim, key, plat string
		start          int64
	}
	rollup := map[bucket]int64{}
	for _, m := range ms {
		tokens, _ := json.Marshal(nonNil(m.Tokens))
		keywords, _ := json.Marshal(nonNil(m.Keywords))
		schemes, _ := json.Marshal(nonNil(m.Schemes))
		res, err := ins.ExecContext(ctx, m.ID, m.Platform, m.Source, m.URL, m.AuthorID, m.AuthorName, m.Title, m.Text,
			m.PublishedAt.UnixNano(), m.IngestedAt.UnixNano(), string(tokens), string(keywords), m.Drill,
			m.Sentiment, m.SentimentScore, m.Topic, string(schemes))
		if err != nil {
			return fmt.Errorf("inserting mention %s: %w", m.ID, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			continue // already stored: idempotent
		}
		for _, k := range m.Keywords {
			if _, err := kw.ExecContext(ctx, k, m.ID, m.Platform, m.PublishedAt.UnixNano()); err != nil {
				return fmt.Errorf("inserting keyword %q of mention %s: %w", k, m.ID, err)
			}
		}
		// Rollups: the mention is new, so each of its buckets gains one.
		keys := make([][2]string, 0, 1+len(m.Schemes))
		if m.Topic != "" {
			keys = append(keys, [2]string{string(analytics.ByTopic), m.Topic})
		}
		for _, sc := range m.Schemes {
			keys = append(keys, [2]string{string(analytics.ByScheme), sc})
		}
		for i, step := range []int64{int64(time.Minute), int64(time.Hour)} {
			start := m.PublishedAt.UnixNano() / step * step
			for _, k := range keys {
				rollup[bucket{i, k[0], k[1], m.Platform, start}]++
			}
		}
	}
	for b, n := range rollup {
		if _, err := roll[b.step].ExecContext(ctx, b.dim, b.key, b.plat, b.start, n); err != nil {
			return fmt.Errorf("rolling up %s %s: %w", b.dim, b.key, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("committing %d mentions: %w", len(ms), err)
	}
	return nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// Mentions implements analytics.Store. The time range (shortened to the
// cursor) is the only range condition, so SQLite walks an index on
// published_ns backwards (mentions_topic with a topic, mentions_published
// without) and stops at Limit matches; a text search reads the rows of
// the range until then.
func (s *Store) Mentions(ctx context.Context, q analytics.MentionQuery) ([]analytics.Mention, error) {
	q, err := q.Normalize()
	if err != nil {
		return nil, err
	}
	to := q.To.UnixNano()
	var (
		where = []string{"published_ns >= ?", "published_ns < ?"}
		args  = []any{q.From.UnixNano(), to}
	)
	if !q.After.IsZero() {
		at := q.After.PublishedAt.UnixNano()
		if at < to {
			args[1] = at + 1
		}
		where = append(where, "(published_ns < ? OR id > ?)")
		args = append(args, at, q.After.ID)
	}
	if q.Topic != "" {
		where = append(where, "topic = ?")
		args = append(args, q.Topic)
	}
	if q.Platform != "" {
		where = append(where, "platform = ?")
		args = append(args, q.Platform)
	}
	if q.Sentiment != "" {
		where = append(where, "sentiment = ?")
		args = append(args, q.Sentiment)
	}
	if q.Text != "" {
		// lower folds ASCII only, as Needle; instr has no wildcards. A
		// needle without ASCII letters (most Chinese) needs no folding,
		// which saves a quarter of a scan.
		n := q.Needle()
		if strings.IndexFunc(n, func(r rune) bool { return 'a' <= r && r <= 'z' }) < 0 {
			where = append(where, "(instr(title, ?) > 0 OR instr(text, ?) > 0)")
		} else {
			where = append(where, "(instr(lower(title), ?) > 0 OR instr(lower(text), ?) > 0)")
		}
		args = append(args, n, n)
	}
	args = append(args, q.Limit)
	rows, err := s.db.QueryContext(ctx, `SELECT id, platform, source, url, author_id, author_name, title, text, published_ns, ingested_ns, tokens, keywords, drill, sentiment, sentiment_score, topic, schemes
FROM mentions WHERE `+strings.Join(where, " AND ")+`
ORDER BY published_ns DESC, id LIMIT ?`, args...)
	if err != nil {
		return nil, fmt.Errorf("listing mentions (topic %q): %w", q.Topic, err)
	}
	defer rows.Close()
	var out []analytics.Mention
	for rows.Next() {
		m, err := scanMention(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// Breakdown implements analytics.Store.
func (s *Store) Breakdown(ctx context.Context, q analytics.MentionQuery) ([]analytics.Cell, error) {
	q, err := q.NormalizeBreakdown()
	if err != nil {
		return nil, err
	}
	const hour = int64(time.Hour)
	rows, err := s.db.QueryContext(ctx, `SELECT (published_ns / ?) * ? AS b, platform, sentiment, COUNT(*) FROM mentions
WHERE topic = ? AND published_ns >= ? AND published_ns < ? GROUP BY b, platform, sentiment ORDER BY b, platform, sentiment`,
		hour, hour, q.Topic, q.From.UnixNano(), q.To.UnixNano())
	if err != nil {
		return nil, fmt.Errorf("counting the mentions of %s: %w", q.Topic, err)
	}
	defer rows.Close()
	var out []analytics.Cell
	for rows.Next() {
		var c analytics.Cell
		var ns int64
		if err := rows.Scan(&ns, &c.Platform, &c.Sentiment, &c.Count); err != nil {
			return nil, err
		}
		c.Start = time.Unix(0, ns).UTC()
		out = append(out, c)
	}
	return out, rows.Err()
}

// scanMention reads the columns Get and Mentions select.
func scanMention(r interface{ Scan(...any) error }) (analytics.Mention, error) {
	var (
		m           analytics.Mention
		pns, ins    int64
		tokens, kws string
		schemes     string
	)
	if err := r.Scan(&m.ID, &m.Platform, &m.Source, &m.URL, &m.AuthorID, &m.AuthorName, &m.Title, &m.Text, &pns, &ins, &tokens, &kws, &m.Drill, &m.Sentiment, &m.SentimentScore, &m.Topic, &schemes); err != nil {
		return m, err
	}
	m.PublishedAt = time.Unix(0, pns).UTC()
	m.IngestedAt = time.Unix(0, ins).UTC()
	if err := json.Unmarshal([]byte(tokens), &m.Tokens); err != nil {
		return m, fmt.Errorf("decoding tokens of %s: %w", m.ID, err)
	}
	if err := json.Unmarshal([]byte(kws), &m.Keywords); err != nil {
		return m, fmt.Errorf("decoding keywords of %s: %w", m.ID, err)
	}
	if err := json.Unmarshal([]byte(schemes), &m.Schemes); err != nil {
		return m, fmt.Errorf("decoding schemes of %s: %w", m.ID, err)
	}
	if len(m.Schemes) == 0 {
		m.Schemes = nil
	}
	return m, nil
}

// Get implements analytics.Store.
func (s *Store) Get(ctx context.Context, id string) (analytics.Mention, error) {
	m, err := scanMention(s.db.QueryRowContext(ctx, `SELECT id, platform, source, url, author_id, author_name, title, text, published_ns, ingested_ns, tokens, keywords, drill, sentiment, sentiment_score, topic, schemes FROM mentions WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return analytics.Mention{}, fmt.Errorf("mention %s: %w", id, analytics.ErrNotFound)
	}
	if err != nil {
		return analytics.Mention{}, fmt.Errorf("reading mention %s: %w", id, err)
	}
	return m, nil
}

// Counts implements analytics.Store.
func (s *Store) Counts(ctx context.Context, q analytics.Query) ([]analytics.Bucket, error) {
	if err := q.Validate(true); err != nil {
		return nil, err
	}
	step := q.Step.Nanoseconds()
	var (
		from  string
		where = []string{"m.published_ns >= ?", "m.published_ns < ?"}
		args  = []any{step, step, q.From.UnixNano(), q.To.UnixNano()}
	)
	if q.Keyword != "" {
		from = `mention_keywords m`
		where = append(where, "m.keyword = ?")
		args = append(args, q.Keyword)
	} else {
		from = `mentions m`
	}
	if q.Platform != "" {
		where = append(where, "m.platform = ?")
		args = append(args, q.Platform)
	}
	query := `SELECT (m.published_ns / ?) * ? AS b, m.platform, COUNT(*) FROM ` + from +
		` WHERE ` + strings.Join(where, " AND ") + ` GROUP BY b, m.platform ORDER BY b, m.platform`
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("counting mentions: %w", err)
	}
	defer rows.Close()
	var out []analytics.Bucket
	for rows.Next() {
		var b analytics.Bucket
		var ns int64
		if err := rows.Scan(&ns, &b.Platform, &b.Count); err != nil {
			return nil, err
		}
		b.Start = time.Unix(0, ns).UTC()
		out = append(out, b)
	}
	return out, rows.Err()
}

// TopKeywords implements analytics.Store.
func (s *Store) TopKeywords(ctx context.Context, q analytics.Query, limit int) ([]analytics.KeywordCount, error) {
	if err := q.Validate(false); err != nil {
		return nil, err
	}
	if limit <= 0 {
		return nil, fmt.Errorf("keyword limit %d must be positive", limit)
	}
	where := "published_ns >= ? AND published_ns < ?"
	args := []any{q.From.UnixNano(), q.To.UnixNano()}
	if q.Platform != "" {
		where += " AND platform = ?"
		args = append(args, q.Platform)
	}
	args = append(args, limit)
	rows, err := s.db.QueryContext(ctx, `SELECT keyword, COUNT(*) AS n FROM mention_keywords WHERE `+where+` GROUP BY keyword ORDER BY n DESC, keyword ASC LIMIT ?`, args...)
	if err != nil {
		return nil, fmt.Errorf("counting keywords: %w", err)
	}
	defer rows.Close()
	var out []analytics.KeywordCount
	for rows.Next() {
		var k analytics.KeywordCount
		if err := rows.Scan(&k.Keyword, &k.Count); err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

// Rollup implements analytics.Store.
func (s *Store) Rollup(ctx context.Context, dim analytics.Dimension, keys []string, q analytics.Query) ([]analytics.KeyBucket, error) {
	if err := q.Validate(true); err != nil {
		return nil, err
	}
	if dim != analytics.ByTopic && dim != analytics.ByScheme {
		return nil, fmt.Errorf("rollup dimension %q is not topic or scheme", dim)
	}
	table, step := "rollup_minute", int64(time.Minute)
	if q.Step != analytics.Minute {
		table, step = "rollup_hour", int64(q.Step)
	}
	where := []string{"dim = ?", "start_ns >= ?", "start_ns < ?"}
	args := []any{step, step, string(dim), q.From.UnixNano(), q.To.UnixNano()}
	if q.Platform != "" {
		where = append(where, "platform = ?")
		args = append(args, q.Platform)
	}
	if keys != nil {
		where = append(where, "key IN ("+strings.TrimSuffix(strings.Repeat("?,", len(keys)), ",")+")")
		for _, k := range keys {
			args = append(args, k)
		}
		if len(keys) == 0 {
			return nil, nil
		}
	}
	rows, err := s.db.QueryContext(ctx, `SELECT key, (start_ns / ?) * ? AS b, SUM(n) FROM `+table+` WHERE `+strings.Join(where, " AND ")+` GROUP BY key, b ORDER BY key, b`, args...)
	if err != nil {
		return nil, fmt.Errorf("reading %s rollup: %w", dim, err)
	}
	defer rows.Close()
	var out []analytics.KeyBucket
	for rows.Next() {
		var b analytics.KeyBucket
		var ns int64
		if err := rows.Scan(&b.Key, &ns, &b.Count); err != nil {
			return nil, err
		}
		b.Start = time.Unix(0, ns).UTC()
		out = append(out, b)
	}
	return out, rows.Err()
}

// topicBody is how a topic is kept: columns for what queries select on,
// the rest as JSON.
type topicBody struct {
	Label     []string `json:"label"`
	FirstID   string   `json:"first_id"`
	Platforms []string `json:"platforms"`
	Neg       int64    `json:"neg"`
	Neu       int64    `json:"neu"`
	Pos       int64    `json:"pos"`
	Reach     int64    `json:"reach"`
	Heat      float64  `json:"heat"`
	Lifecycle string   `json:"lifecycle"`
	Grade     int      `json:"grade"`
	Schemes   []string `json:"schemes"`
	Retired   bool     `json:"retired"`
}

// PutTopics implements analytics.Store.
func (s *Store) PutTopics(ctx context.Context, ts []analytics.Topic) error {
	if len(ts) == 0 {
		return nil
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("beginning topic upsert: %w", err)
	}
	defer tx.Rollback()
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO topics (id, first_ns, last_ns, mentions, drill, updated_ns, body) VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET first_ns = excluded.first_ns, last_ns = excluded.last_ns, mentions = excluded.mentions,
			drill = excluded.drill, updated_ns = excluded.updated_ns, body = excluded.body
		WHERE excluded.updated_ns > topics.updated_ns`)
	if err != nil {
		return err
	}
	defer stmt.Close()
	for _, t := range ts {
		body, _ := json.Marshal(topicBody{Label: t.Label, FirstID: t.FirstID, Platforms: t.Platforms, Neg: t.Neg, Neu: t.Neu, Pos: t.Pos,
			Reach: t.Reach, Heat: t.Heat, Lifecycle: t.Lifecycle, Grade: t.Grade, Schemes: t.Schemes, Retired: t.Retired})
		if _, err := stmt.ExecContext(ctx, t.ID, t.FirstTime.UnixNano(), t.LastTime.UnixNano(), t.Mentions, t.Drill, t.Updated.UnixNano(), string(body)); err != nil {
			return fmt.Errorf("storing topic %s: %w", t.ID, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("committing %d topics: %w", len(ts), err)
	}
	return nil
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
	query := `SELECT id, first_ns, last_ns, mentions, drill, updated_ns, body FROM topics WHERE last_ns >= ? AND first_ns < ?`
	if !q.Drill {
		query += ` AND drill = 0`
	}
	rows, err := s.db.QueryContext(ctx, query+` ORDER BY mentions DESC, id ASC LIMIT ?`, q.From.UnixNano(), q.To.UnixNano(), limit)
	if err != nil {
		return nil, fmt.Errorf("reading topics: %w", err)
	}
	defer rows.Close()
	var out []analytics.Topic
	for rows.Next() {
		var (
			t             analytics.Topic
			fns, lns, uns int64
			body          string
			b             topicBody
		)
		if err := rows.Scan(&t.ID, &fns, &lns, &t.Mentions, &t.Drill, &uns, &body); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(body), &b); err != nil {
			return nil, fmt.Errorf("decoding topic %s: %w", t.ID, err)
		}
		t.FirstTime, t.LastTime, t.Updated = time.Unix(0, fns).UTC(), time.Unix(0, lns).UTC(), time.Unix(0, uns).UTC()
		t.Label, t.FirstID, t.Platforms, t.Neg, t.Neu, t.Pos = b.Label, b.FirstID, b.Platforms, b.Neg, b.Neu, b.Pos
		t.Reach, t.Heat, t.Lifecycle, t.Grade, t.Schemes, t.Retired = b.Reach, b.Heat, b.Lifecycle, b.Grade, b.Schemes, b.Retired
		out = append(out, t)
	}
	return out, rows.Err()
}

// Close implements analytics.Store.
func (s *Store) Close() error { return s.db.Close() }
