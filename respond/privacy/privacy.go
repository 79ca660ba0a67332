// Package privacy is the privacy guard: it finds personal data (身份证号,
// phone numbers, bank cards, licence plates, e-mail addresses, detailed
// addresses with a 门牌号, and the names of patients, victims, minors and
// the dead) in drafts, 口径, reports and outgoing notifications, and masks
// what it found.
//
// Scan and Mask are pure and safe for concurrent use. Offsets are rune
// (character) offsets, not byte offsets, so a console can highlight them.
//
// The guard prefers precision: a number is personal only when its shape
// says so (check digits, Luhn, a valid birth date, a mobile prefix, an area
// code), and never when it is part of a longer digit run, a decimal, an
// amount with a unit, a URL or a labelled code (编号, 工单号, 文号, 统一社会信用代码).
// Names are found only next to words that mark a patient, victim, minor or
// deceased person, and names already masked with 某, X, * or × are not
// findings.
package privacy

import (
	"cmp"
	"slices"
	"strings"
)

// Kinds of personal data.
const (
	KindIDCard   = "id_card"   // 身份证号, 18 or 15 digits
	KindPhone    = "phone"     // mobile and landline numbers, switchboards included
	KindBankCard = "bank_card" // bank card numbers, 16–19 digits passing Luhn
	KindPlate    = "plate"     // licence plates, new-energy included
	KindEmail    = "email"     // e-mail addresses
	KindAddress  = "address"   // addresses down to the 门牌号 or the room
	KindName     = "name"      // unmasked names of patients, victims, minors, the dead
)

// Kinds returns every kind, in the order reports list them.
func Kinds() []string {
	return []string{KindIDCard, KindPhone, KindBankCard, KindPlate, KindEmail, KindAddress, KindName}
}

// Label is the Chinese name of a kind, for users; an unknown kind is
// returned as it is.
func Label(kind string) string {
	switch kind {
	case KindIDCard:
		return "身份证号"
	case KindPhone:
		return "电话号码"
	case KindBankCard:
		return "银行卡号"
	case KindPlate:
		return "车牌号"
	case KindEmail:
		return "电子邮箱"
	case KindAddress:
		return "详细地址"
	case KindName:
		return "姓名"
	}
	return kind
}

// Finding is one piece of personal data in a text.
type Finding struct {
	Kind  string `json:"kind"`  // id_card, phone, bank_card, plate, email, address, name
	Text  string `json:"text"`  // the text found, exactly as written
	Start int    `json:"start"` // offset in characters (runes), inclusive
	End   int    `json:"end"`   // offset in characters (runes), exclusive
}

// priority decides between overlapping candidates: the lower wins.
func priority(kind string) int {
	switch kind {
	case KindEmail:
		return 0
	case KindIDCard:
		return 1
	case KindBankCard:
		return 2
	case KindPhone:
		return 3
	case KindPlate:
		return 4
	case KindAddress:
		return 5
	}
	return 6
}

// Scan returns the personal data in text, ordered by Start and never
// overlapping. A text without any returns nil.
func Scan(text string) []Finding {
	r := []rune(text)
	s := &scanner{r: r}
	s.skip = urlSpans(r)
	var cands []Finding
	cands = append(cands, s.emails()...)
	cands = append(cands, s.numbers()...)
	cands = append(cands, s.plates()...)
	cands = append(cands, s.addresses()...)
	cands = append(cands, s.names()...)
	if len(cands) == 0 {
		return nil
	}
	slices.SortStableFunc(cands, func(a, b Finding) int {
		if c := cmp.Compare(priority(a.Kind), priority(b.Kind)); c != 0 {
			return c
		}
		if c := cmp.Compare(a.Start, b.Start); c != 0 {
			return c
		}
		return cmp.Compare(b.End, a.End)
	})
	var out []Finding
	for _, c := range cands {
		if slices.ContainsFunc(out, func(f Finding) bool { return c.Start < f.End && f.Start < c.End }) {
			continue
		}
		c.Text = string(r[c.Start:c.End])
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b Finding) int { return cmp.Compare(a.Start, b.Start) })
	return out
}

// Mask returns text with each finding replaced by a masked form that keeps
// a hint: 110101********1234 for an id, 138****5678 for a mobile,
// 0571-****8888 for a landline, 6222********1234 for a card, 京A·***45 for
// a plate, a***@x.com for an e-mail, 文一西路***号 for an address (the road
// or community stays, the 门牌号 goes) and 张* for a name.
//
// Findings are located by Start and End in text; ones out of range or
// overlapping an earlier one are ignored, so Mask(text, Scan(text)) is
// always safe. Only the findings given are masked: a caller may keep some
// (a hospital switchboard an approver allowed).
func Mask(text string, fs []Finding) string {
	r := []rune(text)
	fs = slices.Clone(fs)
	slices.SortStableFunc(fs, func(a, b Finding) int { return cmp.Compare(a.Start, b.Start) })
	var b strings.Builder
	pos := 0
	for _, f := range fs {
		if f.Start < pos || f.Start >= f.End || f.End > len(r) {
			continue
		}
		b.WriteString(string(r[pos:f.Start]))
		b.WriteString(maskOne(f.Kind, r[f.Start:f.End]))
		pos = f.End
	}
	b.WriteString(string(r[pos:]))
	return b.String()
}

func maskOne(kind string, r []rune) string {
	out := slices.Clone(r)
	switch kind {
	case KindIDCard:
		maskDigits(out, 6, 4)
	case KindBankCard:
		maskDigits(out, 4, 4)
	case KindPhone:
		maskPhone(out)
	case KindPlate:
		return maskPlate(r)
	case KindEmail:
		return maskEmail(r)
	case KindAddress:
		for i, c := range out {
			if isDigit(c) {
				out[i] = '*'
			}
		}
	case KindName:
		sl := surnameLen(r)
		for i := sl; i < len(out); i++ {
			out[i] = '*'
		}
	default:
		for i, c := range out {
			if !isSpace(c) {
				out[i] = '*'
			}
		}
	}
	return string(out)
}

// maskDigits stars every digit (or check letter X) but the first keep and
// the last tail ones; separators stay.
func maskDigits(r []rune, keep, tail int) {
	var idx []int
	for i, c := range r {
		if isDigit(c) || c == 'X' || c == 'x' || c == 'Ｘ' || c == 'ｘ' {
			idx = append(idx, i)
		}
	}
	for k, i := range idx {
		if k >= keep && k < len(idx)-tail {
			r[i] = '*'
		}
	}
}

// maskPhone stars the middle four digits of a mobile (after any +86
// prefix), or the local number of a landline but its last four digits;
// the area code and an extension stay.
func maskPhone(r []rune) {
	var idx []int
	for i, c := range r {
		if isDigit(c) {
			idx = append(idx, i)
		}
	}
	ds := make([]byte, len(idx))
	for k, i := range idx {
		ds[k] = byte('0' + digitValue(r[i]))
	}
	d := string(ds)
	pre := 0
	switch {
	case len(d) >= 15 && strings.HasPrefix(d, "0086") && d[4] == '1':
		pre = 4
	case len(d) >= 13 && strings.HasPrefix(d, "86") && d[2] == '1':
		pre = 2
	}
	if len(d)-pre == 11 && d[pre] == '1' {
		for k := pre + 3; k < pre+7; k++ {
			r[idx[k]] = '*'
		}
		return
	}
	// Landline: the area code is the digits in brackets, the first group,
	// or (run together) 010/02x or a four-digit code; none when the
	// number does not start with 0.
	area := 4
	if len(d) > 2 && (d[1] == '1' || d[1] == '2') {
		area = 3
	}
	if len(d) > 0 && d[0] != '0' {
		area = 0
	} else if open := slices.IndexFunc(r, func(c rune) bool { return c == '(' || c == '（' }); open >= 0 {
		n := 0
		for _, c := range r[open+1:] {
			if c == ')' || c == '）' {
				break
			}
			if isDigit(c) {
				n++
			}
		}
		area = n
	} else if len(idx) > 0 {
		n := 0
		for _, c := range r[idx[0]:] {
			if !isDigit(c) {
				break
			}
			n++
		}
		if n <= 4 {
			area = n
		}
	}
	// The local number is 7 or 8 digits; a gap after seven of them starts
	// an extension (-801, 转801), which stays.
	end := area
	for end < len(idx) && end-area < 8 {
		if end-area >= 7 && idx[end]-idx[end-1] > 1 {
			break
		}
		end++
	}
	// Without an area code the first digit stays too: a mask always sits
	// between digits, so no shorter number shows in what is left.
	from := max(area, 1)
	for k := from; k < end-4; k++ {
		r[idx[k]] = '*'
	}
}

func maskPlate(r []rune) string {
	if len(r) < 3 {
		return strings.Repeat("*", len(r))
	}
	var tail []rune
	var suffix string
	for _, c := range r[2:] {
		switch {
		case isPlateChar(c):
			tail = append(tail, c)
		case isHan(c):
			suffix += string(c)
		}
	}
	keep := min(2, len(tail))
	return string(r[:2]) + "·" + strings.Repeat("*", len(tail)-keep) + string(tail[len(tail)-keep:]) + suffix
}

func maskEmail(r []rune) string {
	at := slices.Index(r, '@')
	if at <= 0 {
		return strings.Repeat("*", len(r))
	}
	return string(r[0]) + "***" + string(r[at:])
}
