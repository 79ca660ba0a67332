// Package logtest is the conformance suite every eventlog.Log implementation
// must pass before it counts.
package logtest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"yuqing/internal/event"
	"yuqing/internal/eventlog"
)

// Opener opens a log on one piece of storage. Calling it again after the
// previous log was closed must reach the same storage: that is a restart.
type Opener func(t *testing.T) eventlog.Log

// Run runs the suite. fresh returns an Opener on new, empty storage; each
// subtest calls it once. Topic names are unique per subtest, so fresh may
// share one broker between subtests.
func Run(t *testing.T, fresh func(t *testing.T) Opener) {
	tests := []struct {
		name string
		fn   func(t *testing.T, open Opener)
	}{
		{"RoundTrip", testRoundTrip},
		{"PerKeyOrder", testPerKeyOrder},
		{"ConcurrentProducers", testConcurrentProducers},
		{"CommittedOffsetsResumeAfterRestart", testResumeAfterRestart},
		{"AtLeastOnceOnHandlerError", testAtLeastOnce},
		{"ReplayFromZero", testReplay},
		{"ReplayFromPositions", testReplayFrom},
		{"FollowWithoutGroup", testFollow},
		{"GroupsAreIndependent", testGroups},
		{"LiveTail", testLiveTail},
		{"Batch10k", testBatch10k},
		{"SurvivesReopen", testSurvivesReopen},
		{"ClosedRefusesAppend", testClosed},
		{"EmptyReplay", testEmptyReplay},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.fn(t, fresh(t))
		})
	}
}

func topicName(t *testing.T) string {
	r := strings.NewReplacer("/", "-", " ", "-", "_", "-")
	return strings.ToLower(r.Replace(t.Name()))
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

type seqPayload struct {
	Key string `json:"key"`
	Seq int    `json:"seq"`
}

var base = time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)

func makeEvents(t *testing.T, key string, from, n int) []event.Envelope {
	t.Helper()
	out := make([]event.Envelope, n)
	for i := range out {
		seq := from + i
		e, err := event.New("test.seq.v1", key, "logtest", base.Add(time.Duration(seq)*time.Second), base, seqPayload{Key: key, Seq: seq})
		if err != nil {
			t.Fatal(err)
		}
		out[i] = e
	}
	return out
}

func mustAppend(t *testing.T, ctx context.Context, l eventlog.Log, topic string, evs []event.Envelope) {
	t.Helper()
	if err := l.Append(ctx, topic, evs...); err != nil {
		t.Fatalf("Append %d events to %s: %v", len(evs), topic, err)
	}
}

func closeLog(t *testing.T, l eventlog.Log) {
	t.Helper()
	if err := l.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
}

// collector gathers delivered records and cancels once it holds want distinct IDs.
type collector struct {
	mu     sync.Mutex
	recs   []eventlog.Record
	seen   map[string]int
	want   int
	cancel context.CancelFunc
}

func newCollector(want int, cancel context.CancelFunc) *collector {
	return &collector{seen: map[string]int{}, want: want, cancel: cancel}
}

func (c *collector) handle(_ context.Context, batch []eventlog.Record) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, r := range batch {
		c.recs = append(c.recs, r)
		c.seen[r.Event.ID]++
	}
	if len(c.seen) >= c.want && c.cancel != nil {
		c.cancel()
	}
	return nil
}

// consumeN consumes as group until n distinct events arrived.
func consumeN(t *testing.T, ctx context.Context, l eventlog.Log, topic, group string, n int) *collector {
	t.Helper()
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	c := newCollector(n, cancel)
	err := l.Consume(cctx, topic, group, c.handle)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Consume returned %v, want context.Canceled after %d events (got %d)", err, n, len(c.seen))
	}
	if ctx.Err() != nil {
		t.Fatalf("timed out waiting for %d events, got %d", n, len(c.seen))
	}
	return c
}

func replayAll(t *testing.T, ctx context.Context, l eventlog.Log, topic string) []eventlog.Record {
	t.Helper()
	var out []eventlog.Record
	err := l.Replay(ctx, topic, func(_ context.Context, b []eventlog.Record) error {
		out = append(out, b...)
		return nil
	})
	if err != nil {
		t.Fatalf("Replay %s: %v", topic, err)
	}
	return out
}

func checkPerKeyOrder(t *testing.T, recs []eventlog.Record) map[string][]int {
	t.Helper()
	byKey := map[string][]int{}
	partOf := map[string]int{}
	lastOff := map[int]int64{}
	for _, r := range recs {
		var p seqPayload
		if err := r.Event.Decode(&p); err != nil {
			t.Fatal(err)
		}
		if r.Event.Key != p.Key {
			t.Fatalf("record key %q, payload key %q", r.Event.Key, p.Key)
		}
		if part, ok := partOf[p.Key]; ok && part != r.Partition {
			t.Fatalf("key %q in partitions %d and %d", p.Key, part, r.Partition)
		}
		partOf[p.Key] = r.Partition
		if last, ok := lastOff[r.Partition]; ok && r.Offset <= last {
			t.Fatalf("partition %d: offset %d after %d", r.Partition, r.Offset, last)
		}
		lastOff[r.Partition] = r.Offset
		seqs := byKey[p.Key]
		if len(seqs) > 0 && p.Seq <= seqs[len(seqs)-1] {
			t.Fatalf("key %q: seq %d delivered after %d", p.Key, p.Seq, seqs[len(seqs)-1])
		}
		byKey[p.Key] = append(seqs, p.Seq)
	}
	return byKey
}

func testRoundTrip(t *testing.T, open Opener) {
	ctx := testCtx(t)
	l := open(t)
	defer closeLog(t, l)
	topic := topicName(t)
	in := makeEvents(t, "k1", 0, 3)
	mustAppend(t, ctx, l, topic, in)
	got := replayAll(t, ctx, l, topic)
	if len(got) != len(in) {
		t.Fatalf("replayed %d records, want %d", len(got), len(in))
	}
	for i, r := range got {
		w := in[i]
		e := r.Event
		if r.Topic != topic || e.ID != w.ID || e.Type != w.Type || e.Key != w.Key || e.Actor != w.Actor ||
			!e.Time.Equal(w.Time) || !e.Recorded.Equal(w.Recorded) || string(e.Payload) != string(w.Payload) {
			t.Fatalf("record %d = %+v (topic %s), want %+v", i, e, r.Topic, w)
		}
	}
	if got[0].Offset < 0 || got[1].Offset <= got[0].Offset {
		t.Fatalf("offsets not increasing: %d, %d", got[0].Offset, got[1].Offset)
	}
}

func testPerKeyOrder(t *testing.T, open Opener) {
	ctx := testCtx(t)
	l := open(t)
	defer closeLog(t, l)
	topic := topicName(t)
	var all []event.Envelope
	for k := 0; k < 10; k++ {
		all = append(all, makeEvents(t, fmt.Sprintf("key-%d", k), 0, 30)...)
	}
	// interleave keys in the appended batch
	inter := make([]event.Envelope, 0, len(all))
	for i := 0; i < 30; i++ {
		for k := 0; k < 10; k++ {
			inter = append(inter, all[k*30+i])
		}
	}
	mustAppend(t, ctx, l, topic, inter[:150])
	mustAppend(t, ctx, l, topic, inter[150:])
	c := consumeN(t, ctx, l, topic, "order", len(inter))
	byKey := checkPerKeyOrder(t, c.recs)
	for k, seqs := range byKey {
		if len(seqs) != 30 {
			t.Fatalf("key %s: %d events, want 30", k, len(seqs))
		}
	}
}

func testConcurrentProducers(t *testing.T, open Opener) {
	ctx := testCtx(t)
	l := open(t)
	defer closeLog(t, l)
	topic := topicName(t)
	const producers, per = 8, 200
	var wg sync.WaitGroup
	errs := make(chan error, producers)
	for p := 0; p < producers; p++ {
		evs := makeEvents(t, fmt.Sprintf("producer-%d", p), 0, per)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < per; i += 10 {
				if err := l.Append(ctx, topic, evs[i:i+10]...); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("concurrent Append: %v", err)
	}
	recs := replayAll(t, ctx, l, topic)
	if len(recs) != producers*per {
		t.Fatalf("replayed %d, want %d", len(recs), producers*per)
	}
	ids := map[string]bool{}
	for _, r := range recs {
		if ids[r.Event.ID] {
			t.Fatalf("event %s stored twice", r.Event.ID)
		}
		ids[r.Event.ID] = true
	}
	for k, seqs := range checkPerKeyOrder(t, recs) {
		if len(seqs) != per {
			t.Fatalf("key %s: %d events, want %d", k, len(seqs), per)
		}
	}
}

func testResumeAfterRestart(t *testing.T, open Opener) {
	ctx := testCtx(t)
	topic := topicName(t)
	l := open(t)
	mustAppend(t, ctx, l, topic, makeEvents(t, "a", 0, 40))
	mustAppend(t, ctx, l, topic, makeEvents(t, "b", 0, 40))
	first := consumeN(t, ctx, l, topic, "resume", 80)
	closeLog(t, l)

	l = open(t) // the process restarted
	defer closeLog(t, l)
	mustAppend(t, ctx, l, topic, makeEvents(t, "a", 40, 10))
	mustAppend(t, ctx, l, topic, makeEvents(t, "c", 0, 10))
	second := consumeN(t, ctx, l, topic, "resume", 20)
	for id := range second.seen {
		if first.seen[id] > 0 {
			t.Fatalf("event %s committed before the restart was delivered again", id)
		}
	}
	if len(second.seen) != 20 {
		t.Fatalf("after restart got %d new events, want 20", len(second.seen))
	}
	checkPerKeyOrder(t, second.recs)
}

func testAtLeastOnce(t *testing.T, open Opener) {
	ctx := testCtx(t)
	l := open(t)
	defer closeLog(t, l)
	topic := topicName(t)
	in := makeEvents(t, "only", 0, 30)
	mustAppend(t, ctx, l, topic, in)
	poison := in[20].ID
	boom := errors.New("handler failed on purpose")
	delivered := map[string]int{}
	err := l.Consume(ctx, topic, "alo", func(_ context.Context, b []eventlog.Record) error {
		for _, r := range b {
			delivered[r.Event.ID]++
			if r.Event.ID == poison {
				return boom
			}
		}
		return nil
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Consume returned %v, want the handler's error", err)
	}
	// Consume again: everything from the failed batch on must come back.
	c := consumeN(t, ctx, l, topic, "alo", 10)
	if c.seen[poison] == 0 {
		t.Fatalf("event whose handler failed was not redelivered")
	}
	for _, e := range in {
		if delivered[e.ID]+c.seen[e.ID] == 0 {
			t.Fatalf("event %s never delivered", e.ID)
		}
	}
}

func testReplay(t *testing.T, open Opener) {
	ctx := testCtx(t)
	l := open(t)
	defer closeLog(t, l)
	topic := topicName(t)
	mustAppend(t, ctx, l, topic, makeEvents(t, "r", 0, 50))
	consumeN(t, ctx, l, topic, "committed", 50) // a committed group does not affect replay
	for round := 0; round < 2; round++ {
		recs := replayAll(t, ctx, l, topic)
		if len(recs) != 50 {
			t.Fatalf("round %d: replayed %d, want 50", round, len(recs))
		}
		checkPerKeyOrder(t, recs)
	}
	mustAppend(t, ctx, l, topic, makeEvents(t, "r", 50, 5))
	if n := len(replayAll(t, ctx, l, topic)); n != 55 {
		t.Fatalf("replay after more appends: %d, want 55", n)
	}
}

// A restart that saved its positions reads only what came after them, on
// every partition, and Ends says where the next record lands.
func testReplayFrom(t *testing.T, open Opener) {
	ctx := testCtx(t)
	l := open(t)
	defer closeLog(t, l)
	topic := topicName(t)
	if ends, err := l.Ends(ctx, topic); err != nil || len(ends) != 0 {
		t.Fatalf("ends of a topic never written: %v %v", ends, err)
	}
	var evs []event.Envelope
	for _, k := range []string{"a", "b", "c", "d", "e", "f"} {
		evs = append(evs, makeEvents(t, k, 0, 10)...)
	}
	mustAppend(t, ctx, l, topic, evs)
	all := replayAll(t, ctx, l, topic)
	ends, err := l.Ends(ctx, topic)
	if err != nil {
		t.Fatal(err)
	}
	want := eventlog.Positions{}
	want.Advance(all)
	if len(ends) != len(want) {
		t.Fatalf("ends %v, records reach %v", ends, want)
	}
	for p, end := range want {
		if ends[p] != end {
			t.Fatalf("partition %d ends at %d, its last record is at %d", p, ends[p], end-1)
		}
	}
	// Positions part-way through each partition: a third of its records read.
	from := eventlog.Positions{}
	perPart := map[int][]eventlog.Record{}
	for _, r := range all {
		perPart[r.Partition] = append(perPart[r.Partition], r)
	}
	wantIDs := map[string]bool{}
	for p, rs := range perPart {
		cut := len(rs) / 3
		from[p] = rs[cut].Offset
		for _, r := range rs[cut:] {
			wantIDs[r.Event.ID] = true
		}
	}
	if from.Behind(ends) != int64(len(wantIDs)) {
		t.Fatalf("Behind = %d, want %d", from.Behind(ends), len(wantIDs))
	}
	got := map[string]bool{}
	err = l.ReplayFrom(ctx, topic, from, func(_ context.Context, batch []eventlog.Record) error {
		for _, r := range batch {
			if r.Offset < from[r.Partition] {
				return fmt.Errorf("partition %d offset %d is before the position %d", r.Partition, r.Offset, from[r.Partition])
			}
			if got[r.Event.ID] {
				return fmt.Errorf("%s delivered twice", r.Event.ID)
			}
			got[r.Event.ID] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(wantIDs) {
		t.Fatalf("replayed %d records from the positions, want %d", len(got), len(wantIDs))
	}
	for id := range wantIDs {
		if !got[id] {
			t.Fatalf("%s missing from the tail", id)
		}
	}
	// At the ends: nothing to read. Beyond them: an error, not silence.
	n := 0
	if err := l.ReplayFrom(ctx, topic, ends, func(_ context.Context, b []eventlog.Record) error { n += len(b); return nil }); err != nil || n != 0 {
		t.Fatalf("replay from the ends: %d records, %v", n, err)
	}
	beyond := eventlog.Positions{}
	for p, e := range ends {
		beyond[p] = e + 5
	}
	if err := l.ReplayFrom(ctx, topic, beyond, func(context.Context, []eventlog.Record) error { return nil }); err == nil {
		t.Fatal("replay from beyond the end did not fail")
	}
}

// Follow delivers what was there, says when it caught up, then delivers
// what is appended later, each record once, until its context ends.
func testFollow(t *testing.T, open Opener) {
	ctx := testCtx(t)
	l := open(t)
	defer closeLog(t, l)
	topic := topicName(t)
	mustAppend(t, ctx, l, topic, makeEvents(t, "f", 0, 20))
	fctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var mu sync.Mutex
	var recs []eventlog.Record
	seen := map[string]bool{}
	caught := make(chan int, 1)
	done := make(chan error, 1)
	go func() {
		done <- eventlog.Follow(fctx, l, topic, nil, func(_ context.Context, batch []eventlog.Record) error {
			mu.Lock()
			defer mu.Unlock()
			for _, r := range batch {
				if seen[r.Event.ID] {
					return fmt.Errorf("%s delivered twice", r.Event.ID)
				}
				seen[r.Event.ID] = true
				recs = append(recs, r)
			}
			return nil
		}, func() {
			mu.Lock()
			caught <- len(recs)
			mu.Unlock()
		})
	}()
	select {
	case n := <-caught:
		if n != 20 {
			t.Fatalf("caught up after %d records, want the 20 appended before", n)
		}
	case err := <-done:
		t.Fatalf("follow ended early: %v", err)
	case <-ctx.Done():
		t.Fatal("never caught up")
	}
	mustAppend(t, ctx, l, topic, makeEvents(t, "f", 20, 10))
	for {
		mu.Lock()
		n := len(recs)
		mu.Unlock()
		if n == 30 {
			break
		}
		select {
		case err := <-done:
			t.Fatalf("follow ended with %d of 30: %v", n, err)
		case <-ctx.Done():
			t.Fatalf("followed %d of 30", n)
		case <-time.After(20 * time.Millisecond): // polling the collector
		}
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("follow returned %v, want context.Canceled", err)
	}
	mu.Lock()
	checkPerKeyOrder(t, recs)
	mu.Unlock()
}

func testGroups(t *testing.T, open Opener) {
	ctx := testCtx(t)
	l := open(t)
	defer closeLog(t, l)
	topic := topicName(t)
	mustAppend(t, ctx, l, topic, makeEvents(t, "g", 0, 25))
	a := consumeN(t, ctx, l, topic, "group-a", 25)
	b := consumeN(t, ctx, l, topic, "group-b", 25)
	if len(a.seen) != 25 || len(b.seen) != 25 {
		t.Fatalf("groups got %d and %d, want 25 each", len(a.seen), len(b.seen))
	}
}

func testLiveTail(t *testing.T, open Opener) {
	ctx := testCtx(t)
	l := open(t)
	defer closeLog(t, l)
	topic := topicName(t)
	mustAppend(t, ctx, l, topic, makeEvents(t, "live", 0, 1)) // the topic exists
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	c := newCollector(6, cancel)
	done := make(chan error, 1)
	started := make(chan struct{})
	go func() {
		first := true
		done <- l.Consume(cctx, topic, "tail", func(ctx context.Context, b []eventlog.Record) error {
			if first {
				first = false
				close(started)
			}
			return c.handle(ctx, b)
		})
	}()
	select {
	case <-started:
	case <-ctx.Done():
		t.Fatal("consumer never received the first event")
	}
	// The consumer is running: events appended now must reach it.
	mustAppend(t, ctx, l, topic, makeEvents(t, "live", 1, 5))
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Consume: %v", err)
		}
	case <-ctx.Done():
		t.Fatal("events appended while consuming never arrived")
	}
	if len(c.seen) != 6 {
		t.Fatalf("got %d events, want 6", len(c.seen))
	}
}

func testBatch10k(t *testing.T, open Opener) {
	ctx := testCtx(t)
	l := open(t)
	defer closeLog(t, l)
	topic := topicName(t)
	var evs []event.Envelope
	for k := 0; k < 10; k++ {
		evs = append(evs, makeEvents(t, fmt.Sprintf("bulk-%d", k), 0, 1000)...)
	}
	mustAppend(t, ctx, l, topic, evs)
	recs := replayAll(t, ctx, l, topic)
	if len(recs) != 10000 {
		t.Fatalf("replayed %d, want 10000", len(recs))
	}
	for k, seqs := range checkPerKeyOrder(t, recs) {
		if len(seqs) != 1000 {
			t.Fatalf("key %s: %d, want 1000", k, len(seqs))
		}
	}
	c := consumeN(t, ctx, l, topic, "bulk", 10000)
	if len(c.recs) != 10000 {
		t.Fatalf("consumed %d deliveries, want 10000 with no duplicate", len(c.recs))
	}
}

func testSurvivesReopen(t *testing.T, open Opener) {
	ctx := testCtx(t)
	topic := topicName(t)
	l := open(t)
	in := makeEvents(t, "durable", 0, 20)
	mustAppend(t, ctx, l, topic, in)
	closeLog(t, l)
	l = open(t)
	defer closeLog(t, l)
	recs := replayAll(t, ctx, l, topic)
	if len(recs) != 20 || recs[0].Event.ID != in[0].ID || recs[19].Event.ID != in[19].ID {
		t.Fatalf("after reopen replayed %d records", len(recs))
	}
}

func testClosed(t *testing.T, open Opener) {
	ctx := testCtx(t)
	l := open(t)
	topic := topicName(t)
	mustAppend(t, ctx, l, topic, makeEvents(t, "x", 0, 1))
	closeLog(t, l)
	err := l.Append(ctx, topic, makeEvents(t, "x", 1, 1)...)
	if !errors.Is(err, eventlog.ErrClosed) {
		t.Fatalf("Append on closed log = %v, want ErrClosed", err)
	}
	if err := l.Consume(ctx, topic, "g", func(context.Context, []eventlog.Record) error { return nil }); !errors.Is(err, eventlog.ErrClosed) {
		t.Fatalf("Consume on closed log = %v, want ErrClosed", err)
	}
}

func testEmptyReplay(t *testing.T, open Opener) {
	ctx := testCtx(t)
	l := open(t)
	defer closeLog(t, l)
	if recs := replayAll(t, ctx, l, topicName(t)); len(recs) != 0 {
		t.Fatalf("replay of an empty topic gave %d records", len(recs))
	}
}
