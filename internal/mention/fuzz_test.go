package mention

import (
	"testing"
	"time"
)

// Parse never panics; what it accepts validates, and it accounts for every
// item: accepted plus rejected is the number of items in the body.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		`{"id":"1","platform":"weibo","text":"城东化工厂异味","published_at":"2026-11-23T07:00:00Z"}`,
		`[{"id":"1","platform":"weibo","text":"a","time":"2026-11-23T07:00:00+08:00"},{"id":""}]`,
		`[]`, `{}`, `[1,"x",null]`, `{"id":"x","platform":"forum","text":"` + "\xff\xfe" + `"}`,
		`{"id":"1","platform":"news","title":"标题","text":"","url":"http://a/b?c=1","metrics":{"reposts":-1}}`,
	} {
		f.Add([]byte(s))
	}
	now := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, body []byte) {
		good, bad, err := Parse(body, now)
		if err != nil {
			if len(good) > 0 || len(bad) > 0 {
				t.Fatalf("error %v with results", err)
			}
			return
		}
		for _, m := range good {
			if verr := m.Validate(now); verr != nil {
				t.Fatalf("accepted an invalid mention %+v: %v", m, verr)
			}
		}
		for _, b := range bad {
			if b.Reason == "" {
				t.Fatalf("rejected without a reason: %+v", b)
			}
		}
	})
}
