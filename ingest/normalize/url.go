package normalize

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"sort"
	"strings"
)

// TrackingParams are query parameters dropped from every URL: they say who
// shared a link, from where and with which app, never which page it is.
// Matching is case-insensitive; any parameter starting with "utm_" goes too.
var TrackingParams = []string{
	// generic campaign and click ids
	"spm", "spm_id_from", "from_spmid", "from", "ref", "ref_src", "ref_url",
	"fbclid", "gclid", "dclid", "msclkid", "yclid", "twclid", "igshid",
	"mc_cid", "mc_eid", "_hsenc", "_hsmi", "srcid", "wfr", "isappinstalled",
	// WeChat share junk (mp.weixin.qq.com keeps only __biz, mid, idx, sn anyway)
	"scene", "subscene", "chksm", "clicktime", "enterid", "ascene", "devicetype",
	"nettype", "pass_ticket", "wx_header", "sessionid", "exportkey", "sharer_shareid",
	"sharer_sharetime", "sharer_shareinfo", "sharer_shareinfo_first", "wxfrom",
	// share buttons of Bilibili, Toutiao, Zhihu and others
	"share_source", "share_medium", "share_plat", "share_session_id", "share_tag",
	"share_from", "share_token", "share_code", "share_app_id", "share_sign",
	"share_version", "share_link_id", "vd_source", "unique_k", "bbid", "tt_from",
	"is_from_webapp", "sender_device", "previous_page", "u_code", "web_id",
	"sec_did", "with_sec_did", "utm_psn",
}

// HostTrackingParams are dropped only on the given host and its subdomains,
// where the name is known to be junk (elsewhere it may mean something).
var HostTrackingParams = map[string][]string{
	"weibo.com":       {"luicode", "lfid", "featurecode", "wm", "sudaref", "display", "retcode", "type", "mod", "rid", "layerid"},
	"weibo.cn":        {"luicode", "lfid", "featurecode", "wm", "sudaref", "display", "retcode", "type", "mod", "rid", "layerid"},
	"bilibili.com":    {"ts", "timestamp", "buvid", "up_id", "is_story_h5", "plat_id", "mid", "bsource", "msource", "seid"},
	"douyin.com":      {"did", "iid", "region", "app", "timestamp", "mid", "tt_from", "enter_from", "modeFrom"},
	"iesdouyin.com":   {"did", "iid", "region", "app", "timestamp", "mid", "tt_from", "enter_from", "modeFrom"},
	"toutiao.com":     {"app", "timestamp", "use_new_style", "req_id", "wid", "upstream_biz", "source", "category_new", "enter_from"},
	"xiaohongshu.com": {"xsec_source", "apptime", "appuid", "share_id", "shareRedId", "author_share"},
}

// weixinKeep is every query parameter an mp.weixin.qq.com article URL keeps.
var weixinKeep = map[string]bool{"__biz": true, "mid": true, "idx": true, "sn": true}

var (
	tracking     = map[string]bool{}
	hostTracking = map[string]map[string]bool{}
	schemeRe     = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.\-]*:`)
	hostRe       = regexp.MustCompile(`^[\p{L}\p{N}_-]+(\.[\p{L}\p{N}_-]+)*$`)
	bareHostRe   = regexp.MustCompile(`^[A-Za-z0-9\-]+(\.[A-Za-z0-9\-]+)+(:\d+)?([/?#]|$)`)
)

func init() {
	for _, p := range TrackingParams {
		tracking[strings.ToLower(p)] = true
	}
	for h, ps := range HostTrackingParams {
		m := map[string]bool{}
		for _, p := range ps {
			m[strings.ToLower(p)] = true
		}
		hostTracking[h] = m
	}
}

// ErrURL is wrapped by every error URL returns.
var ErrURL = errors.New("not an http(s) URL")

// URL returns the canonical form of a link, for de-duplication: the same
// page reached through different share buttons gives the same string.
//
//   - scheme and host are lower-cased, a trailing dot on the host goes,
//     ":80" on http and ":443" on https go, user info goes;
//   - "//host/path" and "host.tld/path" get https;
//   - the fragment goes, unless it is a client-side route ("#/…", "#!…");
//   - "." and ".." path segments are resolved, ";jsessionid=…" goes, an empty
//     path becomes "/";
//   - TrackingParams (and HostTrackingParams on their hosts) go; the rest
//     are sorted by name (values of a repeated name keep their order) and
//     re-encoded;
//   - mp.weixin.qq.com/s?… keeps only __biz, mid, idx and sn, and
//     mp.weixin.qq.com/s/CODE keeps no query;
//   - a Weibo status on weibo.com, www.weibo.com, m.weibo.cn or weibo.cn
//     (/UID/ID, /status/ID, /detail/ID, ID numeric or base62) becomes
//     https://m.weibo.cn/detail/MID with the numeric id, the same one ID
//     gives.
//
// URL is idempotent: URL(URL(x)) == URL(x).
func URL(raw string) (string, error) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return "", fmt.Errorf("%w: empty", ErrURL)
	}
	switch {
	case strings.HasPrefix(s, "//"):
		s = "https:" + s
	case !schemeRe.MatchString(s) || bareHostRe.MatchString(s):
		if !bareHostRe.MatchString(s) {
			return "", fmt.Errorf("%w: %q has no scheme", ErrURL, trunc(raw))
		}
		s = "https://" + s
	}
	u, err := url.Parse(s)
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrURL, err)
	}
	u.Scheme = strings.ToLower(u.Scheme)
	if u.Scheme != "http" && u.Scheme != "https" {
		return "", fmt.Errorf("%w: scheme %q", ErrURL, u.Scheme)
	}
	if u.Opaque != "" {
		return "", fmt.Errorf("%w: %q has no host", ErrURL, trunc(raw))
	}
	host := strings.TrimRight(strings.ToLower(u.Hostname()), ".")
	if !hostRe.MatchString(host) && (!strings.Contains(host, ":") || net.ParseIP(host) == nil) {
		return "", fmt.Errorf("%w: %q has no host", ErrURL, trunc(raw))
	}
	port := u.Port()
	if (u.Scheme == "http" && port == "80") || (u.Scheme == "https" && port == "443") {
		port = ""
	}
	if port != "" {
		u.Host = net.JoinHostPort(host, port)
	} else if strings.Contains(host, ":") {
		u.Host = "[" + host + "]"
	} else {
		u.Host = host
	}
	u.User = nil

	// path
	p := u.EscapedPath()
	if i := strings.Index(strings.ToLower(p), ";jsessionid="); i >= 0 {
		p = p[:i]
	}
	p = removeDotSegments(p)
	if p == "" {
		p = "/"
	}

	if mid, ok := weiboStatus(host, p); ok {
		return "https://m.weibo.cn/detail/" + mid, nil
	}

	frag := ""
	if f := u.EscapedFragment(); strings.HasPrefix(f, "/") || strings.HasPrefix(f, "!") {
		frag = "#" + f
	}

	var q string
	if host == "mp.weixin.qq.com" {
		u.Scheme = "https"
		if p == "/s" || p == "/s/" {
			p = "/s"
			q = query(u.RawQuery, func(k string) bool { return weixinKeep[k] })
		} else if !strings.HasPrefix(p, "/s/") {
			q = query(u.RawQuery, keepFor(host))
		}
	} else {
		q = query(u.RawQuery, keepFor(host))
	}
	out := u.Scheme + "://" + u.Host + p
	if q != "" {
		out += "?" + q
	}
	return out + frag, nil
}

func trunc(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}

// keepFor returns the filter of query parameter names for host.
func keepFor(host string) func(string) bool {
	var extra map[string]bool
	for h, m := range hostTracking {
		if host == h || strings.HasSuffix(host, "."+h) {
			extra = m
			break
		}
	}
	return func(k string) bool {
		k = strings.ToLower(k)
		if strings.HasPrefix(k, "utm_") || tracking[k] {
			return false
		}
		return !extra[k]
	}
}

// query filters, sorts and re-encodes a raw query string.
func query(raw string, keep func(string) bool) string {
	if raw == "" {
		return ""
	}
	type kv struct {
		k, v  string
		hasEq bool
	}
	var kvs []kv
	for part := range strings.SplitSeq(raw, "&") {
		if part == "" {
			continue
		}
		k, v, eq := strings.Cut(part, "=")
		if uk, err := url.QueryUnescape(k); err == nil {
			k = uk
		}
		if uv, err := url.QueryUnescape(v); err == nil {
			v = uv
		}
		if k == "" || !keep(k) {
			continue
		}
		kvs = append(kvs, kv{k, v, eq})
	}
	sort.SliceStable(kvs, func(i, j int) bool { return kvs[i].k < kvs[j].k })
	var b strings.Builder
	for i, p := range kvs {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(url.QueryEscape(p.k))
		if p.hasEq || p.v != "" {
			b.WriteByte('=')
			b.WriteString(url.QueryEscape(p.v))
		}
	}
	return b.String()
}

// removeDotSegments resolves "." and ".." segments (RFC 3986 5.2.4) and
// keeps a trailing slash.
func removeDotSegments(p string) string {
	if !strings.Contains(p, "/.") && !strings.HasPrefix(p, ".") {
		return p
	}
	segs := strings.Split(p, "/")
	var out []string
	for i, s := range segs {
		last := i == len(segs)-1
		switch s {
		case ".":
			if last {
				out = append(out, "")
			}
		case "..":
			if len(out) > 1 {
				out = out[:len(out)-1]
			}
			if last {
				out = append(out, "")
			}
		default:
			out = append(out, s)
		}
	}
	r := strings.Join(out, "/")
	if !strings.HasPrefix(r, "/") {
		r = "/" + r
	}
	return r
}

func isWeiboHost(h string) bool {
	switch h {
	case "weibo.com", "www.weibo.com", "m.weibo.cn", "weibo.cn", "www.weibo.cn", "m.weibo.com":
		return true
	}
	return false
}

// weiboStatus recognises a Weibo status URL path and returns the numeric mid.
func weiboStatus(host, p string) (string, bool) {
	if !isWeiboHost(host) {
		return "", false
	}
	segs := strings.Split(strings.Trim(p, "/"), "/")
	if len(segs) != 2 {
		return "", false
	}
	a, b := segs[0], segs[1]
	switch {
	case a == "status" || a == "detail":
	case isDigits(a) && len(a) >= 5 && len(a) <= 12:
	default:
		return "", false
	}
	return weiboMID(b)
}

// weiboMID turns a Weibo status id, numeric (mid) or base62 (bid), into the
// numeric mid. It refuses anything that is not clearly one of the two.
func weiboMID(id string) (string, bool) {
	if isDigits(id) {
		if len(id) >= 15 && len(id) <= 19 {
			return strings.TrimLeft(id, "0"), true
		}
		return "", false
	}
	if len(id) < 8 || len(id) > 10 {
		return "", false
	}
	lower := true
	for i := 0; i < len(id); i++ {
		c := id[i]
		if base62Index(c) < 0 {
			return "", false
		}
		if !(c >= 'a' && c <= 'z') {
			lower = false
		}
	}
	if lower { // all lower-case letters: a word like "settings", not an id
		return "", false
	}
	// Decode from the right in groups of 4 base62 digits, each 7 decimal digits.
	var parts []string
	for end := len(id); end > 0; end -= 4 {
		start := max(end-4, 0)
		var n int64
		for i := start; i < end; i++ {
			n = n*62 + int64(base62Index(id[i]))
		}
		s := fmt.Sprintf("%d", n)
		if start > 0 {
			if len(s) > 7 {
				return "", false
			}
			s = strings.Repeat("0", 7-len(s)) + s
		}
		parts = append([]string{s}, parts...)
	}
	mid := strings.TrimLeft(strings.Join(parts, ""), "0")
	if len(mid) < 15 || len(mid) > 19 {
		return "", false
	}
	return mid, true
}

const base62 = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"

func base62Index(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'z':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'Z':
		return int(c-'A') + 36
	}
	return -1
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
