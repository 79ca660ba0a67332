package topic

import (
	"reflect"
	"slices"
	"testing"
	"time"
)

// checkIndex checks that the word index and the merge profiles are exactly
// what the active topics' words imply: the index rebuilt from scratch from
// the active topics equals the maintained one.
func checkIndex(t *testing.T, c *Clusterer, step int) {
	t.Helper()
	want := map[string][]string{} // word -> IDs of the active topics that have it
	for _, tp := range c.active {
		var total float64
		var big []string // words of count at least 2
		for w, cell := range tp.words {
			if cell.w != w || cell.tp != tp || !(cell.c > 0) || cell.pi != 0 {
				t.Fatalf("step %d: topic %s: bad cell for %q: %+v", step, tp.id, w, *cell)
			}
			if e := c.index[w]; cell.e != e || e == nil || int(cell.ix) >= len(e.cells) || e.cells[cell.ix] != cell {
				t.Fatalf("step %d: topic %s: word %q is not indexed where its cell says", step, tp.id, w)
			}
			want[w] = append(want[w], tp.id)
			total += cell.c
			if cell.c >= 2 {
				big = append(big, w)
			}
		}
		if total != tp.wordTotal {
			t.Fatalf("step %d: topic %s: word total %v, counts sum to %v", step, tp.id, tp.wordTotal, total)
		}
		for i, cell := range tp.prof {
			if i > 0 && !(tp.prof[i-1].w < cell.w) {
				t.Fatalf("step %d: topic %s: profile not sorted at %q", step, tp.id, cell.w)
			}
		}
		var got []string
		for _, cell := range append(slices.Clone(tp.prof), tp.profNew...) {
			if cell.tp != tp || tp.words[cell.w] != cell {
				t.Fatalf("step %d: topic %s: profile holds a dead cell %q", step, tp.id, cell.w)
			}
			got = append(got, cell.w)
		}
		slices.Sort(got)
		slices.Sort(big)
		if !slices.Equal(got, big) {
			t.Fatalf("step %d: topic %s: profile words %v, want %v", step, tp.id, got, big)
		}
	}
	var bgTotal float64
	for w, e := range c.bg {
		if !(e.bg > 0) {
			t.Fatalf("step %d: background word %q has count %v", step, w, e.bg)
		}
		if x, ok := c.index[w]; ok && x != e {
			t.Fatalf("step %d: word %q has two entries", step, w)
		}
		bgTotal += e.bg
	}
	if bgTotal != c.bgTotal {
		t.Fatalf("step %d: background total %v, counts sum to %v", step, c.bgTotal, bgTotal)
	}
	have := map[string][]string{}
	for w, e := range c.index {
		if _, ok := c.bg[w]; !ok && e.bg != 0 {
			t.Fatalf("step %d: word %q not counted has count %v", step, w, e.bg)
		}
		if len(e.cells) == 0 {
			t.Fatalf("step %d: empty index entry for %q", step, w)
		}
		for i, cell := range e.cells {
			if cell.ix != int32(i) || cell.e != e || cell.w != w || cell.tp == nil || c.byID[cell.tp.id] != cell.tp {
				t.Fatalf("step %d: index entry %q holds a stale cell %+v", step, w, *cell)
			}
			have[w] = append(have[w], cell.tp.id)
		}
	}
	for _, m := range []map[string][]string{want, have} {
		for _, ids := range m {
			slices.Sort(ids)
		}
	}
	if !reflect.DeepEqual(want, have) {
		t.Fatalf("step %d: index differs from the one rebuilt from the active topics", step)
	}
}

// TestIndexExact runs long generated streams with tight caps (many merges,
// word prunes, evictions and retirements) and checks after every Add that
// the index is exact; midway it restores a snapshot, which must rebuild the
// same index and continue identically.
func TestIndexExact(t *testing.T) {
	n := 3000
	if testing.Short() {
		n = 1000
	}
	tiny := tightConfig()
	tiny.MaxTopicWords = 6
	tiny.MaxActive = 4
	tiny.MergeEvery = 3
	tiny.MergeMinItems = 2
	tiny.MergeSim = 0.1
	tiny.IdleRetire = 3 * time.Hour
	tiny.MaxVocabulary = 60
	for ci, cfg := range []Config{tightConfig(), tiny} {
		for seed := uint64(1); seed <= 3; seed++ {
			items := genStream(100+seed, n, t0, 90*time.Second)
			var la, lb retireLog
			a := New(la.config(cfg))
			var b *Clusterer
			merges, cut := 0, n/3
			for i, it := range items {
				x := a.Add(it)
				merges += len(x.Merges)
				checkIndex(t, a, i)
				if b != nil {
					if y := b.Add(it); !reflect.DeepEqual(x, y) {
						t.Fatalf("config %d seed %d item %d: live %+v, restored %+v", ci, seed, i, x, y)
					}
					checkIndex(t, b, i)
				}
				if i == cut {
					b = restore(t, lb.config(cfg), snap(t, a))
					checkIndex(t, b, i)
					la.topics = nil
				}
			}
			if !reflect.DeepEqual(la.topics, lb.topics) {
				t.Fatalf("config %d seed %d: retired topics differ", ci, seed)
			}
			a.Flush()
			if len(a.index) != 0 {
				t.Fatalf("config %d seed %d: %d index entries left after Flush", ci, seed, len(a.index))
			}
			if merges == 0 || len(la.topics) == 0 {
				t.Fatalf("config %d seed %d: the stream should merge and retire: %d merges, %d retired", ci, seed, merges, len(la.topics))
			}
		}
	}
}
