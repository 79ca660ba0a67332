// Package auth is who may use the console and the REST API: accounts with
// roles, cookie sessions with CSRF protection, API tokens, login rate
// limiting and an audit trail. Every fact is an event in the log, so a
// restarted process rebuilds the same accounts, live sessions and lockouts.
//
// Secrets never leave the package in clear: passwords exist only in request
// memory (their bcrypt hashes are in user.created.v1 and
// user.password_changed.v1 events), session IDs and API tokens are stored
// as SHA-256 digests, and nothing secret is logged.
package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"

	"yuqing/internal/event"
	"yuqing/internal/eventlog"
)

// Config tunes the package. The zero value is the documented defaults.
type Config struct {
	BcryptCost   int           // default 12; at least 10
	SessionTTL   time.Duration // absolute session lifetime, default 12 h
	IdleTimeout  time.Duration // session ends after this long unused, default 30 min
	TouchEvery   time.Duration // how often use of a session is written to the log (session.touched.v1), default 5 min; below IdleTimeout
	SecureCookie bool          // mark the cookie Secure even on plain HTTP (TLS terminated by a proxy)
	CookieName   string        // default "yuqing_session"
	LoginPath    string        // where pages without a session are sent, default "/login"
	APIPrefix    string        // paths answered with JSON errors instead of redirects, default "/api/"

	UserFailures  int           // failed logins per username within FailureWindow before a lock, default 5
	IPFailures    int           // failed logins per client IP within FailureWindow before a lock, default 20
	FailureWindow time.Duration // default 15 min
	Lockout       time.Duration // default 15 min

	// ClientIP extracts the client address used for rate limiting and the
	// audit trail. Default: the host of r.RemoteAddr. Behind a reverse proxy
	// supply one that trusts only that proxy's X-Forwarded-For.
	ClientIP func(r *http.Request) string
}

func (c Config) withDefaults() Config {
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	def(&c.SessionTTL, 12*time.Hour)
	def(&c.IdleTimeout, 30*time.Minute)
	def(&c.TouchEvery, 5*time.Minute)
	def(&c.FailureWindow, 15*time.Minute)
	def(&c.Lockout, 15*time.Minute)
	if c.BcryptCost == 0 {
		c.BcryptCost = DefaultBcryptCost
	}
	if c.CookieName == "" {
		c.CookieName = "yuqing_session"
	}
	if c.LoginPath == "" {
		c.LoginPath = "/login"
	}
	if c.APIPrefix == "" {
		c.APIPrefix = "/api/"
	}
	if c.UserFailures == 0 {
		c.UserFailures = 5
	}
	if c.IPFailures == 0 {
		c.IPFailures = 20
	}
	if c.ClientIP == nil {
		c.ClientIP = remoteHost
	}
	return c
}

// Validate reports a config that cannot work (after defaults).
func (c Config) Validate() error {
	c = c.withDefaults()
	switch {
	case c.SessionTTL < 0 || c.IdleTimeout < 0 || c.TouchEvery < 0 || c.FailureWindow < 0 || c.Lockout < 0:
		return errors.New("auth: durations must not be negative")
	case c.IdleTimeout > c.SessionTTL:
		return errors.New("auth: idle timeout must not exceed the session lifetime")
	case c.TouchEvery >= c.IdleTimeout:
		return errors.New("auth: touch interval must be below the idle timeout")
	case c.UserFailures < 1 || c.IPFailures < 1:
		return errors.New("auth: failure limits must be positive")
	case c.BcryptCost < MinBcryptCost:
		return fmt.Errorf("auth: bcrypt cost must be at least %d", MinBcryptCost)
	}
	return nil
}

func remoteHost(r *http.Request) string {
	if h, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return h
	}
	return r.RemoteAddr
}

// Session-topic payloads. A session is named by the hex SHA-256 of its ID
// (the cookie value), never by the ID itself.
type sessionStarted struct {
	Session   string    `json:"session"`
	Username  string    `json:"username"`
	ExpiresAt time.Time `json:"expires_at"`
	IP        string    `json:"ip,omitempty"`
	UserAgent string    `json:"user_agent,omitempty"`
}

type sessionTouched struct {
	Session  string `json:"session"`
	Username string `json:"username"`
}

type sessionEnded struct {
	Session  string `json:"session"`
	Username string `json:"username"`
	Reason   string `json:"reason"` // logout, expired, idle, user_disabled, password_changed, replaced
}

// loginFailed never holds the password, and holds the typed username only
// when such an account exists (people type passwords into the username
// box); UserKey is a digest of the normalised name for rate limiting.
type loginFailed struct {
	UserKey  string `json:"user_key"`
	Username string `json:"username,omitempty"`
	IP       string `json:"ip,omitempty"`
	Reason   string `json:"reason"` // bad_credentials, disabled
}

type auditRecorded struct {
	Action  string `json:"action"`
	Details any    `json:"details,omitempty"`
	IP      string `json:"ip,omitempty"`
}

type session struct {
	key       string
	username  string
	expires   time.Time
	lastSeen  time.Time
	lastSaved time.Time // time of the last started/touched event
}

// Auth holds accounts, sessions and login limits. Safe for concurrent use.
type Auth struct {
	cfg    Config
	log    eventlog.Log
	now    func() time.Time
	logger *slog.Logger
	dir    *Directory
	users  *limiter // keyed by userKey
	ips    *limiter

	mu       sync.Mutex
	sessions map[string]*session // by session key (hex SHA-256 of the ID)
}

// New rebuilds accounts, live sessions and login limits from the log.
func New(ctx context.Context, cfg Config, log eventlog.Log, now func() time.Time, logger *slog.Logger) (*Auth, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	dir, err := NewDirectory(log, now, cfg.BcryptCost, logger)
	if err != nil {
		return nil, err
	}
	if err := dir.Load(ctx); err != nil {
		return nil, err
	}
	a := &Auth{
		cfg: cfg, log: log, now: now, logger: logger, dir: dir,
		users:    newLimiter(cfg.UserFailures, cfg.FailureWindow, cfg.Lockout),
		ips:      newLimiter(cfg.IPFailures, cfg.FailureWindow, cfg.Lockout),
		sessions: map[string]*session{},
	}
	if err := a.rebuild(ctx); err != nil {
		return nil, err
	}
	dir.onDisabled = func(ctx context.Context, u string) { a.endUserSessions(ctx, u, "user_disabled") }
	dir.onPasswordChanged = func(ctx context.Context, u string) { a.endUserSessions(ctx, u, "password_changed") }
	dir.onUnlocked = func(u string) { a.users.resetPrefix(userKey(u) + "|") }
	return a, nil
}

// Directory returns the accounts (create users, change roles, tokens).
func (a *Auth) Directory() *Directory { return a.dir }

// rebuild replays the sessions topic: sessions still valid now, and the
// failures that still count towards a lock.
func (a *Auth) rebuild(ctx context.Context) error {
	err := a.log.Replay(ctx, TopicSessions, func(_ context.Context, batch []eventlog.Record) error {
		for _, r := range batch {
			e := r.Event
			switch e.Type {
			case SessionStarted:
				var p sessionStarted
				if err := e.Decode(&p); err != nil {
					return err
				}
				a.sessions[p.Session] = &session{key: p.Session, username: p.Username, expires: p.ExpiresAt, lastSeen: e.Time, lastSaved: e.Time}
				a.users.reset(limitKey(userKey(p.Username), p.IP))
			case SessionTouched:
				var p sessionTouched
				if err := e.Decode(&p); err != nil {
					return err
				}
				if s := a.sessions[p.Session]; s != nil && e.Time.After(s.lastSeen) {
					s.lastSeen, s.lastSaved = e.Time, e.Time
				}
			case SessionEnded:
				var p sessionEnded
				if err := e.Decode(&p); err != nil {
					return err
				}
				delete(a.sessions, p.Session)
			case LoginFailed:
				var p loginFailed
				if err := e.Decode(&p); err != nil {
					return err
				}
				if p.Reason == "bad_credentials" && e.Time.After(a.dir.unlockedAt(p.UserKey)) {
					a.users.fail(limitKey(p.UserKey, p.IP), e.Time)
					if p.IP != "" {
						a.ips.fail(p.IP, e.Time)
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("auth: replaying topic %s: %w", TopicSessions, err)
	}
	now := a.now()
	for k, s := range a.sessions {
		if a.expired(s, now) != "" {
			delete(a.sessions, k) // over: nothing to end in the log, it ended by time
			continue
		}
		if u, ok := a.dir.Lookup(s.username); !ok || u.Disabled {
			delete(a.sessions, k)
		}
	}
	return nil
}

// expired says why s is over at now, or "".
func (a *Auth) expired(s *session, now time.Time) string {
	switch {
	case !now.Before(s.expires):
		return "expired"
	case now.Sub(s.lastSeen) >= a.cfg.IdleTimeout:
		return "idle"
	}
	return ""
}

// userKey names a username for rate limiting without storing what was typed.
func userKey(username string) string {
	s := sha256.Sum256([]byte("yuqing login\x00" + NormalizeUsername(username)))
	return hex.EncodeToString(s[:16])
}

// sessionKey is how a session ID is stored: its SHA-256.
func sessionKey(id string) string {
	s := sha256.Sum256([]byte(id))
	return hex.EncodeToString(s[:])
}

// csrfToken is the synchronizer token of a session: a digest of the
// session ID under its own label, so it needs no storage, survives
// restarts, and reveals nothing about the ID.
func csrfToken(id string) string {
	s := sha256.Sum256([]byte("yuqing csrf v1\x00" + id))
	return base64.RawURLEncoding.EncodeToString(s[:])
}

// LockedError is returned by Login while the username or client IP is locked.
type LockedError struct{ Lockout time.Duration }

func (e *LockedError) Error() string {
	return fmt.Sprintf("登录失败次数过多，请 %d 分钟后再试", int(math.Ceil(e.Lockout.Minutes())))
}

// Is makes errors.Is(err, ErrTooManyAttempts) true.
func (e *LockedError) Is(target error) bool { return target == ErrTooManyAttempts }

// Login checks credentials under the rate limits and starts a session. It
// returns the session ID (the cookie value; shown to no one else) and its
// CSRF token. Errors: *LockedError, ErrBadCredentials, ErrUserDisabled, or a
// wrapped log failure.
func (a *Auth) Login(ctx context.Context, username, password, ip, userAgent string) (u User, sessionID, csrf string, err error) {
	now := a.now()
	uk := userKey(username)
	if a.users.locked(limitKey(uk, ip), now) || (ip != "" && a.ips.locked(ip, now)) {
		a.logger.Warn("auth: login refused while locked", "user_key", uk, "ip", ip)
		return User{}, "", "", &LockedError{Lockout: a.cfg.Lockout}
	}
	u, err = a.dir.Authenticate(username, password)
	if err != nil {
		return User{}, "", "", a.failed(ctx, now, username, uk, ip, err)
	}
	a.users.reset(limitKey(uk, ip))

	var raw [32]byte
	_, _ = rand.Read(raw[:]) // crypto/rand.Read never fails (it crashes the program instead)
	id := base64.RawURLEncoding.EncodeToString(raw[:])
	if len(userAgent) > 256 {
		userAgent = userAgent[:256]
	}
	s := &session{key: sessionKey(id), username: u.Username, expires: now.Add(a.cfg.SessionTTL), lastSeen: now, lastSaved: now}
	e, err := event.New(SessionStarted, s.key, u.Actor(), now, now, sessionStarted{
		Session: s.key, Username: u.Username, ExpiresAt: s.expires, IP: ip, UserAgent: userAgent,
	})
	if err != nil {
		return User{}, "", "", fmt.Errorf("auth: building %s: %w", SessionStarted, err)
	}
	if err := a.log.Append(ctx, TopicSessions, e); err != nil {
		return User{}, "", "", fmt.Errorf("auth: recording session start for %s: %w", u.Username, err)
	}
	a.mu.Lock()
	a.sweepLocked(now)
	a.sessions[s.key] = s
	a.mu.Unlock()
	a.logger.Info("auth: login", "username", u.Username, "ip", ip)
	return u, id, csrfToken(id), nil
}

// failed records a failed login and maps it to the error Login returns.
func (a *Auth) failed(ctx context.Context, now time.Time, typed, uk, ip string, authErr error) error {
	p := loginFailed{UserKey: uk, IP: ip, Reason: "bad_credentials"}
	if u, ok := a.dir.Lookup(typed); ok {
		p.Username = u.Username
	}
	if errors.Is(authErr, ErrUserDisabled) {
		p.Reason = "disabled"
	}
	e, err := event.New(LoginFailed, uk, "auth:login", now, now, p)
	if err == nil {
		err = a.log.Append(ctx, TopicSessions, e)
	}
	if err != nil {
		// The attempt failed either way; refuse it, and say the record failed.
		a.logger.Error("auth: recording a failed login", "user_key", uk, "ip", ip, "err", err)
	}
	a.logger.Warn("auth: login failed", "username", p.Username, "user_key", uk, "ip", ip, "reason", p.Reason)
	if p.Reason != "bad_credentials" {
		return authErr
	}
	lockedUser := a.users.fail(limitKey(uk, ip), now)
	lockedIP := ip != "" && a.ips.fail(ip, now)
	if lockedUser || lockedIP {
		until := a.users.until(limitKey(uk, ip), now)
		if t := a.ips.until(ip, now); t.After(until) {
			until = t
		}
		scope := "account_address"
		if lockedIP && !lockedUser {
			scope = "address"
		}
		details := map[string]any{"user_key": uk, "username": p.Username, "ip": ip, "scope": scope, "until": until}
		if err := a.Audit(context.WithoutCancel(ctx), "auth:login", "login_locked", details); err != nil {
			a.logger.Error("auth: recording a login lock", "user_key", uk, "ip", ip, "err", err)
		}
		return &LockedError{Lockout: until.Sub(now)}
	}
	return authErr
}

// limitKey is what the per-account limit counts: an account from one
// address. Strangers elsewhere cannot lock its owner out; behind a proxy
// the address is the client's (Config.ClientIP, --trusted-proxies).
func limitKey(uk, ip string) string { return uk + "|" + ip }

// sweepLocked drops sessions that are over by time. The caller holds a.mu.
func (a *Auth) sweepLocked(now time.Time) {
	for k, s := range a.sessions {
		if a.expired(s, now) != "" {
			delete(a.sessions, k)
		}
	}
}

// Session resolves a session ID to its user at now, ending the session if
// it expired, went idle or its user was disabled. It does not count as use.
func (a *Auth) session(ctx context.Context, id string, now time.Time) (*session, User, bool) {
	key := sessionKey(id)
	a.mu.Lock()
	s, ok := a.sessions[key]
	var snap session
	if ok {
		snap = *s
	}
	a.mu.Unlock()
	if !ok {
		return nil, User{}, false
	}
	if why := a.expired(&snap, now); why != "" {
		_ = a.end(ctx, why, &snap)
		return nil, User{}, false
	}
	u, ok := a.dir.Lookup(snap.username)
	if !ok || u.Disabled {
		_ = a.end(ctx, "user_disabled", &snap)
		return nil, User{}, false
	}
	return &snap, u, true
}

// touch marks a session used at now, writing session.touched.v1 at most
// every TouchEvery so a restart knows roughly when it was last used.
func (a *Auth) touch(ctx context.Context, key string, now time.Time) {
	a.mu.Lock()
	s := a.sessions[key]
	if s == nil {
		a.mu.Unlock()
		return
	}
	if now.After(s.lastSeen) {
		s.lastSeen = now
	}
	save := now.Sub(s.lastSaved) >= a.cfg.TouchEvery
	if save {
		s.lastSaved = now
	}
	username := s.username
	a.mu.Unlock()
	if !save {
		return
	}
	e, err := event.New(SessionTouched, key, "user:"+username, now, now, sessionTouched{Session: key, Username: username})
	if err == nil {
		err = a.log.Append(ctx, TopicSessions, e)
	}
	if err != nil {
		// Only precision after a restart is lost: the session may idle out early.
		a.logger.Warn("auth: recording session use", "username", username, "err", err)
	}
}

// end removes sessions and records why they ended. They are removed even if
// the record fails (the error is returned): a logout must not leave a usable
// session in this process.
func (a *Auth) end(ctx context.Context, reason string, ss ...*session) error {
	if len(ss) == 0 {
		return nil
	}
	now := a.now()
	var events []event.Envelope
	a.mu.Lock()
	for _, s := range ss {
		if _, ok := a.sessions[s.key]; !ok {
			continue // already ended by a concurrent request
		}
		delete(a.sessions, s.key)
		e, err := event.New(SessionEnded, s.key, "user:"+s.username, now, now, sessionEnded{Session: s.key, Username: s.username, Reason: reason})
		if err != nil {
			a.mu.Unlock()
			return fmt.Errorf("auth: building %s: %w", SessionEnded, err)
		}
		events = append(events, e)
	}
	a.mu.Unlock()
	if len(events) == 0 {
		return nil
	}
	if err := a.log.Append(ctx, TopicSessions, events...); err != nil {
		a.logger.Error("auth: recording session end", "reason", reason, "sessions", len(events), "err", err)
		return fmt.Errorf("auth: recording %d session end(s): %w", len(events), err)
	}
	return nil
}

// endUserSessions ends every session of username.
func (a *Auth) endUserSessions(ctx context.Context, username, reason string) {
	a.mu.Lock()
	var ss []*session
	for _, s := range a.sessions {
		if s.username == username {
			c := *s
			ss = append(ss, &c)
		}
	}
	a.mu.Unlock()
	if err := a.end(ctx, reason, ss...); err == nil && len(ss) > 0 {
		a.logger.Info("auth: sessions ended", "username", username, "reason", reason, "count", len(ss))
	}
}

// Logout ends the session with this ID. Ending an unknown or ended session
// is not an error.
func (a *Auth) Logout(ctx context.Context, sessionID string) error {
	a.mu.Lock()
	s, ok := a.sessions[sessionKey(sessionID)]
	var snap session
	if ok {
		snap = *s
	}
	a.mu.Unlock()
	if !ok {
		return nil
	}
	return a.end(ctx, "logout", &snap)
}

// Sessions counts live sessions of username (for the console's user list).
func (a *Auth) Sessions(username string) int {
	now := a.now()
	a.mu.Lock()
	defer a.mu.Unlock()
	n := 0
	for _, s := range a.sessions {
		if s.username == username && a.expired(s, now) == "" {
			n++
		}
	}
	return n
}

// Audit appends audit.recorded.v1 to the audit topic: actor did action.
// details is stored as JSON and must hold nothing secret. The client IP is
// added when ctx came through Require or the login handler.
func (a *Auth) Audit(ctx context.Context, actor, action string, details any) error {
	if actor == "" || action == "" {
		return errors.New("auth: audit needs an actor and an action")
	}
	now := a.now()
	p := auditRecorded{Action: action, Details: details}
	if info, ok := ctx.Value(requestKey{}).(*requestInfo); ok {
		p.IP = info.ip
	}
	e, err := event.New(AuditRecorded, actor, actor, now, now, p)
	if err != nil {
		return fmt.Errorf("auth: building audit record %s: %w", action, err)
	}
	if err := a.log.Append(ctx, TopicAudit, e); err != nil {
		return fmt.Errorf("auth: appending audit record %s by %s: %w", action, actor, err)
	}
	return nil
}

// ClientIPBehind returns a Config.ClientIP for a server behind reverse
// proxies: a request from one of trusted (a proxy) is from the rightmost
// address of its X-Forwarded-For that is not itself a trusted proxy; any
// other request is from its peer, whatever headers it sends (a client
// cannot choose its address to dodge the limits or to lock out another's).
func ClientIPBehind(trusted []netip.Prefix) func(r *http.Request) string {
	isTrusted := func(a netip.Addr) bool {
		for _, p := range trusted {
			if p.Contains(a.Unmap()) {
				return true
			}
		}
		return false
	}
	return func(r *http.Request) string {
		peer := remoteHost(r)
		a, err := netip.ParseAddr(peer)
		if err != nil || !isTrusted(a) {
			return peer
		}
		hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
		for i := len(hops) - 1; i >= 0; i-- {
			h, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
			if err != nil {
				return peer // a hop that is not an address: trust nothing before it
			}
			if !isTrusted(h) {
				return h.Unmap().String()
			}
		}
		return peer
	}
}
