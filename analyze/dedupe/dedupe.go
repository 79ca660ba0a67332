// Package dedupe tells whether a mention was seen before: the same post
// again (exact_id), the same page through another link (exact_url), or a
// repost or copied text (洗稿) of an earlier mention (near).
//
// It only decides. The caller records every verdict with the mention, so a
// duplicate is marked, never silently dropped. Check is deterministic: the
// same sequence of mentions gives the same verdicts; its only clock is the
// latest PublishedAt it has seen. Memory is bounded by Config (see Seen and
// the near-duplicate index below).
package dedupe

import (
	"strings"
	"sync"
	"time"

	"yuqing/ingest/normalize"
	"yuqing/internal/mention"
)

// Kind of duplicate.
type Kind string

// The kinds a Verdict can have; None means not a duplicate.
const (
	None     Kind = ""
	ExactID  Kind = "exact_id"
	ExactURL Kind = "exact_url"
	Near     Kind = "near"
)

// Verdict is what Check decided about one mention.
type Verdict struct {
	Kind     Kind   `json:"kind,omitempty"`
	FirstID  string `json:"first_id,omitempty"` // ID of the first copy seen
	Distance int    `json:"distance,omitempty"` // Hamming distance of the SimHashes, for near
}

// Duplicate reports whether the mention was seen before in some form.
func (v Verdict) Duplicate() bool { return v.Kind != None }

// Config bounds a Detector. Zero fields take the defaults.
type Config struct {
	// Window is how long, in event time, keys and fingerprints are kept:
	// at least Window/2, at most about Window. Default 72h.
	Window time.Duration
	// MaxKeys bounds each exact set (IDs, URLs). Default 400,000.
	MaxKeys int
	// MaxTexts bounds the fingerprints in the near-duplicate index.
	// Default 200,000.
	MaxTexts int
	// MinRunes: texts with fewer feature runes (letters and digits left
	// after removing URLs, @names and emoji codes) are never near-matched:
	// "转发微博", "太可怕了" are reactions, not copies. Default 20.
	MinRunes int
	// MaxDistance is the largest Hamming distance counted as near.
	// Default (and the value the band index fully covers) 3; up to 8 is
	// allowed, finding only the copies that agree with the original on a
	// whole 16-bit band: more recall for edited copies, some more risk of
	// matching templated texts.
	MaxDistance int
}

// Defaults.
const (
	DefaultWindow   = 72 * time.Hour
	DefaultMaxKeys  = 400_000
	DefaultMaxTexts = 200_000
	DefaultMinRunes = 20
)

func (c Config) withDefaults() Config {
	if c.Window <= 0 {
		c.Window = DefaultWindow
	}
	if c.MaxKeys <= 0 {
		c.MaxKeys = DefaultMaxKeys
	}
	if c.MaxTexts <= 0 {
		c.MaxTexts = DefaultMaxTexts
	}
	if c.MinRunes <= 0 {
		c.MinRunes = DefaultMinRunes
	}
	if c.MinRunes < Shingle {
		c.MinRunes = Shingle
	}
	if c.MaxDistance <= 0 {
		c.MaxDistance = GuaranteedDistance
	}
	c.MaxDistance = min(c.MaxDistance, MaxDistance)
	return c
}

// Detector finds duplicates. It is safe for concurrent use; verdicts are
// deterministic for a given order of calls.
type Detector struct {
	cfg  Config
	mu   sync.Mutex
	ids  *Seen
	urls *Seen
	near *nearIndex
	buf  []rune
}

// New returns a Detector.
func New(cfg Config) *Detector {
	cfg = cfg.withDefaults()
	return &Detector{
		cfg:  cfg,
		ids:  NewSeen(cfg.MaxKeys, cfg.Window),
		urls: NewSeen(cfg.MaxKeys, cfg.Window),
		near: newNearIndex(cfg.MaxTexts, cfg.Window),
	}
}

// Check decides whether m duplicates a mention seen before, and remembers m
// so later copies of it are found. In order:
//
//   - exact_id: its ID was seen (FirstID is that ID);
//   - exact_url: its canonical URL (normalize.URL, scheme ignored) was seen;
//     FirstID is the first mention with that URL;
//   - near: the SimHash of its text (its title if the text is empty) is
//     within MaxDistance of an earlier one; FirstID is the first copy of
//     that text, Distance the Hamming distance.
//
// Only originals go into the near index (a near copy points at the first
// copy, it does not become one), so FirstID always names the first copy.
func (d *Detector) Check(m mention.Mention) Verdict {
	d.mu.Lock()
	defer d.mu.Unlock()
	at := m.PublishedAt
	d.near.advance(at)

	var v Verdict
	if first, dup := d.ids.Check(m.ID, m.ID, at); dup {
		v = Verdict{Kind: ExactID, FirstID: first}
	}
	if first, dup := d.urls.Check(URLKey(m.URL), m.ID, at); dup && v.Kind == None {
		v = Verdict{Kind: ExactURL, FirstID: first}
	}
	if v.Kind != None {
		return v
	}
	text := m.Text
	if strings.TrimSpace(text) == "" {
		text = m.Title
	}
	d.buf = Features(text, d.buf)
	if len(d.buf) < d.cfg.MinRunes {
		return v
	}
	h := SimHash(d.buf)
	if first, dist, ok := d.near.find(h, d.cfg.MaxDistance); ok {
		return Verdict{Kind: Near, FirstID: first, Distance: dist}
	}
	if m.ID != "" {
		d.near.add(h, m.ID)
	}
	return v
}

// URLKey is the key exact_url compares: the canonical URL without its
// scheme, so http and https links to one page match. A URL that does not
// parse is used trimmed; an empty one gives "".
func URLKey(raw string) string {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return ""
	}
	c, err := normalize.URL(raw)
	if err != nil {
		return raw
	}
	if i := strings.Index(c, "://"); i >= 0 {
		return c[i+3:]
	}
	return c
}

// Stats are the sizes of a Detector's memory.
type Stats struct {
	IDs, URLs, Texts int // keys in the exact sets, fingerprints in the near index
	Postings         int // band index entries (Bands per fingerprint)
	BandKeys         int // distinct band values held across generations
}

// Stats reports the Detector's sizes; IDs and URLs never exceed MaxKeys,
// Texts never exceeds MaxTexts, Postings never exceeds Bands×MaxTexts.
func (d *Detector) Stats() Stats {
	d.mu.Lock()
	defer d.mu.Unlock()
	p, k := d.near.postings()
	return Stats{IDs: d.ids.Len(), URLs: d.urls.Len(), Texts: d.near.len(), Postings: p, BandKeys: k}
}
