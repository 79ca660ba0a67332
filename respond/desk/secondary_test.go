package desk

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"yuqing/internal/analytics"
	"yuqing/internal/analytics/sqlitestore"
	"yuqing/respond/incident"
	"yuqing/respond/notify"
)

// Posts questioning a statement after it is published raise 次生舆情 on
// the incident once, on its timeline and to the duty officers.
func TestSecondaryAfterAStatement(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	store, err := sqlitestore.Open(ctx, filepath.Join(dir, "a.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	clock := &fakeClock{t: t0}
	d, err := New(Config{Policy: incident.Default()}, openLog(t, filepath.Join(dir, "log.db")), nil, clock.now, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Load(ctx); err != nil {
		t.Fatal(err)
	}
	var ms []analytics.Mention
	add := func(i int, at time.Time, text string) {
		ms = append(ms, analytics.Mention{ID: fmt.Sprintf("weibo:%d", i), Platform: "weibo", Text: text, PublishedAt: at, IngestedAt: at,
			Topic: "t1", Sentiment: "neg", SentimentScore: -0.6, AuthorName: fmt.Sprintf("网友%d", i)})
	}
	for i := 0; i < 12; i++ {
		add(i, t0.Add(time.Duration(i)*5*time.Minute), "东港化工厂附近刺鼻气味，到底有没有泄漏？")
	}
	pub := t0.Add(2 * time.Hour)
	for i := 0; i < 4; i++ {
		add(100+i, pub.Add(time.Duration(10+i)*time.Minute), "这个通报避重就轻，只字不提到底有没有人受伤，谁信啊")
	}
	if err := store.PutMentions(ctx, ms); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Handle(ctx, "inc-1", "user:duty", incident.Open{Title: "化工厂异味", Topics: []string{"t1"}, DetectedAt: t0}); err != nil {
		t.Fatal(err)
	}
	clock.set(pub)
	if _, err := d.Handle(ctx, "inc-1", "user:li", incident.Publish{Release: incident.Release{At: pub, Channel: "政务微博", URL: "https://weibo.com/1", Text: "经监测未发现有毒气体超标。"}}); err != nil {
		t.Fatal(err)
	}
	clock.set(pub.Add(time.Hour))
	for range 2 { // a second round raises nothing new
		if err := d.CheckSecondary(ctx, store); err != nil {
			t.Fatal(err)
		}
	}
	st, _ := d.Board().State("inc-1")
	if len(st.Secondary) != 1 || st.Secondary[0].Kind != "questioning" || len(st.Secondary[0].MentionIDs) != 4 {
		t.Fatalf("次生舆情 raised: %+v", st.Secondary)
	}
	var line string
	for _, e := range d.Board().Timeline("inc-1") {
		if strings.HasPrefix(e.Summary, "【次生舆情】") {
			line = e.Summary
		}
	}
	if line == "" {
		t.Fatal("the timeline does not show the 次生舆情")
	}
}

// What leaves the system is masked: a phone number in a message's text
// reaches no receiver.
func TestNotificationsMasked(t *testing.T) {
	ctx := context.Background()
	clock := &fakeClock{t: t0}
	d, err := New(Config{Policy: incident.Default()}, openLog(t, filepath.Join(t.TempDir(), "log.db")), nil, clock.now, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Load(ctx); err != nil {
		t.Fatal(err)
	}
	got := make(chan notify.Message, 1)
	d.deliver = deliverFunc(func(_ context.Context, m notify.Message) error { got <- m; return nil })
	if err := d.Notify(ctx, notify.Message{ID: "m1", Kind: notify.KindInfo, Title: "网友求助", Text: "联系电话13812345678", At: t0}); err != nil {
		t.Fatal(err)
	}
	m := <-got
	d.Wait()
	if strings.Contains(m.Text, "13812345678") || !strings.Contains(m.Text, "138") {
		t.Fatalf("sent text: %q", m.Text)
	}
}

type deliverFunc func(context.Context, notify.Message) error

func (f deliverFunc) Dispatch(ctx context.Context, m notify.Message) error { return f(ctx, m) }
