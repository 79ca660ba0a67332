package incident

import (
	"reflect"
	"testing"
	"time"
)

// A configured table lays what it sets over the defaults: a grade it names
// replaces that grade's rules, the others stay; the defaults are not changed.
func TestPolicyMerge(t *testing.T) {
	base := Default()
	over := Policy{Jurisdiction: "某区", Grades: map[Grade][]Rule{GradeIII: {{ClockResponse, 24 * time.Hour}}}, AckTimeout: 5 * time.Minute}
	got := base.Merge(over)
	if got.Jurisdiction != "某区" || got.AckTimeout != 5*time.Minute || got.ReAlert != base.ReAlert || got.StartAt != base.StartAt {
		t.Fatalf("merged %+v", got)
	}
	if !reflect.DeepEqual(got.Grades[GradeIII], over.Grades[GradeIII]) || !reflect.DeepEqual(got.Grades[GradeI], base.Grades[GradeI]) {
		t.Fatalf("grades %+v", got.Grades)
	}
	if !reflect.DeepEqual(base, Default()) {
		t.Fatal("Merge changed the defaults")
	}
	if err := got.Validate(); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(base.Merge(Policy{}), base) {
		t.Fatal("an empty table changed the defaults")
	}
}
