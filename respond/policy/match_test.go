package policy

import (
	"slices"
	"testing"
)

func TestMatchTerms(t *testing.T) {
	cases := []struct {
		text  string
		terms []string
		want  []string
	}{
		{"夜间停车收费标准提高", []string{"收费", "收费标准", "停车"}, []string{"收费标准", "停车"}},
		{"收费标准和其他收费", []string{"收费", "收费标准"}, []string{"收费", "收费标准"}}, // 收费 also stands alone
		{"无关的句子", []string{"收费"}, nil},
	}
	for _, c := range cases {
		if got := matchTerms(c.text, c.terms); !slices.Equal(got, c.want) {
			t.Errorf("%q: %v, want %v", c.text, got, c.want)
		}
	}
}

func TestPriceRises(t *testing.T) {
	cases := map[string][]string{
		"由每小时5元调整为8元":         {"5元→8元（+60%）"},
		"由每月150元提高至每月300元":    {"150元→300元（+100%）"},
		"由2.5元上调至3元，由4元调整为3元": {"2.5元→3元（+20%）"}, // a cut is not a rise
		"收费标准保持5元不变":          nil,
	}
	for text, want := range cases {
		var got []string
		for _, r := range priceRises(text) {
			got = append(got, r.String())
		}
		if !slices.Equal(got, want) {
			t.Errorf("%q: %v, want %v", text, got, want)
		}
	}
}
