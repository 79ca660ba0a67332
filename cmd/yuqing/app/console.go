package app

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"time"
	"yuqing/respond/chart"
	"yuqing/respond/handover"
	"yuqing/respond/llm"
	"yuqing/respond/policy"
	"yuqing/respond/report"
	"yuqing/respond/report/browser"
	"yuqing/respond/wording"

	"yuqing/analyze/scheme"
	"yuqing/internal/analytics"
	"yuqing/internal/eventlog"
	"yuqing/respond/api"
	"yuqing/respond/auth"
	"yuqing/respond/console"
	"yuqing/respond/desk"
)

// consoleParts is what the respond role serves people with.
type consoleParts struct {
	auth    *auth.Auth
	hub     *console.Hub
	reports *report.Service
}

// startConsole signs people in and serves the console pages, its websocket
// and the REST API, every route behind a role. The hub and the account
// directory follow the log in workers.
func startConsole(ctx context.Context, workers *group, mux *http.ServeMux, cfg Config, log eventlog.Log, store analytics.Store,
	reg *scheme.Registry, dk *desk.Desk, names *entityNames, lib *wording.Service, now func() time.Time, logger *slog.Logger) (*consoleParts, error) {
	acfg := auth.Config{SecureCookie: cfg.SecureCookie}
	if proxies, _ := cfg.proxies(); len(proxies) > 0 { // validated with the config
		acfg.ClientIP = auth.ClientIPBehind(proxies)
	}
	au, err := auth.New(ctx, acfg, log, now, logger)
	if err != nil {
		return nil, fmt.Errorf("sign-in: %w", err)
	}
	if len(au.Directory().Users()) == 0 {
		logger.Warn("no console users yet: create the first admin with `yuqing user add --username admin --role admin --password-stdin`")
	}
	workers.loop(ctx, logger, "console accounts", au.Directory().Follow)

	// The hub's deltas also feed the shift handover (交接班): its note lists
	// the alerts and sources as the console shows them.
	feed := handover.NewFeed(dk.Board())
	hub := console.NewHub(console.Config{Topics: console.Topics(), SnapshotPath: filepath.Join(cfg.Data, "console.snapshot")}, handover.Projection{Board: console.NewBoard(), Feed: feed}, logger)
	workers.loop(ctx, logger, "console hub", func(ctx context.Context) error { return hub.Run(ctx, log) })

	au.Register(mux)
	guard := func(roles ...string) func(http.Handler) http.Handler {
		require := au.Require(roles...)
		return func(next http.Handler) http.Handler { return require(audited(au, next, logger)) }
	}
	a := &api.API{Desk: dk, Store: store, Schemes: reg, Log: log, Guard: guard, Now: now, Actor: func(r *http.Request) string {
		u, _ := auth.UserFrom(r.Context())
		return u.Actor()
	}, Segmenter: names.Segmenter, Wording: lib, Who: func(actor string) string {
		name, ok := strings.CutPrefix(actor, "user:")
		if !ok {
			return ""
		}
		u, ok := au.Directory().Lookup(name)
		if !ok {
			return ""
		}
		return auth.Title(u)
	}}
	if cfg.LLM.Enabled() {
		cl, err := llm.New(cfg.LLM, &http.Client{Timeout: 2 * time.Minute})
		if err != nil {
			return nil, fmt.Errorf("writing assistant: %w", err)
		}
		a.Assistant = cl
		logger.Info("writing assistant on", "llm", cfg.LLM.String())
	}
	a.Reports = report.NewService(log, store, filepath.Join(cfg.Data, "reports"), browser.Config{}, now, logger)
	// Policy assessments (政策研判), rebuilt from the log like the 口径 library.
	a.Policies = policy.NewService(log, now)
	if err := a.Policies.Load(ctx); err != nil {
		return nil, err
	}
	// Shift handovers (交接班), rebuilt from the log; the shifts change at
	// --shifts (08:30 and 17:30 Beijing time by default).
	shifts, err := handover.ParseShifts(cfg.Shifts)
	if err != nil {
		return nil, fmt.Errorf("shifts: %w", err)
	}
	a.Handovers = handover.NewService(log, now, feed.Inputs(), handover.Config{Shifts: shifts})
	if err := a.Handovers.Load(ctx); err != nil {
		return nil, err
	}
	a.Register(mux)

	ws := &console.Server{Hub: hub, AllowedOrigins: cfg.AllowedOrigins, Logger: logger, Authorize: func(r *http.Request) (string, error) {
		var who string
		var status int
		au.Require(api.Anyone...)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			u, _ := auth.UserFrom(r.Context())
			who = u.Actor()
		})).ServeHTTP(statusRecorder{&status}, r)
		switch {
		case who != "":
			return who, nil
		case status == http.StatusForbidden:
			return "", console.ErrForbidden
		}
		return "", fmt.Errorf("请先登录")
	}}
	mux.Handle("GET /api/v1/console", ws)
	mux.Handle("GET /assets/", console.Assets())
	// Apache ECharts (vendored from its npm package, respond/chart) for the
	// console's charts: served from here, nothing from a CDN.
	mux.Handle("GET /assets/echarts.min.js", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
		w.Header().Set("Cache-Control", "public, max-age=86400")
		w.Write(chart.Script())
	}))
	mux.Handle("GET /login", console.Page("login.html"))
	mux.Handle("GET /{$}", au.Require(api.Anyone...)(console.Page("index.html")))
	return &consoleParts{auth: au, hub: hub, reports: a.Reports}, nil
}

// audited records every state-changing request that got through the role
// check as an audit event naming the user, the route and the answer.
func audited(au *auth.Auth, next http.Handler, logger *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			next.ServeHTTP(w, r)
			return
		}
		rec := &answer{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		u, _ := auth.UserFrom(r.Context())
		details := map[string]any{"method": r.Method, "path": r.URL.Path, "status": rec.status}
		if err := au.Audit(context.WithoutCancel(r.Context()), u.Actor(), "api", details); err != nil {
			logger.Error("audit event not written", "actor", u.Actor(), "path", r.URL.Path, "err", err)
		}
	})
}

// answer remembers the status a handler sent.
type answer struct {
	http.ResponseWriter
	status int
}

func (a *answer) WriteHeader(code int) {
	a.status = code
	a.ResponseWriter.WriteHeader(code)
}

// statusRecorder is a ResponseWriter that keeps only the status: the
// websocket check runs the auth middleware without answering through it.
type statusRecorder struct{ status *int }

func (s statusRecorder) Header() http.Header { return http.Header{} }
func (s statusRecorder) Write(b []byte) (int, error) {
	if *s.status == 0 {
		*s.status = http.StatusOK
	}
	return len(b), nil
}
func (s statusRecorder) WriteHeader(code int) { *s.status = code }
