package webhook

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"

	"yuqing/ingest"
	"yuqing/ingest/drill"
	"yuqing/internal/eventlog/kafkalog"
	"yuqing/internal/mention"
)

const benchBatch = 100

// benchMentions are realistic Chinese mentions (a drill scenario's stream:
// weibo posts, reposts and news with authors and metrics), published in
// the last hours.
func benchMentions(b *testing.B) []mention.Mention {
	b.Helper()
	ms, err := drill.Stream(drill.Names()[0], time.Now().Add(-12*time.Hour), 7)
	if err != nil {
		b.Fatal(err)
	}
	if len(ms) < benchBatch {
		b.Fatalf("scenario has %d mentions", len(ms))
	}
	return ms
}

// benchIngest posts b.N signed batches of 100 mentions through the webhook
// into log and reports mentions/s.
func benchIngest(b *testing.B, log ingest.Appender) {
	mux := http.NewServeMux()
	mux.Handle(Pattern, &Handler{Log: log, Endpoints: endpoints, Logger: quiet()})
	srv := server0(b, mux)
	pool := benchMentions(b)
	batch := make([]mention.Mention, benchBatch)
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		for j := range batch {
			m := pool[(i*benchBatch+j)%len(pool)]
			m.ID = m.Platform + ":b" + strconv.Itoa(i*benchBatch+j)
			m.RootID, m.ParentID, m.Drill = "", "", false
			batch[j] = m
		}
		body, err := json.Marshal(batch)
		if err != nil {
			b.Fatal(err)
		}
		c := call{path: "/api/v1/hooks/vendor-b", token: tokenB, body: string(body), secret: secretB, ts: time.Now().Unix()}
		b.StartTimer()
		status, resp := do(b, srv, c)
		if status != http.StatusOK || len(resp.Accepted) != benchBatch {
			b.Fatalf("status %d: %d accepted, %+v", status, len(resp.Accepted), resp.Rejected)
		}
	}
	b.ReportMetric(float64(b.N*benchBatch)/b.Elapsed().Seconds(), "mentions/s")
}

// BenchmarkWebhookIngest: signed batches of 100 through the handler (over a
// real HTTP connection) into the embedded SQLite log.
func BenchmarkWebhookIngest(b *testing.B) {
	benchIngest(b, newLog(b))
}

// BenchmarkWebhookIngestKafka: the same into kafkalog on an in-process
// one-broker kfake cluster (acks=all).
func BenchmarkWebhookIngestKafka(b *testing.B) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1))
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	l, err := kafkalog.New(ctx, kafkalog.Config{Brokers: c.ListenAddrs()}, quiet())
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	benchIngest(b, l)
}

func server0(b *testing.B, h http.Handler) *httptest.Server {
	srv := httptest.NewServer(h)
	b.Cleanup(srv.Close)
	return srv
}
