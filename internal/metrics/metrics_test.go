package metrics

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"yuqing/internal/event"
	"yuqing/internal/eventlog"
	"yuqing/internal/eventlog/sqlitelog"
)

func scrape(t *testing.T, h http.Handler, token string) (int, string) {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	b, _ := io.ReadAll(w.Result().Body)
	return w.Code, string(b)
}

func mustEvent(t *testing.T, typ, key, actor string, payload any) event.Envelope {
	t.Helper()
	at := time.Date(2026, 12, 3, 8, 0, 0, 0, time.UTC)
	e, err := event.New(typ, key, actor, at, at, payload)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// What goes through the log is counted: mentions by source and platform,
// dead letters by the kind of reason, alerts by grade, clock breaches,
// notification results; a transactional consumer's output counts once its
// handler succeeded, and the wrapped log stays transactional.
func TestTheLogIsMeasured(t *testing.T) {
	ctx := t.Context()
	raw, err := sqlitelog.Open(ctx, sqlitelog.Config{Path: filepath.Join(t.TempDir(), "log.db")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	m := New()
	l := m.Log(raw)
	if _, ok := l.(eventlog.TxLog); !ok {
		t.Fatal("the measured SQLite log is no longer a TxLog: the analyser would lose exactly-once")
	}
	evs := []event.Envelope{
		mustEvent(t, "mention.ingested.v1", "weibo:1", "ingest:http", map[string]string{"id": "weibo:1"}),
		mustEvent(t, "mention.ingested.v1", "news:2", "ingest:rss-gov", map[string]string{"id": "news:2"}),
		mustEvent(t, "mention.rejected.v1", "x", "ingest:http", map[string]string{"reason": "text is 300000 bytes, more than 262144"}),
	}
	if err := l.Append(ctx, eventlog.TopicMentions, evs...); err != nil {
		t.Fatal(err)
	}
	if err := l.Append(ctx, "incidents", mustEvent(t, "incident.clock_breached.v1", "inc-1", "desk", map[string]any{"clock": "statement", "grade": 2})); err != nil {
		t.Fatal(err)
	}
	if err := l.Append(ctx, "notifications", mustEvent(t, "notification.failed.v1", "m-1", "desk", map[string]any{"receiver": "wecom-duty", "error": "timeout"})); err != nil {
		t.Fatal(err)
	}
	// A consumer whose first try fails: its output is not counted; the
	// retry's is.
	tl := l.(eventlog.TxLog)
	tries := 0
	cctx, cancel := context.WithCancel(ctx)
	err = tl.ConsumeTx(cctx, eventlog.TopicMentions, "analyze", func(ctx context.Context, tx eventlog.Tx, batch []eventlog.Record) error {
		if err := tx.Append(ctx, "alerts", mustEvent(t, "alert.raised.v1", "a-1", "analyze", map[string]any{"suggested_grade": 2})); err != nil {
			return err
		}
		if tries++; tries == 1 {
			return errors.New("store down")
		}
		cancel()
		return nil
	})
	if !errors.Is(err, context.Canceled) && tries < 2 {
		// the failed try ends the first ConsumeTx; consume again
		cctx, cancel = context.WithCancel(ctx)
		err = tl.ConsumeTx(cctx, eventlog.TopicMentions, "analyze", func(ctx context.Context, tx eventlog.Tx, batch []eventlog.Record) error {
			if err := tx.Append(ctx, "alerts", mustEvent(t, "alert.raised.v1", "a-1", "analyze", map[string]any{"suggested_grade": 2})); err != nil {
				return err
			}
			tries++
			cancel()
			return nil
		})
	}
	cancel()
	if tries != 2 {
		t.Fatalf("handler ran %d times: %v", tries, err)
	}
	code, body := scrape(t, m.Handler(""), "")
	for _, want := range []string{
		`yuqing_mentions_ingested_total{platform="weibo",source="ingest:http"} 1`,
		`yuqing_mentions_ingested_total{platform="news",source="ingest:rss-gov"} 1`,
		`yuqing_dead_letters_total{reason="too_large",stage="ingest"} 1`,
		`yuqing_clock_events_total{clock="statement",event="breached",kind="incident"} 1`,
		`yuqing_notifications_total{receiver="wecom-duty",result="failed"} 1`,
		`yuqing_alerts_raised_total{drill="false",grade="2"} 1`,
		`yuqing_consume_failures_total{group="analyze",topic="mentions"} 1`,
		`yuqing_consumed_records_total{group="analyze",topic="mentions"} 3`,
	} {
		if code != 200 || !strings.Contains(body, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	if t.Failed() {
		t.Logf("scrape:\n%s", body)
	}
}

func TestTheTokenGuardsTheMetrics(t *testing.T) {
	h := New().Handler("s3cret-metrics")
	if code, _ := scrape(t, h, ""); code != http.StatusUnauthorized {
		t.Fatalf("without a token: %d", code)
	}
	if code, _ := scrape(t, h, "wrong"); code != http.StatusUnauthorized {
		t.Fatalf("with a wrong token: %d", code)
	}
	if code, body := scrape(t, h, "s3cret-metrics"); code != 200 || !strings.Contains(body, "go_goroutines") {
		t.Fatalf("with the token: %d", code)
	}
}
