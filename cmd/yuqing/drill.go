package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"time"

	"yuqing/cmd/yuqing/app"
	"yuqing/ingest/drill"
)

// runDrill is `yuqing drill [--scenario NAME] [--speed 60] [--to URL]`:
// plays a scripted incident into a running server.
func runDrill(ctx context.Context, args []string, stdout io.Writer, getenv func(string) string, logger *slog.Logger) error {
	var scenario, to, token string
	var speed float64
	var seed uint64
	var list bool
	cfg, _, err := app.Load("drill", args, getenv, app.Sections{}, func(fs *flag.FlagSet) {
		fs.StringVar(&scenario, "scenario", "chemical-smell", "scenario: "+strings.Join(drill.Names(), ", "))
		fs.Float64Var(&speed, "speed", 60, "simulated minutes per real second × 60 (60 = one simulated minute each second; 0 = all at once)")
		fs.StringVar(&to, "to", "", "base URL of the running server (default: http:// and the server's addr from --config or YUQING_ADDR)")
		fs.StringVar(&token, "token", "", "ingest token (default: DATA/secrets/ingest.token; prefer YUQING_TOKEN)")
		fs.Uint64Var(&seed, "seed", 0, "random seed (default: time-based, so every run is new)")
		fs.BoolVar(&list, "list", false, "list the scenarios and exit")
	})
	if err != nil {
		return err
	}
	if list {
		for _, s := range drill.Scenarios() {
			fmt.Fprintf(stdout, "%-16s %s\n", s.Name, s.Title)
		}
		return nil
	}
	if to == "" {
		addr := cfg.Addr // the server's, from the shared config file
		if v := getenv("YUQING_ADDR"); v != "" {
			addr = v
		}
		to = "http://" + addr
	}
	if token == "" {
		token = getenv("YUQING_TOKEN")
	}
	if token == "" {
		if token, err = app.ReadSecret(filepath.Join(cfg.Data, "secrets", "ingest.token")); err != nil {
			return fmt.Errorf("no ingest token: give --token or run where the server's data directory is: %w", err)
		}
	}
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	ms, err := drill.Stream(scenario, time.Now(), seed)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "演练 %s：%s → %s，速度 %g\n", scenario, drill.Summarize(ms), to, speed)
	sent := 0
	p := &drill.Player{Speed: speed, Clock: drill.RealClock, Post: drill.NewPoster(to, token, &http.Client{Timeout: 30 * time.Second}).Post,
		Progress: func(pr drill.Progress) { sent = pr.Sent; logger.Info("drill", "progress", pr.String()) }}
	err = p.Play(ctx, ms)
	if err != nil && ctx.Err() != nil {
		// Interrupted (Ctrl-C): the scenario is incomplete on the server.
		fmt.Fprintf(stdout, "演练已中断：已发送 %d/%d 条\n", sent, len(ms))
		return fmt.Errorf("interrupted: %d of %d drill mentions sent", sent, len(ms))
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "演练数据已全部发送（%d 条）\n", len(ms))
	return nil
}
