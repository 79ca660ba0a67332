package console

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"yuqing/analyze"
	"yuqing/analyze/alert"
	"yuqing/analyze/segment"
	"yuqing/ingest/source"
	"yuqing/internal/eventlog"
	"yuqing/respond/story"
	"yuqing/respond/workorder"
)

// Snapshotter is a projection that can save its state and start from it,
// so a restart reads only the log after the hub's saved position.
type Snapshotter interface {
	Snapshot() (json.RawMessage, error)
	Restore(json.RawMessage) error
}

// boardSnap is a Board as plain data.
type boardSnap struct {
	Stories       story.Snapshot                  `json:"stories"`
	Alerts        map[string]alert.Alert          `json:"alerts"`
	AlertedTopics map[string]bool                 `json:"alerted_topics"`
	Topics        map[string]analyze.TopicSummary `json:"topics"`
	Retired       map[string]bool                 `json:"retired"`
	Names         map[string][]segment.Entity     `json:"names"`
	Incidents     json.RawMessage                 `json:"incidents"`
	Orders        map[string]*workorder.State     `json:"orders"`
	Sources       map[string]source.Health        `json:"sources"`
}

// Snapshot implements Snapshotter.
func (b *Board) Snapshot() (json.RawMessage, error) {
	inc, err := b.incident.Export()
	if err != nil {
		return nil, err
	}
	return json.Marshal(boardSnap{Stories: b.stories.Export(), Alerts: b.alerts, AlertedTopics: b.alertedTopics, Topics: b.topics,
		Retired: b.retired, Names: b.names, Incidents: inc, Orders: b.orders, Sources: b.sources})
}

// Restore implements Snapshotter.
func (b *Board) Restore(raw json.RawMessage) error {
	var s boardSnap
	if err := json.Unmarshal(raw, &s); err != nil {
		return err
	}
	nb := NewBoard()
	nb.stories.Import(s.Stories)
	if err := nb.incident.Import(s.Incidents); err != nil {
		return err
	}
	fill(nb.alerts, s.Alerts)
	fill(nb.alertedTopics, s.AlertedTopics)
	fill(nb.topics, s.Topics)
	fill(nb.retired, s.Retired)
	fill(nb.names, s.Names)
	fill(nb.orders, s.Orders)
	fill(nb.sources, s.Sources)
	*b = *nb
	return nil
}

func fill[V any](dst, src map[string]V) {
	for k, v := range src {
		dst[k] = v
	}
}

// hubSnap is what the hub saves: its position and its projection.
type hubSnap struct {
	Format     string          `json:"format"`
	Cursor     Cursor          `json:"cursor"`
	Projection json.RawMessage `json:"projection"`
	Saved      time.Time       `json:"saved"`
}

const hubSnapFormat = "yuqing/console.Hub v1"

// restore loads the hub's snapshot, if any, and returns the positions to
// follow each topic from. A snapshot that reaches beyond the log (another
// log, or one rebuilt) is not used.
func (h *Hub) restore(ctx context.Context, log eventlog.Log) (map[string]eventlog.Positions, error) {
	from := map[string]eventlog.Positions{}
	sn, ok := h.proj.(Snapshotter)
	if h.cfg.SnapshotPath == "" || !ok {
		return from, nil
	}
	b, err := os.ReadFile(h.cfg.SnapshotPath)
	if errors.Is(err, os.ErrNotExist) {
		return from, nil
	}
	if err != nil {
		return from, err
	}
	var s hubSnap
	if err := json.Unmarshal(b, &s); err != nil || s.Format != hubSnapFormat {
		return from, fmt.Errorf("console snapshot %s is not a %s snapshot (%v)", h.cfg.SnapshotPath, hubSnapFormat, err)
	}
	for k, last := range s.Cursor {
		topic, part, ok := strings.Cut(k, "/")
		p, err := strconv.Atoi(part)
		if !ok || err != nil {
			return map[string]eventlog.Positions{}, fmt.Errorf("console snapshot: bad cursor key %q", k)
		}
		if from[topic] == nil {
			from[topic] = eventlog.Positions{}
		}
		from[topic][p] = last + 1
	}
	for topic, pos := range from {
		ends, err := log.Ends(ctx, topic)
		if err != nil {
			return map[string]eventlog.Positions{}, err
		}
		for p, next := range pos {
			if next > ends[p] {
				return map[string]eventlog.Positions{}, fmt.Errorf("console snapshot reaches %s/%d offset %d, the log ends at %d", topic, p, next, ends[p])
			}
		}
	}
	if err := sn.Restore(s.Projection); err != nil {
		return map[string]eventlog.Positions{}, fmt.Errorf("console snapshot: %w", err)
	}
	h.mu.Lock()
	h.cursor = s.Cursor
	h.mu.Unlock()
	h.logger.Info("console board restored from its snapshot", "path", h.cfg.SnapshotPath, "saved", s.Saved)
	return from, nil
}

// save writes the hub's snapshot atomically (called under h.mu).
func (h *Hub) save() error {
	sn, ok := h.proj.(Snapshotter)
	if h.cfg.SnapshotPath == "" || !ok {
		return nil
	}
	p, err := sn.Snapshot()
	if err != nil {
		return err
	}
	b, err := json.Marshal(hubSnap{Format: hubSnapFormat, Cursor: h.copyCursor(), Projection: p, Saved: time.Now().UTC()})
	if err != nil {
		return err
	}
	dir := filepath.Dir(h.cfg.SnapshotPath)
	tmp, err := os.CreateTemp(dir, ".console-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	w := bufio.NewWriter(tmp)
	w.Write(b)
	if err := errors.Join(w.Flush(), tmp.Sync(), tmp.Close()); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), h.cfg.SnapshotPath)
}
