package hanzi

import (
	"strings"
	"unicode/utf8"
)

// Ellipsis marks where Clip, ClipBytes and ClipClause cut a text.
const Ellipsis = "…"

// Clip shortens s for display to at most n runes: s itself when it has at
// most n runes, else its first n-1 runes and Ellipsis (n runes in all).
// n < 1 gives "".
func Clip(s string, n int) string {
	if n < 1 {
		return ""
	}
	if len(s) <= n { // at most n bytes: at most n runes
		return s
	}
	i, keep := 0, 0
	for pos := range s {
		if i == n-1 {
			keep = pos
		}
		if i == n { // s has more than n runes
			return s[:keep] + Ellipsis
		}
		i++
	}
	return s
}

// ClipBytes shortens s to at most n bytes without splitting a rune, for
// size limits (a stored raw payload, a value quoted in an error): s itself
// when len(s) <= n, else the longest prefix that leaves room for Ellipsis
// (3 bytes), and Ellipsis. Below 3 bytes there is no room for the mark: the
// longest such prefix of at most n bytes. The cut never falls before a
// UTF-8 continuation byte.
func ClipBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	if n < len(Ellipsis) {
		return s[:runeStart(s, max(n, 0))]
	}
	return s[:runeStart(s, n-len(Ellipsis))] + Ellipsis
}

// runeStart moves i back to the start of the rune it falls in.
func runeStart(s string, i int) int {
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return i
}

// clauseMarks end a clause: ClipClause cuts after one.
const clauseMarks = "，,、：:"

// ClipClause shortens a title to at most n runes at a clause boundary: s
// itself when it fits, else its first n runes cut before the last clause
// mark (，,、：:) in their second half, the mark dropped and no Ellipsis;
// without such a mark, Clip(s, n).
func ClipClause(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	rs := []rune(s)[:max(n, 0)]
	for i := n - 1; i >= n/2 && i > 0; i-- {
		if strings.ContainsRune(clauseMarks, rs[i]) {
			return string(rs[:i])
		}
	}
	return Clip(s, n)
}
