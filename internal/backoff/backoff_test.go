package backoff

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

func TestDelay(t *testing.T) {
	const ms = time.Millisecond
	for _, c := range []struct {
		name string
		b    Backoff
		want []time.Duration // retries 1, 2, 3 …
	}{
		{"doubling to a cap", Backoff{Min: 50 * ms, Max: time.Second}, []time.Duration{50 * ms, 100 * ms, 200 * ms, 400 * ms, 800 * ms, time.Second, time.Second}},
		{"first wait above the cap", Backoff{Min: 20 * time.Second, Max: 10 * time.Second}, []time.Duration{10 * time.Second, 10 * time.Second}},
		{"min equals max", Backoff{Min: time.Minute, Max: time.Minute}, []time.Duration{time.Minute, time.Minute, time.Minute}},
		{"factor 3", Backoff{Min: time.Second, Max: time.Minute, Factor: 3}, []time.Duration{time.Second, 3 * time.Second, 9 * time.Second, 27 * time.Second, time.Minute}},
		{"factor below 1 is constant", Backoff{Min: time.Second, Factor: 0.5}, []time.Duration{time.Second, time.Second}},
		{"no min", Backoff{Max: time.Second}, []time.Duration{0, 0}},
	} {
		for i, want := range c.want {
			if got := c.b.Delay(i + 1); got != want {
				t.Errorf("%s: Delay(%d) = %v, want %v", c.name, i+1, got, want)
			}
		}
	}
	b := Backoff{Min: time.Second, Max: 5 * time.Minute}
	if got := b.Delay(0); got != time.Second {
		t.Errorf("Delay(0) = %v, want the first wait", got)
	}
	if got := b.Delay(math.MaxInt); got != 5*time.Minute {
		t.Errorf("Delay(MaxInt) = %v, want the cap", got)
	}
	if got := (Backoff{Min: time.Second}).Delay(10_000); got != math.MaxInt64 {
		t.Errorf("uncapped Delay(10000) = %v, want the longest duration", got)
	}
}

func TestNext(t *testing.T) {
	b := Backoff{Min: time.Second, Max: 30 * time.Second, Jitter: 0.5}
	r := rand.New(rand.NewPCG(7, 7))
	for n := 1; n <= 8; n++ {
		d := b.Delay(n)
		for range 100 {
			if got := b.Next(n, r); got < d/2 || got > d {
				t.Fatalf("Next(%d) = %v, want in [%v, %v]", n, got, d/2, d)
			}
		}
	}
	// Seeded: the same draws, the same waits.
	a, c := rand.New(rand.NewPCG(1, 2)), rand.New(rand.NewPCG(1, 2))
	for n := 1; n <= 5; n++ {
		if x, y := b.Next(n, a), b.Next(n, c); x != y {
			t.Fatalf("same seed, Next(%d) = %v and %v", n, x, y)
		}
	}
	// Equal jitter draws as "d/2 + rand[0, d/2]" does.
	if got, want := b.Next(3, rand.New(rand.NewPCG(9, 9))), 2*time.Second+time.Duration(rand.New(rand.NewPCG(9, 9)).Int64N(int64(2*time.Second)+1)); got != want {
		t.Errorf("Next(3) = %v, want %v", got, want)
	}
	if got := (Backoff{Min: time.Second}).Next(2, nil); got != 2*time.Second {
		t.Errorf("no jitter: %v", got)
	}
	full := Backoff{Min: time.Second, Jitter: 2} // counts as 1
	for range 100 {
		if got := full.Next(1, nil); got < 0 || got > time.Second {
			t.Fatalf("full jitter: %v", got)
		}
	}
}
