package docx

import (
	"strings"
	"testing"
	"time"
)

func TestFromMarkdown(t *testing.T) {
	md := "# 政策舆情风险研判：停车收费调整\n\n- 发文单位：市发改委\n\n## 风险等级\n\n**高**（评分 10）\n\n### 交通出行\n\n| 句 | 原文 | 触发词 |\n|---|---|---|\n| 3 | 一类区域由每小时5元调整为8元 | `上调` |\n\n```yaml\n- id: policy-1\n```\n\n普通段落。\n"
	b, err := FromMarkdown(md, Official(), Meta{Title: "研判", Creator: "yuqing", Created: time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	doc := parts(t, b)["word/document.xml"]
	for _, s := range []string{"政策舆情风险研判：停车收费调整", `<w:outlineLvl w:val="0">`, `<w:outlineLvl w:val="1">`, `<w:tblStyle w:val="YuqingTable">`,
		"一类区域由每小时5元调整为8元", "· 发文单位：市发改委", "id: policy-1", "普通段落。"} {
		if !strings.Contains(doc, s) {
			t.Errorf("document.xml lacks %s", s)
		}
	}
	for _, s := range []string{"**", "`上调`", "|---|", "```"} {
		if strings.Contains(doc, s) {
			t.Errorf("Markdown mark %q left in the document", s)
		}
	}
}
