package mention

import (
	"strings"
	"testing"
	"time"
)

var now = time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)

func TestDecodeNormalises(t *testing.T) {
	m, err := Decode([]byte(`{"id":"4851234","platform":"Weibo","text":"  市区出现异味  ","published_at":"2026-11-23T10:00:00+08:00","parent_id":"99","author":{"name":"网友","followers":12}}`), now)
	if err != nil {
		t.Fatal(err)
	}
	if m.ID != "weibo:4851234" || m.ParentID != "weibo:99" || m.NativeID() != "4851234" {
		t.Errorf("ids not prefixed: %+v", m)
	}
	if m.Text != "市区出现异味" {
		t.Errorf("text not trimmed: %q", m.Text)
	}
	if m.PublishedAt.Location() != time.UTC || m.PublishedAt.Hour() != 2 {
		t.Errorf("published_at not UTC: %v", m.PublishedAt)
	}
	if m.Lang != "zh" {
		t.Errorf("lang default: %q", m.Lang)
	}
}

func TestDecodeAcceptsTimeForPublishedAt(t *testing.T) {
	m, err := Decode([]byte(`{"id":"9","platform":"weibo","time":"2012-11-02T10:00:00+08:00","text":"转发微博"}`), now)
	if err != nil {
		t.Fatal(err)
	}
	if !m.PublishedAt.Equal(time.Date(2012, 11, 2, 2, 0, 0, 0, time.UTC)) {
		t.Fatalf("published_at = %v", m.PublishedAt)
	}
}

func TestValidateErrors(t *testing.T) {
	cases := []struct {
		name, json, want string
	}{
		{"unknown platform", `{"id":"1","platform":"myspace","text":"x","published_at":"2026-11-23T00:00:00Z"}`, "platform"},
		{"no id", `{"platform":"weibo","text":"x","published_at":"2026-11-23T00:00:00Z"}`, "id is missing"},
		{"no text", `{"id":"1","platform":"weibo","published_at":"2026-11-23T00:00:00Z"}`, "text and title are both empty"},
		{"no time", `{"id":"1","platform":"weibo","text":"x"}`, "published_at is missing"},
		{"future", `{"id":"1","platform":"weibo","text":"x","published_at":"2027-01-01T00:00:00Z"}`, "future"},
		{"bad url", `{"id":"1","platform":"weibo","text":"x","published_at":"2026-11-23T00:00:00Z","url":"ftp://x"}`, "url"},
		{"negative", `{"id":"1","platform":"weibo","text":"x","published_at":"2026-11-23T00:00:00Z","metrics":{"likes":-1}}`, "negative"},
		{"not json", `{"id":`, "not a JSON mention"},
		{"bad time", `{"id":"1","platform":"weibo","text":"x","published_at":"yesterday"}`, "not a JSON mention"},
		{"raw too big", `{"id":"1","platform":"weibo","text":"x","published_at":"2026-11-23T00:00:00Z","raw":"` + strings.Repeat("a", MaxRawBytes) + `"}`, "raw is"},
		{"text too big", `{"id":"1","platform":"weibo","text":"` + strings.Repeat("长", MaxTextBytes/3+1) + `","published_at":"2026-11-23T00:00:00Z"}`, "text is"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Decode([]byte(c.json), now)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Decode = %v, want error containing %q", err, c.want)
			}
		})
	}
}

func TestParseSplitsGoodAndBad(t *testing.T) {
	body := `[{"id":"1","platform":"weibo","text":"好","published_at":"2026-11-23T00:00:00Z"},{"id":"2","platform":"nowhere","text":"x","published_at":"2026-11-23T00:00:00Z"}]`
	good, bad, err := Parse([]byte(body), now)
	if err != nil {
		t.Fatal(err)
	}
	if len(good) != 1 || good[0].ID != "weibo:1" {
		t.Fatalf("good = %+v", good)
	}
	if len(bad) != 1 || bad[0].Index != 1 || !strings.Contains(bad[0].Raw, "nowhere") || bad[0].Reason == "" {
		t.Fatalf("bad = %+v", bad)
	}
	if _, _, err := Parse([]byte("   "), now); err == nil {
		t.Fatal("empty body accepted")
	}
	if _, _, err := Parse([]byte("[1,"), now); err == nil {
		t.Fatal("broken array accepted")
	}
}

// Issue 13: invalid UTF-8 and control characters in ids are refused with a
// reason, not replaced or kept.
func TestDecodeRefusesInvalidUTF8AndControlCharacters(t *testing.T) {
	cases := []struct {
		name, json, want string
	}{
		{"invalid utf8 text", `{"id":"1","platform":"weibo","text":"异味` + "\xff" + `","published_at":"2026-11-23T00:00:00Z"}`, "not valid UTF-8"},
		{"invalid utf8 author", `{"id":"1","platform":"weibo","text":"x","author":{"name":"` + "\xc3" + `"},"published_at":"2026-11-23T00:00:00Z"}`, "not valid UTF-8"},
		{"nul in id", `{"id":"1\u0000","platform":"weibo","text":"x","published_at":"2026-11-23T00:00:00Z"}`, "control character"},
		{"c0 in id", `{"id":"1\u0007","platform":"weibo","text":"x","published_at":"2026-11-23T00:00:00Z"}`, "control character"},
		{"del in id", `{"id":"1` + "\x7f" + `","platform":"weibo","text":"x","published_at":"2026-11-23T00:00:00Z"}`, "control character"},
		{"nul in parent", `{"id":"1","parent_id":"2\u0000","platform":"weibo","text":"x","published_at":"2026-11-23T00:00:00Z"}`, "control character"},
		{"nul in root", `{"id":"1","root_id":"\u00003","platform":"weibo","text":"x","published_at":"2026-11-23T00:00:00Z"}`, "control character"},
		{"nul in author id", `{"id":"1","platform":"weibo","text":"x","author":{"id":"a\u0000"},"published_at":"2026-11-23T00:00:00Z"}`, "control character"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m, err := Decode([]byte(c.json), now)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Decode = %+v, %v; want error containing %q", m, err, c.want)
			}
		})
	}
	// Valid UTF-8, including escapes and emoji, still passes.
	if _, err := Decode([]byte(`{"id":"1","platform":"weibo","text":"异味 \u5316 😷","published_at":"2026-11-23T00:00:00Z"}`), now); err != nil {
		t.Fatal(err)
	}
}

// Parse reports, for each accepted mention, its index in the body.
func TestParseItemsIndexes(t *testing.T) {
	body := `[{"id":"1","platform":"nowhere","text":"x","published_at":"2026-11-23T00:00:00Z"},{"id":"2","platform":"weibo","text":"好","published_at":"2026-11-23T00:00:00Z"},{},{"id":"4","platform":"weibo","text":"好","published_at":"2026-11-23T00:00:00Z"}]`
	good, at, bad, err := ParseItems([]byte(body), now)
	if err != nil {
		t.Fatal(err)
	}
	if len(good) != 2 || len(at) != 2 || at[0] != 1 || at[1] != 3 || len(bad) != 2 || bad[0].Index != 0 || bad[1].Index != 2 {
		t.Fatalf("good %+v at %v bad %+v", good, at, bad)
	}
}
