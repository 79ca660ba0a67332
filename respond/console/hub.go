// Package console is the server side of the live console: it follows the
// log topics the console shows, keeps the projections a newly connected
// browser starts from, and fans events out over websockets.
//
// Protocol. The server sends {"type":"snapshot", "cursor":…, "state":…}
// first, then {"type":"delta", "delta":{topic, partition, offset, event}}
// for a new event, or {"type":"deltas", "deltas":[…]} for several that
// arrived together (in log order; an update superseded within the same
// frame by a later one of the same thing is left out — see Coalesce). The cursor maps "topic/partition" to the last offset
// the client holds. A client that reconnects with its cursor (?cursor=…,
// base64url JSON) gets exactly the events it missed, in log order, with no
// gap and no duplicate; when the hub no longer holds them it gets a fresh
// snapshot instead. A client that cannot keep up is dropped and reconnects
// to a fresh snapshot; the others are not slowed.
package console

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"yuqing/internal/event"
	"yuqing/internal/eventlog"
)

// Delta is one event of a followed topic.
type Delta struct {
	Topic     string         `json:"topic"`
	Partition int            `json:"partition"`
	Offset    int64          `json:"offset"`
	Event     event.Envelope `json:"event"`
}

func (d Delta) key() string { return fmt.Sprintf("%s/%d", d.Topic, d.Partition) }

// Cursor maps "topic/partition" to the last offset a client holds.
type Cursor map[string]int64

// ParseCursor reads a base64url-encoded JSON cursor; "" is an empty cursor.
func ParseCursor(s string) (Cursor, error) {
	if s == "" {
		return nil, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
	if err != nil {
		return nil, fmt.Errorf("cursor is not base64url: %w", err)
	}
	var c Cursor
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("cursor is not a JSON object of offsets: %w", err)
	}
	return c, nil
}

// Encode is the cursor as the client sends it back.
func (c Cursor) Encode() string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

// Projection turns the followed events into the state a snapshot shows.
// Apply is called for every delta in log order, under the hub's lock; an
// error says the delta could not be applied (an unreadable payload): the
// hub logs it and goes on, the delta still reaches the clients. State must
// return a JSON-ready value that does not share memory with the projection.
type Projection interface {
	Apply(d Delta) error
	State() any
}

// Message is what the server sends.
type Message struct {
	Type   string  `json:"type"` // snapshot | delta | deltas | resumed
	Cursor Cursor  `json:"cursor,omitempty"`
	State  any     `json:"state,omitempty"`
	Delta  *Delta  `json:"delta,omitempty"`
	Deltas []Delta `json:"deltas,omitempty"` // type deltas: several, in log order
	Missed int     `json:"missed,omitempty"` // resumed: how many deltas were replayed
}

// All is the deltas a delta or deltas message carries, in log order.
func (m Message) All() []Delta {
	if m.Delta != nil {
		return []Delta{*m.Delta}
	}
	return m.Deltas
}

// Config configures the hub.
type Config struct {
	Topics       map[string]int // followed topics and how many recent events of each partition to keep for resumes
	ClientBuffer int            // messages queued per client before it is dropped (default 1024)
	// SnapshotPath, if set, is where the hub saves its projection (if it is
	// a Snapshotter) with its position, at most every 30 s once
	// SnapshotEvery events (default 5,000) arrived, once caught up at start
	// when that read more than 1,000 events, and when Run ends; Run starts
	// from it and reads only the log after it.
	SnapshotPath  string
	SnapshotEvery int
}

// Hub is safe for concurrent use.
type Hub struct {
	cfg    Config
	proj   Projection
	logger *slog.Logger

	mu      sync.Mutex
	cursor  Cursor             // the hub's own position
	rings   map[string][]Delta // recent deltas per topic/partition, oldest first
	clients map[*Client]struct{}
	closed  bool

	caughtUp atomic.Bool

	sinceSave int       // events applied since the last snapshot
	lastSave  time.Time // when it was taken
}

// Client is one subscriber. Receive from C; Gone is closed when the hub
// drops the client (too slow, or the hub closed).
type Client struct {
	C    chan []byte
	Gone chan struct{}
	once sync.Once
	Why  string
}

func (c *Client) drop(why string) {
	c.once.Do(func() { c.Why = why; close(c.Gone) })
}

// NewHub returns a hub over a projection.
func NewHub(cfg Config, proj Projection, logger *slog.Logger) *Hub {
	if cfg.ClientBuffer <= 0 {
		cfg.ClientBuffer = 1024
	}
	if cfg.SnapshotEvery <= 0 {
		cfg.SnapshotEvery = 5000
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Hub{cfg: cfg, proj: proj, logger: logger, cursor: Cursor{}, rings: map[string][]Delta{}, clients: map[*Client]struct{}{}}
}

// Run follows every configured topic from its start, without a consumer
// group (the board is rebuilt at every start and leaves nothing behind in
// the log), until ctx is done. CaughtUp turns true once everything that
// was in the log when Run began is on the board.
func (h *Hub) Run(ctx context.Context, log eventlog.Log) error {
	from, err := h.restore(ctx, log)
	if err != nil {
		h.logger.Warn("console snapshot unusable; reading the whole log", "err", err)
	}
	h.mu.Lock()
	h.lastSave = time.Now()
	h.mu.Unlock()
	defer func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		if err := h.save(); err != nil {
			h.logger.Warn("console snapshot not saved", "err", err)
		}
	}()
	var wg sync.WaitGroup
	errs := make(chan error, len(h.cfg.Topics))
	var pending sync.WaitGroup
	pending.Add(len(h.cfg.Topics))
	go func() {
		pending.Wait()
		h.caughtUp.Store(true)
		h.saveCaughtUp()
	}()
	for topic := range h.cfg.Topics {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var once sync.Once
			err := eventlog.Follow(ctx, log, topic, from[topic], func(_ context.Context, batch []eventlog.Record) error {
				ds := make([]Delta, len(batch))
				for i, r := range batch {
					ds[i] = Delta{Topic: r.Topic, Partition: r.Partition, Offset: r.Offset, Event: r.Event}
				}
				h.Publish(ds...)
				return nil
			}, func() { once.Do(pending.Done) })
			if err != nil && !errors.Is(err, context.Canceled) {
				errs <- fmt.Errorf("following %s: %w", topic, err)
			}
		}()
	}
	wg.Wait()
	close(errs)
	var all []error
	for err := range errs {
		all = append(all, err)
	}
	if len(all) > 0 {
		return errors.Join(all...)
	}
	return ctx.Err()
}

// replayedSave is how many events a start may read before it saves the
// board once caught up: a process killed again before its first periodic
// snapshot (a crash loop) would otherwise read ever more at each start.
const replayedSave = 1000

// saveCaughtUp saves the board once Run has caught up, when that read more
// than replayedSave events since the snapshot it started from.
func (h *Hub) saveCaughtUp() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.cfg.SnapshotPath == "" || h.sinceSave < replayedSave {
		return
	}
	if n := h.sinceSave; h.checkpoint() {
		h.logger.Info("console board saved after catching up", "events", n)
	}
}

// checkpoint saves the board and starts counting afresh (called under
// h.mu, like every save: no second one can run meanwhile).
func (h *Hub) checkpoint() bool {
	h.sinceSave, h.lastSave = 0, time.Now()
	if err := h.save(); err != nil {
		h.logger.Warn("console snapshot not saved", "err", err)
		return false
	}
	return true
}

// CaughtUp reports whether the board holds everything the log held when
// Run began (a console opened before shows an incomplete board).
func (h *Hub) CaughtUp() bool { return h.caughtUp.Load() }

// Publish applies deltas and sends them to every client as one message:
// what the log handed over together (a busy stream's batch) costs one
// encoding and one websocket frame per client, not one per event. A delta
// at or below the hub's cursor for its partition (a redelivery) is
// dropped.
func (h *Hub) Publish(ds ...Delta) {
	h.mu.Lock()
	defer h.mu.Unlock()
	fresh := make([]Delta, 0, len(ds))
	for _, d := range ds {
		k := d.key()
		if last, ok := h.cursor[k]; ok && d.Offset <= last {
			continue
		}
		h.cursor[k] = d.Offset
		d = ForConsole(d) // no raw source payloads to browsers
		if keep := h.cfg.Topics[d.Topic]; keep > 0 {
			// Trim only when the ring holds twice what it keeps: copying the
			// kept deltas at every publish cost more than the analysis itself
			// (a third of the serve path's CPU).
			ring := append(h.rings[k], d)
			if len(ring) >= 2*keep {
				ring = append(make([]Delta, 0, 2*keep), ring[len(ring)-keep:]...)
			}
			h.rings[k] = ring
		}
		fresh = append(fresh, d)
	}
	// The projection takes whole-state updates as they are at the end of
	// the batch too: catching up with a long log decodes each hot topic
	// once per batch, not once per update.
	h.sinceSave += len(fresh) // events read, before coalescing
	fresh = Coalesce(fresh)
	for _, d := range fresh {
		if err := h.proj.Apply(d); err != nil {
			// The board is rebuilt from the log at every start (no consumer
			// group): a dead letter here would be written again each time.
			// The consumers that act on these events dead-letter them.
			h.logger.Warn("console board skipped an event it cannot read", "topic", d.Topic, "partition", d.Partition, "offset", d.Offset,
				"event", d.Event.ID, "type", d.Event.Type, "err", err)
		}
	}
	if h.cfg.SnapshotPath != "" && h.sinceSave >= h.cfg.SnapshotEvery && time.Since(h.lastSave) >= 30*time.Second {
		h.checkpoint()
	}
	if len(fresh) == 0 || len(h.clients) == 0 {
		return
	}
	m := Message{Type: "deltas", Deltas: fresh}
	if len(fresh) == 1 {
		m = Message{Type: "delta", Delta: &fresh[0]}
	}
	msg, err := json.Marshal(m)
	if err != nil {
		h.logger.Error("encoding console deltas", "err", err)
		return
	}
	for c := range h.clients {
		select {
		case c.C <- msg:
		default:
			delete(h.clients, c)
			c.drop("too slow: reconnect for a fresh snapshot")
		}
	}
}

// superseded are the event types whose payload is the whole current state
// of the thing named by the key: a later one of the same key replaces an
// earlier one entirely.
var superseded = map[string]bool{"topic.updated.v1": true, "source.health.v1": true}

// Coalesce leaves out of ds (in log order) every whole-state update that a
// later delta of the same partition, type and key replaces, keeping each
// partition's last delta so a client's cursor still ends where the hub's
// does. A hot topic updated a hundred times in one batch reaches browsers
// once.
func Coalesce(ds []Delta) []Delta {
	if len(ds) < 2 {
		return ds
	}
	type thing struct{ part, typ, key string }
	latest := map[thing]int{}
	for i, d := range ds {
		if superseded[d.Event.Type] && d.Event.Key != "" {
			latest[thing{d.key(), d.Event.Type, d.Event.Key}] = i
		}
	}
	if len(latest) == 0 {
		return ds
	}
	lastOf := map[string]int{}
	for i, d := range ds {
		lastOf[d.key()] = i
	}
	out := ds[:0:0]
	for i, d := range ds {
		if superseded[d.Event.Type] && d.Event.Key != "" && latest[thing{d.key(), d.Event.Type, d.Event.Key}] != i && lastOf[d.key()] != i {
			continue
		}
		out = append(out, d)
	}
	return out
}

// Subscribe registers a client. With a cursor the hub can serve, the client
// first gets the deltas it missed (and a "resumed" marker); otherwise a
// snapshot. Either way nothing is lost or repeated after it: the first
// messages are queued under the same lock that publishes deltas.
func (h *Hub) Subscribe(from Cursor) (*Client, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil, errors.New("console hub is closed")
	}
	missed, ok := h.missedSince(from)
	n := len(missed) + 2
	c := &Client{C: make(chan []byte, max(h.cfg.ClientBuffer, n)), Gone: make(chan struct{})}
	if ok {
		for _, d := range missed {
			b, _ := json.Marshal(Message{Type: "delta", Delta: &d})
			c.C <- b
		}
		b, _ := json.Marshal(Message{Type: "resumed", Cursor: h.copyCursor(), Missed: len(missed)})
		c.C <- b
	} else {
		b, err := json.Marshal(Message{Type: "snapshot", Cursor: h.copyCursor(), State: h.proj.State()})
		if err != nil {
			return nil, err
		}
		c.C <- b
	}
	h.clients[c] = struct{}{}
	return c, nil
}

// missedSince returns the deltas after from, in order per partition and by
// event time across them, or false when from is empty or reaches back
// further than the rings do.
func (h *Hub) missedSince(from Cursor) ([]Delta, bool) {
	if len(from) == 0 {
		return nil, false
	}
	var parts [][]Delta
	for k, last := range h.cursor {
		got, has := from[k]
		ring := h.rings[k]
		if !has {
			// The client has nothing of this partition: only servable when
			// the ring still starts at offset 0.
			if len(ring) == 0 || ring[0].Offset != 0 {
				return nil, false
			}
			parts = append(parts, ring)
			continue
		}
		if got > last {
			return nil, false // the client is ahead of this hub (another process, or a rebuilt log)
		}
		if got == last {
			continue
		}
		if len(ring) == 0 || ring[0].Offset > got+1 {
			return nil, false // a gap: the ring no longer holds what it missed
		}
		i := sort.Search(len(ring), func(i int) bool { return ring[i].Offset > got })
		parts = append(parts, ring[i:])
	}
	for k := range from {
		if _, known := h.cursor[k]; !known {
			return nil, false
		}
	}
	return merge(parts), true
}

// merge interleaves per-partition runs by record time, keeping each
// partition's own order whatever the clocks said.
func merge(parts [][]Delta) []Delta {
	parts = slices.DeleteFunc(parts, func(p []Delta) bool { return len(p) == 0 })
	sort.Slice(parts, func(i, j int) bool { return parts[i][0].key() < parts[j][0].key() })
	var out []Delta
	for {
		best := -1
		for i, p := range parts {
			if len(p) > 0 && (best < 0 || p[0].Event.Recorded.Before(parts[best][0].Event.Recorded)) {
				best = i
			}
		}
		if best < 0 {
			return out
		}
		out = append(out, parts[best][0])
		parts[best] = parts[best][1:]
	}
}

func (h *Hub) copyCursor() Cursor {
	c := make(Cursor, len(h.cursor))
	for k, v := range h.cursor {
		c[k] = v
	}
	return c
}

// Unsubscribe removes a client.
func (h *Hub) Unsubscribe(c *Client) {
	h.mu.Lock()
	delete(h.clients, c)
	h.mu.Unlock()
	c.drop("closed")
}

// Clients is the number of connected clients.
func (h *Hub) Clients() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.clients)
}

// Position is the hub's cursor.
func (h *Hub) Position() Cursor {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.copyCursor()
}

// Close drops every client; later subscriptions fail.
func (h *Hub) Close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closed = true
	for c := range h.clients {
		delete(h.clients, c)
		c.drop("server shutting down")
	}
}
