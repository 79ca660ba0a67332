package evidence

import (
	"slices"
	"testing"
	"time"

	"yuqing/analyze/segment"
)

func TestCasualties(t *testing.T) {
	for text, want := range map[string][]string{
		"事故造成3人死亡、12人受伤":      {"3人死亡", "12人受伤"},
		"三名工人当场遇难，两人失踪":       {"3人死亡", "2人失联"},
		"死亡人数已升至5人":           {"5人死亡"},
		"5人死亡3人受伤":            {"5人死亡", "3人受伤"},
		"目前已致3死12伤":           {"3人死亡", "12人受伤"},
		"十余人受伤送医":             {"10余人受伤"},
		"有网友说死了五个人":           {"5人死亡"},
		"２名消防员重伤":             {"2人重伤"},
		"暂无人员伤亡":              {"无人员伤亡"},
		"未造成人员死亡":             {"无人员死亡"},
		"0人死亡":                {"无人员死亡"},
		"有没有人员伤亡？":            nil,
		"12月2日死亡人数还不清楚":       nil,
		"多人受伤":                nil,
		"伤亡情况不明":              nil,
		"消防第一时间赶到，一人被困后获救":    {"1人被困"},
		"今天天气很好，我们去公园散步":      nil,
		"據說有三人罹難":             {"3人死亡"},
		"伤亡人数为4人":             {"4人伤亡"},
		"造成二十三人死亡，一百零五人受伤":    {"23人死亡", "105人受伤"},
		"死了几个人？":              nil,
		"受伤的12人已送医":           nil,
		"3人死亡，受伤12人，失联人员仍在搜救": {"3人死亡", "12人受伤"},
	} {
		var got []string
		for _, h := range casualties(fold(text)) {
			got = append(got, h.text)
		}
		if !sameSet(got, want) {
			t.Errorf("%s: %v, want %v", text, got, want)
		}
	}
}

func TestConflict(t *testing.T) {
	fig := func(subject string, n int) figure { return figure{subject: subject, n: n} }
	approx := func(subject string, n int) figure { return figure{subject: subject, n: n, approx: true} }
	none := func(subject string) figure { return figure{subject: subject, zero: true} }
	for _, c := range []struct {
		a, b figure
		want bool
	}{
		{fig("死亡", 3), fig("死亡", 5), true},
		{fig("死亡", 3), fig("受伤", 5), false},
		{approx("受伤", 10), fig("受伤", 12), false}, // 10余人 holds 12
		{approx("受伤", 10), fig("受伤", 25), true},
		{fig("受伤", 9), approx("受伤", 10), true},
		{approx("受伤", 10), approx("受伤", 20), true},
		{approx("受伤", 100), fig("受伤", 150), false},
		{none("伤亡"), fig("死亡", 3), true},
		{none("伤亡"), fig("受伤", 1), true},
		{none("伤亡"), fig("失联", 2), false}, // no casualties yet, someone missing: both may hold
		{none("死亡"), fig("受伤", 12), false},
		{fig("死亡", 1), none("死亡"), true},
		{none("伤亡"), none("死亡"), false},
	} {
		if got := conflict(c.a, c.b); got != c.want {
			t.Errorf("conflict(%+v, %+v) = %v", c.a, c.b, got)
		}
	}
}

func TestTimes(t *testing.T) {
	// 2 December 2026, 16:00 in China.
	afternoon := time.Date(2026, 12, 2, 8, 0, 0, 0, time.UTC)
	// 3 December, 01:00 in China, still 2 December in UTC.
	pastMidnight := time.Date(2026, 12, 2, 17, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		text      string
		published time.Time
		want      []string
	}{
		{"今天下午3点左右听到一声巨响", afternoon, []string{"12月2日15时"}},
		{"12月2日15时许，东港化工厂发生泄漏", afternoon, []string{"12月2日15时"}},
		{"十二月二日下午三点", afternoon, []string{"12月2日15时"}},
		{"昨晚11点多就闻到味道了", afternoon, []string{"12月1日23时"}},
		{"今天凌晨又闻到了", pastMidnight, []string{"12月3日凌晨"}},
		{"今晚", afternoon, []string{"12月2日晚上"}},
		{"凌晨就有味道", afternoon, []string{"凌晨"}},
		{"15时12分接到报警", afternoon, []string{"15时12分"}},
		{"下午3点半疏散", afternoon, []string{"15时30分"}},
		{"15:30开始疏散", afternoon, []string{"15时30分"}},
		{"当晚8点", afternoon, []string{"当晚20时"}},
		{"12月2日", afternoon, []string{"12月2日"}},
		{"消防第一时间赶到", afternoon, nil},
		{"我有3点疑问", afternoon, nil},
		{"今天的事太吓人", afternoon, nil},
		{"下午还要去上班", afternoon, nil},
		{"这个时候还不通知", afternoon, nil},
	} {
		var got []string
		for _, h := range times(fold(c.text), c.published) {
			got = append(got, h.text)
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%s: %v, want %v", c.text, got, c.want)
		}
	}
}

func TestHearsay(t *testing.T) {
	for text, want := range map[string][]string{
		"网传已经有5人死亡，救护车一直在响。": {"已经有5人死亡，救护车一直在响"},
		"据网友称化工厂负责人已经被控制":    {"化工厂负责人已经被控制"},
		"听说：附近学校明天停课！真的吗？":   {"附近学校明天停课"},
		"疑似氯气泄漏":    {"氯气泄漏"},
		"网传5人死亡系谣言": nil, // a rebuttal
		"听说了":       nil, // says nothing
		"化工厂发生泄漏":   nil,
	} {
		var got []string
		for _, h := range hearsay(fold(text)) {
			got = append(got, h.content)
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: %v, want %v", text, got, want)
		}
	}
}

func TestOfficial(t *testing.T) {
	for author, want := range map[string]string{
		"人民日报":     "媒体",
		"央视新闻":     "媒体",
		"CCTV国际":   "媒体",
		"临江日报":     "媒体",
		"临江发布":     "政务",
		"平安临江":     "政务",
		"临江市公安局":   "政务",
		"临江区应急管理局": "政务",
		"临江消防":     "政务",
		"临江融媒":     "媒体",
		"發布":       "", // the suffix alone is not a name
		"路人甲":      "",
		"":         "",
		"住在东港":     "",
	} {
		kind, why, ok := official(author)
		if kind != want || ok != (want != "") || ok && why == "" {
			t.Errorf("%q: %q %q %v, want %q", author, kind, why, ok, want)
		}
	}
	if _, err := parseOfficials("人民日报\n"); err == nil {
		t.Error("a word before any heading should be refused")
	}
	if _, err := parseOfficials("[媒体]\n*\n"); err == nil {
		t.Error("a bare * should be refused")
	}
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

func TestNamed(t *testing.T) {
	for _, c := range []struct {
		e    segment.Entity
		want bool
	}{
		{segment.Entity{Text: "东港化工厂", Kind: segment.KindPlace}, true},
		{segment.Entity{Text: "现在小区", Kind: segment.KindPlace}, false},
		{segment.Entity{Text: "目前医院", Kind: segment.KindPlace}, false},
		{segment.Entity{Text: "临江区应急管理局", Kind: segment.KindOrg}, true},
		{segment.Entity{Text: "3人死亡", Kind: segment.KindCasualty}, true},
	} {
		if got := named(c.e); got != c.want {
			t.Errorf("named(%v) = %v", c.e, got)
		}
	}
}
