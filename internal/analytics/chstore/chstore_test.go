package chstore

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"yuqing/internal/analytics"
	"yuqing/internal/analytics/storetest"
)

// The tests that need a server run against CLICKHOUSE_ADDR (host:port of
// the native protocol), e.g. a server started by
// deploy/clickhouse/start-test-server.sh. Each uses a database of its own,
// dropped when it ends.

func serverAddr(tb testing.TB) string {
	tb.Helper()
	addr := os.Getenv("CLICKHOUSE_ADDR")
	if addr == "" && os.Getenv("CI") != "" {
		tb.Fatal("CI must run the ClickHouse half: CLICKHOUSE_ADDR is not set (.ci/run starts a server)")
	}
	if addr == "" {
		tb.Skip("CLICKHOUSE_ADDR is not set: no ClickHouse server to test against " +
			"(start one with deploy/clickhouse/start-test-server.sh DIR 19000 18123, then CLICKHOUSE_ADDR=127.0.0.1:19000)")
	}
	return addr
}

var dbSeq atomic.Int64

// freshConfig returns a config naming a new database, dropped when tb ends.
// Cleanups run last-registered first, so a store opened on it afterwards
// and closed in a later cleanup is closed before the drop.
func freshConfig(tb testing.TB) Config {
	tb.Helper()
	cfg := Config{
		Addr:     serverAddr(tb),
		Database: fmt.Sprintf("chstore_test_%d_%d_%d", os.Getpid(), time.Now().UnixNano(), dbSeq.Add(1)),
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn := adminConn(tb, cfg.Addr)
		defer conn.Close()
		if err := conn.Exec(ctx, "DROP DATABASE IF EXISTS `"+cfg.Database+"`"); err != nil {
			tb.Errorf("dropping test database %s: %v", cfg.Database, err)
		}
	})
	return cfg
}

func adminConn(tb testing.TB, addr string) driver.Conn {
	tb.Helper()
	conn, err := clickhouse.Open(&clickhouse.Options{Protocol: clickhouse.Native, Addr: []string{addr}})
	if err != nil {
		tb.Fatal(err)
	}
	return conn
}

func newStore(tb testing.TB, cfg Config, logger *slog.Logger) *Store {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	s, err := New(ctx, cfg, logger)
	if err != nil {
		tb.Fatalf("New(%v): %v", cfg, err)
	}
	return s
}

func TestConformance(t *testing.T) {
	serverAddr(t)
	storetest.Run(t, func(t *testing.T) analytics.Store {
		// The suite's Close cleanup is registered after freshConfig's drop,
		// so it runs first.
		return newStore(t, freshConfig(t), nil)
	})
}

// logCounter counts the records whose message contains a string.
func logCounter(buf *bytes.Buffer, msg string) int {
	return strings.Count(buf.String(), msg)
}

func TestReopenAppliesNoMigrationTwice(t *testing.T) {
	cfg := freshConfig(t)
	ctx := t.Context()
	want, err := loadMigrations(migrationFiles)
	if err != nil {
		t.Fatal(err)
	}

	var log1 bytes.Buffer
	s := newStore(t, cfg, slog.New(slog.NewTextHandler(&log1, nil)))
	if n := logCounter(&log1, "analytics schema migrated"); n != len(want) {
		t.Fatalf("first New applied %d migrations, want %d:\n%s", n, len(want), log1.String())
	}
	m := analytics.Mention{ID: "weibo:1", Platform: "weibo", Text: "x", PublishedAt: time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)}
	if err := s.PutMentions(ctx, []analytics.Mention{m}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	for i := range 2 {
		var log2 bytes.Buffer
		s = newStore(t, cfg, slog.New(slog.NewTextHandler(&log2, nil)))
		if n := logCounter(&log2, "analytics schema migrated"); n != 0 {
			t.Fatalf("reopen %d applied %d migrations again:\n%s", i+1, n, log2.String())
		}
		if _, err := s.Get(ctx, m.ID); err != nil {
			t.Fatalf("reopen %d lost the data: %v", i+1, err)
		}
		s.Close()
	}

	// Each version is recorded exactly once (schema_migrations is a plain
	// MergeTree: a second record would stay visible).
	conn := adminConn(t, cfg.Addr)
	defer conn.Close()
	rows, err := conn.Query(ctx, "SELECT version, count() FROM `"+cfg.Database+"`.schema_migrations GROUP BY version ORDER BY version")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []uint32
	for rows.Next() {
		var (
			v uint32
			n uint64
		)
		if err := rows.Scan(&v, &n); err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			t.Errorf("migration %d recorded %d times", v, n)
		}
		got = append(got, v)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("schema_migrations has versions %v, want %d migrations", got, len(want))
	}
	for i := range want {
		if got[i] != want[i].version {
			t.Fatalf("schema_migrations has versions %v", got)
		}
	}
}

func TestVersionGatedMigrationIsSkippedOnOlderServers(t *testing.T) {
	cfg := freshConfig(t)
	ctx := t.Context()
	s := newStore(t, cfg, nil)
	defer s.Close()
	fsys := fstest.MapFS{
		"migrations/0100_any.sql":    {Data: []byte("-- min_server_version: 1.0\nCREATE TABLE IF NOT EXISTS gate_any (x UInt8) ENGINE = MergeTree() ORDER BY x;\n")},
		"migrations/0101_future.sql": {Data: []byte("-- min_server_version: 999.0\nTHIS IS NOT SQL;\n")},
	}
	ms, err := loadMigrations(fsys)
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := s.migrate(ctx, ms); err != nil {
			t.Fatal(err)
		}
	}
	var n uint64
	if err := s.conn.QueryRow(ctx, "SELECT count() FROM schema_migrations WHERE version IN (100, 101)").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Fatalf("recorded %d of the two gated migrations, want only 0100 recorded", n)
	}
	if err := s.conn.Exec(ctx, "SELECT count() FROM gate_any"); err != nil {
		t.Fatalf("0100 was not applied: %v", err)
	}
}

// TestUpgradeFromVersion1: a database created by migration 0001 alone, with
// a mention in it, is upgraded in place by New and keeps the mention; the
// upgrade's ADD COLUMNs are skipped when run again.
func TestUpgradeFromVersion1(t *testing.T) {
	cfg := freshConfig(t)
	ctx := t.Context()
	all, err := loadMigrations(migrationFiles)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) < 2 || all[0].version != 1 || all[1].version != 2 {
		t.Fatalf("embedded migrations: %+v", all)
	}

	admin := adminConn(t, cfg.Addr)
	defer admin.Close()
	if err := admin.Exec(ctx, "CREATE DATABASE `"+cfg.Database+"`"); err != nil {
		t.Fatal(err)
	}
	conn, err := open(ctx, cfg, cfg.Database)
	if err != nil {
		t.Fatal(err)
	}
	old := &Store{conn: conn, db: cfg.Database, logger: slog.New(slog.DiscardHandler)}
	if err := old.migrate(ctx, all[:1]); err != nil {
		t.Fatal(err)
	}
	// The insert the version-1 store made.
	at := time.Date(2026, 11, 23, 8, 0, 7, 5, time.UTC)
	b, err := conn.PrepareBatch(ctx, `INSERT INTO mentions (id, platform, source, url, author_id, author_name, title, text,
    published_at, published_nanos, ingested_at, ingested_nanos, tokens, keywords, drill, ver)`)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Append("weibo:old", "weibo", "src", "https://example.org/old", "u1", "作者", "标题", "正文",
		at.Truncate(time.Second), uint32(5), at.Truncate(time.Second), uint32(5), []string{"正文"}, []string{"化工厂"}, uint8(1), uint64(1)); err != nil {
		t.Fatal(err)
	}
	if err := b.Send(); err != nil {
		t.Fatal(err)
	}
	conn.Close()

	var log bytes.Buffer
	s := newStore(t, cfg, slog.New(slog.NewTextHandler(&log, nil)))
	defer s.Close()
	if n := logCounter(&log, "analytics schema migrated"); n != len(all)-1 {
		t.Fatalf("upgrade applied %d migrations, want %d:\n%s", n, len(all)-1, log.String())
	}
	got, err := s.Get(ctx, "weibo:old")
	if err != nil {
		t.Fatalf("the version-1 mention is gone: %v", err)
	}
	if got.Title != "标题" || !got.PublishedAt.Equal(at) || !got.Drill || len(got.Keywords) != 1 ||
		got.Sentiment != "" || got.SentimentScore != 0 || got.Topic != "" || got.Schemes != nil {
		t.Fatalf("upgraded mention = %+v", got)
	}
	q := analytics.Query{From: at.Add(-time.Hour), To: at.Add(time.Hour), Step: analytics.Hour}
	if c, err := s.Counts(ctx, q); err != nil || len(c) != 1 || c[0].Count != 1 {
		t.Fatalf("Counts = %v, %v", c, err)
	}

	// New mentions carry the new fields next to the old one.
	nu := analytics.Mention{ID: "weibo:new", Platform: "weibo", PublishedAt: at, Sentiment: "pos", SentimentScore: 0.5, Topic: "ta", Schemes: []string{"chem"}}
	if err := s.PutMentions(ctx, []analytics.Mention{nu}); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Get(ctx, nu.ID); err != nil || got.Topic != "ta" || got.Sentiment != "pos" || got.SentimentScore != 0.5 || len(got.Schemes) != 1 {
		t.Fatalf("Get(new) = %+v, %v", got, err)
	}
	for _, dim := range []analytics.Dimension{analytics.ByTopic, analytics.ByScheme} {
		r, err := s.Rollup(ctx, dim, nil, q)
		if err != nil || len(r) != 1 || r[0].Count != 1 {
			t.Fatalf("Rollup(%s) = %v, %v; want only the new mention", dim, r, err)
		}
	}

	// An upgrade interrupted after its ALTERs is run again whole: the
	// columns that exist are skipped.
	again := all[1]
	again.version = 99
	if err := s.migrate(ctx, []migration{again}); err != nil {
		t.Fatalf("running 0002 again: %v", err)
	}
	if _, err := s.Get(ctx, "weibo:old"); err != nil {
		t.Fatal(err)
	}
}

// TestRollupFirstWriteWins: a mention rewritten with another topic and
// schemes is rolled up as first written, before and after merges.
func TestRollupFirstWriteWins(t *testing.T) {
	s := newStore(t, freshConfig(t), nil)
	defer s.Close()
	ctx := t.Context()
	at := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
	first := analytics.Mention{ID: "weibo:1", Platform: "weibo", PublishedAt: at, Topic: "ta", Schemes: []string{"chem"}}
	second := first
	second.Topic, second.Schemes = "tb", []string{"env", "chem"}
	for _, m := range []analytics.Mention{first, second} {
		if err := s.PutMentions(ctx, []analytics.Mention{m}); err != nil {
			t.Fatal(err)
		}
	}
	q := analytics.Query{From: at, To: at.Add(time.Hour), Step: analytics.Hour}
	check := func(when string) {
		t.Helper()
		for _, tc := range []struct {
			dim  analytics.Dimension
			keys []string
			want string
		}{
			{analytics.ByTopic, nil, "ta"},
			{analytics.ByTopic, []string{"tb"}, ""},
			{analytics.ByTopic, []string{`it's \ odd`, "ta"}, "ta"},
			{analytics.ByScheme, nil, "chem"},
			{analytics.ByScheme, []string{"env"}, ""},
			{analytics.ByScheme, []string{}, ""},
		} {
			got, err := s.Rollup(ctx, tc.dim, tc.keys, q)
			if err != nil {
				t.Fatal(err)
			}
			var want []analytics.KeyBucket
			if tc.want != "" {
				want = []analytics.KeyBucket{{Key: tc.want, Start: at, Count: 1}}
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("%s: Rollup(%s, %q) = %v, want %v", when, tc.dim, tc.keys, got, want)
			}
		}
	}
	check("before merge")
	mergeAll(t, s, "mentions", 1)
	check("after merge")
}

// TestTopicVersions: per ID the latest Updated wins, the first of equal
// ones, within a call and across calls, before and after merges; and the
// range applies to the latest version only.
func TestTopicVersions(t *testing.T) {
	s := newStore(t, freshConfig(t), nil)
	defer s.Close()
	ctx := t.Context()
	at := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
	v := func(id, lifecycle string, updated time.Duration, first time.Duration) analytics.Topic {
		return analytics.Topic{ID: id, Mentions: 1, Lifecycle: lifecycle, FirstTime: at.Add(first), LastTime: at.Add(first), Updated: at.Add(updated)}
	}
	put := func(ts ...analytics.Topic) {
		t.Helper()
		if err := s.PutTopics(ctx, ts); err != nil {
			t.Fatal(err)
		}
	}
	put(v("a", "a1", 1, 0), v("a", "a2", 1, 0), v("a", "a0", 0, 0)) // equal in one call: the first
	put(v("a", "a3", 1, 0))                                         // equal, later: ignored
	put(v("b", "b2", 2*time.Second, 0), v("b", "b3", 3*time.Second, 0))
	put(v("b", "b1", time.Second, 0))                                         // older, later: ignored
	put(v("c", "c1", 1, 0))                                                   // in the range...
	put(v("c", "c2", 48*time.Hour, 48*time.Hour))                             // ...until its latest version left it
	put(v("d", "d1", time.Nanosecond, 0), v("d", "d2", 2*time.Nanosecond, 0)) // nanoseconds count
	put(v("d", "d0", 0, 0))

	// Two processes writing one version at once both get through; queries
	// pick the later insert, as merges do.
	for i, lc := range []string{"e1", "e2"} {
		b, err := s.conn.PrepareBatch(ctx, insertTopics)
		if err != nil {
			t.Fatal(err)
		}
		if err := b.Append("e", []string{}, int64(1), "", at.UnixNano(), at.UnixNano(), []string{}, int64(0), int64(0), int64(0), int64(0),
			0.0, lc, int64(0), []string{}, uint8(0), uint8(0), uint64(at.UnixNano()), uint64(i+1)); err != nil {
			t.Fatal(err)
		}
		if err := b.Send(); err != nil {
			t.Fatal(err)
		}
	}

	check := func(when string) {
		t.Helper()
		got, err := s.Topics(ctx, analytics.TopicQuery{From: at, To: at.Add(time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		var lcs []string
		for _, x := range got {
			lcs = append(lcs, x.Lifecycle)
		}
		if want := "[a1 b3 d2 e2]"; fmt.Sprint(lcs) != want {
			t.Errorf("%s: Topics lifecycles %v, want %s", when, lcs, want)
		}
	}
	check("before merge")
	mergeAll(t, s, "topics", 5) // one row per ID
	check("after merge")

	if err := s.PutTopics(ctx, []analytics.Topic{{ID: "x", Updated: time.Date(1960, 1, 1, 0, 0, 0, 0, time.UTC)}}); err == nil {
		t.Error("PutTopics accepted a 1960 version")
	}
	if err := s.PutTopics(ctx, []analytics.Topic{{Updated: at}}); err == nil {
		t.Error("PutTopics accepted an empty ID")
	}
	if _, err := s.Topics(ctx, analytics.TopicQuery{From: at, To: at}); err == nil {
		t.Error("Topics accepted an empty range")
	}
}

// mergeAll merges table's parts with OPTIMIZE FINAL until it holds want
// rows. OPTIMIZE does nothing, silently, when a background merge holds some
// of the parts, so it is retried.
func mergeAll(tb testing.TB, s *Store, table string, want uint64) {
	tb.Helper()
	ctx := context.Background()
	var rows uint64
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if err := s.conn.Exec(ctx, "OPTIMIZE TABLE "+table+" FINAL"); err != nil {
			tb.Fatal(err)
		}
		if err := s.conn.QueryRow(ctx, "SELECT count() FROM "+table).Scan(&rows); err != nil {
			tb.Fatal(err)
		}
		if rows == want {
			return
		}
		if time.Now().After(deadline) {
			tb.Fatalf("after OPTIMIZE FINAL %s holds %d rows, want %d", table, rows, want)
		}
	}
}

// TestFirstWriteWins: a mention written again with other content stays as
// first written, before and after ClickHouse merges the duplicates.
func TestFirstWriteWins(t *testing.T) {
	s := newStore(t, freshConfig(t), nil)
	defer s.Close()
	ctx := t.Context()
	at := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
	first := analytics.Mention{ID: "weibo:1", Platform: "weibo", Title: "first", PublishedAt: at, Keywords: []string{"a"}}
	second := first
	second.Title = "second"
	for _, m := range []analytics.Mention{first, second, second} {
		if err := s.PutMentions(ctx, []analytics.Mention{m}); err != nil {
			t.Fatal(err)
		}
	}
	check := func(when string) {
		t.Helper()
		got, err := s.Get(ctx, first.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Title != "first" {
			t.Fatalf("%s: Get title %q, want the first write", when, got.Title)
		}
		b, err := s.Counts(ctx, analytics.Query{From: at, To: at.Add(time.Hour), Step: analytics.Hour})
		if err != nil {
			t.Fatal(err)
		}
		if len(b) != 1 || b[0].Count != 1 {
			t.Fatalf("%s: Counts = %v, want one mention", when, b)
		}
	}
	check("before merge")
	mergeAll(t, s, "mentions", 1)
	check("after merge")
}

// TestSubSecondTimes: times keep their nanoseconds, zero times round-trip,
// and range bounds are exact to the nanosecond.
func TestSubSecondTimes(t *testing.T) {
	s := newStore(t, freshConfig(t), nil)
	defer s.Close()
	ctx := t.Context()
	at := time.Date(2026, 11, 23, 8, 0, 7, 500_000_000, time.UTC)
	in := []analytics.Mention{
		{ID: "a", Platform: "p", PublishedAt: at, IngestedAt: at.Add(123456789 * time.Nanosecond)},
		{ID: "zero", Platform: "p"},
	}
	if err := s.PutMentions(ctx, in); err != nil {
		t.Fatal(err)
	}
	got, err := s.Get(ctx, "a")
	if err != nil {
		t.Fatal(err)
	}
	if !got.PublishedAt.Equal(in[0].PublishedAt) || !got.IngestedAt.Equal(in[0].IngestedAt) {
		t.Fatalf("times %v %v, want %v %v", got.PublishedAt, got.IngestedAt, in[0].PublishedAt, in[0].IngestedAt)
	}
	if got.Tokens == nil || got.Keywords == nil || len(got.Tokens)+len(got.Keywords) != 0 {
		t.Fatalf("tokens %#v keywords %#v, want empty non-nil (as sqlitestore)", got.Tokens, got.Keywords)
	}
	z, err := s.Get(ctx, "zero")
	if err != nil {
		t.Fatal(err)
	}
	if !z.PublishedAt.IsZero() || !z.IngestedAt.IsZero() {
		t.Fatalf("zero times read back as %v %v", z.PublishedAt, z.IngestedAt)
	}
	for _, tc := range []struct {
		from, to time.Time
		want     int64
	}{
		{at, at.Add(time.Nanosecond), 1},
		{at.Add(-time.Nanosecond), at, 0},
		{at.Add(time.Nanosecond), at.Add(time.Hour), 0},
		{at.Add(-400 * time.Millisecond), at.Add(time.Millisecond), 1},
		{at.Truncate(time.Second), at.Truncate(time.Second).Add(time.Second), 1},
		{at.Add(-time.Hour), at.Add(-500 * time.Millisecond), 0},
	} {
		b, err := s.Counts(ctx, analytics.Query{From: tc.from, To: tc.to, Step: analytics.Minute, Platform: "p"})
		if err != nil {
			t.Fatal(err)
		}
		var n int64
		for _, x := range b {
			n += x.Count
		}
		if n != tc.want {
			t.Errorf("[%s, %s) counted %d, want %d", tc.from.Format(time.RFC3339Nano), tc.to.Format(time.RFC3339Nano), n, tc.want)
		}
	}
}

func TestPutRejectsUnstorableTimes(t *testing.T) {
	s := newStore(t, freshConfig(t), nil)
	defer s.Close()
	err := s.PutMentions(t.Context(), []analytics.Mention{{ID: "old", PublishedAt: time.Date(1960, 1, 1, 0, 0, 0, 0, time.UTC)}})
	if err == nil || !strings.Contains(err.Error(), "1970..2106") {
		t.Fatalf("PutMentions(1960) = %v, want an out-of-range error", err)
	}
	if err := s.PutMentions(t.Context(), []analytics.Mention{{PublishedAt: time.Now()}}); err == nil {
		t.Fatal("PutMentions accepted an empty ID")
	}
}

// ---- tests that need no server

func TestConfig(t *testing.T) {
	cfg := Config{Addr: "127.0.0.1:9000", Username: "u", Password: "hunter2"}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{cfg.String(), fmt.Sprint(cfg), fmt.Sprintf("%v %+v %#v %s", cfg, cfg, cfg, cfg)} {
		if strings.Contains(s, "hunter2") || !strings.Contains(s, "<secret>") {
			t.Fatalf("config printed as %q", s)
		}
	}
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("x", "cfg", cfg)
	if strings.Contains(buf.String(), "hunter2") {
		t.Fatalf("config logged as %s", buf.String())
	}
	if !strings.Contains(cfg.String(), "Database:"+DefaultDatabase) {
		t.Fatalf("default database not shown: %s", cfg)
	}
	for _, bad := range []Config{
		{},
		{Addr: "localhost"},
		{Addr: "localhost:"},
		{Addr: "localhost:9000", Database: "a-b"},
		{Addr: "localhost:9000", Database: "x`; DROP DATABASE y"},
	} {
		if err := bad.Validate(); err == nil {
			t.Errorf("Validate(%v) = nil", bad)
		}
	}
	if _, err := New(t.Context(), Config{}, nil); err == nil {
		t.Error("New accepted an empty config")
	}
}

func TestLoadMigrations(t *testing.T) {
	ms, err := loadMigrations(migrationFiles)
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) == 0 || ms[0].version != 1 {
		t.Fatalf("embedded migrations: %+v", ms)
	}
	for _, m := range ms {
		for _, s := range m.statements {
			if strings.HasSuffix(s, ";") || strings.HasPrefix(s, "--") {
				t.Errorf("migration %d statement not trimmed: %q", m.version, s)
			}
		}
	}

	got, err := loadMigrations(fstest.MapFS{
		"migrations/0002_b.sql": {Data: []byte("-- min_server_version: 20.3\nALTER TABLE t ADD COLUMN x String;\nALTER TABLE t\n  ADD COLUMN y String;\n")},
		"migrations/0001_a.sql": {Data: []byte("CREATE TABLE t (a String) ENGINE = Memory")},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].version != 1 || got[1].version != 2 || got[1].minServer != [2]uint64{20, 3} ||
		len(got[0].statements) != 1 || len(got[1].statements) != 2 || got[1].statements[1] != "ALTER TABLE t\n  ADD COLUMN y String" {
		t.Fatalf("loadMigrations = %+v", got)
	}
	if got[1].adds[0] != (addColumn{"t", "x"}) || got[1].adds[1] != (addColumn{"t", "y"}) || got[0].adds[0] != (addColumn{}) {
		t.Fatalf("ADD COLUMNs found: %+v", got)
	}
	for name, fsys := range map[string]fstest.MapFS{
		"two adds":   {"migrations/0001_a.sql": {Data: []byte("ALTER TABLE t ADD COLUMN x String, ADD COLUMN y String;\n")}},
		"add second": {"migrations/0001_a.sql": {Data: []byte("ALTER TABLE t MODIFY COLUMN a String, ADD COLUMN y String;\n")}},
		"bad name":   {"migrations/x.sql": {Data: []byte("SELECT 1")}},
		"empty":      {"migrations/0001_a.sql": {Data: []byte("-- nothing\n")}},
		"duplicate":  {"migrations/0001_a.sql": {Data: []byte("SELECT 1")}, "migrations/01_b.sql": {Data: []byte("SELECT 1")}},
		"bad gate":   {"migrations/0001_a.sql": {Data: []byte("-- min_server_version: twenty\nSELECT 1")}},
	} {
		if _, err := loadMigrations(fsys); err == nil {
			t.Errorf("%s: loadMigrations accepted it", name)
		}
	}
}

func TestTimes(t *testing.T) {
	at := time.Date(2026, 11, 23, 8, 0, 7, 42, time.FixedZone("CST", 8*3600))
	sec, nanos, err := toDateTime(at)
	if err != nil || sec.Location() != time.UTC || !sec.Equal(at.Truncate(time.Second)) || nanos != 42 {
		t.Fatalf("toDateTime = %v %d %v", sec, nanos, err)
	}
	if back := fromDateTime(sec, nanos); !back.Equal(at) || back.Location() != time.UTC {
		t.Fatalf("fromDateTime = %v", back)
	}
	sec, nanos, err = toDateTime(time.Time{})
	if err != nil || sec.Unix() != 0 || nanos != 0 || !fromDateTime(sec, nanos).IsZero() {
		t.Fatalf("zero time: %v %d %v", sec, nanos, err)
	}
	for _, bad := range []time.Time{time.Unix(-1, 0), time.Unix(1<<32, 0)} {
		if _, _, err := toDateTime(bad); err == nil {
			t.Errorf("toDateTime(%v) accepted", bad)
		}
	}
}

// BenchmarkPutMentions inserts batches of 10,000 new mentions shaped like
// real ones; it reports rows/s.
func BenchmarkPutMentions(b *testing.B) {
	s := newStore(b, freshConfig(b), nil)
	defer s.Close()
	ctx := context.Background()
	const batchSize = 10_000
	platforms := []string{"weibo", "wechat", "forum", "news", "douyin"}
	keywords := []string{"化工厂", "异味", "学校", "医院", "交通", "停水", "物价", "暴雨"}
	t0 := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	batch := make([]analytics.Mention, batchSize)
	n := 0
	for b.Loop() {
		for i := range batch {
			n++
			p := platforms[n%len(platforms)]
			at := t0.Add(time.Duration(n%86400) * time.Second)
			batch[i] = analytics.Mention{
				ID: fmt.Sprintf("%s:%d", p, n), Platform: p, Source: "bench",
				URL: fmt.Sprintf("https://example.org/%d", n), AuthorID: fmt.Sprintf("u%d", n%5000), AuthorName: "作者",
				Title: "标题", Text: "某某化工厂附近居民反映夜间有刺鼻异味，已向环保部门反映。",
				PublishedAt: at, IngestedAt: at.Add(time.Minute),
				Tokens:   []string{"化工厂", "附近", "居民", "反映", "夜间", "刺鼻", "异味", "环保部门"},
				Keywords: []string{keywords[n%len(keywords)], keywords[(n/7)%len(keywords)]},
			}
		}
		if err := s.PutMentions(ctx, batch); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*batchSize)/b.Elapsed().Seconds(), "rows/s")
}
