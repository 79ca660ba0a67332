package source

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// DefaultLoginMarks are URL fragments that mean "this is a login page":
// a source redirected there is blind (its cookie or token expired).
var DefaultLoginMarks = []string{"login", "signin", "sign_in", "passport", "/sso", "/cas/", "logon", "/oauth2/authorize", "visitor/visitor", "captcha"}

// IsLoginURL reports a login page: a passport., login., sso. or signin.
// host, or a path or query holding one of marks (lower case).
func IsLoginURL(u *url.URL, marks []string) bool {
	host := strings.ToLower(u.Hostname())
	for _, p := range []string{"passport.", "login.", "sso.", "signin."} {
		if strings.HasPrefix(host, p) {
			return true
		}
	}
	p := strings.ToLower(u.Path)
	if q := strings.ToLower(u.RawQuery); strings.Contains(q, "login") || strings.Contains(q, "signin") {
		p += "?" + q
	}
	for _, m := range marks {
		if strings.Contains(p, m) {
			return true
		}
	}
	return false
}

// LoginMarks is DefaultLoginMarks plus the comma-separated extra ones of a
// source's options.login_marks.
func LoginMarks(extra string) []string {
	marks := append([]string(nil), DefaultLoginMarks...)
	for _, m := range strings.Split(extra, ",") {
		if m = strings.ToLower(strings.TrimSpace(m)); m != "" {
			marks = append(marks, m)
		}
	}
	return marks
}

// CheckRedirect is an http.Client CheckRedirect for connectors: at most 10
// redirects (then a retryable error), and a redirect to a login page is an
// authentication failure, the URL redacted.
func CheckRedirect(marks []string) func(req *http.Request, via []*http.Request) error {
	return func(req *http.Request, via []*http.Request) error {
		if len(via) >= 10 {
			return Retryable(errors.New("stopped after 10 redirects"))
		}
		if IsLoginURL(req.URL, marks) {
			return Auth(fmt.Errorf("redirected to a login page %s", Redact(req.URL.String())))
		}
		return nil
	}
}

// ParseRetryAfter reads an HTTP Retry-After header (seconds or a date) as a
// wait from now, at most a day; 0 when absent or unreadable.
func ParseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(v); err == nil && n >= 0 {
		return min(time.Duration(n)*time.Second, 24*time.Hour)
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return min(t.Sub(now), 24*time.Hour)
	}
	return 0
}
