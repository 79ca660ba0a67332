package sqlitestore

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"yuqing/internal/analytics"
	"yuqing/internal/analytics/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) analytics.Store {
		s, err := Open(t.Context(), filepath.Join(t.TempDir(), "analytics.db"), nil)
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

func TestReopenKeepsDataAndSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "analytics.db")
	s, err := Open(t.Context(), path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.PutMentions(t.Context(), []analytics.Mention{{ID: "weibo:1", Platform: "weibo", Text: "x"}}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err = Open(t.Context(), path, nil) // migrations must not run twice
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Get(t.Context(), "weibo:1"); err != nil {
		t.Fatal(err)
	}
}

// A store written by the first schema upgrades in place and keeps its data.
func TestUpgradeFromVersion1(t *testing.T) {
	path := filepath.Join(t.TempDir(), "analytics.db")
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{migrations[0], `PRAGMA user_version = 1`,
		`INSERT INTO mentions (id, platform, source, url, author_id, author_name, title, text, published_ns, ingested_ns, tokens, keywords, drill) VALUES ('weibo:1', 'weibo', '', '', '', '', '', '旧数据', 0, 0, '[]', '[]', 0)`} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	s, err := Open(t.Context(), path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	m, err := s.Get(t.Context(), "weibo:1")
	if err != nil || m.Text != "旧数据" || m.Topic != "" {
		t.Fatalf("after upgrade: %+v, %v", m, err)
	}
}

// A store written by schema 3 (mentions keyed by ID, keyword rows keyed by
// keyword) upgrades in place: its mentions, keywords and rollups answer
// as before, writing them again counts nothing twice, and new ones go in.
func TestUpgradeFromVersion3(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "analytics.db")
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(WAL)")
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
	old := []analytics.Mention{
		{ID: "weibo:2", Platform: "weibo", Source: "s", URL: "https://weibo.example/2", AuthorID: "u2", AuthorName: "作者",
			Title: "标题", Text: "城东化工厂附近传出刺鼻异味", PublishedAt: t0.Add(2 * time.Minute), IngestedAt: t0.Add(3 * time.Minute),
			Tokens: []string{"化工厂", "异味"}, Keywords: []string{"化工厂", "异味"}, Sentiment: "neg", SentimentScore: -0.5,
			Topic: "t1", Schemes: []string{"chem"}},
		{ID: "weibo:1", Platform: "weibo", Text: "化工厂", PublishedAt: t0, IngestedAt: t0, Keywords: []string{"化工厂"}, Topic: "t1", Sentiment: "neu"},
		{ID: "news:9", Platform: "news", Text: "异味", PublishedAt: t0.Add(90 * time.Minute), IngestedAt: t0.Add(90 * time.Minute), Keywords: []string{"异味"}},
	}
	stmts := append(migrations[:3:3], `PRAGMA user_version = 3`)
	for _, m := range old { // as schema 3's PutMentions wrote them
		tokens, _ := json.Marshal(nonNil(m.Tokens))
		kws, _ := json.Marshal(nonNil(m.Keywords))
		schemes, _ := json.Marshal(nonNil(m.Schemes))
		stmts = append(stmts, fmt.Sprintf(`INSERT INTO mentions (id, platform, source, url, author_id, author_name, title, text, published_ns, ingested_ns, tokens, keywords, drill, sentiment, sentiment_score, topic, schemes)
			VALUES ('%s', '%s', '%s', '%s', '%s', '%s', '%s', '%s', %d, %d, '%s', '%s', 0, '%s', %g, '%s', '%s')`,
			m.ID, m.Platform, m.Source, m.URL, m.AuthorID, m.AuthorName, m.Title, m.Text, m.PublishedAt.UnixNano(), m.IngestedAt.UnixNano(),
			tokens, kws, m.Sentiment, m.SentimentScore, m.Topic, schemes))
		for _, k := range m.Keywords {
			stmts = append(stmts, fmt.Sprintf(`INSERT INTO mention_keywords (keyword, id, platform, published_ns) VALUES ('%s', '%s', '%s', %d)`, k, m.ID, m.Platform, m.PublishedAt.UnixNano()))
		}
		if m.Topic != "" {
			for table, step := range map[string]time.Duration{"rollup_minute": time.Minute, "rollup_hour": time.Hour} {
				stmts = append(stmts, fmt.Sprintf(`INSERT INTO %s (dim, key, platform, start_ns, n) VALUES ('topic', '%s', '%s', %d, 1)
					ON CONFLICT (dim, key, start_ns, platform) DO UPDATE SET n = n + 1`, table, m.Topic, m.Platform, m.PublishedAt.Truncate(step).UnixNano()))
			}
		}
	}
	for _, q := range stmts {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	db.Close()

	s, err := Open(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	var version int
	if err := s.db.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&version); err != nil || version != len(migrations) {
		t.Fatalf("schema version %d (%v), want %d", version, err, len(migrations))
	}
	got, err := s.Get(ctx, "weibo:2")
	if err != nil || !reflect.DeepEqual(got, old[0]) {
		t.Fatalf("Get after the upgrade = %+v, %v\nwant %+v", got, err, old[0])
	}
	day := analytics.Query{From: t0.Add(-time.Hour), To: t0.Add(23 * time.Hour), Step: analytics.Hour}
	kw, err := s.TopKeywords(ctx, day, 10)
	if want := []analytics.KeywordCount{{Keyword: "化工厂", Count: 2}, {Keyword: "异味", Count: 2}}; err != nil || !reflect.DeepEqual(kw, want) {
		t.Fatalf("TopKeywords after the upgrade = %v, %v; want %v", kw, err, want)
	}
	check := func(when string) {
		t.Helper()
		kw, err := s.TopKeywords(ctx, day, 10)
		if want := []analytics.KeywordCount{{Keyword: "化工厂", Count: 3}, {Keyword: "异味", Count: 3}}; err != nil || !reflect.DeepEqual(kw, want) {
			t.Fatalf("%s: TopKeywords = %v, %v; want %v", when, kw, err, want)
		}
		q := day
		q.Keyword, q.Platform = "异味", "weibo"
		bs, err := s.Counts(ctx, q)
		if err != nil || len(bs) != 1 || bs[0].Count != 2 || !bs[0].Start.Equal(t0) {
			t.Fatalf("%s: Counts(异味 on weibo) = %v, %v; want 2 at %s", when, bs, err, t0)
		}
		q.Step, q.Keyword, q.Platform = analytics.Minute, "", ""
		rs, err := s.Rollup(ctx, analytics.ByTopic, []string{"t1"}, q)
		want := []analytics.KeyBucket{{Key: "t1", Start: t0, Count: 1}, {Key: "t1", Start: t0.Add(2 * time.Minute), Count: 1}, {Key: "t1", Start: t0.Add(5 * time.Minute), Count: 1}}
		if err != nil || len(rs) != len(want) {
			t.Fatalf("%s: Rollup(t1) = %v, %v; want %v", when, rs, err, want)
		}
		for i := range want {
			if rs[i].Key != want[i].Key || !rs[i].Start.Equal(want[i].Start) || rs[i].Count != want[i].Count {
				t.Fatalf("%s: Rollup(t1) = %v, want %v", when, rs, want)
			}
		}
		ms, err := s.Mentions(ctx, analytics.MentionQuery{Topic: "t1", From: day.From, To: day.To})
		if err != nil || len(ms) != 3 || ms[0].ID != "weibo:3" || ms[1].ID != "weibo:2" || ms[2].ID != "weibo:1" {
			t.Fatalf("%s: Mentions(t1) = %v, %v", when, ms, err)
		}
	}
	// One new mention, and the old ones written again (the analyser
	// re-reading a batch): counted once.
	fresh := analytics.Mention{ID: "weibo:3", Platform: "weibo", Text: "化工厂 异味", PublishedAt: t0.Add(5 * time.Minute), IngestedAt: t0.Add(5 * time.Minute),
		Keywords: []string{"化工厂", "异味", "化工厂"}, Topic: "t1"}
	if err := s.PutMentions(ctx, append([]analytics.Mention{fresh}, old...)); err != nil {
		t.Fatal(err)
	}
	check("after writing")
	s.Close()
	if s, err = Open(ctx, path, nil); err != nil {
		t.Fatal(err)
	}
	check("reopened")
}

// A store of a newer schema is refused, not written with an older one.
func TestNewerSchemaRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "analytics.db")
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(fmt.Sprintf(`PRAGMA user_version = %d`, len(migrations)+1)); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if s, err := Open(t.Context(), path, nil); err == nil {
		s.Close()
		t.Fatal("a store of a newer schema was opened")
	}
}
