package auth

import (
	"context"
	"path/filepath"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"yuqing/internal/eventlog"
	"yuqing/internal/eventlog/sqlitelog"
)

// Outside tests a directory hashes at its configured cost: 12 unless
// configured otherwise, and 12 for the CLI's CreateUser (yuqing user add).
// TestSecretsNeverLeak checks a configured 10 on every hash in the log. The
// other tests hash at bcrypt's minimum cost (export_test.go), and so do
// other packages' tests after LowerBcryptCostForTests.
func TestHashesAtTheConfiguredCost(t *testing.T) {
	if DefaultBcryptCost != 12 || (Config{}).withDefaults().BcryptCost != DefaultBcryptCost {
		t.Fatalf("default cost %d, a zero Config gets %d", DefaultBcryptCost, (Config{}).withDefaults().BcryptCost)
	}
	old := testCost.Swap(0)
	LowerBcryptCostForTests()
	if got := hashCost(DefaultBcryptCost); got != bcrypt.MinCost {
		t.Errorf("LowerBcryptCostForTests: cost %d", got)
	}
	testCost.Store(old)

	configuredCost(t)
	if got := hashCost(DefaultBcryptCost); got != DefaultBcryptCost {
		t.Fatalf("hashing at %d, configured %d", got, DefaultBcryptCost)
	}
	ctx := context.Background()
	l, err := sqlitelog.Open(ctx, sqlitelog.Config{Path: filepath.Join(t.TempDir(), "log.db")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if _, err := CreateUser(ctx, l, "carol", "赵领导", "leader password 1", []string{RoleLeader}, "cli:root"); err != nil {
		t.Fatal(err)
	}
	var hashes []string
	err = l.Replay(ctx, TopicUsers, func(_ context.Context, batch []eventlog.Record) error {
		for _, r := range batch {
			var p userCreated
			if r.Event.Type == UserCreated && r.Event.Decode(&p) == nil {
				hashes = append(hashes, p.PasswordHash)
			}
		}
		return nil
	})
	if err != nil || len(hashes) != 1 {
		t.Fatalf("%d hashes in the log: %v", len(hashes), err)
	}
	if c, err := bcrypt.Cost([]byte(hashes[0])); err != nil || c != DefaultBcryptCost {
		t.Errorf("CreateUser hashed at cost %d (%v), want %d", c, err, DefaultBcryptCost)
	}
}
