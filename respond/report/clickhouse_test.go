package report_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"

	"yuqing/internal/analytics/chstore"
)

// The same week on ClickHouse (CLICKHOUSE_ADDR, set in CI when a test
// server runs) gives the same figures, to the hash, as on SQLite.
func TestWeeklyOnClickHouse(t *testing.T) {
	addr := os.Getenv("CLICKHOUSE_ADDR")
	if addr == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("CI must run the ClickHouse half: CLICKHOUSE_ADDR is not set")
		}
		t.Skip("CLICKHOUSE_ADDR is not set (deploy/clickhouse/start-test-server.sh DIR 19000 18123 starts a server)")
	}
	ctx := context.Background()
	db := fmt.Sprintf("report_test_%d_%d", os.Getpid(), time.Now().UnixNano())
	t.Cleanup(func() {
		conn, err := clickhouse.Open(&clickhouse.Options{Protocol: clickhouse.Native, Addr: []string{addr}})
		if err != nil {
			t.Error(err)
			return
		}
		defer conn.Close()
		if err := conn.Exec(context.Background(), "DROP DATABASE IF EXISTS `"+db+"`"); err != nil {
			t.Errorf("dropping %s: %v", db, err)
		}
	})
	store, err := chstore.New(ctx, chstore.Config{Addr: addr, Database: db}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	ch := seedInto(t, store)
	lite := seed(t)
	a, b := build(t, lite, weekly()), build(t, ch, weekly())
	ha, _ := a.Hash()
	hb, _ := b.Hash()
	if ha != hb {
		ja, _ := a.Canonical()
		jb, _ := b.Canonical()
		t.Errorf("SQLite and ClickHouse differ:\nsqlite     %s\nclickhouse %s", ja, jb)
	}
	if b.Headline == nil || b.Headline.Mentions != 644 || len(b.Topics) != 4 {
		t.Errorf("headline %+v, %d topics", b.Headline, len(b.Topics))
	}
}
