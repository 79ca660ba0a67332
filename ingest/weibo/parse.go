package weibo

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"yuqing/internal/hanzi"
)

// Page is one decoded timeline or search response. The statuses stay raw,
// in the API's order (newest first), so that one malformed status is
// rejected on its own instead of failing the page.
type Page struct {
	Statuses    []json.RawMessage
	SinceID     string // the API's own since_id and max_id hints ("0" or "" when absent)
	MaxID       string
	TotalNumber int64
}

// APIError is an error body of the Weibo open API:
//
//	{"error":"expired_token","error_code":21327,"request":"/2/statuses/home_timeline.json"}
//
// Its classification (Auth, RateLimited, Temporary) follows the error code
// rather than the HTTP status: Weibo answers a rate limit with 403, which
// would otherwise read as an authentication failure.
type APIError struct {
	HTTPStatus int    // 0 when unknown
	Code       int    // error_code
	Message    string // error
	Request    string // the request path Weibo echoes, never with the query
}

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "weibo API error %d", e.Code)
	if e.Message != "" {
		b.WriteString(" " + e.Message)
	}
	if h := codeHints[e.Code]; h != "" {
		b.WriteString(" (" + h + ")")
	}
	if e.Request != "" {
		b.WriteString(", request " + e.Request)
	}
	if e.HTTPStatus != 0 {
		fmt.Fprintf(&b, ", HTTP %d", e.HTTPStatus)
	}
	return b.String()
}

// codeHints are the meanings of the codes an operator meets most, in
// Chinese, from the open platform's error code table.
var codeHints = map[int]string{
	10001: "系统错误",
	10002: "服务暂停",
	10003: "远程服务错误",
	10009: "任务过多，系统繁忙",
	10014: "应用的接口访问权限受限",
	10022: "IP请求频次超过上限",
	10023: "用户请求频次超过上限",
	10024: "用户请求特殊接口频次超过上限",
	21301: "认证失败",
	21314: "令牌已经被使用",
	21315: "令牌已经过期",
	21316: "令牌不合法",
	21317: "令牌不合法",
	21319: "授权已被取消",
	21321: "未审核的应用使用人数超过限制",
	21327: "访问令牌已过期，请重新授权",
	21332: "访问令牌无效，请重新授权",
}

// Auth reports codes that leave the source blind until someone acts: the
// OAuth2 errors 21301–21332 (expired, revoked or invalid token, app not
// audited…, except 21331 temporarily_unavailable) and 10014, an app without
// permission for the endpoint.
func (e *APIError) Auth() bool {
	return e.Code >= 21301 && e.Code <= 21332 && e.Code != 21331 || e.Code == 10014
}

// RateLimited reports the rate-limit codes: 10022 (per IP), 10023 (per
// user), 10024 (per user and endpoint).
func (e *APIError) RateLimited() bool {
	return e.Code == 10022 || e.Code == 10023 || e.Code == 10024
}

// Temporary reports server-side failures worth retrying soon.
func (e *APIError) Temporary() bool {
	switch e.Code {
	case 10001, 10002, 10003, 10009, 10010, 10011, 21331:
		return true
	}
	return false
}

// Parse decodes a timeline ({"statuses":[…],"since_id":…,"max_id":…,
// "total_number":…}) or search response. An error body gives an *APIError;
// anything that is not a JSON object with a statuses array is an error. A
// status that is not an object is kept, to be rejected when mapped.
func Parse(body []byte) (*Page, error) {
	body = bytes.TrimSpace(bytes.TrimPrefix(body, []byte("\xef\xbb\xbf")))
	if len(body) == 0 {
		return nil, errors.New("empty response")
	}
	if body[0] != '{' {
		return nil, fmt.Errorf("response is not a JSON object: starts with %s", quoteStart(body))
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(body, &fields); err != nil {
		return nil, fmt.Errorf("response is not valid JSON: %w", err)
	}
	if ae := apiError(fields); ae != nil {
		return nil, ae
	}
	raw, ok := fields["statuses"]
	if !ok {
		return nil, errors.New("response has no statuses")
	}
	p := &Page{}
	if !isNull(raw) {
		if err := json.Unmarshal(raw, &p.Statuses); err != nil {
			return nil, fmt.Errorf("statuses is not an array: %w", err)
		}
	}
	var id flexID
	if json.Unmarshal(fields["since_id"], &id) == nil {
		p.SinceID = string(id)
	}
	id = ""
	if json.Unmarshal(fields["max_id"], &id) == nil {
		p.MaxID = string(id)
	}
	var n flexInt
	if json.Unmarshal(fields["total_number"], &n) == nil {
		p.TotalNumber = int64(n)
	}
	return p, nil
}

// apiError recognises an error body: a non-zero error_code, or an error
// string without statuses.
func apiError(fields map[string]json.RawMessage) *APIError {
	rawCode, hasCode := fields["error_code"]
	rawMsg, hasMsg := fields["error"]
	if !hasCode && !hasMsg {
		return nil
	}
	var code flexInt
	_ = json.Unmarshal(rawCode, &code)
	var msg, req flexString
	_ = json.Unmarshal(rawMsg, &msg)
	_ = json.Unmarshal(fields["request"], &req)
	if code == 0 && (msg == "" || fields["statuses"] != nil) {
		return nil
	}
	return &APIError{Code: int(min(max(code, 0), math.MaxInt32)), Message: hanzi.ClipBytes(string(msg), 200), Request: hanzi.ClipBytes(string(req), 200)}
}

// Status is the part of a Weibo status object the connector maps.
type Status struct {
	ID          string // idstr, else id: decimal digits in a valid status
	MID         string // mid: the same number, or its base62 form
	CreatedAt   string // "Mon Nov 23 10:15:30 +0800 2026"
	Text        string
	Client      string // source: an HTML anchor naming the client, e.g. <a …>iPhone客户端</a>
	Reposts     int64
	Comments    int64
	Likes       int64 // attitudes_count
	InReplyToID string
	Deleted     bool // deleted: "1", or an "抱歉，…" placeholder without a user
	User        User
	Retweeted   json.RawMessage // retweeted_status: the original of a repost, still raw
	Raw         json.RawMessage // the whole status as received
}

// User is the author of a status.
type User struct {
	ID           string // idstr, else id
	Name         string // screen_name, else name
	Followers    int64
	Verified     bool
	VerifiedType int64 // -1 none, 0 personal (orange V), 1–7 organisations (blue V), 200+ other badges
	Location     string
}

type wireStatus struct {
	CreatedAt flexString      `json:"created_at"`
	ID        flexID          `json:"id"`
	IDStr     flexID          `json:"idstr"`
	MID       flexID          `json:"mid"`
	Text      *string         `json:"text"`
	Source    flexString      `json:"source"`
	Reposts   flexInt         `json:"reposts_count"`
	Comments  flexInt         `json:"comments_count"`
	Attitudes flexInt         `json:"attitudes_count"`
	InReplyTo flexID          `json:"in_reply_to_status_id"`
	Deleted   flexString      `json:"deleted"`
	User      *User           `json:"user"`
	Retweeted json.RawMessage `json:"retweeted_status"`
}

// ParseStatus decodes one status object. A field of the wrong type (a
// text that is a number, a user that is an array) is an error, so the
// status is rejected with the reason rather than mapped half-empty.
func ParseStatus(raw []byte) (Status, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '{' {
		return Status{}, fmt.Errorf("status is not a JSON object: starts with %s", quoteStart(raw))
	}
	var w wireStatus
	if err := json.Unmarshal(raw, &w); err != nil {
		return Status{}, fmt.Errorf("not a Weibo status: %w", err)
	}
	st := Status{
		ID: string(first(w.IDStr, w.ID)), MID: string(w.MID), CreatedAt: strings.TrimSpace(string(w.CreatedAt)),
		Client: string(w.Source), Reposts: int64(w.Reposts), Comments: int64(w.Comments), Likes: int64(w.Attitudes),
		InReplyToID: string(w.InReplyTo), Raw: json.RawMessage(raw),
	}
	if w.Text != nil {
		st.Text = *w.Text
	}
	if w.User != nil {
		st.User = *w.User
	}
	if !isNull(w.Retweeted) {
		st.Retweeted = w.Retweeted
	}
	d := strings.TrimSpace(string(w.Deleted))
	st.Deleted = d != "" && d != "0" && d != "false" ||
		w.User == nil && strings.HasPrefix(strings.TrimSpace(st.Text), "抱歉，") // "此微博已被作者删除" / "没有这条微博的查看权限"
	return st, nil
}

// peekID is the id of a raw status as ParseStatus would read it, without
// decoding the rest; ok is false when it has no numeric id.
func peekID(raw []byte) (uint64, bool) {
	var w struct {
		ID    flexID `json:"id"`
		IDStr flexID `json:"idstr"`
	}
	if json.Unmarshal(raw, &w) != nil {
		return 0, false
	}
	return parseID(string(first(w.IDStr, w.ID)))
}

// parseID reads a numeric status id (1–19 digits, not 0).
func parseID(s string) (uint64, bool) {
	if s == "" || len(s) > 19 || !isDigits(s) {
		return 0, false
	}
	n, err := strconv.ParseUint(s, 10, 64)
	return n, err == nil && n > 0
}

type wireUser struct {
	ID           flexID     `json:"id"`
	IDStr        flexID     `json:"idstr"`
	ScreenName   flexString `json:"screen_name"`
	Name         flexString `json:"name"`
	Followers    flexInt    `json:"followers_count"`
	Verified     flexBool   `json:"verified"`
	VerifiedType *flexInt   `json:"verified_type"`
	Location     flexString `json:"location"`
}

// UnmarshalJSON reads a user object, or a bare user id (what trim_user=1
// leaves).
func (u *User) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if isNull(b) {
		*u = User{}
		return nil
	}
	if len(b) > 0 && b[0] != '{' {
		var id flexID
		if err := json.Unmarshal(b, &id); err != nil {
			return fmt.Errorf("user: %w", err)
		}
		*u = User{ID: string(id), VerifiedType: -1}
		return nil
	}
	var w wireUser
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*u = User{
		ID: string(first(w.IDStr, w.ID)), Name: string(first(w.ScreenName, w.Name)), Followers: int64(w.Followers),
		Verified: bool(w.Verified), VerifiedType: -1, Location: string(w.Location),
	}
	if w.VerifiedType != nil {
		u.VerifiedType = int64(*w.VerifiedType)
	}
	return nil
}

// flexID is an id written as a JSON string or an integer number (Weibo
// writes both; a number past 2^53 must not go through float64).
type flexID string

func (f *flexID) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case isNull(b):
		*f = ""
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexID(strings.TrimSpace(s))
	case len(b) > 0 && (b[0] == '-' || b[0] >= '0' && b[0] <= '9'):
		if !isDigits(string(b)) {
			return fmt.Errorf("id %s is not an integer", hanzi.ClipBytes(string(b), 40))
		}
		*f = flexID(b)
	default:
		return fmt.Errorf("id %s is neither a string nor a number", quoteStart(b))
	}
	return nil
}

// flexInt is a count written as a number, a numeric string, or a rounded
// Chinese figure like "1.2万" or "100万+" (as Weibo's web pages show them);
// null and "" are 0.
type flexInt int64

func (f *flexInt) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if isNull(b) {
		*f = 0
		return nil
	}
	s := string(b)
	if len(b) > 0 && b[0] == '"' {
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
	} else if len(b) == 0 || !(b[0] == '-' || b[0] >= '0' && b[0] <= '9') {
		return fmt.Errorf("count %s is not a number", quoteStart(b))
	}
	n, err := parseCount(s)
	if err != nil {
		return err
	}
	*f = flexInt(n)
	return nil
}

func parseCount(s string) (int64, error) {
	s = strings.TrimSuffix(strings.TrimSpace(s), "+")
	if s == "" {
		return 0, nil
	}
	mult := 1.0
	switch {
	case strings.HasSuffix(s, "万"):
		s, mult = strings.TrimSuffix(s, "万"), 1e4
	case strings.HasSuffix(s, "亿"):
		s, mult = strings.TrimSuffix(s, "亿"), 1e8
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil && mult == 1 {
		return n, nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, fmt.Errorf("count %q is not a number", hanzi.ClipBytes(s, 40))
	}
	v *= mult
	if v != math.Trunc(v) && mult == 1 || v > math.MaxInt64/2 || v < math.MinInt64/2 {
		return 0, fmt.Errorf("count %q is not an integer in range", hanzi.ClipBytes(s, 40))
	}
	return int64(v), nil
}

// flexBool is true, false, 1/0 or "true"/"1"; null is false.
type flexBool bool

func (f *flexBool) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch strings.Trim(string(b), `"`) {
	case "true", "1":
		*f = true
	case "false", "0", "", "null":
		*f = false
	default:
		return fmt.Errorf("%s is not a boolean", quoteStart(b))
	}
	return nil
}

// flexString is a string; a number is kept as its text, null is "".
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case isNull(b):
		*f = ""
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexString(s)
	case len(b) > 0 && (b[0] == '-' || b[0] >= '0' && b[0] <= '9' || b[0] == 't' || b[0] == 'f'):
		*f = flexString(b)
	default:
		return fmt.Errorf("%s is not a string", quoteStart(b))
	}
	return nil
}

func isNull(b []byte) bool {
	b = bytes.TrimSpace(b)
	return len(b) == 0 || string(b) == "null"
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func first[T ~string](vs ...T) T {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

// quoteStart quotes the first bytes of b for an error message.
func quoteStart(b []byte) string {
	if len(b) == 0 {
		return "nothing"
	}
	return strconv.Quote(hanzi.ClipBytes(string(b), 40))
}
