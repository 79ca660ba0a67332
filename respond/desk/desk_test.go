package desk

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"yuqing/internal/eventlog"
	"yuqing/internal/eventlog/sqlitelog"
	"yuqing/respond/incident"
	"yuqing/respond/notify"
	"yuqing/respond/workorder"
)

// fakeClock is the time the test sets.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

// counting is two receivers behind a real notify.Dispatcher; it counts
// what each got.
type counting struct {
	mu   sync.Mutex
	got  map[string]int // message ID + receiver
	fail map[string]bool
}

func (c *counting) receiver(name string) notify.Notifier {
	return notify.NotifierFunc(func(_ context.Context, m notify.Message) (bool, error) {
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.fail[name] {
			return false, errors.New(name + " unreachable")
		}
		c.got[m.ID+"|"+name]++
		return false, nil
	})
}

// dispatcher is a notify.Dispatcher for a desk, as the app builds it: the
// desk connects its Sent and Record.
func (c *counting) dispatcher(t *testing.T) *notify.Dispatcher {
	r, err := notify.NewRouter([]notify.Route{{Receivers: []string{"wecom-duty", "sms-leader"}}},
		[]notify.Receiver{{Name: "wecom-duty", Notifier: c.receiver("wecom-duty")}, {Name: "sms-leader", Notifier: c.receiver("sms-leader")}})
	if err != nil {
		t.Fatal(err)
	}
	return &notify.Dispatcher{Router: r, MaxAttempts: 1}
}

func openLog(t *testing.T, path string) eventlog.Log {
	l, err := sqlitelog.Open(context.Background(), sqlitelog.Config{Path: path}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

var t0 = time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC)

// A process killed between a due time and its breach emits that breach
// exactly once after the restart, and sends its notification exactly once
// to each receiver, whatever happens around it.
func TestBreachOnceAcrossRestart(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "log.db")
	clock := &fakeClock{t: t0}
	out := &counting{got: map[string]int{}, fail: map[string]bool{}}
	start := func() *Desk {
		d, err := New(Config{Policy: incident.Default()}, openLog(t, path), out.dispatcher(t), clock.now, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := d.Load(ctx); err != nil {
			t.Fatal(err)
		}
		return d
	}
	d := start()
	if _, err := d.Handle(ctx, "inc-1", "user:zhang", incident.Open{Title: "城东化工厂异味", DetectedAt: t0}); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Handle(ctx, "inc-1", "user:zhang", incident.SetGrade{Grade: incident.GradeII, Reason: "重大"}); err != nil {
		t.Fatal(err)
	}
	due := t0.Add(5 * time.Hour)
	clock.set(due.Add(-time.Minute))
	d.Tick(ctx) // the 10-minute warning
	d.Wait()
	// The process dies here: nothing of d is used again.

	clock.set(due.Add(30 * time.Second)) // restarted after the due time
	d2 := start()
	if err := d2.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	d2.Wait()
	d2.Tick(ctx)
	d2.Wait()
	d3 := start() // and restarted once more
	d3.Tick(ctx)
	d3.Wait()

	breaches := 0
	var breachID string
	d3.log.Replay(ctx, incident.Topic, func(_ context.Context, b []eventlog.Record) error {
		for _, r := range b {
			if r.Event.Type == incident.TypeClockBreached {
				breaches++
				breachID = r.Event.ID
			}
		}
		return nil
	})
	if breaches != 1 {
		t.Fatalf("%d breach events for the statement clock, want 1", breaches)
	}
	for _, r := range []string{"wecom-duty", "sms-leader"} {
		if n := out.got[breachID+"|"+r]; n != 1 {
			t.Fatalf("%s got the breach %d times, want 1", r, n)
		}
	}
	if len(out.got) != 2*2 { // the warning and the breach, each to two receivers
		t.Fatalf("deliveries %v", out.got)
	}
}

// A message whose delivery failed for one receiver is retried after a
// restart for that receiver only.
func TestOutboxRetriesOnlyTheFailedReceiver(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "log.db")
	clock := &fakeClock{t: t0}
	out := &counting{got: map[string]int{}, fail: map[string]bool{"sms-leader": true}}
	d, err := New(Config{Policy: incident.Default()}, openLog(t, path), out.dispatcher(t), clock.now, nil)
	if err != nil {
		t.Fatal(err)
	}
	d.Load(ctx)
	d.Handle(ctx, "inc-1", "user:zhang", incident.Open{Title: "学校食堂", DetectedAt: t0})
	clock.set(t0.Add(48 * time.Hour))
	d.Tick(ctx)
	d.Wait()

	out.mu.Lock()
	out.fail = map[string]bool{}
	out.mu.Unlock()
	d2, _ := New(Config{Policy: incident.Default()}, openLog(t, path), out.dispatcher(t), clock.now, nil)
	if err := d2.Load(ctx); err != nil {
		t.Fatal(err)
	}
	d2.Tick(ctx)
	d2.Wait()
	for key, n := range out.got {
		if n != 1 {
			t.Fatalf("%s delivered %d times", key, n)
		}
	}
	if len(out.got) != 2 {
		t.Fatalf("deliveries %v, want the breach to both receivers once", out.got)
	}
}

func TestHandleRefusesAndNamesActor(t *testing.T) {
	ctx := context.Background()
	clock := &fakeClock{t: t0}
	d, _ := New(Config{Policy: incident.Default()}, openLog(t, filepath.Join(t.TempDir(), "log.db")), nil, clock.now, nil)
	d.Load(ctx)
	if _, err := d.Handle(ctx, "inc-9", "user:li", incident.SetGrade{Grade: incident.GradeI, Reason: "x"}); !errors.Is(err, incident.ErrRule) {
		t.Fatalf("grading an unopened incident: %v", err)
	}
	if _, err := d.Handle(ctx, "inc-9", "", incident.Open{Title: "x"}); !errors.Is(err, incident.ErrRule) {
		t.Fatalf("no actor: %v", err)
	}
	envs, err := d.Handle(ctx, "inc-9", "user:li", incident.Open{Title: "x"})
	if err != nil || len(envs) == 0 || envs[0].Actor != "user:li" {
		t.Fatalf("open: %v %+v", err, envs)
	}
}

// Work orders tick on the same desk: a sign breach is emitted and delivered
// once, across a restart.
func TestWorkOrderBreachOnce(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "log.db")
	received := time.Date(2026, 11, 23, 9, 0, 0, 0, beijing) // Monday
	clock := &fakeClock{t: received.Add(time.Minute)}
	out := &counting{got: map[string]int{}, fail: map[string]bool{}}
	start := func() *Desk {
		d, err := New(Config{Policy: incident.Default()}, openLog(t, path), out.dispatcher(t), clock.now, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := d.Load(ctx); err != nil {
			t.Fatal(err)
		}
		return d
	}
	d := start()
	if _, err := d.HandleWorkOrder(ctx, "12345-7", "import:hotline", workorder.Receive{Received: workorder.Received{
		ReceivedAt: received, Channel: "12345", Category: "咨询", Unit: "城东区住建局", Title: "小区停水"}}); err != nil {
		t.Fatal(err)
	}
	st, _ := d.WorkOrder("12345-7")
	clock.set(st.Clocks[workorder.ClockSign].Due.Add(time.Minute))
	d2 := start()
	d2.Tick(ctx)
	d2.Wait()
	d2.Tick(ctx)
	d2.Wait()
	start().Tick(ctx)
	if len(out.got) != 2 { // the sign breach to two receivers (the warning window was skipped)
		t.Fatalf("deliveries %v", out.got)
	}
	for k, n := range out.got {
		if n != 1 {
			t.Fatalf("%s delivered %d times", k, n)
		}
	}
}

// Each jurisdiction may have its own deadline table.
func TestJurisdictionPolicy(t *testing.T) {
	ctx := context.Background()
	strict := incident.Default()
	strict.Jurisdiction = "某区"
	strict.Grades[incident.GradeII] = []incident.Rule{{Clock: incident.ClockStatement, Within: 3 * time.Hour}}
	clock := &fakeClock{t: t0}
	d, err := New(Config{Policy: incident.Default(), Jurisdictions: map[string]incident.Policy{"某区": strict}}, openLog(t, filepath.Join(t.TempDir(), "log.db")), nil, clock.now, nil)
	if err != nil {
		t.Fatal(err)
	}
	d.Load(ctx)
	for _, c := range []struct {
		id, jur string
		within  time.Duration
	}{{"a", "某区", 3 * time.Hour}, {"b", "", 5 * time.Hour}} {
		d.Handle(ctx, c.id, "user:x", incident.Open{Title: "t", DetectedAt: t0, Jurisdiction: c.jur})
		if _, err := d.Handle(ctx, c.id, "user:x", incident.SetGrade{Grade: incident.GradeII, Reason: "r"}); err != nil {
			t.Fatal(err)
		}
		st, _ := d.Board().State(c.id)
		if due := st.Clocks[incident.ClockStatement].Due; !due.Equal(t0.Add(c.within)) {
			t.Fatalf("%s (%q): statement due %s, want +%s", c.id, c.jur, due, c.within)
		}
	}
}

// A message that is no clock's (Notify) is logged before it is sent: a
// desk that stops with it undelivered sends it after the restart, and the
// same message ID is never sent twice.
func TestNotifySurvivesRestartAndSendsOnce(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "log.db")
	clock := &fakeClock{t: t0}
	out := &counting{got: map[string]int{}, fail: map[string]bool{"wecom-duty": true, "sms-leader": true}}
	d, err := New(Config{Policy: incident.Default()}, openLog(t, path), out.dispatcher(t), clock.now, nil)
	if err != nil {
		t.Fatal(err)
	}
	d.Load(ctx)
	m := notify.Message{ID: "source-blind:weibo-api:1", Kind: notify.KindWarning, IncidentID: "source:weibo-api", Title: "【信源失明】weibo-api", Text: "凭证失效", Role: "duty_officer", At: t0}
	if err := d.Notify(ctx, m); err != nil {
		t.Fatal(err)
	}
	d.Wait()
	if err := d.Notify(ctx, m); err != nil { // the same event seen again
		t.Fatal(err)
	}
	d.Wait()
	if len(out.got) != 0 {
		t.Fatalf("delivered while every receiver failed: %v", out.got)
	}
	if err := d.Notify(ctx, notify.Message{ID: "x"}); err == nil {
		t.Fatal("an invalid message was accepted")
	}

	out.mu.Lock()
	out.fail = map[string]bool{}
	out.mu.Unlock()
	d2, _ := New(Config{Policy: incident.Default()}, openLog(t, path), out.dispatcher(t), clock.now, nil)
	if err := d2.Load(ctx); err != nil {
		t.Fatal(err)
	}
	d2.Tick(ctx)
	d2.Wait()
	d2.Notify(ctx, m)
	d2.Wait()
	if out.got[m.ID+"|wecom-duty"] != 1 || out.got[m.ID+"|sms-leader"] != 1 || len(out.got) != 2 {
		t.Fatalf("deliveries %v, want the message once to each receiver", out.got)
	}
	d3, _ := New(Config{Policy: incident.Default()}, openLog(t, path), out.dispatcher(t), clock.now, nil)
	d3.Load(ctx)
	d3.Notify(ctx, m)
	d3.Tick(ctx)
	d3.Wait()
	if len(out.got) != 2 || out.got[m.ID+"|wecom-duty"] != 1 {
		t.Fatalf("sent again after delivery: %v", out.got)
	}
}
