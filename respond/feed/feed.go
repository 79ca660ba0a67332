// Package feed serves the live websocket feed of analysed mentions.
//
// A client receives a snapshot of the most recent items, then each new item
// as it is analysed. A client that cannot keep up is disconnected (it
// reconnects and gets a fresh snapshot) rather than slowing the others.
package feed

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"yuqing/analyze"
	"yuqing/internal/eventlog"
)

// Item is one analysed mention on the feed.
type Item struct {
	Partition int              `json:"partition"`
	Offset    int64            `json:"offset"`
	Analyzed  analyze.Analyzed `json:"analyzed"`
}

// Message is what the server sends: {"type":"snapshot","items":[…]} first,
// then {"type":"mention","item":{…}}.
type Message struct {
	Type  string `json:"type"`
	Items []Item `json:"items,omitempty"`
	Item  *Item  `json:"item,omitempty"`
}

// Config configures the hub.
type Config struct {
	Recent         int           // items kept for the snapshot (default 200)
	ClientBuffer   int           // messages queued per client before it is dropped (default 256)
	PingInterval   time.Duration // default 30s
	AllowedOrigins []string      // besides the server's own origin
	Token          string        // the viewer token a client must present
}

// Hub fans analysed mentions out to websocket clients. Safe for concurrent use.
type Hub struct {
	cfg    Config
	logger *slog.Logger

	mu      sync.Mutex
	recent  []Item
	seen    map[string]struct{} // mention IDs in recent: drops at-least-once duplicates
	clients map[*client]struct{}
	done    chan struct{} // closed by Close
	closed  sync.Once
}

type client struct {
	send chan []byte
	once sync.Once
	gone chan struct{} // closed when the hub drops the client
}

func (c *client) drop() { c.once.Do(func() { close(c.gone) }) }

// NewHub returns a hub with defaults filled in.
func NewHub(cfg Config, logger *slog.Logger) *Hub {
	if cfg.Recent <= 0 {
		cfg.Recent = 200
	}
	if cfg.ClientBuffer <= 0 {
		cfg.ClientBuffer = 256
	}
	if cfg.PingInterval <= 0 {
		cfg.PingInterval = 30 * time.Second
	}
	return &Hub{cfg: cfg, logger: logger, seen: map[string]struct{}{}, clients: map[*client]struct{}{}, done: make(chan struct{})}
}

// Group is the consumer group the feed reads the analysed topic under.
const Group = "respond-feed"

// Run feeds the hub from the log until ctx is done.
func (h *Hub) Run(ctx context.Context, log eventlog.Log) error {
	return log.Consume(ctx, eventlog.TopicAnalyzed, Group, func(_ context.Context, batch []eventlog.Record) error {
		for _, r := range batch {
			var a analyze.Analyzed
			if err := r.Event.Decode(&a); err != nil {
				h.logger.Warn("skipping undecodable analysed event", "err", err)
				continue
			}
			h.Publish(Item{Partition: r.Partition, Offset: r.Offset, Analyzed: a})
		}
		return nil
	})
}

// Publish adds an item and sends it to every client. A duplicate of a
// recent mention is dropped.
func (h *Hub) Publish(it Item) {
	msg, err := json.Marshal(Message{Type: "mention", Item: &it})
	if err != nil {
		h.logger.Error("encoding feed item", "err", err)
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	id := it.Analyzed.Mention.ID
	if _, dup := h.seen[id]; dup {
		return
	}
	h.seen[id] = struct{}{}
	h.recent = append(h.recent, it)
	if len(h.recent) > h.cfg.Recent {
		delete(h.seen, h.recent[0].Analyzed.Mention.ID)
		h.recent = h.recent[1:]
	}
	for c := range h.clients {
		select {
		case c.send <- msg:
		default: // too slow: drop it so it reconnects to a fresh snapshot
			delete(h.clients, c)
			c.drop()
			h.logger.Warn("dropped a slow feed client")
		}
	}
}

// subscribe registers a client and returns the snapshot it starts from.
func (h *Hub) subscribe() (*client, []byte) {
	h.mu.Lock()
	defer h.mu.Unlock()
	c := &client{send: make(chan []byte, h.cfg.ClientBuffer), gone: make(chan struct{})}
	h.clients[c] = struct{}{}
	items := append([]Item(nil), h.recent...)
	snap, _ := json.Marshal(Message{Type: "snapshot", Items: items})
	return c, snap
}

func (h *Hub) unsubscribe(c *client) {
	h.mu.Lock()
	delete(h.clients, c)
	h.mu.Unlock()
	c.drop()
}

// Close tells every connected client the server is going away and
// disconnects it. Later clients are refused.
func (h *Hub) Close() {
	h.closed.Do(func() { close(h.done) })
}

// Clients returns how many clients are connected.
func (h *Hub) Clients() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.clients)
}

// ServeHTTP upgrades GET /api/v1/feed to a websocket. The viewer token comes
// as "Authorization: Bearer …" or, for browsers, as ?token=…. The Origin, when
// present, must be the server's own or an allowed one.
func (h *Hub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !h.authorized(r) {
		http.Error(w, "missing or wrong viewer token", http.StatusUnauthorized)
		return
	}
	select {
	case <-h.done:
		http.Error(w, "shutting down", http.StatusServiceUnavailable)
		return
	default:
	}
	up := websocket.Upgrader{CheckOrigin: h.checkOrigin, ReadBufferSize: 1024, WriteBufferSize: 4096}
	conn, err := up.Upgrade(w, r, nil)
	if err != nil {
		return // the upgrader has answered
	}
	c, snap := h.subscribe()
	defer h.unsubscribe(c)
	go h.readLoop(conn, c)
	h.writeLoop(r.Context(), conn, c, snap)
}

func (h *Hub) authorized(r *http.Request) bool {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		tok = r.URL.Query().Get("token")
	}
	return h.cfg.Token != "" && subtle.ConstantTimeCompare([]byte(tok), []byte(h.cfg.Token)) == 1
}

func (h *Hub) checkOrigin(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true // not a browser
	}
	u, err := url.Parse(origin)
	if err != nil {
		return false
	}
	if strings.EqualFold(u.Host, r.Host) {
		return true
	}
	for _, o := range h.cfg.AllowedOrigins {
		if strings.EqualFold(strings.TrimRight(o, "/"), origin) {
			return true
		}
	}
	h.logger.Warn("refused websocket from a foreign origin", "origin", origin)
	return false
}

// readLoop discards client messages, answers pings and notices the close.
func (h *Hub) readLoop(conn *websocket.Conn, c *client) {
	conn.SetReadLimit(4096)
	conn.SetReadDeadline(time.Now().Add(2 * h.cfg.PingInterval))
	conn.SetPongHandler(func(string) error {
		return conn.SetReadDeadline(time.Now().Add(2 * h.cfg.PingInterval))
	})
	for {
		if _, _, err := conn.ReadMessage(); err != nil {
			c.drop()
			return
		}
	}
}

func (h *Hub) writeLoop(ctx context.Context, conn *websocket.Conn, c *client, snap []byte) {
	defer conn.Close()
	ping := time.NewTicker(h.cfg.PingInterval)
	defer ping.Stop()
	write := func(typ int, b []byte) error {
		conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
		return conn.WriteMessage(typ, b)
	}
	if err := write(websocket.TextMessage, snap); err != nil {
		return
	}
	for {
		select {
		case msg := <-c.send:
			if err := write(websocket.TextMessage, msg); err != nil {
				return
			}
		case <-ping.C:
			if err := write(websocket.PingMessage, nil); err != nil {
				return
			}
		case <-c.gone:
			write(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseTryAgainLater, "too slow: reconnect for a fresh snapshot"))
			return
		case <-h.done:
			write(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseGoingAway, "server shutting down"))
			return
		case <-ctx.Done():
			write(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseGoingAway, "server shutting down"))
			return
		}
	}
}

// String describes the config without its token.
func (c Config) String() string {
	return fmt.Sprintf("feed{recent=%d buffer=%d ping=%s origins=%v token=<secret>}", c.Recent, c.ClientBuffer, c.PingInterval, c.AllowedOrigins)
}
