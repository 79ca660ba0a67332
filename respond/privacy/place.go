package privacy

import (
	"slices"
	"strings"
)

// plateProvinces start a licence plate.
const plateProvinces = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"

// plateSuffixes end a plate of four characters: 挂 trailer, 学 learner, 警
// police, 使/领 embassy and consulate, 港/澳 cross-border.
const plateSuffixes = "挂学警使领港澳"

// isPlateChar: digits and capital letters but I and O.
func isPlateChar(c rune) bool {
	return c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' && c != 'I' && c != 'O'
}

// plates finds 京A12345, 京A·12345, 粤B·D12345, 沪AF12345, 粤B12345D and
// 京A1234警.
func (s *scanner) plates() []Finding {
	r := s.r
	var out []Finding
	for i := 0; i+6 < len(r); i++ {
		if !strings.ContainsRune(plateProvinces, r[i]) {
			continue
		}
		l := s.at(i + 1)
		if l < 'A' || l > 'Z' || l == 'I' || l == 'O' {
			continue
		}
		p := i + 2
		if strings.ContainsRune("·•・.．- ", s.at(p)) {
			p++
		}
		q := p
		for q < len(r) && isPlateChar(r[q]) {
			q++
		}
		tail := string(r[p:q])
		end := q
		switch {
		case len(tail) == 4 && strings.ContainsRune(plateSuffixes, s.at(q)) && digitCount(tail) >= 3:
			end = q + 1
		case len(tail) == 5 && digitCount(tail) >= 3:
		case len(tail) == 6 && newEnergy(tail):
		default:
			continue
		}
		if isAlnum(s.at(end)) || isLetter(s.at(i-1)) || s.inSkip(i, end) {
			continue
		}
		out = append(out, Finding{Kind: KindPlate, Start: i, End: end})
		i = end - 1
	}
	return out
}

func digitCount(s string) int {
	n := 0
	for _, c := range s {
		if c >= '0' && c <= '9' {
			n++
		}
	}
	return n
}

// newEnergy: D12345 / DF1234 (small cars: a letter A–K first, four digits
// last) or 12345D (large vehicles: D or F last).
func newEnergy(t string) bool {
	if t[0] >= 'A' && t[0] <= 'K' && digitCount(t[2:]) == 4 {
		return true
	}
	return digitCount(t[:5]) == 5 && (t[5] == 'D' || t[5] == 'F')
}

// Road and community words that end the named part of an address.
var (
	roadWords      = []string{"大道", "大街", "公路", "胡同", "路", "街", "巷", "弄", "道"}
	villageWords   = []string{"村"}
	communityWords = []string{"一区", "二区", "三区", "四区", "五区", "东区", "西区", "南区", "北区", "中区", "小区", "社区", "花园", "家园", "新村", "公寓", "大厦", "公馆", "山庄", "苑", "园", "府", "庭", "城", "湾", "里", "居", "阁", "轩", "坊", "院", "大楼", "楼"}
	notRoadBefore  = map[string]string{"路": "线电回网思出进道铁马水航陆", "道": "街通频渠轨赛航车跑隧管坑巷人知报味栈步快慢匝国省县乡坡", "街": "上", "村": "农乡山渔"}
	addrStops      = "省市区县镇乡旗在于住至到往从的是为和与及址位近向沿由被将把处即系共对号室栋幢层户"
	markers        = []string{"号院", "号楼", "单元", "号", "弄", "栋", "幢", "座", "层", "楼", "室", "户", "组"}
	notAfterNumber = "线文令字码"
)

// unit is one number of an address and the word after it (12号, 3栋).
type unit struct {
	marker string // "" for a room number without 室 (2单元501)
	end    int
}

// cnNumerals may write the number of a unit or building after the first
// number of an address (3栋二单元501室).
const cnNumerals = "一二三四五六七八九十两"

// parseUnits reads 12号, 123弄45号, 3栋2单元501室, 3-2-501 from r[k].
func parseUnits(r []rune, k int) []unit {
	var us []unit
	p := k
	for p < len(r) {
		q := p
		for q < len(r) && isDigit(r[q]) {
			q++
		}
		cn := false
		if q == p {
			for q < len(r) && p > k && q-p < 3 && strings.ContainsRune(cnNumerals, r[q]) {
				q++
			}
			if q == p {
				return us
			}
			cn = true
		}
		groups := 1
		for !cn && q+1 < len(r) && strings.ContainsRune("-－之", r[q]) && isDigit(r[q+1]) {
			q++
			for q < len(r) && isDigit(r[q]) {
				q++
			}
			groups++
		}
		m := ""
		for _, w := range markers {
			if hasPrefixAt(r, q, w) {
				m = w
				break
			}
		}
		if cn && !slices.Contains([]string{"单元", "栋", "幢", "号楼", "层"}, m) {
			return us
		}
		if m == "" {
			last := ""
			if len(us) > 0 {
				last = us[len(us)-1].marker
			}
			switch {
			case groups == 3:
				us = append(us, unit{marker: "-", end: q})
			case (last == "单元" || last == "栋" || last == "幢" || last == "号楼") && q-p <= 4 && !strings.ContainsRune("*＊", at(r, q)):
				// a room without 室 (2单元501); a longer number is no room
				us = append(us, unit{end: q})
			}
			return us
		}
		end := q + len([]rune(m))
		if m == "号" && strings.ContainsRune(notAfterNumber, at(r, end)) {
			return nil
		}
		us = append(us, unit{marker: m, end: end})
		p = end
	}
	return us
}

func at(r []rune, i int) rune {
	if i < 0 || i >= len(r) {
		return 0
	}
	return r[i]
}

// addresses finds 文一西路969号, 长乐路123弄45号, 幸福小区3栋2单元501室,
// 王家村3组25号: a named road, village or community followed by its 门牌号.
func (s *scanner) addresses() []Finding {
	r := s.r
	var out []Finding
	for k := 1; k < len(r); k++ {
		if !isDigit(r[k]) || isDigit(r[k-1]) || !isHan(r[k-1]) || r[k-1] == '第' {
			continue
		}
		us := parseUnits(r, k)
		if len(us) == 0 {
			continue
		}
		first, end := us[0].marker, us[len(us)-1].end
		kind, sfx := "", k
		for _, w := range roadWords {
			if hasSuffixAt(r, k, w) && !strings.ContainsRune(notRoadBefore[w], at(r, k-len([]rune(w))-1)) {
				kind, sfx = "road", k-len([]rune(w))
				break
			}
		}
		if kind == "" {
			for _, w := range villageWords {
				if hasSuffixAt(r, k, w) && !strings.ContainsRune(notRoadBefore[w], at(r, k-2)) {
					kind, sfx = "village", k-1
				}
			}
		}
		ok := false
		switch kind {
		case "road":
			ok = first == "号" || first == "号院" || first == "弄" || first == "号楼"
		case "village":
			ok = first == "号" || first == "组" && len(us) > 1 && us[1].marker == "号"
		}
		if !ok {
			kind, sfx = "community", k
			named := slices.ContainsFunc(communityWords, func(w string) bool { return hasSuffixAt(r, k, w) })
			switch us[0].marker {
			case "-":
				ok = named && triple(r, k, us[0].end)
			case "室", "户":
				ok = named // 国贸大厦1201室
			default:
				ok = building(us)
			}
		}
		if !ok {
			continue
		}
		limit := 6
		if kind == "community" {
			for _, w := range communityWords {
				if hasSuffixAt(r, k, w) {
					sfx = k - len([]rune(w))
					break
				}
			}
		}
		start := sfx
		for start > 0 && sfx-start < limit && isHan(r[start-1]) && !strings.ContainsRune(addrStops, r[start-1]) && !hasSuffixAt(r, start, "街道") && !afterNumber(r, start) {
			start--
		}
		if kind == "road" && start == sfx {
			continue
		}
		if s.inSkip(start, end) || isDigit(at(r, end)) {
			continue
		}
		out = append(out, Finding{Kind: KindAddress, Start: start, End: end})
		k = end
	}
	return out
}

// afterNumber reports a marker of another number (5单元, 3*幢) ending at
// end: the name of an address never reaches back over it.
func afterNumber(r []rune, end int) bool {
	for _, m := range markers {
		if hasSuffixAt(r, end, m) {
			if c := at(r, end-len([]rune(m))-1); isDigit(c) || c == '*' {
				return true
			}
		}
	}
	return false
}

// triple: building-unit-room numbers of plausible sizes (3-2-501).
func triple(r []rune, k, end int) bool {
	parts := strings.FieldsFunc(string(r[k:end]), func(c rune) bool { return !isDigit(c) })
	return len(parts) == 3 && len([]rune(parts[0])) <= 3 && len([]rune(parts[1])) <= 2 && len([]rune(parts[2])) <= 4
}

// building: a building and a unit or room (3栋2单元, 5号楼101室, 3-2-501).
func building(us []unit) bool {
	if us[0].marker == "-" {
		return true
	}
	if len(us) < 2 {
		return false
	}
	switch us[0].marker {
	case "栋", "幢", "座", "号楼", "号", "楼":
	default:
		return false
	}
	for _, u := range us[1:] {
		switch u.marker {
		case "单元", "室", "户", "":
			return true
		case "号":
			if us[0].marker != "号" {
				return true // 3栋201号
			}
		}
	}
	return false
}
