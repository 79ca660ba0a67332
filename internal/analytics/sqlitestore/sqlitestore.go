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
}

// Open opens (creating and migrating if needed) the store at path.
func Open(ctx context.Context, path string, logger *slog.Logger) (*Store, error) {
	if path == "" {
		return nil, errors.New("sqlitestore: path is empty")
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("creating directory for %s: %w", path, err)
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
	ins, err := tx.PrepareContext(ctx, `INSERT OR IGNORE INTO mentions (id, platform, source, url, author_id, author_name, title, text, published_ns, ingested_ns, tokens, keywords, drill) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	defer ins.Close()
	kw, err := tx.PrepareContext(ctx, `INSERT OR IGNORE INTO mention_keywords (keyword, id, platform, published_ns) VALUES (?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	defer kw.Close()
	for _, m := range ms {
		tokens, _ := json.Marshal(nonNil(m.Tokens))
		keywords, _ := json.Marshal(nonNil(m.Keywords))
		res, err := ins.ExecContext(ctx, m.ID, m.Platform, m.Source, m.URL, m.AuthorID, m.AuthorName, m.Title, m.Text,
			m.PublishedAt.UnixNano(), m.IngestedAt.UnixNano(), string(tokens), string(keywords), m.Drill)
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

// Get implements analytics.Store.
func (s *Store) Get(ctx context.Context, id string) (analytics.Mention, error) {
	var (
		m           analytics.Mention
		pns, ins    int64
		tokens, kws string
	)
	err := s.db.QueryRowContext(ctx, `SELECT id, platform, source, url, author_id, author_name, title, text, published_ns, ingested_ns, tokens, keywords, drill FROM mentions WHERE id = ?`, id).
		Scan(&m.ID, &m.Platform, &m.Source, &m.URL, &m.AuthorID, &m.AuthorName, &m.Title, &m.Text, &pns, &ins, &tokens, &kws, &m.Drill)
	if errors.Is(err, sql.ErrNoRows) {
		return analytics.Mention{}, fmt.Errorf("mention %s: %w", id, analytics.ErrNotFound)
	}
	if err != nil {
		return analytics.Mention{}, fmt.Errorf("reading mention %s: %w", id, err)
	}
	m.PublishedAt = time.Unix(0, pns).UTC()
	m.IngestedAt = time.Unix(0, ins).UTC()
	if err := json.Unmarshal([]byte(tokens), &m.Tokens); err != nil {
		return m, fmt.Errorf("decoding tokens of %s: %w", id, err)
	}
	if err := json.Unmarshal([]byte(kws), &m.Keywords); err != nil {
		return m, fmt.Errorf("decoding keywords of %s: %w", id, err)
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

// Close implements analytics.Store.
func (s *Store) Close() error { return s.db.Close() }
