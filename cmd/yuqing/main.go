// Command yuqing is the public-opinion monitoring and response system.
//
//	yuqing serve              every role in one process (embedded default)
//	yuqing ingest [--file F]  the HTTP intake, or a one-off JSONL import
//	yuqing analyze            the streaming analyser
//	yuqing respond            the duty desk, the console and its API
//
// Run "yuqing COMMAND -h" for a command's flags.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"yuqing/cmd/yuqing/app"
)

// stdin is where `yuqing user` reads passwords; tests replace it.
var stdin io.Reader = os.Stdin

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}

const usage = `yuqing — 舆情监测与回应 (public-opinion monitoring and response)

Usage:
  yuqing serve    [flags]   run ingest, analyze and respond in one process
  yuqing ingest   [flags]   run the HTTP intake, the push webhooks and the pull sources (--config sources.yaml)
  yuqing ingest   --file F [--speed 60] [--to URL]   backfill a JSONL/CSV file, or replay it in event time
  yuqing ingest   --hotline orders.xlsx              import 12345 / message-board work orders
  yuqing analyze  [flags]   run the streaming analyser
  yuqing enrich   [flags]   scaled out: enrichment alone (as many as the mentions topic has partitions)
  yuqing track    [flags]   scaled out: tracking alone (one owner; more are warm standbys)
  yuqing analyze  --in mentions.jsonl --out assignments.jsonl [--schemes F] [--model F]
                            analyse a file offline: one {"id","topic"} line per input line
  yuqing sentiment --in posts.jsonl --out labels.jsonl [--model F] [--explain]
  yuqing train sentiment --in labelled.jsonl --out model.bin [--feedback] [--builtin]
                            --feedback adds duty officers' corrections from the log;
                            --builtin trains with the built-in model's recipe
  yuqing scheme apply --file schemes.yaml | delete --id ID | list
                            monitoring schemes (监测方案), kept as versioned events
  yuqing feedback sentiment --mention ID --label neg   record a correction
  yuqing drill [--scenario NAME] [--speed 60] [--to URL]  play a scripted incident (舆情演练)
  yuqing bench analyze --in mentions.jsonl   throughput of each analysis stage
  yuqing bench e2e --in mentions.jsonl [--repeat N] [--data DIR]   a whole server in process: posted → analysed rate, alert latency
  yuqing bench load --to URL --acked FILE [--rate 1000] [--duration 1m] [--batch 100] [--concurrency 4]
                            POST generated mentions to a server, retrying with the same ids,
                            recording each acknowledged id (token: --token or YUQING_INGEST_TOKEN)
  yuqing check --acked FILE [--data DIR, serve's log and store flags] [--wait 2m]
                            verify that every acknowledged id was analysed and stored, and counted once
  yuqing user add --username NAME --role admin --password-stdin | list | set-roles | disable | passwd | unlock
                            console accounts (the first admin is created this way)
  yuqing privacy scan --in FILE|- [--mask] | score --cases cases.jsonl [--strict]   find personal data (个人信息) in a text
  yuqing report --kind daily|weekly|monthly|incident [--incident ID] --from 2006-01-02 --to 2006-01-02 --format html,docx,pdf --out DIR [--drill]
  yuqing policy assess --in draft.txt|draft.docx [--unit U] [--release 2006-01-02] [--data DIR] [--format md|json|docx]
                            risk assessment of a draft policy (舆情风险研判): subjects, history, level, Q&A, a monitoring scheme
  yuqing respond  [flags]   run the duty desk, the console and its API
  yuqing help

Configuration: --config FILE (YAML), YUQING_* environment variables, flags.
Run "yuqing serve -h" for every flag.
`

func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	cmd, rest := args[0], args[1:]
	var err error
	switch cmd {
	case "serve":
		err = runRoles(ctx, cmd, rest, getenv, logger, app.AllRoles)
	case "analyze":
		err = runAnalyze(ctx, rest, stdout, getenv, logger)
	case "respond", "enrich", "track":
		err = runRoles(ctx, cmd, rest, getenv, logger, []string{cmd})
	case "sentiment":
		err = runSentiment(ctx, rest, stdout, logger)
	case "train":
		err = runTrain(ctx, rest, stdout, getenv, logger)
	case "bench":
		err = runBench(ctx, rest, stdout, logger)
	case "scheme":
		err = runScheme(ctx, rest, stdout, getenv, logger)
	case "drill":
		err = runDrill(ctx, rest, stdout, getenv, logger)
	case "feedback":
		err = runFeedback(ctx, rest, stdout, getenv, logger)
	case "ingest":
		err = runIngest(ctx, rest, stdout, stderr, getenv, logger)
	case "user":
		err = runUser(ctx, rest, stdin, stdout, stderr, getenv, logger)
	case "privacy":
		err = runPrivacy(ctx, rest, stdin, stdout)
	case "report":
		err = runReport(ctx, rest, stdout, getenv, logger)
	case "check":
		err = runCheck(ctx, rest, stdout, getenv, logger)
	case "policy":
		err = runPolicy(ctx, rest, stdout, getenv, logger)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "yuqing: unknown command %q\n\n%s", cmd, usage)
		return 2
	}
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "yuqing %s: %v\n", cmd, err)
		return 1
	}
	return 0
}

func runRoles(ctx context.Context, name string, args []string, getenv func(string) string, logger *slog.Logger, roles []string) error {
	cfg, _, err := app.Load(name, args, getenv, app.AllSections, nil)
	if err != nil {
		return err
	}
	return app.Run(ctx, cfg, app.Options{Roles: roles, Logger: logger, AfterSourceWrite: failpoint(getenv)})
}

// failpoint reads YUQING_FAILPOINT, which only crash tests set:
// "source-after-write" kills the process with SIGKILL once a pull source's
// batch is in the log and before its cursor is.
func failpoint(getenv func(string) string) func(string) {
	if getenv("YUQING_FAILPOINT") != "source-after-write" {
		return nil
	}
	return func(string) { syscall.Kill(os.Getpid(), syscall.SIGKILL) }
}

func runAnalyze(ctx context.Context, args []string, stdout io.Writer, getenv func(string) string, logger *slog.Logger) error {
	var o offline
	cfg, _, err := app.Load("analyze", args, getenv, app.AllSections, func(fs *flag.FlagSet) {
		fs.StringVar(&o.in, "in", "", "offline: JSONL mentions {\"id\",\"platform\",\"time\",\"text\",…} (- for stdin)")
		fs.StringVar(&o.out, "out", "", "offline: where to write {\"id\",\"topic\"} lines (- for stdout); topic is null for an unassigned mention (未归类)")
		fs.StringVar(&o.alerts, "alerts", "", "offline: where to write every alert event as a JSON line (event time, topic, suggested grade, evidence ids)")
		fs.StringVar(&o.schemes, "schemes", "", "offline: monitoring schemes, a JSON list")
		fs.StringVar(&o.model, "model", "", "offline: sentiment model (default: the built-in model)")
		fs.IntVar(&o.workers, "workers", 0, "offline: enrichment goroutines (default: all cores)")
	})
	if err != nil {
		return err
	}
	if o.in != "" || o.out != "" || o.alerts != "" {
		return runAnalyzeOffline(ctx, o, stdout, logger)
	}
	return app.Run(ctx, cfg, app.Options{Roles: []string{app.RoleAnalyze}, Logger: logger})
}

func runIngest(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string, logger *slog.Logger) error {
	var j fileJob
	var orders, channel string
	cfg, _, err := app.Load("ingest", args, getenv, app.AllSections, func(fs *flag.FlagSet) {
		fs.StringVar(&j.path, "file", "", "backfill a JSONL or CSV file of mentions into the log (progress on stderr; resumable) and exit")
		fs.StringVar(&j.format, "format", "", "file format: jsonl or csv (default: from the extension)")
		fs.StringVar(&j.platform, "platform", "", "platform of file rows that do not say")
		fs.Float64Var(&j.speed, "speed", 0, "replay the file in event time at this speed (60: an hour of history a minute); 0: as fast as the log takes it")
		fs.StringVar(&j.to, "to", "", "replay into a running server at this base URL instead of the log")
		fs.StringVar(&j.token, "token", "", "ingest token for --to (default: DATA/secrets/ingest.token; prefer YUQING_TOKEN)")
		fs.StringVar(&orders, "hotline", "", "import 12345 hotline / message-board work orders (.csv, .xlsx or .json) and exit; they start working-day clocks")
		fs.StringVar(&channel, "channel", "12345", "channel of rows that do not say: 12345 or 留言板")
	})
	if err != nil {
		return err
	}
	if orders != "" {
		return importOrders(ctx, cfg, orders, channel, stdout, logger)
	}
	if j.path == "" {
		return app.Run(ctx, cfg, app.Options{Roles: []string{app.RoleIngest}, Logger: logger, AfterSourceWrite: failpoint(getenv)})
	}
	if j.token == "" {
		j.token = getenv("YUQING_TOKEN")
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	return importFile(ctx, cfg, j, stdout, stderr, logger)
}
