package scheme

// automaton is an Aho-Corasick automaton over runes: one pass over a text
// finds every occurrence of every term.
type automaton struct {
	next  []map[rune]int32 // goto function; node 0 is the root
	fail  []int32
	out   [][]int32 // term indexes ending at each node (including via fail links)
	terms []string
	lens  []int // term length in runes
	// alpha has a bit for every BMP rune that occurs in some term: any other
	// rune sends the scan straight back to the root without a lookup.
	alpha [1 << 16 / 64]uint64
}

func (a *automaton) inAlphabet(r rune) bool {
	return r >= 1<<16 || a.alpha[r>>6]&(1<<(r&63)) != 0
}

func newAutomaton(terms []string) *automaton {
	a := &automaton{next: []map[rune]int32{{}}, fail: []int32{0}, out: [][]int32{nil}, terms: terms}
	for i, t := range terms {
		node := int32(0)
		n := 0
		for _, r := range t {
			if r < 1<<16 {
				a.alpha[r>>6] |= 1 << (r & 63)
			}
			n++
			nx, ok := a.next[node][r]
			if !ok {
				nx = int32(len(a.next))
				a.next = append(a.next, map[rune]int32{})
				a.fail = append(a.fail, 0)
				a.out = append(a.out, nil)
				a.next[node][r] = nx
			}
			node = nx
		}
		a.out[node] = append(a.out[node], int32(i))
		a.lens = append(a.lens, n)
	}
	// Breadth-first: fail links and inherited outputs.
	queue := make([]int32, 0, len(a.next))
	for _, child := range a.next[0] {
		queue = append(queue, child)
	}
	for len(queue) > 0 {
		node := queue[0]
		queue = queue[1:]
		for r, child := range a.next[node] {
			queue = append(queue, child)
			f := a.fail[node]
			for {
				if nx, ok := a.next[f][r]; ok && nx != child {
					a.fail[child] = nx
					break
				}
				if f == 0 {
					a.fail[child] = 0
					break
				}
				f = a.fail[f]
			}
			a.out[child] = append(a.out[child], a.out[a.fail[child]]...)
		}
	}
	return a
}

// hit is one occurrence of a term: rune offsets [start, end).
type hit struct {
	term       int32
	start, end int
}

// scan calls fn for every occurrence of every term in text (already folded).
func (a *automaton) scan(text string, fn func(hit)) {
	node := int32(0)
	pos := 0
	for _, r := range text {
		if !a.inAlphabet(r) {
			node = 0
			pos++
			continue
		}
		for {
			if nx, ok := a.next[node][r]; ok {
				node = nx
				break
			}
			if node == 0 {
				break
			}
			node = a.fail[node]
		}
		pos++
		for _, t := range a.out[node] {
			fn(hit{term: t, start: pos - a.lens[t], end: pos})
		}
	}
}
