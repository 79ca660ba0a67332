package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"time"

	"yuqing/cmd/yuqing/app"
	"yuqing/ingest"
	"yuqing/ingest/backfill"
	"yuqing/ingest/drill"
	"yuqing/ingest/source"
	"yuqing/internal/mention"
)

// fileJob is `yuqing ingest --file F`: a JSONL or CSV backfill.
type fileJob struct {
	path, format, platform string
	speed                  float64 // > 0: replay in event time at this speed
	to, token              string  // replay into a running server instead of the log
}

func (j fileJob) sourceConfig() (source.SourceConfig, error) {
	abs, err := filepath.Abs(j.path)
	if err != nil {
		return source.SourceConfig{}, err
	}
	// A file that is not there will not appear: say so at once rather than
	// leave the source runner retrying it with backoff.
	switch st, err := os.Stat(abs); {
	case errors.Is(err, fs.ErrNotExist):
		return source.SourceConfig{}, fmt.Errorf("--file %s: no such file", j.path)
	case err != nil:
		return source.SourceConfig{}, fmt.Errorf("--file %s: %w", j.path, err)
	case st.IsDir():
		return source.SourceConfig{}, fmt.Errorf("--file %s: is a directory, not a file", j.path)
	}
	sc := source.SourceConfig{Name: "file:" + abs, Type: backfill.Type, Platform: j.platform, Options: map[string]string{"path": abs}}
	if j.format != "" {
		sc.Options["format"] = j.format
	}
	return sc, sc.Validate()
}

// importFile runs the file as a finite source: its cursor is kept in the
// log, so an interrupted import resumes where the log has it and a finished
// one is not imported twice. Progress goes to stderr.
func importFile(ctx context.Context, cfg app.Config, j fileJob, stdout, stderr io.Writer, logger *slog.Logger) error {
	sc, err := j.sourceConfig()
	if err != nil {
		return err
	}
	if j.speed > 0 || j.to != "" {
		return replayFile(ctx, cfg, j, sc, stdout, stderr, logger)
	}
	log, err := app.OpenLog(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer log.Close()
	reg := source.Registry{}
	var last backfill.Progress
	bar := backfill.Bar(stderr)
	backfill.RegisterWith(reg, backfill.Options{Progress: func(p backfill.Progress) { last = p; bar(p) }})
	r, err := source.NewRunner(log, source.Config{Sources: []source.SourceConfig{sc}}, reg, source.Options{Logger: logger, Actor: "ingest:file"})
	if err != nil {
		return err
	}
	start := time.Now()
	if err := r.Run(ctx); err != nil {
		return err
	}
	h, err := source.LatestHealth(ctx, log)
	if err != nil {
		return err
	}
	if st := h[sc.Name]; !st.Ended {
		return fmt.Errorf("%s: stopped before the end: %s", j.path, st.Error)
	}
	fmt.Fprintf(stdout, "%s: %d lines, %d mentions accepted, %d rejected to dead letters, %s\n", j.path, last.Lines, last.Accepted, last.Rejected, time.Since(start).Round(time.Millisecond))
	return nil
}

// replayFile reads the whole file, then sends it in event time at j.speed
// (60: an hour of history a minute) into the log or a running server.
func replayFile(ctx context.Context, cfg app.Config, j fileJob, sc source.SourceConfig, stdout, stderr io.Writer, logger *slog.Logger) error {
	src, err := backfill.New(sc, backfill.Options{})
	if err != nil {
		return err
	}
	if err := src.Connect(ctx); err != nil {
		return err
	}
	defer src.Close(ctx)
	var ms []mention.Mention
	var bad []mention.Rejected
	for {
		b, err := src.Read(ctx)
		ms, bad = append(ms, b.Mentions...), append(bad, b.Rejected...)
		if errors.Is(err, source.ErrEndOfInput) {
			break
		}
		if err != nil {
			return err
		}
	}
	slices.SortStableFunc(ms, func(a, b mention.Mention) int { return a.PublishedAt.Compare(b.PublishedAt) })
	var post drill.PostFunc
	if j.to != "" {
		token := j.token
		if token == "" {
			if token, err = app.ReadSecret(filepath.Join(cfg.Data, "secrets", "ingest.token")); err != nil {
				return fmt.Errorf("no ingest token for %s: give --token: %w", j.to, err)
			}
		}
		post = drill.NewPoster(j.to, token, &http.Client{Timeout: 30 * time.Second}).Post
		if len(bad) > 0 {
			fmt.Fprintf(stderr, "%d malformed lines not sent (a replay to a server carries mentions only)\n", len(bad))
		}
	} else {
		log, err := app.OpenLog(ctx, cfg, logger)
		if err != nil {
			return err
		}
		defer log.Close()
		if err := ingest.Write(ctx, log, nil, bad, sc.Name, "ingest:replay", time.Now()); err != nil {
			return err
		}
		post = func(ctx context.Context, batch []mention.Mention) error {
			return ingest.Write(ctx, log, batch, nil, sc.Name, "ingest:replay", time.Now())
		}
	}
	total := len(ms)
	rp := &backfill.Replayer{Speed: j.speed, Post: post, Progress: func(st backfill.ReplayStats) {
		fmt.Fprintf(stderr, "\rreplay: %d/%d sent, %s of event time in %s", st.Sent, total, st.Covered.Round(time.Second), st.Elapsed.Round(time.Second))
	}}
	st, err := rp.Replay(ctx, slices.Values(ms))
	fmt.Fprintln(stderr)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: %d mentions replayed at speed %g (%s of event time in %s), %d malformed lines\n", j.path, st.Sent, j.speed, st.Covered.Round(time.Second), st.Elapsed.Round(time.Second), len(bad))
	return nil
}
