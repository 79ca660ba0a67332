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
	if got := summarize(conf); !strings.Contains(got, "发言人：王某（新闻发言人）、李某") || !strings.Contains(got, "12-03 14:00") {
		t.Errorf("conference line %q", got)
	}
	fu, _ := event.New(TypeFollowUp, "inc-1", "user:li", at, at, Release{At: at, Channel: "政务微博", URL: "https://weibo.example.invalid/2"})
	if got := summarize(fu); !strings.Contains(got, "政务微博") {
		t.Errorf("follow-up line %q", got)
	}
}
