package hotline

import (
	"archive/zip"
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
)

var update = flag.Bool("update", false, "rewrite testdata/messageboard.xlsx and the fuzz seed corpora")

// TestWriteSeeds writes the generated test files (go test -run TestWriteSeeds -update).
func TestWriteSeeds(t *testing.T) {
	if !*update {
		t.Skip("-update not set")
	}
	write := func(name string, data []byte) {
		if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(name, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	seed := func(fuzz, name string, data []byte) {
		write(filepath.Join("testdata", "fuzz", fuzz, name), []byte("go test fuzz v1\n[]byte("+strconv.Quote(string(data))+")\n"))
	}
	write("testdata/messageboard.xlsx", messageBoardXLSX(t))
	csvFile, err := os.ReadFile("testdata/12345_utf8_bom.csv")
	if err != nil {
		t.Fatal(err)
	}
	gbk, _ := simplifiedchinese.GBK.NewEncoder().Bytes([]byte(gbkCSV))
	seed("FuzzReadCSV", "utf8_bom", csvFile)
	seed("FuzzReadCSV", "gbk", gbk)
	seed("FuzzReadCSV", "broken_quote", []byte("工单编号,受理时间,诉求内容\nA1,2026-11-20 08:00,\"没有闭合\nA2,46346.5,x\"y\n"))
	seed("FuzzReadCSV", "tabs", []byte(strings.ReplaceAll(gbkCSV, ",", "\t")))
	body, err := os.ReadFile("testdata/webhook.json")
	if err != nil {
		t.Fatal(err)
	}
	seed("FuzzParseJSON", "webhook", body)
	seed("FuzzParseJSON", "object", []byte(`{"order_id":"Z1","received_at":"2026-11-30 08:00","text":"电话13812345678","phone":"+86 13812345678","answered_at":1795397400000}`))
	seed("FuzzParseJSON", "types", []byte(`[{"order_id":{"a":1}},{"order_id":true,"received_at":[1]},null,{"received_at":1e300}]`))
	xlsxSeed := func(name string, data []byte) {
		sheet, sst, date1904 := unwrapXLSX(t, data)
		write(filepath.Join("testdata", "fuzz", "FuzzReadXLSX", name), []byte(fmt.Sprintf("go test fuzz v1\n[]byte(%s)\n[]byte(%s)\nbool(%v)\n", strconv.Quote(string(sheet)), strconv.Quote(string(sst)), date1904)))
	}
	xlsxSeed("messageboard", messageBoardXLSX(t))
	xlsxSeed("date1904", buildXLSX(t, true, xsheet{name: "S", noRefs: true, rows: [][]any{{"工单号", "来电时间", "来电内容"}, {rawNum("1.5E+3"), 44887.5, rich{"a", "13812345678"}}}}))
	xlsxSeed("mixed", buildXLSX(t, false, xsheet{name: "S", dim: "A1:K4", rows: [][]any{{inline("标题行")}, nil,
		{"工单编号", "受理时间", "诉求类型", "区县", "承办单位", "标题", "诉求内容", "状态", "联系电话", "回复时间", "回复内容"},
		{"GD-2", inline("2026-11-23 11:00"), ruby{"求助", "キュウジョ"}, skip{}, "区民政局", formula("独居老人"), "多日未出门_x000D_\n请上门看看", boolean(false), "13900001111", 46350.5, "已上门"}}}))
}

// digitRun finds 5 or more digits in a row: a masked phone never has them.
var digitRun = regexp.MustCompile(`[0-9]{5}`)

// checkOutput holds for every reader on any input.
func checkOutput(t *testing.T, recs []Record, rej []Rejected) {
	t.Helper()
	seen := map[string]bool{}
	for _, r := range recs {
		if r.OrderID == "" || r.ReceivedAt.IsZero() || r.Category == "" || r.Channel == "" {
			t.Fatalf("incomplete record %+v", r)
		}
		if seen[r.OrderID] {
			t.Fatalf("order %q twice", r.OrderID)
		}
		seen[r.OrderID] = true
		if digitRun.MatchString(r.Phone) || strings.Trim(r.Phone, "0123456789*/") != "" {
			t.Fatalf("phone not masked: %q", r.Phone)
		}
		for _, s := range []string{r.Title, r.Text, r.Answer} {
			if MaskText(s) != s {
				t.Fatalf("phone left in text %q", s)
			}
		}
		for _, s := range []string{r.OrderID, r.Title, r.Text, r.Answer, r.Unit, r.Locality, r.Status, r.Category} {
			if !utf8.ValidString(s) {
				t.Fatalf("invalid UTF-8 %q", s)
			}
		}
		if !r.AnsweredAt.IsZero() && r.AnsweredAt.Before(r.ReceivedAt) {
			t.Fatalf("answered before received: %+v", r)
		}
		m := r.Mention()
		if err := m.Validate(fixed()); err != nil {
			t.Fatalf("invalid mention from %+v: %v", r, err)
		}
		if bytes.Contains(m.Raw, []byte("phone")) || MaskText(m.Text) != m.Text {
			t.Fatalf("phone in mention %+v", m)
		}
		if r.Category == "" || r.ReceivedAt.IsZero() {
			t.Fatalf("bad record %+v", r)
		}
	}
	for _, r := range rej {
		if r.Reason == "" || len(r.Raw) > MaxRawBytes {
			t.Fatalf("bad rejection %+v", r)
		}
		if MaskText(r.Raw) != r.Raw {
			t.Fatalf("phone left in raw %q", r.Raw)
		}
	}
}

func FuzzReadCSV(f *testing.F) {
	f.Add([]byte(gbkCSV))
	f.Add([]byte("工单编号,受理时间,诉求内容,联系电话\nA,2026-11-20 08:00,\"x\ny\",13812345678\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		o := opts()
		o.MaxBytes = 1 << 20
		calls := 0
		o.Progress = func(done, total int) { calls++ }
		o.ProgressEvery = 3
		recs, rej, err := ReadCSV(bytes.NewReader(data), o)
		if err != nil {
			return
		}
		checkOutput(t, recs, rej)
		if calls == 0 {
			t.Fatal("no final progress call")
		}
	})
}

func FuzzParseJSON(f *testing.F) {
	f.Add([]byte(`{"order_id":"A","received_at":"2026-11-20 08:00","text":"x","phone":"13812345678"}`))
	f.Add([]byte(`[{"工单编号":1,"受理时间":46346.5,"诉求内容":"y"}]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		recs, rej, err := ParseJSONWith(data, opts())
		if err != nil {
			return
		}
		checkOutput(t, recs, rej)
	})
}

// FuzzReadXLSX fuzzes the sheet and shared-strings XML inside a valid
// package: mutated zip bytes would mostly stop at the zip checksums.
func FuzzReadXLSX(f *testing.F) {
	f.Add([]byte(`<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="A1:C2"/><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="inlineStr"><is><t>诉求内容</t></is></c></row>`+
		`<row r="2"><c r="A2"><v>2.0261123000123E+13</v></c><c r="B2"><v>46349.42</v></c><c r="C2" t="s"><v>2</v></c><c r="D2" t="b"><v>1</v></c></row></sheetData></worksheet>`),
		[]byte(`<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>工单编号</t></si><si><r><t>受理</t></r><r><t>时间</t></r></si><si><t>电话13812345678_x000D_</t><rPh><t>x</t></rPh></si></sst>`), false)
	f.Fuzz(func(t *testing.T, sheet, sst []byte, date1904 bool) {
		data := wrapXLSX(t, sheet, sst, date1904)
		o := opts()
		o.MaxBytes = 1 << 20
		recs, rej, err := ReadXLSX(bytes.NewReader(data), int64(len(data)), o)
		if err != nil {
			return
		}
		checkOutput(t, recs, rej)
	})
}

// wrapXLSX packs a sheet and a shared-string table into a workbook.
func wrapXLSX(t testing.TB, sheet, sst []byte, date1904 bool) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	pr := ""
	if date1904 {
		pr = `<workbookPr date1904="1"/>`
	}
	// The package parts with the namespaces OOXML requires (excelize
	// checks them); the sheet and the shared strings as the fuzzer made them.
	const rels = `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">`
	for _, p := range [][2]string{
		{"[Content_Types].xml", `<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/></Types>`},
		{"_rels/.rels", rels + `<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`},
		{"xl/workbook.xml", `<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">` + pr + `<sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>`},
		{"xl/_rels/workbook.xml.rels", rels + `<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>`},
		{"xl/worksheets/sheet1.xml", string(sheet)},
		{"xl/sharedStrings.xml", string(sst)},
	} {
		w, err := zw.Create(p[0])
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(w, p[1]); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// unwrapXLSX takes the first sheet and the shared strings out of a workbook.
func unwrapXLSX(t testing.TB, data []byte) (sheet, sst []byte, date1904 bool) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	read := func(name string) []byte {
		f, err := zr.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		b, err := io.ReadAll(f)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	return read("xl/worksheets/sheet1.xml"), read("xl/sharedStrings.xml"), bytes.Contains(read("xl/workbook.xml"), []byte(`date1904="1"`))
}
