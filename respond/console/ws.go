package console

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gorilla/websocket"
)

// Server upgrades GET requests to the console websocket.
type Server struct {
	Hub *Hub
	// Authorize says who may connect (a signed-in user with a console
	// role); an error refuses the upgrade with 401, or 403 when it wraps
	// ErrForbidden.
	Authorize      func(r *http.Request) (who string, err error)
	AllowedOrigins []string // besides the server's own origin
	PingInterval   time.Duration
	Logger         *slog.Logger
}

// ErrForbidden marks an authorization error that is about the role.
var ErrForbidden = forbidden{}

type forbidden struct{}

func (forbidden) Error() string { return "权限不足" }

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	logger := s.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	who, err := s.Authorize(r)
	if err != nil {
		status := http.StatusUnauthorized
		if err == ErrForbidden {
			status = http.StatusForbidden
		}
		http.Error(w, err.Error(), status)
		return
	}
	from, err := ParseCursor(r.URL.Query().Get("cursor"))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	up := websocket.Upgrader{CheckOrigin: func(r *http.Request) bool { return s.originOK(r, logger) }, WriteBufferSize: 8192}
	conn, err := up.Upgrade(w, r, nil)
	if err != nil {
		return // the upgrader answered
	}
	c, err := s.Hub.Subscribe(from)
	if err != nil {
		conn.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseTryAgainLater, err.Error()))
		conn.Close()
		return
	}
	defer s.Hub.Unsubscribe(c)
	logger.Debug("console connected", "user", who)
	ping := s.PingInterval
	if ping <= 0 {
		ping = 30 * time.Second
	}
	go readLoop(conn, c, ping)
	writeLoop(conn, c, ping)
}

func (s *Server) originOK(r *http.Request, logger *slog.Logger) bool {
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
	for _, o := range s.AllowedOrigins {
		if strings.EqualFold(strings.TrimRight(o, "/"), origin) {
			return true
		}
	}
	logger.Warn("refused a console websocket from a foreign origin", "origin", origin)
	return false
}

// readLoop answers pings and notices the close; the client sends nothing
// the server acts on.
func readLoop(conn *websocket.Conn, c *Client, ping time.Duration) {
	conn.SetReadLimit(4096)
	conn.SetReadDeadline(time.Now().Add(2 * ping))
	conn.SetPongHandler(func(string) error { return conn.SetReadDeadline(time.Now().Add(2 * ping)) })
	for {
		if _, _, err := conn.ReadMessage(); err != nil {
			c.drop("client went away")
			return
		}
	}
}

func writeLoop(conn *websocket.Conn, c *Client, ping time.Duration) {
	defer conn.Close()
	t := time.NewTicker(ping)
	defer t.Stop()
	write := func(typ int, b []byte) error {
		conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
		return conn.WriteMessage(typ, b)
	}
	for {
		select {
		case msg := <-c.C:
			if err := write(websocket.TextMessage, msg); err != nil {
				return
			}
		case <-t.C:
			if err := write(websocket.PingMessage, nil); err != nil {
				return
			}
		case <-c.Gone:
			// Flush what was queued before the drop only when the client
			// closed normally; a slow or shut-down client is told why.
			code := websocket.CloseTryAgainLater
			if strings.Contains(c.Why, "shutting down") {
				code = websocket.CloseGoingAway
			}
			write(websocket.CloseMessage, websocket.FormatCloseMessage(code, c.Why))
			return
		}
	}
}

// decode is a helper for tests and tools reading the protocol.
func decode(b []byte) (Message, error) {
	var m Message
	err := json.Unmarshal(b, &m)
	return m, err
}
