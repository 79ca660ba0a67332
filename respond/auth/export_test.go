package auth

import (
	"testing"

	"golang.org/x/crypto/bcrypt"
)

// This package's tests hash at bcrypt's minimum cost (testhook.go): at the
// configured cost a login takes a second or more under the race detector.
func init() { testCost.Store(int32(bcrypt.MinCost)) }

// configuredCost makes the directories created during t hash at their
// configured cost, as in production, for the tests that check that cost.
// Not for parallel tests.
func configuredCost(t *testing.T) {
	old := testCost.Swap(0)
	t.Cleanup(func() { testCost.Store(old) })
}
