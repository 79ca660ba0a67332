package privacy

import (
	"bufio"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"
)

func TestZZStress(t *testing.T) {
	f, err := os.Open(os.Getenv("DICT"))
	if err != nil {
		t.Skip()
	}
	defer f.Close()
	type hit struct {
		w    string
		freq int
		ctx  string
	}
	var hits []hit
	total := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		p := strings.Fields(sc.Text())
		if len(p) < 3 || strings.HasPrefix(p[2], "nr") {
			continue
		}
		fr, _ := strconv.Atoi(p[1])
		if fr < 50 {
			continue
		}
		total++
		for _, ctx := range []string{"患者%s。", "学生%s表示", "死者%s的", "伤者%s，", "学生%s等"} {
			txt := fmt.Sprintf(ctx, p[0])
			for _, fd := range Scan(txt) {
				if fd.Kind == KindName {
					hits = append(hits, hit{p[0], fr, txt})
				}
			}
		}
	}
	sort.Slice(hits, func(i, j int) bool { return hits[i].freq > hits[j].freq })
	t.Logf("%d words, %d hits", total, len(hits))
	for i, h := range hits {
		if i < 400 {
			fmt.Printf("%s %d %s\n", h.w, h.freq, h.ctx)
		}
	}
}
