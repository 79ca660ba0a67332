package clock

import (
	"testing"
	"time"
	_ "time/tzdata" // Asia/Shanghai to compare with, on hosts without zoneinfo
)

func TestBeijingIsShanghaiSince1992(t *testing.T) {
	sh, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		at   time.Time
		want string
	}{
		{time.Date(1992, 7, 1, 0, 0, 0, 0, time.UTC), "1992-07-01 08:00 CST"},
		{time.Date(2026, 11, 22, 16, 30, 0, 0, time.UTC), "2026-11-23 00:30 CST"},
		{time.Date(2026, 6, 30, 23, 59, 0, 0, time.UTC), "2026-07-01 07:59 CST"},
	} {
		got := c.at.In(Beijing).Format("2006-01-02 15:04 MST")
		if got != c.want {
			t.Errorf("%v in Beijing = %s, want %s", c.at, got, c.want)
		}
		if sh := c.at.In(sh).Format("2006-01-02 15:04 MST"); sh != got {
			t.Errorf("%v: Beijing %s, Asia/Shanghai %s", c.at, got, sh)
		}
	}
}

func TestShanghai(t *testing.T) {
	if got := Shanghai().String(); got != "Asia/Shanghai" {
		t.Errorf("Shanghai() is %q", got)
	}
	if Shanghai() != Shanghai() {
		t.Error("Shanghai() loads the zone again")
	}
}
