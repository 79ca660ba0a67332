package statement

// Change is one run of a diff between two versions: kept ("="), added
// ("+") or removed ("-") text.
type Change struct {
	Op   string `json:"op"`
	Text string `json:"text"`
}

// maxDiff bounds the character diff (its table is len(a)×len(b)); longer
// texts are compared line by line.
const maxDiff = 4000

// Diff lists the changes from a to b, character by character for texts up
// to a few thousand characters, else line by line.
func Diff(a, b string) []Change {
	ra, rb := []rune(a), []rune(b)
	if len(ra) > maxDiff || len(rb) > maxDiff {
		return lineDiff(a, b)
	}
	return merge(lcs(len(ra), len(rb), func(i, j int) bool { return ra[i] == rb[j] },
		func(i int) string { return string(ra[i]) }, func(j int) string { return string(rb[j]) }))
}

func lineDiff(a, b string) []Change {
	la, lb := splitKeep(a), splitKeep(b)
	return merge(lcs(len(la), len(lb), func(i, j int) bool { return la[i] == lb[j] },
		func(i int) string { return la[i] }, func(j int) string { return lb[j] }))
}

func splitKeep(s string) []string {
	var out []string
	start := 0
	for i := 0; i < len(s); i++ {
		if s[i] == '\n' {
			out = append(out, s[start:i+1])
			start = i + 1
		}
	}
	if start < len(s) {
		out = append(out, s[start:])
	}
	return out
}

// lcs walks the longest common subsequence of two sequences of n and m
// items and returns the edit script, one item per change.
func lcs(n, m int, eq func(i, j int) bool, at func(int) string, bt func(int) string) []Change {
	// t[i][j]: LCS length of a[i:] and b[j:].
	t := make([][]int32, n+1)
	for i := range t {
		t[i] = make([]int32, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if eq(i, j) {
				t[i][j] = t[i+1][j+1] + 1
			} else {
				t[i][j] = max(t[i+1][j], t[i][j+1])
			}
		}
	}
	var out []Change
	i, j := 0, 0
	for i < n && j < m {
		switch {
		case eq(i, j):
			out = append(out, Change{"=", at(i)})
			i, j = i+1, j+1
		case t[i+1][j] >= t[i][j+1]:
			out = append(out, Change{"-", at(i)})
			i++
		default:
			out = append(out, Change{"+", bt(j)})
			j++
		}
	}
	for ; i < n; i++ {
		out = append(out, Change{"-", at(i)})
	}
	for ; j < m; j++ {
		out = append(out, Change{"+", bt(j)})
	}
	return out
}

// merge joins neighbouring changes of the same kind.
func merge(cs []Change) []Change {
	out := []Change{}
	for _, c := range cs {
		if n := len(out); n > 0 && out[n-1].Op == c.Op {
			out[n-1].Text += c.Text
			continue
		}
		out = append(out, c)
	}
	return out
}
