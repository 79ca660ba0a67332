package incident

import (
	"strings"
	"testing"
	"time"

	"yuqing/internal/event"
)

// The timeline names who spoke at a press conference and where a follow-up
// was published.
func TestTimelineNamesSpeakersAndChannels(t *testing.T) {
	at := time.Date(2026, 12, 3, 6, 0, 0, 0, time.UTC)
	conf, err := event.New(TypeConfHeld, "inc-1", "user:li", at, at, Conference{At: at, Place: "市政府新闻发布厅",
		Speakers: []Speaker{{Name: "王某", Role: "新闻发言人"}, {Name: "李某"}}})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := summarize(conf); !strings.Contains(got, "发言人：王某（新闻发言人）、李某") || !strings.Contains(got, "12-03 14:00") {
		t.Errorf("conference line %q", got)
	}
	fu, _ := event.New(TypeFollowUp, "inc-1", "user:li", at, at, Release{At: at, Channel: "政务微博", URL: "https://weibo.example.invalid/2"})
	if got, _ := summarize(fu); !strings.Contains(got, "政务微博") {
		t.Errorf("follow-up line %q", got)
	}
}

// An event whose payload cannot be read is an error, not a blank line on
// the timeline.
func TestBoardRefusesUnreadablePayload(t *testing.T) {
	at := time.Date(2026, 12, 3, 6, 0, 0, 0, time.UTC)
	b := NewBoard()
	open, _ := event.New(TypeOpened, "inc-1", "user:li", at, at, Opened{Title: "城东化工厂异味", DetectedAt: at})
	if err := b.Apply(open); err != nil {
		t.Fatal(err)
	}
	for _, payload := range []string{`[1,2]`, `{"speakers":"王某","at":"2026-12-03T06:00:00Z"}`} {
		bad := open
		bad.ID, bad.Type, bad.Payload = "e-bad", TypeConfHeld, []byte(payload)
		if err := b.Apply(bad); err == nil {
			t.Errorf("payload %s applied", payload)
		}
	}
	if n := len(b.Timeline("inc-1")); n != 1 {
		t.Fatalf("timeline has %d lines", n)
	}
}
