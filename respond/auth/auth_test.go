package auth

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"yuqing/internal/event"
	"yuqing/internal/eventlog"
	"yuqing/internal/eventlog/sqlitelog"
	"yuqing/internal/httpjson"
)

const (
	adminPass = "correct horse battery"
	alicePass = "值班员的密码一二三四五六"
	bobPass   = "spokesperson-2024!"
)

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// syncBuffer is a slog sink safe for concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

type env struct {
	t      *testing.T
	log    eventlog.Log
	clock  *fakeClock
	cfg    Config
	logs   *syncBuffer
	a      *Auth
	h      http.Handler
	remote string
}

func newEnv(t *testing.T, cfg Config) *env {
	t.Helper()
	l, err := sqlitelog.Open(context.Background(), sqlitelog.Config{Path: filepath.Join(t.TempDir(), "log.db")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	if cfg.BcryptCost == 0 {
		cfg.BcryptCost = MinBcryptCost
	}
	e := &env{t: t, log: l, clock: &fakeClock{t: time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)}, cfg: cfg, logs: &syncBuffer{}, remote: "192.0.2.1:5555"}
	// The fixture accounts go straight into the log with hashes made once
	// per test binary (and cost): bcrypt under -race is slow.
	hashes := fixtureHashes(hashCost(cfg.BcryptCost))
	now := e.clock.Now()
	for _, u := range []userCreated{
		{Username: "admin", DisplayName: "管理员", Roles: []string{RoleAdmin}, PasswordHash: hashes[adminPass], CreatedBy: "cli:root"},
		{Username: "alice", DisplayName: "王值班", Roles: []string{RoleDutyOfficer}, PasswordHash: hashes[alicePass], CreatedBy: "user:admin"},
		{Username: "bob", DisplayName: "李发言", Roles: []string{RoleSpokesperson}, PasswordHash: hashes[bobPass], CreatedBy: "user:admin"},
	} {
		ev, err := event.New(UserCreated, u.Username, u.CreatedBy, now, now, u)
		if err != nil {
			t.Fatal(err)
		}
		if err := l.Append(context.Background(), TopicUsers, ev); err != nil {
			t.Fatal(err)
		}
	}
	e.restart()
	return e
}

var (
	fixtureMu     sync.Mutex
	fixtureByCost = map[int]map[string]string{}
)

// fixtureHashes hashes the fixture passwords at cost, as the directory
// would (hashCost), once per test binary and cost.
func fixtureHashes(cost int) map[string]string {
	fixtureMu.Lock()
	defer fixtureMu.Unlock()
	if out, ok := fixtureByCost[cost]; ok {
		return out
	}
	out := map[string]string{}
	for _, p := range []string{adminPass, alicePass, bobPass} {
		h, err := bcrypt.GenerateFromPassword([]byte(p), cost)
		if err != nil {
			panic(err)
		}
		out[p] = string(h)
	}
	fixtureByCost[cost] = out
	return out
}

// restart builds a new Auth on the same log, as a restarted process would.
func (e *env) restart() {
	e.t.Helper()
	logger := slog.New(slog.NewJSONHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	a, err := New(context.Background(), e.cfg, e.log, e.clock.Now, logger)
	if err != nil {
		e.t.Fatal(err)
	}
	mux := http.NewServeMux()
	a.Register(mux)
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, _ := UserFrom(r.Context())
		_ = a.Audit(r.Context(), u.Actor(), "test.action", map[string]string{"path": r.URL.Path})
		httpjson.Write(w, http.StatusOK, map[string]string{"user": u.Username})
	})
	mux.Handle("POST /api/v1/reports", a.Require(RoleDutyOfficer, RoleSpokesperson)(ok))
	mux.Handle("GET /api/v1/reports", a.Require(RoleDutyOfficer, RoleSpokesperson)(ok))
	mux.Handle("DELETE /api/v1/reports", a.Require(RoleDutyOfficer, RoleSpokesperson)(ok))
	mux.Handle("POST /api/v1/users", a.Require(RoleAdmin)(ok))
	mux.Handle("GET /console", a.Require()(ok))
	mux.Handle("POST /console/form", a.Require()(ok))
	e.a, e.h = a, mux
}

type req struct {
	method, path string
	body         string
	contentType  string
	cookie       string
	csrf         string
	bearer       string
	remote       string
}

func (e *env) do(r req) *httptest.ResponseRecorder {
	e.t.Helper()
	hr := httptest.NewRequest(r.method, r.path, strings.NewReader(r.body))
	hr.RemoteAddr = e.remote
	if r.remote != "" {
		hr.RemoteAddr = r.remote
	}
	if r.contentType != "" {
		hr.Header.Set("Content-Type", r.contentType)
	}
	if r.cookie != "" {
		hr.AddCookie(&http.Cookie{Name: "yuqing_session", Value: r.cookie})
	}
	if r.csrf != "" {
		hr.Header.Set("X-CSRF-Token", r.csrf)
	}
	if r.bearer != "" {
		hr.Header.Set("Authorization", "Bearer "+r.bearer)
	}
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, hr)
	return w
}

func (e *env) loginReq(username, password, remote string) *httptest.ResponseRecorder {
	body, _ := json.Marshal(loginRequest{Username: username, Password: password})
	return e.do(req{method: "POST", path: "/api/v1/login", body: string(body), contentType: "application/json", remote: remote})
}

// login logs in and returns the session cookie value and CSRF token.
func (e *env) login(username, password string) (cookie, csrf string) {
	e.t.Helper()
	w := e.loginReq(username, password, "")
	if w.Code != http.StatusOK {
		e.t.Fatalf("login %s: %d %s", username, w.Code, w.Body)
	}
	var resp loginResponse
	if err := json.Unmarshal(w.Body.Bytes(), &resp); err != nil {
		e.t.Fatal(err)
	}
	for _, c := range w.Result().Cookies() {
		if c.Name == "yuqing_session" {
			cookie = c.Value
		}
	}
	if cookie == "" || resp.CSRFToken == "" {
		e.t.Fatalf("login %s: no cookie or csrf token", username)
	}
	return cookie, resp.CSRFToken
}

func (e *env) events(topic string) []event.Envelope {
	e.t.Helper()
	var out []event.Envelope
	err := e.log.Replay(context.Background(), topic, func(_ context.Context, batch []eventlog.Record) error {
		for _, r := range batch {
			out = append(out, r.Event)
		}
		return nil
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return out
}

func errorOf(t *testing.T, w *httptest.ResponseRecorder) string {
	t.Helper()
	var b errorBody
	if err := json.Unmarshal(w.Body.Bytes(), &b); err != nil {
		t.Fatalf("body %q is not a JSON error: %v", w.Body, err)
	}
	return b.Error
}

func TestLoginSetsSecureCookieAndMe(t *testing.T) {
	e := newEnv(t, Config{})
	w := e.loginReq("alice", alicePass, "")
	if w.Code != http.StatusOK {
		t.Fatalf("login: %d %s", w.Code, w.Body)
	}
	if strings.Contains(w.Body.String(), "password") || strings.Contains(w.Body.String(), "$2a$") {
		t.Fatalf("login response leaks password data: %s", w.Body)
	}
	cs := w.Result().Cookies()
	if len(cs) != 1 {
		t.Fatalf("cookies: %v", cs)
	}
	c := cs[0]
	if !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Path != "/" || c.MaxAge != 0 || c.Secure {
		t.Fatalf("cookie flags on plain HTTP: %+v", c)
	}
	if len(c.Value) != 43 { // 32 random bytes, base64url
		t.Fatalf("session id length %d", len(c.Value))
	}
	var resp loginResponse
	_ = json.Unmarshal(w.Body.Bytes(), &resp)
	if resp.User.Username != "alice" || resp.User.DisplayName != "王值班" {
		t.Fatalf("user: %+v", resp.User)
	}
	me := e.do(req{method: "GET", path: "/api/v1/me", cookie: c.Value})
	if me.Code != http.StatusOK || !strings.Contains(me.Body.String(), resp.CSRFToken) {
		t.Fatalf("me: %d %s", me.Code, me.Body)
	}

	e.cfg.SecureCookie = true
	e.restart()
	w = e.loginReq("alice", alicePass, "")
	if c := w.Result().Cookies()[0]; !c.Secure {
		t.Fatalf("cookie not Secure with SecureCookie: %+v", c)
	}
}

func TestLoginWrongPassword(t *testing.T) {
	e := newEnv(t, Config{})
	w := e.loginReq("alice", alicePass+"x", "")
	if w.Code != http.StatusUnauthorized || errorOf(t, w) != "用户名或密码错误" {
		t.Fatalf("wrong password: %d %s", w.Code, w.Body)
	}
	if len(w.Result().Cookies()) != 0 {
		t.Fatal("a failed login set a cookie")
	}
	fails := e.events(TopicSessions)
	if len(fails) != 1 || fails[0].Type != LoginFailed {
		t.Fatalf("events: %+v", fails)
	}
	var p loginFailed
	_ = fails[0].Decode(&p)
	if p.Username != "alice" || p.Reason != "bad_credentials" || p.IP != "192.0.2.1" {
		t.Fatalf("login.failed payload: %+v", p)
	}
}

func TestLoginUnknownUser(t *testing.T) {
	e := newEnv(t, Config{})
	w := e.loginReq("mallory", alicePass, "")
	if w.Code != http.StatusUnauthorized || errorOf(t, w) != "用户名或密码错误" {
		t.Fatalf("unknown user: %d %s", w.Code, w.Body)
	}
	// Someone typed a password into the username box: it must not be stored.
	e.loginReq("MySecretPass99", "x", "")
	for _, ev := range e.events(TopicSessions) {
		if strings.Contains(string(ev.Payload), "mallory") || strings.Contains(strings.ToLower(string(ev.Payload)), "mysecretpass99") {
			t.Fatalf("typed unknown username stored: %s", ev.Payload)
		}
	}
	if s := e.logs.String(); strings.Contains(strings.ToLower(s), "mysecretpass99") {
		t.Fatal("typed unknown username logged")
	}
}

func TestLoginDisabledUser(t *testing.T) {
	e := newEnv(t, Config{})
	cookie, _ := e.login("alice", alicePass)
	if err := e.a.Directory().Disable(context.Background(), "user:admin", "alice"); err != nil {
		t.Fatal(err)
	}
	if w := e.do(req{method: "GET", path: "/api/v1/me", cookie: cookie}); w.Code != http.StatusUnauthorized {
		t.Fatalf("disabled user's session still works: %d", w.Code)
	}
	w := e.loginReq("alice", alicePass, "")
	if w.Code != http.StatusForbidden || errorOf(t, w) != "账号已停用" {
		t.Fatalf("disabled login: %d %s", w.Code, w.Body)
	}
	if w := e.loginReq("alice", "wrong password 123", ""); w.Code != http.StatusUnauthorized {
		t.Fatalf("disabled user, wrong password: %d (must not reveal the account)", w.Code)
	}
	var ended bool
	for _, ev := range e.events(TopicSessions) {
		if ev.Type == SessionEnded && strings.Contains(string(ev.Payload), `"user_disabled"`) {
			ended = true
		}
	}
	if !ended {
		t.Fatal("no session.ended.v1 with reason user_disabled")
	}
	e.restart()
	if w := e.do(req{method: "GET", path: "/api/v1/me", cookie: cookie}); w.Code != http.StatusUnauthorized {
		t.Fatalf("disabled user's session back after restart: %d", w.Code)
	}
}

func TestSessionIdleExpiry(t *testing.T) {
	e := newEnv(t, Config{})
	cookie, _ := e.login("alice", alicePass)
	e.clock.Advance(29 * time.Minute)
	if w := e.do(req{method: "GET", path: "/api/v1/me", cookie: cookie}); w.Code != http.StatusOK {
		t.Fatalf("after 29 min idle: %d", w.Code)
	}
	e.clock.Advance(29 * time.Minute) // the request above reset the idle clock
	if w := e.do(req{method: "GET", path: "/api/v1/me", cookie: cookie}); w.Code != http.StatusOK {
		t.Fatalf("29 min after last use: %d", w.Code)
	}
	e.clock.Advance(30 * time.Minute)
	w := e.do(req{method: "GET", path: "/api/v1/me", cookie: cookie})
	if w.Code != http.StatusUnauthorized || errorOf(t, w) != "请先登录" {
		t.Fatalf("after 30 min idle: %d %s", w.Code, w.Body)
	}
	if c := w.Result().Cookies(); len(c) != 1 || c[0].MaxAge >= 0 {
		t.Fatalf("stale cookie not cleared: %v", c)
	}
}

func TestSessionAbsoluteExpiry(t *testing.T) {
	e := newEnv(t, Config{})
	cookie, _ := e.login("alice", alicePass)
	for i := 0; i < 12*3-1; i++ { // busy all day: a request every 20 min
		e.clock.Advance(20 * time.Minute)
		if w := e.do(req{method: "GET", path: "/api/v1/me", cookie: cookie}); w.Code != http.StatusOK {
			t.Fatalf("after %v: %d", time.Duration(i+1)*20*time.Minute, w.Code)
		}
	}
	e.clock.Advance(20 * time.Minute) // 12 h since login
	if w := e.do(req{method: "GET", path: "/api/v1/me", cookie: cookie}); w.Code != http.StatusUnauthorized {
		t.Fatalf("after 12 h: %d", w.Code)
	}
}

func TestLogoutThenReuseRefused(t *testing.T) {
	e := newEnv(t, Config{})
	cookie, csrf := e.login("alice", alicePass)
	if w := e.do(req{method: "POST", path: "/api/v1/logout", cookie: cookie}); w.Code != http.StatusForbidden {
		t.Fatalf("logout without csrf: %d", w.Code)
	}
	w := e.do(req{method: "POST", path: "/api/v1/logout", cookie: cookie, csrf: csrf})
	if w.Code != http.StatusOK {
		t.Fatalf("logout: %d %s", w.Code, w.Body)
	}
	if c := w.Result().Cookies(); len(c) != 1 || c[0].MaxAge >= 0 {
		t.Fatalf("logout did not clear the cookie: %v", c)
	}
	if w := e.do(req{method: "GET", path: "/api/v1/me", cookie: cookie}); w.Code != http.StatusUnauthorized {
		t.Fatalf("cookie reused after logout: %d", w.Code)
	}
	e.restart()
	if w := e.do(req{method: "GET", path: "/api/v1/me", cookie: cookie}); w.Code != http.StatusUnauthorized {
		t.Fatalf("cookie reused after logout and restart: %d", w.Code)
	}
	var actions []string
	for _, ev := range e.events(TopicAudit) {
		var p auditRecorded
		_ = ev.Decode(&p)
		actions = append(actions, ev.Actor+" "+p.Action)
	}
	if strings.Join(actions, ",") != "user:alice login,user:alice logout" {
		t.Fatalf("audit: %v", actions)
	}
}

func TestRestartKeepsLiveSession(t *testing.T) {
	e := newEnv(t, Config{})
	cookie, csrf := e.login("alice", alicePass)
	other, _ := e.login("bob", bobPass)
	e.clock.Advance(10 * time.Minute)
	if w := e.do(req{method: "GET", path: "/api/v1/me", cookie: cookie}); w.Code != http.StatusOK {
		t.Fatal(w.Code) // writes session.touched.v1 (10 min ≥ 5 min)
	}
	e.clock.Advance(25 * time.Minute) // 35 min since login, 25 since last use; bob idle 35 min
	e.restart()
	if w := e.do(req{method: "POST", path: "/api/v1/reports", cookie: cookie, csrf: csrf}); w.Code != http.StatusOK {
		t.Fatalf("live session after restart: %d %s", w.Code, w.Body)
	}
	if w := e.do(req{method: "GET", path: "/api/v1/me", cookie: other}); w.Code != http.StatusUnauthorized {
		t.Fatalf("idle session revived by restart: %d", w.Code)
	}
	if n := e.a.Sessions("alice"); n != 1 {
		t.Fatalf("alice sessions: %d", n)
	}
}

func TestCSRF(t *testing.T) {
	e := newEnv(t, Config{})
	cookie, csrf := e.login("alice", alicePass)
	_, bobCSRF := e.login("bob", bobPass)
	wrong := []byte(csrf)
	wrong[len(wrong)-1] ^= 1 // certainly different
	for name, r := range map[string]req{
		"missing":       {method: "POST", path: "/api/v1/reports", cookie: cookie},
		"wrong":         {method: "POST", path: "/api/v1/reports", cookie: cookie, csrf: string(wrong)},
		"other session": {method: "POST", path: "/api/v1/reports", cookie: cookie, csrf: bobCSRF},
		"delete":        {method: "DELETE", path: "/api/v1/reports", cookie: cookie},
		"form missing":  {method: "POST", path: "/console/form", cookie: cookie, body: "a=1", contentType: "application/x-www-form-urlencoded"},
		"form wrong":    {method: "POST", path: "/console/form", cookie: cookie, body: "csrf_token=nope", contentType: "application/x-www-form-urlencoded"},
	} {
		w := e.do(r)
		if w.Code != http.StatusForbidden {
			t.Errorf("%s: %d, want 403", name, w.Code)
		}
	}
	if w := e.do(req{method: "POST", path: "/api/v1/reports", cookie: cookie, csrf: csrf}); w.Code != http.StatusOK {
		t.Fatalf("right header: %d", w.Code)
	}
	form := url.Values{"csrf_token": {csrf}}.Encode()
	if w := e.do(req{method: "POST", path: "/console/form", cookie: cookie, body: form, contentType: "application/x-www-form-urlencoded"}); w.Code != http.StatusOK {
		t.Fatalf("right form field: %d", w.Code)
	}
	if w := e.do(req{method: "GET", path: "/api/v1/reports", cookie: cookie}); w.Code != http.StatusOK {
		t.Fatalf("GET needs no csrf: %d", w.Code)
	}
}

func TestBearerToken(t *testing.T) {
	e := newEnv(t, Config{})
	ctx := context.Background()
	tok, info, err := e.a.Directory().CreateToken(ctx, "user:admin", "bob", "对接脚本")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(tok, "yqt_") || info.Username != "bob" {
		t.Fatalf("token %q info %+v", tok[:4], info)
	}
	if w := e.do(req{method: "POST", path: "/api/v1/reports", bearer: tok}); w.Code != http.StatusOK {
		t.Fatalf("bearer POST without csrf: %d %s", w.Code, w.Body)
	}
	if w := e.do(req{method: "POST", path: "/api/v1/users", bearer: tok}); w.Code != http.StatusForbidden {
		t.Fatalf("bearer with the wrong role: %d", w.Code)
	}
	if w := e.do(req{method: "GET", path: "/api/v1/reports", bearer: tok + "x"}); w.Code != http.StatusUnauthorized {
		t.Fatalf("bad token: %d", w.Code)
	}
	// A valid cookie does not rescue a bad Authorization header.
	cookie, _ := e.login("alice", alicePass)
	if w := e.do(req{method: "GET", path: "/api/v1/reports", bearer: "nope", cookie: cookie}); w.Code != http.StatusUnauthorized {
		t.Fatalf("bad token with cookie: %d", w.Code)
	}
	e.restart()
	if w := e.do(req{method: "GET", path: "/api/v1/me", bearer: tok}); w.Code != http.StatusOK {
		t.Fatalf("token after restart: %d", w.Code)
	}
	if err := e.a.Directory().RevokeToken(ctx, "user:admin", info.ID); err != nil {
		t.Fatal(err)
	}
	if w := e.do(req{method: "GET", path: "/api/v1/me", bearer: tok}); w.Code != http.StatusUnauthorized {
		t.Fatalf("revoked token: %d", w.Code)
	}
	ts := e.a.Directory().Tokens("bob")
	if len(ts) != 1 || !ts[0].Revoked {
		t.Fatalf("tokens: %+v", ts)
	}
	tok2, _, err := e.a.Directory().CreateToken(ctx, "user:admin", "bob", "second")
	if err != nil {
		t.Fatal(err)
	}
	if err := e.a.Directory().Disable(ctx, "user:admin", "bob"); err != nil {
		t.Fatal(err)
	}
	if w := e.do(req{method: "GET", path: "/api/v1/me", bearer: tok2}); w.Code != http.StatusUnauthorized {
		t.Fatalf("disabled user's token: %d", w.Code)
	}
}

func TestRoleRefused(t *testing.T) {
	e := newEnv(t, Config{})
	cookie, csrf := e.login("alice", alicePass)
	w := e.do(req{method: "POST", path: "/api/v1/users", cookie: cookie, csrf: csrf})
	if w.Code != http.StatusForbidden || errorOf(t, w) != "权限不足" {
		t.Fatalf("duty officer on admin route: %d %s", w.Code, w.Body)
	}
	// Roles apply at once, to live sessions too.
	if _, err := e.a.Directory().SetRoles(context.Background(), "user:admin", "alice", []string{RoleDutyOfficer, RoleAdmin}); err != nil {
		t.Fatal(err)
	}
	if w := e.do(req{method: "POST", path: "/api/v1/users", cookie: cookie, csrf: csrf}); w.Code != http.StatusOK {
		t.Fatalf("after role grant: %d", w.Code)
	}
	// admin is not implicitly every role.
	acookie, acsrf := e.login("admin", adminPass)
	if w := e.do(req{method: "POST", path: "/api/v1/reports", cookie: acookie, csrf: acsrf}); w.Code != http.StatusForbidden {
		t.Fatalf("admin on duty route: %d", w.Code)
	}
}

func TestUnauthenticated(t *testing.T) {
	e := newEnv(t, Config{})
	w := e.do(req{method: "GET", path: "/api/v1/reports"})
	if w.Code != http.StatusUnauthorized || errorOf(t, w) != "请先登录" {
		t.Fatalf("api: %d %s", w.Code, w.Body)
	}
	w = e.do(req{method: "GET", path: "/console?tab=1"})
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/login?next=%2Fconsole%3Ftab%3D1" {
		t.Fatalf("page: %d %q", w.Code, w.Header().Get("Location"))
	}
	if w := e.do(req{method: "GET", path: "/api/v1/me", cookie: "forged"}); w.Code != http.StatusUnauthorized {
		t.Fatalf("forged cookie: %d", w.Code)
	}
	w = e.do(req{method: "POST", path: "/api/v1/login", body: "username=alice&password=x", contentType: "application/x-www-form-urlencoded"})
	if w.Code != http.StatusUnsupportedMediaType {
		t.Fatalf("form login (login CSRF): %d", w.Code)
	}
}

func TestRateLimitUserLockoutAndReset(t *testing.T) {
	e := newEnv(t, Config{})
	for i := 0; i < 4; i++ {
		if w := e.loginReq("alice", "wrong password "+string(rune('a'+i)), ""); w.Code != http.StatusUnauthorized {
			t.Fatalf("failure %d: %d", i+1, w.Code)
		}
	}
	// A success resets the count.
	e.login("alice", alicePass)
	for i := 0; i < 4; i++ {
		if w := e.loginReq("alice", "wrong password again", ""); w.Code != http.StatusUnauthorized {
			t.Fatalf("failure %d after reset: %d", i+1, w.Code)
		}
	}
	w := e.loginReq("alice", "wrong password again", "")
	if w.Code != http.StatusTooManyRequests || errorOf(t, w) != "登录失败次数过多，请 15 分钟后再试" {
		t.Fatalf("5th failure: %d %s", w.Code, w.Body)
	}
	if w.Header().Get("Retry-After") != "900" {
		t.Fatalf("Retry-After %q", w.Header().Get("Retry-After"))
	}
	// The lock is this account from this address: from another address
	// its owner still signs in (strangers cannot lock anyone out).
	if w := e.loginReq("alice", alicePass, "198.51.100.7:1"); w.Code != http.StatusOK {
		t.Fatalf("right password from another address: %d", w.Code)
	}
	// Locked here: even the right password, in any case, even after a restart.
	if w := e.loginReq("alice", alicePass, ""); w.Code != http.StatusTooManyRequests {
		t.Fatalf("locked, right password: %d", w.Code)
	}
	if w := e.loginReq("ALICE", alicePass, ""); w.Code != http.StatusTooManyRequests {
		t.Fatalf("locked, other case: %d", w.Code)
	}
	e.restart()
	if w := e.loginReq("alice", alicePass, ""); w.Code != http.StatusTooManyRequests {
		t.Fatalf("locked after restart: %d", w.Code)
	}
	// Other users are not affected.
	e.login("bob", bobPass)
	e.clock.Advance(14 * time.Minute)
	if w := e.loginReq("alice", alicePass, ""); w.Code != http.StatusTooManyRequests {
		t.Fatalf("locked after 14 min: %d", w.Code)
	}
	e.clock.Advance(time.Minute)
	e.login("alice", alicePass)
	for _, ev := range e.events(TopicSessions) {
		if ev.Type == LoginFailed && strings.Contains(string(ev.Payload), "wrong password") {
			t.Fatalf("password in login.failed: %s", ev.Payload)
		}
	}
}

func TestRateLimitPerIP(t *testing.T) {
	e := newEnv(t, Config{IPFailures: 3})
	const attacker = "203.0.113.9:4000"
	for i, u := range []string{"alice", "bob"} {
		if w := e.loginReq(u, "guess guess guess", attacker); w.Code != http.StatusUnauthorized {
			t.Fatalf("failure %d: %d", i+1, w.Code)
		}
	}
	if w := e.loginReq("nobody", "guess guess guess", attacker); w.Code != http.StatusTooManyRequests {
		t.Fatalf("3rd failure from one IP: %d", w.Code)
	}
	if w := e.loginReq("admin", adminPass, attacker); w.Code != http.StatusTooManyRequests {
		t.Fatalf("locked IP, right password: %d", w.Code)
	}
	e.login("admin", adminPass) // another IP
	e.clock.Advance(15 * time.Minute)
	if w := e.loginReq("admin", adminPass, attacker); w.Code != http.StatusOK {
		t.Fatalf("after the lockout: %d", w.Code)
	}
}

func TestSecretsNeverLeak(t *testing.T) {
	configuredCost(t) // the hashes below are checked for the configured cost
	e := newEnv(t, Config{})
	ctx := context.Background()
	d := e.a.Directory()
	cookie, csrf := e.login("alice", alicePass)
	e.do(req{method: "POST", path: "/api/v1/reports", cookie: cookie, csrf: csrf})
	e.clock.Advance(6 * time.Minute)
	e.do(req{method: "GET", path: "/api/v1/me", cookie: cookie})
	e.loginReq("alice", "wrong password here", "")
	e.loginReq("nobody", alicePass, "")
	const newPass = "新的值班员密码已经更换了"
	if err := d.ChangePassword(ctx, "user:admin", "alice", newPass); err != nil {
		t.Fatal(err)
	}
	if w := e.do(req{method: "GET", path: "/api/v1/me", cookie: cookie}); w.Code != http.StatusUnauthorized {
		t.Fatalf("session survived a password change: %d", w.Code)
	}
	cookie2, csrf2 := e.login("alice", newPass)
	e.do(req{method: "POST", path: "/api/v1/logout", cookie: cookie2, csrf: csrf2})
	tok, _, err := d.CreateToken(ctx, "user:admin", "bob", "ci")
	if err != nil {
		t.Fatal(err)
	}
	e.do(req{method: "GET", path: "/api/v1/me", bearer: tok})
	e.restart()

	secrets := map[string]string{
		"admin password": adminPass, "alice password": alicePass, "bob password": bobPass, "new password": newPass,
		"session id": cookie, "second session id": cookie2, "csrf token": csrf, "second csrf token": csrf2, "api token": tok,
	}
	var hashes []string
	for _, topic := range []string{TopicUsers, TopicSessions, TopicAudit} {
		for _, ev := range e.events(topic) {
			raw, _ := json.Marshal(ev)
			for name, s := range secrets {
				if strings.Contains(string(raw), s) {
					t.Errorf("%s in %s event", name, ev.Type)
				}
			}
			hasHash := strings.Contains(string(ev.Payload), `$2a$`)
			allowed := ev.Type == UserCreated || ev.Type == UserPasswordChanged
			if hasHash != allowed {
				t.Errorf("%s event: has bcrypt hash = %v", ev.Type, hasHash)
			}
			if hasHash {
				var p struct {
					PasswordHash string `json:"password_hash"`
				}
				_ = ev.Decode(&p)
				if !strings.HasPrefix(p.PasswordHash, "$2a$10$") {
					t.Errorf("hash cost: %.7s", p.PasswordHash)
				}
				hashes = append(hashes, p.PasswordHash)
			}
		}
	}
	if len(hashes) != 4 {
		t.Fatalf("%d hashes, want 4", len(hashes))
	}
	logs := e.logs.String()
	if !strings.Contains(logs, "auth: login") {
		t.Fatal("logger captured nothing; the check below would prove nothing")
	}
	for name, s := range secrets {
		if strings.Contains(logs, s) {
			t.Errorf("%s in logs", name)
		}
	}
	for _, h := range hashes {
		if strings.Contains(logs, h) || strings.Contains(logs, h[7:29]) {
			t.Error("password hash (or its salt) in logs")
		}
	}
}

func TestFollowSeesOtherProcesses(t *testing.T) {
	e := newEnv(t, Config{})
	cookie, _ := e.login("bob", bobPass)
	disabled := make(chan string, 1)
	prev := e.a.dir.onDisabled
	e.a.dir.onDisabled = func(ctx context.Context, u string) { prev(ctx, u); disabled <- u }
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- e.a.Directory().Follow(ctx) }()

	// Another process: the CLI.
	if _, err := CreateUser(ctx, e.log, "carol", "赵领导", "leader password 1", []string{RoleLeader}, "cli:root"); err != nil {
		t.Fatal(err)
	}
	other, err := NewDirectory(e.log, e.clock.Now, MinBcryptCost, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := other.Load(ctx); err != nil {
		t.Fatal(err)
	}
	if err := other.Disable(ctx, "cli:root", "bob"); err != nil {
		t.Fatal(err)
	}
	select {
	case u := <-disabled:
		if u != "bob" {
			t.Fatalf("disabled %q", u)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Follow did not apply user.disabled.v1")
	}
	if n := e.a.Sessions("bob"); n != 0 {
		t.Fatalf("bob still has %d sessions", n)
	}
	if w := e.do(req{method: "GET", path: "/api/v1/me", cookie: cookie}); w.Code != http.StatusUnauthorized {
		t.Fatalf("bob's session: %d", w.Code)
	}
	if u, ok := e.a.Directory().Lookup("carol"); !ok || !u.HasRole(RoleLeader) {
		t.Fatalf("CLI-created user not seen: %+v", u)
	}
	e.login("carol", "leader password 1")
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Follow: %v", err)
	}
}

func TestDirectoryRules(t *testing.T) {
	e := newEnv(t, Config{})
	ctx := context.Background()
	d := e.a.Directory()
	if _, err := d.Create(ctx, "user:admin", "alice", "", "another password 1", []string{RoleLeader}); !errors.Is(err, ErrUserExists) {
		t.Errorf("duplicate: %v", err)
	}
	if _, err := d.Create(ctx, "user:admin", "x y", "", "another password 1", []string{RoleLeader}); !errors.Is(err, ErrInvalidUsername) {
		t.Errorf("bad username: %v", err)
	}
	if _, err := d.Create(ctx, "user:admin", "dave", "", "another password 1", []string{"root"}); !errors.Is(err, ErrInvalidRoles) {
		t.Errorf("bad role: %v", err)
	}
	if _, err := d.Create(ctx, "user:admin", "dave", "", "another password 1", nil); !errors.Is(err, ErrInvalidRoles) {
		t.Errorf("no role: %v", err)
	}
	if _, err := d.Create(ctx, "", "dave", "", "another password 1", []string{RoleLeader}); !errors.Is(err, ErrInvalidActor) {
		t.Errorf("no actor: %v", err)
	}
	if err := d.Disable(ctx, "user:admin", "admin"); !errors.Is(err, ErrLastAdmin) {
		t.Errorf("disable last admin: %v", err)
	}
	if _, err := d.SetRoles(ctx, "user:admin", "admin", []string{RoleLeader}); !errors.Is(err, ErrLastAdmin) {
		t.Errorf("demote last admin: %v", err)
	}
	if err := d.ChangePassword(ctx, "user:admin", "alice", "short"); !errors.Is(err, ErrPasswordPolicy) {
		t.Errorf("weak new password: %v", err)
	}
	if err := d.Disable(ctx, "user:admin", "ghost"); !errors.Is(err, ErrUnknownUser) {
		t.Errorf("disable unknown: %v", err)
	}
	u, err := d.SetRoles(ctx, "user:admin", "bob", []string{RoleApprover, RoleSpokesperson, RoleApprover})
	if err != nil || strings.Join(u.Roles, ",") != "approver,spokesperson" {
		t.Errorf("set roles: %v %v", u.Roles, err)
	}
	if _, err := New(ctx, Config{BcryptCost: 9}, e.log, e.clock.Now, nil); err == nil {
		t.Error("bcrypt cost 9 accepted")
	}
	if _, err := New(ctx, Config{IdleTimeout: time.Minute, TouchEvery: time.Minute}, e.log, e.clock.Now, nil); err == nil {
		t.Error("touch interval equal to idle timeout accepted")
	}
}

func TestCheckPassword(t *testing.T) {
	for _, c := range []struct {
		user, pass string
		ok         bool
	}{
		{"alice", "twelve chars", true},
		{"alice", "eleven char", false},
		{"alice", "一二三四五六七八九十百千", true}, // 12 Chinese characters
		{"alice", "一二三四五六七八九十百", false}, // 11
		{"alice", strings.Repeat("汉", 12), false},
		{"alice", strings.Repeat("一二三四五六七八九十百千", 2) + "x", false}, // 73 bytes
		{"alice", "my-name-is-ALICE!", false},
		{"alice", "tab\tinside password", false},
		{"alice", "春眠不觉晓处处闻啼鸟夜来风雨声花落知多少床前明月", true}, // 72 bytes
	} {
		err := CheckPassword(c.user, c.pass)
		if (err == nil) != c.ok {
			t.Errorf("CheckPassword(%q): %v", c.pass, err)
		}
		if err != nil && (!errors.Is(err, ErrPasswordPolicy) || strings.Contains(err.Error(), c.pass)) {
			t.Errorf("error %q", err)
		}
	}
}

// Issue 13: common and trivial passwords are refused, with a Chinese reason
// that does not repeat the password.
func TestCheckPasswordRefusesCommonAndTrivial(t *testing.T) {
	for _, pass := range []string{
		"123456789012",  // all digits, sequential
		"000000000000",  // one character
		"202611231234",  // all digits
		"１２３４５６７８９０１２",  // full-width digits
		"password1234",  // common
		"PASSWORD1234",  // common, any case
		"qwertyuiop12",  // common
		"1q2w3e4r5t6y",  // common
		"woaini1314520", // common (Chinese)
		"abcabcabcabc",  // block repeated
		"Ab1!Ab1!Ab1!",  // block repeated
		"abcdefghijkl",  // sequential
		"ZYXWVUTSRQPO",  // sequential, descending
		"890123456789",  // sequential, digits wrap
		"qwertyuiopas",  // keyboard row
		"iloveyou2026!", // common word with digits and symbols
		"2026!woaini",   // too short anyway
		"admin@123456",  // common word with digits and symbols
	} {
		err := CheckPassword("alice", pass)
		if err == nil {
			t.Errorf("CheckPassword(%q) accepted", pass)
			continue
		}
		if !errors.Is(err, ErrPasswordPolicy) || strings.Contains(err.Error(), pass) {
			t.Errorf("CheckPassword(%q): error %q", pass, err)
		}
		if !strings.ContainsFunc(err.Error(), func(r rune) bool { return r >= 0x4e00 && r <= 0x9fff }) {
			t.Errorf("CheckPassword(%q): error %q has no Chinese reason", pass, err)
		}
	}
	for _, pass := range []string{
		"twelve chars",
		"correct horse battery staple",
		"值班-test-密码-2026",
		"另一个-长密码-2026",
		"一二三四五六七八九十百千",
		"my password is 1234",
		"abcdefghijk9!",
		"Tr0ub4dor&3x",
		"请换成你自己的至少十二个字符的密码",
	} {
		if err := CheckPassword("alice", pass); err != nil {
			t.Errorf("CheckPassword(%q): %v", pass, err)
		}
	}
}

// A lock is cleared by an admin's unlock and by a new password, across a
// restart; it is in the audit trail; a second lock lasts twice as long.
func TestUnlockAndPasswdClearALock(t *testing.T) {
	e := newEnv(t, Config{})
	lock := func() {
		t.Helper()
		for i := 0; i < 5; i++ {
			e.loginReq("alice", "wrong password "+string(rune('a'+i)), "")
		}
		if w := e.loginReq("alice", alicePass, ""); w.Code != http.StatusTooManyRequests {
			t.Fatalf("not locked: %d", w.Code)
		}
	}
	lock()
	audited := 0
	for _, ev := range e.events(TopicAudit) {
		if strings.Contains(string(ev.Payload), "login_locked") && strings.Contains(string(ev.Payload), "192.0.2.1") {
			audited++
		}
	}
	if audited != 1 {
		t.Fatalf("%d login_locked audit events", audited)
	}
	if err := e.a.Directory().Unlock(context.Background(), "cli:ops", "alice"); err != nil {
		t.Fatal(err)
	}
	e.restart() // the failures before the unlock no longer count
	e.login("alice", alicePass)

	lock()
	w := e.loginReq("alice", "wrong password z", "")
	if w.Header().Get("Retry-After") == "" {
		t.Fatal("no Retry-After on a lock")
	}
	e.clock.Advance(16 * time.Minute)
	for i := 0; i < 5; i++ {
		e.loginReq("alice", "wrong password "+string(rune('k'+i)), "")
	}
	e.clock.Advance(16 * time.Minute) // the second lock lasts 30 minutes
	if w := e.loginReq("alice", alicePass, ""); w.Code != http.StatusTooManyRequests {
		t.Fatalf("the second lock is over after 16 minutes: %d", w.Code)
	}
	if err := e.a.Directory().ChangePassword(context.Background(), "user:admin", "alice", "新的-足够长的密码-2026年"); err != nil {
		t.Fatal(err)
	}
	if w := e.loginReq("alice", "新的-足够长的密码-2026年", ""); w.Code != http.StatusOK {
		t.Fatalf("after passwd: %d %s", w.Code, w.Body)
	}
}

func TestClientIPBehindTrustedProxies(t *testing.T) {
	f := ClientIPBehind([]netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("::1/128")})
	for _, tc := range []struct{ remote, xff, want string }{
		{"203.0.113.9:1234", "", "203.0.113.9"},
		{"203.0.113.9:1234", "1.2.3.4", "203.0.113.9"},                      // not from a proxy: the header is ignored
		{"10.0.0.2:443", "198.51.100.7", "198.51.100.7"},                    // from the proxy
		{"10.0.0.2:443", "1.2.3.4, 198.51.100.7, 10.0.0.3", "198.51.100.7"}, // a spoofed first hop is not taken
		{"10.0.0.2:443", "", "10.0.0.2"},
		{"10.0.0.2:443", "garbage", "10.0.0.2"},
		{"[::1]:80", "2001:db8::5", "2001:db8::5"},
	} {
		r := httptest.NewRequest("POST", "/api/v1/login", nil)
		r.RemoteAddr = tc.remote
		if tc.xff != "" {
			r.Header.Set("X-Forwarded-For", tc.xff)
		}
		if got := f(r); got != tc.want {
			t.Errorf("%s, X-Forwarded-For %q: %s, want %s", tc.remote, tc.xff, got, tc.want)
		}
	}
}

// errorBody is what httpjson.Error sends.
type errorBody struct {
	Error string `json:"error"`
}
