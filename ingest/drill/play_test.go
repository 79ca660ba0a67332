package drill

import (
	"context"
	"errors"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"yuqing/internal/mention"
)

// fakeClock advances only when slept on.
type fakeClock struct {
	t      time.Time
	sleeps []time.Duration
}

func (c *fakeClock) now() time.Time { return c.t }

func (c *fakeClock) sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return errors.New("asked to sleep a non-positive duration")
	}
	c.sleeps = append(c.sleeps, d)
	c.t = c.t.Add(d)
	return ctx.Err()
}

type sent struct {
	at time.Time // the fake clock when the batch was posted
	ms []mention.Mention
}

func recorder(c *fakeClock, out *[]sent) PostFunc {
	return func(_ context.Context, ms []mention.Mention) error {
		*out = append(*out, sent{c.now(), slices.Clone(ms)})
		return nil
	}
}

var playBegin = time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)

func mentionAt(sec float64, id string) mention.Mention {
	return mention.Mention{ID: "weibo:" + id, Platform: "weibo", Text: id, PublishedAt: testStart.Add(time.Duration(sec * float64(time.Second)))}
}

// Offsets 0, 60s, 61s and 300s at speed 60 are due 0, 1s, 1.0167s and 5s
// after play begins: the middle two go together.
func TestPlaySmall(t *testing.T) {
	ms := []mention.Mention{mentionAt(0, "a"), mentionAt(60, "b"), mentionAt(61, "c"), mentionAt(300, "d")}
	orig := slices.Clone(ms)
	c := &fakeClock{t: playBegin}
	var got []sent
	var progress []Progress
	p := &Player{Speed: 60, Post: recorder(c, &got), Now: c.now, Sleep: c.sleep, Progress: func(pr Progress) { progress = append(progress, pr) }}
	if err := p.Play(context.Background(), ms); err != nil {
		t.Fatal(err)
	}
	wantSleeps := []time.Duration{time.Second + time.Second/60, 5*time.Second - (time.Second + time.Second/60)}
	if !slices.Equal(c.sleeps, wantSleeps) {
		t.Errorf("sleeps %v, want %v", c.sleeps, wantSleeps)
	}
	var ids [][]string
	for _, b := range got {
		var x []string
		for _, m := range b.ms {
			x = append(x, m.NativeID())
		}
		ids = append(ids, x)
	}
	if want := [][]string{{"a"}, {"b", "c"}, {"d"}}; !slices.EqualFunc(ids, want, slices.Equal) {
		t.Errorf("batches %v, want %v", ids, want)
	}
	// Simulated clock: the first is now, the rest keep their offsets.
	for _, b := range got {
		for _, m := range b.ms {
			o := orig[slices.IndexFunc(orig, func(x mention.Mention) bool { return x.ID == m.ID })]
			if want := playBegin.Add(o.PublishedAt.Sub(testStart)); !m.PublishedAt.Equal(want) {
				t.Errorf("%s published %s, want %s", m.ID, m.PublishedAt, want)
			}
		}
	}
	if !slices.EqualFunc(ms, orig, func(a, b mention.Mention) bool { return a.PublishedAt.Equal(b.PublishedAt) }) {
		t.Error("Play changed its input")
	}
	if len(progress) != 3 || progress[2].Sent != 4 || progress[2].Total != 4 || progress[2].Simulated != 5*time.Minute ||
		progress[1].Batch != 2 || progress[2].Elapsed != 5*time.Second || !progress[2].At.Equal(playBegin.Add(5*time.Minute)) {
		t.Errorf("progress %+v", progress)
	}
	if s := progress[2].String(); s != "4/4 sent, T+5m0s" {
		t.Errorf("Progress.String() = %q", s)
	}
}

// A whole scenario: everything exactly once, in order, none early, none
// more than a tick late, time scaled by the speed.
func TestPlayScenario(t *testing.T) {
	for _, clock := range []Clock{SimulatedClock, RealClock} {
		ms, _ := Stream("chemical-smell", testStart, 3)
		c := &fakeClock{t: playBegin}
		var got []sent
		p := &Player{Speed: 60, Post: recorder(c, &got), Now: c.now, Sleep: c.sleep, Clock: clock}
		if err := p.Play(context.Background(), ms); err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, b := range got {
			if len(b.ms) == 0 || len(b.ms) > 50 {
				t.Errorf("batch of %d", len(b.ms))
			}
			for _, m := range b.ms {
				if n >= len(ms) || m.ID != ms[n].ID {
					t.Fatalf("mention %d sent is %s, want %s", n, m.ID, ms[n].ID)
				}
				offset := ms[n].PublishedAt.Sub(testStart)
				due := playBegin.Add(offset / 60)
				if b.at.Before(due) || b.at.After(due.Add(250*time.Millisecond)) {
					t.Errorf("%s due %s sent %s", m.ID, due, b.at)
				}
				want := playBegin.Add(offset)
				if clock == RealClock {
					want = due
				}
				if !m.PublishedAt.Equal(want) {
					t.Errorf("clock %d: %s published %s, want %s", clock, m.ID, m.PublishedAt, want)
				}
				n++
			}
		}
		if n != len(ms) {
			t.Errorf("sent %d of %d", n, len(ms))
		}
		var slept time.Duration
		for _, d := range c.sleeps {
			slept += d
		}
		if want := ms[len(ms)-1].PublishedAt.Sub(testStart) / 60; slept != want {
			t.Errorf("slept %s in all, want %s", slept, want)
		}
		if len(got) >= len(ms) {
			t.Errorf("%d batches for %d mentions: nothing was gathered", len(got), len(ms))
		}
	}
}

func TestPlayInstantAndUnsorted(t *testing.T) {
	ms, _ := Stream("school-food", testStart, 4)
	shuffled := slices.Clone(ms)
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	c := &fakeClock{t: playBegin}
	var got []sent
	if err := Play(context.Background(), shuffled, 0, recorder(c, &got), c.now, c.sleep); err != nil {
		t.Fatal(err)
	}
	if len(c.sleeps) != 0 {
		t.Errorf("speed 0 slept %v", c.sleeps)
	}
	var ids []string
	for _, b := range got {
		for _, m := range b.ms {
			ids = append(ids, m.ID)
		}
	}
	var want []string
	for _, m := range ms {
		want = append(want, m.ID)
	}
	// Mentions of one second may come in either order; compare as times.
	if len(ids) != len(want) || len(got) != (len(ms)+49)/50 {
		t.Fatalf("sent %d in %d batches, want %d in %d", len(ids), len(got), len(ms), (len(ms)+49)/50)
	}
	slices.Sort(ids)
	slices.Sort(want)
	if !slices.Equal(ids, want) {
		t.Error("the mentions sent are not the mentions given")
	}
	var prev time.Time
	for _, b := range got {
		for _, m := range b.ms {
			if m.PublishedAt.Before(prev) {
				t.Fatalf("sent out of order at %s", m.ID)
			}
			prev = m.PublishedAt
		}
	}
}

func TestPlayStops(t *testing.T) {
	ms, _ := Stream("flood-response", testStart, 5)
	c := &fakeClock{t: playBegin}
	calls := 0
	boom := errors.New("boom")
	err := Play(context.Background(), ms, 60, func(context.Context, []mention.Mention) error {
		if calls++; calls == 3 {
			return boom
		}
		return nil
	}, c.now, c.sleep)
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), "sending mentions") {
		t.Errorf("Play = %v, want the post error", err)
	}
	if calls != 3 {
		t.Errorf("posted %d times after the failure", calls)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	calls = 0
	err = Play(ctx, ms, 60, func(context.Context, []mention.Mention) error { calls++; return nil }, c.now, Sleep)
	if !errors.Is(err, context.Canceled) || calls != 0 {
		t.Errorf("Play with a cancelled context = %v after %d posts", err, calls)
	}
	if err := Play(context.Background(), ms, 60, nil, nil, nil); err == nil {
		t.Error("Play without a post function succeeded")
	}
	if err := Play(context.Background(), nil, 60, func(context.Context, []mention.Mention) error { return boom }, nil, nil); err != nil {
		t.Errorf("Play of nothing = %v", err)
	}
}

func TestSleep(t *testing.T) {
	if err := Sleep(context.Background(), time.Millisecond); err != nil {
		t.Error(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := Sleep(ctx, time.Hour); !errors.Is(err, context.Canceled) {
		t.Errorf("Sleep on a cancelled context = %v", err)
	}
}
