package analyze

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"time"

	"yuqing/analyze/alert"
	"yuqing/analyze/dedupe"
	"yuqing/analyze/grade"
	"yuqing/analyze/segment"
	"yuqing/analyze/spike"
	"yuqing/analyze/topic"
	"yuqing/internal/eventlog"
)

// Tracker snapshots: the whole state of the stateful stage (clusterer,
// topic statistics, spike series, open alerts, the duplicate detector's
// memory) after Processed analysed mentions, with the positions in the
// analysed topic they reach. Restoring one and replaying the analysed
// mentions after those positions gives exactly the state that replaying
// everything would, reading only the tail of the log.
const (
	trackerFormat  = "yuqing/analyze.Tracker"
	trackerVersion = 3
)

type trackerSnap struct {
	Format       string                       `json:"format"`
	Version      int                          `json:"version"`
	Processed    int64                        `json:"processed"`
	Now          time.Time                    `json:"now"`
	Clusterer    string                       `json:"clusterer"` // topic.Clusterer snapshot, its own format
	Topics       map[string]topicSnap         `json:"topics"`
	TopicSeries  map[string]spike.SeriesState `json:"topic_series"`
	SchemeSeries map[string]spike.SeriesState `json:"scheme_series"`
	Alerts       map[string]alert.OpenAlert   `json:"alerts"`
	// AlertAttached maps topics covered by another topic's alert to it.
	AlertAttached map[string]string `json:"alert_attached,omitempty"`
	Dedupe        dedupe.State      `json:"dedupe"`
	// Positions are where in the analysed topic the state ends (nil when
	// written without them: a restore must then read the topic from the
	// start, remembering what the snapshot covers).
	Positions eventlog.Positions `json:"positions,omitempty"`
}

type topicSnap struct {
	Sum       TopicSummary    `json:"summary"`
	Heat      spike.Heat      `json:"heat"`
	Samples   []sampleSnap    `json:"samples"`
	Schemes   []string        `json:"schemes"`
	NextGrade int             `json:"next_grade"`
	Spike     bool            `json:"spike"`
	Names     []nameSnap      `json:"names,omitempty"`
	Recent    []recentMention `json:"recent,omitempty"`
}

type nameSnap struct {
	segment.Entity
	Count int `json:"count"`
}

type sampleSnap struct {
	Sample
	Facts grade.Facts `json:"facts"`
}

// Processed is how many analysed mentions the tracker has folded in.
func (t *Tracker) Processed() int64 { return t.processed }

// Snapshot writes the tracker's state. Equal states write equal bytes.
func (t *Tracker) Snapshot(w io.Writer) error { return t.snapshot(w, nil) }

// Positions are the analysed-topic positions a restored snapshot reaches;
// nil for a new tracker or a snapshot written without them.
func (t *Tracker) Positions() eventlog.Positions { return t.positions }

func (t *Tracker) snapshot(w io.Writer, at eventlog.Positions) error {
	var cb bytes.Buffer
	if err := t.clus.Snapshot(&cb); err != nil {
		return fmt.Errorf("snapshotting topics: %w", err)
	}
	s := trackerSnap{Format: trackerFormat, Version: trackerVersion, Processed: t.processed, Now: t.now, Clusterer: cb.String(),
		Topics: map[string]topicSnap{}, TopicSeries: t.topics.Export(), SchemeSeries: t.schemes.Export(), Alerts: t.alerts.Export(), AlertAttached: t.alerts.Attached(),
		Dedupe: t.dups.Export(), Positions: at}
	for id, st := range t.stats {
		ts := topicSnap{Sum: st.sum, Heat: st.heat, Schemes: sortedKeys(st.schemes), NextGrade: st.nextGrade, Spike: st.spike, Recent: st.recent}
		for _, x := range st.samples {
			ts.Samples = append(ts.Samples, sampleSnap{Sample: x, Facts: x.facts})
		}
		for e, c := range st.names {
			ts.Names = append(ts.Names, nameSnap{e, c})
		}
		sort.Slice(ts.Names, func(i, j int) bool {
			a, b := ts.Names[i], ts.Names[j]
			return a.Text < b.Text || a.Text == b.Text && a.Kind < b.Kind
		})
		s.Topics[id] = ts
	}
	enc := json.NewEncoder(w)
	return enc.Encode(s)
}

// RestoreTracker reads a snapshot written by Snapshot.
func RestoreTracker(cfg TrackerConfig, r io.Reader) (*Tracker, error) {
	var s trackerSnap
	dec := json.NewDecoder(bufio.NewReader(r))
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("reading tracker snapshot: %w", err)
	}
	if s.Format != trackerFormat || s.Version != trackerVersion {
		return nil, fmt.Errorf("tracker snapshot is %q version %d; this build reads %q version %d", s.Format, s.Version, trackerFormat, trackerVersion)
	}
	t := NewTracker(cfg)
	tc := t.cfg.Topic
	tc.OnRetire = func(tp topic.Topic) { t.retired = append(t.retired, tp) }
	clus, err := topic.Restore(tc, bytes.NewReader([]byte(s.Clusterer)))
	if err != nil {
		return nil, err
	}
	t.clus = clus
	t.processed, t.now = s.Processed, s.Now
	if err := t.topics.Import(s.TopicSeries); err != nil {
		return nil, err
	}
	if err := t.schemes.Import(s.SchemeSeries); err != nil {
		return nil, err
	}
	t.alerts.Import(s.Alerts)
	t.alerts.SetAttached(s.AlertAttached)
	if err := t.dups.Import(s.Dedupe); err != nil {
		return nil, err
	}
	t.positions = s.Positions
	for id, ts := range s.Topics {
		st := &topicState{sum: ts.Sum, heat: ts.Heat, schemes: map[string]bool{}, names: map[segment.Entity]int{}, nextGrade: ts.NextGrade, spike: ts.Spike, recent: ts.Recent}
		for _, x := range ts.Names {
			st.names[x.Entity] = x.Count
		}
		if st.sum.Platforms == nil {
			st.sum.Platforms = map[string]int{}
		}
		for _, k := range ts.Schemes {
			st.schemes[k] = true
		}
		for _, x := range ts.Samples {
			smp := x.Sample
			smp.facts = x.Facts
			st.samples = append(st.samples, smp)
		}
		t.stats[id] = st
	}
	return t, nil
}

// SaveSnapshot writes the tracker's snapshot to path atomically (a
// temporary file renamed over it), so a crash leaves the old or the new one.
// at are the analysed topic's positions the state reaches.
func (t *Tracker) SaveSnapshot(path string, at eventlog.Positions) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tracker-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	bw := bufio.NewWriter(tmp)
	if err := t.snapshot(bw, at); err != nil {
		tmp.Close()
		return err
	}
	if err := errors.Join(bw.Flush(), tmp.Sync(), tmp.Close()); err != nil {
		return fmt.Errorf("writing tracker snapshot: %w", err)
	}
	return os.Rename(tmp.Name(), path)
}
