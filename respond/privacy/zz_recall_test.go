package privacy

import (
	"bufio"
	"fmt"
	"os"
	"strings"
	"testing"
)

func TestZZRecall(t *testing.T) {
	f, err := os.Open(os.Getenv("DICT"))
	if err != nil {
		t.Skip()
	}
	defer f.Close()
	n, found := 0, map[string]int{}
	var miss []string
	ctxs := []string{"患者%s因病情加重转院。", "死者%s，男，45岁。", "受伤学生%s已送医。", "遇难者%s、", "受害人%s向警方报案。"}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		p := strings.Fields(sc.Text())
		if len(p) < 3 || p[2] != "nr" {
			continue
		}
		r := []rune(p[0])
		if len(r) < 2 || len(r) > 3 || surnameLen(r) != 1 {
			continue
		}
		n++
		for _, ctx := range ctxs {
			txt := fmt.Sprintf(ctx, p[0])
			ok := false
			for _, fd := range Scan(txt) {
				if fd.Kind == KindName && fd.Text == p[0] {
					ok = true
				}
			}
			if ok {
				found[ctx]++
			} else if ctx == ctxs[0] && len(miss) < 400 && !strings.ContainsAny(p[0], "某儿氏") {
				miss = append(miss, p[0])
			}
		}
	}
	for _, c := range ctxs {
		t.Logf("%s %d/%d %.3f", c, found[c], n, float64(found[c])/float64(n))
	}
	t.Log(miss)
}
