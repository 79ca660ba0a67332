package dedupe

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

// A detector restored from an exported state answers every later call as
// the one that never stopped, across rotations of both generations.
func TestExportImportContinuesTheSame(t *testing.T) {
	for _, cut := range []int{0, 1, 137, 260, 499} {
		calls := func() []func(d *Detector) Verdict {
			r := rand.New(rand.NewPCG(7, 9))
			texts := []string{floodA, floodACopy, floodB, floodC}
			var out []func(d *Detector) Verdict
			for i := range 500 {
				s := texts[r.IntN(len(texts))]
				if r.IntN(2) == 0 {
					s = randText(r, 30)
				}
				m := mk(fmt.Sprint("x:", r.IntN(300)), fmt.Sprint("https://u.cn/", r.IntN(300)), s, t0.Add(time.Duration(i)*7*time.Minute))
				out = append(out, func(d *Detector) Verdict { return d.Check(m) })
			}
			return out
		}()
		cfg := Config{MaxKeys: 50, MaxTexts: 20, Window: 24 * time.Hour}
		live, first := New(cfg), New(cfg)
		var want []Verdict
		for _, c := range calls {
			want = append(want, c(live))
		}
		for _, c := range calls[:cut] {
			c(first)
		}
		b, err := json.Marshal(first.Export())
		if err != nil {
			t.Fatal(err)
		}
		var st State
		if err := json.Unmarshal(b, &st); err != nil {
			t.Fatal(err)
		}
		restored := New(cfg)
		if err := restored.Import(st); err != nil {
			t.Fatal(err)
		}
		for i := cut; i < len(calls); i++ {
			if got := calls[i](restored); got != want[i] {
				t.Fatalf("cut %d, call %d: restored %+v, live %+v", cut, i, got, want[i])
			}
		}
		a, _ := json.Marshal(live.Export())
		z, _ := json.Marshal(restored.Export())
		if string(a) != string(z) {
			t.Fatalf("cut %d: final states differ", cut)
		}
	}
}

func TestImportRefusesBrokenState(t *testing.T) {
	d := New(Config{MaxKeys: 4})
	if err := d.Import(State{IDs: SeenState{Cur: Keys{Hash: []uint64{1, 2}, First: []string{"a"}}}}); err == nil {
		t.Fatal("lists of different lengths accepted")
	}
	if err := d.Import(State{IDs: SeenState{Cur: Keys{Hash: []uint64{1, 2, 3, 4, 5}, First: []string{"a", "b", "c", "d", "e"}}}}); err == nil {
		t.Fatal("more keys than the bound accepted")
	}
}
