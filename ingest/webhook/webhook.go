// Package webhook receives mentions pushed by partners and vendors: one
// endpoint per sender, POST /api/v1/hooks/{name}, each with its own bearer
// token and, optionally, an HMAC key that signs every request.
//
// A sender authenticates with "Authorization: Bearer <token>". When the
// endpoint has a secret, every request also carries
//
//	X-Yuqing-Timestamp: 1795397400                   (Unix seconds)
//	X-Yuqing-Signature: sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>
//
// and is refused when the signature does not match or the timestamp is
// more than MaxSkew (default 5 minutes) away from the server's clock, so a
// captured request cannot be replayed after that (inside the window a replay
// only re-sends the same mentions, which consumers drop by ID). Tokens and
// signatures are compared in constant time.
//
// The body is one JSON mention, a JSON array of them, or JSON Lines (one
// mention per line). The endpoint's platform fills a missing platform and
// its name a missing source. Every valid mention becomes a
// mention.ingested.v1 event and every invalid one a mention.rejected.v1
// dead letter, through ingest.Write, and the answer comes only after the
// log holds them:
//
//	200 {"accepted":["weibo:1",…],"rejected":[{"index":1,"reason":"…"}]}
//
// 422 when nothing was valid (the dead letters are still kept), 401 for a
// missing or wrong token or signature, 413 for a body over MaxBody (default
// 8 MiB), 415 for a body that is not JSON, 503 when the log refused the
// write: then nothing was accepted and the sender should retry.
//
// HotlineHandler serves POST /api/v1/hooks/{name}/workorders for 12345
// hotline and message-board (留言板) work orders with the same endpoints and
// authentication.
package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"yuqing/ingest"
	"yuqing/internal/hanzi"
	"yuqing/internal/httpjson"
	"yuqing/internal/mention"
	"yuqing/internal/secret"
)

// Routes the handlers serve. The app mounts them with these patterns; a
// handler mounted elsewhere reads the name from the path.
const (
	Pattern        = "POST /api/v1/hooks/{name}"
	HotlinePattern = "POST /api/v1/hooks/{name}/workorders"
	pathPrefix     = "/api/v1/hooks/"
)

// Request headers of a signed request.
const (
	HeaderTimestamp = "X-Yuqing-Timestamp"
	HeaderSignature = "X-Yuqing-Signature"
)

// Defaults and limits.
const (
	DefaultMaxBody = 8 << 20
	DefaultMaxSkew = 5 * time.Minute
	// MinTokenBytes is the shortest token (and secret) Config accepts.
	MinTokenBytes = 16
	// MaxItemBytes bounds one mention of a body: a larger one is refused,
	// it could not be stored as one event.
	MaxItemBytes = 4 * mention.MaxTextBytes
	// MaxRawBytes bounds the raw payload kept in a dead letter.
	MaxRawBytes = 128 << 10
)

// Endpoint is one sender's webhook.
type Endpoint struct {
	Name     string        // the {name} of the path; also Mention.Source when a mention has none
	Platform string        // fills a mention's missing platform; "" leaves it required
	Token    secret.Secret // bearer token; an endpoint without one refuses everything
	Secret   secret.Secret // HMAC-SHA256 key; "" means requests are not signed
	// MaxSkew is how far a signed request's timestamp may be from the
	// server's clock (default 5 minutes).
	MaxSkew time.Duration
}

// Actor is the actor of the events the endpoint writes: "webhook:" + name.
func (e Endpoint) Actor() string { return "webhook:" + e.Name }

// Config is the webhooks section of the configuration:
//
//	webhooks:
//	  max_body_bytes: 8388608
//	  endpoints:
//	    - {name: vendor-a, platform: weibo, token_env: YUQING_HOOK_VENDOR_A_TOKEN, secret_env: YUQING_HOOK_VENDOR_A_SECRET}
//	    - {name: 12345, platform: hotline, token_env: YUQING_HOOK_12345_TOKEN, max_skew: 2m}
type Config struct {
	Endpoints    []EndpointConfig `yaml:"endpoints" json:"endpoints"`
	MaxBodyBytes int64            `yaml:"max_body_bytes" json:"max_body_bytes"` // default 8 MiB
}

// EndpointConfig is one endpoint as configured. The token and the secret
// are given either in the file or, better, as the name of an environment
// variable that holds them.
type EndpointConfig struct {
	Name      string        `yaml:"name" json:"name"`
	Platform  string        `yaml:"platform" json:"platform"`
	Token     secret.Secret `yaml:"token" json:"token"`
	TokenEnv  string        `yaml:"token_env" json:"token_env"`
	Secret    secret.Secret `yaml:"secret" json:"secret"`
	SecretEnv string        `yaml:"secret_env" json:"secret_env"`
	MaxSkew   time.Duration `yaml:"max_skew" json:"max_skew"` // "5m"; 0: the default
}

var nameRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// Resolve checks the config and returns its endpoints, with tokens and
// secrets read from the environment through getenv (os.Getenv when nil).
// Every problem is reported, naming the endpoint, never a token's value.
func (c Config) Resolve(getenv func(string) string) ([]Endpoint, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	var errs []error
	if c.MaxBodyBytes < 0 {
		errs = append(errs, errors.New("webhooks: max_body_bytes must not be negative"))
	}
	out := make([]Endpoint, 0, len(c.Endpoints))
	seen := map[string]bool{}
	for i, ec := range c.Endpoints {
		what := fmt.Sprintf("webhook %d", i+1)
		if ec.Name != "" {
			what = fmt.Sprintf("webhook %d (%q)", i+1, ec.Name)
		}
		e, err := ec.resolve(getenv)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", what, err))
			continue
		}
		if seen[e.Name] {
			errs = append(errs, fmt.Errorf("%s: duplicate name", what))
			continue
		}
		seen[e.Name] = true
		out = append(out, e)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return out, nil
}

func (ec EndpointConfig) resolve(getenv func(string) string) (Endpoint, error) {
	var errs []error
	if !nameRe.MatchString(ec.Name) {
		errs = append(errs, fmt.Errorf("name %q: want 1–64 letters, digits, '.', '_' or '-'", ec.Name))
	}
	if ec.Platform != "" && !slices.Contains(mention.Platforms, ec.Platform) {
		errs = append(errs, fmt.Errorf("platform %q is not one of %s", ec.Platform, strings.Join(mention.Platforms, ", ")))
	}
	if ec.MaxSkew < 0 {
		errs = append(errs, errors.New("max_skew must not be negative"))
	}
	token, err := secretValue("token", ec.Token.Reveal(), ec.TokenEnv, true, getenv)
	if err != nil {
		errs = append(errs, err)
	}
	key, err := secretValue("secret", ec.Secret.Reveal(), ec.SecretEnv, false, getenv)
	if err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return Endpoint{}, err
	}
	return Endpoint{Name: ec.Name, Platform: ec.Platform, Token: token, Secret: key, MaxSkew: ec.MaxSkew}, nil
}

func secretValue(what, value, env string, required bool, getenv func(string) string) (secret.Secret, error) {
	switch {
	case value != "" && env != "":
		return "", fmt.Errorf("give %s or %s_env, not both", what, what)
	case env != "":
		value = getenv(env)
		if value == "" {
			return "", fmt.Errorf("%s_env: environment variable %s is empty or not set", what, env)
		}
	case value == "" && required:
		return "", fmt.Errorf("%s is missing: set %s_env to an environment variable holding it", what, what)
	case value == "":
		return "", nil
	}
	value = strings.TrimSpace(value)
	if len(value) < MinTokenBytes {
		return "", fmt.Errorf("%s is %d bytes, shorter than %d: use a random one (openssl rand -hex 32)", what, len(value), MinTokenBytes)
	}
	return secret.Secret(value), nil
}

// Sign returns the X-Yuqing-Signature value of a request: "sha256=" and the
// hex HMAC-SHA256 of timestamp + "." + body under secret. Senders (and
// tests) use it.
func Sign(secret string, timestamp int64, body []byte) string {
	return "sha256=" + hex.EncodeToString(mac(secret, strconv.FormatInt(timestamp, 10), body))
}

func mac(secret, timestamp string, body []byte) []byte {
	h := hmac.New(sha256.New, []byte(secret))
	h.Write([]byte(timestamp))
	h.Write([]byte{'.'})
	h.Write(body)
	return h.Sum(nil)
}

// gate is what both handlers share: finding the endpoint, authenticating
// the request and reading its body.
type gate struct {
	endpoints []Endpoint
	maxBody   int64
	now       func() time.Time
	logger    *slog.Logger
	lines     bool // JSON Lines bodies are allowed
}

// Errors the gate answers, Chinese and English.
const (
	msgToken     = "令牌缺失或错误 / missing or wrong webhook token"
	msgSignature = "签名无效或请求已过期 / invalid signature or expired request"
)

// admit authenticates r and reads its body. When it returns false it has
// answered.
func (g gate) admit(w http.ResponseWriter, r *http.Request) (ep Endpoint, body []byte, jsonLines, ok bool) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		httpjson.Write(w, http.StatusMethodNotAllowed, ingest.Response{Error: "请使用 POST / use POST"})
		return ep, nil, false, false
	}
	ep, found := g.endpoint(hookName(r))
	if !authorized(r, ep.Token.Reveal(), found) {
		g.logger.Warn("webhook refused: token", "endpoint", ep.Name, "remote", r.RemoteAddr)
		w.Header().Set("WWW-Authenticate", `Bearer realm="yuqing webhook"`)
		httpjson.Write(w, http.StatusUnauthorized, ingest.Response{Error: msgToken})
		return ep, nil, false, false
	}
	var ts string
	if ep.Secret != "" {
		var err error
		if ts, err = g.fresh(r, ep); err != nil {
			g.logger.Warn("webhook refused: signature", "endpoint", ep.Name, "remote", r.RemoteAddr, "err", err)
			httpjson.Write(w, http.StatusUnauthorized, ingest.Response{Error: msgSignature + ": " + err.Error()})
			return ep, nil, false, false
		}
	}
	jsonLines, err := mediaType(r.Header.Get("Content-Type"), g.lines)
	if err != nil {
		httpjson.Write(w, http.StatusUnsupportedMediaType, ingest.Response{Error: err.Error()})
		return ep, nil, false, false
	}
	max := g.maxBody
	if max <= 0 {
		max = DefaultMaxBody
	}
	body, err = io.ReadAll(http.MaxBytesReader(w, r.Body, max))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			httpjson.Write(w, http.StatusRequestEntityTooLarge, ingest.Response{Error: fmt.Sprintf("请求体超过 %d 字节，请分批发送 / body larger than %d bytes: send smaller batches", max, max)})
			return ep, nil, false, false
		}
		httpjson.Write(w, http.StatusBadRequest, ingest.Response{Error: "读取请求体失败 / reading body: " + err.Error()})
		return ep, nil, false, false
	}
	if ep.Secret != "" {
		got, _ := strings.CutPrefix(strings.TrimSpace(r.Header.Get(HeaderSignature)), "sha256=")
		sig, err := hex.DecodeString(got)
		if err != nil || !hmac.Equal(sig, mac(ep.Secret.Reveal(), ts, body)) {
			g.logger.Warn("webhook refused: signature", "endpoint", ep.Name, "remote", r.RemoteAddr, "err", "mismatch")
			httpjson.Write(w, http.StatusUnauthorized, ingest.Response{Error: msgSignature + ": signature does not match the body"})
			return ep, nil, false, false
		}
	}
	return ep, body, jsonLines, true
}

// fresh checks the signed request's headers and returns its timestamp as
// sent.
func (g gate) fresh(r *http.Request, ep Endpoint) (string, error) {
	ts := strings.TrimSpace(r.Header.Get(HeaderTimestamp))
	if ts == "" {
		return "", fmt.Errorf("missing %s", HeaderTimestamp)
	}
	if !strings.HasPrefix(r.Header.Get(HeaderSignature), "sha256=") {
		return "", fmt.Errorf("missing %s: sha256=<hex>", HeaderSignature)
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || sec <= 0 {
		return "", fmt.Errorf("%s %q is not Unix seconds", HeaderTimestamp, hanzi.ClipBytes(ts, 32))
	}
	skew := ep.MaxSkew
	if skew <= 0 {
		skew = DefaultMaxSkew
	}
	d := g.now().Sub(time.Unix(sec, 0))
	if d > skew || d < -skew {
		return "", fmt.Errorf("timestamp is %s away from the server's clock, more than %s", d.Abs().Round(time.Second), skew)
	}
	return ts, nil
}

func (g gate) endpoint(name string) (Endpoint, bool) {
	for _, e := range g.endpoints {
		if e.Name == name {
			return e, true
		}
	}
	return Endpoint{Name: name}, false
}

// dummy is compared against when the endpoint is unknown, so that the
// answer takes as long as for a wrong token.
var dummy = sha256.Sum256([]byte("yuqing webhook: no such endpoint"))

// authorized compares the bearer token with want in constant time (over
// hashes, so not even the length leaks).
func authorized(r *http.Request, want string, found bool) bool {
	got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	g := sha256.Sum256([]byte(strings.TrimSpace(got)))
	w := dummy
	if found && want != "" {
		w = sha256.Sum256([]byte(want))
	}
	eq := subtle.ConstantTimeCompare(g[:], w[:]) == 1
	return ok && found && want != "" && eq
}

// hookName is the {name} of the path.
func hookName(r *http.Request) string {
	if n := r.PathValue("name"); n != "" {
		return n
	}
	p, ok := strings.CutPrefix(r.URL.Path, pathPrefix)
	if !ok {
		return ""
	}
	p = strings.TrimSuffix(strings.TrimSuffix(p, "/"), "/workorders")
	if strings.Contains(p, "/") {
		return ""
	}
	return p
}

// mediaType accepts JSON (and, when lines, JSON Lines) content types, and
// a missing one; it reports whether the body is declared JSON Lines.
func mediaType(ct string, lines bool) (jsonLines bool, err error) {
	if strings.TrimSpace(ct) == "" {
		return false, nil
	}
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil {
		return false, fmt.Errorf("无法识别的 Content-Type / unreadable Content-Type %q", hanzi.ClipBytes(ct, 64))
	}
	if cs := strings.ToLower(params["charset"]); cs != "" && cs != "utf-8" && cs != "utf8" {
		return false, fmt.Errorf("请使用 UTF-8 编码 / charset %q: send UTF-8", hanzi.ClipBytes(cs, 32))
	}
	switch {
	case mt == "application/json" || mt == "text/json" || strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json"):
		return false, nil
	case lines && (mt == "application/x-ndjson" || mt == "application/ndjson" || mt == "application/jsonl" ||
		mt == "application/x-jsonlines" || mt == "application/jsonlines" || mt == "application/json-lines"):
		return true, nil
	}
	want := "application/json"
	if lines {
		want += " 或/or application/x-ndjson"
	}
	return false, fmt.Errorf("请求体须为 JSON / Content-Type %q is not JSON: send %s", hanzi.ClipBytes(mt, 64), want)
}

// Handler serves Pattern: mentions pushed to one of Endpoints, written to
// Log. The zero values of MaxBody, Now and Logger are 8 MiB, time.Now and
// slog.Default().
type Handler struct {
	Log       ingest.Appender
	Endpoints []Endpoint
	MaxBody   int64
	Now       func() time.Time
	Logger    *slog.Logger
}

func (h *Handler) gate() gate {
	g := gate{endpoints: h.Endpoints, maxBody: h.MaxBody, now: h.Now, logger: h.Logger, lines: true}
	return g.defaults()
}

func (g gate) defaults() gate {
	if g.now == nil {
		g.now = time.Now
	}
	if g.logger == nil {
		g.logger = slog.Default()
	}
	return g
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	g := h.gate()
	ep, body, jsonLines, ok := g.admit(w, r)
	if !ok {
		return
	}
	now := g.now()
	good, bad, err := DecodeBody(body, jsonLines, Defaults{Platform: ep.Platform, Source: ep.Name}, now)
	if err != nil {
		// Not even JSON: keep the payload as one dead letter.
		bad = []mention.Rejected{{Index: 0, Reason: err.Error(), Raw: hanzi.ClipBytes(string(body), MaxRawBytes)}}
	}
	if err := ingest.Write(r.Context(), h.Log, good, bad, ep.Actor(), ep.Actor(), now); err != nil {
		g.logger.Error("webhook write failed", "endpoint", ep.Name, "err", err, "mentions", len(good), "rejected", len(bad))
		w.Header().Set("Retry-After", "5")
		httpjson.Write(w, http.StatusServiceUnavailable, ingest.Response{Accepted: []string{}, Error: "日志未确认写入，本批可能已部分写入：请用相同 id 重发（id 幂等，不会重复计数） / the log did not confirm the batch: some of it may have been written; re-send it with the same ids (ids are idempotent)"})
		return
	}
	resp := ingest.Response{Accepted: make([]string, 0, len(good))}
	for _, m := range good {
		resp.Accepted = append(resp.Accepted, m.ID)
	}
	for _, b := range bad {
		resp.Rejected = append(resp.Rejected, ingest.RejectedReply{Index: b.Index, Reason: b.Reason})
	}
	status := http.StatusOK
	if len(good) == 0 {
		status = http.StatusUnprocessableEntity
	}
	httpjson.Write(w, status, resp)
}
