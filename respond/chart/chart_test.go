package chart

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"math"
	"strings"
	"testing"
)

func TestScriptIsTheVendoredRelease(t *testing.T) {
	sum := sha256.Sum256(Script())
	if got := hex.EncodeToString(sum[:]); got != ScriptSHA256 {
		t.Fatalf("echarts.min.js sha256 = %s, want %s (the vendored file was changed)", got, ScriptSHA256)
	}
	for _, want := range []string{"Apache License", "Version 2.0", "The Apache Software Foundation", "d3"} {
		if !strings.Contains(Licenses(), want) {
			t.Errorf("Licenses() lacks %q", want)
		}
	}
}

func decode(t *testing.T, o Option) map[string]any {
	t.Helper()
	b, err := o.JSON()
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestOptions(t *testing.T) {
	tests := []struct {
		name   string
		opt    Option
		series int
		typ    string
		check  func(t *testing.T, m map[string]any)
	}{
		{"line", Line{Title: "走势", Categories: []string{"11-23", "11-24"}, Series: []Series{{Name: "微博", Values: []float64{1, math.NaN()}}}, Unit: "条"}.Option(), 1, "line",
			func(t *testing.T, m map[string]any) {
				data := m["series"].([]any)[0].(map[string]any)["data"].([]any)
				if data[1].(float64) != 0 {
					t.Errorf("NaN drawn as %v, want 0", data[1])
				}
				if m["legend"] != nil {
					t.Error("one series needs no legend")
				}
			}},
		{"stacked bar", Bar{Categories: []string{"a"}, Series: []Series{{Name: "负面", Values: []float64{1}, Color: Negative}, {Name: "正面", Values: []float64{2}}}, Stack: true}.Option(), 2, "bar",
			func(t *testing.T, m map[string]any) {
				s := m["series"].([]any)[0].(map[string]any)
				if s["stack"] != "total" || s["itemStyle"].(map[string]any)["color"] != Negative {
					t.Errorf("series %v", s)
				}
			}},
		{"horizontal bar", Bar{Categories: []string{"很长的话题标题"}, Series: []Series{{Name: "信息量", Values: []float64{3}}}, Horizontal: true}.Option(), 1, "bar",
			func(t *testing.T, m map[string]any) {
				if m["yAxis"].(map[string]any)["type"] != "category" {
					t.Errorf("categories should run down the side: %v", m["yAxis"])
				}
			}},
		{"donut", Pie{Slices: []Slice{{Name: "负面", Value: 2}, {Name: "中性", Value: math.Inf(1)}}, Donut: true}.Option(), 1, "pie", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := decode(t, tc.opt)
			if m["animation"] != false {
				t.Error("charts must not animate: screenshots and PDFs are taken at once")
			}
			series := m["series"].([]any)
			if len(series) != tc.series || series[0].(map[string]any)["type"] != tc.typ {
				t.Fatalf("series = %v", series)
			}
			if tc.check != nil {
				tc.check(t, m)
			}
		})
	}
}
