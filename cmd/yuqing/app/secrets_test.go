package app

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The run that generates the tokens says so; later runs say they use the
// file. Neither logs a token.
func TestTokenLogSaysGeneratedThenUsing(t *testing.T) {
	data := t.TempDir()
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, nil))
	cfg := Config{Data: data}
	if err := ensureTokens(&cfg, logger); err != nil {
		t.Fatal(err)
	}
	first := logs.String()
	logs.Reset()
	again := Config{Data: data}
	if err := ensureTokens(&again, logger); err != nil {
		t.Fatal(err)
	}
	second := logs.String()
	for _, name := range []string{"ingest.token", "metrics.token"} {
		path := filepath.Join(data, "secrets", name)
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		tok := strings.TrimSpace(string(b))
		if tok == "" || strings.Contains(first+second, tok) {
			t.Fatalf("token %s logged (or empty):\n%s%s", name, first, second)
		}
		if !strings.Contains(first, `msg="generated a new token in file" file=`+path) || strings.Contains(first, "using token") {
			t.Errorf("first run, %s:\n%s", name, first)
		}
		if !strings.Contains(second, `msg="using token from file" file=`+path) || strings.Contains(second, "generated") {
			t.Errorf("second run, %s:\n%s", name, second)
		}
	}
	if cfg.IngestToken != again.IngestToken || cfg.MetricsToken != again.MetricsToken || cfg.IngestToken == cfg.MetricsToken {
		t.Error("the second run did not read the tokens the first generated")
	}
}
