package main

import (
	"os"
	"testing"

	"yuqing/respond/auth"
)

func TestMain(m *testing.M) {
	// The accounts the commands create here hash at bcrypt's minimum cost:
	// at the default 12 every `user` command takes seconds under the race
	// detector. respond/auth checks that production hashes at the
	// configured cost; the binary buildBinary makes is not a test binary
	// and keeps it.
	auth.LowerBcryptCostForTests()
	code := m.Run()
	if built.dir != "" {
		os.RemoveAll(built.dir)
	}
	os.Exit(code)
}
