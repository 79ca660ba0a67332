package topic

import (
	"bufio"
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"time"
)

// SnapshotFormat and SnapshotVersion identify the snapshot format that
// Snapshot writes and Restore reads. The version changes whenever the
// state's meaning changes; Restore refuses any other version.
const (
	SnapshotFormat  = "yuqing/topic.Clusterer"
	SnapshotVersion = 2
)

// ErrSnapshot is wrapped by every error Restore returns for a snapshot it
// cannot use (wrong format or version, truncated, corrupt).
var ErrSnapshot = errors.New("topic: bad snapshot")

// A snapshot is two lines: a JSON header
//
//	{"format":"yuqing/topic.Clusterer","version":1,"bytes":N,"sha256":"…"}
//
// and N bytes of a JSON body (snapState) followed by a newline. The header
// names the body's length and SHA-256, so truncation and corruption are
// detected before the body is decoded. encoding/json writes map keys sorted
// and floats in the shortest form that reads back exactly, so equal states
// give byte-identical snapshots and a restored state is exactly the saved
// one.
type snapHeader struct {
	Format  string `json:"format"`
	Version int    `json:"version"`
	Bytes   int64  `json:"bytes"`
	SHA256  string `json:"sha256"`
}

// snapState is the whole state that influences future assignments. Derived
// state is not stored: the item ID → topic map is rebuilt from the topics'
// item IDs, the redirects from their merged lists, and word totals from the
// word counts (all integers, so the sums are exact).
type snapState struct {
	Now time.Time `json:"now"` // the latest event time seen
	Seq int       `json:"seq"` // items added (merge cadence, IDs)
	// Volume counts the items added per space (the clock of intensities);
	// absent in a snapshot from before it, read as {"": Seq}.
	Volume map[string]int `json:"volume,omitempty"`
	// Chained lists the [space, platform] pairs whose items have carried a
	// chain, sorted.
	Chained [][2]string `json:"chained,omitempty"`
	// Background is the stream's word counts (items that used each word).
	Background map[string]float64 `json:"background"`
	// Topics are the active topics in the clusterer's order (it breaks
	// ties).
	Topics []snapTopic `json:"topics"`
}

type snapTopic struct {
	ID        string    `json:"id"`
	Space     string    `json:"space,omitempty"` // drill or real
	FirstID   string    `json:"first_id"`
	FirstTime time.Time `json:"first_time"`
	LastTime  time.Time `json:"last_time"`
	Items     int       `json:"items"`
	Intensity float64   `json:"intensity"` // decayed count at LastVolume
	// LastVolume is the space's volume when Intensity was set; 0 in a
	// snapshot from before intensities decayed with the stream's volume
	// (read as the volume now: the intensity as it was then).
	LastVolume int                `json:"last_volume,omitempty"`
	Words      map[string]float64 `json:"words"`
	Platforms  map[string]int     `json:"platforms"`
	ItemIDs    []string           `json:"item_ids"` // oldest first
	Merged     []string           `json:"merged"`   // in merge order
	// Refs are chain roots and parents never seen as items that the
	// topic's chains named, oldest first.
	Refs []string `json:"refs,omitempty"`
	// Sources are the items that joined by content, oldest first, with
	// their words (what a split moves).
	Sources      []snapSource `json:"sources,omitempty"`
	SplitChecked int          `json:"split_checked,omitempty"`
	SplitFrom    string       `json:"split_from,omitempty"`
}

type snapSource struct {
	ID       string    `json:"id"`
	Time     time.Time `json:"time"`
	Platform string    `json:"platform,omitempty"`
	Words    []string  `json:"words"`
	Sal      []float64 `json:"sal"`
}

// maxHeader bounds the header line Restore reads.
const maxHeader = 4096

// Snapshot writes the clusterer's whole state to w. Restore with the same
// Config and the same following items gives the same assignments as this
// clusterer. The output is deterministic: equal states write equal bytes.
// Snapshot does not change the clusterer.
func (c *Clusterer) Snapshot(w io.Writer) error {
	st := snapState{
		Now:        c.now,
		Seq:        c.seq,
		Background: make(map[string]float64, len(c.bg)),
		Topics:     make([]snapTopic, len(c.active)),
	}
	for w, e := range c.bg {
		st.Background[w] = e.bg
	}
	st.Volume = make(map[string]int, len(c.volume))
	for sp, n := range c.volume {
		st.Volume[sp] = *n
	}
	for k := range c.chained {
		st.Chained = append(st.Chained, [2]string{k.space, k.platform})
	}
	slices.SortFunc(st.Chained, func(a, b [2]string) int {
		return cmp.Or(strings.Compare(a[0], b[0]), strings.Compare(a[1], b[1]))
	})
	for i, tp := range c.active {
		st.Topics[i] = snapTopic{
			ID:           tp.id,
			Space:        tp.space,
			FirstID:      tp.firstID,
			FirstTime:    tp.firstTime,
			LastTime:     tp.lastTime,
			Items:        tp.n,
			Intensity:    tp.intensity,
			LastVolume:   tp.lastVol,
			Words:        tp.wordCounts(),
			Platforms:    tp.platforms,
			ItemIDs:      nonNil(tp.itemIDs),
			Merged:       nonNil(tp.merged),
			Refs:         tp.refIDs,
			SplitChecked: tp.splitChecked,
			SplitFrom:    tp.splitFrom,
		}
		for _, s := range tp.sources {
			st.Topics[i].Sources = append(st.Topics[i].Sources, snapSource{s.id, s.t, s.platform, s.words, s.sal})
		}
	}
	body, err := json.Marshal(st)
	if err != nil {
		return fmt.Errorf("topic: snapshot: %w", err)
	}
	sum := sha256.Sum256(body)
	head, err := json.Marshal(snapHeader{SnapshotFormat, SnapshotVersion, int64(len(body)), hex.EncodeToString(sum[:])})
	if err != nil {
		return fmt.Errorf("topic: snapshot: %w", err)
	}
	bw := bufio.NewWriter(w)
	bw.Write(head)
	bw.WriteByte('\n')
	bw.Write(body)
	bw.WriteByte('\n')
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("topic: snapshot: %w", err)
	}
	return nil
}

func nonNil(xs []string) []string {
	if xs == nil {
		return []string{}
	}
	return xs
}

// Restore reads a snapshot written by Snapshot and returns a clusterer in
// that state, configured by cfg (normally the Config the snapshot was taken
// with; caps lowered since apply as the topics next change). It may read r
// past the snapshot's end. Errors about the snapshot wrap ErrSnapshot.
func Restore(cfg Config, r io.Reader) (*Clusterer, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	br := bufio.NewReader(r)
	line, err := readLine(br, maxHeader)
	if err != nil {
		return nil, fmt.Errorf("%w: header: %v", ErrSnapshot, err)
	}
	var h snapHeader
	if err := json.Unmarshal(line, &h); err != nil {
		return nil, fmt.Errorf("%w: header: %v", ErrSnapshot, err)
	}
	if h.Format != SnapshotFormat {
		return nil, fmt.Errorf("%w: format %q, want %q", ErrSnapshot, h.Format, SnapshotFormat)
	}
	if h.Version != SnapshotVersion {
		return nil, fmt.Errorf("%w: format version %d, this build reads version %d", ErrSnapshot, h.Version, SnapshotVersion)
	}
	if h.Bytes < 0 {
		return nil, fmt.Errorf("%w: negative length", ErrSnapshot)
	}
	// ReadAll on a LimitReader grows with the data, so a corrupt length
	// cannot make it allocate more than the input holds.
	body, err := io.ReadAll(io.LimitReader(br, h.Bytes))
	if err != nil {
		return nil, fmt.Errorf("%w: body: %v", ErrSnapshot, err)
	}
	if int64(len(body)) != h.Bytes {
		return nil, fmt.Errorf("%w: truncated: body has %d of %d bytes", ErrSnapshot, len(body), h.Bytes)
	}
	if nl, err := br.ReadByte(); err != nil || nl != '\n' {
		return nil, fmt.Errorf("%w: no newline after the body", ErrSnapshot)
	}
	if sum := sha256.Sum256(body); hex.EncodeToString(sum[:]) != h.SHA256 {
		return nil, fmt.Errorf("%w: checksum mismatch (corrupt body)", ErrSnapshot)
	}
	var st snapState
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&st); err != nil {
		return nil, fmt.Errorf("%w: body: %v", ErrSnapshot, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%w: data after the body", ErrSnapshot)
	}
	c := New(cfg)
	if err := c.load(&st); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrSnapshot, err)
	}
	return c, nil
}

// readLine reads up to and without '\n', at most max bytes.
func readLine(br *bufio.Reader, max int) ([]byte, error) {
	var line []byte
	for {
		b, err := br.ReadByte()
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return nil, err
		}
		if b == '\n' {
			return line, nil
		}
		if len(line) >= max {
			return nil, errors.New("line too long")
		}
		line = append(line, b)
	}
}

// load installs a decoded state into a new clusterer, checking that it is
// consistent.
func (c *Clusterer) load(st *snapState) error {
	finite := func(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }
	if st.Seq < 0 {
		return errors.New("negative item count")
	}
	c.now, c.seq = st.Now, st.Seq
	if st.Volume == nil && st.Seq > 0 {
		st.Volume = map[string]int{"": st.Seq}
	}
	for sp, n := range st.Volume {
		if n < 0 {
			return fmt.Errorf("negative volume of space %q", sp)
		}
		*c.volumeOf(sp) = n
	}
	for _, p := range st.Chained {
		c.chained[spacePlatform{p[0], p[1]}] = true
	}
	for w, n := range st.Background {
		if !(n > 0) || !finite(n) {
			return fmt.Errorf("background count of %q is %v", w, n)
		}
		c.bg[w] = &wentry{bg: n}
		c.bgTotal += n
	}
	for i := range st.Topics {
		s := &st.Topics[i]
		if s.ID == "" {
			return fmt.Errorf("topic %d has no ID", i)
		}
		if c.byID[s.ID] != nil || c.redirect[s.ID] != "" {
			return fmt.Errorf("topic ID %q twice", s.ID)
		}
		vol := c.volumeOf(s.Space)
		if s.LastVolume == 0 {
			s.LastVolume = *vol
		}
		if s.Items < 0 || !(s.Intensity >= 0) || !finite(s.Intensity) || s.LastVolume > *vol {
			return fmt.Errorf("topic %q: bad item count or intensity", s.ID)
		}
		tp := &topicState{
			id:        s.ID,
			space:     s.Space,
			firstID:   s.FirstID,
			firstTime: s.FirstTime,
			lastTime:  s.LastTime,
			n:         s.Items,
			intensity: s.Intensity,
			lastVol:   s.LastVolume,
			vol:       vol,
			words:     make(map[string]*wcell, len(s.Words)),
			platforms: make(map[string]int, len(s.Platforms)),
		}
		for w, n := range s.Words {
			if !(n > 0) || !finite(n) {
				return fmt.Errorf("topic %q: count of %q is %v", s.ID, w, n)
			}
			c.newCell(tp, w, nil).c = n
			tp.wordTotal += n
		}
		for p, n := range s.Platforms {
			if n < 0 {
				return fmt.Errorf("topic %q: negative count for platform %q", s.ID, p)
			}
			tp.platforms[p] = n
		}
		if len(s.ItemIDs) > 0 {
			tp.itemIDs = make([]string, 0, len(s.ItemIDs))
		}
		for _, id := range s.ItemIDs {
			if id == "" || c.items[id] != nil {
				return fmt.Errorf("topic %q: item ID %q empty or twice", s.ID, id)
			}
			c.items[id] = tp
			tp.itemIDs = append(tp.itemIDs, id)
		}
		tp.splitChecked, tp.splitFrom = s.SplitChecked, s.SplitFrom
		for _, x := range s.Sources {
			if x.ID == "" || len(x.Words) != len(x.Sal) {
				return fmt.Errorf("topic %q: source %q without ID or with %d words and %d weights", s.ID, x.ID, len(x.Words), len(x.Sal))
			}
			tp.sources = append(tp.sources, source{x.ID, x.Time, x.Platform, x.Words, x.Sal})
		}
		for _, id := range s.Refs {
			if id == "" || c.refs[id] != nil {
				return fmt.Errorf("topic %q: chain reference %q empty or twice", s.ID, id)
			}
			c.refs[id] = tp
			tp.refIDs = append(tp.refIDs, id)
		}
		for _, cell := range tp.words {
			if cell.c >= 2 {
				tp.profNew = append(tp.profNew, cell)
			}
		}
		c.active = append(c.active, tp)
		c.byID[tp.id] = tp
	}
	// Redirects, once every active ID is known.
	for i, tp := range c.active {
		for _, id := range st.Topics[i].Merged {
			if id == "" || c.byID[id] != nil || c.redirect[id] != "" {
				return fmt.Errorf("topic %q: merged ID %q empty, active or twice", tp.id, id)
			}
			c.redirect[id] = tp.id
			tp.merged = append(tp.merged, id)
		}
	}
	return nil
}
