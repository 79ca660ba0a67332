package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"yuqing/respond/privacy"
)

// `yuqing privacy scan` prints findings with rune offsets into the whole
// file, or the masked text; `score` scores a case table.
func TestPrivacyCommand(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "draft.txt")
	text := "情况通报\n死者王建国，家属联系电话13812345678。\n车辆京A12345已扣留。\n"
	os.WriteFile(in, []byte(text), 0o644)

	out := runCLI(t, "privacy", "scan", "--in", in)
	var got []privacy.Finding
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var f privacy.Finding
		if err := json.Unmarshal([]byte(line), &f); err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		got = append(got, f)
	}
	r := []rune(text)
	kinds := []string{privacy.KindName, privacy.KindPhone, privacy.KindPlate}
	if len(got) != len(kinds) {
		t.Fatalf("findings:\n%s", out)
	}
	for i, f := range got {
		if f.Kind != kinds[i] || string(r[f.Start:f.End]) != f.Text {
			t.Errorf("finding %+v: kind want %s, runes [%d,%d) are %q", f, kinds[i], f.Start, f.End, string(r[f.Start:f.End]))
		}
	}

	masked := runCLI(t, "privacy", "scan", "--in", in, "--mask")
	if want := "情况通报\n死者王**，家属联系电话138****5678。\n车辆京A·***45已扣留。\n"; masked != want {
		t.Fatalf("masked:\n%s\nwant\n%s", masked, want)
	}

	old := stdin
	defer func() { stdin = old }()
	stdin = strings.NewReader("邮箱zhangsan@163.com")
	if out := runCLI(t, "privacy", "scan", "--in", "-"); !strings.Contains(out, `{"kind":"email","text":"zhangsan@163.com","start":2,"end":18}`) {
		t.Fatalf("scan of standard input: %s", out)
	}

	cases := filepath.Join(dir, "cases.jsonl")
	os.WriteFile(cases, []byte(`{"text":"手机13812345678","want":[{"kind":"phone","text":"13812345678"}]}
{"text":"患者李小红已出院","want":[]}
{"text":"工单号20261203000123","want":[{"kind":"phone","text":"20261203000123"}]}
`), 0o644)
	score := runCLI(t, "privacy", "score", "--cases", cases)
	for _, want := range []string{"recall\tphone\t1/2\t0.500", "false_alarms\tname\t1", "missed\tcase 3\tphone\t20261203000123", "spurious\tcase 2\tname\t李小红"} {
		if !strings.Contains(score, want) {
			t.Errorf("score lacks %q:\n%s", want, score)
		}
	}

	var o, e bytes.Buffer
	if code := run(context.Background(), []string{"privacy", "score", "--cases", cases, "--strict"}, &o, &e, func(string) string { return "" }); code != 1 || !strings.Contains(e.String(), "false alarms: 1") {
		t.Fatalf("--strict on a failing table: exit %d %s", code, e.String())
	}
	for _, args := range [][]string{{"privacy"}, {"privacy", "erase"}, {"privacy", "scan"}, {"privacy", "scan", "--in", filepath.Join(dir, "missing")}} {
		o.Reset()
		e.Reset()
		if code := run(context.Background(), args, &o, &e, func(string) string { return "" }); code == 0 {
			t.Errorf("%v: exit 0", args)
		}
	}
}
