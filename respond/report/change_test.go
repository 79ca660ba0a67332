package report

import "testing"

// Period-on-period change reads as a leader reads it: percent below double,
// 倍 from double on (增长1倍 is double), never 增长132000.0%.
func TestChangeWording(t *testing.T) {
	f := func(x float64) *float64 { return &x }
	for _, c := range []struct {
		x    *float64
		want string
	}{
		{nil, "无可比数据"},
		{f(0), "持平"},
		{f(0.25), "增长25.0%"},
		{f(-0.032), "下降3.2%"},
		{f(0.999), "增长99.9%"},
		{f(1), "增长1.0倍"},
		{f(2.22), "增长2.2倍"},
		{f(1320), "增长1320倍"},
	} {
		if got := change(c.x); got != c.want {
			t.Errorf("change(%v) = %q, want %q", c.x, got, c.want)
		}
	}
}
