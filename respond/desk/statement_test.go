package desk

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"yuqing/respond/incident"
	"yuqing/respond/statement"
)

// A signed statement's publication stops the 5-hour clock with the text
// in the incident's history, and a desk rebuilt from the log has the same
// facts, drafts and review history.
func TestPublishedStatementStopsTheClock(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "log.db")
	clock := &fakeClock{t: t0}
	d, err := New(Config{Policy: incident.Default()}, openLog(t, path), nil, clock.now, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Load(ctx); err != nil {
		t.Fatal(err)
	}
	step := func(actor string, cmd any) {
		t.Helper()
		clock.set(clock.now().Add(5 * time.Minute))
		var err error
		switch cmd.(type) {
		case incident.Open, incident.SetGrade:
			_, err = d.Handle(ctx, "inc-1", actor, cmd)
		default:
			_, err = d.HandleStatement(ctx, "inc-1", actor, cmd)
		}
		if err != nil {
			t.Fatalf("%s %T: %v", actor, cmd, err)
		}
	}
	if _, err := d.HandleStatement(ctx, "inc-1", "user:li", statement.RecordFact{Kind: statement.KindUnit, Text: "x", Source: "y"}); !errors.Is(err, statement.ErrRule) {
		t.Fatalf("a fact on an incident never opened: %v", err)
	}
	step("user:duty", incident.Open{Title: "化工厂泄漏", DetectedAt: t0})
	step("user:duty", incident.SetGrade{Grade: incident.GradeII, Reason: "3人受伤"})
	step("user:li", statement.RecordFact{Kind: statement.KindUnit, Text: "临江区东港化工厂一储罐泄漏，造成3人受伤。", Source: "临江区政府"})
	step("user:li", statement.VerifyFact{Fact: "F1", Status: statement.Verified})
	step("user:li", statement.NewDraft{Kind: statement.Notice, Title: "化工厂泄漏", Text: "关于化工厂泄漏的情况通报\n临江区东港化工厂一储罐泄漏，造成3人受伤。[F1]\n"})
	step("user:li", statement.Submit{Draft: "D1"})
	step("user:wang", statement.Approve{Draft: "D1"})
	step("user:zhao", statement.Sign{Draft: "D1"})
	if st, _ := d.Board().State("inc-1"); !st.Clocks[incident.ClockStatement].Running() {
		t.Fatal("signing alone stopped the clock")
	}
	step("user:li", statement.Publish{Draft: "D1", Channels: []string{"政务微博"}, URL: "https://weibo.com/linjiang/1"})
	st, _ := d.Board().State("inc-1")
	cl := st.Clocks[incident.ClockStatement]
	if cl.Running() || !cl.Met {
		t.Fatalf("statement clock after publication: %+v", cl)
	}
	if len(st.Releases) != 1 || strings.Contains(st.Releases[0].Text, "[F1]") || !strings.Contains(st.Releases[0].Text, "3人受伤") || st.Releases[0].Channel != "政务微博" {
		t.Fatalf("release kept in the incident: %+v", st.Releases)
	}

	again, err := New(Config{Policy: incident.Default()}, openLog(t, path), nil, clock.now, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := again.Load(ctx); err != nil {
		t.Fatal(err)
	}
	a, _ := json.Marshal(d.Statements().State("inc-1"))
	b, _ := json.Marshal(again.Statements().State("inc-1"))
	if string(a) != string(b) || !strings.Contains(string(b), `"status":"已发布"`) {
		t.Fatalf("rebuilt from the log:\n%s\nwant\n%s", b, a)
	}
	if dr, ok := again.Statements().Active("inc-1"); ok {
		t.Fatalf("a published draft is not in work: %+v", dr)
	}
}
