package hotline

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

// excelizeWorkbook writes a 12345 export the way a real export library
// does: real date cells (with the default and a date-only number format),
// numbers, shared strings, a boolean, a hidden first sheet, an empty row
// and a row missing from the sheet.
func excelizeWorkbook(t *testing.T, date1904 bool) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	if date1904 {
		must(f.SetWorkbookProps(&excelize.WorkbookPropsOptions{Date1904: &date1904}))
	}
	must(f.SetSheetName("Sheet1", "下拉选项"))
	must(f.SetSheetRow("下拉选项", "A1", &[]any{"咨询", "投诉"}))
	idx, err := f.NewSheet("工单")
	must(err)
	f.SetActiveSheet(idx)
	must(f.SetSheetVisible("下拉选项", false))

	bj := time.FixedZone("UTC+8", 8*3600)
	rows := map[int][]any{
		1: {"12345热线工单明细（虚构）"},
		// row 2: an empty row
		3: {"工单编号", "受理时间", "诉求类型", "区县", "诉求内容", "联系电话", "回复时间", "已回访"},
		4: {int64(20261123000123), time.Date(2026, 11, 23, 10, 5, 0, 0, bj), "咨询", "徐汇区", "公积金怎么提取", int64(13812345678), time.Date(2026, 11, 24, 12, 0, 0, 0, bj), true},
		5: {"GD-2", time.Date(2026, 11, 23, 11, 0, 30, 0, bj), "投诉", "长宁区", "夜市占道，电话13900001111", "", nil, false},
		// row 6 is not written
		7: {"GD-3", "无效时间", "投诉", "长宁区", "缺时间"},
		8: {"GD-4", time.Date(2026, 11, 25, 8, 30, 0, 0, bj), "咨询", "徐汇区", "咨询"}, // shared strings reused
	}
	for r, v := range rows {
		cell, err := excelize.CoordinatesToCellName(1, r)
		must(err)
		must(f.SetSheetRow("工单", cell, &v))
	}
	must(f.SetCellValue("工单", "A2", ""))
	// Formats that would hide what the cell holds: a date-only format on a
	// time, a thousands separator on the numeric id.
	dateOnly := "yyyy年m月d日"
	ds, err := f.NewStyle(&excelize.Style{CustomNumFmt: &dateOnly})
	must(err)
	must(f.SetCellStyle("工单", "B5", "B5", ds))
	ts, err := f.NewStyle(&excelize.Style{NumFmt: 3}) // #,##0
	must(err)
	must(f.SetCellStyle("工单", "A4", "A4", ts))
	var buf bytes.Buffer
	must(f.Write(&buf))
	return buf.Bytes()
}

func TestReadXLSXWrittenByExcelize(t *testing.T) {
	for _, date1904 := range []bool{false, true} {
		data := excelizeWorkbook(t, date1904)
		recs, rej, err := ReadXLSX(bytes.NewReader(data), int64(len(data)), opts())
		if err != nil {
			t.Fatalf("1904 %v: %v", date1904, err)
		}
		got := byID(t, recs)
		if len(recs) != 3 {
			t.Errorf("1904 %v: %d records, want 3: %+v", date1904, len(recs), recs)
		}
		r1, ok := got["20261123000123"]
		if !ok {
			t.Fatalf("1904 %v: numeric id not read as digits: %+v", date1904, recs)
		}
		if !r1.ReceivedAt.Equal(at(2026, 11, 23, 10, 5)) || !r1.AnsweredAt.Equal(at(2026, 11, 24, 12, 0)) ||
			r1.Category != "咨询" || r1.Locality != "徐汇区" || r1.Text != "公积金怎么提取" || r1.Phone != "138****5678" {
			t.Errorf("1904 %v: r1 %+v", date1904, r1)
		}
		r2 := got["GD-2"]
		if want := at(2026, 11, 23, 11, 0).Add(30 * time.Second); !r2.ReceivedAt.Equal(want) {
			t.Errorf("1904 %v: a date-only format lost the time of day: %v, want %v", date1904, r2.ReceivedAt, want)
		}
		if r2.Text != "夜市占道，电话139****1111" || r2.Category != "投诉" {
			t.Errorf("1904 %v: r2 %+v", date1904, r2)
		}
		if r4 := got["GD-4"]; r4.Text != "咨询" || r4.Category != "咨询" || !r4.ReceivedAt.Equal(at(2026, 11, 25, 8, 30)) {
			t.Errorf("1904 %v: r4 %+v", date1904, r4)
		}
		if len(rej) != 1 || rej[0].Row != 7 || !strings.Contains(rej[0].Reason, `unparseable time "无效时间"`) {
			t.Errorf("1904 %v: rejected %+v, want row 7", date1904, rej)
		}
		noClearPhones(t, []any{recs, rej}, "13812345678", "13900001111")
	}
}

func TestReadXLSXBooleansAndSheets(t *testing.T) {
	data := excelizeWorkbook(t, false)
	// The boolean column, read as the title: TRUE and FALSE as Excel shows them.
	o := opts()
	o.Columns.Title = []string{"已回访"}
	recs, _, err := ReadXLSX(bytes.NewReader(data), int64(len(data)), o)
	if err != nil {
		t.Fatal(err)
	}
	got := byID(t, recs)
	if got["20261123000123"].Title != "TRUE" || got["GD-2"].Title != "FALSE" {
		t.Errorf("booleans: %q %q", got["20261123000123"].Title, got["GD-2"].Title)
	}
	// The hidden sheet only by name.
	o = opts()
	o.Sheet = "下拉选项"
	if _, _, err := ReadXLSX(bytes.NewReader(data), int64(len(data)), o); err == nil || !strings.Contains(err.Error(), "no header row") {
		t.Errorf("hidden sheet: %v", err)
	}
}
