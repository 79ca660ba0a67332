package sqlitestore

import (
	"database/sql"
	"path/filepath"
	"testing"

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
