//go:build race

package dedupe

// The race detector makes the 1M-item memory test take minutes.
const raceEnabled = true
