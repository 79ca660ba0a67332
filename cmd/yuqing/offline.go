package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"runtime"
	"runtime/pprof"
	"strings"
	"time"

	"yuqing/analyze"
	"yuqing/analyze/grade"
	"yuqing/analyze/scheme"
	"yuqing/analyze/segment"
	"yuqing/analyze/sentiment"
	"yuqing/cmd/yuqing/app"
)

// openIO opens --in and --out ("-" for stdin/stdout).
func openIO(in, out string, stdout io.Writer) (io.ReadCloser, io.Writer, func() error, error) {
	if in == "" || out == "" {
		return nil, nil, nil, errors.New("--in and --out are required")
	}
	var r io.ReadCloser = os.Stdin
	if in != "-" {
		f, err := os.Open(in)
		if err != nil {
			return nil, nil, nil, err
		}
		r = f
	}
	if out == "-" {
		bw := bufio.NewWriter(stdout)
		return r, bw, bw.Flush, nil
	}
	f, err := os.Create(out)
	if err != nil {
		r.Close()
		return nil, nil, nil, err
	}
	bw := bufio.NewWriter(f)
	return r, bw, func() error { return errors.Join(bw.Flush(), f.Close()) }, nil
}

func loadSchemes(path string) (*scheme.Registry, error) {
	reg := scheme.NewRegistry()
	if path == "" {
		return reg, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading schemes: %w", err)
	}
	var list []scheme.Scheme
	if err := json.Unmarshal(b, &list); err != nil {
		return nil, fmt.Errorf("schemes file %s: %w", path, err)
	}
	now := time.Now()
	for _, s := range list {
		e, err := reg.Define(s, "cli", now)
		if err != nil {
			return nil, err
		}
		if err := reg.Apply(e); err != nil {
			return nil, err
		}
	}
	return reg, nil
}

func loadScorer(model string) (sentiment.Scorer, error) {
	if model == "" {
		return sentiment.Builtin(), nil
	}
	return sentiment.LoadFile(model)
}

// offline is what `yuqing analyze --in F` reads and writes.
type offline struct {
	in, out, alerts, schemes, model string
	workers                         int
}

// alertLine is a line of `yuqing analyze --alerts`: one alert event.
type alertLine struct {
	Type     string      `json:"type"`
	Time     time.Time   `json:"time"` // event time: when the alert was raised or updated
	AlertID  string      `json:"alert_id"`
	Topic    string      `json:"topic"`
	Grade    grade.Grade `json:"suggested_grade"`
	Mentions int         `json:"mentions"`
	Headline string      `json:"headline,omitempty"`
	Label    []string    `json:"label"`
	Reason   string      `json:"reason"`
	Evidence []string    `json:"evidence"`
	// MergedInto names the alert this one folded into (one story, one alert).
	MergedInto string `json:"merged_into,omitempty"`
	Drill      bool   `json:"drill,omitempty"`
}

// runAnalyzeOffline is `yuqing analyze --in F --out F [--alerts F]`: the
// streaming analyser's two stages over a file, in event-time order, no
// network.
func runAnalyzeOffline(ctx context.Context, o offline, stdout io.Writer, logger *slog.Logger) error {
	if o.out == "" && o.alerts != "" {
		o.out = os.DevNull
	}
	in, out, schemes, model, workers := o.in, o.out, o.schemes, o.model, o.workers
	r, w, closeOut, err := openIO(in, out, stdout)
	if err != nil {
		return err
	}
	defer r.Close()
	start := time.Now()
	inputs, err := analyze.ReadInputs(r, time.Now())
	if err != nil {
		return err
	}
	bad := 0
	for _, x := range inputs {
		if x.Err != nil {
			reportBadLine(logger, x.Line, x.Err)
			bad++
		}
	}
	enr, err := newEnricher(schemes, model, logger)
	if err != nil {
		return err
	}
	logger.Info("analysing", "mentions", len(inputs))
	tc := analyze.Tracking(enr.Seg)
	results, outp, err := analyze.Analyze(ctx, inputs, enr, tc, workers, func(done, total int) {
		logger.Info("progress", "done", done, "total", total)
	})
	if err != nil {
		return err
	}
	enc := json.NewEncoder(w)
	for _, res := range results {
		line := struct {
			ID    string  `json:"id"`
			Topic *string `json:"topic"` // null: unassigned (未归类)
			Error string  `json:"error,omitempty"`
		}{ID: res.Input.RawID}
		if tp := res.Analyzed.Topic; tp != "" {
			line.Topic = &tp
		}
		if res.Input.Err != nil {
			line.Error = res.Input.Err.Error()
		}
		if err := enc.Encode(line); err != nil {
			return err
		}
	}
	if err := closeOut(); err != nil {
		return err
	}
	if o.alerts != "" {
		if err := writeAlerts(o.alerts, outp.Alerts, stdout); err != nil {
			return err
		}
	}
	raised := 0
	for _, a := range outp.Alerts {
		if a.Type == "alert.raised.v1" {
			raised++
		}
	}
	logger.Info("done", "mentions", len(inputs), "invalid", bad, "topics", len(outp.Retired), "merges", len(outp.Merged), "splits", len(outp.Split), "alerts_raised", raised, "took", time.Since(start).Round(time.Millisecond))
	return nothingValid(in, len(inputs)-bad, bad)
}

// reportBadLine says on stderr (through the logger) why an input line was
// skipped; `yuqing analyze --in` and `yuqing sentiment --in` go on past it.
func reportBadLine(logger *slog.Logger, line int, err error) {
	if u := errors.Unwrap(err); u != nil && strings.HasPrefix(err.Error(), fmt.Sprintf("line %d: ", line)) {
		err = u
	}
	logger.Warn("invalid line skipped", "line", line, "reason", err.Error())
}

// nothingValid is the error of an offline run that could process no line
// of its input because every one was invalid; an empty input is no error.
func nothingValid(in string, valid, bad int) error {
	if valid > 0 || bad == 0 {
		return nil
	}
	return fmt.Errorf("%s: none of its %d lines could be processed (each is reported above)", in, bad)
}

// writeAlerts writes alert events as JSON lines to path (- for stdout).
func writeAlerts(path string, alerts []analyze.AlertOut, stdout io.Writer) error {
	var w io.Writer = stdout
	var f *os.File
	if path != "-" {
		var err error
		if f, err = os.Create(path); err != nil {
			return err
		}
		w = f
	}
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	for _, x := range alerts {
		a := x.Alert
		if err := enc.Encode(alertLine{Type: x.Type, Time: a.Updated, AlertID: a.ID, Topic: a.TopicID, Grade: a.Grade, Mentions: a.Mentions,
			Headline: a.Headline, Label: a.Label, Reason: a.Reason, Evidence: a.Evidence, MergedInto: a.MergedInto, Drill: a.Drill}); err != nil {
			return err
		}
	}
	err := bw.Flush()
	if f != nil {
		err = errors.Join(err, f.Close())
	}
	return err
}

func newEnricher(schemes, model string, logger *slog.Logger) (*analyze.Enricher, error) {
	seg, err := segment.New(segment.Config{}, logger)
	if err != nil {
		return nil, err
	}
	reg, err := loadSchemes(schemes)
	if err != nil {
		return nil, err
	}
	enr := analyze.NewEnricher(seg, reg)
	sc, err := loadScorer(model)
	if err != nil {
		return nil, err
	}
	enr.SetSentiment(sc)
	return enr, nil
}

// runSentiment is `yuqing sentiment --in posts.jsonl --out labels.jsonl [--model F]`.
func runSentiment(ctx context.Context, args []string, stdout io.Writer, logger *slog.Logger) error {
	fs := flag.NewFlagSet("yuqing sentiment", flag.ContinueOnError)
	in := fs.String("in", "", "JSONL posts {\"id\",\"text\"} (- for stdin)")
	out := fs.String("out", "", "JSONL labels {\"id\",\"label\",\"score\"} (- for stdout)")
	model := fs.String("model", "", "a model from \"yuqing train sentiment\" (default: the built-in model)")
	explain := fs.Bool("explain", false, "add \"evidence\": the lexicon words and the model's strongest features behind each label")
	if err := app.ParseFlags(fs, args); err != nil {
		return err
	}
	r, w, closeOut, err := openIO(*in, *out, stdout)
	if err != nil {
		return err
	}
	defer r.Close()
	sc, err := loadScorer(*model)
	if err != nil {
		return err
	}
	var seg *segment.Segmenter
	if m, ok := sc.(*sentiment.Model); ok && m.UsesTokens() {
		if seg, err = segment.New(segment.Config{}, logger); err != nil {
			return err
		}
	}
	s := bufio.NewScanner(r)
	s.Buffer(make([]byte, 1<<20), 16<<20)
	enc := json.NewEncoder(w)
	n, bad := 0, 0
	for line := 1; s.Scan(); line++ {
		if strings.TrimSpace(s.Text()) == "" {
			continue
		}
		var p struct {
			ID   json.RawMessage `json:"id"`
			Text string          `json:"text"`
		}
		if err := json.Unmarshal(s.Bytes(), &p); err != nil {
			reportBadLine(logger, line, err)
			bad++
			continue
		}
		var tokens []string
		if seg != nil {
			tokens = seg.Tokens(p.Text)
		}
		var res sentiment.Result
		var evidence []sentiment.Hit
		switch x := sc.(type) {
		case *sentiment.Model:
			if *explain {
				res, evidence = x.Explain(p.Text, tokens)
			} else {
				res = x.Score(p.Text, tokens)
			}
		case *sentiment.Lexicon:
			res, evidence = x.Explain(p.Text)
		default:
			res = sc.Score(p.Text, tokens)
		}
		if !*explain {
			evidence = nil
		}
		for i := range evidence {
			evidence[i].Weight = math.Round(evidence[i].Weight*1000) / 1000
		}
		if err := enc.Encode(struct {
			ID       json.RawMessage `json:"id"`
			Label    string          `json:"label"`
			Score    float64         `json:"score"`
			Evidence []sentiment.Hit `json:"evidence,omitempty"`
		}{p.ID, string(res.Label), res.Score, evidence}); err != nil {
			return err
		}
		n++
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
	if err := s.Err(); err != nil {
		return err
	}
	logger.Info("labelled", "posts", n, "invalid", bad)
	if err := closeOut(); err != nil {
		return err
	}
	return nothingValid(*in, n, bad)
}

// runTrain is `yuqing train sentiment --in labelled.jsonl --out FILE`.
func runTrain(ctx context.Context, args []string, stdout io.Writer, getenv func(string) string, logger *slog.Logger) error {
	if len(args) == 0 || args[0] != "sentiment" {
		return errors.New(`usage: yuqing train sentiment --in labelled.jsonl --out model.bin [--feedback] [--builtin]`)
	}
	var in, out string
	var feedback, builtin bool
	cfg, _, err := app.Load("train sentiment", args[1:], getenv, app.Sections{Log: true}, func(fs *flag.FlagSet) {
		fs.StringVar(&in, "in", "", "JSONL {\"id\",\"text\",\"label\"} with label pos, neg or neu")
		fs.StringVar(&out, "out", "", "where to write the model")
		fs.BoolVar(&builtin, "builtin", false, "train with the recipe of the built-in model (character n-grams and lexicon, no segmenter); \"go generate ./analyze/sentiment/\" uses it")
		fs.BoolVar(&feedback, "feedback", false, "add duty officers' corrections (feedback.sentiment.v1) from the log; the latest correction of a mention wins")
	})
	if err != nil {
		return err
	}
	if out == "" || (in == "" && !feedback) {
		return errors.New("--out and one of --in or --feedback are required")
	}
	var ex []sentiment.Example
	if in != "" {
		f, err := os.Open(in)
		if err != nil {
			return err
		}
		ex, err = sentiment.ReadExamples(f)
		f.Close()
		if err != nil {
			return err
		}
	}
	var corr []sentiment.Correction
	if feedback {
		log, err := app.OpenLog(ctx, cfg, logger)
		if err != nil {
			return err
		}
		corr, err = corrections(ctx, log)
		log.Close()
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%d corrections from the log\n", len(corr))
	}
	ex, _, err = sentiment.Merge(ex, corr)
	if err != nil {
		return err
	}
	opts := sentiment.TrainOptions{}
	if builtin {
		opts = sentiment.BuiltinOptions
	} else {
		seg, err := segment.New(segment.Config{}, logger)
		if err != nil {
			return err
		}
		for i := range ex {
			if ex[i].Tokens == nil {
				ex[i].Tokens = seg.Tokens(ex[i].Text)
			}
		}
	}
	start := time.Now()
	m, err := sentiment.Train(ex, opts)
	if err != nil {
		return err
	}
	if err := m.SaveFile(out); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "trained on %d examples in %s: %s → %s\n", len(ex), time.Since(start).Round(time.Millisecond), m.Info(), out)
	return nil
}

// runBench is `yuqing bench analyze --in mentions.jsonl`: throughput of
// each stage and of the whole, on one core and on all cores.
func runBench(ctx context.Context, args []string, stdout io.Writer, logger *slog.Logger) error {
	if len(args) > 0 && args[0] == "e2e" {
		return runBenchE2E(ctx, args[1:], stdout, os.Stderr, os.Getenv)
	}
	if len(args) > 0 && args[0] == "load" {
		return runBenchLoad(ctx, args[1:], stdout, os.Stderr, os.Getenv)
	}
	if len(args) == 0 || args[0] != "analyze" {
		return errors.New("usage: yuqing bench analyze --in mentions.jsonl [--schemes F] [--model F] [--repeat N] | e2e --in mentions.jsonl [--repeat N] | load --to URL --acked FILE [--rate N] [--duration D]")
	}
	fs := flag.NewFlagSet("yuqing bench analyze", flag.ContinueOnError)
	in := fs.String("in", "", "JSONL mentions")
	schemes := fs.String("schemes", "", "monitoring schemes (JSON list) to match")
	model := fs.String("model", "", "sentiment model (default: the built-in model)")
	repeat := fs.Int("repeat", 1, "stream the input this many times, IDs and times shifted (e.g. 110 for 1M mentions)")
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile here")
	if err := app.ParseFlags(fs, args[1:]); err != nil {
		return err
	}
	stopProfile, err := cpuProfile(*cpuprofile)
	if err != nil {
		return err
	}
	defer stopProfile()
	f, err := os.Open(*in)
	if err != nil {
		return err
	}
	inputs, err := analyze.ReadInputs(f, time.Now())
	f.Close()
	if err != nil {
		return err
	}
	var ms []analyze.Input
	var bytes int64
	for _, x := range inputs {
		if x.Err == nil {
			ms = append(ms, x)
			bytes += int64(len(x.Mention.Text) + len(x.Mention.Title))
		}
	}
	enr, err := newEnricher(*schemes, *model, logger)
	if err != nil {
		return err
	}
	n := len(ms) * *repeat
	mb := float64(bytes) * float64(*repeat) / 1e6
	report := func(stage string, cores int, d time.Duration) {
		fmt.Fprintf(stdout, "%-24s %2d core(s)  %9.0f mentions/s  %6.2f MB/s  (%d mentions, %.1f MB, %s)\n",
			stage, cores, float64(n)/d.Seconds(), mb/d.Seconds(), n, mb, d.Round(time.Millisecond))
	}
	fmt.Fprintf(stdout, "yuqing bench analyze: %d mentions × %d, %.2f MB of text, GOMAXPROCS %d\n", len(ms), *repeat, mb, runtime.GOMAXPROCS(0))
	timeIt := func(fn func()) time.Duration {
		runtime.GC()
		start := time.Now()
		fn()
		return time.Since(start)
	}
	seg := enr.Seg
	tokens := make([][]string, len(ms))
	ents := make([][]segment.Entity, len(ms))
	report("segment + entities", 1, timeIt(func() {
		for r := 0; r < *repeat; r++ {
			for i, x := range ms {
				tokens[i], ents[i] = seg.TokensEntities(x.Mention.Text)
			}
		}
	}))
	report("keywords", 1, timeIt(func() {
		for r := 0; r < *repeat; r++ {
			for i := range ms {
				seg.Keywords(tokens[i], 8)
			}
		}
	}))
	matcher := enr.Schemes.Matcher()
	report(fmt.Sprintf("schemes (%d)", matcher.Len()), 1, timeIt(func() {
		for r := 0; r < *repeat; r++ {
			for _, x := range ms {
				matcher.Match(scheme.Input{Text: x.Mention.Text, Platform: x.Mention.Platform})
			}
		}
	}))
	scorer := *enr.Sentiment.Load()
	report("sentiment", 1, timeIt(func() {
		for r := 0; r < *repeat; r++ {
			for i, x := range ms {
				scorer.Score(x.Mention.Text, tokens[i])
			}
		}
	}))
	enrichedAll := make([]analyze.Analyzed, len(ms))
	for i, x := range ms {
		enrichedAll[i] = analyze.Analyzed{Mention: x.Mention, Tokens: tokens[i], Entities: ents[i]}
	}
	report("track (topics, spikes, grades, alerts)", 1, timeIt(func() {
		for r := 0; r < *repeat; r++ {
			tr := analyze.NewTracker(analyze.Tracking(seg))
			for i := range enrichedAll {
				a := enrichedAll[i]
				tr.Track(&a)
			}
		}
	}))
	for _, cores := range []int{1, runtime.NumCPU()} {
		prev := runtime.GOMAXPROCS(cores)
		var active int
		d := timeIt(func() {
			tr := analyze.NewTracker(analyze.Tracking(seg))
			shifted := make([]analyze.Input, len(ms))
			for r := 0; r < *repeat; r++ {
				shift(shifted, ms, r)
				if _, _, err := analyze.AnalyzeInto(ctx, tr, shifted, enr, cores, nil); err != nil {
					return
				}
			}
			active = tr.Active()
		})
		runtime.GOMAXPROCS(prev)
		report("whole analysis", cores, d)
		fmt.Fprintf(stdout, "%-24s %d topics active at the end; peak RSS so far %s\n", "", active, peakRSS())
	}
	hmm, err := segment.New(segment.Config{HMM: true}, logger)
	if err != nil {
		return err
	}
	report("reference: gse Cut+HMM", 1, timeIt(func() {
		for r := 0; r < *repeat; r++ {
			for _, x := range ms {
				hmm.Tokens(x.Mention.Text)
			}
		}
	}))
	var st runtime.MemStats
	runtime.ReadMemStats(&st)
	fmt.Fprintf(stdout, "heap obtained from the OS: %d MB (includes the gse dictionary)\n", st.HeapSys>>20)
	return nil
}

// shift copies ms into dst as repetition r: IDs made unique and times moved
// past the previous repetitions, so a short file streams like a long one.
func shift(dst, ms []analyze.Input, r int) {
	if len(ms) == 0 {
		return
	}
	span := ms[len(ms)-1].Mention.PublishedAt.Sub(ms[0].Mention.PublishedAt) + 24*time.Hour
	for i, x := range ms {
		if r > 0 {
			x.Mention.ID = fmt.Sprintf("%s#%d", x.Mention.ID, r)
			x.Mention.PublishedAt = x.Mention.PublishedAt.Add(time.Duration(r) * span)
			if x.Mention.RootID != "" {
				x.Mention.RootID = fmt.Sprintf("%s#%d", x.Mention.RootID, r)
			}
			if x.Mention.ParentID != "" {
				x.Mention.ParentID = fmt.Sprintf("%s#%d", x.Mention.ParentID, r)
			}
		}
		dst[i] = x
	}
}

// peakRSS reads the process's peak resident set size (Linux).
func peakRSS() string {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return "unknown"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}

// cpuProfile starts a CPU profile into path ("" for none); the returned
// func stops it and closes the file.
func cpuProfile(path string) (func(), error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}
