package feed

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"yuqing/analyze"
	"yuqing/internal/mention"
)

func item(id string, off int64) Item {
	return Item{Offset: off, Analyzed: analyze.Analyzed{Mention: mention.Mention{ID: id, Platform: "weibo", Text: "文本"}, Keywords: []string{"关键词"}}}
}

func newServer(t *testing.T, cfg Config) (*Hub, *httptest.Server) {
	cfg.Token = "view"
	h := NewHub(cfg, slog.New(slog.DiscardHandler))
	srv := httptest.NewServer(h)
	t.Cleanup(func() { h.Close(); srv.Close() })
	return h, srv
}

func dial(t *testing.T, srv *httptest.Server, token, origin string) (*websocket.Conn, *http.Response, error) {
	t.Helper()
	u := "ws" + strings.TrimPrefix(srv.URL, "http") + "/api/v1/feed?token=" + token
	hdr := http.Header{}
	if origin != "" {
		hdr.Set("Origin", origin)
	}
	d := websocket.Dialer{HandshakeTimeout: 5 * time.Second}
	return d.Dial(u, hdr)
}

func read(t *testing.T, c *websocket.Conn) Message {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	var m Message
	if err := c.ReadJSON(&m); err != nil {
		t.Fatalf("reading feed: %v", err)
	}
	return m
}

func TestSnapshotThenLive(t *testing.T) {
	h, srv := newServer(t, Config{Recent: 2})
	h.Publish(item("weibo:1", 0))
	h.Publish(item("weibo:2", 1))
	h.Publish(item("weibo:3", 2)) // pushes weibo:1 out of the snapshot
	c, _, err := dial(t, srv, "view", "")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	snap := read(t, c)
	if snap.Type != "snapshot" || len(snap.Items) != 2 || snap.Items[0].Analyzed.Mention.ID != "weibo:2" {
		t.Fatalf("snapshot %+v", snap)
	}
	h.Publish(item("weibo:3", 2)) // a redelivered duplicate: dropped
	h.Publish(item("weibo:4", 3))
	live := read(t, c)
	if live.Type != "mention" || live.Item.Analyzed.Mention.ID != "weibo:4" || live.Item.Offset != 3 {
		t.Fatalf("live %+v", live)
	}
}

func TestRefusesWrongTokenAndForeignOrigin(t *testing.T) {
	_, srv := newServer(t, Config{AllowedOrigins: []string{"https://console.example.gov.cn"}})
	if _, resp, err := dial(t, srv, "nope", ""); err == nil || resp == nil || resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("wrong token: err %v resp %v", err, resp)
	}
	if _, resp, err := dial(t, srv, "view", "https://evil.example.com"); err == nil || resp == nil || resp.StatusCode != http.StatusForbidden {
		t.Fatalf("foreign origin: err %v resp %v", err, resp)
	}
	c, _, err := dial(t, srv, "view", "https://console.example.gov.cn")
	if err != nil {
		t.Fatalf("allowed origin refused: %v", err)
	}
	c.Close()
	c, _, err = dial(t, srv, "view", srv.URL) // the server's own origin
	if err != nil {
		t.Fatalf("own origin refused: %v", err)
	}
	c.Close()
}

func TestSlowClientIsDroppedOthersKeepUp(t *testing.T) {
	h := NewHub(Config{ClientBuffer: 2}, slog.New(slog.DiscardHandler))
	slow, _ := h.subscribe()
	fast, _ := h.subscribe()
	for i := 0; i < 5; i++ {
		h.Publish(item("weibo:"+string(rune('a'+i)), int64(i)))
		select { // the fast client reads as it goes
		case msg := <-fast.send:
			var m Message
			json.Unmarshal(msg, &m)
			if m.Item.Offset != int64(i) {
				t.Fatalf("fast client got offset %d, want %d", m.Item.Offset, i)
			}
		default:
			t.Fatalf("fast client missed item %d", i)
		}
	}
	select {
	case <-slow.gone:
	default:
		t.Fatal("slow client was not dropped")
	}
	if h.Clients() != 1 {
		t.Fatalf("%d clients, want 1", h.Clients())
	}
}

func TestCloseDisconnectsClients(t *testing.T) {
	h, srv := newServer(t, Config{})
	c, _, err := dial(t, srv, "view", "")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	read(t, c) // snapshot
	h.Close()
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, _, err = c.ReadMessage()
	if !websocket.IsCloseError(err, websocket.CloseGoingAway) {
		t.Fatalf("after Close read %v, want going-away close", err)
	}
}
