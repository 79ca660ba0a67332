package main

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"yuqing/internal/analytics"
	"yuqing/internal/analytics/sqlitestore"
	"yuqing/respond/policy"
)

const policyDraftTitle = "临江市教育局关于调整义务教育学校招生划片范围的通知"

var policyDraftBody = []string{
	"为进一步促进义务教育优质均衡发展，根据有关规定，现就调整招生划片范围通知如下。",
	"第一条 本通知适用于临江市鼓楼区、江滨区范围内的公办小学和初中。",
	"第二条 自2026年9月1日起实行“多校划片”，原对口学校不再保留。",
	"第三条 适龄儿童须具有本市户籍且在片区内拥有唯一住房，方可登记入学。",
	"第四条 各学校一律不得举行入学考试。",
	"第五条 本通知自2026年9月1日起施行。",
}

// seedPolicyData writes a past catchment-area topic and an unrelated one
// into an embedded data directory.
func seedPolicyData(t *testing.T, data string) {
	t.Helper()
	ctx := context.Background()
	store, err := sqlitestore.Open(ctx, filepath.Join(data, "analytics.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	start := time.Date(2025, 7, 3, 8, 0, 0, 0, time.UTC)
	topics := []struct {
		id    string
		label []string
		posts []string
		kws   []string
	}{
		{"t-xq", []string{"学区房", "划片"}, []string{"划片一改，刚买的学区房怎么办？", "多校划片以后孩子能上哪个学校？"}, []string{"学区房", "划片"}},
		{"t-fire", []string{"仓库", "火灾"}, []string{"城西仓库起火，浓烟滚滚", "仓库火灾已扑灭"}, []string{"仓库", "火灾"}},
	}
	for _, tp := range topics {
		var ms []analytics.Mention
		for i, p := range tp.posts {
			at := start.Add(time.Duration(i) * time.Minute)
			ms = append(ms, analytics.Mention{ID: fmt.Sprintf("weibo:%s-%d", tp.id, i), Platform: "weibo", Text: p, PublishedAt: at, IngestedAt: at,
				Keywords: tp.kws, Sentiment: "neg", Topic: tp.id})
		}
		if err := store.PutMentions(ctx, ms); err != nil {
			t.Fatal(err)
		}
		last := ms[len(ms)-1].PublishedAt
		if err := store.PutTopics(ctx, []analytics.Topic{{ID: tp.id, Label: tp.label, Mentions: int64(len(ms)), FirstTime: start, LastTime: last,
			Neg: int64(len(ms)), Grade: 3, Updated: last}}); err != nil {
			t.Fatal(err)
		}
	}
}

// writePolicyDocx writes a Word file of one paragraph per line.
func writePolicyDocx(t *testing.T, path string, lines []string) {
	t.Helper()
	var body strings.Builder
	for _, l := range lines {
		fmt.Fprintf(&body, `<w:p><w:r><w:t xml:space="preserve">%s</w:t></w:r></w:p>`, l)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, content := range map[string]string{
		"[Content_Types].xml": `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/></Types>`,
		"word/document.xml": `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>` +
			body.String() + `</w:body></w:document>`,
	} {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(content))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestPolicyAssessCommand(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	seedPolicyData(t, data)
	txt := filepath.Join(dir, "draft.txt")
	os.WriteFile(txt, []byte(policyDraftTitle+"\n"+strings.Join(policyDraftBody, "\n")+"\n"), 0o644)

	out := runCLI(t, "policy", "assess", "--in", txt, "--data", data, "--unit", "临江市教育局", "--release", "2026-06-15", "--window-days", "10", "--format", "json")
	var a policy.Assessment
	if err := json.Unmarshal([]byte(out), &a); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if a.Title != policyDraftTitle || a.Unit != "临江市教育局" || len(a.Evidence) == 0 || a.Level == "" {
		t.Errorf("assessment: title %q unit %q level %q evidence %d", a.Title, a.Unit, a.Level, len(a.Evidence))
	}
	var ids []string
	for _, pt := range a.History.Topics {
		ids = append(ids, pt.ID)
	}
	if !a.History.Searched || !slices.Equal(ids, []string{"t-xq"}) {
		t.Errorf("history %+v", a.History)
	}
	from := time.Date(2026, 6, 15, 0, 0, 0, 0, time.FixedZone("CST", 8*3600))
	if !a.WindowFrom.Equal(from) || !a.WindowTo.Equal(from.AddDate(0, 0, 10)) || !strings.HasPrefix(a.Scheme.ID, "policy-") {
		t.Errorf("window %s .. %s, scheme %s", a.WindowFrom, a.WindowTo, a.Scheme.ID)
	}
	hasEdu := false
	for _, h := range a.Subjects {
		hasEdu = hasEdu || h.ID == "education"
	}
	if !hasEdu {
		t.Errorf("subjects %+v", a.Subjects)
	}

	// A .docx, the title given on the command line, no store in the
	// working directory: history is said to be missing, not invented.
	t.Chdir(t.TempDir())
	docx := filepath.Join(dir, "draft.docx")
	writePolicyDocx(t, docx, policyDraftBody)
	md := runCLI(t, "policy", "assess", "--in", docx, "--title", "划片调整通知（征求意见稿）")
	for _, want := range []string{"# 政策舆情风险研判：划片调整通知（征求意见稿）", "## 风险等级", "## 涉及领域与触发语句", "## 相关历史舆情", "未接入分析库",
		"## 可能提问", policy.Placeholder, "## 解读要点", "## 监测方案", "多校划片"} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
	if _, err := os.Stat("data"); err == nil {
		t.Error("assessing created a data directory")
	}
	// The same as Word, laid out like the reports.
	word := runCLI(t, "policy", "assess", "--in", docx, "--title", "划片调整通知（征求意见稿）", "--format", "docx")
	zr, err := zip.NewReader(strings.NewReader(word), int64(len(word)))
	if err != nil {
		t.Fatalf("--format docx is not a Word file: %v", err)
	}
	var doc string
	for _, f := range zr.File {
		if f.Name == "word/document.xml" {
			rc, _ := f.Open()
			b, _ := io.ReadAll(rc)
			rc.Close()
			doc = string(b)
		}
	}
	if !strings.Contains(doc, "政策舆情风险研判：划片调整通知") || !strings.Contains(doc, "YuqingTable") {
		t.Errorf("the Word file lacks the title or the tables")
	}
}

func TestPolicyCommandErrors(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.txt")
	os.WriteFile(empty, []byte("\n  \n"), 0o644)
	pdf := filepath.Join(dir, "draft.pdf")
	os.WriteFile(pdf, []byte("%PDF-1.7"), 0o644)
	good := filepath.Join(dir, "draft.txt")
	os.WriteFile(good, []byte(strings.Join(policyDraftBody, "\n")), 0o644)
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"policy"}, "usage: yuqing policy assess"},
		{[]string{"policy", "review"}, "usage: yuqing policy assess"},
		{[]string{"policy", "assess"}, "--in"},
		{[]string{"policy", "assess", "--in", filepath.Join(dir, "missing.txt")}, "不存在"},
		{[]string{"policy", "assess", "--in", empty}, "没有正文"},
		{[]string{"policy", "assess", "--in", pdf}, "不支持的草案格式"},
		{[]string{"policy", "assess", "--in", good, "--format", "html"}, "--format"},
		{[]string{"policy", "assess", "--in", good, "--release", "下周一"}, "--release"},
		{[]string{"policy", "assess", "--in", good, "--subjects", filepath.Join(dir, "none.yaml")}, "领域词表"},
		{[]string{"policy", "assess", "--in", good, "--data", filepath.Join(dir, "nodata")}, "没有分析库"},
	}
	for _, c := range cases {
		var o, e bytes.Buffer
		code := run(context.Background(), c.args, &o, &e, func(string) string { return "" })
		if code == 0 || !strings.Contains(e.String(), c.want) {
			t.Errorf("%v: exit %d, stderr %q, want %q", c.args, code, e.String(), c.want)
		}
	}
}
