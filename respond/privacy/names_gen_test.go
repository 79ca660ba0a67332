package privacy

import (
	"bufio"
	"flag"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
)

var gseDict = flag.String("gse-dict", "", "with -update: the gse dictionary s_1.txt to derive not_names.txt from")

// TestWriteNotNames rewrites not_names.txt: the common words (not person
// names) of the gse dictionary that start with a surname and would read
// as a name after 患者 or 学生 (全国, 文化, 成为). Run
//
//	go test ./respond/privacy -run TestWriteNotNames -update \
//	  -gse-dict $(go env GOMODCACHE)/github.com/go-ego/gse@v0.80.3/data/dict/zh/s_1.txt
func TestWriteNotNames(t *testing.T) {
	if !*update || *gseDict == "" {
		t.Skip("-update -gse-dict FILE not set")
	}
	f, err := os.Open(*gseDict)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var words []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		p := strings.Fields(sc.Text())
		if len(p) < 3 || strings.HasPrefix(p[2], "nr") {
			continue
		}
		if n, _ := strconv.Atoi(p[1]); n < 50 {
			continue
		}
		r := []rune(p[0])
		if len(r) < 2 || len(r) > 3 || surnameLen(r) != 1 {
			continue
		}
		ok := true
		for _, c := range r[1:] {
			ok = ok && isHan(c) && !strings.ContainsRune(notGiven, c)
		}
		if ok {
			words = append(words, p[0])
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	slices.Sort(words)
	words = slices.Compact(words)
	head := "# Common words that start with a surname and are not names (全国, 文化, 成为),\n" +
		"# derived from the gse dictionary (github.com/go-ego/gse, data/dict/zh/s_1.txt;\n" +
		"# word frequency at least 50, person names left out) by TestWriteNotNames.\n"
	if err := os.WriteFile("not_names.txt", []byte(head+strings.Join(words, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d words", len(words))
}
