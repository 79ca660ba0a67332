package hotline

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"yuqing/internal/clock"
)

var (
	sciNotation = regexp.MustCompile(`^[0-9](\.[0-9]+)?[eE][+]?[0-9]+$`)
	// 2026-11-23 10:05:00, 2026/11/23 10:05, 2026.11.23, 2026年11月23日 10时05分,
	// 2026-11-23T10:05:00.000: date, then optionally time.
	civilTime = regexp.MustCompile(`^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?` +
		`(?:(?:\s+|T|\s*)(\d{1,2})\s*[:：时点]\s*(\d{1,2})(?:\s*[:：分]\s*(\d{1,2})(?:[.,](\d{1,9}))?\s*秒?|\s*分)?)?$`)
	compactTime = regexp.MustCompile(`^(\d{4})(\d{2})(\d{2})(?:\s*(\d{2})(\d{2})(\d{2})?)?$`)
	serialDate  = regexp.MustCompile(`^\d{1,7}(\.\d+)?$`)
)

// Plausible years: anything outside is a typo or a misread column.
const minYear, maxYear = 1990, 2100

// ParseTime reads a time as exports write it: "2026-11-23 10:05:00",
// "2026/11/23 10:05", "2026/1/5 9:05", "2026年11月23日 10:05", "2026年11月23日
// 10时05分", "2026-11-23" (midnight), "20261123100500", RFC 3339 with a zone,
// or an Excel serial date ("46349.42", counted from 1904 when date1904).
// Times without a zone are civil times in loc. Years outside 1990–2100 are
// refused.
func ParseTime(s string, loc *time.Location, date1904 bool) (time.Time, error) {
	s = strings.TrimSpace(s)
	if loc == nil {
		loc = clock.Shanghai()
	}
	t, err := parseTime(s, loc, date1904)
	if err != nil {
		return time.Time{}, err
	}
	if y := t.Year(); y < minYear || y > maxYear {
		return time.Time{}, fmt.Errorf("time %q is in %d, outside %d–%d", s, y, minYear, maxYear)
	}
	return t, nil
}

func parseTime(s string, loc *time.Location, date1904 bool) (time.Time, error) {
	bad := fmt.Errorf("unparseable time %q", s)
	if g := civilTime.FindStringSubmatch(s); g != nil {
		return civil(g[1:], loc, bad)
	}
	if g := compactTime.FindStringSubmatch(s); g != nil {
		return civil(append(g[1:], ""), loc, bad)
	}
	if serialDate.MatchString(s) {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return time.Time{}, bad
		}
		return excelTime(f, loc, date1904)
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05Z07:00", "2006-01-02 15:04:05 -0700", "2006-01-02T15:04:05-0700"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.In(loc), nil
		}
	}
	return time.Time{}, bad
}

// civil builds a time from year, month, day, hour, minute, second,
// fraction; it refuses what time.Date would normalise (2026-02-30).
func civil(g []string, loc *time.Location, bad error) (time.Time, error) {
	n := [6]int{}
	for i := range n {
		if g[i] != "" {
			n[i], _ = strconv.Atoi(g[i]) // at most 4 digits
		}
	}
	ns := 0
	if g[6] != "" {
		frac := (g[6] + "000000000")[:9]
		ns, _ = strconv.Atoi(frac)
	}
	t := time.Date(n[0], time.Month(n[1]), n[2], n[3], n[4], n[5], ns, loc)
	if n[1] < 1 || n[1] > 12 || t.Day() != n[2] || n[3] > 23 || n[4] > 59 || n[5] > 59 {
		return time.Time{}, bad
	}
	return t, nil
}

// excelTime converts an Excel serial date: days since 1899-12-30 (which
// absorbs Lotus's phantom 1900-02-29 for every date after February 1900),
// or since 1904-01-01 in the 1904 date system. The serial is a civil time
// in loc, rounded to the second.
func excelTime(f float64, loc *time.Location, date1904 bool) (time.Time, error) {
	if math.IsNaN(f) || f < 1 || f > 2958465 { // 9999-12-31
		return time.Time{}, fmt.Errorf("excel serial date %v is out of range", f)
	}
	base := time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)
	if date1904 {
		base = time.Date(1904, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	days := math.Floor(f)
	secs := math.Round((f - days) * 86400)
	u := base.AddDate(0, 0, int(days)).Add(time.Duration(secs) * time.Second)
	return time.Date(u.Year(), u.Month(), u.Day(), u.Hour(), u.Minute(), u.Second(), 0, loc), nil
}

// MaskPhone masks phone numbers for storage: a mobile keeps its first 3 and
// last 4 digits (138****0000), any number of 11 digits or more likewise, a
// shorter one only its last 4, one of under 7 digits nothing. A +86/0086
// prefix is dropped. Several numbers ("138…/0571-8888…") are masked one by
// one and joined with "/". Characters other than digits and '*' are dropped,
// and an already masked number stays as it is.
func MaskPhone(s string) string {
	var out []string
	for _, tok := range strings.FieldsFunc(s, func(r rune) bool {
		return strings.ContainsRune(",;/、，；|", r) || r == '\n' || r == '或'
	}) {
		var d []byte
		for _, r := range tok {
			switch {
			case r >= '0' && r <= '9', r == '*':
				d = append(d, byte(r))
			case r >= '０' && r <= '９':
				d = append(d, byte('0'+r-'０'))
			}
		}
		if len(d) == 0 {
			continue
		}
		if strings.HasPrefix(strings.TrimSpace(tok), "+86") && len(d) > 11 {
			d = d[2:]
		} else if len(d) == 15 && string(d[:4]) == "0086" {
			d = d[4:]
		} else if len(d) == 13 && string(d[:2]) == "86" && d[2] == '1' {
			d = d[2:]
		}
		out = append(out, maskDigits(string(d)))
	}
	return strings.Join(out, "/")
}

func maskDigits(d string) string {
	switch n := len(d); {
	case n >= 11:
		return d[:3] + strings.Repeat("*", n-7) + d[n-4:]
	case n >= 7:
		return strings.Repeat("*", n-4) + d[n-4:]
	default:
		return strings.Repeat("*", n)
	}
}

// MaskText masks phone numbers written into free text: 11-digit mobile
// numbers (1[3-9]…, not part of a longer number, also after a bare 86 and
// spelled "138 0000 0000" or "138-0000-0000"), keeping 138****0000, and
// landlines with an area code and a dash (0571-****6666). Full-width digits
// count as digits.
func MaskText(s string) string {
	if !strings.ContainsFunc(s, isDigitRune) {
		return s
	}
	b := []rune(s)
	digit := func(i int) bool { return i >= 0 && i < len(b) && isDigitRune(b[i]) }
	val := func(i int) rune {
		if b[i] >= '０' {
			return b[i] - '０' + '0'
		}
		return b[i]
	}
	// mobile returns the digit positions of a mobile number starting at i
	// and the index after it, or nil.
	mobile := func(i int) ([]int, int) {
		var pos []int
		j := i
		for j < len(b) && len(pos) < 11 {
			if digit(j) {
				pos = append(pos, j)
				j++
				continue
			}
			if (b[j] == ' ' || b[j] == '-') && (len(pos) == 3 || len(pos) == 7) && digit(j+1) {
				j++
				continue
			}
			break
		}
		if len(pos) == 11 && !digit(j) && val(pos[0]) == '1' && val(pos[1]) >= '3' {
			return pos, j
		}
		return nil, 0
	}
	for i := 0; i < len(b); i++ {
		if !digit(i) || digit(i-1) {
			continue
		}
		pos, j := mobile(i)
		if pos == nil && digit(i+2) && val(i) == '8' && val(i+1) == '6' {
			pos, j = mobile(i + 2)
		}
		if pos != nil {
			for _, p := range pos[3:7] {
				b[p] = '*'
			}
			i = j - 1
			continue
		}
		k := i
		for digit(k) {
			k++
		}
		if area := k - i; val(i) == '0' && (area == 3 || area == 4) && k < len(b) && b[k] == '-' {
			e := k + 1
			for digit(e) {
				e++
			}
			if n := e - k - 1; n == 7 || n == 8 {
				for p := k + 1; p < e-4; p++ {
					b[p] = '*'
				}
				k = e
			}
		}
		i = k - 1
	}
	return string(b)
}

func isDigitRune(r rune) bool { return r >= '0' && r <= '9' || r >= '０' && r <= '９' }

// Canonical categories.
var Categories = []string{"咨询", "求助", "投诉", "举报", "建议", "表扬", "留言", "其他"}

var categorySynonyms = map[string]string{
	"问询": "咨询", "查询": "咨询", "询问": "咨询", "政策咨询": "咨询",
	"求援": "求助", "帮助": "求助", "紧急求助": "求助",
	"申诉": "投诉", "反映": "投诉", "反映问题": "投诉",
	"检举": "举报", "揭发": "举报",
	"意见": "建议", "意见建议": "建议", "建言献策": "建议", "建言": "建议",
	"感谢": "表扬", "致谢": "表扬", "表扬感谢": "表扬",
	"网络留言": "留言", "在线留言": "留言",
	"其它": "其他",
}

// Order matters: "投诉举报" is a report, "求助咨询" a help request.
var categoryContains = [][2]string{
	{"举报", "举报"}, {"检举", "举报"}, {"投诉", "投诉"}, {"求助", "求助"}, {"咨询", "咨询"},
	{"建议", "建议"}, {"意见", "建议"}, {"表扬", "表扬"}, {"感谢", "表扬"}, {"留言", "留言"},
}

// NormalizeCategory maps a category as exports write it (咨询类, 投诉举报,
// 意见建议 …) to one of Categories; extra is consulted first. "" stays "";
// anything unrecognised becomes 其他.
func NormalizeCategory(s string, extra map[string]string) string {
	s = clean(s)
	if s == "" {
		return ""
	}
	if c, ok := extra[s]; ok {
		return c
	}
	k := strings.TrimSuffix(strings.TrimSuffix(s, "类"), "件")
	for _, c := range Categories {
		if k == c {
			return c
		}
	}
	if c, ok := categorySynonyms[k]; ok {
		return c
	}
	for _, p := range categoryContains {
		if strings.Contains(s, p[0]) {
			return p[1]
		}
	}
	return "其他"
}
