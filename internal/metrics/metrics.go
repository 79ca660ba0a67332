// Package metrics exposes what an operator needs to see of a running yuqing
// on /metrics, in the Prometheus text format.
//
// Most figures are read where every fact passes anyway: the event log. Log
// wraps a log and counts what is appended (mentions in by source and
// platform, dead letters by reason, alerts by grade, clock warnings and
// breaches, notifications sent and failed by receiver, source health) and
// times what is consumed (batch latency, records, and how far behind the
// newest record each consumer is, per partition). Store wraps the
// analyser's writes to the analytics store. Gauges the wiring knows of
// (console clients, running clocks) are added with GaugeFunc.
//
// Counters start at zero with the process, as Prometheus expects; in a
// distributed deployment each process counts what it did, and sums across
// instances are right.
package metrics

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"yuqing/internal/event"
	"yuqing/internal/eventlog"
)

const ns = "yuqing"

// Metrics holds the collectors of one process.
type Metrics struct {
	reg *prometheus.Registry

	appended      *prometheus.CounterVec
	appendSeconds *prometheus.HistogramVec
	appendErrors  *prometheus.CounterVec
	mentions      *prometheus.CounterVec
	deadLetters   *prometheus.CounterVec
	alerts        *prometheus.CounterVec
	clocks        *prometheus.CounterVec
	notifications *prometheus.CounterVec
	sourceUp      *prometheus.GaugeVec
	sourceBlind   *prometheus.GaugeVec
	sourceSuccess *prometheus.GaugeVec

	batchSeconds *prometheus.HistogramVec
	consumed     *prometheus.CounterVec
	behind       *prometheus.GaugeVec
	failures     *prometheus.CounterVec

	storeSeconds *prometheus.HistogramVec
	storeErrors  *prometheus.CounterVec
}

// New returns the collectors, registered with a registry of their own
// together with the Go runtime's and the process's.
func New() *Metrics {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	f := func(c prometheus.Collector) { reg.MustRegister(c) }
	m := &Metrics{reg: reg}
	m.appended = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Name: "events_appended_total",
		Help: "Events appended to the log, by topic and event type."}, []string{"topic", "type"})
	m.appendSeconds = prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: ns, Name: "append_seconds",
		Help: "Time to append a batch of events to the log until it acknowledged them.", Buckets: prometheus.ExponentialBuckets(0.0005, 4, 9)}, []string{"topic"})
	m.appendErrors = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Name: "append_errors_total",
		Help: "Appends the log refused or failed, by topic."}, []string{"topic"})
	m.mentions = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Name: "mentions_ingested_total",
		Help: "Mentions written to the log, by source (the actor that wrote them) and platform."}, []string{"source", "platform"})
	m.deadLetters = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Name: "dead_letters_total",
		Help: "Items sent to the dead-letter topic, by the stage that refused them and the kind of reason."}, []string{"stage", "reason"})
	m.alerts = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Name: "alerts_raised_total",
		Help: "Alerts raised, by suggested grade (1 = I … 4 = IV, 0 none) and drill."}, []string{"grade", "drill"})
	m.clocks = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Name: "clock_events_total",
		Help: "Deadline clocks that reached their warning point or were breached, by kind (incident, workorder), clock and event (warned, breached)."}, []string{"kind", "clock", "event"})
	m.notifications = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Name: "notifications_total",
		Help: "Notification deliveries, by receiver and result (sent, failed)."}, []string{"receiver", "result"})
	m.sourceUp = prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: ns, Name: "source_up",
		Help: "1 if the source's last read succeeded, else 0."}, []string{"source"})
	m.sourceBlind = prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: ns, Name: "source_blind",
		Help: "1 if the source is blind (credentials refused or a login wall), else 0."}, []string{"source"})
	m.sourceSuccess = prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: ns, Name: "source_last_success_timestamp_seconds",
		Help: "Unix time of the source's last successful read."}, []string{"source"})
	m.batchSeconds = prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: ns, Name: "consume_batch_seconds",
		Help: "Time a consumer took to handle one batch, by topic and consumer group.", Buckets: prometheus.ExponentialBuckets(0.001, 4, 9)}, []string{"topic", "group"})
	m.consumed = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Name: "consumed_records_total",
		Help: "Records handled by consumers, by topic and group."}, []string{"topic", "group"})
	m.behind = prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: ns, Name: "consumer_behind_seconds",
		Help: "Consumer lag in time: now minus the record time of the last record handled, by topic, group and partition."}, []string{"topic", "group", "partition"})
	m.failures = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Name: "consume_failures_total",
		Help: "Batches a consumer's handler failed (they are delivered again), by topic and group."}, []string{"topic", "group"})
	m.storeSeconds = prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: ns, Name: "store_write_seconds",
		Help: "Time of one write to the analytics store, by operation.", Buckets: prometheus.ExponentialBuckets(0.0005, 4, 9)}, []string{"op"})
	m.storeErrors = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Name: "store_write_errors_total",
		Help: "Writes to the analytics store that failed, by operation."}, []string{"op"})
	for _, c := range []prometheus.Collector{m.appended, m.appendSeconds, m.appendErrors, m.mentions, m.deadLetters, m.alerts, m.clocks,
		m.notifications, m.sourceUp, m.sourceBlind, m.sourceSuccess, m.batchSeconds, m.consumed, m.behind, m.failures, m.storeSeconds, m.storeErrors} {
		f(c)
	}
	return m
}

// GaugeFunc adds a gauge whose value fn gives at each scrape (yuqing_ is
// prefixed to name).
func (m *Metrics) GaugeFunc(name, help string, fn func() float64) {
	m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: ns, Name: name, Help: help}, fn))
}

// Handler serves the metrics. With a token, a request must carry it as a
// bearer token; without one, the handler answers everyone (for a listener
// the operator keeps on a private address).
func (m *Metrics) Handler(token string) http.Handler {
	h := promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
	if token == "" {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !bearer(r, token) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="yuqing metrics"`)
			http.Error(w, "metrics need the bearer token (--metrics-token)", http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// observe counts what an append of events to topic says.
func (m *Metrics) observe(topic string, evs []event.Envelope) {
	for _, e := range evs {
		m.appended.WithLabelValues(topic, e.Type).Inc()
		switch {
		case e.Type == "mention.ingested.v1":
			platform, _, _ := strings.Cut(e.Key, ":")
			m.mentions.WithLabelValues(e.Actor, platform).Inc()
		case e.Type == "mention.rejected.v1":
			var x struct {
				Reason string `json:"reason"`
			}
			_ = json.Unmarshal(e.Payload, &x)
			m.deadLetters.WithLabelValues(stage(e.Actor), reasonKind(x.Reason)).Inc()
		case e.Type == "alert.raised.v1":
			var x struct {
				Grade int  `json:"suggested_grade"`
				Drill bool `json:"drill"`
			}
			_ = json.Unmarshal(e.Payload, &x)
			m.alerts.WithLabelValues(strconv.Itoa(x.Grade), strconv.FormatBool(x.Drill)).Inc()
		case e.Type == "incident.clock_warned.v1", e.Type == "incident.clock_breached.v1",
			e.Type == "workorder.warned.v1", e.Type == "workorder.breached.v1":
			var x struct {
				Clock string `json:"clock"`
			}
			_ = json.Unmarshal(e.Payload, &x)
			kind, rest, _ := strings.Cut(e.Type, ".")
			what := "warned"
			if strings.Contains(rest, "breached") {
				what = "breached"
			}
			m.clocks.WithLabelValues(kind, x.Clock, what).Inc()
		case e.Type == "notification.sent.v1", e.Type == "notification.failed.v1":
			var x struct {
				Receiver string `json:"receiver"`
			}
			_ = json.Unmarshal(e.Payload, &x)
			result := "sent"
			if e.Type == "notification.failed.v1" {
				result = "failed"
			}
			m.notifications.WithLabelValues(x.Receiver, result).Inc()
		case e.Type == "source.health.v1":
			var x struct {
				Source      string    `json:"source"`
				OK          bool      `json:"ok"`
				AuthFailed  bool      `json:"auth_failed"`
				LastSuccess time.Time `json:"last_success"`
			}
			if json.Unmarshal(e.Payload, &x) != nil || x.Source == "" {
				continue
			}
			m.sourceUp.WithLabelValues(x.Source).Set(b2f(x.OK))
			m.sourceBlind.WithLabelValues(x.Source).Set(b2f(x.AuthFailed))
			if !x.LastSuccess.IsZero() {
				m.sourceSuccess.WithLabelValues(x.Source).Set(float64(x.LastSuccess.UnixNano()) / 1e9)
			}
		}
	}
}

// stage names the part of yuqing that refused an item: the actor's kind
// ("ingest:weibo-hot" → ingest), so the label stays bounded.
func stage(actor string) string {
	s, _, _ := strings.Cut(actor, ":")
	if s == "" {
		return "unknown"
	}
	return s
}

// reasonKind sorts a dead letter's free-text reason into a few kinds.
func reasonKind(reason string) string {
	r := strings.ToLower(reason)
	switch {
	case strings.Contains(r, "larger than") || strings.Contains(r, "more than") || strings.Contains(r, "too large"):
		return "too_large"
	case strings.Contains(r, "utf-8") || strings.Contains(r, "json") || strings.Contains(r, "decod") || strings.Contains(r, "malformed"):
		return "malformed"
	case strings.Contains(r, "required") || strings.Contains(r, "missing") || strings.Contains(r, "empty") || strings.Contains(r, "invalid"):
		return "invalid"
	case strings.Contains(r, "per request") || strings.Contains(r, "more items"):
		return "over_cap"
	}
	return "other"
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// Log wraps l so that its appends and consumers are measured. If l is an
// eventlog.TxLog, so is the result.
func (m *Metrics) Log(l eventlog.Log) eventlog.Log {
	ml := &measuredLog{Log: l, m: m}
	if tl, ok := l.(eventlog.TxLog); ok {
		return &measuredTxLog{measuredLog: ml, tl: tl}
	}
	return ml
}

type measuredLog struct {
	eventlog.Log
	m *Metrics
}

func (l *measuredLog) Append(ctx context.Context, topic string, events ...event.Envelope) error {
	start := time.Now()
	err := l.Log.Append(ctx, topic, events...)
	l.m.appendSeconds.WithLabelValues(topic).Observe(time.Since(start).Seconds())
	if err != nil {
		l.m.appendErrors.WithLabelValues(topic).Inc()
		return err
	}
	l.m.observe(topic, events)
	return nil
}

func (l *measuredLog) Consume(ctx context.Context, topic, group string, h eventlog.Handler) error {
	return l.Log.Consume(ctx, topic, group, func(ctx context.Context, batch []eventlog.Record) error {
		return l.m.handled(topic, group, batch, func() error { return h(ctx, batch) })
	})
}

// handled measures one batch of a consumer.
func (m *Metrics) handled(topic, group string, batch []eventlog.Record, h func() error) error {
	start := time.Now()
	err := h()
	m.batchSeconds.WithLabelValues(topic, group).Observe(time.Since(start).Seconds())
	if err != nil {
		m.failures.WithLabelValues(topic, group).Inc()
		return err
	}
	m.consumed.WithLabelValues(topic, group).Add(float64(len(batch)))
	last := map[int]time.Time{}
	for _, r := range batch {
		if r.Event.Recorded.After(last[r.Partition]) {
			last[r.Partition] = r.Event.Recorded
		}
	}
	now := time.Now()
	for p, t := range last {
		m.behind.WithLabelValues(topic, group, strconv.Itoa(p)).Set(max(0, now.Sub(t).Seconds()))
	}
	return nil
}

// Appended forwards the wrapped log's eventlog.Notifier, if it has one.
func (l *measuredLog) Appended() <-chan struct{} {
	if n, ok := l.Log.(eventlog.Notifier); ok {
		return n.Appended()
	}
	return nil
}

type measuredTxLog struct {
	*measuredLog
	tl eventlog.TxLog
}

func (l *measuredTxLog) ConsumeTx(ctx context.Context, topic, group string, h eventlog.TxHandler) error {
	return l.tl.ConsumeTx(ctx, topic, group, func(ctx context.Context, tx eventlog.Tx, batch []eventlog.Record) error {
		// What the handler appends counts once it returned nil (the
		// transaction commits with the offsets).
		rec := &recordingTx{tx: tx}
		return l.m.handled(topic, group, batch, func() error {
			if err := h(ctx, rec, batch); err != nil {
				return err
			}
			for _, a := range rec.appends {
				l.m.observe(a.topic, a.events)
			}
			return nil
		})
	})
}

type recordingTx struct {
	tx      eventlog.Tx
	appends []struct {
		topic  string
		events []event.Envelope
	}
}

func (r *recordingTx) Append(ctx context.Context, topic string, events ...event.Envelope) error {
	if err := r.tx.Append(ctx, topic, events...); err != nil {
		return err
	}
	r.appends = append(r.appends, struct {
		topic  string
		events []event.Envelope
	}{topic, events})
	return nil
}
