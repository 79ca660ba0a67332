package sqlitestore

import (
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
