package feed

import (
	"testing"
	"time"
	"unicode/utf8"

	"yuqing/ingest/source"
)

// FuzzParse: the parser and the mapping never panic; a document either
// fails with an error or every item becomes a valid mention or a rejection.
func FuzzParse(f *testing.F) {
	for _, name := range []string{"rsshub_weibo_user.xml", "rsshub_weibo_keyword.xml", "wechat2rss.xml", "we-mp-rss.atom",
		"forum_discuz.xml", "news_jsonfeed.json", "malformed.xml", "login.html"} {
		f.Add(testdata(f, name))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, err := Parse(data)
		if err != nil {
			if doc != nil {
				t.Fatal("a document with an error")
			}
			return
		}
		s, err := New(source.SourceConfig{Name: "fuzz", Type: "feed", URL: "https://rsshub.example.gov.cn/weibo/user/1", Platform: "weibo"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		s.SetClock(func() time.Time { return now })
		valid := 0
		for _, it := range doc.Items {
			m, err := s.Mention(doc, it, now)
			if err != nil {
				continue
			}
			valid++
			if err := m.Validate(now); err != nil {
				t.Fatalf("mapped an invalid mention: %v", err)
			}
		}
		b := s.Take(doc)
		if len(b.Mentions) > valid || b.Len() > len(doc.Items) {
			t.Fatalf("%d items gave %d mentions and %d rejections", len(doc.Items), len(b.Mentions), len(b.Rejected))
		}
		if len(b.Mentions) != valid-dupes(doc, s) {
			t.Fatalf("first poll took %d of %d valid items", len(b.Mentions), valid)
		}
		if out := HTMLToText(string(data)); utf8.Valid(data) && !utf8.ValidString(out) {
			t.Fatalf("HTMLToText made invalid UTF-8 of valid input")
		}
	})
}

// dupes counts valid items whose ID an earlier item already had.
func dupes(doc *Document, s *Source) int {
	seen, n := map[string]bool{}, 0
	for _, it := range doc.Items {
		if m, err := s.Mention(doc, it, now); err == nil {
			if seen[m.ID] {
				n++
			}
			seen[m.ID] = true
		}
	}
	return n
}
