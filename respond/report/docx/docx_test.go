package docx

import (
	"archive/zip"
	"bytes"
	"image"
	"image/color"
	"image/png"
	"io"
	"strings"
	"testing"
	"time"
)

func parts(t *testing.T, b []byte) map[string]string {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, f := range zr.File {
		rc, _ := f.Open()
		data, _ := io.ReadAll(rc)
		rc.Close()
		out[f.Name] = string(data)
	}
	return out
}

func TestDocument(t *testing.T) {
	w, err := New(Official())
	if err != nil {
		t.Fatal(err)
	}
	w.Title("舆情周报")
	w.Heading1("一、总体情况")
	w.Heading2("（一）热点")
	w.Para("正文。")
	w.Caption("表")
	w.Table([]string{"单位", "按时率"}, [][]string{{"市应急管理局", "50.0%"}, {"短"}})
	w.Quote("微博 网友 11月17日", "“原文”", "https://example.invalid/1")
	var img bytes.Buffer
	m := image.NewRGBA(image.Rect(0, 0, 40, 20))
	m.Set(1, 1, color.Black)
	png.Encode(&img, m)
	w.Image(img.Bytes(), 0)
	b, err := w.Bytes(Meta{Title: "舆情周报", Creator: "yuqing", Created: time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	p := parts(t, b)
	doc := p["word/document.xml"]
	for _, s := range []string{`<w:outlineLvl w:val="0">`, `<w:outlineLvl w:val="1">`, `w:eastAsia="方正小标宋简体"`, `<w:tblStyle w:val="YuqingTable">`, `<w:gridCol`, `<w:tblHeader`, `<w:drawing>`, "footerReference", "市应急管理局"} {
		if !strings.Contains(doc, s) {
			t.Errorf("document.xml lacks %s", s)
		}
	}
	if !strings.Contains(p["word/footer1.xml"], `<w:fldSimple w:instr=" PAGE ">`) {
		t.Errorf("footer %s", p["word/footer1.xml"])
	}
	if !strings.Contains(p["word/fontTable.xml"], `<w:font w:name="仿宋_GB2312"><w:altName w:val="仿宋">`) {
		t.Error("the font table does not name 仿宋 for 仿宋_GB2312")
	}
	if !strings.Contains(p["docProps/core.xml"], "<dc:creator>yuqing</dc:creator>") || strings.Contains(p["docProps/core.xml"], "gomutex") {
		t.Errorf("core properties %s", p["docProps/core.xml"])
	}
	if _, ok := p["docProps/thumbnail.jpeg"]; ok || strings.Contains(p["_rels/.rels"], "thumbnail") {
		t.Error("the template's thumbnail is still in the package")
	}
	if !strings.Contains(p["[Content_Types].xml"], "/word/footer1.xml") {
		t.Error("the footer has no content type")
	}
}

func TestColumnWidths(t *testing.T) {
	tests := []struct {
		name   string
		header []string
		rows   [][]string
		check  func([]int) bool
	}{
		{"fits: shared by need", []string{"指标", "数值"}, [][]string{{"信息总量", "644 条"}}, func(w []int) bool { return w[0] > w[1] }},
		{"short columns keep their width", []string{"事件", "状态", "时限"}, [][]string{{"环城路塌陷致交通中断", "处置中", strings.Repeat("回应（48小时）：超时未完成", 2)}},
			func(w []int) bool { return w[1] >= 6*120+260 }},
	}
	for _, tc := range tests {
		w := columnWidths(tc.header, tc.rows, sizeS4)
		sum := 0
		for _, x := range w {
			sum += x
		}
		if sum > 8845 || sum < 8800 || !tc.check(w) {
			t.Errorf("%s: %v (sum %d)", tc.name, w, sum)
		}
	}
}
