package policy

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func TestRender(t *testing.T) {
	a, err := Assess(t.Context(), schoolDraft, Deps{Seg: segmenter(t), Store: seedStore(t, t.TempDir()), Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	var md bytes.Buffer
	if err := WriteMarkdown(&md, a); err != nil {
		t.Fatal(err)
	}
	out := md.String()
	last := -1
	for _, h := range []string{"## 风险等级", "## 涉及领域与触发语句", "## 相关历史舆情", "## 可能提问", "## 解读要点", "## 监测方案"} {
		i := strings.Index(out, "\n"+h+"\n")
		if i < 0 || i < last {
			t.Errorf("heading %s missing or out of order", h)
		}
		last = i
	}
	for _, want := range []string{"**" + string(a.Level) + "**", a.Evidence[0].Text, "已购学区房怎么办？", Placeholder,
		"### 过渡安排 — **缺失**", "t-school", a.Scheme.ID, "```yaml", "多校划片"} {
		if !strings.Contains(out, want) {
			t.Errorf("markdown lacks %q", want)
		}
	}

	var js bytes.Buffer
	if err := WriteJSON(&js, a); err != nil {
		t.Fatal(err)
	}
	var back Assessment
	if err := json.Unmarshal(js.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if back.Level != a.Level || len(back.Evidence) != len(a.Evidence) || back.Scheme.Rule != a.Scheme.Rule ||
		len(back.History.Topics) != len(a.History.Topics) || !back.WindowFrom.Equal(a.WindowFrom) {
		t.Errorf("JSON round trip: %s", js.String())
	}
	if !strings.Contains(js.String(), `"level": "高"`) || strings.Contains(js.String(), `\u`) {
		t.Errorf("JSON is not plain Chinese:\n%s", js.String()[:400])
	}
}
