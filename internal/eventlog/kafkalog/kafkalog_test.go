package kafkalog_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kfake"

	"yuqing/internal/event"
	"yuqing/internal/eventlog"
	"yuqing/internal/eventlog/kafkalog"
	"yuqing/internal/eventlog/logtest"
)

// startCluster starts a one-broker kfake cluster in process on 127.0.0.1 and
// closes it when the test ends.
func startCluster(t testing.TB, opts ...kfake.Opt) *kfake.Cluster {
	t.Helper()
	c, err := kfake.NewCluster(append([]kfake.Opt{kfake.NumBrokers(1)}, opts...)...)
	if err != nil {
		t.Fatalf("starting kfake: %v", err)
	}
	t.Cleanup(c.Close)
	return c
}

// testLogger discards kafka-go's chatter unless KAFKALOG_TEST_LOG is set.
func testLogger() *slog.Logger {
	if os.Getenv("KAFKALOG_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}

// open connects a new log to brokers and closes it when the test ends (Close
// is idempotent, so tests may close it earlier).
func open(t testing.TB, brokers []string) *kafkalog.Log {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	l, err := kafkalog.New(ctx, kafkalog.Config{Brokers: brokers}, testLogger())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() })
	return l
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestConformance(t *testing.T) {
	// Topics are unique per subtest, so one broker serves them all; each
	// Opener call is a fresh process connecting to it.
	brokers := startCluster(t).ListenAddrs()
	logtest.Run(t, func(t *testing.T) logtest.Opener {
		return func(t *testing.T) eventlog.Log { return open(t, brokers) }
	})
}

type seq struct {
	Key string `json:"key"`
	Seq int    `json:"seq"`
}

func events(t testing.TB, keys, perKey int) []event.Envelope {
	t.Helper()
	at := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
	var out []event.Envelope
	for i := range perKey {
		for k := range keys {
			key := fmt.Sprintf("key-%d", k)
			e, err := event.New("test.seq.v1", key, "kafkalog_test", at.Add(time.Duration(i)*time.Second), at, seq{key, i})
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, e)
		}
	}
	return out
}

func replayIDs(t *testing.T, ctx context.Context, l eventlog.Log, topic string) []string {
	t.Helper()
	var ids []string
	err := l.Replay(ctx, topic, func(_ context.Context, b []eventlog.Record) error {
		for _, r := range b {
			ids = append(ids, r.Event.ID)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("Replay %s: %v", topic, err)
	}
	return ids
}

// consumeUntil consumes topic as group until n distinct events arrived and
// returns how often each was delivered.
func consumeUntil(t *testing.T, ctx context.Context, l eventlog.Log, topic, group string, n int) map[string]int {
	t.Helper()
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var mu sync.Mutex
	seen := map[string]int{}
	err := l.Consume(cctx, topic, group, func(_ context.Context, b []eventlog.Record) error {
		mu.Lock()
		defer mu.Unlock()
		for _, r := range b {
			seen[r.Event.ID]++
		}
		if len(seen) >= n {
			cancel()
		}
		return nil
	})
	if !errors.Is(err, context.Canceled) || ctx.Err() != nil {
		t.Fatalf("Consume %s as %s: %v after %d of %d events", topic, group, err, len(seen), n)
	}
	return seen
}

func TestBrokerRestartKeepsData(t *testing.T) {
	ctx := testCtx(t)
	dir := t.TempDir()
	c1 := startCluster(t, kfake.DataDir(dir))
	brokers := c1.ListenAddrs()
	_, portStr, err := net.SplitHostPort(brokers[0])
	if err != nil {
		t.Fatal(err)
	}
	port, _ := strconv.Atoi(portStr)

	const topic = "restart"
	evs := events(t, 5, 20) // 100 events, 5 keys
	l := open(t, brokers)   // lives across the broker restart
	if err := l.Append(ctx, topic, evs[:40]...); err != nil {
		t.Fatal(err)
	}
	first := consumeUntil(t, ctx, l, topic, "g", 40) // committed
	if err := l.Append(ctx, topic, evs[40:]...); err != nil {
		t.Fatal(err)
	}

	c1.Close()
	startCluster(t, kfake.DataDir(dir), kfake.Ports(port))

	// The same log, its connections dropped by the restart, still reads and
	// writes.
	ids := replayIDs(t, ctx, l, topic)
	if len(ids) != len(evs) {
		t.Fatalf("after restart replayed %d events, want %d", len(ids), len(evs))
	}
	have := map[string]bool{}
	for _, id := range ids {
		have[id] = true
	}
	for _, e := range evs {
		if !have[e.ID] {
			t.Fatalf("event %s lost in the restart", e.ID)
		}
	}
	extra := events(t, 1, 1)
	if err := l.Append(ctx, topic, extra...); err != nil {
		t.Fatalf("Append after restart: %v", err)
	}

	// A restarted process resumes the group from its committed offsets.
	l2 := open(t, brokers)
	second := consumeUntil(t, ctx, l2, topic, "g", 61)
	for id := range second {
		if first[id] > 0 {
			t.Fatalf("event %s committed before the restart was delivered again", id)
		}
	}
	for _, e := range append(evs[40:], extra...) {
		if second[e.ID] == 0 {
			t.Fatalf("event %s appended after the commit was not delivered", e.ID)
		}
	}
}

func TestReplaySeesTopicCreatedByAnotherProcess(t *testing.T) {
	ctx := testCtx(t)
	brokers := startCluster(t).ListenAddrs()
	a := open(t, brokers) // its metadata cache predates the topic
	b := open(t, brokers)
	const topic = "elsewhere"
	if n := len(replayIDs(t, ctx, a, topic)); n != 0 {
		t.Fatalf("replay of a missing topic gave %d records", n)
	}
	evs := events(t, 3, 2)
	if err := b.Append(ctx, topic, evs...); err != nil {
		t.Fatal(err)
	}
	if n := len(replayIDs(t, ctx, a, topic)); n != len(evs) {
		t.Fatalf("replay through a stale cache gave %d records, want %d", n, len(evs))
	}
	// Appending to a topic another process created works at once too.
	if err := a.Append(ctx, topic, events(t, 1, 1)...); err != nil {
		t.Fatal(err)
	}
	if n := len(replayIDs(t, ctx, b, topic)); n != len(evs)+1 {
		t.Fatalf("replayed %d, want %d", n, len(evs)+1)
	}
}

func TestMalformedRecordsAreDeadLettered(t *testing.T) {
	ctx := testCtx(t)
	brokers := startCluster(t).ListenAddrs()
	l := open(t, brokers)
	const topic = "dirty"
	good := events(t, 1, 2)
	if err := l.Append(ctx, topic, good[0]); err != nil {
		t.Fatal(err)
	}
	// Another producer writes garbage between two events, on the same key.
	w := &kafka.Writer{Addr: kafka.TCP(brokers...), Balancer: &kafka.Hash{}, BatchTimeout: time.Millisecond}
	defer w.Close()
	if err := w.WriteMessages(ctx, kafka.Message{Topic: topic, Key: []byte(good[0].Key), Value: []byte("not json")}); err != nil {
		t.Fatal(err)
	}
	if err := l.Append(ctx, topic, good[1]); err != nil {
		t.Fatal(err)
	}

	if ids := replayIDs(t, ctx, l, topic); len(ids) != 2 || ids[0] != good[0].ID || ids[1] != good[1].ID {
		t.Fatalf("replay gave %v, want the two good events", ids)
	}
	seen := consumeUntil(t, ctx, l, topic, "g", 2)
	if len(seen) != 2 {
		t.Fatalf("consumer got %v", seen)
	}

	var dead []eventlog.Record
	err := l.Replay(ctx, eventlog.TopicDeadLetter, func(_ context.Context, b []eventlog.Record) error {
		dead = append(dead, b...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(dead) != 1 || dead[0].Event.Type != kafkalog.TypeMalformed {
		t.Fatalf("dead letters %+v, want one %s", dead, kafkalog.TypeMalformed)
	}
	var m kafkalog.Malformed
	if err := dead[0].Event.Decode(&m); err != nil {
		t.Fatal(err)
	}
	if m.Topic != topic || m.Offset != 1 || string(m.Value) != "not json" || m.Group != "g" || m.Reason == "" {
		t.Fatalf("dead letter payload %+v", m)
	}

	// The malformed record was committed with its batch: a restarted
	// consumer of the group gets only what is appended later.
	more := events(t, 1, 1)
	if err := l.Append(ctx, topic, more...); err != nil {
		t.Fatal(err)
	}
	again := consumeUntil(t, ctx, l, topic, "g", 1)
	if len(again) != 1 || again[more[0].ID] != 1 {
		t.Fatalf("after restart got %v, want only %s", again, more[0].ID)
	}
}

func TestCloseStopsConsume(t *testing.T) {
	ctx := testCtx(t)
	l := open(t, startCluster(t).ListenAddrs())
	const topic = "closing"
	if err := l.Append(ctx, topic, events(t, 1, 1)...); err != nil {
		t.Fatal(err)
	}
	got := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		var once sync.Once
		done <- l.Consume(ctx, topic, "g", func(context.Context, []eventlog.Record) error {
			once.Do(func() { close(got) })
			return nil
		})
	}()
	select {
	case <-got:
	case <-ctx.Done():
		t.Fatal("consumer got nothing")
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if !errors.Is(err, eventlog.ErrClosed) {
			t.Fatalf("Consume after Close = %v, want ErrClosed", err)
		}
	case <-ctx.Done():
		t.Fatal("Close did not stop Consume")
	}
	if err := l.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if err := l.Replay(ctx, topic, func(context.Context, []eventlog.Record) error { return nil }); !errors.Is(err, eventlog.ErrClosed) {
		t.Fatalf("Replay after Close = %v, want ErrClosed", err)
	}
}

func TestAppendRefusesInvalidEvents(t *testing.T) {
	ctx := testCtx(t)
	l := open(t, startCluster(t).ListenAddrs())
	const topic = "strict"
	evs := events(t, 1, 2)
	evs[1].Actor = ""
	if err := l.Append(ctx, topic, evs...); err == nil {
		t.Fatal("Append accepted an event without actor")
	}
	if ids := replayIDs(t, ctx, l, topic); len(ids) != 0 {
		t.Fatalf("a refused Append stored %d events", len(ids))
	}
	if err := l.Append(ctx, "bad topic/name", events(t, 1, 1)...); err == nil {
		t.Fatal("Append accepted an invalid topic name")
	}
}

func TestNewFailsWithoutBroker(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	l, err := kafkalog.New(ctx, kafkalog.Config{Brokers: []string{addr}}, nil)
	if err == nil {
		l.Close()
		t.Fatal("New succeeded without a broker")
	}
	if ctx.Err() != nil {
		t.Fatalf("New took until the deadline: %v", err)
	}
}

func TestConfigValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  kafkalog.Config
		ok   bool
	}{
		{"minimal", kafkalog.Config{Brokers: []string{"127.0.0.1:9092"}}, true},
		{"no brokers", kafkalog.Config{}, false},
		{"broker without port", kafkalog.Config{Brokers: []string{"localhost"}}, false},
		{"negative partitions", kafkalog.Config{Brokers: []string{"h:1"}, Partitions: -1}, false},
		{"heartbeat above session", kafkalog.Config{Brokers: []string{"h:1"}, HeartbeatInterval: 20 * time.Second}, false},
		{"negative wait", kafkalog.Config{Brokers: []string{"h:1"}, BatchWait: -time.Second}, false},
	} {
		if err := tc.cfg.Validate(); (err == nil) != tc.ok {
			t.Errorf("%s: Validate() = %v", tc.name, err)
		}
	}
}

// BenchmarkAppend appends batches of 1000 envelopes (about 250 bytes each)
// to a kfake broker, acks=all.
func BenchmarkAppend(b *testing.B) {
	brokers := startCluster(b).ListenAddrs()
	l := open(b, brokers)
	ctx := context.Background()
	evs := events(b, 50, 20) // 1000 events over 50 keys
	if err := l.Append(ctx, "bench", evs[:1]...); err != nil {
		b.Fatal(err) // creates the topic outside the timed loop
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := l.Append(ctx, "bench", evs...); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*len(evs))/b.Elapsed().Seconds(), "events/s")
}

func TestAppendRefusesOversizedEventsAndStoresTheRest(t *testing.T) {
	ctx := testCtx(t)
	brokers := startCluster(t).ListenAddrs()
	l, err := kafkalog.New(ctx, kafkalog.Config{Brokers: brokers, BatchBytes: 4096}, testLogger())
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	at := time.Date(2026, 12, 3, 8, 0, 0, 0, time.UTC)
	mk := func(key string, n int) event.Envelope {
		e, err := event.New("test.blob.v1", key, "kafkalog_test", at, at, map[string]string{"blob": strings.Repeat("舆", n)})
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	small1, big, small2 := mk("a", 10), mk("b", 3000), mk("a", 20)
	err = l.Append(ctx, "blobs", small1, big, small2)
	var tl *eventlog.TooLargeError
	if !errors.As(err, &tl) {
		t.Fatalf("Append of an oversized event: %v, want a TooLargeError", err)
	}
	if len(tl.IDs) != 1 || tl.IDs[0] != big.ID || tl.Sizes[0] <= 4096 || tl.Limit != 4096 {
		t.Fatalf("refused %v sizes %v limit %d, want only %s over 4096", tl.IDs, tl.Sizes, tl.Limit, big.ID)
	}
	got := replayIDs(t, ctx, l, "blobs")
	if len(got) != 2 || !slices.Contains(got, small1.ID) || !slices.Contains(got, small2.ID) {
		t.Fatalf("stored %v, want the two small events", got)
	}
	// Nothing about the refusal sticks: the next append works.
	if err := l.Append(ctx, "blobs", mk("c", 5)); err != nil {
		t.Fatal(err)
	}
}

func TestAppendRecreatesATopicTheBrokerLost(t *testing.T) {
	ctx := testCtx(t)
	brokers := startCluster(t).ListenAddrs()
	l := open(t, brokers)
	const topic = "mentions-lost"
	if err := l.Append(ctx, topic, events(t, 2, 2)...); err != nil {
		t.Fatal(err)
	}
	admin := &kafka.Client{Addr: kafka.TCP(brokers...), Timeout: 5 * time.Second}
	resp, err := admin.DeleteTopics(ctx, &kafka.DeleteTopicsRequest{Topics: []string{topic}})
	if err != nil || resp.Errors[topic] != nil {
		t.Fatalf("deleting the topic: %v %v", err, resp)
	}
	after := events(t, 3, 1)
	if err := l.Append(ctx, topic, after...); err != nil {
		t.Fatalf("append after the broker lost the topic: %v", err)
	}
	got := replayIDs(t, ctx, l, topic)
	if len(got) != len(after) {
		t.Fatalf("replayed %d events after the topic came back, want %d", len(got), len(after))
	}
}

// A topic named in TopicPartitions is created with that many partitions;
// the others with Partitions.
func TestTopicPartitionsOverride(t *testing.T) {
	ctx := testCtx(t)
	brokers := startCluster(t).ListenAddrs()
	l, err := kafkalog.New(ctx, kafkalog.Config{Brokers: brokers, Partitions: 4, TopicPartitions: map[string]int{"ordered": 1}}, testLogger())
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	for _, topic := range []string{"ordered", "spread"} {
		if err := l.Append(ctx, topic, events(t, 12, 2)...); err != nil {
			t.Fatal(err)
		}
	}
	one, err := l.Ends(ctx, "ordered")
	if err != nil || len(one) != 1 || one[0] != 24 {
		t.Fatalf("ordered: ends %v %v, want all 24 events in partition 0", one, err)
	}
	spread, err := l.Ends(ctx, "spread")
	if err != nil || len(spread) < 2 {
		t.Fatalf("spread: ends %v %v, want several of its 4 partitions used", spread, err)
	}
}
