package notify

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// script is a Notifier that answers from a list and remembers when it was
// called (in the synctest bubble's time).
type script struct {
	mu      sync.Mutex
	answers []error // nil = success; cycles on the last one
	retry   bool
	hold    time.Duration // how long each call takes
	calls   []time.Time
}

func (s *script) Notify(ctx context.Context, msg Message) (bool, error) {
	if s.hold > 0 {
		time.Sleep(s.hold)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n := len(s.calls)
	s.calls = append(s.calls, time.Now())
	err := s.answers[min(n, len(s.answers)-1)]
	if err != nil {
		return s.retry, err
	}
	return false, nil
}

func (s *script) times() []time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Time(nil), s.calls...)
}

type recorder struct {
	mu      sync.Mutex
	results []Result
	sent    map[[2]string]bool
}

func (r *recorder) Record(res Result) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.results = append(r.results, res)
	if res.Sent {
		if r.sent == nil {
			r.sent = map[[2]string]bool{}
		}
		r.sent[[2]string{res.MessageID, res.Receiver}] = true
	}
}

func (r *recorder) Sent(id, receiver string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.sent[[2]string{id, receiver}]
}

func (r *recorder) all() []Result {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Result(nil), r.results...)
}

func oneReceiver(t *testing.T, n Notifier, q *QuietHours) *Router {
	t.Helper()
	r, err := NewRouter([]Route{{Receivers: []string{"chat"}}}, []Receiver{{Name: "chat", Notifier: n, Quiet: q}})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

var breachI = Message{ID: "breach:i1:statement", Kind: KindBreach, Grade: 1, IncidentID: "i1", Title: "权威信息发布超时"}

var errTransient = errors.New("HTTP 503")

func TestDispatchRetriesWithSeededJitter(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n := &script{answers: []error{errTransient, errTransient, nil}, retry: true}
		rec := &recorder{}
		bo := Backoff{Min: 10 * time.Second, Max: time.Minute, Jitter: 0.5}
		d := &Dispatcher{
			Router: oneReceiver(t, n, nil), Record: rec.Record, Sent: rec.Sent,
			Rand: rand.New(rand.NewPCG(7, 11)), Backoff: bo, Logger: slog.New(slog.DiscardHandler),
		}
		t0 := time.Now()
		if err := d.Dispatch(t.Context(), breachI); err != nil {
			t.Fatal(err)
		}
		// The same seed gives the same waits.
		r := rand.New(rand.NewPCG(7, 11))
		w1 := bo.Next(1, r)
		w2 := bo.Next(2, r)
		want := []time.Time{t0, t0.Add(w1), t0.Add(w1 + w2)}
		got := n.times()
		if len(got) != 3 {
			t.Fatalf("%d calls, want 3", len(got))
		}
		for i := range want {
			if !got[i].Equal(want[i]) {
				t.Errorf("call %d at +%s, want +%s", i+1, got[i].Sub(t0), want[i].Sub(t0))
			}
		}
		if w1 == 10*time.Second || w1 < 5*time.Second || w1 > 10*time.Second {
			t.Errorf("first wait %s: want 10s less a random part of at most half", w1)
		}
		res := rec.all()
		if len(res) != 3 {
			t.Fatalf("results %+v", res)
		}
		for i, r := range res {
			last := i == 2
			if r.Attempt != i+1 || r.Sent != last || r.Final != last || r.Receiver != "chat" || r.MessageID != breachI.ID || !r.At.Equal(want[i]) {
				t.Errorf("result %d: %+v", i, r)
			}
			if !last && (r.Err != "HTTP 503" || !r.Retry) {
				t.Errorf("result %d: %+v", i, r)
			}
		}
	})
}

func TestDispatchPermanentFailureStops(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n := &script{answers: []error{errors.New("errcode 310000: sign not match")}, retry: false}
		rec := &recorder{}
		d := &Dispatcher{Router: oneReceiver(t, n, nil), Record: rec.Record, Sent: rec.Sent, Rand: rand.New(rand.NewPCG(1, 1))}
		err := d.Dispatch(t.Context(), breachI)
		if !errors.Is(err, ErrGaveUp) {
			t.Fatalf("err = %v", err)
		}
		if len(n.times()) != 1 {
			t.Errorf("%d calls, want 1", len(n.times()))
		}
		if res := rec.all(); len(res) != 1 || !res[0].Final || res[0].Sent || res[0].Retry {
			t.Errorf("results %+v", res)
		}
	})
}

func TestDispatchMaxAttemptsAndMaxAge(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n := &script{answers: []error{errTransient}, retry: true}
		d := &Dispatcher{Router: oneReceiver(t, n, nil), MaxAttempts: 3, MaxAge: 24 * time.Hour,
			Backoff: Backoff{Min: time.Second, Factor: 1}}
		if err := d.Dispatch(t.Context(), breachI); !errors.Is(err, ErrGaveUp) {
			t.Fatalf("err = %v", err)
		}
		if got := len(n.times()); got != 3 {
			t.Errorf("MaxAttempts 3: %d calls", got)
		}
	})
	synctest.Test(t, func(t *testing.T) {
		n := &script{answers: []error{errTransient}, retry: true}
		rec := &recorder{}
		d := &Dispatcher{Router: oneReceiver(t, n, nil), Record: rec.Record, MaxAttempts: 100, MaxAge: time.Minute,
			Backoff: Backoff{Min: 30 * time.Second, Factor: 2}}
		t0 := time.Now()
		err := d.Dispatch(t.Context(), breachI)
		if !errors.Is(err, ErrGaveUp) {
			t.Fatalf("err = %v", err)
		}
		// Attempt 1 at 0 s, attempt 2 at 30 s; the next would be at 90 s > 60 s.
		got := n.times()
		if len(got) != 2 || !got[1].Equal(t0.Add(30*time.Second)) {
			t.Errorf("calls %v", got)
		}
		if res := rec.all(); len(res) != 2 || !res[1].Final || !res[1].Retry {
			t.Errorf("results %+v", res)
		}
	})
}

func TestDispatchIdempotent(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n := &script{answers: []error{nil}, hold: time.Second}
		rec := &recorder{}
		d := &Dispatcher{Router: oneReceiver(t, n, nil), Record: rec.Record, Sent: rec.Sent}
		// Two concurrent dispatches of the same message: one send.
		var wg sync.WaitGroup
		for range 2 {
			wg.Go(func() {
				if err := d.Dispatch(t.Context(), breachI); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		// Again later (e.g. after a restart replays the log): Sent says no.
		if err := d.Dispatch(t.Context(), breachI); err != nil {
			t.Fatal(err)
		}
		if got := len(n.times()); got != 1 {
			t.Errorf("%d sends, want 1", got)
		}
		if got := len(rec.all()); got != 1 {
			t.Errorf("%d results, want 1", got)
		}
		// A different message ID is a different delivery.
		other := breachI
		other.ID = "breach:i1:press_conference"
		if err := d.Dispatch(t.Context(), other); err != nil {
			t.Fatal(err)
		}
		if got := len(n.times()); got != 2 {
			t.Errorf("%d sends, want 2", got)
		}
	})
}

func TestDispatchQuietHours(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		q, _ := ParseQuietHours("22:00-07:00", nil)
		n := &script{answers: []error{nil}}
		rec := &recorder{}
		d := &Dispatcher{Router: oneReceiver(t, n, q), Record: rec.Record, Sent: rec.Sent}
		// The bubble starts at 2000-01-01 00:00 UTC = 08:00 in Beijing; go to 23:15.
		time.Sleep(15*time.Hour + 15*time.Minute)
		night := time.Now()
		if h := night.In(ChinaTime).Hour(); h != 23 {
			t.Fatalf("setup: %s", night.In(ChinaTime))
		}
		routine := Message{ID: "warning:i2:response:60m", Kind: KindWarning, Grade: 3, Title: "回应即将到期"}
		done := make(chan error, 1)
		go func() { done <- d.Dispatch(t.Context(), routine) }()
		if err := d.Dispatch(t.Context(), breachI); err != nil { // urgent: right now
			t.Fatal(err)
		}
		synctest.Wait()
		if got := n.times(); len(got) != 1 || !got[0].Equal(night) {
			t.Fatalf("urgent calls %v, want one at %s", got, night)
		}
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		got := n.times()
		if want := time.Date(2000, 1, 2, 7, 0, 0, 0, ChinaTime); len(got) != 2 || !got[1].Equal(want) {
			t.Fatalf("held call at %v, want %s", got, want)
		}
	})
}

func TestDispatchCancelledWhileHeld(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		q, _ := ParseQuietHours("00:00-24:00", nil)
		n := &script{answers: []error{nil}}
		d := &Dispatcher{Router: oneReceiver(t, n, q)}
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error, 1)
		go func() { done <- d.Dispatch(ctx, Message{ID: "info:1", Kind: KindInfo, Title: "x"}) }()
		synctest.Wait()
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v", err)
		}
		if len(n.times()) != 0 {
			t.Error("sent after cancel")
		}
	})
}

func TestDispatchRejectsInvalidMessage(t *testing.T) {
	d := &Dispatcher{Router: oneReceiver(t, nopNotifier, nil)}
	if err := d.Dispatch(t.Context(), Message{}); err == nil {
		t.Fatal("want an error")
	}
}
