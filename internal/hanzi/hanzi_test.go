package hanzi

import "testing"

func TestFold(t *testing.T) {
	cases := map[string]string{
		"國務院辦公廳關於政務輿情回應的通知": "国务院办公厅关于政务舆情回应的通知",
		"ＰＸ項目　環評":           "px项目 环评",
		"已经是简体":             "已经是简体",
		"Hello, 臺灣":         "hello, 台湾",
	}
	for in, want := range cases {
		if got := Fold(in); got != want {
			t.Errorf("Fold(%q) = %q, want %q", in, got, want)
		}
	}
	if got := Simplify("說ＡB"); got != "说ＡB" {
		t.Errorf("Simplify changed width or case: %q", got)
	}
}
