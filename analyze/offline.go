package analyze

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"runtime"
	"sort"
	"sync"
	"time"

	"yuqing/internal/mention"
)

// Input is one line of an offline stream: a mention, read with the same
// rules as ingest ("time" may stand for published_at).
type Input struct {
	Line    int
	RawID   string // the id exactly as given, echoed in the output
	Mention mention.Mention
	Err     error
}

// ReadInputs reads a JSONL stream of mentions. A line that is not a valid
// mention is kept with its error, so the output can still have a line for it.
func ReadInputs(r io.Reader, now time.Time) ([]Input, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), mention.MaxTextBytes*4)
	var out []Input
	for n := 1; sc.Scan(); n++ {
		line := sc.Bytes()
		if len(line) == 0 {
			continue
		}
		in := Input{Line: n}
		var id struct {
			ID json.RawMessage `json:"id"`
		}
		if err := json.Unmarshal(line, &id); err == nil && len(id.ID) > 0 {
			var s string
			if json.Unmarshal(id.ID, &s) == nil {
				in.RawID = s
			} else {
				in.RawID = string(id.ID) // a numeric id
			}
		}
		m, err := mention.Decode(line, now)
		if err != nil {
			in.Err = fmt.Errorf("line %d: %w", n, err)
		}
		in.Mention = m
		out = append(out, in)
	}
	if err := sc.Err(); err != nil {
		return out, fmt.Errorf("reading mentions: %w", err)
	}
	return out, nil
}

// OfflineResult is the analysis of one offline input line.
type OfflineResult struct {
	Input    Input
	Analyzed Analyzed
}

// Analyze runs inputs through the same two stages as the streaming
// analyser, in event-time order: Enrich on workers goroutines, Track on one.
// Topic IDs in the results are resolved through merges at the end.
// progress, if not nil, is called every 10,000 mentions.
func Analyze(ctx context.Context, inputs []Input, enr *Enricher, cfg TrackerConfig, workers int, progress func(done, total int)) ([]OfflineResult, Output, error) {
	tr := NewTracker(cfg)
	res, out, err := AnalyzeInto(ctx, tr, inputs, enr, workers, progress)
	if err != nil {
		return nil, out, err
	}
	fl := tr.Flush()
	out.Retired = append(out.Retired, fl.Retired...)
	return res, out, nil
}

// AnalyzeInto is Analyze on an existing tracker, which it leaves running:
// a long stream can be fed in parts with bounded memory.
func AnalyzeInto(ctx context.Context, tr *Tracker, inputs []Input, enr *Enricher, workers int, progress func(done, total int)) ([]OfflineResult, Output, error) {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	order := make([]int, 0, len(inputs))
	for i, in := range inputs {
		if in.Err == nil {
			order = append(order, i)
		}
	}
	sort.SliceStable(order, func(a, b int) bool {
		return inputs[order[a]].Mention.PublishedAt.Before(inputs[order[b]].Mention.PublishedAt)
	})
	results := make([]OfflineResult, len(inputs))
	for i := range inputs {
		results[i].Input = inputs[i]
	}
	// Enrich in parallel, in chunks so tracking can start early.
	const chunk = 512
	enriched := make([]chan struct{}, (len(order)+chunk-1)/chunk)
	for i := range enriched {
		enriched[i] = make(chan struct{})
	}
	jobs := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := range jobs {
				for _, i := range order[c*chunk : min(len(order), (c+1)*chunk)] {
					results[i].Analyzed = enr.Enrich(inputs[i].Mention)
				}
				close(enriched[c])
			}
		}()
	}
	go func() {
		defer close(jobs)
		for c := range enriched {
			select {
			case jobs <- c:
			case <-ctx.Done():
				return
			}
		}
	}()
	var out Output
	for c := range enriched {
		select {
		case <-enriched[c]:
		case <-ctx.Done():
			wg.Wait()
			return nil, out, ctx.Err()
		}
		for _, i := range order[c*chunk : min(len(order), (c+1)*chunk)] {
			o := tr.Track(&results[i].Analyzed)
			out.Alerts = append(out.Alerts, o.Alerts...)
			out.Retired = append(out.Retired, o.Retired...)
			out.Merged = append(out.Merged, o.Merged...)
			out.Split = append(out.Split, o.Split...)
		}
		if progress != nil && (c+1)*chunk%10240 == 0 {
			progress((c+1)*chunk, len(order))
		}
	}
	wg.Wait()
	// Mentions that left in a split are in the new topic now.
	moved := map[string]string{}
	for _, sp := range out.Split {
		for _, id := range sp.Mentions {
			moved[id] = sp.Into
		}
	}
	// Merges are followed from the events, not the tracker's redirects:
	// those go when the surviving topic retires, the events stay.
	resolve := mergedInto(out.Merged)
	for i := range results {
		if results[i].Input.Err == nil {
			a := &results[i].Analyzed
			if to, ok := moved[a.Mention.ID]; ok {
				a.Topic = to
			}
			a.Topic = resolve(a.Topic)
		}
	}
	return results, out, nil
}

// mergedInto returns a function that follows a topic ID through the
// merges, in any order of events, to the topic it ended in.
func mergedInto(merged []TopicMerged) func(string) string {
	into := make(map[string]string, len(merged))
	for _, m := range merged {
		if m.From != m.Into {
			into[m.From] = m.Into
		}
	}
	return func(id string) string {
		for n := 0; n <= len(into); n++ { // bounded: a cycle cannot loop
			next, ok := into[id]
			if !ok {
				break
			}
			id = next
		}
		return id
	}
}
