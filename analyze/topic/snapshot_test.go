package topic

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"
)

// genStream generates a synthetic stream of n items from start, gap apart on
// average: stories (a 【headline】 with a link, long posts in the story's
// words, short reactions, reposts and replies that chain to earlier items,
// now and then a second headline that opens a topic to be merged), noise
// posts about nothing in particular, and a few repeated IDs. Story words are
// new for each story, so the vocabulary keeps growing. Deterministic for a
// seed.
func genStream(seed uint64, n int, start time.Time, gap time.Duration) []Item {
	rng := rand.New(rand.NewPCG(seed, 0x70706963))
	common := strings.Fields("可怕 真的 转发 微博 官方 回应 支持 心疼 关注 希望 严查 真相 不敢相信 太 了 加油 围观 怎么 回事 视频")
	platforms := []string{"weibo", "weibo", "weibo", "wechat", "forum", "news"}
	type story struct {
		id    int
		words []string
		ids   []string
		end   time.Time
	}
	var live []*story
	nStories := 0
	items := make([]Item, 0, n)
	t := start
	pick := func(ws []string, k int) []string { // k distinct words
		out := make([]string, 0, k)
		for _, i := range rng.Perm(len(ws))[:min(k, len(ws))] {
			out = append(out, ws[i])
		}
		return out
	}
	for len(items) < n {
		t = t.Add(time.Duration(rng.ExpFloat64() * float64(gap)))
		id := fmt.Sprintf("g%d", len(items))
		it := Item{ID: id, Time: t, Platform: platforms[rng.IntN(len(platforms))]}
		// Drop ended stories.
		kept := live[:0]
		for _, s := range live {
			if s.end.After(t) {
				kept = append(kept, s)
			}
		}
		live = kept
		switch r := rng.Float64(); {
		case len(live) == 0 || r < 0.012: // a new story
			s := &story{id: nStories, end: t.Add(time.Duration(2+rng.IntN(60)) * time.Hour)}
			nStories++
			for k := range 30 {
				s.words = append(s.words, fmt.Sprintf("s%d词%d", s.id, k))
			}
			it.Tokens = append(pick(s.words[:12], 12), pick(common, 2)...)
			it.Text = fmt.Sprintf("【事件%d】%s http://t.cn/%d", s.id, strings.Join(it.Tokens, ""), s.id)
			s.ids = append(s.ids, id)
			live = append(live, s)
		case r < 0.03: // noise that may open a topic of its own
			for range 10 + rng.IntN(6) {
				it.Tokens = append(it.Tokens, fmt.Sprintf("杂%d", rng.IntN(5000)))
			}
			it.Text = strings.Join(it.Tokens, "")
		case r < 0.035: // a duplicate of an earlier item
			if len(items) > 0 {
				it = items[rng.IntN(len(items))]
				it.Time = t
			}
		default:
			s := live[rng.IntN(len(live))]
			switch k := rng.Float64(); {
			case k < 0.3: // a long post in the story's words
				it.Tokens = append(pick(s.words, 6+rng.IntN(8)), pick(common, 2)...)
				it.Text = strings.Join(it.Tokens, "")
			case k < 0.33: // a second headline in words the first lacks: opens a topic, merges later
				it.Tokens = pick(s.words[12:], 14)
				it.Text = "【" + strings.Join(it.Tokens[:3], "") + "】" + strings.Join(it.Tokens, "")
			case k < 0.6: // a short reaction
				it.Tokens = pick(common, 1+rng.IntN(3))
				it.Text = strings.Join(it.Tokens, "")
			default: // a repost or reply in the chain
				it.RootID = s.ids[0]
				it.ParentID = s.ids[rng.IntN(len(s.ids))]
				it.Tokens = pick(common, 1+rng.IntN(2))
				it.Text = "//@某人:" + strings.Join(it.Tokens, "")
				if rng.IntN(2) == 0 {
					it.RootID = ""
					it.Text = "回复@某人:" + strings.Join(it.Tokens, "")
				}
			}
			s.ids = append(s.ids, id)
		}
		items = append(items, it)
	}
	return items
}

// tightConfig makes every cap and cadence bite on a few thousand items, so
// that snapshots are taken across prunes, trims, halvings, merges,
// retirements and evictions.
func tightConfig() Config {
	cfg := DefaultConfig()
	cfg.MergeEvery = 7
	cfg.MergeMinItems = 3
	cfg.MergeSim = 0.2
	cfg.IdleRetire = 8 * time.Hour
	cfg.MaxTopicWords = 40
	cfg.MaxTopicItems = 30
	cfg.MaxVocabulary = 400
	cfg.MaxActive = 12
	cfg.MaxMerged = 4
	return cfg
}

// retireLog records retired topics.
type retireLog struct{ topics []Topic }

func (l *retireLog) config(cfg Config) Config {
	cfg.OnRetire = func(t Topic) { l.topics = append(l.topics, normTopic(t)) }
	return cfg
}

// normTopic makes topics comparable with DeepEqual: times in UTC (a
// restored time has an unnamed zone).
func normTopic(t Topic) Topic {
	t.FirstTime = t.FirstTime.UTC()
	t.LastTime = t.LastTime.UTC()
	return t
}

func normTopics(ts []Topic) []Topic {
	out := make([]Topic, len(ts))
	for i, t := range ts {
		out[i] = normTopic(t)
	}
	return out
}

func snap(t *testing.T, c *Clusterer) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := c.Snapshot(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func restore(t *testing.T, cfg Config, b []byte) *Clusterer {
	t.Helper()
	c, err := Restore(cfg, bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// internals lists the derived maps by topic ID, to compare two clusterers.
func internals(c *Clusterer) (items, redirect map[string]string, totals map[string]float64) {
	items = map[string]string{}
	for id, tp := range c.items {
		items[id] = tp.id
	}
	totals = map[string]float64{"": c.bgTotal}
	for _, tp := range c.active {
		totals[tp.id] = tp.wordTotal
	}
	return items, c.redirect, totals
}

// checkInvariants checks that the derived maps are what the topics imply
// (what Restore rebuilds them from).
func checkInvariants(t *testing.T, c *Clusterer) {
	t.Helper()
	nItems, nMerged := 0, 0
	for _, tp := range c.active {
		if c.byID[tp.id] != tp {
			t.Fatalf("topic %s not in byID", tp.id)
		}
		for _, id := range tp.itemIDs {
			if c.items[id] != tp {
				t.Fatalf("item %s of %s maps elsewhere", id, tp.id)
			}
		}
		for _, id := range tp.merged {
			if c.redirect[id] != tp.id {
				t.Fatalf("merged %s of %s redirects to %q", id, tp.id, c.redirect[id])
			}
		}
		nItems += len(tp.itemIDs)
		nMerged += len(tp.merged)
	}
	if len(c.byID) != len(c.active) || len(c.items) != nItems || len(c.redirect) != nMerged {
		t.Fatalf("maps hold stale entries: byID %d/%d items %d/%d redirect %d/%d",
			len(c.byID), len(c.active), len(c.items), nItems, len(c.redirect), nMerged)
	}
}

// TestSnapshotRestoreContinues: feed N items, snapshot, restore, feed the
// remaining items into both; every assignment, every retired topic, the
// final Active() and the final snapshot must be equal — for many N.
func TestSnapshotRestoreContinues(t *testing.T) {
	items := genStream(1, 3000, t0, 90*time.Second)
	for _, cut := range []int{0, 1, 7, 350, 701, 1000, 1500, 2222, 2999, 3000} {
		var la, lb retireLog
		a := New(la.config(tightConfig()))
		for _, it := range items[:cut] {
			a.Add(it)
		}
		s := snap(t, a)
		if again := snap(t, a); !bytes.Equal(s, again) {
			t.Fatalf("cut %d: two snapshots of one state differ", cut)
		}
		b := restore(t, lb.config(tightConfig()), s)
		if rs := snap(t, b); !bytes.Equal(s, rs) {
			t.Fatalf("cut %d: the snapshot of the restored state differs", cut)
		}
		checkInvariants(t, b)
		ia, ra, ta := internals(a)
		ib, rb, tb := internals(b)
		if !reflect.DeepEqual(ia, ib) || !reflect.DeepEqual(ra, rb) || !reflect.DeepEqual(ta, tb) {
			t.Fatalf("cut %d: restored internals differ", cut)
		}
		la.topics = nil
		for i, it := range items[cut:] {
			x, y := a.Add(it), b.Add(it)
			if !reflect.DeepEqual(x, y) {
				t.Fatalf("cut %d, item %d (%s): live %+v, restored %+v", cut, cut+i, it.ID, x, y)
			}
		}
		if !reflect.DeepEqual(la.topics, lb.topics) {
			t.Fatalf("cut %d: retired topics differ:\n%+v\n%+v", cut, la.topics, lb.topics)
		}
		if x, y := normTopics(a.Active()), normTopics(b.Active()); !reflect.DeepEqual(x, y) {
			t.Fatalf("cut %d: Active() differs:\n%+v\n%+v", cut, x, y)
		}
		if x, y := snap(t, a), snap(t, b); !bytes.Equal(x, y) {
			t.Fatalf("cut %d: final snapshots differ", cut)
		}
		checkInvariants(t, a)
	}
}

// TestReplayEqualsLive: A runs the whole stream live (snapshotting midway,
// which must not disturb it); B restores A's midway snapshot and runs the
// rest; C runs the whole stream from scratch. All three end with equal
// topics, and B and C hand on the same retired topics as A.
func TestReplayEqualsLive(t *testing.T) {
	for _, tc := range []struct {
		name  string
		cfg   Config
		items []Item
	}{
		{"corpus", DefaultConfig(), loadCorpus(t)},
		{"generated-default", DefaultConfig(), genStream(2, 4000, t0, 30*time.Second)},
		{"generated-tight", tightConfig(), genStream(3, 4000, t0, 2*time.Minute)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mid := len(tc.items) / 2
			var la, lb, lc retireLog
			a := New(la.config(tc.cfg))
			var asg []Assignment
			var midSnap []byte
			var retiredBeforeMid int
			for i, it := range tc.items {
				if i == mid {
					midSnap = snap(t, a)
					retiredBeforeMid = len(la.topics)
				}
				asg = append(asg, a.Add(it))
			}
			b := restore(t, lb.config(tc.cfg), midSnap)
			for i, it := range tc.items[mid:] {
				if got := b.Add(it); !reflect.DeepEqual(got, asg[mid+i]) {
					t.Fatalf("B item %d: %+v, live %+v", mid+i, got, asg[mid+i])
				}
			}
			c := New(lc.config(tc.cfg))
			for i, it := range tc.items {
				if got := c.Add(it); !reflect.DeepEqual(got, asg[i]) {
					t.Fatalf("C item %d: %+v, live %+v", i, got, asg[i])
				}
			}
			active := normTopics(a.Active())
			if len(active) == 0 {
				t.Fatal("no active topics at the end")
			}
			if !reflect.DeepEqual(normTopics(b.Active()), active) || !reflect.DeepEqual(normTopics(c.Active()), active) {
				t.Fatal("active topics differ")
			}
			sa := snap(t, a)
			if !bytes.Equal(snap(t, b), sa) || !bytes.Equal(snap(t, c), sa) {
				t.Fatal("final snapshots differ")
			}
			if !reflect.DeepEqual(lb.topics, la.topics[retiredBeforeMid:]) && !(len(lb.topics) == 0 && len(la.topics) == retiredBeforeMid) {
				t.Fatal("B retired other topics than A after the snapshot")
			}
			if !reflect.DeepEqual(lc.topics, la.topics) {
				t.Fatal("C retired other topics than A")
			}
			// And the end of stream: Flush hands on equal topics.
			la.topics, lb.topics, lc.topics = nil, nil, nil
			a.Flush()
			b.Flush()
			c.Flush()
			if !reflect.DeepEqual(la.topics, lb.topics) || !reflect.DeepEqual(la.topics, lc.topics) {
				t.Fatal("flushed topics differ")
			}
			t.Logf("%d items, %d merges, %d active at the end", len(tc.items), countMerges(asg), len(active))
		})
	}
}

func countMerges(as []Assignment) int {
	n := 0
	for _, a := range as {
		n += len(a.Merges)
	}
	return n
}

// TestRestoreRejects: a wrong format or version, truncated, corrupt or
// inconsistent input is an error wrapping ErrSnapshot, never a panic or a
// silently wrong state.
func TestRestoreRejects(t *testing.T) {
	c := New(tightConfig())
	for _, it := range genStream(4, 800, t0, time.Minute) {
		c.Add(it)
	}
	good := snap(t, c)
	head, body, _ := bytes.Cut(good, []byte("\n"))
	// withHeader re-signs a body, to test what the checksum cannot catch.
	withHeader := func(format string, version int, body []byte) []byte {
		sum := sha256.Sum256(body)
		h, _ := json.Marshal(snapHeader{format, version, int64(len(body)), hex.EncodeToString(sum[:])})
		return append(append(append(h, '\n'), body...), '\n')
	}
	body = bytes.TrimSuffix(body, []byte("\n"))
	edit := func(old, new string) []byte {
		if !bytes.Contains(body, []byte(old)) {
			t.Fatalf("setup: %q not in the body", old)
		}
		return withHeader(SnapshotFormat, SnapshotVersion, bytes.Replace(body, []byte(old), []byte(new), 1))
	}
	var st snapState
	if err := json.Unmarshal(body, &st); err != nil || len(st.Topics) < 2 || len(st.Topics[1].ItemIDs) == 0 {
		t.Fatalf("setup: %v, %d topics", err, len(st.Topics))
	}
	cases := map[string][]byte{
		"empty":         nil,
		"not json":      []byte("hello\n"),
		"wrong format":  withHeader("something/else", SnapshotVersion, body),
		"version 1":     withHeader(SnapshotFormat, 1, body),
		"version 3":     withHeader(SnapshotFormat, 3, body),
		"version 0":     withHeader(SnapshotFormat, 0, body),
		"header only":   append(head, '\n'),
		"no newline":    bytes.TrimSuffix(good, []byte("\n")),
		"huge length":   bytes.Replace(good, []byte(`"bytes":`), []byte(`"bytes":9`), 1),
		"bad checksum":  bytes.Replace(good, []byte(`"sha256":"`), []byte(`"sha256":"00`), 1),
		"unknown field": edit(`"now":`, `"later":1,"now":`),
		"bad json":      withHeader(SnapshotFormat, SnapshotVersion, body[:len(body)/2]),
		"topic twice":   edit(`"id":"`+st.Topics[1].ID+`"`, `"id":"`+st.Topics[0].ID+`"`),
		"item twice":    edit(`"item_ids":["`+st.Topics[1].ItemIDs[0]+`"`, `"item_ids":["`+st.Topics[0].ItemIDs[0]+`"`),
		"negative seq":  edit(`"seq":`, `"seq":-`),
		"zero count":    edit(`"words":{"`, `"words":{"零":0,"`),
	}
	// Every truncation and every flipped byte.
	for _, n := range []int{1, len(head) / 2, len(head), len(head) + 1, len(head) + 2, len(good) / 2, len(good) - 2, len(good) - 1} {
		cases[fmt.Sprintf("truncated at %d", n)] = good[:n]
	}
	// (Not the letters of the header's keys: JSON matches them ignoring case.)
	hs := bytes.Index(head, []byte(`"sha256":"`)) + 10
	hv := bytes.Index(head, []byte(`"version":`)) + 10
	hf := bytes.Index(head, []byte(`"format":"`)) + 12
	for _, i := range []int{0, hf, hv, hs, hs + 7, len(head), len(head) + 1, len(head) + 50, len(good) / 2, len(good) - 3} {
		b := bytes.Clone(good)
		b[i] ^= 0x20
		cases[fmt.Sprintf("byte %d flipped", i)] = b
	}
	for name, b := range cases {
		got, err := Restore(tightConfig(), bytes.NewReader(b))
		if err == nil || got != nil {
			t.Errorf("%s: restored without error", name)
			continue
		}
		if !errors.Is(err, ErrSnapshot) {
			t.Errorf("%s: error %v does not wrap ErrSnapshot", name, err)
		}
	}
	if _, err := Restore(tightConfig(), bytes.NewReader(withHeader(SnapshotFormat, 1, body))); err == nil || !strings.Contains(err.Error(), "version 1") {
		t.Errorf("a wrong version should say so: %v", err)
	}
	if _, err := Restore(Config{Background: 2}, bytes.NewReader(good)); err == nil {
		t.Error("a bad config should not restore")
	}
	// The good one still restores, and a snapshot may be followed by more
	// data in the same stream.
	if _, err := Restore(tightConfig(), bytes.NewReader(append(bytes.Clone(good), "more"...))); err != nil {
		t.Fatal(err)
	}
	// An empty clusterer round-trips too.
	e := snap(t, New(DefaultConfig()))
	if !bytes.Equal(snap(t, restore(t, DefaultConfig(), e)), e) {
		t.Error("empty clusterer does not round-trip")
	}
}

// TestMemoryBounded streams 200k generated items over four simulated weeks
// and checks that the active topics and every internal map stay under their
// caps (and consistent) all along.
func TestMemoryBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("long")
	}
	const n = 200_000
	items := genStream(5, n, t0, 28*24*time.Hour/n)
	cfg := DefaultConfig()
	cfg.MaxActive = 100
	cfg.MaxTopicItems = 2000
	cfg.MaxMerged = 20
	cfg.MaxVocabulary = 30000
	retired := 0
	cfg.OnRetire = func(Topic) { retired++ }
	c := New(cfg)
	var maxActive, maxItems, maxRedirect, maxVocab, maxWords, merges int
	for i, it := range items {
		merges += len(c.Add(it).Merges)
		maxActive = max(maxActive, len(c.active))
		maxItems = max(maxItems, len(c.items))
		maxRedirect = max(maxRedirect, len(c.redirect))
		maxVocab = max(maxVocab, len(c.bg))
		for _, tp := range c.active {
			maxWords = max(maxWords, len(tp.words))
		}
		if i%20000 == 0 {
			checkInvariants(t, c)
		}
	}
	checkInvariants(t, c)
	t.Logf("%d items over %v: max active %d, item IDs %d, redirects %d, vocabulary %d, topic words %d; %d merges, %d retired",
		n, items[n-1].Time.Sub(items[0].Time).Round(time.Hour), maxActive, maxItems, maxRedirect, maxVocab, maxWords, merges, retired)
	if maxActive > cfg.MaxActive {
		t.Errorf("active topics %d > %d", maxActive, cfg.MaxActive)
	}
	if maxItems > cfg.MaxActive*cfg.MaxTopicItems {
		t.Errorf("item IDs %d", maxItems)
	}
	if maxRedirect > cfg.MaxActive*cfg.MaxMerged {
		t.Errorf("redirects %d", maxRedirect)
	}
	if maxVocab > cfg.MaxVocabulary || maxWords > cfg.MaxTopicWords {
		t.Errorf("vocabulary %d, topic words %d", maxVocab, maxWords)
	}
	if merges == 0 || retired == 0 {
		t.Errorf("the stream should merge and retire topics: %d merges, %d retired", merges, retired)
	}
	var b bytes.Buffer
	if err := c.Snapshot(&b); err != nil {
		t.Fatal(err)
	}
	t.Logf("snapshot %d bytes", b.Len())
}

// BenchmarkSnapshotRestore: one snapshot and one restore of the state after
// 20k generated items.
func BenchmarkSnapshotRestore(b *testing.B) {
	c := New(DefaultConfig())
	for _, it := range genStream(6, 20000, t0, 20*time.Second) {
		c.Add(it)
	}
	var buf bytes.Buffer
	for b.Loop() {
		buf.Reset()
		if err := c.Snapshot(&buf); err != nil {
			b.Fatal(err)
		}
		if _, err := Restore(DefaultConfig(), bytes.NewReader(buf.Bytes())); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(buf.Len()), "bytes")
	b.ReportMetric(float64(len(c.active)), "topics")
}
