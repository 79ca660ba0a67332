package auth

import (
	"sync/atomic"
	"testing"

	"golang.org/x/crypto/bcrypt"
)

// testCost, when not zero, is the bcrypt cost of the hashes (passwords and
// the dummy) of every Directory created from then on, in place of the
// configured cost, which is still validated as usual. Only tests set it:
// under the race detector one hash at cost 12 takes seconds. This package's
// tests set it in export_test.go; other packages' through
// LowerBcryptCostForTests, which refuses to run outside a test binary, so a
// production process always hashes at its configured cost.
var testCost atomic.Int32

// hashCost is the cost a Directory configured with cost hashes at.
func hashCost(cost int) int {
	if c := testCost.Load(); c != 0 {
		return int(c)
	}
	return cost
}

// LowerBcryptCostForTests makes every Directory this test binary creates
// from now on hash at bcrypt's minimum cost, whatever its configured cost.
// For other packages' tests (this package's own set testCost); it panics
// outside a test binary (testing.Testing).
func LowerBcryptCostForTests() {
	if !testing.Testing() {
		panic("auth: LowerBcryptCostForTests called outside a test binary")
	}
	testCost.Store(int32(bcrypt.MinCost))
}
