package privacy

import (
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// Offsets are runes, and findings come out in order.
func TestScanOffsets(t *testing.T) {
	id := id18("33010619851112002")
	text := "患者张伟（身份证" + id + "）家住文一西路969号，电话13812345678，车牌浙A·12345，邮箱zw@163.com。"
	got := Scan(text)
	want := []Finding{
		{Kind: KindName, Text: "张伟", Start: 2, End: 4},
		{Kind: KindIDCard, Text: id, Start: 8, End: 26},
		{Kind: KindAddress, Text: "文一西路969号", Start: 29, End: 37},
		{Kind: KindPhone, Text: "13812345678", Start: 40, End: 51},
		{Kind: KindPlate, Text: "浙A·12345", Start: 54, End: 62},
		{Kind: KindEmail, Text: "zw@163.com", Start: 65, End: 75},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Scan:\n got %+v\nwant %+v", got, want)
	}
	r := []rune(text)
	for _, f := range got {
		if string(r[f.Start:f.End]) != f.Text {
			t.Errorf("%+v: runes [%d,%d) are %q", f, f.Start, f.End, string(r[f.Start:f.End]))
		}
	}
	if Scan("") != nil || Scan("没有个人信息的一句话。") != nil {
		t.Error("a text without personal data has findings")
	}
}

// Each kind keeps its hint and loses the rest.
func TestMask(t *testing.T) {
	id := id18("11010119900307123")
	cardNo := card("622202", 19, 3)
	for _, tc := range []struct{ in, want string }{
		{"身份证" + id + "。", "身份证110101********" + id[14:] + "。"},
		{"旧证110101580304123", "旧证110101*****4123"},
		{"手机13812345678。", "手机138****5678。"},
		{"手机138-1234-5678", "手机138-****-5678"},
		{"电话+86 139 5712 3456", "电话+86 139 **** 3456"},
		{"电话+8615057198765", "电话+86150****8765"},
		{"总机0571-87236114", "总机0571-****6114"},
		{"值班(010)65123456", "值班(010)****3456"},
		{"电话010-6512 3456转801", "电话010-**** 3456转801"},
		{"电话0731-2345678-12", "电话0731-***5678-12"},
		{"座机01065123456", "座机010****3456"},
		{"电话：87236114转801", "电话：8***6114转801"},
		{"卡号" + cardNo, "卡号6222***********" + cardNo[15:]},
		{"卡号 " + group4(cardNo), "卡号 6222 **** **** ***" + cardNo[15:16] + " " + cardNo[16:]},
		{"车辆京A12345", "车辆京A·***45"},
		{"车辆粤B·D12345", "车辆粤B·****45"},
		{"警车川A1234警", "警车川A·**34警"},
		{"邮箱zhangsan@163.com。", "邮箱z***@163.com。"},
		{"家住文一西路969号。", "家住文一西路***号。"},
		{"幸福小区3栋2单元501室", "幸福小区*栋*单元***室"},
		{"死者王建国，", "死者王**，"},
		{"病人欧阳明出院", "病人欧阳*出院"},
	} {
		if got := Mask(tc.in, Scan(tc.in)); got != tc.want {
			t.Errorf("Mask(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if fs := Scan(Mask(tc.in, Scan(tc.in))); fs != nil {
			t.Errorf("masked %q still has %+v", tc.in, fs)
		}
	}
}

// Mask takes the findings it is given, and ignores ones that do not fit.
func TestMaskFindingsGiven(t *testing.T) {
	text := "总机0571-87236114，手机13812345678"
	fs := Scan(text)
	if len(fs) != 2 {
		t.Fatalf("findings %+v", fs)
	}
	if got := Mask(text, fs[1:]); got != "总机0571-87236114，手机138****5678" {
		t.Errorf("masking the mobile only: %q", got)
	}
	bad := []Finding{{Kind: KindPhone, Start: -1, End: 3}, {Kind: KindPhone, Start: 5, End: 99}, {Kind: KindPhone, Start: 4, End: 4}}
	if got := Mask(text, bad); got != text {
		t.Errorf("out-of-range findings changed the text: %q", got)
	}
	overlapping := []Finding{fs[1], {Kind: KindName, Start: fs[1].Start + 2, End: fs[1].End}}
	if got := Mask(text, overlapping); got != "总机0571-87236114，手机138****5678" {
		t.Errorf("overlapping findings: %q", got)
	}
}

// Numbers are read whole: no id inside a longer run, no phone inside an id.
func TestDigitRunBoundaries(t *testing.T) {
	id := id18("44030520000229451")
	for _, tc := range []struct {
		text string
		want []string // kinds
	}{
		{id, []string{KindIDCard}},
		{"9" + id, nil},
		{id + "1", nil},
		{"A" + id, nil},
		{id + "号", nil},
		{"13812345678", []string{KindPhone}},
		{"013812345678", nil},
		{"138123456789", nil},
		{"13812345678.5", nil},
		{"1.13812345678", nil},
		{"13812345678%", nil},
		{"13812345678 13912345678", []string{KindPhone, KindPhone}},
		{"0571-88888888-801", []string{KindPhone}},
		{"0571-12345", nil},
		{"12345-0001", nil},
		{"订单号13812345678", nil},
		{"订单号13812345678，手机号13912345678", []string{KindPhone}},
		{"https://x.gov.cn/13812345678", nil},
		{"x.gov.cn/a/13812345678", nil},
		{"电话 13812345678 http://x.cn", []string{KindPhone}},
	} {
		var got []string
		for _, f := range Scan(tc.text) {
			got = append(got, f.Kind)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("Scan(%q) kinds %v, want %v", tc.text, got, tc.want)
		}
	}
}

func TestIDRules(t *testing.T) {
	for _, tc := range []struct {
		d  string
		ok bool
	}{
		{id18("11010519491231002"), true},
		{badID18("11010519491231002"), false},
		{id18("11010518991231002"), false}, // born 1899
		{id18("11010519490230002"), false}, // 30 February
		{id18("00010519491231002"), false}, // no province 00
		{id18("99010519491231002"), false}, // no province 99
		{id18("11000019491231002"), false}, // region 110000 is not a county
	} {
		if got := validID18(tc.d); got != tc.ok {
			t.Errorf("validID18(%s) = %v", tc.d, got)
		}
	}
	if !validID15("110101580304123") || validID15("110101581304123") || validID15("330106000123456") {
		t.Error("15-digit id rules")
	}
}

func TestLabels(t *testing.T) {
	for _, k := range Kinds() {
		if l := Label(k); l == k || !utf8.ValidString(l) || strings.ContainsAny(l, "abcdefghijklmnopqrstuvwxyz_") {
			t.Errorf("Label(%s) = %q", k, l)
		}
	}
}

// FuzzScan: Scan never panics; findings are in bounds, ordered, not
// overlapping and say what they cover; and the masked text has none left.
func FuzzScan(f *testing.F) {
	if b, err := os.ReadFile(casesFile); err == nil {
		cases, _ := ReadCases(strings.NewReader(string(b)))
		for _, c := range cases {
			f.Add(c.Text)
		}
	}
	for _, s := range []string{"", "1", "X", "+86", "(010)", "（0571）8888 8888转", "京A", "@", "a@b.c", "患者", "患者张", "死者王建国、", "路1号", "小区1-1-1", "\xff\xfe138123456780"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		fs := Scan(text)
		r := []rune(text)
		end := 0
		for _, x := range fs {
			if x.Start < end || x.Start >= x.End || x.End > len(r) {
				t.Fatalf("finding %+v out of order or bounds (previous end %d, %d runes)", x, end, len(r))
			}
			if string(r[x.Start:x.End]) != x.Text {
				t.Fatalf("finding %+v covers %q", x, string(r[x.Start:x.End]))
			}
			if !slices.Contains(Kinds(), x.Kind) {
				t.Fatalf("unknown kind %q", x.Kind)
			}
			end = x.End
		}
		masked := Mask(text, fs)
		if left := Scan(masked); left != nil {
			t.Fatalf("Mask(%q) = %q still has %+v", text, masked, left)
		}
	})
}
