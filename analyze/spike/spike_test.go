package spike

import (
	"fmt"
	"math"
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC) // a Monday

// feed puts n mentions per hour, spread evenly, from start for hours hours.
func feed(d *Detector, key string, start time.Time, hours, perHour int) (last Signal, spikes int) {
	for h := 0; h < hours; h++ {
		for i := 0; i < perHour; i++ {
			t := start.Add(time.Duration(h)*time.Hour + time.Duration(i)*time.Hour/time.Duration(perHour))
			last = d.Observe(key, t, 1)
			if last.Spike {
				spikes++
			}
		}
	}
	return last, spikes
}

func TestSteadyVolumeNeverSpikes(t *testing.T) {
	d := New(Config{Sensitivity: High})
	if _, spikes := feed(d, "s", t0, 14*24, 5); spikes != 0 {
		t.Fatalf("%d spikes on a steady 5/hour", spikes)
	}
}

func TestBurstSpikesOnceThenCoolsDown(t *testing.T) {
	d := New(Config{Sensitivity: Medium, CoolDown: 2 * time.Hour})
	feed(d, "topic", t0, 48, 3)
	burst := t0.Add(48 * time.Hour)
	sig, spikes := feed(d, "topic", burst, 1, 60)
	if spikes != 1 {
		t.Fatalf("burst of 60 against 3/hour: %d spikes, want exactly 1", spikes)
	}
	if sig.LastHour < 55 || sig.Baseline > 3.5 || !sig.CoolingDown || sig.PValue > 1e-10 {
		t.Fatalf("signal %+v", sig)
	}
	if sig.Velocity <= 0 {
		t.Fatalf("velocity %v", sig.Velocity)
	}
	// Still bursting in the next hour: cooling down, no second signal.
	if _, spikes := feed(d, "topic", burst.Add(time.Hour), 1, 60); spikes != 0 {
		t.Fatalf("second hour of the same burst raised %d spikes", spikes)
	}
	// A new burst after the cool-down and a quiet spell spikes again.
	feed(d, "topic", burst.Add(2*time.Hour), 24, 3)
	if _, spikes := feed(d, "topic", burst.Add(26*time.Hour), 1, 80); spikes != 1 {
		t.Fatalf("a later burst: %d spikes, want 1", spikes)
	}
}

func TestWeeklyRhythmIsTheBaseline(t *testing.T) {
	d := New(Config{Sensitivity: High})
	// Three weeks: 2/hour, but Monday 09:00 brings 40 every week.
	for w := 0; w < 3; w++ {
		for h := 0; h < weekHours; h++ {
			n := 2
			if h == 9 {
				n = 40
			}
			feed(d, "scheme", t0.Add(time.Duration(w*weekHours+h)*time.Hour), 1, n)
		}
	}
	week4 := t0.Add(3 * weekHours * time.Hour)
	feed(d, "scheme", week4, 9, 2)
	if _, spikes := feed(d, "scheme", week4.Add(9*time.Hour), 1, 40); spikes != 0 {
		t.Fatal("the usual Monday-morning volume was called a spike")
	}
	feed(d, "scheme", week4.Add(10*time.Hour), 17, 2)
	if _, spikes := feed(d, "scheme", week4.Add(27*time.Hour), 1, 40); spikes != 1 {
		t.Fatal("the same volume at Tuesday 03:00 was not a spike")
	}
}

func TestSensitivityOrders(t *testing.T) {
	count := func(s Sensitivity) int {
		d := New(Config{Sensitivity: s})
		feed(d, "k", t0, 24, 2)
		_, n := feed(d, "k", t0.Add(24*time.Hour), 1, 12)
		return n
	}
	if count(High) != 1 || count(Low) != 0 {
		t.Fatalf("12 against 2/hour: high %d, low %d; want 1 and 0", count(High), count(Low))
	}
}

func TestForgetIdleSeries(t *testing.T) {
	d := New(Config{Idle: 24 * time.Hour})
	d.Observe("old", t0, 1)
	d.Observe("new", t0.Add(48*time.Hour), 1)
	if n := d.Forget(t0.Add(48 * time.Hour)); n != 1 || d.Len() != 1 {
		t.Fatalf("forgot %d, holding %d", n, d.Len())
	}
}

func TestPoissonTail(t *testing.T) {
	cases := []struct {
		k      int
		lambda float64
		want   float64
	}{
		{0, 3, 1},
		{1, 1, 1 - math.Exp(-1)},
		{3, 2, 1 - math.Exp(-2)*(1+2+2)},
		{60, 3, 0}, // tiny: only its size matters
	}
	for _, c := range cases {
		got := PoissonTail(c.k, c.lambda)
		if c.want == 0 {
			if got <= 0 || got > 1e-40 {
				t.Errorf("P(X≥%d|%v) = %g, want tiny and positive", c.k, c.lambda, got)
			}
			continue
		}
		if math.Abs(got-c.want) > 1e-9 {
			t.Errorf("P(X≥%d|%v) = %v, want %v", c.k, c.lambda, got, c.want)
		}
	}
}

func TestHeatDecaysAndWeights(t *testing.T) {
	var h Heat
	h.Add(t0, 10)
	if v := h.At0(t0.Add(HalfLife)); math.Abs(v-5) > 1e-9 {
		t.Fatalf("after one half-life %v, want 5", v)
	}
	if Weight(0, 0, 0, 0, false) != 1 {
		t.Fatal("a bare mention should weigh 1")
	}
	if !(Weight(0, 0, 0, 1e6, true) > Weight(0, 0, 0, 1e6, false) && Weight(100, 0, 0, 0, false) > Weight(10, 0, 0, 0, false)) {
		t.Fatal("weights do not grow with reach")
	}
}

// poissonTailSum is P(X ≥ k) summed term by term: the reference the
// incomplete-gamma form is checked against.
func poissonTailSum(k int, lambda float64) float64 {
	if k <= 0 {
		return 1
	}
	if lambda <= 0 {
		return 0
	}
	logTerm := func(i int) float64 {
		lg, _ := math.Lgamma(float64(i) + 1)
		return -lambda + float64(i)*math.Log(lambda) - lg
	}
	if float64(k) > lambda {
		var sum float64
		for i := k; ; i++ {
			term := math.Exp(logTerm(i))
			sum += term
			if term < sum*1e-15 || i > k+10000 {
				return math.Min(1, sum)
			}
		}
	}
	var cdf float64
	for i := 0; i < k; i++ {
		cdf += math.Exp(logTerm(i))
	}
	return math.Max(0, 1-cdf)
}

// The fast tail agrees with the term-by-term sum over the counts and
// baselines spike detection meets: relative error under 1e-9 where the
// tail is small (what the significance test reads), absolute under 1e-9
// near 1.
func TestPoissonTailMatchesSum(t *testing.T) {
	for _, lambda := range []float64{0.01, 0.5, 1, 2.5, 7, 30, 99.5, 300, 1000, 4000} {
		for _, k := range []int{1, 2, 3, 5, 8, 13, 30, 60, 100, 101, 250, 700, 1000, 1100, 3000, 5000} {
			got, want := PoissonTail(k, lambda), poissonTailSum(k, lambda)
			if want < 1e-290 {
				if got > 1e-280 {
					t.Errorf("P(X≥%d|%v) = %g, want about %g", k, lambda, got, want)
				}
				continue
			}
			diff := math.Abs(got - want)
			if want < 0.5 {
				diff /= want
			}
			if diff > 1e-9 {
				t.Errorf("P(X≥%d|%v) = %.15g, term by term %.15g", k, lambda, got, want)
			}
		}
	}
}

func BenchmarkPoissonTail(b *testing.B) {
	for _, c := range []struct {
		k      int
		lambda float64
	}{{3, 1.5}, {60, 20}, {900, 1000}, {5000, 4000}} {
		b.Run(fmt.Sprintf("k=%d/lambda=%g", c.k, c.lambda), func(b *testing.B) {
			for b.Loop() {
				PoissonTail(c.k, c.lambda)
			}
		})
		b.Run(fmt.Sprintf("sum/k=%d/lambda=%g", c.k, c.lambda), func(b *testing.B) {
			for b.Loop() {
				poissonTailSum(c.k, c.lambda)
			}
		})
	}
}
