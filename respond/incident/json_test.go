package incident

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// A clock's warning points are written in seconds, named so
// (warned_before_s); the rest of the clock is as its fields say.
func TestClockJSONDurationsInSeconds(t *testing.T) {
	due := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	b, err := json.Marshal(map[string]*Clock{"response": {Name: "response", Due: due, Warned: []time.Duration{time.Hour, 10 * time.Minute}}})
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	if !strings.Contains(s, `"warned_before_s":[3600,600]`) || strings.Contains(s, `"warned"`) || !strings.Contains(s, `"due":"2026-11-23T10:00:00Z"`) || strings.Contains(s, "stopped_at") {
		t.Fatalf("clock JSON: %s", s)
	}
	b, _ = json.Marshal(Clock{Name: "statement"})
	if strings.Contains(string(b), "warned") {
		t.Fatalf("a clock never warned: %s", b)
	}
}
