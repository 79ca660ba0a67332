package hanzi

import (
	"testing"
	"unicode/utf8"
)

func TestClip(t *testing.T) {
	for _, c := range []struct {
		in   string
		n    int
		want string
	}{
		{"", 3, ""},
		{"abc", 3, "abc"},
		{"abcd", 3, "ab…"},
		{"城东化工厂", 5, "城东化工厂"},
		{"城东化工厂异味", 5, "城东化工…"},
		{"城东a", 3, "城东a"},
		{"城东ab", 3, "城东…"},
		{"abc", 1, "…"},
		{"abc", 0, ""},
		{"abc", -1, ""},
	} {
		got := Clip(c.in, c.n)
		if got != c.want {
			t.Errorf("Clip(%q, %d) = %q, want %q", c.in, c.n, got, c.want)
		}
		if c.n >= 0 && utf8.RuneCountInString(got) > c.n {
			t.Errorf("Clip(%q, %d) = %q: more than %d runes", c.in, c.n, got, c.n)
		}
	}
}

func TestClipBytes(t *testing.T) {
	for _, c := range []struct {
		in   string
		n    int
		want string
	}{
		{"", 0, ""},
		{"abcdef", 6, "abcdef"},
		{"abcdefg", 6, "abc…"},
		{"城东化工厂", 15, "城东化工厂"},
		{"城东化工厂", 14, "城东化…"},          // 9 bytes of text and the 3-byte mark
		{"城东化工厂", 11, "城东…"},           // the cut backs off to a rune start
		{"城东", 4, "…"},                 // room for the mark only
		{"城东", 2, ""},                  // no room for the mark, nor for one rune
		{"ab", 1, "a"},                 // no room for the mark: the longest prefix
		{"ab城", 4, "a…"},               // 1 byte and the mark
		{"a\x80\x80\x80bcdef", 5, "…"}, // invalid UTF-8: never cut before a continuation byte
		{"abc", -1, ""},
	} {
		got := ClipBytes(c.in, c.n)
		if got != c.want {
			t.Errorf("ClipBytes(%q, %d) = %q, want %q", c.in, c.n, got, c.want)
		}
		if len(got) > max(c.n, 0) {
			t.Errorf("ClipBytes(%q, %d) = %q: %d bytes", c.in, c.n, got, len(got))
		}
	}
}

func TestClipClause(t *testing.T) {
	for _, c := range []struct {
		in   string
		n    int
		want string
	}{
		{"城东化工厂异味", 10, "城东化工厂异味"},
		{"城东化工厂附近，传出刺鼻异味", 10, "城东化工厂附近"},    // cut before the last clause mark in the second half
		{"城东，化工厂附近传出刺鼻异味", 10, "城东，化工厂附近传…"}, // the only mark is in the first half: Clip
		{"城东化工厂附近传出刺鼻异味", 10, "城东化工厂附近传出…"},
		{"市民反映：化工厂、污水处理厂都有异味", 12, "市民反映：化工厂"},
	} {
		if got := ClipClause(c.in, c.n); got != c.want {
			t.Errorf("ClipClause(%q, %d) = %q, want %q", c.in, c.n, got, c.want)
		}
	}
}
