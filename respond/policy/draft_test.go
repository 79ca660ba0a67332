package policy

import (
	"archive/zip"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"
)

func TestSentences(t *testing.T) {
	ss := Sentences(schoolDraft.Text)
	if len(ss) < 10 {
		t.Fatalf("%d sentences", len(ss))
	}
	for i, s := range ss {
		if s.Index != i+1 || s.Text == "" {
			t.Errorf("sentence %d: %+v", i, s)
		}
	}
	if ss[0].Article != "" || !strings.HasPrefix(ss[0].Text, "各区教育局") {
		t.Errorf("first: %+v", ss[0])
	}
	// 第二条 has two sentences; the second belongs to it too.
	var second []Sentence
	for _, s := range ss {
		if s.Article == "第二条" {
			second = append(second, s)
		}
	}
	if len(second) != 2 || !strings.HasPrefix(second[1].Text, "实验小学") {
		t.Errorf("第二条: %+v", second)
	}
	if p := Sentences(parkingDraft.Text); p[1].Article != "一" || p[3].Article != "二" {
		t.Errorf("numbered items: %+v", p[:4])
	}
}

func TestSplitTitle(t *testing.T) {
	d := SplitTitle("\ufeff关于调整停车收费的通知\r\n\r\n第一条 本通知自发布之日起施行。\r\n")
	if d.Title != "关于调整停车收费的通知" {
		t.Errorf("title %q", d.Title)
	}
	if d.Text != "第一条 本通知自发布之日起施行。" {
		t.Errorf("text %q", d.Text)
	}
	for _, text := range []string{"第一条 本通知自发布之日起施行。\n第二条 其他。", "这是一句话。\n第二句。", "只有一行标题"} {
		if d := SplitTitle(text); d.Title != "" {
			t.Errorf("%q: title %q", text, d.Title)
		}
	}
}

// writeDocx writes a minimal Word file whose body is document.
func writeDocx(t *testing.T, path, body string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	parts := map[string]string{
		"[Content_Types].xml": `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>`,
		"word/document.xml": `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"><w:body>` + body + `</w:body></w:document>`,
	}
	for name, content := range parts {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(content))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
}

func para(runs ...string) string {
	var b strings.Builder
	b.WriteString("<w:p>")
	for _, r := range runs {
		b.WriteString("<w:r><w:t xml:space=\"preserve\">" + r + "</w:t></w:r>")
	}
	b.WriteString("</w:p>")
	return b.String()
}

func TestReadDraft(t *testing.T) {
	dir := t.TempDir()

	// .docx: runs joined, paragraphs on lines, deletions and fallback copies left out.
	docx := filepath.Join(dir, "draft.docx")
	writeDocx(t, docx, para("临江市中心城区", "停车收费调整方案")+
		para("一、一类区域由每小时5元", "调整为8元。")+
		`<w:p><w:r><w:t>二、</w:t></w:r><w:del><w:r><w:delText>已删除的文字</w:delText></w:r></w:del><w:r><w:t>自2026年7月1日起施行。</w:t></w:r></w:p>`+
		`<w:p><mc:AlternateContent><mc:Choice><w:r><w:t>文本框</w:t></w:r></mc:Choice><mc:Fallback><w:r><w:t>文本框</w:t></w:r></mc:Fallback></mc:AlternateContent></w:p>`)
	d, err := ReadDraft(docx)
	if err != nil {
		t.Fatal(err)
	}
	if d.Title != "临江市中心城区停车收费调整方案" || d.Text != "一、一类区域由每小时5元调整为8元。\n二、自2026年7月1日起施行。\n文本框" {
		t.Errorf("docx: %+v", d)
	}

	// .txt in GB18030, as Chinese Windows saves it.
	gbk, _ := simplifiedchinese.GB18030.NewEncoder().String("关于调整学区划片的通知\n第一条 自2026年9月1日起施行。")
	txt := filepath.Join(dir, "draft.txt")
	os.WriteFile(txt, []byte(gbk), 0o644)
	if d, err := ReadDraft(txt); err != nil || d.Title != "关于调整学区划片的通知" || !strings.Contains(d.Text, "起施行") {
		t.Errorf("GB18030 txt: %+v %v", d, err)
	}

	// Errors say what is wrong.
	empty := filepath.Join(dir, "empty.txt")
	os.WriteFile(empty, []byte(" \n\t\n"), 0o644)
	notZip := filepath.Join(dir, "fake.docx")
	os.WriteFile(notZip, []byte("不是压缩包"), 0o644)
	noBody := filepath.Join(dir, "nobody.docx")
	writeDocx(t, noBody, "")
	pdf := filepath.Join(dir, "draft.pdf")
	os.WriteFile(pdf, []byte("%PDF"), 0o644)
	for path, want := range map[string]string{
		empty:                           "没有正文",
		noBody:                          "没有正文",
		notZip:                          "不是有效的 .docx",
		pdf:                             "不支持的草案格式",
		filepath.Join(dir, "none.docx"): "不存在",
	} {
		_, err := ReadDraft(path)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want one containing %q", filepath.Base(path), err, want)
		}
	}
	if _, err := ReadDraft(empty); !errors.Is(err, ErrEmpty) {
		t.Errorf("empty: %v is not ErrEmpty", err)
	}
	if _, err := ReadDraft(pdf); !errors.Is(err, ErrUnsupported) {
		t.Errorf("pdf: %v is not ErrUnsupported", err)
	}
}
