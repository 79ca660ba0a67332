package hotline

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"

	"yuqing/internal/clock"
)

var cst = time.FixedZone("CST", 8*3600)

func at(y int, m time.Month, d, h, mi int) time.Time { return time.Date(y, m, d, h, mi, 0, 0, cst) }

// fixed is "now" in every test: 2026-12-01 09:00 Beijing time.
func fixed() time.Time { return at(2026, 12, 1, 9, 0) }

func opts() Options { return Options{Now: fixed} }

func byID(t *testing.T, recs []Record) map[string]Record {
	t.Helper()
	m := map[string]Record{}
	for _, r := range recs {
		if _, dup := m[r.OrderID]; dup {
			t.Fatalf("order %s twice", r.OrderID)
		}
		m[r.OrderID] = r
	}
	return m
}

func rejectedRows(rej []Rejected) map[int]string {
	m := map[int]string{}
	for _, r := range rej {
		m[r.Row] = r.Reason
	}
	return m
}

// noClearPhones fails if any of the phones appears anywhere in v as JSON.
func noClearPhones(t *testing.T, v any, phones ...string) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range phones {
		if bytes.Contains(b, []byte(p)) {
			t.Errorf("phone %s stored in clear: %s", p, b)
		}
	}
}

func TestReadCSVUTF8BOM(t *testing.T) {
	f, err := os.Open("testdata/12345_utf8_bom.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, rej, err := ReadCSV(f, opts())
	if err != nil {
		t.Fatal(err)
	}
	got := byID(t, recs)
	if len(recs) != 4 {
		t.Errorf("got %d records, want 4: %+v", len(recs), recs)
	}
	r1 := got["GD20261123001"]
	if !r1.ReceivedAt.Equal(at(2026, 11, 23, 10, 5)) || r1.ReceivedAt.Location().String() != "Asia/Shanghai" {
		t.Errorf("received %v", r1.ReceivedAt)
	}
	want1 := Record{OrderID: "GD20261123001", Channel: "12345", Category: "投诉", Locality: "东城区", Unit: "区住建委", Status: "已办结",
		Title: "小区夜间施工噪音扰民", Text: "东城区某小区工地连续一周夜间施工，影响休息。联系人电话138****5678。", Phone: "138****5678",
		Answer: "已责令施工单位停止夜间施工。"}
	r1c := r1
	r1c.ReceivedAt, r1c.AnsweredAt = time.Time{}, time.Time{}
	if r1c != want1 {
		t.Errorf("record\n got %+v\nwant %+v", r1c, want1)
	}
	if !r1.AnsweredAt.Equal(at(2026, 11, 25, 16, 30)) {
		t.Errorf("answered %v", r1.AnsweredAt)
	}
	r2 := got["GD20261123002"]
	if r2.Text != "咨询社保卡丢失后如何补办，\n需要带哪些材料？" || r2.Phone != "010****1234" || r2.Category != "咨询" || !r2.ReceivedAt.Equal(at(2026, 11, 23, 10, 5)) {
		t.Errorf("multi-line record: %+v", r2)
	}
	if r3 := got["GD20261123003"]; r3.Phone != "139****1111" || !r3.ReceivedAt.Equal(at(2026, 11, 23, 14, 20)) || r3.Category != "求助" {
		t.Errorf("record 3: %+v", r3)
	}
	// A bare quote in an unquoted field: strict CSV refuses it, the line is re-read leniently.
	if r6 := got["GD20261124006"]; r6.Title != `他说"校门口拥堵"` || r6.Category != "建议" || r6.Phone != "159****5678" {
		t.Errorf("record 6: %+v", r6)
	}
	rows := rejectedRows(rej)
	for row, want := range map[int]string{
		7:  `missing order id (column "工单号")`,
		8:  `column "来电时间": unparseable time "2026-13-45 10:00"`,
		9:  `duplicate order id "GD20261123001" (first at row 3)`,
		13: `more than a day in the future`,
		14: `missing received time`,
	} {
		if !strings.Contains(rows[row], want) {
			t.Errorf("row %d: reason %q, want it to say %q", row, rows[row], want)
		}
	}
	if len(rej) != 5 {
		t.Errorf("got %d rejected, want 5: %+v", len(rej), rej)
	}
	for _, r := range rej {
		if r.Raw == "" {
			t.Errorf("row %d: no raw", r.Row)
		}
	}
	if raw := rej[0].Raw; !strings.Contains(raw, "137****0000") {
		t.Errorf("raw of row 7 = %q, want the phone masked", raw)
	}
	noClearPhones(t, []any{recs, rej}, "13812345678", "66881234", "13900001111", "13700000000", "15800001234", "15912345678")
}

const gbkCSV = "工单编号,受理时间,诉求类型,区县,承办单位,标题,诉求内容,状态,来电号码\r\n" +
	"12345-0001,2026/11/20 08:00,咨询,江宁区,区医保局,医保报销比例,询问门诊报销比例。,已办结,13500001234\r\n" +
	"12345-0002,2026/11/20 9:05,投诉举报,鼓楼区,区市场监管局,餐馆卫生,后厨卫生差。,办理中,025-84561234\r\n"

func TestReadCSVGBK(t *testing.T) {
	data, err := simplifiedchinese.GBK.NewEncoder().Bytes([]byte(gbkCSV))
	if err != nil {
		t.Fatal(err)
	}
	for _, enc := range []string{"", "gbk", "GB18030"} {
		o := opts()
		o.Encoding = enc
		recs, rej, err := ReadCSV(bytes.NewReader(data), o)
		if err != nil || len(rej) != 0 || len(recs) != 2 {
			t.Fatalf("encoding %q: %v, %+v, %d records", enc, err, rej, len(recs))
		}
		r := byID(t, recs)
		if a := r["12345-0001"]; a.Locality != "江宁区" || a.Unit != "区医保局" || a.Text != "询问门诊报销比例。" || a.Phone != "135****1234" {
			t.Errorf("%q: %+v", enc, a)
		}
		if b := r["12345-0002"]; b.Category != "举报" || !b.ReceivedAt.Equal(at(2026, 11, 20, 9, 5)) || b.Phone != "025****1234" {
			t.Errorf("%q: %+v", enc, b)
		}
	}
	// Read as UTF-8 by force, the Chinese header does not match: no header.
	o := opts()
	o.Encoding = "utf-8"
	if _, _, err := ReadCSV(bytes.NewReader(data), o); !errors.Is(err, errNoHeader) {
		t.Errorf("forced UTF-8: %v, want no header", err)
	}
}

func TestReadCSVTabsAndUTF16(t *testing.T) {
	tsv := strings.ReplaceAll(gbkCSV, ",", "\t")
	recs, rej, err := ReadCSV(strings.NewReader(tsv), opts())
	if err != nil || len(recs) != 2 || len(rej) != 0 {
		t.Fatalf("tab-separated: %v %+v %+v", err, recs, rej)
	}
	// Excel's "Unicode text" is UTF-16LE with a BOM, tab-separated.
	u16, err := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().Bytes([]byte(tsv))
	if err != nil {
		t.Fatal(err)
	}
	recs, rej, err = ReadCSV(bytes.NewReader(u16), opts())
	if err != nil || len(recs) != 2 || len(rej) != 0 || recs[0].Unit != "区医保局" {
		t.Fatalf("UTF-16: %v %+v %+v", err, recs, rej)
	}
}

func TestReadCSVBrokenQuoteDoesNotEatTheFile(t *testing.T) {
	in := "工单编号,受理时间,诉求内容\n" +
		"A1,2026-11-20 08:00,\"没有闭合的引号，后面的行不能丢\n" +
		"A2,2026-11-20 09:00,第二条\n" +
		"A3,2026-11-20 10:00,\"第三条\"多余\n" +
		"A4,2026-11-20 11:00,第四条\n"
	recs, rej, err := ReadCSV(strings.NewReader(in), opts())
	if err != nil {
		t.Fatal(err)
	}
	got := byID(t, recs)
	for _, id := range []string{"A2", "A4"} {
		if _, ok := got[id]; !ok {
			t.Errorf("%s lost; records %+v, rejected %+v", id, recs, rej)
		}
	}
	// A1 and A3 are re-read leniently; nothing is silently lost.
	if len(recs)+len(rej) != 4 {
		t.Errorf("%d records + %d rejected, want 4 rows: %+v %+v", len(recs), len(rej), recs, rej)
	}
}

func TestReadCSVShiftedRow(t *testing.T) {
	in := "工单编号,受理时间,诉求内容,承办单位\n" +
		"B1,2026-11-20 08:00,内容里有,逗号,区水务局\n" +
		"B2,2026-11-20 08:00,正常,区水务局,,\n"
	recs, rej, err := ReadCSV(strings.NewReader(in), opts())
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 1 || recs[0].OrderID != "B2" || len(rej) != 1 || !strings.Contains(rej[0].Reason, "5 fields but the header has 4") {
		t.Errorf("records %+v rejected %+v", recs, rej)
	}
}

func TestReadCSVNoHeader(t *testing.T) {
	for name, in := range map[string]string{
		"empty":      "",
		"no id":      "受理时间,诉求内容\n2026-11-20 08:00,x\n",
		"data first": "x,y\n1,2\n3,4\n5,6\n7,8\n9,10\n11,12\n13,14\n15,16\n17,18\n工单编号,受理时间\n",
	} {
		if _, _, err := ReadCSV(strings.NewReader(in), opts()); !errors.Is(err, errNoHeader) {
			t.Errorf("%s: err %v, want no header", name, err)
		}
	}
	o := opts()
	o.MaxBytes = 10
	if _, _, err := ReadCSV(strings.NewReader(gbkCSV), o); err == nil || !strings.Contains(err.Error(), "larger than 10 bytes") {
		t.Errorf("too big: %v", err)
	}
}

func TestHeaderSynonyms(t *testing.T) {
	// 编号 and 工单编号 both present: 工单编号 is the better name and wins,
	// whatever the column order. Notes in brackets and '*' are ignored.
	in := "编号,登记时间（必填）,*类别,所属区县,办理单位,诉求标题,留言内容：,处理状态,手机号码,答复时间,答复内容,工单编号\n" +
		"1,2026-11-20 08:00,咨询类,浦东新区,区民政局,低保申请,怎么申请低保,已办结,13912345678,2026-11-21 10:00,请到街道社区事务受理中心申请。,WO-9\n"
	recs, rej, err := ReadCSV(strings.NewReader(in), opts())
	if err != nil || len(rej) != 0 || len(recs) != 1 {
		t.Fatalf("%v %+v %+v", err, recs, rej)
	}
	r := recs[0]
	if r.OrderID != "WO-9" || r.Category != "咨询" || r.Locality != "浦东新区" || r.Unit != "区民政局" || r.Status != "已办结" ||
		r.Title != "低保申请" || r.Text != "怎么申请低保" || r.Phone != "139****5678" || r.Answer == "" || r.AnsweredAt.IsZero() {
		t.Errorf("%+v", r)
	}
	// Configured names: an export that calls content 反映情况 and the time 派单时间.
	in2 := "单号,派单时间,反映情况\nX1,2026-11-20 08:00,噪音\n"
	if _, _, err := ReadCSV(strings.NewReader(in2), opts()); !errors.Is(err, errNoHeader) {
		t.Errorf("unknown names: %v", err)
	}
	o := opts()
	c := DefaultColumns()
	c.OrderID = append(c.OrderID, "单号")
	c.ReceivedAt = append(c.ReceivedAt, "派单时间")
	c.Text = append(c.Text, "反映情况")
	o.Columns = c
	o.Channel = "留言板"
	recs, rej, err = ReadCSV(strings.NewReader(in2), o)
	if err != nil || len(rej) != 0 || len(recs) != 1 || recs[0].Text != "噪音" || recs[0].Channel != "留言板" || recs[0].Category != "留言" {
		t.Errorf("configured: %v %+v %+v", err, recs, rej)
	}
}

func TestProgress(t *testing.T) {
	var b strings.Builder
	b.WriteString("工单导出\n工单编号,受理时间,诉求内容\n")
	for i := range 2500 {
		b.WriteString("N" + itoa(i) + ",2026-11-20 08:00,内容\n")
	}
	var calls [][2]int
	o := opts()
	o.Progress = func(done, total int) { calls = append(calls, [2]int{done, total}) }
	recs, _, err := ReadCSV(strings.NewReader(b.String()), o)
	if err != nil || len(recs) != 2500 {
		t.Fatal(err, len(recs))
	}
	want := [][2]int{{1000, 2500}, {2000, 2500}, {2500, 2500}}
	if len(calls) != len(want) {
		t.Fatalf("calls %v, want %v", calls, want)
	}
	for i := range want {
		if calls[i] != want[i] {
			t.Errorf("calls %v, want %v", calls, want)
		}
	}
	// XLSX: the total comes from <dimension>.
	rows := [][]any{{"工单编号", "受理时间", "诉求内容"}}
	for i := range 1500 {
		rows = append(rows, []any{"X" + itoa(i), 46346.5, "内容"})
	}
	data := buildXLSX(t, false, xsheet{name: "Sheet1", dim: "A1:C1501", rows: rows})
	calls = nil
	o.ProgressEvery = 500
	if recs, _, err := ReadXLSX(bytes.NewReader(data), int64(len(data)), o); err != nil || len(recs) != 1500 {
		t.Fatal(err, len(recs))
	}
	if want := [][2]int{{500, 1500}, {1000, 1500}, {1500, 1500}, {1500, 1500}}; len(calls) != 4 || calls[2] != want[2] || calls[3] != want[3] {
		t.Errorf("xlsx calls %v, want %v", calls, want)
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

func TestReadXLSX(t *testing.T) {
	header := []any{"工单编号", "受理时间", "诉求类型", "区县", "承办单位", "标题", "诉求内容", "状态", "联系电话", "回复时间", "回复内容"}
	data := buildXLSX(t, false,
		xsheet{name: "下拉选项", state: "hidden", rows: [][]any{{"咨询"}, {"投诉"}}},
		xsheet{name: "工单", dim: "A1:K9", rows: [][]any{
			{inline("12345热线工单明细（虚构）")},
			nil, // an empty row Excel does not write
			header,
			// Serial date 46349.4201388889 = 2026-11-23 10:05; a numeric id Excel wrote in E notation.
			{rawNum("2.0261123000123E+13"), 46349.4201388889, "咨询", "徐汇区", "区房管局", "公积金提取", rich{"我想问", "公积金怎么提取"}, "已办结", rawNum("13812345678"), 46350.5, "可在线办理。"},
			{"GD-2", inline("2026-11-23 11:00"), ruby{"求助", "キュウジョ"}, skip{}, "区民政局", "独居老人", "楼上独居老人多日未出门_x000D_\n请上门看看", "办理中", "13900001111"},
			{"GD-3", "无效时间", "投诉", "长宁区", "区城管局", "占道经营", "夜市占道", "待签收"},
			{skip{}, 46349.5, "投诉", "长宁区", "区城管局", "无编号", "缺编号", "待签收"},
			{"GD-5", 46349.5, formula("举报"), "长宁区", "区公安分局", boolean(true), "公式单元格", "待签收", "021-62001234"},
			{"GD-2", 46349.5, "咨询", "长宁区", "区城管局", "重复", "重复", "待签收"},
		}})
	recs, rej, err := ReadXLSX(bytes.NewReader(data), int64(len(data)), opts())
	if err != nil {
		t.Fatal(err)
	}
	got := byID(t, recs)
	r1, ok := got["20261123000123"]
	if !ok {
		t.Fatalf("numeric id not read: %+v", recs)
	}
	if !r1.ReceivedAt.Equal(at(2026, 11, 23, 10, 5)) || !r1.AnsweredAt.Equal(at(2026, 11, 24, 12, 0)) || r1.Text != "我想问公积金怎么提取" ||
		r1.Phone != "138****5678" || r1.Locality != "徐汇区" || r1.Answer != "可在线办理。" {
		t.Errorf("r1 %+v", r1)
	}
	r2 := got["GD-2"]
	if r2.Category != "求助" || r2.Locality != "" || r2.Text != "楼上独居老人多日未出门\n请上门看看" || r2.Phone != "139****1111" || !r2.ReceivedAt.Equal(at(2026, 11, 23, 11, 0)) {
		t.Errorf("r2 %+v (phonetic runs, _x000D_, sparse cells)", r2)
	}
	if r5 := got["GD-5"]; r5.Category != "举报" || r5.Title != "TRUE" || r5.Phone != "021****1234" {
		t.Errorf("r5 %+v", r5)
	}
	if len(recs) != 3 {
		t.Errorf("%d records, want 3", len(recs))
	}
	rows := rejectedRows(rej)
	for row, want := range map[int]string{6: `unparseable time "无效时间"`, 7: "missing order id", 9: `duplicate order id "GD-2" (first at row 5)`} {
		if !strings.Contains(rows[row], want) {
			t.Errorf("row %d: %q, want %q (all: %+v)", row, rows[row], want, rej)
		}
	}
	if len(rej) != 3 {
		t.Errorf("rejected %+v", rej)
	}
	noClearPhones(t, []any{recs, rej}, "13812345678", "13900001111", "62001234")

	// The hidden sheet by name: it has no header.
	o := opts()
	o.Sheet = "下拉选项"
	if _, _, err := ReadXLSX(bytes.NewReader(data), int64(len(data)), o); !errors.Is(err, errNoHeader) {
		t.Errorf("hidden sheet: %v", err)
	}
	o.Sheet = "不存在"
	if _, _, err := ReadXLSX(bytes.NewReader(data), int64(len(data)), o); err == nil || !strings.Contains(err.Error(), "下拉选项, 工单") {
		t.Errorf("missing sheet: %v", err)
	}
}

func TestReadXLSXDate1904AndNoRefs(t *testing.T) {
	// In the 1904 system 2026-11-23 10:05 is 46349.4201388889 - 1462.
	data := buildXLSX(t, true, xsheet{name: "Sheet1", noRefs: true, rows: [][]any{
		{"工单号", "来电时间", "来电内容"},
		{"A", 44887.4201388889, "内容"},
	}})
	recs, rej, err := ReadXLSX(bytes.NewReader(data), int64(len(data)), opts())
	if err != nil || len(rej) != 0 || len(recs) != 1 || !recs[0].ReceivedAt.Equal(at(2026, 11, 23, 10, 5)) || recs[0].Category != "其他" {
		t.Fatalf("%v %+v %+v", err, recs, rej)
	}
}

func TestReadXLSXFile(t *testing.T) {
	data, err := os.ReadFile("testdata/messageboard.xlsx")
	if err != nil {
		t.Fatal(err)
	}
	o := opts()
	o.Channel = "留言板"
	recs, rej, err := ReadXLSX(bytes.NewReader(data), int64(len(data)), o)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2 || len(rej) != 1 || rej[0].Row != 4 {
		t.Fatalf("%+v %+v", recs, rej)
	}
	for _, r := range recs {
		m := r.Mention()
		if m.Platform != "messageboard" || !strings.HasPrefix(m.ID, "messageboard:LY") || r.Category != "留言" && r.Category != "建议" {
			t.Errorf("%+v → %+v", r, m)
		}
	}
}

// messageBoardXLSX is testdata/messageboard.xlsx (go test -run TestWriteSeeds -update).
func messageBoardXLSX(t testing.TB) []byte {
	return buildXLSX(t, false, xsheet{name: "留言列表", dim: "A1:F4", rows: [][]any{
		{"留言编号", "留言时间", "留言类型", "所属区域", "留言标题", "留言内容"},
		{"LY001", inline("2026/11/22 20:15"), skip{}, "天河区", "地铁站出口积水", "一下雨就积水，联系我18600001111"},
		{"LY002", 46348.375, "意见", "越秀区", "建议延长图书馆开放时间", "周末晚上也想去"},
		{"LY003", 46348.375, "咨询", "越秀区", "", ""},
	}})
}

func TestReadXLSXNotAWorkbook(t *testing.T) {
	for name, data := range map[string][]byte{
		"not zip":   []byte("工单编号,受理时间\n"),
		"empty zip": emptyZip(t),
		"no sheets": buildXLSX(t, false),
	} {
		if _, _, err := ReadXLSX(bytes.NewReader(data), int64(len(data)), opts()); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	// A part larger than MaxBytes is refused, not read into memory.
	big := buildXLSX(t, false, xsheet{name: "S", rows: [][]any{{"工单编号", "受理时间", "诉求内容"}, {"A", 46349.5, strings.Repeat("长", 5000)}}})
	o := opts()
	o.MaxBytes = 4000
	if _, _, err := ReadXLSX(bytes.NewReader(big), int64(len(big)), o); !errors.Is(err, errTooBig) {
		t.Errorf("big part: %v", err)
	}
}

func emptyZip(t *testing.T) []byte {
	var b bytes.Buffer
	if err := zip.NewWriter(&b).Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestParseJSON(t *testing.T) {
	body, err := os.ReadFile("testdata/webhook.json")
	if err != nil {
		t.Fatal(err)
	}
	recs, rej, err := ParseJSONWith(body, opts())
	if err != nil {
		t.Fatal(err)
	}
	got := byID(t, recs)
	a := got["LY2026112300101"]
	if a.Channel != "留言板" || a.Category != "建议" || a.Phone != "136****1111" || a.Text != "小区只有一个投放点，离得太远。我的手机 136****1111。" || !a.ReceivedAt.Equal(at(2026, 11, 23, 9, 30)) {
		t.Errorf("a %+v", a)
	}
	b := got["2026112300102"]
	if b.Channel != "12345" || !b.ReceivedAt.Equal(at(2026, 11, 23, 9, 30)) || b.Phone != "137****2222" || !b.AnsweredAt.Equal(at(2026, 11, 23, 12, 0)) || b.ReceivedAt.Location().String() != "Asia/Shanghai" {
		t.Errorf("b %+v", b)
	}
	if c := got["LY2026112300106"]; c.Category != "咨询" || c.Text != "中文字段名也能读。" || !c.ReceivedAt.Equal(at(2026, 11, 23, 15, 45)) {
		t.Errorf("chinese keys %+v", c)
	}
	rows := rejectedRows(rej)
	for i, want := range map[int]string{2: `unparseable time "昨天"`, 3: "missing order id", 4: "not a JSON object"} {
		if !strings.Contains(rows[i], want) {
			t.Errorf("item %d: %q, want %q", i, rows[i], want)
		}
	}
	if len(recs) != 3 || len(rej) != 3 {
		t.Errorf("%d records, %d rejected", len(recs), len(rej))
	}
	noClearPhones(t, []any{recs, rej}, "13600001111", "13711112222", "13822223333")

	// A single object; records round-trip through their own JSON.
	one, rej, err := ParseJSONWith([]byte(`{"order_id":"Z1","received_at":"2026-11-30 08:00","text":"x","category":"其它"}`), opts())
	if err != nil || len(one) != 1 || len(rej) != 0 || one[0].Category != "其他" {
		t.Fatalf("%v %+v %+v", err, one, rej)
	}
	again, _ := json.Marshal(recs)
	back, rej, err := ParseJSONWith(again, opts())
	if err != nil || len(rej) != 0 || len(back) != len(recs) {
		t.Fatalf("round trip: %v %+v", err, rej)
	}
	for i := range back {
		x, y := back[i], recs[i]
		if !x.ReceivedAt.Equal(y.ReceivedAt) || !x.AnsweredAt.Equal(y.AnsweredAt) {
			t.Errorf("round trip times %+v != %+v", x, y)
		}
		x.ReceivedAt, x.AnsweredAt, y.ReceivedAt, y.AnsweredAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
		if x != y {
			t.Errorf("round trip %+v != %+v", x, y)
		}
	}
	for _, bad := range []string{"", "  ", "null", `"x"`, "[1,", "{"} {
		if _, _, err := ParseJSON([]byte(bad)); err == nil && bad != "{" {
			t.Errorf("%q: no error", bad)
		}
	}
	// A broken single object is a rejected item, not a lost one.
	if _, rej, err := ParseJSON([]byte("{")); err != nil || len(rej) != 1 {
		t.Errorf("broken object: %v %+v", err, rej)
	}
}

func TestParseTime(t *testing.T) {
	loc := clock.Shanghai()
	want := at(2026, 11, 23, 10, 5)
	for _, s := range []string{
		"2026-11-23 10:05:00", "2026-11-23 10:05", "2026/11/23 10:05", "2026/11/23 10:05:00", "2026.11.23 10:05",
		"2026年11月23日 10:05", "2026年11月23日10:05:00", "2026年11月23日 10时05分", "2026年11月23日10时05分00秒",
		"2026-11-23T10:05:00", "2026-11-23T10:05:00+08:00", "2026-11-23T02:05:00Z", "2026-11-23 10:05:00.000",
		"202611231005", "20261123100500", "46349.4201388889", " 2026-11-23 10:05 ",
	} {
		got, err := ParseTime(s, loc, false)
		if err != nil || !got.Equal(want) {
			t.Errorf("%q: %v %v", s, got, err)
		}
	}
	for s, w := range map[string]time.Time{
		"2026/1/5 9:05": at(2026, 1, 5, 9, 5), "2026-11-23": at(2026, 11, 23, 0, 0), "2026年1月5日": at(2026, 1, 5, 0, 0),
		"46349": at(2026, 11, 23, 0, 0), "20261123": at(2026, 11, 23, 0, 0),
	} {
		if got, err := ParseTime(s, loc, false); err != nil || !got.Equal(w) {
			t.Errorf("%q: %v %v, want %v", s, got, err, w)
		}
	}
	for _, s := range []string{"", "昨天", "2026-02-30 10:00", "2026-13-01", "2026-11-23 24:00", "2026-11-23 10:60", "1899-12-31", "2301-01-01",
		"0.5", "3000000", "NaN", "2026-11-23 10:05 下午", "1e5"} {
		if got, err := ParseTime(s, loc, false); err == nil {
			t.Errorf("%q: parsed as %v", s, got)
		}
	}
}

func TestExcelSerial(t *testing.T) {
	loc := clock.Shanghai()
	for serial, w := range map[float64]time.Time{
		61:               time.Date(1900, 3, 1, 0, 0, 0, 0, loc),
		45658:            at(2025, 1, 1, 0, 0),
		46349.4201388889: at(2026, 11, 23, 10, 5),
		46349.999999:     at(2026, 11, 24, 0, 0), // rounds to the second
	} {
		got, err := excelTime(serial, loc, false)
		if err != nil || !got.Equal(w) || got.Location() != loc {
			t.Errorf("%v: %v %v, want %v", serial, got, err, w)
		}
	}
	if got, _ := excelTime(44196, loc, true); !got.Equal(at(2025, 1, 1, 0, 0)) {
		t.Errorf("1904 system: %v", got)
	}
}

func TestMaskPhone(t *testing.T) {
	for in, want := range map[string]string{
		"13812345678":               "138****5678",
		"138 1234 5678":             "138****5678",
		"138-1234-5678":             "138****5678",
		"+86 138 1234 5678":         "138****5678",
		"8613812345678":             "138****5678",
		"008613812345678":           "138****5678",
		"１３８１２３４５６７８":               "138****5678",
		"138****5678":               "138****5678",
		"010-66881234":              "010****1234",
		"66881234":                  "****1234",
		"13812345678/13900001111":   "138****5678/139****1111",
		"13812345678，0571-88886666": "138****5678/057*****6666",
		"110":                       "***",
		"":                          "",
		"无":                         "",
		"匿名来电":                      "",
	} {
		if got := MaskPhone(in); got != want {
			t.Errorf("MaskPhone(%q) = %q, want %q", in, got, want)
		}
		if got := MaskPhone(want); got != want {
			t.Errorf("MaskPhone is not idempotent on %q: %q", want, got)
		}
	}
}

func TestMaskText(t *testing.T) {
	for in, want := range map[string]string{
		"请联系13812345678谢谢":        "请联系138****5678谢谢",
		"电话：138 1234 5678。":       "电话：138 **** 5678。",
		"电话+8613812345678":        "电话+86138****5678",
		"座机0571-88886666":         "座机0571-****6666",
		"工单20261123000123":        "工单20261123000123",
		"订单号120261123000":         "订单号120261123000",
		"12812345678不是手机号":        "12812345678不是手机号",
		"１３８１２３４５６７８":             "１３８****５６７８",
		"13812345678,13900001111": "138****5678,139****1111",
		"2026-11-23 10:05:00 共3人": "2026-11-23 10:05:00 共3人",
		"没有数字":                    "没有数字",
	} {
		if got := MaskText(in); got != want {
			t.Errorf("MaskText(%q) = %q, want %q", in, got, want)
		}
		if got := MaskText(want); got != want {
			t.Errorf("MaskText is not idempotent on %q: %q", want, got)
		}
	}
}

func TestNormalizeCategory(t *testing.T) {
	for in, want := range map[string]string{
		"咨询": "咨询", "咨询类": "咨询", "政策咨询": "咨询", "求助": "求助", "紧急求助": "求助", "投诉": "投诉", "投诉件": "投诉",
		"投诉举报": "举报", "举报": "举报", "检举": "举报", "建议": "建议", "意见建议": "建议", "建言献策": "建议", "意见": "建议",
		"表扬": "表扬", "感谢": "表扬", "留言": "留言", "其它": "其他", "城建": "其他", "": "", " 咨询 ": "咨询",
	} {
		if got := NormalizeCategory(in, nil); got != want {
			t.Errorf("NormalizeCategory(%q) = %q, want %q", in, got, want)
		}
	}
	if got := NormalizeCategory("城建类", map[string]string{"城建类": "投诉"}); got != "投诉" {
		t.Errorf("extra: %q", got)
	}
}

func TestMentionAndReceive(t *testing.T) {
	r := Record{OrderID: "GD1", ReceivedAt: at(2026, 11, 23, 10, 5), Channel: "12345", Category: "投诉", Locality: "东城区", Unit: "区住建委",
		Status: "办理中", Title: "噪音", Text: "夜间施工", Phone: "138****5678"}
	m := r.Mention()
	if m.ID != "hotline:GD1" || m.Platform != "hotline" || m.Text != "噪音\n夜间施工" || m.Title != "" || m.Region != "东城区" || !m.PublishedAt.Equal(r.ReceivedAt) {
		t.Errorf("%+v", m)
	}
	if err := m.Validate(fixed()); err != nil {
		t.Error(err)
	}
	b, _ := json.Marshal(m)
	if regexp.MustCompile(`138|5678|phone`).Match(b) {
		t.Errorf("phone in mention: %s", b)
	}
	r.Channel = "留言板"
	if m := r.Mention(); m.ID != "messageboard:GD1" || m.Platform != "messageboard" {
		t.Errorf("%+v", m)
	}

}

// Every record every reader returns must make a valid mention (that each
// opens a work order the workorder package accepts is tested there).
func TestRecordsAreValid(t *testing.T) {
	f, _ := os.ReadFile("testdata/12345_utf8_bom.csv")
	recs, _, err := ReadCSV(bytes.NewReader(f), opts())
	if err != nil {
		t.Fatal(err)
	}
	j, _ := os.ReadFile("testdata/webhook.json")
	more, _, _ := ParseJSONWith(j, opts())
	for _, r := range append(recs, more...) {
		checkRecord(t, r)
	}
}

func checkRecord(t testing.TB, r Record) {
	t.Helper()
	if err := r.Mention().Validate(fixed()); err != nil {
		t.Errorf("mention of %+v: %v", r, err)
	}
	if r.Category == "" || r.ReceivedAt.IsZero() || r.OrderID == "" {
		t.Errorf("record without category, receipt time or order id: %+v", r)
	}
}
