package webhook

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the fuzz seed corpus under testdata/fuzz")

// seeds are the committed corpus of FuzzDecodeBody (go test -run TestWriteSeeds -update).
var seeds = map[string]string{
	"object":        `{"id":"4851234","platform":"weibo","text":"市区出现异味","published_at":"2026-11-23T10:00:00+08:00","author":{"name":"网友","followers":12},"metrics":{"reposts":3}}`,
	"array":         `[{"id":"1","text":"好","published_at":"2026-11-23T00:00:00Z"},{"id":"2","platform":"myspace","text":"x","published_at":"2026-11-23T00:00:00Z"},1,null,"s",[]]`,
	"jsonl":         "{\"id\":\"1\",\"text\":\"第一行\",\"time\":\"2026-11-23T00:00:00Z\"}\r\n\n{\"id\":\"2\",\"text\":\"坏\"\n{\"id\":\"weibo:3\",\"text\":\"三\",\"published_at\":\"2026-11-23T00:00:02Z\"}",
	"pretty":        "\uFEFF{\n  \"id\": \"1\",\n  \"text\": \"多行\",\n  \"published_at\": \"2026-11-23T00:00:00Z\"\n}\n",
	"broken_array":  `[{"id":"1"},`,
	"empty":         "",
	"not_json":      "id=1&text=x",
	"bad_fields":    `{"id":123,"text":["x"],"published_at":"yesterday","url":"ftp://x","metrics":{"likes":-1},"raw":"{"}`,
	"future_utf8":   "{\"id\":\"1\",\"text\":\"\xff\xfe\",\"published_at\":\"2099-01-01T00:00:00Z\"}",
	"prefix_id":     `{"id":"WeChat:abc","text":"公众号文章","published_at":"2026-11-23T00:00:00Z","parent_id":"9","root_id":"weibo:1"}`,
	"nested":        `[[{"id":"1"}],{"id":{"x":1}}]`,
	"lines_of_junk": "{}\n{}\n]\n[",
}

func TestWriteSeeds(t *testing.T) {
	if !*update {
		t.Skip("-update not set")
	}
	dir := filepath.Join("testdata", "fuzz", "FuzzDecodeBody")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, body := range seeds {
		data := "go test fuzz v1\n[]byte(" + strconv.Quote(body) + ")\n"
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// FuzzDecodeBody: the decoder never panics; a body either fails as a whole
// with nothing returned, or every item becomes a valid mention carrying the
// defaults or a rejection with a reason, in order, none lost.
func FuzzDecodeBody(f *testing.F) {
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	d := Defaults{Platform: "forum", Source: "fuzz"}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, lines := range []bool{false, true} {
			good, bad, err := DecodeBody(body, lines, d, now)
			if err != nil {
				if good != nil || bad != nil {
					t.Fatalf("lines=%v: error %v with %d good, %d bad", lines, err, len(good), len(bad))
				}
				continue
			}
			for _, m := range good {
				if err := m.Validate(now); err != nil {
					t.Fatalf("lines=%v: invalid mention accepted: %v", lines, err)
				}
				if m.Source == "" || m.Platform == "" {
					t.Fatalf("lines=%v: defaults not applied: %+v", lines, m)
				}
			}
			last := -1
			for _, b := range bad {
				if b.Reason == "" || len(b.Raw) > MaxRawBytes || b.Index <= last {
					t.Fatalf("lines=%v: rejection %+v after index %d", lines, b, last)
				}
				last = b.Index
			}
			trimmed := bytes.TrimSpace(bytes.TrimPrefix(body, []byte("\uFEFF")))
			var arr []json.RawMessage
			if !lines && len(trimmed) > 0 && trimmed[0] == '[' && json.Unmarshal(trimmed, &arr) == nil && len(good)+len(bad) != len(arr) {
				t.Fatalf("array of %d items gave %d good, %d bad", len(arr), len(good), len(bad))
			}
			if lines {
				n := 0
				for _, l := range bytes.Split(trimmed, []byte{'\n'}) {
					if len(bytes.TrimSpace(l)) > 0 {
						n++
					}
				}
				if len(good)+len(bad) != n {
					t.Fatalf("%d lines gave %d good, %d bad", n, len(good), len(bad))
				}
			}
		}
	})
}
