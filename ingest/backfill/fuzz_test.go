package backfill

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"yuqing/ingest/source"
)

var update = flag.Bool("update", false, "rewrite the fuzz seed corpus under testdata/fuzz")

// csvSeeds are the committed corpus of FuzzCSV (go test -run TestWriteSeeds -update).
var csvSeeds = map[string]string{
	"file":            csvFile,
	"minimal":         "id,time,text\n1,2026-11-23 10:00,好\n",
	"multiline_quote": "id,published_at,text\n1,2026-11-23T00:00:00Z,\"一\n二\"\"\n三\"\n2,2026-11-23T00:00:00Z,x\n",
	"unclosed_quote":  "id,published_at,text\n1,2026-11-23T00:00:00Z,\"never closed\n2,2026-11-23T00:00:00Z,x\n",
	"bare_quote":      "id,published_at,text\n1,2026-11-23T00:00:00Z,a\"b\n",
	"crlf_bom_blank":  "\uFEFFid,published_at,text\r\n\r\n1,2026-11-23T00:00:00Z,x\r\n\r\n",
	"no_header":       "1,2026-11-23T00:00:00Z,x\n",
	"semicolons":      "id;published_at;text\n1;2026-11-23T00:00:00Z;x\n",
	"numbers":         "id,time,text,likes,followers,verified,drill,raw\n1,1795400000000,x,1e3,-5,是,maybe,{\n2,20261123,y,12.0,\"1,000\",true,0,\"{\"\"a\"\":1}\"\n",
	"extra_fields":    "id,time,text\n1,2026-11-23 10:00,x,,,\n2,2026-11-23 10:00,y,z\n",
	"invalid_utf8":    "id,time,text\n\xff,2026-11-23 10:00,\xfe\xfe\n",
	"header_only":     "id,time,title",
}

func TestWriteSeeds(t *testing.T) {
	if !*update {
		t.Skip("-update not set")
	}
	dir := filepath.Join("testdata", "fuzz", "FuzzCSV")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, data := range csvSeeds {
		seed := "go test fuzz v1\n[]byte(" + strconv.Quote(data) + ")\n"
		if err := os.WriteFile(filepath.Join(dir, name), []byte(seed), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// FuzzCSV: a CSV file never panics the source; either its header is
// refused at Connect, or every record becomes a valid mention or a
// rejection naming its line, the cursor ends at the end of the file, and
// resuming from any batch's cursor gives exactly the rest.
func FuzzCSV(f *testing.F) {
	for _, s := range csvSeeds {
		f.Add([]byte(s))
	}
	dir := f.TempDir()
	n := 0
	f.Fuzz(func(t *testing.T, data []byte) {
		n++
		p := filepath.Join(dir, fmt.Sprintf("f%d.csv", n))
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		defer os.Remove(p)
		sc := config(p, map[string]string{"batch": "2"})
		s, err := New(sc, Options{Now: clockNow})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Connect(context.Background()); err != nil {
			return
		}
		defer s.Close(context.Background())
		var batches []source.Batch
		for {
			b, err := s.Read(context.Background())
			if errors.Is(err, source.ErrEndOfInput) {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			batches = append(batches, b)
		}
		lines := bytes.Count(data, []byte{'\n'}) + 1
		good, bad := flatten(batches)
		for _, m := range good {
			if err := m.Validate(now); err != nil {
				t.Fatalf("invalid mention: %v", err)
			}
		}
		last := 1 // the header's line at least
		for _, r := range bad {
			if r.Index <= last || r.Index > lines || !strings.HasPrefix(r.Reason, fmt.Sprintf("line %d: ", r.Index)) || len(r.Raw) > MaxRawBytes {
				t.Fatalf("rejection %+v after line %d of %d", r, last, lines)
			}
			last = r.Index
		}
		if len(batches) == 0 {
			return
		}
		var c Cursor
		if err := json.Unmarshal([]byte(batches[len(batches)-1].Cursor), &c); err != nil || c.Offset != int64(len(data)) || c.Line > lines {
			t.Fatalf("final cursor %+v (%v), file %d bytes, %d lines", c, err, len(data), lines)
		}
		r, _ := New(sc, Options{Now: clockNow})
		if err := r.Resume(batches[0].Cursor); err != nil {
			t.Fatal(err)
		}
		if err := r.Connect(context.Background()); err != nil {
			t.Fatal(err)
		}
		defer r.Close(context.Background())
		restGood, restBad := flatten(drain(t, r))
		wantGood, wantBad := flatten(batches[1:])
		if !slices.Equal(ids(restGood), ids(wantGood)) || !slices.Equal(restBad, wantBad) {
			t.Fatalf("resumed: %v %v, want %v %v", ids(restGood), restBad, ids(wantGood), wantBad)
		}
	})
}
