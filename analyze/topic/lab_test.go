//go:build lab

// The lab measures the clusterer on a labelled stream. It is built only with
// -tags lab and runs only with YUQING_LAB=1; it reads data from a path given
// at run time and writes nothing into the repository.
//
//	YUQING_LAB=1 CLUSTER_DATA=clustering.jsonl CLUSTER_PRED=/tmp/pred.jsonl \
//	  [CLUSTER_GOLD=clustering.jsonl] [CLUSTER_SEGMENTER=prod] \
//	  [CLUSTER_STOPWORDS=stopwords-zh.txt] [CLUSTER_TOKENS=/tmp/tokens.json] \
//	  [CLUSTER_PARAMS='Decay=20,CommentScore=0.25'] \
//	  [CLUSTER_SWEEP='Decay=15,20,30;LiveIntensity=0.3,1'] \
//	  [CLUSTER_EXPLAIN='unassigned, own below need'] \
//	  go test -tags lab -run TestLab -v ./analyze/topic/
//
// Lines of CLUSTER_DATA: {"id","platform","time","text","event"}. The event
// label is read only by the scorer here, never handed to the clusterer. A
// squeezed stream (compress_stream.py) has no labels: CLUSTER_GOLD names the
// file to take them from. CLUSTER_SEGMENTER=prod segments as the analyser
// does (entities, salience; the figures match `yuqing analyze`). Unassigned
// posts score as singletons, as score_clusters.py counts them.
// CLUSTER_EXPLAIN replays the stream and counts where each post went
// (joined its own story's topic, another's, opened one, stayed unassigned,
// and whether its own story's topic was a candidate); naming a kind prints
// samples of it with their candidates' scores.
package topic

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/go-ego/gse"

	"yuqing/analyze/segment"
)

type labRow struct {
	ID       string    `json:"id"`
	Platform string    `json:"platform"`
	Time     time.Time `json:"time"`
	Text     string    `json:"text"`
	Event    string    `json:"event"`
	Tokens   []string  `json:"tokens,omitempty"`
	Entities []string  `json:"entities,omitempty"`
}

func TestLab(t *testing.T) {
	if os.Getenv("YUQING_LAB") != "1" {
		t.Skip("set YUQING_LAB=1 and CLUSTER_DATA to run the lab")
	}
	rows := labLoad(t)
	cfg := DefaultConfig()
	if os.Getenv("CLUSTER_SEGMENTER") == "prod" {
		cfg.Salience = (*segment.Segmenter)(nil).Salience
	}
	if p := os.Getenv("CLUSTER_PARAMS"); p != "" {
		for _, kv := range strings.Split(p, ",") {
			k, v, _ := strings.Cut(kv, "=")
			if err := setParam(&cfg, k, v); err != nil {
				t.Fatal(err)
			}
		}
	}
	if sw := os.Getenv("CLUSTER_SWEEP"); sw != "" {
		labSweep(t, rows, cfg, sw)
		return
	}
	var m0, m1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m0)
	items := labItems(rows)
	start := time.Now()
	pred, maxActive := labRun(cfg, items)
	if os.Getenv("CLUSTER_EXPLAIN") != "" {
		labExplain(t, cfg, rows, items)
	}
	el := time.Since(start)
	runtime.ReadMemStats(&m1)
	t.Logf("clusterer: %d items in %v = %.2f µs/item; max active topics %d; heap growth %.1f MB; total alloc %.1f MB",
		len(items), el, float64(el.Microseconds())/float64(len(items)), maxActive,
		float64(int64(m1.HeapAlloc)-int64(m0.HeapAlloc))/1e6, float64(m1.TotalAlloc-m0.TotalAlloc)/1e6)
	n := len(rows)
	for _, part := range []struct {
		name   string
		lo, hi int
	}{{"all", 0, n}, {"first", 0, n / 2}, {"second", n / 2, n}} {
		p, r, f := bcubed(rows[part.lo:part.hi], pred[part.lo:part.hi])
		t.Logf("%-6s B3 P %.4f R %.4f F1 %.4f  topics %d", part.name, p, r, f, countDistinct(pred[part.lo:part.hi]))
	}
	if out := os.Getenv("CLUSTER_PRED"); out != "" {
		f, err := os.Create(out)
		if err != nil {
			t.Fatal(err)
		}
		w := bufio.NewWriter(f)
		enc := json.NewEncoder(w)
		for i, r := range rows {
			enc.Encode(map[string]any{"id": r.ID, "topic": pred[i], "new": labNew[i]})
		}
		w.Flush()
		f.Close()
	}
}

var labNew []bool

func labItems(rows []labRow) []Item {
	items := make([]Item, len(rows))
	for i, r := range rows {
		items[i] = Item{ID: r.ID, Platform: r.Platform, Time: r.Time, Tokens: r.Tokens, Entities: r.Entities, Text: r.Text}
	}
	return items
}

func labRun(cfg Config, items []Item) ([]string, int) {
	final := map[string]string{}
	cfg.OnRetire = func(t Topic) {
		for _, id := range t.Merged {
			final[id] = t.ID
		}
	}
	c := New(cfg)
	pred := make([]string, len(items))
	labNew = make([]bool, len(items))
	maxActive := 0
	for i, it := range items {
		a := c.Add(it)
		pred[i] = a.Topic
		labNew[i] = a.New
		if len(c.active) > maxActive {
			maxActive = len(c.active)
		}
	}
	// Resolve merges at output time.
	c.Flush()
	for i, p := range pred {
		if to, ok := final[p]; ok {
			pred[i] = to
		}
	}
	return pred, maxActive
}

func labSweep(t *testing.T, rows []labRow, base Config, sweep string) {
	type axis struct {
		k  string
		vs []string
	}
	var axes []axis
	for _, a := range strings.Split(sweep, ";") {
		k, v, _ := strings.Cut(a, "=")
		axes = append(axes, axis{k, strings.Split(v, ",")})
	}
	items := labItems(rows)
	n := len(rows)
	var rec func(i int, cfg Config, desc string)
	type res struct {
		desc      string
		f, f1, f2 float64
		p, r      float64
	}
	var results []res
	rec = func(i int, cfg Config, desc string) {
		if i == len(axes) {
			pred, _ := labRun(cfg, items)
			p, r, f := bcubed(rows, pred)
			_, _, f1 := bcubed(rows[:n/2], pred[:n/2])
			_, _, f2 := bcubed(rows[n/2:], pred[n/2:])
			results = append(results, res{desc, f, f1, f2, p, r})
			return
		}
		for _, v := range axes[i].vs {
			c := cfg
			if err := setParam(&c, axes[i].k, v); err != nil {
				t.Fatal(err)
			}
			rec(i+1, c, desc+" "+axes[i].k+"="+v)
		}
	}
	rec(0, base, "")
	sort.SliceStable(results, func(i, j int) bool { return results[i].f > results[j].f })
	for _, r := range results {
		t.Logf("F1 %.4f (P %.3f R %.3f) halves %.4f %.4f |%s", r.f, r.p, r.r, r.f1, r.f2, r.desc)
	}
}

func setParam(c *Config, k, v string) error {
	if k == "IdleRetire" {
		d, err := time.ParseDuration(v)
		c.IdleRetire = d
		return err
	}
	floats := map[string]*float64{
		"Background": &c.Background, "MinIntensity": &c.MinIntensity, "TimeWeight": &c.TimeWeight,
		"OpenBoost": &c.OpenBoost, "Decay": &c.Decay, "LiveIntensity": &c.LiveIntensity,
		"CommentScore": &c.CommentScore, "ReactionScore": &c.ReactionScore, "JoinScore": &c.JoinScore,
		"MergeSim": &c.MergeSim, "SplitLink": &c.SplitLink,
	}
	ints := map[string]*int{"MinOpenTokens": &c.MinOpenTokens, "MergeEvery": &c.MergeEvery, "MergeMinItems": &c.MergeMinItems}
	x, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return fmt.Errorf("parameter %s: %w", k, err)
	}
	if p := floats[k]; p != nil {
		*p = x
	} else if p := ints[k]; p != nil {
		*p = int(x)
	} else {
		return fmt.Errorf("unknown parameter %q", k)
	}
	return nil
}

func labLoad(t *testing.T) []labRow {
	if cache := os.Getenv("CLUSTER_TOKENS"); cache != "" {
		if b, err := os.ReadFile(cache); err == nil {
			var rows []labRow
			if err := json.Unmarshal(b, &rows); err == nil {
				return rows
			}
		}
	}
	path := os.Getenv("CLUSTER_DATA")
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var rows []labRow
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		var r labRow
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		rows = append(rows, r)
	}
	stop := map[string]bool{}
	if sp := os.Getenv("CLUSTER_STOPWORDS"); sp != "" {
		b, err := os.ReadFile(sp)
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range strings.Split(string(b), "\n") {
			if w = strings.TrimSpace(w); w != "" {
				stop[w] = true
			}
		}
	}
	if gp := os.Getenv("CLUSTER_GOLD"); gp != "" {
		// A squeezed stream (compress_stream.py) carries no labels: take
		// them from the gold file by ID.
		b, err := os.ReadFile(gp)
		if err != nil {
			t.Fatal(err)
		}
		ev := map[string]string{}
		for _, l := range strings.Split(string(b), "\n") {
			var r labRow
			if json.Unmarshal([]byte(l), &r) == nil {
				ev[r.ID] = r.Event
			}
		}
		for i := range rows {
			rows[i].Event = ev[rows[i].ID]
		}
	}
	start := time.Now()
	if os.Getenv("CLUSTER_SEGMENTER") == "prod" {
		// The production segmenter (Traditional folded to Simplified, its
		// own stop words); CLUSTER_STOPWORDS is not used.
		seg, err := segment.New(segment.Config{}, nil)
		if err != nil {
			t.Fatal(err)
		}
		for i := range rows {
			var ents []segment.Entity
			rows[i].Tokens, ents = seg.TokensEntities(rows[i].Text)
			for _, e := range ents {
				if e.Kind != segment.KindCasualty {
					rows[i].Entities = append(rows[i].Entities, e.Text)
				}
			}
		}
	} else {
		seg, err := gse.NewEmbed("zh_s")
		if err != nil {
			t.Fatal(err)
		}
		for i := range rows {
			rows[i].Tokens = labTokens(&seg, stop, rows[i].Text)
		}
	}
	t.Logf("segmented %d rows in %v", len(rows), time.Since(start))
	if cache := os.Getenv("CLUSTER_TOKENS"); cache != "" {
		b, _ := json.Marshal(rows)
		os.WriteFile(cache, b, 0o600)
	}
	return rows
}

// labTokens mirrors analyze/segment: gse without HMM, lower case, no stop
// words, no tokens without a letter.
func labTokens(seg *gse.Segmenter, stop map[string]bool, text string) []string {
	var out []string
	for _, w := range seg.Cut(text, false) {
		w = strings.ToLower(strings.TrimSpace(w))
		if w == "" || stop[w] {
			continue
		}
		letter := false
		for _, r := range w {
			if unicode.IsLetter(r) {
				letter = true
				break
			}
		}
		if letter {
			out = append(out, w)
		}
	}
	return out
}

// bcubed scores pred against the rows' gold events.
func bcubed(rows []labRow, pred []string) (p, r, f float64) {
	type pair struct{ c, g string }
	cell := map[pair]int{}
	cs := map[string]int{}
	gs := map[string]int{}
	for i, row := range rows {
		c := pred[i]
		if c == "" {
			c = "unassigned:" + row.ID // its own singleton, as score_clusters.py counts it
		}
		cell[pair{c, row.Event}]++
		cs[c]++
		gs[row.Event]++
	}
	for k, v := range cell {
		p += float64(v*v) / float64(cs[k.c])
		r += float64(v*v) / float64(gs[k.g])
	}
	p /= float64(len(rows))
	r /= float64(len(rows))
	return p, r, 2 * p * r / (p + r)
}

func countDistinct(xs []string) int {
	m := map[string]bool{}
	for _, x := range xs {
		m[x] = true
	}
	return len(m)
}

// labExplain replays the stream and sorts the posts of the gold events into
// why they ended where they did: the candidates each had (topics sharing a
// word), their text scores against what was needed, and whether the topic's
// majority so far is the post's own event.
func labExplain(t *testing.T, cfg Config, rows []labRow, items []Item) {
	c := New(cfg)
	evOf := map[string]map[string]int{} // topic -> gold event -> items
	major := func(id string) string {
		best, n := "", 0
		for e, k := range evOf[id] {
			if k > n {
				best, n = e, k
			}
		}
		return best
	}
	kinds := map[string]int{}
	samples := map[string][]string{}
	for i, it := range items {
		a := c.Add(it)
		var own, other *topicState
		for _, tp := range c.active {
			if tp.mark != c.seq || tp.id == a.Topic && a.New {
				continue
			}
			if major(tp.id) == rows[i].Event {
				if own == nil || tp.text > own.text {
					own = tp
				}
			} else if other == nil || tp.text > other.text {
				other = tp
			}
		}
		var k string
		switch {
		case a.Topic != "" && !a.New && major(c.Resolve(a.Topic)) == rows[i].Event:
			k = "joined own"
		case a.Topic != "" && !a.New && own != nil:
			k = "joined other, own candidate"
			if ch := c.byID[c.Resolve(a.Topic)]; ch != nil && own.text > ch.text {
				k += " with more text"
			}
		case a.Topic != "" && !a.New:
			k = "joined other"
		case own == nil && a.New:
			k = "opened, no own candidate"
		case a.New:
			k = "opened, own below need"
		case own == nil && other == nil:
			k = "unassigned, no candidate"
		case own == nil:
			k = "unassigned, only others"
		default:
			k = "unassigned, own below need"
		}
		kinds[k]++
		if len(samples[k]) < 25 && i%7 == 0 {
			d := ""
			if own != nil {
				d = fmt.Sprintf("own %.2f/%d", own.text, own.shared)
			}
			if other != nil {
				d += fmt.Sprintf(" other %.2f/%d", other.text, other.shared)
			}
			samples[k] = append(samples[k], fmt.Sprintf("%s | %v | %.60s", d, it.Tokens, it.Text))
		}
		if a.Topic != "" {
			id := c.Resolve(a.Topic)
			if evOf[id] == nil {
				evOf[id] = map[string]int{}
			}
			evOf[id][rows[i].Event]++
		}
		for _, m := range a.Merges {
			if evOf[m.Into] == nil {
				evOf[m.Into] = map[string]int{}
			}
			for e, k := range evOf[m.From] {
				evOf[m.Into][e] += k
			}
		}
	}
	for k, n := range kinds {
		t.Logf("EXPLAIN %-28s %5d", k, n)
		if os.Getenv("CLUSTER_EXPLAIN") == k {
			for _, s := range samples[k] {
				t.Logf("   %s", s)
			}
		}
	}
}
