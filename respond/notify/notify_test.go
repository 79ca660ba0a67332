package notify

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestSecretNeverPrints(t *testing.T) {
	s := Secret("SECabc123-very-secret")
	type cfg struct {
		Token Secret `json:"token"`
	}
	outs := []string{
		fmt.Sprint(s), fmt.Sprintf("%s %v %q %x %d %+v %#v", s, s, s, s, s, s, s),
		fmt.Sprintf("%v %+v %#v", cfg{s}, cfg{s}, cfg{s}),
	}
	b, err := json.Marshal(cfg{s})
	if err != nil {
		t.Fatal(err)
	}
	outs = append(outs, string(b))
	var buf bytes.Buffer
	slog.New(slog.NewTextHandler(&buf, nil)).Info("x", "secret", s, "cfg", cfg{s})
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("x", "secret", s, "cfg", cfg{s})
	outs = append(outs, buf.String())
	for _, o := range outs {
		if strings.Contains(o, "very-secret") {
			t.Errorf("secret leaked: %s", o)
		}
		if !strings.Contains(o, "<secret>") && !strings.Contains(o, `\u003csecret\u003e`) {
			t.Errorf("no <secret> marker: %s", o)
		}
	}
	var back cfg
	if err := json.Unmarshal([]byte(`{"token":"abc"}`), &back); err != nil || back.Token.Reveal() != "abc" {
		t.Errorf("unmarshal: %v %q", err, back.Token.Reveal())
	}
	if Secret("").String() != "" {
		t.Error("an empty secret should show empty")
	}
}

func TestMessageValidateAndUrgent(t *testing.T) {
	ok := Message{ID: "breach:i1:statement", Kind: KindBreach, Grade: 2, Title: "超时"}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	bad := Message{Kind: "page", Grade: 7}
	if err := bad.Validate(); err == nil {
		t.Fatal("want errors")
	}
	cases := []struct {
		kind  string
		grade int
		want  bool
	}{
		{KindWarning, 1, true}, {KindBreach, 2, true}, {KindEscalation, 1, true},
		{KindInfo, 1, false}, {KindBreach, 3, false}, {KindWarning, 0, false}, {KindBreach, 4, false},
	}
	for _, c := range cases {
		if got := (Message{Kind: c.kind, Grade: c.grade}).Urgent(); got != c.want {
			t.Errorf("%s grade %d: urgent=%v", c.kind, c.grade, got)
		}
	}
}

func TestRender(t *testing.T) {
	m := Message{
		ID: "breach:i1:statement", Kind: KindBreach, Grade: 1, IncidentID: "i1",
		Title: "某地化工厂爆炸\n舆情", Text: "权威信息发布已超时，请立即处置。", URL: "https://console.example/i/i1",
		Unit: "市委网信办", Role: RoleDutyOfficer, At: time.Date(2026, 5, 1, 14, 0, 0, 0, time.UTC), Drill: true,
	}
	if got, want := Subject(m), "【演练】【I级·超时告警】某地化工厂爆炸 舆情"; got != want {
		t.Errorf("subject %q, want %q", got, want)
	}
	md := Markdown(m)
	for _, want := range []string{"### 【演练】", "> 单位：市委网信办", "> 对象：值班员", "> 时间：2026-05-01 22:00", "[打开处置台](https://console.example/i/i1)", "请立即处置"} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
	if pt := PlainText(m); !strings.Contains(pt, "处置台：https://console.example/i/i1") {
		t.Errorf("plain text:\n%s", pt)
	}
}

func TestTruncate(t *testing.T) {
	s := strings.Repeat("舆情", 10) // 60 bytes, 20 runes
	for max := 0; max <= 61; max++ {
		got := Truncate(s, max)
		if !utf8.ValidString(got) || (len(got) > max && max >= 3) {
			t.Fatalf("Truncate(%d) = %q (%d bytes)", max, got, len(got))
		}
	}
	if got := TruncateRunes(s, 5); got != "舆情舆情…" {
		t.Errorf("TruncateRunes = %q", got)
	}
	if got := TruncateRunes(s, 20); got != s {
		t.Errorf("TruncateRunes whole = %q", got)
	}
}
