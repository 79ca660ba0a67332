package auth

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"yuqing/internal/httpjson"
)

type principalKey struct{}
type requestKey struct{}

// principal is who a request acts as.
type principal struct {
	user      User
	sessionID string // "" for API-token requests
	tokenID   string // "" for session requests
}

type requestInfo struct{ ip string }

// UserFrom returns the user Require put in the request context.
func UserFrom(ctx context.Context) (User, bool) {
	p, ok := ctx.Value(principalKey{}).(*principal)
	if !ok {
		return User{}, false
	}
	return p.user.clone(), true
}

// CSRFTokenFrom returns the CSRF token of the request's session, for pages
// to embed in forms (field csrf_token) or scripts (header X-CSRF-Token).
// It is "" for API-token requests.
func CSRFTokenFrom(ctx context.Context) string {
	p, ok := ctx.Value(principalKey{}).(*principal)
	if !ok || p.sessionID == "" {
		return ""
	}
	return csrfToken(p.sessionID)
}

// Error messages the handlers and middleware send.
const (
	msgLoginFirst   = "请先登录"
	msgForbidden    = "权限不足"
	msgCSRF         = "CSRF 校验失败，请刷新页面后重试"
	msgBadRequest   = "请求格式错误"
	msgNeedJSON     = "请求须为 JSON（Content-Type: application/json）"
	msgInternal     = "服务器内部错误"
	csrfHeader      = "X-CSRF-Token"
	csrfFormField   = "csrf_token"
	maxLoginBodyLen = 16 << 10
)

// Require returns middleware that lets a request through only with a live
// session (cookie) or a valid API token (Authorization: Bearer), a valid
// CSRF token on state-changing session requests, and — when roles are
// given — at least one of roles. Without credentials: 401 JSON
// {"error":"请先登录"} under the API prefix, a 303 to the login page
// elsewhere. Wrong role or CSRF token: 403. The user is then in the
// context (UserFrom).
func (a *Auth) Require(roles ...string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			now := a.now()
			ctx := context.WithValue(r.Context(), requestKey{}, &requestInfo{ip: a.cfg.ClientIP(r)})
			p, stale := a.identify(ctx, r)
			if p == nil {
				if stale {
					a.clearCookie(w, r)
				}
				a.unauthenticated(w, r)
				return
			}
			if p.sessionID != "" && unsafeMethod(r.Method) && !validCSRF(r, p.sessionID) {
				a.logger.Warn("auth: csrf check failed", "username", p.user.Username, "method", r.Method, "path", r.URL.Path)
				a.refuse(w, r, http.StatusForbidden, msgCSRF)
				return
			}
			if len(roles) > 0 && !p.user.HasRole(roles...) {
				a.refuse(w, r, http.StatusForbidden, msgForbidden)
				return
			}
			if p.sessionID != "" {
				a.touch(ctx, sessionKey(p.sessionID), now)
			}
			next.ServeHTTP(w, r.WithContext(context.WithValue(ctx, principalKey{}, p)))
		})
	}
}

// identify finds the request's principal. stale reports a session cookie
// that names no live session.
func (a *Auth) identify(ctx context.Context, r *http.Request) (p *principal, stale bool) {
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, tok, ok := strings.Cut(h, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") {
			return nil, false
		}
		u, info, ok := a.dir.tokenUser(strings.TrimSpace(tok))
		if !ok {
			return nil, false
		}
		return &principal{user: u, tokenID: info.ID}, false
	}
	c, err := r.Cookie(a.cfg.CookieName)
	if err != nil || c.Value == "" {
		return nil, false
	}
	_, u, ok := a.session(ctx, c.Value, a.now())
	if !ok {
		return nil, true
	}
	return &principal{user: u, sessionID: c.Value}, false
}

func unsafeMethod(m string) bool {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace:
		return false
	}
	return true
}

// validCSRF checks the X-CSRF-Token header, or for form posts the
// csrf_token field, against the session's token in constant time.
func validCSRF(r *http.Request, sessionID string) bool {
	got := r.Header.Get(csrfHeader)
	if got == "" {
		ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if ct == "application/x-www-form-urlencoded" || ct == "multipart/form-data" {
			got = r.PostFormValue(csrfFormField)
		}
	}
	want := csrfToken(sessionID)
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

func (a *Auth) isAPI(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, a.cfg.APIPrefix) }

func (a *Auth) unauthenticated(w http.ResponseWriter, r *http.Request) {
	if a.isAPI(r) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="yuqing"`)
		httpjson.Error(w, http.StatusUnauthorized, msgLoginFirst)
		return
	}
	target := a.cfg.LoginPath
	if r.Method == http.MethodGet {
		target += "?next=" + url.QueryEscape(r.URL.RequestURI())
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

func (a *Auth) refuse(w http.ResponseWriter, r *http.Request, status int, msg string) {
	if a.isAPI(r) {
		httpjson.Error(w, status, msg)
		return
	}
	http.Error(w, msg, status)
}

// setCookie sends the session cookie: HttpOnly, SameSite=Strict, Path=/,
// no Domain, Secure on TLS requests or when configured, and no Max-Age — it
// is a browser-session cookie (duty-room PCs are shared); the server
// enforces both expiries.
func (a *Auth) setCookie(w http.ResponseWriter, r *http.Request, id string) {
	http.SetCookie(w, &http.Cookie{
		Name: a.cfg.CookieName, Value: id, Path: "/",
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil || a.cfg.SecureCookie,
	})
}

func (a *Auth) clearCookie(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{
		Name: a.cfg.CookieName, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil || a.cfg.SecureCookie,
	})
}

// Register adds the handlers to mux:
//
//	POST /api/v1/login   JSON {username, password} → cookie + {user, csrf_token}
//	POST /api/v1/logout  ends the session (CSRF token required)
//	GET  /api/v1/me      {user, csrf_token}
func (a *Auth) Register(mux *http.ServeMux) {
	mux.Handle("POST /api/v1/login", http.HandlerFunc(a.handleLogin))
	mux.Handle("POST /api/v1/logout", a.Require()(http.HandlerFunc(a.handleLogout)))
	mux.Handle("GET /api/v1/me", a.Require()(http.HandlerFunc(a.handleMe)))
}

type loginRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

type loginResponse struct {
	User      User   `json:"user"`
	CSRFToken string `json:"csrf_token,omitempty"`
}

// handleLogin answers POST /api/v1/login. It insists on a JSON body, which a
// cross-site form cannot send, against login CSRF.
func (a *Auth) handleLogin(w http.ResponseWriter, r *http.Request) {
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct != "application/json" {
		httpjson.Error(w, http.StatusUnsupportedMediaType, msgNeedJSON)
		return
	}
	var req loginRequest
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxLoginBodyLen)).Decode(&req); err != nil || req.Username == "" || req.Password == "" {
		httpjson.Error(w, http.StatusBadRequest, msgBadRequest+"：需要 username 和 password")
		return
	}
	ip := a.cfg.ClientIP(r)
	ctx := context.WithValue(r.Context(), requestKey{}, &requestInfo{ip: ip})
	u, id, csrf, err := a.Login(ctx, req.Username, req.Password, ip, r.UserAgent())
	var locked *LockedError
	switch {
	case errors.As(err, &locked):
		w.Header().Set("Retry-After", strconv.Itoa(int(a.cfg.Lockout.Seconds())))
		httpjson.Error(w, http.StatusTooManyRequests, locked.Error())
		return
	case errors.Is(err, ErrBadCredentials):
		httpjson.Error(w, http.StatusUnauthorized, ErrBadCredentials.Error())
		return
	case errors.Is(err, ErrUserDisabled):
		httpjson.Error(w, http.StatusForbidden, ErrUserDisabled.Error())
		return
	case err != nil:
		a.logger.Error("auth: login", "err", err)
		httpjson.Error(w, http.StatusInternalServerError, msgInternal)
		return
	}
	// A browser that still holds an older session gets it ended: one cookie, one session.
	if c, err := r.Cookie(a.cfg.CookieName); err == nil && c.Value != "" {
		a.mu.Lock()
		old, ok := a.sessions[sessionKey(c.Value)]
		var snap session
		if ok {
			snap = *old
		}
		a.mu.Unlock()
		if ok {
			_ = a.end(ctx, "replaced", &snap)
		}
	}
	a.setCookie(w, r, id)
	if err := a.Audit(ctx, u.Actor(), "login", nil); err != nil {
		a.logger.Error("auth: auditing login", "username", u.Username, "err", err)
	}
	httpjson.Write(w, http.StatusOK, loginResponse{User: u, CSRFToken: csrf})
}

func (a *Auth) handleLogout(w http.ResponseWriter, r *http.Request) {
	p := r.Context().Value(principalKey{}).(*principal)
	if p.sessionID != "" {
		err := a.Logout(r.Context(), p.sessionID)
		a.clearCookie(w, r)
		if err != nil {
			a.logger.Error("auth: logout", "username", p.user.Username, "err", err)
			httpjson.Error(w, http.StatusInternalServerError, msgInternal)
			return
		}
		if err := a.Audit(r.Context(), p.user.Actor(), "logout", nil); err != nil {
			a.logger.Error("auth: auditing logout", "username", p.user.Username, "err", err)
		}
	}
	httpjson.Write(w, http.StatusOK, map[string]bool{"ok": true})
}

func (a *Auth) handleMe(w http.ResponseWriter, r *http.Request) {
	u, _ := UserFrom(r.Context())
	httpjson.Write(w, http.StatusOK, loginResponse{User: u, CSRFToken: CSRFTokenFrom(r.Context())})
}
