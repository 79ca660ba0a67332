// Package sqlitestore is the embedded analytics store: one SQLite file in the
// data directory. Mentions are keyed by ID (a batch writes only the IDs not
// stored yet), so writing a mention twice counts it once.
package sqlitestore

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"yuqing/internal/analytics"
	"yuqing/internal/private"
)

// Store is the SQLite analytics store. It is safe for concurrent use.
type Store struct {
	w      *sql.DB // the one writer connection
	db     *sql.DB // readers (query only)
	logger *slog.Logger

	stmts map[stmtKey]*sql.Stmt // the writer's statements of full chunks, prepared at Open
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
	// 4: writes that append. A batch of new mentions used to rewrite a
	// page per mention of the mentions table (keyed by ID, which follows
	// nothing) and one per keyword of mention_keywords (keyed by keyword),
	// each twice (WAL, then checkpoint). Now the rows of both tables go in
	// roughly in time order, at the end: mentions get a rowid in arrival
	// order (what the IDs' random order still costs is a page of the small
	// mentions_id index), keyword rows a key that leads with the time.
	// Reads are the same: by time range through mentions_published and
	// mentions_topic, TopKeywords and Counts by keyword through the time
	// range of mention_keywords. The copies read the old tables in their
	// order and sort (following the old time indexes instead would look
	// every row up at random: at a million mentions 35 s instead of 8 s
	// for the keywords).
	`CREATE TABLE mention_keywords_v4 (
		published_ns INTEGER NOT NULL,
		keyword      TEXT NOT NULL,
		id           TEXT NOT NULL,
		platform     TEXT NOT NULL,
		PRIMARY KEY (published_ns, keyword, id)
	) WITHOUT ROWID;
	INSERT INTO mention_keywords_v4 (published_ns, keyword, id, platform)
		SELECT published_ns, keyword, id, platform FROM mention_keywords NOT INDEXED ORDER BY +published_ns, keyword, id;
	DROP TABLE mention_keywords;
	ALTER TABLE mention_keywords_v4 RENAME TO mention_keywords;
	CREATE TABLE mentions_v4 (
		seq             INTEGER PRIMARY KEY,
		id              TEXT NOT NULL,
		platform        TEXT NOT NULL,
		source          TEXT NOT NULL,
		url             TEXT NOT NULL,
		author_id       TEXT NOT NULL,
		author_name     TEXT NOT NULL,
		title           TEXT NOT NULL,
		text            TEXT NOT NULL,
		published_ns    INTEGER NOT NULL,
		ingested_ns     INTEGER NOT NULL,
		tokens          TEXT NOT NULL,
		keywords        TEXT NOT NULL,
		drill           INTEGER NOT NULL,
		sentiment       TEXT NOT NULL,
		sentiment_score REAL NOT NULL,
		topic           TEXT NOT NULL,
		schemes         TEXT NOT NULL
	);
	INSERT INTO mentions_v4 (` + mentionColumns + `)
		SELECT ` + mentionColumns + ` FROM mentions NOT INDEXED ORDER BY +published_ns, platform, id;
	DROP TABLE mentions;
	ALTER TABLE mentions_v4 RENAME TO mentions;
	CREATE UNIQUE INDEX mentions_id ON mentions (id);
	CREATE INDEX mentions_published ON mentions (published_ns, platform);
	CREATE INDEX mentions_topic ON mentions (topic, published_ns);`,
}

// mentionColumns are the columns of a mention, in scanMention's order.
const mentionColumns = `id, platform, source, url, author_id, author_name, title, text, published_ns, ingested_ns, tokens, keywords, drill, sentiment, sentiment_score, topic, schemes`

// Connection settings. Every connection: WAL, and synchronous=NORMAL,
// which keeps every commit across a crash of the process (the WAL is in
// the OS's hands) and the file intact across a power cut, which may take
// the last commits back (the store is a projection: see PutMentions).
// The writer's cache holds the pages a batch touches (the tail of every
// index and table, and the mentions_id pages the IDs fall on: about 40 MB
// at a million mentions), and it checkpoints every 16,000 WAL pages (64
// MB), not the default 1,000: pages written again between checkpoints
// (index tails, rollup rows, the mentions_id pages) are copied once.
const (
	dsnCommon   = "?_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=busy_timeout(10000)"
	dsnWriter   = dsnCommon + "&_pragma=cache_size(-65536)&_pragma=wal_autocheckpoint(16000)&_pragma=temp_store(MEMORY)&_txlock=immediate"
	dsnReader   = dsnCommon + "&_pragma=cache_size(-8192)&_pragma=query_only(1)"
	dsnMigrate  = dsnCommon + "&_pragma=cache_size(-65536)&_txlock=immediate"
	readerConns = 4
)

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
	if err := migrate(ctx, path, logger); err != nil {
		return nil, fmt.Errorf("migrating analytics store %s: %w", path, err)
	}
	w, err := sql.Open("sqlite", "file:"+path+dsnWriter)
	if err != nil {
		return nil, fmt.Errorf("opening analytics store %s: %w", path, err)
	}
	// One writer connection: writes take the database's write lock
	// anyway, and its cache stays warm.
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxIdleTime(0)
	w.SetConnMaxLifetime(0)
	s := &Store{w: w, logger: logger}
	if err := s.prepare(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("analytics store %s: %w", path, err)
	}
	if s.db, err = sql.Open("sqlite", "file:"+path+dsnReader); err != nil {
		w.Close()
		return nil, fmt.Errorf("opening analytics store %s for reading: %w", path, err)
	}
	s.db.SetMaxOpenConns(readerConns)
	for _, p := range []string{path + "-wal", path + "-shm"} {
		if err := private.File(p, false, logger, "analytics store"); err != nil && !errors.Is(err, os.ErrNotExist) {
			logger.Warn("could not restrict the analytics store's files to their owner", "err", err)
		}
	}
	return s, nil
}

// migrate brings the store at path to the current schema, on a
// connection of its own whose large cache (and sorter spilling to files)
// lasts only as long as the migration.
func migrate(ctx context.Context, path string, logger *slog.Logger) error {
	db, err := sql.Open("sqlite", "file:"+path+dsnMigrate)
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var version int
	if err := tx.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&version); err != nil {
		return err
	}
	if version > len(migrations) {
		return fmt.Errorf("the store has schema version %d, newer than this yuqing's %d: run a newer yuqing, or rebuild the store from the log", version, len(migrations))
	}
	for v := version; v < len(migrations); v++ {
		start := time.Now()
		if _, err := tx.ExecContext(ctx, migrations[v]); err != nil {
			return fmt.Errorf("applying migration %d: %w", v+1, err)
		}
		logger.Info("analytics schema migrated", "version", v+1, "took", time.Since(start).Round(time.Millisecond))
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf(`PRAGMA user_version = %d`, len(migrations))); err != nil {
		return err
	}
	return tx.Commit()
}

// Rows per INSERT statement: one statement per row costs more in the
// driver than the row does in SQLite.
const (
	mentionsPerInsert = 50  // 17 values each
	rowsPerInsert     = 200 // 4 or 5 values each
	idsPerLookup      = 500
)

// PutMentions implements analytics.Store. It writes in one transaction the
// batch's new mentions (those whose ID is not stored yet, the first of
// each ID in the batch), their keywords and their increments of the
// rollups. The store is a projection of the log's analysed mentions: the
// analyser writes a batch before it commits the batch's offset, so what a
// crash loses here (nothing after a crash of the process; the last
// commits after a power cut, with synchronous=NORMAL) is written again
// when the batch comes again, and writing it twice counts it once.
func (s *Store) PutMentions(ctx context.Context, ms []analytics.Mention) error {
	if len(ms) == 0 {
		return nil
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("beginning mention insert: %w", err)
	}
	defer tx.Rollback()
	// The statements run without ctx's cancellation: the driver watches a
	// cancellable context with a goroutine per statement, which costs as
	// much as the row. ctx is checked between statements instead; the
	// transaction ends with it.
	xctx := context.WithoutCancel(ctx)

	// Which IDs are new: not stored, and the first of their ID in the batch.
	// The write lock is held from BEGIN (IMMEDIATE), so nothing can store
	// them between this look and the insert.
	stored := make(map[string]bool, len(ms))
	for i := 0; i < len(ms); i += idsPerLookup {
		chunk := ms[i:min(i+idsPerLookup, len(ms))]
		args := make([]any, len(chunk))
		for j, m := range chunk {
			args[j] = m.ID
		}
		if err := s.storedIDs(xctx, tx, args, stored); err != nil {
			return err
		}
	}
	fresh := make([]*analytics.Mention, 0, len(ms))
	for i := range ms {
		if !stored[ms[i].ID] {
			stored[ms[i].ID] = true // a later copy in the batch is not new
			fresh = append(fresh, &ms[i])
		}
	}
	if len(fresh) == 0 {
		return nil // all stored already: idempotent
	}

	// The mentions, in the batch's order (their rowids follow arrival).
	args := make([]any, 0, mentionsPerInsert*17)
	for i, m := range fresh {
		tokens, _ := json.Marshal(nonNil(m.Tokens))
		keywords, _ := json.Marshal(nonNil(m.Keywords))
		schemes, _ := json.Marshal(nonNil(m.Schemes))
		args = append(args, m.ID, m.Platform, m.Source, m.URL, m.AuthorID, m.AuthorName, m.Title, m.Text,
			m.PublishedAt.UnixNano(), m.IngestedAt.UnixNano(), string(tokens), string(keywords), m.Drill,
			m.Sentiment, m.SentimentScore, m.Topic, string(schemes))
		if len(args) == cap(args) || i == len(fresh)-1 {
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := insertMentions.exec(xctx, s, tx, args); err != nil {
				return fmt.Errorf("inserting mentions %s..: %w", fresh[i+1-len(args)/17].ID, err)
			}
			args = args[:0]
		}
	}

	// Keyword rows, each (time, keyword, mention) once, in key order.
	type kwRow struct {
		at           int64
		kw, id, plat string
	}
	var kws []kwRow
	for _, m := range fresh {
		for _, k := range m.Keywords {
			kws = append(kws, kwRow{m.PublishedAt.UnixNano(), k, m.ID, m.Platform})
		}
	}
	slices.SortFunc(kws, func(a, b kwRow) int {
		return cmp.Or(cmp.Compare(a.at, b.at), strings.Compare(a.kw, b.kw), strings.Compare(a.id, b.id))
	})
	kws = slices.CompactFunc(kws, func(a, b kwRow) bool { return a.at == b.at && a.kw == b.kw && a.id == b.id })
	args = make([]any, 0, rowsPerInsert*4)
	for i, k := range kws {
		args = append(args, k.at, k.kw, k.id, k.plat)
		if len(args) == cap(args) || i == len(kws)-1 {
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := insertKeywords.exec(xctx, s, tx, args); err != nil {
				return fmt.Errorf("inserting keywords: %w", err)
			}
			args = args[:0]
		}
	}

	// Rollups: each bucket of a new mention gains one, summed over the
	// batch: one upsert per bucket, in key order.
	type bucket struct {
		dim, key, plat string
		start          int64
	}
	var rollup [2]map[bucket]int64
	for i, step := range []int64{int64(time.Minute), int64(time.Hour)} {
		rollup[i] = map[bucket]int64{}
		for _, m := range fresh {
			start := m.PublishedAt.UnixNano() / step * step
			if m.Topic != "" {
				rollup[i][bucket{string(analytics.ByTopic), m.Topic, m.Platform, start}]++
			}
			for _, sc := range m.Schemes {
				rollup[i][bucket{string(analytics.ByScheme), sc, m.Platform, start}]++
			}
		}
	}
	for i, table := range rollupTables {
		bs := slices.SortedFunc(maps.Keys(rollup[i]), func(a, b bucket) int {
			return cmp.Or(strings.Compare(a.dim, b.dim), strings.Compare(a.key, b.key), cmp.Compare(a.start, b.start), strings.Compare(a.plat, b.plat))
		})
		args = make([]any, 0, rowsPerInsert*5)
		for j, b := range bs {
			args = append(args, b.dim, b.key, b.plat, b.start, rollup[i][b])
			if len(args) == cap(args) || j == len(bs)-1 {
				if err := ctx.Err(); err != nil {
					return err
				}
				if err := upsertRollup[i].exec(xctx, s, tx, args); err != nil {
					return fmt.Errorf("rolling up into %s: %w", table, err)
				}
				args = args[:0]
			}
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("committing %d mentions: %w", len(ms), err)
	}
	return nil
}

// storedIDs adds to stored the IDs among ids that the store holds.
func (s *Store) storedIDs(ctx context.Context, tx *sql.Tx, ids []any, stored map[string]bool) error {
	var rows *sql.Rows
	var err error
	if st := s.stmts[stmtKey{lookupHead, len(ids)}]; st != nil {
		rows, err = tx.StmtContext(ctx, st).QueryContext(ctx, ids...)
	} else {
		rows, err = tx.QueryContext(ctx, lookupIDs(len(ids)), ids...)
	}
	if err != nil {
		return fmt.Errorf("looking up %d mention IDs: %w", len(ids), err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return err
		}
		stored[id] = true
	}
	return rows.Err()
}

// multiInsert is an INSERT of many rows in one statement.
type multiInsert struct {
	head, tail string // before the VALUES rows, after them
	cols       int
}

// exec inserts the rows of args in tx.
func (m multiInsert) exec(ctx context.Context, s *Store, tx *sql.Tx, args []any) error {
	var err error
	if st := s.stmts[stmtKey{m.head, len(args) / m.cols}]; st != nil {
		_, err = tx.StmtContext(ctx, st).ExecContext(ctx, args...)
	} else {
		_, err = tx.ExecContext(ctx, m.sql(len(args)/m.cols), args...)
	}
	return err
}

// stmtKey names a prepared statement: its SQL's head and its rows.
type stmtKey struct {
	head string
	rows int
}

func (m multiInsert) sql(rows int) string { return m.head + placeholders(rows, m.cols) + m.tail }

// The writer's statements of full chunks, prepared once at Open: most of
// a batch's rows go through them.
var (
	insertMentions = multiInsert{head: `INSERT INTO mentions (` + mentionColumns + `) VALUES `, cols: 17}
	insertKeywords = multiInsert{head: `INSERT INTO mention_keywords (published_ns, keyword, id, platform) VALUES `, cols: 4}
	upsertRollup   = [2]multiInsert{
		{head: `INSERT INTO rollup_minute (dim, key, platform, start_ns, n) VALUES `, cols: 5, tail: rollupConflict},
		{head: `INSERT INTO rollup_hour (dim, key, platform, start_ns, n) VALUES `, cols: 5, tail: rollupConflict},
	}
	rollupTables = [2]string{"rollup_minute", "rollup_hour"}
)

const rollupConflict = ` ON CONFLICT (dim, key, start_ns, platform) DO UPDATE SET n = n + excluded.n`

const lookupHead = `SELECT id FROM mentions WHERE id IN (`

func lookupIDs(n int) string { return lookupHead + placeholders(n, 1) + `)` }

// prepare prepares the statements of full chunks on the writer.
func (s *Store) prepare(ctx context.Context) error {
	s.stmts = map[stmtKey]*sql.Stmt{}
	for _, m := range []struct {
		key stmtKey
		sql string
	}{
		{stmtKey{lookupHead, idsPerLookup}, lookupIDs(idsPerLookup)},
		{stmtKey{insertMentions.head, mentionsPerInsert}, insertMentions.sql(mentionsPerInsert)},
		{stmtKey{insertKeywords.head, rowsPerInsert}, insertKeywords.sql(rowsPerInsert)},
		{stmtKey{upsertRollup[0].head, rowsPerInsert}, upsertRollup[0].sql(rowsPerInsert)},
		{stmtKey{upsertRollup[1].head, rowsPerInsert}, upsertRollup[1].sql(rowsPerInsert)},
	} {
		st, err := s.w.PrepareContext(ctx, m.sql)
		if err != nil {
			return fmt.Errorf("preparing %.60s…: %w", m.sql, err)
		}
		s.stmts[m.key] = st
	}
	return nil
}

// placeholders is rows groups of cols question marks: "(?, ?), (?, ?)",
// or "?, ?" when cols is 1.
func placeholders(rows, cols int) string {
	one := strings.TrimSuffix(strings.Repeat("?, ", cols), ", ")
	if cols == 1 {
		return strings.TrimSuffix(strings.Repeat("?, ", rows), ", ")
	}
	return strings.TrimSuffix(strings.Repeat("("+one+"), ", rows), ", ")
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
	tx, err := s.w.BeginTx(ctx, nil)
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
func (s *Store) Close() error { return errors.Join(s.db.Close(), s.w.Close()) }
