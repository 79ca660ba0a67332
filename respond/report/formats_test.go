package report_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"yuqing/respond/report"
	"yuqing/respond/report/browser"
)

// shots is where screenshots go: $SHOTS when set (the console's browser
// test uses it too), else a temporary directory.
func shots(t *testing.T) string {
	if d := os.Getenv("SHOTS"); d != "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		return d
	}
	return t.TempDir()
}

// word is what a .docx holds, read back.
type word struct {
	paragraphs []string // text of each body paragraph, tables included
	tables     int
	images     int
	media      int
	xml        string
	footer     string
}

func readWord(t *testing.T, b []byte) word {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatalf("the .docx is not a zip: %v", err)
	}
	var w word
	for _, f := range zr.File {
		if strings.HasPrefix(f.Name, "word/media/") {
			w.media++
		}
		if f.Name != "word/document.xml" && f.Name != "word/footer1.xml" {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(rc)
		rc.Close()
		if f.Name == "word/footer1.xml" {
			w.footer = string(data)
			continue
		}
		w.xml = string(data)
		dec := xml.NewDecoder(bytes.NewReader(data))
		var cur strings.Builder
		inText := false
		for {
			tok, err := dec.Token()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("word/document.xml does not parse: %v", err)
			}
			switch e := tok.(type) {
			case xml.StartElement:
				switch e.Name.Local {
				case "tbl":
					w.tables++
				case "drawing":
					w.images++
				case "t":
					inText = true
				}
			case xml.EndElement:
				switch e.Name.Local {
				case "t":
					inText = false
				case "p":
					w.paragraphs = append(w.paragraphs, cur.String())
					cur.Reset()
				}
			case xml.CharData:
				if inText {
					cur.Write(e)
				}
			}
		}
	}
	if w.xml == "" {
		t.Fatal("no word/document.xml")
	}
	return w
}

func (w word) has(s string) bool {
	for _, p := range w.paragraphs {
		if strings.Contains(p, s) {
			return true
		}
	}
	return false
}

// Every format of the weekly report, read back: the Word file's headings,
// tables and (with Chromium) chart images; the PDF's pages as PNG; the
// page at desktop and phone width.
func TestFormats(t *testing.T) {
	f := seed(t)
	dir := filepath.Join(f.dir, "reports")
	svc := report.NewService(f.log, f.store, dir, browser.Config{}, func() time.Time { return weekTo.Add(8 * time.Hour) }, nil)
	chromium := svc.Chromium() == nil
	if !chromium {
		t.Logf("no Chromium (%v): checking the Word file without charts; PDF and screenshots are skipped", svc.Chromium())
	}
	p := weekly()
	p.Formats = []string{"html", "docx", "pdf"}
	g, err := svc.Generate(context.Background(), p, "user:leader")
	if chromium && err != nil {
		t.Fatal(err)
	}
	if !chromium && !errors.Is(err, browser.ErrMissing) {
		t.Fatalf("without Chromium: %v", err)
	}
	if g.ID != "weekly-20261116-20261122" || !g.Complete || g.Actor != "user:leader" {
		t.Errorf("generated %+v", g)
	}
	want, _ := build(t, f, report.Params{Kind: report.Weekly, From: weekFrom, To: weekTo, AsOf: weekTo.Add(8 * time.Hour)}).Hash()
	if g.SHA256 != want {
		t.Errorf("recorded hash %s, the figures hash to %s", g.SHA256, want)
	}
	// Files are the owner's only.
	for _, name := range []string{"", "report.html", "report.docx", "figures.json"} {
		fi, err := os.Stat(filepath.Join(dir, g.ID, name))
		if err != nil {
			t.Fatal(err)
		}
		if name == "" && fi.Mode().Perm() != 0o700 || name != "" && fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %s", name, fi.Mode().Perm())
		}
	}
	list, err := svc.List(context.Background())
	if err != nil || len(list) != 1 || list[0].SHA256 != g.SHA256 || list[0].Params.Kind != report.Weekly {
		t.Errorf("list %+v %v", list, err)
	}

	b, err := os.ReadFile(filepath.Join(dir, g.ID, "report.docx"))
	if err != nil {
		t.Fatal(err)
	}
	w := readWord(t, b)
	for _, h := range []string{"舆情周报（2026年第47周）", "一、总体情况", "二、情感态势", "三、热点话题", "（一）城东化工厂附近传出刺鼻异味", "四、事件处置与回应时限", "五、12345 工单办理", "六、政府信息公开申请办理", "七、下期关注", "附：说明"} {
		if !w.has(h) {
			t.Errorf("the Word file lacks %q", h)
		}
	}
	if w.tables < 8 {
		t.Errorf("%d tables", w.tables)
	}
	for _, s := range []string{`w:eastAsia="仿宋_GB2312"`, `w:eastAsia="黑体"`, `w:eastAsia="楷体_GB2312"`, `w:eastAsia="方正小标宋简体"`, `w:w="11906"`, `w:top="2098"`, `w:left="1587"`, "footerReference"} {
		if !strings.Contains(w.xml, s) {
			t.Errorf("document.xml lacks %s", s)
		}
	}
	if !strings.Contains(w.footer, `w:instr=" PAGE "`) || !strings.Contains(w.footer, "— ") {
		t.Errorf("footer %s", w.footer)
	}
	if chromium {
		charts := len(build(t, f, report.Params{Kind: report.Weekly, From: weekFrom, To: weekTo, AsOf: weekTo.Add(8 * time.Hour)}).Charts())
		if w.images != charts || w.media != charts || charts < 4 {
			t.Errorf("%d images, %d media files; want the %d charts", w.images, w.media, charts)
		}
	} else if w.images != 0 || !w.has("需安装 Chromium") {
		t.Errorf("without Chromium: %d images; note present %v", w.images, w.has("需安装 Chromium"))
	}
	if !chromium {
		return
	}
	out := shots(t)
	pdf := filepath.Join(dir, g.ID, "report.pdf")
	if pb, err := os.ReadFile(pdf); err != nil || !bytes.HasPrefix(pb, []byte("%PDF-")) {
		t.Fatalf("pdf: %v", err)
	}
	if n := pdfPages(t, pdf, filepath.Join(out, "report-weekly-pdf")); n >= 0 && n < 3 {
		t.Errorf("%d PDF pages", n)
	}
	wordPages(t, filepath.Join(dir, g.ID, "report.docx"), filepath.Join(out, "report-weekly-docx"))

	// The 专报 of the chemical plant incident, as PDF and Word pages.
	ip := report.Params{Kind: report.Incident, Incident: "inc-chem", Formats: []string{"pdf", "docx"}}
	ig, err := svc.Generate(context.Background(), ip, "user:leader")
	if err != nil {
		t.Fatal(err)
	}
	if ig.ID != "incident-20261116-20261120-inc-chem" {
		t.Errorf("专报 id %s (the default period: the day before detection to a day after closing)", ig.ID)
	}
	pdfPages(t, filepath.Join(dir, ig.ID, "report.pdf"), filepath.Join(out, "report-incident-pdf"))
	wordPages(t, filepath.Join(dir, ig.ID, "report.docx"), filepath.Join(out, "report-incident-docx"))

	page, err := os.ReadFile(filepath.Join(dir, g.ID, "report.html"))
	if err != nil {
		t.Fatal(err)
	}
	br, err := browser.New(browser.Config{})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []struct {
		name  string
		width int
	}{{"desktop", 1280}, {"phone", 390}} {
		res, err := br.Render(context.Background(), page, browser.Request{Page: true, Width: v.width, Scale: 1})
		if err != nil {
			t.Fatal(err)
		}
		name := filepath.Join(out, "report-weekly-html-"+v.name+".png")
		if err := os.WriteFile(name, res.Page, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("page at %s width: %s", v.name, name)
	}
}

// Without Chromium the PDF fails saying what to install, and the Word file
// is made with tables and a visible note instead of charts.
func TestWithoutChromium(t *testing.T) {
	f := seed(t)
	dir := filepath.Join(f.dir, "reports")
	svc := report.NewService(f.log, f.store, dir, browser.Config{Path: "/nonexistent/chromium"}, func() time.Time { return weekTo }, nil)
	p := report.Params{Kind: report.Incident, Incident: "inc-chem", From: day(16, 0, 0), To: day(20, 0, 0), Formats: []string{"pdf", "docx"}}
	g, err := svc.Generate(context.Background(), p, "cli:ops")
	if !errors.Is(err, browser.ErrMissing) || !strings.Contains(err.Error(), "apt-get install chromium") || !strings.Contains(err.Error(), "未找到 Chromium") {
		t.Fatalf("error %v", err)
	}
	if g.HasFormat("pdf") || !g.HasFormat("docx") || len(g.Warnings) == 0 {
		t.Errorf("generated %+v", g)
	}
	b, err := os.ReadFile(filepath.Join(dir, g.ID, "report.docx"))
	if err != nil {
		t.Fatal(err)
	}
	w := readWord(t, b)
	if w.images != 0 || !w.has(report.NoChartsNote) || w.tables < 4 || !w.has("一、事件概况") || !w.has("六、发布效果") {
		t.Errorf("images %d tables %d note %v", w.images, w.tables, w.has(report.NoChartsNote))
	}
	if _, err := os.Stat(filepath.Join(dir, g.ID, "report.pdf")); !os.IsNotExist(err) {
		t.Errorf("a PDF was left: %v", err)
	}
}

// pdfPages renders a PDF's pages as PNG files prefix-N.png with pdftoppm
// and returns how many, or -1 when pdftoppm is not installed.
func pdfPages(t *testing.T, pdf, prefix string) int {
	t.Helper()
	if _, err := exec.LookPath("pdftoppm"); err != nil {
		t.Log("pdftoppm is not installed (apt-get install poppler-utils): the PDF's pages are not rendered")
		return -1
	}
	if o, err := exec.Command("pdftoppm", "-png", "-r", "60", pdf, prefix).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v\n%s", err, o)
	}
	pages, _ := filepath.Glob(prefix + "-*.png")
	t.Logf("pages of %s: %s-*.png (%d)", filepath.Base(pdf), prefix, len(pages))
	return len(pages)
}

// wordPages renders a .docx's pages as LibreOffice lays them out, when
// LibreOffice (soffice) and pdftoppm are installed.
func wordPages(t *testing.T, docx, prefix string) {
	t.Helper()
	if _, err := exec.LookPath("soffice"); err != nil {
		t.Log("LibreOffice (soffice) is not installed: the Word file's pages are not rendered")
		return
	}
	tmp := t.TempDir()
	cmd := exec.Command("soffice", "--headless", "-env:UserInstallation=file://"+filepath.Join(tmp, "profile"), "--convert-to", "pdf", "--outdir", tmp, docx)
	if o, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("soffice: %v\n%s", err, o)
	}
	pdfPages(t, filepath.Join(tmp, strings.TrimSuffix(filepath.Base(docx), ".docx")+".pdf"), prefix)
}
