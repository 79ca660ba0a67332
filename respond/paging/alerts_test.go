package paging

import (
	"testing"

	"yuqing/analyze/alert"
	"yuqing/analyze/grade"
)

func TestShouldPage(t *testing.T) {
	for _, c := range []struct {
		typ   string
		g     grade.Grade
		last  grade.Grade
		paged bool
		want  bool
	}{
		{alert.TypeRaised, grade.None, grade.None, false, true},   // a new story
		{alert.TypeRaised, grade.III, grade.None, true, true},     // paged without a grade; now graded
		{alert.TypeRaised, grade.III, grade.III, true, false},     // the same event again
		{alert.TypeUpdated, grade.III, grade.III, true, false},    // routine growth
		{alert.TypeUpdated, grade.II, grade.III, true, true},      // III → II: page again
		{alert.TypeUpdated, grade.IV, grade.II, true, false},      // less serious: no page
		{alert.TypeUpdated, grade.None, grade.None, true, false},  // still ungraded
		{alert.TypeUpdated, grade.None, grade.None, false, false}, // raised before paging existed, ungraded
		{alert.TypeUpdated, grade.I, grade.None, false, true},     // … and now grade I
	} {
		if got := shouldPage(c.typ, c.g, c.last, c.paged); got != c.want {
			t.Errorf("shouldPage(%s, %v, last %v, paged %v) = %v", c.typ, c.g, c.last, c.paged, got)
		}
	}
}
