// Package app wires yuqing's roles into one process: ingest (HTTP intake,
// pull sources), analyze (the streaming analyser) and respond (the duty
// desk, its consumers and the console), on the embedded log and store or
// on Kafka and ClickHouse. It only wires: it constructs the parts, connects
// them and runs their Run(ctx); what they decide lives in their packages.
// It sits above respond and below cmd/yuqing (kernel ← ingest ← analyze ←
// respond ← app ← cmd). Tests start it in-process with Run.
package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"yuqing/internal/backoff"
	"yuqing/respond/report"
	"yuqing/respond/wording"

	"yuqing/analyze"
	"yuqing/analyze/scheme"
	"yuqing/analyze/segment"
	"yuqing/analyze/sentiment"
	"yuqing/ingest"
	ingestdrill "yuqing/ingest/drill"
	"yuqing/internal/analytics"
	"yuqing/internal/analytics/sqlitestore"
	"yuqing/internal/event"
	"yuqing/internal/eventlog"
	"yuqing/internal/eventlog/sqlitelog"
	"yuqing/internal/metrics"
	"yuqing/internal/secret"
	"yuqing/respond/desk"
	"yuqing/respond/drill"
	"yuqing/respond/paging"
	"yuqing/respond/statement"
	"yuqing/respond/workorder"
)

// Roles a process can run.
const (
	RoleIngest  = "ingest"
	RoleAnalyze = "analyze"
	RoleRespond = "respond"
	// Scaled out, analysis is two roles instead of RoleAnalyze: enrich (as
	// many processes as the mentions topic has partitions) and track (one
	// owner and warm standbys); see analyze.TopicEnriched.
	RoleEnrich = "enrich"
	RoleTrack  = "track"
)

// AllRoles is what `yuqing serve` runs.
var AllRoles = []string{RoleIngest, RoleAnalyze, RoleRespond}

// Options are the process-level choices beside the Config.
type Options struct {
	Roles  []string
	Logger *slog.Logger
	// Listener, if set, is served instead of listening on Config.Addr.
	Listener net.Listener
	// Ready, if set, is called with the listen address once every role runs.
	Ready func(addr string)
	Now   func() time.Time
	// AfterSourceWrite, if set, runs when a pull source's batch is in the
	// log and before its cursor is (crash tests kill the process there).
	AfterSourceWrite func(source string)
}

// tracks is whether the process keeps the tracker (and so the store).
func (o Options) tracks() bool { return o.has(RoleAnalyze) || o.has(RoleTrack) }

// analyses is whether the process runs any analysis stage.
func (o Options) analyses() bool { return o.tracks() || o.has(RoleEnrich) }

func (o Options) has(role string) bool {
	for _, r := range o.Roles {
		if r == role {
			return true
		}
	}
	return false
}

// Run runs the roles until ctx is done, then shuts down gracefully: the
// HTTP server stops taking requests and finishes those in flight (so every
// answered mention is in the log), consumers finish and commit their
// current batch, and the log and store close.
func Run(ctx context.Context, cfg Config, opts Options) error {
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("invalid configuration: %w", err)
	}
	if len(opts.Roles) == 0 {
		opts.Roles = AllRoles
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.Default()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	logger.Info("starting yuqing", "roles", strings.Join(opts.Roles, ","), "config", cfg.String())

	// One server per embedded data directory.
	if cfg.Log == "sqlite" || (cfg.Store == "sqlite" && (opts.tracks() || opts.has(RoleRespond))) {
		if err := prepareDataDir(cfg.Data, logger); err != nil {
			return err
		}
		lock, err := lockDataDir(cfg.Data)
		if err != nil {
			return err
		}
		defer lock.release()
	}
	if err := ensureTokens(&cfg, logger); err != nil {
		return err
	}
	log, err := OpenLog(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer log.Close()
	// Every append and consumer is measured for /metrics.
	mtr := metrics.New()
	log = mtr.Log(log)

	var store analytics.Store
	// Readiness: each part that must catch up says why it is not ready
	// ("" when it is); /readyz and the ready gauge join what they say.
	waits := &readiness{}
	switch {
	case !opts.tracks() && !opts.has(RoleRespond):
	case cfg.Store == "clickhouse":
		// A ClickHouse that is down at start stops nothing but analysis:
		// the log takes mentions, the store connects when it can.
		if store, err = OpenStore(ctx, cfg, logger); err != nil {
			logger.Warn("analytics store not reachable at start; serving ingest, connecting in the background", "err", err)
			ls := connectLater(ctx, func(ctx context.Context) (analytics.Store, error) { return OpenStore(ctx, cfg, logger) }, time.Second, logger)
			store = ls
			waits.add(func() string {
				if why := ls.NotReady(); why != "" {
					return why + " (ingest is running; analysis waits for the store)"
				}
				return ""
			})
		}
		defer store.Close()
	default:
		store, err = OpenStore(ctx, cfg, logger)
		if err != nil {
			return err
		}
		defer store.Close()
	}

	var ready atomic.Bool
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("ok\n"))
	})
	if cfg.MetricsToken != "" {
		mux.Handle("GET /metrics", mtr.Handler(cfg.MetricsToken.Reveal()))
	}
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		if !ready.Load() {
			http.Error(w, "starting", http.StatusServiceUnavailable)
			return
		}
		if why := waits.why(); why != "" {
			http.Error(w, "not ready: "+why, http.StatusServiceUnavailable)
			return
		}
		w.Write([]byte("ready\n"))
	})

	workers, wctx := newGroup(ctx)
	var reg *scheme.Registry
	if opts.analyses() || opts.has(RoleRespond) {
		reg, err = followSchemes(ctx, wctx, workers, log, logger)
		if err != nil {
			workers.stop()
			return err
		}
	}
	var dk *desk.Desk
	var con *consoleParts
	names := &entityNames{}
	if opts.has(RoleIngest) {
		mux.Handle("POST /api/v1/mentions", &ingest.Handler{Log: log, Token: cfg.IngestToken.Reveal(), Now: opts.Now, Logger: logger})
		if err := startWebhooks(mux, cfg, log, opts.Now, logger); err != nil {
			workers.stop()
			return err
		}
		if err := startSources(wctx, workers, cfg, log, opts.Now, opts.AfterSourceWrite, logger); err != nil {
			workers.stop()
			return err
		}
	}
	if opts.has(RoleRespond) {
		rf, err := LoadRespondFile(cfg.RespondConfig)
		if err != nil {
			workers.stop()
			return err
		}
		// Drafts are checked for the places and organisations they name
		// once a segmenter is loaded (the analyser's, or one of its own).
		lib := wording.NewService(log, opts.Now)
		if err := lib.Load(ctx); err != nil {
			workers.stop()
			return err
		}
		checker := statement.Checker{Names: names.Names, Wording: lib.Cite}
		if !opts.has(RoleAnalyze) {
			go func() {
				if seg, err := segment.New(segment.Config{UserDicts: cfg.UserDicts}, logger); err == nil {
					names.Set(seg)
				} else {
					logger.Warn("segmenter for the citation check not loaded: drafts are checked for figures and dates only", "err", err)
				}
			}()
		}
		dk, err = newDesk(rf, cfg.ConsoleURL, log, opts.Now, logger, checker)
		if err != nil {
			workers.stop()
			return fmt.Errorf("duty desk: %w", err)
		}
		workers.loop(wctx, logger, "duty desk", func(ctx context.Context) error {
			err := dk.Run(ctx)
			dk.Wait()
			return err
		})
		workers.loop(wctx, logger, "secondary opinion", func(ctx context.Context) error { return dk.WatchSecondary(ctx, store, 5*time.Minute) })
		pages := paging.Config{ConsoleURL: cfg.ConsoleURL}
		workers.loop(wctx, logger, "work-order intake", workorder.NewIntake(log, dk, opts.Now, logger).Run)
		workers.loop(wctx, logger, "blind-source alerts", paging.NewSources(log, dk, pages, opts.Now, logger).Run)
		workers.loop(wctx, logger, "alert notifications", paging.NewAlerts(log, dk, pages, opts.Now, logger).Run)
		con, err = startConsole(wctx, workers, mux, cfg, log, store, reg, dk, names, lib, opts.Now, logger)
		if err != nil {
			workers.stop()
			return err
		}
		waits.add(func() string {
			if !con.hub.CaughtUp() {
				return "the console board is reading the log"
			}
			return ""
		})
		if len(cfg.Reports.Kinds) > 0 {
			rs := cfg.Reports
			rs.ConsoleURL = cfg.ConsoleURL
			sched := &report.Scheduler{Schedule: rs, Calendar: dk.Calendar(), Reports: con.reports, Send: dk, Now: opts.Now, Logger: logger}
			// Reports missed while the server was down are made once the
			// analyser has had time to catch up with the log's tail, and a
			// start stays light.
			workers.loop(wctx, logger, "report schedule", func(ctx context.Context) error {
				select {
				case <-ctx.Done():
					return ctx.Err()
				case <-time.After(reportStartDelay):
				}
				return sched.Run(ctx)
			})
		}
	}

	ln := opts.Listener
	if ln == nil {
		ln, err = net.Listen("tcp", cfg.Addr)
		if err != nil {
			workers.stop()
			return fmt.Errorf("listening on %s: %w", cfg.Addr, err)
		}
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	srvErr := make(chan error, 1)
	go func() { srvErr <- srv.Serve(ln) }()
	logger.Info("listening", "addr", ln.Addr().String())
	mtr.GaugeFunc("ready", "1 when the process is ready (as /readyz), else 0.", func() float64 {
		if ready.Load() && waits.why() == "" {
			return 1
		}
		return 0
	})
	if con != nil {
		mtr.GaugeFunc("console_clients", "Consoles connected over the websocket.", func() float64 { return float64(con.hub.Clients()) })
	}
	if dk != nil {
		mtr.GaugeFunc("clocks_running", "Incident deadline clocks running.", func() float64 { return float64(len(dk.Board().Running(opts.Now()))) })
		mtr.GaugeFunc("clocks_overdue", "Incident deadline clocks running past their due time.", func() float64 { return float64(len(dk.Board().Overdue(opts.Now()))) })
	}
	if cfg.MetricsAddr != "" {
		mln, err := net.Listen("tcp", cfg.MetricsAddr)
		if err != nil {
			srv.Close()
			workers.stop()
			return fmt.Errorf("listening for metrics on %s: %w", cfg.MetricsAddr, err)
		}
		mmux := http.NewServeMux()
		mmux.Handle("GET /metrics", mtr.Handler(""))
		msrv := &http.Server{Handler: mmux, ReadHeaderTimeout: 10 * time.Second}
		go msrv.Serve(mln)
		defer msrv.Close()
		logger.Info("serving metrics", "addr", mln.Addr().String())
	}

	if opts.analyses() {
		seg, err := segment.New(segment.Config{UserDicts: cfg.UserDicts}, logger)
		if err != nil {
			srv.Close()
			workers.stop()
			return err
		}
		if len(cfg.UserDicts) > 0 {
			workers.loop(wctx, logger, "user dictionaries", func(ctx context.Context) error {
				seg.Watch(ctx, 10*time.Second)
				return ctx.Err()
			})
		}
		names.Set(seg)
		enr := analyze.NewEnricher(seg, reg)
		if cfg.SentimentModel != "" {
			m, err := sentiment.LoadFile(cfg.SentimentModel)
			if err != nil {
				srv.Close()
				workers.stop()
				return err
			}
			enr.SetSentiment(m)
			logger.Info("sentiment model loaded", "model", m.Info())
		}
		if opts.has(RoleEnrich) && !opts.has(RoleAnalyze) {
			en := &analyze.Enrichment{Enricher: enr, Log: log, Now: opts.Now, Logger: logger}
			workers.loop(wctx, logger, "enrichment", en.Run)
		}
		if opts.tracks() {
			tracking := analyze.Tracking(seg)
			tracking.Sensitive = reg.Sensitive
			a := &analyze.Analyzer{Enricher: enr, Tracking: tracking, Store: mtr.Store(store), Log: log, Now: opts.Now, Logger: logger,
				SnapshotPath: filepath.Join(cfg.Data, "analyzer.snapshot"), FromEnriched: !opts.has(RoleAnalyze)}
			waits.add(func() string {
				if !a.Rebuilt() {
					return "analysis is restoring its topics (or waiting as the tracker's standby)"
				}
				return ""
			})
			workers.loop(wctx, logger, "analyzer", a.Run)
		}
	}
	if cfg.Drill {
		// The drill's mentions go into the log as ingest's would; the desk
		// opens and grades the run's incident so clocks run within a minute.
		play, err := ingestdrill.NewLocal(log, cfg.DrillScenario, cfg.DrillSpeed, opts.Now, logger)
		if err != nil {
			srv.Close()
			workers.stop()
			return err
		}
		workers.once(wctx, logger, "drill", play.Run)
		if dk != nil {
			workers.loop(wctx, logger, "drill incidents", drill.NewIncidents(log, dk, play.IDs(), logger).Run)
		}
	}
	ready.Store(true)
	if opts.Ready != nil {
		opts.Ready(ln.Addr().String())
	}

	var runErr error
	select {
	case <-ctx.Done():
		logger.Info("shutting down")
	case err := <-srvErr:
		runErr = fmt.Errorf("http server: %w", err)
	}
	ready.Store(false)
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if con != nil {
		con.hub.Close()
	}
	if err := srv.Shutdown(sctx); err != nil {
		logger.Warn("http shutdown", "err", err)
	}
	workers.stop()
	logger.Info("stopped")
	return runErr
}

// reportStartDelay is how long after start scheduled reports begin.
const reportStartDelay = 2 * time.Minute

// followSchemes loads the monitoring schemes and keeps them current as
// other processes (or the console) change them.
func followSchemes(ctx, wctx context.Context, workers *group, log eventlog.Log, logger *slog.Logger) (*scheme.Registry, error) {
	reg := scheme.NewRegistry()
	if err := ReplayInto(ctx, log, scheme.Topic, reg.Apply); err != nil {
		return nil, fmt.Errorf("loading monitoring schemes: %w", err)
	}
	logger.Info("monitoring schemes loaded", "schemes", len(reg.List()))
	workers.loop(wctx, logger, "scheme updates", func(ctx context.Context) error {
		return eventlog.Follow(ctx, log, scheme.Topic, nil, func(_ context.Context, batch []eventlog.Record) error {
			for _, r := range batch {
				if err := reg.Apply(r.Event); err != nil {
					logger.Error("scheme event refused", "event", r.Event.ID, "err", err)
				}
			}
			return nil
		}, nil)
	})
	return reg, nil
}

// readiness collects what the parts that must catch up at start say.
type readiness struct {
	mu    sync.Mutex
	waits []func() string
}

func (r *readiness) add(why func() string) {
	r.mu.Lock()
	r.waits = append(r.waits, why)
	r.mu.Unlock()
}

// why joins what the parts still catching up say; "" when none is.
func (r *readiness) why() string {
	r.mu.Lock()
	waits := r.waits
	r.mu.Unlock()
	var why []string
	for _, w := range waits {
		if s := w(); s != "" {
			why = append(why, s)
		}
	}
	return strings.Join(why, "; ")
}

// group runs long-lived workers and stops them together.
type group struct {
	wg     sync.WaitGroup
	cancel context.CancelFunc
}

func newGroup(ctx context.Context) (*group, context.Context) {
	ctx, cancel := context.WithCancel(ctx)
	return &group{cancel: cancel}, ctx
}

// loop runs fn until ctx is done, restarting it with backoff when it fails:
// a consumer whose handler failed resumes from its last committed offset.
func (g *group) loop(ctx context.Context, logger *slog.Logger, name string, fn func(context.Context) error) {
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		bo := backoff.Backoff{Min: 100 * time.Millisecond, Max: 30 * time.Second}
		for n := 1; ; n++ {
			started := time.Now()
			err := fn(ctx)
			if ctx.Err() != nil {
				return
			}
			if errors.Is(err, eventlog.ErrClosed) {
				logger.Error(name+" stopped: log closed", "err", err)
				return
			}
			if time.Since(started) > time.Minute {
				n = 1 // it ran a while: a new failure, not the same one again
			}
			wait := bo.Delay(n)
			logger.Error(name+" failed; restarting from the last committed offset", "err", err, "backoff", wait)
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				return
			case <-t.C:
			}
		}
	}()
}

// once runs fn once; an error that is not ctx's is logged as name+" stopped".
func (g *group) once(ctx context.Context, logger *slog.Logger, name string, fn func(context.Context) error) {
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		if err := fn(ctx); err != nil && ctx.Err() == nil {
			logger.Error(name+" stopped", "err", err)
		}
	}()
}

func (g *group) stop() {
	g.cancel()
	g.wg.Wait()
}

// OpenLog opens the configured event log.
func OpenLog(ctx context.Context, cfg Config, logger *slog.Logger) (eventlog.Log, error) {
	switch cfg.Log {
	case "sqlite":
		if err := prepareDataDir(cfg.Data, logger); err != nil {
			return nil, err
		}
		return sqlitelog.Open(ctx, sqlitelog.Config{Path: filepath.Join(cfg.Data, "log.db")}, logger)
	case "kafka":
		return openKafka(ctx, cfg, logger)
	}
	return nil, fmt.Errorf("unknown log %q", cfg.Log)
}

// OpenStore opens the configured analytics store.
func OpenStore(ctx context.Context, cfg Config, logger *slog.Logger) (analytics.Store, error) {
	switch cfg.Store {
	case "sqlite":
		if err := prepareDataDir(cfg.Data, logger); err != nil {
			return nil, err
		}
		return sqlitestore.Open(ctx, filepath.Join(cfg.Data, "analytics.db"), logger)
	case "clickhouse":
		return openClickHouse(ctx, cfg, logger)
	}
	return nil, fmt.Errorf("unknown store %q", cfg.Store)
}

// ensureTokens fills empty tokens from DATA/secrets, generating them on first
// start. The secrets are written with mode 0600 and never logged.
func ensureTokens(cfg *Config, logger *slog.Logger) error {
	for _, t := range []struct {
		name string
		p    *secret.Secret
	}{{"ingest.token", &cfg.IngestToken}, {"metrics.token", &cfg.MetricsToken}} {
		if *t.p != "" || cfg.Data == "" {
			continue
		}
		path := filepath.Join(cfg.Data, "secrets", t.name)
		tok, created, err := readOrCreateSecret(path)
		if err != nil {
			return err
		}
		*t.p = secret.Secret(tok)
		if created {
			logger.Info("generated a new token in file", "file", path)
		} else {
			logger.Info("using token from file", "file", path)
		}
	}
	return nil
}

// ReadSecret returns the secret in path.
func ReadSecret(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("reading secret: %w", err)
	}
	s := strings.TrimSpace(string(b))
	if s == "" {
		return "", fmt.Errorf("secret file %s is empty", path)
	}
	return s, nil
}

// ReadOrCreateSecret returns the secret in path, creating a random one first
// if the file does not exist.
func ReadOrCreateSecret(path string) (string, error) {
	s, _, err := readOrCreateSecret(path)
	return s, err
}

// readOrCreateSecret is ReadOrCreateSecret that also says whether it
// created the file.
func readOrCreateSecret(path string) (string, bool, error) {
	b, err := os.ReadFile(path)
	if err == nil {
		if s := strings.TrimSpace(string(b)); s != "" {
			return s, false, nil
		}
		return "", false, fmt.Errorf("secret file %s is empty", path)
	}
	if !errors.Is(err, os.ErrNotExist) {
		return "", false, fmt.Errorf("reading secret: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return "", false, fmt.Errorf("creating secrets directory: %w", err)
	}
	raw := make([]byte, 24)
	rand.Read(raw)
	s := hex.EncodeToString(raw)
	if err := writePrivate(path, []byte(s+"\n")); err != nil {
		return "", false, fmt.Errorf("writing secret: %w", err)
	}
	return s, true, nil
}

// writePrivate writes path with mode 0600, whatever the umask.
func writePrivate(path string, b []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// ReplayInto applies every event of topic, in order, with apply.
func ReplayInto(ctx context.Context, log eventlog.Log, topic string, apply func(event.Envelope) error) error {
	return log.Replay(ctx, topic, func(_ context.Context, batch []eventlog.Record) error {
		for _, r := range batch {
			if err := apply(r.Event); err != nil {
				return fmt.Errorf("applying %s %s: %w", r.Event.Type, r.Event.ID, err)
			}
		}
		return nil
	})
}
