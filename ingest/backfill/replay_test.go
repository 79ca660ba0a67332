package backfill

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"yuqing/internal/mention"
)

// fakeClock: Sleep moves Now; no test sleeps.
type fakeClock struct {
	t      time.Time
	sleeps []time.Duration
}

func (c *fakeClock) clock() Clock {
	return Clock{
		Now: func() time.Time { return c.t },
		Sleep: func(ctx context.Context, d time.Duration) error {
			c.sleeps = append(c.sleeps, d)
			c.t = c.t.Add(d)
			return ctx.Err()
		},
	}
}

type sent struct {
	at  time.Duration // clock time since the start
	ids []string
}

// at makes mentions published at the given offsets (seconds) from now.
func at(offsets ...float64) []mention.Mention {
	out := make([]mention.Mention, len(offsets))
	for i, o := range offsets {
		out[i] = mention.Mention{ID: "weibo:" + strconv.Itoa(i), Platform: "weibo", Text: "x",
			PublishedAt: now.Add(time.Duration(o * float64(time.Second)))}
	}
	return out
}

func recorder(c *fakeClock, start time.Time, posts *[]sent) func(context.Context, []mention.Mention) error {
	return func(_ context.Context, ms []mention.Mention) error {
		*posts = append(*posts, sent{c.t.Sub(start), ids(ms)})
		return nil
	}
}

func TestReplayKeepsTheGapsDividedBySpeed(t *testing.T) {
	c := &fakeClock{t: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}
	start := c.t
	var posts []sent
	ms := at(0, 0, 10, 30, 30, 30, 90)
	st, err := Replay(context.Background(), slices.Values(ms), 10, recorder(c, start, &posts), c.clock())
	if err != nil {
		t.Fatal(err)
	}
	want := []sent{
		{0, []string{"weibo:0", "weibo:1"}},
		{time.Second, []string{"weibo:2"}},
		{3 * time.Second, []string{"weibo:3", "weibo:4", "weibo:5"}},
		{9 * time.Second, []string{"weibo:6"}},
	}
	if !slices.EqualFunc(posts, want, func(a, b sent) bool { return a.at == b.at && slices.Equal(a.ids, b.ids) }) {
		t.Fatalf("posts %+v\nwant  %+v", posts, want)
	}
	if !slices.Equal(c.sleeps, []time.Duration{time.Second, 2 * time.Second, 6 * time.Second}) {
		t.Fatalf("sleeps %v", c.sleeps)
	}
	if st.Sent != 7 || st.Posts != 4 || st.Covered != 90*time.Second || st.Elapsed != 9*time.Second {
		t.Fatalf("stats %+v", st)
	}
	for i, m := range ms {
		if !m.PublishedAt.Equal(now.Add(time.Duration([]float64{0, 0, 10, 30, 30, 30, 90}[i]) * time.Second)) {
			t.Fatal("published_at changed")
		}
	}
}

func TestReplayAsFastAsPossible(t *testing.T) {
	c := &fakeClock{t: now}
	var posts []sent
	ms := at(make([]float64, 2500)...)
	for i := range ms {
		ms[i].PublishedAt = now.Add(time.Duration(i) * time.Hour)
	}
	st, err := Replay(context.Background(), slices.Values(ms), 0, recorder(c, now, &posts), c.clock())
	if err != nil {
		t.Fatal(err)
	}
	if len(c.sleeps) != 0 || len(posts) != 3 || len(posts[0].ids) != 1000 || len(posts[2].ids) != 500 || st.Sent != 2500 {
		t.Fatalf("%d sleeps, %d posts, %+v", len(c.sleeps), len(posts), st)
	}
}

func TestReplayLateAndOutOfOrder(t *testing.T) {
	c := &fakeClock{t: now}
	var posts []sent
	// A slow server: every post takes 5s of the clock. At speed 1 the
	// mentions due meanwhile are late and go together in the next post.
	slow := func(ctx context.Context, ms []mention.Mention) error {
		posts = append(posts, sent{c.t.Sub(now), ids(ms)})
		c.t = c.t.Add(5 * time.Second)
		return nil
	}
	ms := at(0, 1, 2, 3, 20, 4, 21)
	if _, err := Replay(context.Background(), slices.Values(ms), 1, slow, c.clock()); err != nil {
		t.Fatal(err)
	}
	want := []sent{
		{0, []string{"weibo:0"}},
		{5 * time.Second, []string{"weibo:1", "weibo:2", "weibo:3"}},
		{20 * time.Second, []string{"weibo:4", "weibo:5"}}, // 5 is earlier than 4: sent with it
		{25 * time.Second, []string{"weibo:6"}},            // due at 21, late
	}
	if !slices.EqualFunc(posts, want, func(a, b sent) bool { return a.at == b.at && slices.Equal(a.ids, b.ids) }) {
		t.Fatalf("posts %+v\nwant  %+v", posts, want)
	}
}

func TestReplayWindowAndStop(t *testing.T) {
	c := &fakeClock{t: now}
	var posts []sent
	r := &Replayer{Speed: 1, Post: recorder(c, now, &posts), Clock: c.clock(), Window: 500 * time.Millisecond, MaxBatch: 2}
	if _, err := r.Replay(context.Background(), slices.Values(at(0, 0.2, 0.4, 0.6, 2))); err != nil {
		t.Fatal(err)
	}
	// Within the window, but at most two a post; none before it is due.
	want := []sent{{200 * time.Millisecond, []string{"weibo:0", "weibo:1"}}, {600 * time.Millisecond, []string{"weibo:2", "weibo:3"}}, {2 * time.Second, []string{"weibo:4"}}}
	if !slices.EqualFunc(posts, want, func(a, b sent) bool { return a.at == b.at && slices.Equal(a.ids, b.ids) }) {
		t.Fatalf("posts %+v\nwant  %+v", posts, want)
	}

	boom := errors.New("server down")
	n := 0
	st, err := Replay(context.Background(), slices.Values(at(0, 1, 2)), 1, func(context.Context, []mention.Mention) error {
		if n++; n == 2 {
			return boom
		}
		return nil
	}, (&fakeClock{t: now}).clock())
	if !errors.Is(err, boom) || st.Sent != 1 || !strings.Contains(err.Error(), "after 1 mentions") {
		t.Fatalf("%+v %v", st, err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Replay(ctx, slices.Values(at(0, 1)), 1, recorder(c, now, &posts), c.clock()); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}
	if st, err := Replay(context.Background(), slices.Values([]mention.Mention(nil)), 1, recorder(c, now, &posts), c.clock()); err != nil || st.Sent != 0 {
		t.Fatalf("empty: %+v %v", st, err)
	}
}
