package weibo

import (
	"encoding/json"
	"errors"
	"testing"
	"time"
	"unicode/utf8"

	"yuqing/ingest/source"
)

// FuzzParse: the parser and the mapping never panic; a response either
// fails with an error or every status becomes valid mentions or rejections,
// with unique IDs, oldest first, and a bounded, valid Raw.
func FuzzParse(f *testing.F) {
	for _, name := range []string{"home_timeline_page1.json", "home_timeline_page2.json", "home_timeline_empty.json",
		"search_topics.json", "error_expired_token.json", "error_rate_limit.json", "malformed.json", "login.html"} {
		f.Add(testdata(f, name))
	}
	s, err := New(source.SourceConfig{Name: "fuzz", Type: Type, Options: map[string]string{"access_token": token}}, nil)
	if err != nil {
		f.Fatal(err)
	}
	s.SetClock(func() time.Time { return now })
	f.Fuzz(func(t *testing.T, data []byte) {
		if raw := CompactRaw(data); raw != nil && (len(raw) > MaxRawBytes || !json.Valid(raw) || !utf8.Valid(raw)) {
			t.Fatalf("CompactRaw gave %d bytes, valid %v", len(raw), json.Valid(raw))
		}
		p, err := Parse(data)
		if err != nil {
			if p != nil {
				t.Fatal("a page with an error")
			}
			if ae, ok := errors.AsType[*APIError](err); ok && ae.Auth() && ae.RateLimited() {
				t.Fatalf("code %d both auth and rate limit", ae.Code)
			}
			return
		}
		b := s.Map(p.Statuses)
		if len(b.Mentions) > 2*len(p.Statuses) || len(b.Rejected) > 2*len(p.Statuses) {
			t.Fatalf("%d statuses gave %d mentions and %d rejections", len(p.Statuses), len(b.Mentions), len(b.Rejected))
		}
		seen := map[string]bool{}
		for i, m := range b.Mentions {
			if err := m.Validate(now); err != nil {
				t.Fatalf("mapped an invalid mention: %v", err)
			}
			if seen[m.ID] {
				t.Fatalf("mention %s twice in a batch", m.ID)
			}
			seen[m.ID] = true
			if i > 0 && m.PublishedAt.Before(b.Mentions[i-1].PublishedAt) {
				t.Fatalf("not oldest first at %d", i)
			}
			if len(m.Raw) > MaxRawBytes {
				t.Fatalf("raw of %d bytes", len(m.Raw))
			}
		}
		for _, r := range b.Rejected {
			if r.Reason == "" || !utf8.ValidString(r.Raw) || len(r.Raw) > maxRejectedJSON+len("…") {
				t.Fatalf("rejection %+v", r)
			}
		}
		for _, raw := range p.Statuses {
			if _, err := ParseStatus(raw); err == nil {
				peekID(raw)
			}
		}
	})
}
