package normalize

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"yuqing/internal/clock"
	"yuqing/internal/hanzi"
)

// ErrTime is wrapped by every error Time returns.
var ErrTime = errors.New("unrecognised time")

// Layouts with an explicit zone or a full date, tried after the caller's
// own layouts. A layout without a zone is read in loc.
var Layouts = []string{
	time.RFC3339Nano,
	time.RFC3339,
	"2006-01-02T15:04:05Z0700",
	"2006-01-02T15:04:05.999999999Z0700",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05Z07:00",
	"2006-01-02 15:04:05 -0700",
	"2006-01-02 15:04:05 -0700 MST",
	"2006-01-02 15:04:05.999999999",
	time.RFC1123Z,
	time.RFC1123,
	"Mon, 2 Jan 2006 15:04:05 -0700",
	"Mon, 2 Jan 2006 15:04:05 MST",
	"Mon, 2 Jan 2006 15:04 -0700",
	"Mon, 2 Jan 2006 15:04 MST",
	"2 Jan 2006 15:04:05 -0700",
	"2 Jan 2006 15:04:05 MST",
	time.RFC822Z,
	time.RFC822,
	time.RFC850,
	time.RubyDate, // Weibo API created_at: "Mon Nov 23 10:00:00 +0800 2026"
	time.UnixDate,
	time.ANSIC,
	"Jan 2, 2006 15:04:05",
	"Jan 2, 2006",
	"2 January 2006",
	"January 2, 2006",
}

var (
	relRe = regexp.MustCompile(`^(\d{1,9}|半|一|两|几)\s*(秒钟|秒|分钟|分|小时|个小时|个钟头|钟头|天|日|周|星期|个星期)\s*(?:之?前|以前)$`)
	enRe  = regexp.MustCompile(`^(?i)(\d{1,9}|an?)\s*(seconds?|secs?|s|minutes?|mins?|m|hours?|hrs?|h|days?|d|weeks?|w)\s+ago$`)
	dayRe = regexp.MustCompile(`^(今天|今日|昨天|昨日|前天)\s*` + clockPat + `$`)
	clkRe = regexp.MustCompile(`^` + clockPat + `$`)
	// [yyyy-]mm-dd [hh:mm[:ss]], with -, /, . or 年月日 between the parts.
	absRe  = regexp.MustCompile(`^(?:(\d{4}|\d{2})\s*[-/.年]\s*)?(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?(?:\s*T?\s*` + clockPat + `)?$`)
	unixRe = regexp.MustCompile(`^(\d{8,19})(?:\.(\d{1,9}))?$`)
)

// clockPat is [上午|下午…] hh(:|时|点)[mm[分]][(:)ss[.fff][秒]].
const clockPat = `(上午|下午|晚上|凌晨|中午|早上|傍晚|夜里)?\s*(\d{1,2})\s*(?::|时|点)\s*(?:(\d{1,2})\s*分?)?(?:\s*:?\s*(\d{1,2})(?:\.\d{1,9})?\s*秒?)?`

// prefixes sources put before a time.
var timePrefixes = []string{"发布时间:", "发表时间:", "发布于", "发表于", "更新于", "更新时间:", "时间:", "发布:", "发表:", "posted on", "posted", "published"}

// TimeAt parses a time as sources write it and returns it in UTC. Times
// without a zone are in loc (China time if loc is nil). It tries, in order:
//
//   - the caller's layouts (time.ParseInLocation in loc);
//   - relative times against now: "刚刚", "刚才", "5分钟前", "半小时前",
//     "3小时前", "2天前", "1周前", "5 minutes ago" (no months or years: those
//     are too vague to date a mention);
//   - "今天 10:00", "昨天 23:10", "前天 08:00", and a bare "10:00" (today, or
//     yesterday if that would be more than 10 minutes after now);
//   - Unix time as 9–11 digits (seconds, optionally with a fraction), 13
//     (milliseconds), 16 (microseconds) or 19 (nanoseconds); 8, 12 and 14
//     digits are read as yyyymmdd[hhmm[ss]];
//   - Layouts (RFC 3339, RFC 1123(Z), RFC 822, RFC 850, Ruby/Weibo, Unix date…);
//   - dates such as "2026-11-23 10:00", "2026/11/23 10:00:05", "2026年11月23日
//     下午3点05分", "11月23日 10:00", "11-23 10:00" (no year: this year, or
//     last year if that would be more than a day after now).
//
// Full-width digits and colons are accepted, as are prefixes like "发布于".
func TimeAt(s string, layouts []string, loc *time.Location, now time.Time) (time.Time, error) {
	if loc == nil {
		loc = clock.Beijing
	}
	raw := s
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, fmt.Errorf("%w: empty", ErrTime)
	}
	if len(s) > 128 {
		return time.Time{}, fmt.Errorf("%w: %d bytes is too long for a time", ErrTime, len(s))
	}
	for _, l := range layouts {
		if t, err := time.ParseInLocation(l, s, loc); err == nil {
			return t.UTC(), nil
		}
	}
	s = cleanTime(s)
	nowL := now.In(loc)

	switch strings.ToLower(s) {
	case "刚刚", "刚才", "just now", "now", "片刻前", "不久前":
		return now.UTC(), nil
	}
	if m := relRe.FindStringSubmatch(s); m != nil {
		n, unit := m[1], m[2]
		var d time.Duration
		switch unit {
		case "秒钟", "秒":
			d = time.Second
		case "分钟", "分":
			d = time.Minute
		case "小时", "个小时", "个钟头", "钟头":
			d = time.Hour
		case "天", "日":
			d = 24 * time.Hour
		default:
			d = 7 * 24 * time.Hour
		}
		var k float64
		switch n {
		case "半":
			k = 0.5
		case "一":
			k = 1
		case "两":
			k = 2
		case "几":
			k = 3
		default:
			v, _ := strconv.ParseFloat(n, 64)
			k = v
		}
		return ago(now, k, d, raw)
	}
	if m := enRe.FindStringSubmatch(s); m != nil {
		k := 1.0
		if v, err := strconv.ParseFloat(m[1], 64); err == nil {
			k = v
		}
		var d time.Duration
		switch u := strings.ToLower(m[2]); u[0] {
		case 's':
			d = time.Second
		case 'm':
			d = time.Minute
		case 'h':
			d = time.Hour
		case 'd':
			d = 24 * time.Hour
		default:
			d = 7 * 24 * time.Hour
		}
		return ago(now, k, d, raw)
	}
	if m := dayRe.FindStringSubmatch(s); m != nil {
		back := 0
		switch m[1] {
		case "昨天", "昨日":
			back = 1
		case "前天":
			back = 2
		}
		y, mo, d := nowL.Date()
		return build(y, int(mo), d-back, m[2:6], loc, raw)
	}
	if m := clkRe.FindStringSubmatch(s); m != nil {
		y, mo, d := nowL.Date()
		t, err := build(y, int(mo), d, m[1:5], loc, raw)
		if err == nil && t.After(now.Add(10*time.Minute)) {
			t, err = build(y, int(mo), d-1, m[1:5], loc, raw)
		}
		return t, err
	}
	if m := unixRe.FindStringSubmatch(s); m != nil {
		return unix(m[1], m[2], loc, raw)
	}
	for _, l := range Layouts {
		if t, err := time.ParseInLocation(l, s, loc); err == nil {
			return t.UTC(), nil
		}
	}
	if m := absRe.FindStringSubmatch(s); m != nil {
		mo, _ := strconv.Atoi(m[2])
		d, _ := strconv.Atoi(m[3])
		if m[1] != "" {
			y, _ := strconv.Atoi(m[1])
			if len(m[1]) == 2 {
				y += 2000
			}
			return build(y, mo, d, m[4:8], loc, raw)
		}
		y := nowL.Year()
		t, err := build(y, mo, d, m[4:8], loc, raw)
		if err == nil && t.After(now.Add(24*time.Hour)) {
			t, err = build(y-1, mo, d, m[4:8], loc, raw)
		}
		return t, err
	}
	return time.Time{}, fmt.Errorf("%w: %q", ErrTime, raw)
}

// cleanTime folds full-width forms, drops known prefixes and a trailing
// "来自 …" (Weibo's "from client"), and collapses spaces.
func cleanTime(s string) string {
	s = strings.Map(hanzi.Width, s)
	s = strings.Join(strings.Fields(s), " ")
	low := strings.ToLower(s)
	for _, p := range timePrefixes {
		if strings.HasPrefix(low, p) {
			s = strings.TrimSpace(s[len(p):])
			break
		}
	}
	if i := strings.Index(s, "来自"); i > 0 {
		s = strings.TrimSpace(s[:i])
	}
	return s
}

func ago(now time.Time, k float64, unit time.Duration, raw string) (time.Time, error) {
	if k < 0 || k*float64(unit) > float64(math.MaxInt64/2) {
		return time.Time{}, fmt.Errorf("%w: %q is too far back", ErrTime, raw)
	}
	return now.Add(-time.Duration(k * float64(unit))).UTC(), nil
}

// build makes a time from a date and the clock groups of clockPat
// (period, hour, minute, second), refusing out-of-range fields. d may be
// 0 or negative (yesterday on the 1st): time.Date normalises it.
func build(y, mo, d int, clock []string, loc *time.Location, raw string) (time.Time, error) {
	bad := func() (time.Time, error) {
		return time.Time{}, fmt.Errorf("%w: %q has a field out of range", ErrTime, raw)
	}
	if y < 1 || y > 9999 || mo < 1 || mo > 12 || d > 31 {
		return bad()
	}
	var h, mi, sec int
	if clock[1] != "" {
		h, _ = strconv.Atoi(clock[1])
		mi, _ = strconv.Atoi(clock[2])
		sec, _ = strconv.Atoi(clock[3])
		switch clock[0] {
		case "下午", "晚上", "傍晚", "夜里":
			if h < 12 {
				h += 12
			}
		case "中午":
			if h < 11 {
				h += 12
			}
		case "凌晨", "上午", "早上":
			if h == 12 {
				h = 0
			}
		}
		if sec == 60 {
			sec = 59
		}
		if h > 23 || mi > 59 || sec > 59 {
			return bad()
		}
	}
	if d >= 1 { // a real day of the month must exist in that month
		if t := time.Date(y, time.Month(mo), d, 0, 0, 0, 0, time.UTC); t.Day() != d {
			return bad()
		}
	}
	return time.Date(y, time.Month(mo), d, h, mi, sec, 0, loc).UTC(), nil
}

func unix(digits, frac string, loc *time.Location, raw string) (time.Time, error) {
	switch len(digits) {
	case 8, 12, 14:
		if frac != "" {
			break
		}
		y, _ := strconv.Atoi(digits[:4])
		mo, _ := strconv.Atoi(digits[4:6])
		d, _ := strconv.Atoi(digits[6:8])
		clock := []string{"", "", "", ""}
		if len(digits) >= 12 {
			clock[1], clock[2] = digits[8:10], digits[10:12]
		}
		if len(digits) == 14 {
			clock[3] = digits[12:14]
		}
		return build(y, mo, d, clock, loc, raw)
	}
	n, err := strconv.ParseInt(digits, 10, 64)
	if err != nil {
		return time.Time{}, fmt.Errorf("%w: %q", ErrTime, raw)
	}
	var t time.Time
	switch len(digits) {
	case 9, 10, 11:
		ns := int64(0)
		if frac != "" {
			f := (frac + "000000000")[:9]
			ns, _ = strconv.ParseInt(f, 10, 64)
		}
		t = time.Unix(n, ns)
	case 13:
		t = time.UnixMilli(n)
	case 16:
		t = time.UnixMicro(n)
	case 19:
		t = time.Unix(0, n)
	default:
		return time.Time{}, fmt.Errorf("%w: %q is not a Unix time in s, ms, µs or ns", ErrTime, raw)
	}
	if frac != "" && len(digits) > 11 {
		return time.Time{}, fmt.Errorf("%w: %q", ErrTime, raw)
	}
	return t.UTC(), nil
}
