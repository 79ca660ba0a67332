package app

import "yuqing/respond/auth"

// The accounts these tests create and sign in with hash at bcrypt's minimum
// cost: at the default 12 every hash, login and server start (its dummy
// hash) takes seconds under the race detector. respond/auth checks that
// production hashes at the configured cost.
func init() { auth.LowerBcryptCostForTests() }
