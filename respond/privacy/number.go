package privacy

import "strings"

// group is a maximal digit run; groups joined by one separator form a
// span (138 1234 5678).
type group struct {
	s, e   int    // runes [s, e); e includes a check letter X
	digits string // ASCII digits, and a trailing X
	sep    rune   // the separator after the group, 0 at the end of the span
}

// numbers finds ids, phones and bank cards among the digit runs of the text.
func (s *scanner) numbers() []Finding {
	r := s.r
	var out []Finding
	for i := 0; i < len(r); {
		if !isDigit(r[i]) {
			i++
			continue
		}
		var span []group
		for {
			g := group{s: i}
			var b strings.Builder
			for i < len(r) && isDigit(r[i]) {
				b.WriteByte(byte('0' + digitValue(r[i])))
				i++
			}
			if n := b.Len(); (n == 17 || n == 3) && i < len(r) && strings.ContainsRune("XxＸｘ", r[i]) && !isAlnum(s.at(i+1)) {
				b.WriteByte('X')
				i++
				g.e, g.digits = i, b.String()
				span = append(span, g)
				break
			}
			g.e, g.digits = i, b.String()
			if i+1 < len(r) && isSep(r[i]) && isDigit(r[i+1]) {
				g.sep = r[i]
				span = append(span, g)
				i++
				continue
			}
			span = append(span, g)
			break
		}
		out = append(out, s.matchSpan(span)...)
	}
	return out
}

// matchSpan reads the numbers of one span. A number may start or end only
// at the span's ends or at a space: groups joined by a hyphen stay together.
func (s *scanner) matchSpan(span []group) []Finding {
	var out []Finding
	for k := 0; k < len(span); {
		if k > 0 && !isSpace(span[k-1].sep) {
			k++
			continue
		}
		if f, next, ok := s.matchAt(span, k); ok {
			out = append(out, f)
			k = next
			continue
		}
		k++
	}
	return out
}

// matchAt tries every number shape starting at span[k]; it returns the
// finding and the index of the group after it.
func (s *scanner) matchAt(span []group, k int) (Finding, int, bool) {
	// ends reports whether a number may end after group j.
	ends := func(j int) bool { return j == len(span)-1 || isSpace(span[j].sep) }
	cat := func(from, to int) string {
		var b strings.Builder
		for j := from; j <= to; j++ {
			b.WriteString(span[j].digits)
		}
		return b.String()
	}
	lens := func(from int, want ...int) bool {
		if from+len(want) > len(span) {
			return false
		}
		for j, n := range want {
			if len(span[from+j].digits) != n || (j < len(want)-1 && span[from+j].sep == 0) {
				return false
			}
		}
		return ends(from + len(want) - 1)
	}
	g := span[k]
	d := g.digits
	try := func(kind string, start, end, next int) (Finding, int, bool) {
		if !s.numberBoundary(start, end) {
			return Finding{}, 0, false
		}
		return Finding{Kind: kind, Start: start, End: end}, next, true
	}
	// 身份证号: 18 or 15 digits, or 6-8-4.
	if ends(k) && (len(d) == 18 && validID18(d) || len(d) == 15 && validID15(d)) {
		if f, n, ok := try(KindIDCard, g.s, g.e, k+1); ok {
			return f, n, ok
		}
	}
	if lens(k, 6, 8, 4) && validID18(cat(k, k+2)) {
		if f, n, ok := try(KindIDCard, g.s, span[k+2].e, k+3); ok {
			return f, n, ok
		}
	}
	if strings.HasSuffix(d, "X") {
		return Finding{}, 0, false
	}
	// Mobiles, with or without +86 / 0086.
	start := g.s
	if c := s.at(g.s - 1); c == '+' || c == '＋' {
		start = g.s - 1
	}
	if ends(k) {
		for _, pre := range []string{"86", "0086"} {
			if len(d) == len(pre)+11 && strings.HasPrefix(d, pre) && mobile(d[len(pre):]) {
				if f, n, ok := try(KindPhone, start, g.e, k+1); ok {
					return f, n, ok
				}
			}
		}
	}
	if (d == "86" || d == "0086") && k+1 < len(span) && g.sep != 0 {
		if j, ok := mobileGroups(span, k+1, ends); ok {
			if f, n, ok := try(KindPhone, start, span[j].e, j+1); ok {
				return f, n, ok
			}
		}
	}
	if j, ok := mobileGroups(span, k, ends); ok {
		if f, n, ok := try(KindPhone, g.s, span[j].e, j+1); ok {
			return f, n, ok
		}
	}
	// Landlines: (010)12345678, 0571-8888 8888, 01012345678, with an extension.
	if f, n, ok := s.landline(span, k, ends); ok {
		if f, n, ok := try(KindPhone, f.Start, f.End, n); ok {
			return f, n, ok
		}
	}
	// Bank cards: 16–19 digits, or groups of four.
	if ends(k) && len(d) >= 16 && len(d) <= 19 && validCard(d) {
		if f, n, ok := try(KindBankCard, g.s, g.e, k+1); ok {
			return f, n, ok
		}
	}
	for j := k; j < len(span) && j-k < 5; j++ {
		if len(span[j].digits) != 4 && !(j-k >= 3 && len(span[j].digits) < 4) {
			break
		}
		if j-k >= 3 && ends(j) {
			if all := cat(k, j); len(all) >= 16 && len(all) <= 19 && validCard(all) {
				if f, n, ok := try(KindBankCard, g.s, span[j].e, j+1); ok {
					return f, n, ok
				}
			}
		}
		if len(span[j].digits) != 4 || span[j].sep == 0 {
			break
		}
	}
	return Finding{}, 0, false
}

func mobile(d string) bool { return len(d) == 11 && d[0] == '1' && d[1] >= '3' && d[1] <= '9' }

// mobileGroups reads 13812345678, 138 1234 5678 or 138-12345678 from span[k].
func mobileGroups(span []group, k int, ends func(int) bool) (int, bool) {
	var d string
	for j := k; j < len(span) && j-k < 3; j++ {
		d += span[j].digits
		if len(d) > 11 {
			return 0, false
		}
		if len(d) == 11 {
			n := j - k + 1
			ok := n == 1 || n == 2 && (len(span[k].digits) == 3 || len(span[k].digits) == 7) || n == 3 && len(span[k].digits) == 3 && len(span[k+1].digits) == 4
			return j, ok && ends(j) && mobile(d)
		}
		if span[j].sep == 0 {
			return 0, false
		}
	}
	return 0, false
}

// landline reads a landline starting at span[k].
func (s *scanner) landline(span []group, k int, ends func(int) bool) (Finding, int, bool) {
	r := s.r
	g := span[k]
	start, area, first := g.s, "", k
	// (010)12345678 / （0571） 8888 8888: the area code sits in brackets before the span.
	if k == 0 {
		p := g.s - 1
		if isSpace(s.at(p)) {
			p--
		}
		if c := s.at(p); c == ')' || c == '）' {
			q := p - 1
			for q >= 0 && isDigit(r[q]) {
				q--
			}
			if c := s.at(q); (c == '(' || c == '（') && validArea(digitsOf(r[q+1:p])) {
				start, area = q, digitsOf(r[q+1:p])
			}
		}
	}
	if area == "" {
		if validArea(g.digits) && g.sep != 0 && k+1 < len(span) {
			area, first = g.digits, k+1
		} else if d := g.digits; ends(k) && (len(d) == 11 || len(d) == 12) && d[0] == '0' {
			// run together: 01012345678, 057188888888
			for _, n := range []int{3, 4} {
				if validArea(d[:n]) && validLocal(d[:n], d[n:]) {
					return s.extension(Finding{Kind: KindPhone, Start: start, End: g.e}, k+1)
				}
			}
			return Finding{}, 0, false
		} else if s.phoneLabel(g.s) {
			// 电话：87236114, a local number without its area code
		} else {
			return Finding{}, 0, false
		}
	}
	// The local number: one group of 7–8, or 3-4 / 4-4 / 4-3.
	local := ""
	j := first
	for ; j < len(span) && j-first < 2; j++ {
		local += span[j].digits
		if len(local) >= 7 {
			break
		}
		if span[j].sep == 0 {
			return Finding{}, 0, false
		}
	}
	if j >= len(span) || !validLocal(area, local) || j-first == 1 && (len(span[first].digits) < 3 || len(span[j].digits) < 3) {
		return Finding{}, 0, false
	}
	// an extension joined by a hyphen: 0571-88888888-801
	if span[j].sep != 0 && !isSpace(span[j].sep) && j+1 < len(span) && len(span[j+1].digits) <= 5 && ends(j+1) {
		return Finding{Kind: KindPhone, Start: start, End: span[j+1].e}, j + 2, true
	}
	if !ends(j) {
		return Finding{}, 0, false
	}
	return s.extension(Finding{Kind: KindPhone, Start: start, End: span[j].e}, j+1)
}

// extension extends a landline over 转801, 分机801 or ext. 801.
func (s *scanner) extension(f Finding, next int) (Finding, int, bool) {
	r := s.r
	for _, w := range []string{"转", "分机", "ext.", "ext", "EXT.", "EXT", "Ext."} {
		if !hasPrefixAt(r, f.End, w) {
			continue
		}
		p := f.End + len([]rune(w))
		if isSpace(s.at(p)) {
			p++
		}
		q := p
		for q < len(r) && isDigit(r[q]) {
			q++
		}
		if q > p && q-p <= 5 && !isAlnum(s.at(q)) {
			f.End = q
		}
		break
	}
	return f, next, true
}

func digitsOf(r []rune) string {
	var b strings.Builder
	for _, c := range r {
		if isDigit(c) {
			b.WriteByte(byte('0' + digitValue(c)))
		}
	}
	return b.String()
}

// validArea: 010 and 020–029, or a four-digit code 03xx–09xx.
func validArea(a string) bool {
	switch len(a) {
	case 3:
		return a == "010" || a[0] == '0' && a[1] == '2'
	case 4:
		return a[0] == '0' && a[1] >= '3' && a[1] <= '9'
	}
	return false
}

// validLocal: eight digits after a three-digit code, seven or eight after
// a four-digit one or none, never starting with 0 or 1 (those are service
// numbers).
func validLocal(area, local string) bool {
	if len(local) < 7 || len(local) > 8 || local[0] < '2' {
		return false
	}
	return len(area) != 3 || len(local) == 8
}

// phoneLabels name a phone number written without its area code.
var phoneLabels = []string{"电话", "电话号码", "座机", "固话", "传真", "热线", "总机", "值班室", "联系方式", "Tel", "TEL", "tel"}

// phoneLabel reports a phone label right before start (电话：87236114).
func (s *scanner) phoneLabel(start int) bool {
	p := start
	for n := 0; n < 3 && p > 0 && (isSpace(s.r[p-1]) || strings.ContainsRune(":：为是", s.r[p-1])); n++ {
		p--
	}
	for _, l := range phoneLabels {
		if hasSuffixAt(s.r, p, l) {
			return true
		}
	}
	return false
}

// numberBoundary rejects a number that is part of something else: an
// alphanumeric code, a decimal, an amount with a unit, a URL, or a
// labelled code such as 工单号 or 统一社会信用代码.
func (s *scanner) numberBoundary(start, end int) bool {
	if s.inSkip(start, end) {
		return false
	}
	b, a := s.at(start-1), s.at(end)
	// A masked digit (*) counts as one, so masking a neighbour changes
	// nothing: 0700***0700, 0700 ****0700 and 5187 **** **** 3418 hold no
	// number, and neither does a run before a masked e-mail (…0***@x.cn).
	digitish := func(c rune) bool { return isDigit(c) || c == '*' }
	masked := func(i, step int) bool {
		star := func(c rune) bool { return c == '*' || c == '＊' }
		j, seen := i, false
		for {
			k := j
			if isSep(s.at(k)) {
				k += step
			}
			if !star(s.at(k)) {
				break
			}
			for star(s.at(k)) {
				k += step
			}
			j, seen = k, true
			if isSep(s.at(j)) && isDigit(s.at(j+step)) {
				j += step
			}
		}
		return seen && (isDigit(s.at(j)) || step > 0 && s.at(j) == '@')
	}
	if masked(start-1, -1) || masked(end, 1) {
		return false
	}
	if isLetter(b) || b == '_' || (b == '.' || b == '．') && digitish(s.at(start-2)) {
		return false
	}
	if isLetter(a) || a == '_' || (a == '.' || a == '．') && digitish(s.at(end+1)) || a == '@' {
		return false
	}
	if strings.ContainsRune("%％‰元万亿人次个件户吨台辆米亩斤条份余多岁号天年月日", a) {
		return false
	}
	return !s.codeLabel(start)
}

// codeLabels come before numbers that are not personal.
var codeLabels = []string{"编号", "单号", "单号码", "编码", "工单", "订单", "流水号", "受理号", "案号", "批号", "序号", "代码", "文号", "注册号", "登记号", "条码", "票号", "发票号码", "邮编", "邮政编码", "批次"}

// personalLabels override a code label in the same few characters.
var personalLabels = []string{"身份证", "手机", "电话", "卡号", "银行卡", "账号", "联系方式"}

func (s *scanner) codeLabel(start int) bool {
	p := start
	for n := 0; n < 3 && p > 0 && (isSpace(s.r[p-1]) || strings.ContainsRune(":：#＃为是", s.r[p-1])); n++ {
		p--
	}
	win := string(s.r[max(0, p-8):p])
	for _, l := range personalLabels {
		if strings.Contains(win, l) {
			return false
		}
	}
	for _, l := range codeLabels {
		if strings.HasSuffix(win, l) {
			return true
		}
	}
	return false
}

var idWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

// IDCheck is the ISO 7064 MOD 11-2 check character of the first 17 digits
// of an 18-digit 身份证号: '0'–'9' or 'X'.
func IDCheck(first17 string) byte {
	sum := 0
	for i := 0; i < 17 && i < len(first17); i++ {
		sum += int(first17[i]-'0') * idWeights[i]
	}
	return "10X98765432"[sum%11]
}

// provinces are the first two digits of a 身份证号 (81–83: residence
// permits of Hong Kong, Macao and Taiwan residents).
const provinces = "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 61 62 63 64 65 71 81 82 83"

func validRegion(d string) bool {
	return len(d) >= 6 && d[0] != '0' && strings.Contains(provinces, d[:2]) && d[2:6] != "0000"
}

func validID18(d string) bool {
	if len(d) != 18 || !validRegion(d) || !validDate(d[6:14], 1900, 2099) {
		return false
	}
	for i := 0; i < 17; i++ {
		if d[i] < '0' || d[i] > '9' {
			return false
		}
	}
	return IDCheck(d[:17]) == d[17]
}

// validID15: the old ids, born 1910–1999 at positions 7–12, without a check digit.
func validID15(d string) bool {
	return len(d) == 15 && validRegion(d) && d[:2] < "70" && validDate("19"+d[6:12], 1910, 1999)
}

// validDate checks YYYYMMDD as a calendar date within [minY, maxY].
func validDate(s string, minY, maxY int) bool {
	if len(s) != 8 {
		return false
	}
	n := 0
	for i := 0; i < 8; i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	atoi := func(s string) int {
		n = 0
		for i := 0; i < len(s); i++ {
			n = n*10 + int(s[i]-'0')
		}
		return n
	}
	y, m, dd := atoi(s[:4]), atoi(s[4:6]), atoi(s[6:])
	if y < minY || y > maxY || m < 1 || m > 12 || dd < 1 {
		return false
	}
	days := [13]int{0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}[m]
	if m == 2 && (y%4 == 0 && y%100 != 0 || y%400 == 0) {
		days = 29
	}
	return dd <= days
}

// Luhn reports whether the digits pass the Luhn check.
func Luhn(d string) bool {
	sum, double := 0, false
	for i := len(d) - 1; i >= 0; i-- {
		c := d[i]
		if c < '0' || c > '9' {
			return false
		}
		v := int(c - '0')
		if double {
			v *= 2
			if v > 9 {
				v -= 9
			}
		}
		sum += v
		double = !double
	}
	return len(d) > 0 && sum%10 == 0
}

// validCard: Luhn, an issuer prefix seen on Chinese cards (UnionPay 62,
// Visa 4, Mastercard 5, JCB/Amex 3, old domestic 9), and not a 身份证号
// with a wrong check digit.
func validCard(d string) bool {
	if !strings.ContainsRune("34569", rune(d[0])) || !Luhn(d) {
		return false
	}
	if (len(d) == 18 || len(d) == 19) && validRegion(d) && validDate(d[6:14], 1900, 2099) {
		return false
	}
	return true
}
