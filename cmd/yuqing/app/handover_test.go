package app

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"yuqing/ingest/source"
	"yuqing/internal/event"
	"yuqing/respond/auth"
)

// yuqing serve has the handover: a blind source in the draft, one duty
// officer hands over, another takes over, signed in through the real
// accounts and roles.
func TestHandoverInServe(t *testing.T) {
	cfg := Defaults()
	cfg.Data, cfg.Addr = t.TempDir(), "127.0.0.1:0"
	addUser(t, cfg, "duty", auth.RoleDutyOfficer)
	addUser(t, cfg, "duty2", auth.RoleDutyOfficer)
	addUser(t, cfg, "li", auth.RoleSpokesperson)
	l, err := OpenLog(t.Context(), cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	h := source.Health{Source: "wechat-bridge", AuthFailed: true, At: time.Now().UTC(), Error: "HTTP 401"}
	e, _ := event.New(source.TypeHealth, h.Source, "test", h.At, h.At, h)
	if err := l.Append(t.Context(), source.Topic, e); err != nil {
		t.Fatal(err)
	}
	l.Close()
	addr, stop := startApp(t, cfg)
	defer stop()

	type session struct{ cookie, csrf string }
	open := func(user string) session {
		cookie := signIn(t, addr, user, testPassword)
		_, me := request(t, addr, cookie, "", "GET", "/api/v1/me", "")
		return session{cookie, me["csrf_token"].(string)}
	}
	duty, duty2, li := open("duty"), open("duty2"), open("li")
	waitFor(t, "the blind source in the handover draft", func() bool {
		code, out := request(t, addr, li.cookie, "", "GET", "/api/v1/handover/draft", "")
		note, _ := out["note"].(map[string]any)
		srcs, _ := note["sources"].([]any)
		return code == 200 && len(srcs) == 1 && srcs[0].(map[string]any)["name"] == "wechat-bridge"
	})
	if code, _ := request(t, addr, li.cookie, li.csrf, "POST", "/api/v1/handovers", `{"note":"无"}`); code != http.StatusForbidden {
		t.Fatalf("a spokesperson handing over: %d", code)
	}
	code, out := request(t, addr, duty.cookie, duty.csrf, "POST", "/api/v1/handovers", `{"note":"微信渠道失明，请跟进凭证更新"}`)
	if code != 200 || out["handed_by"] != "user:duty" {
		t.Fatalf("hand over: %d %v", code, out)
	}
	take := "/api/v1/handovers/" + out["id"].(string) + "/take"
	if code, out := request(t, addr, duty.cookie, duty.csrf, "POST", take, `{}`); code != http.StatusConflict || !strings.Contains(fmt.Sprint(out["error"]), "不能接自己交的班") {
		t.Fatalf("taking one's own: %d %v", code, out)
	}
	if code, out := request(t, addr, duty2.cookie, duty2.csrf, "POST", take, `{"remark":"收到"}`); code != 200 || out["taken_by"] != "user:duty2" || out["taken_by_name"] == "" {
		t.Fatalf("take over: %d %v", code, out)
	}
}

// request sends a request with a session cookie (and CSRF token) and
// decodes a JSON object answer.
func request(t *testing.T, addr, cookie, csrf, method, path, body string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(method, "http://"+addr+path, strings.NewReader(body))
	req.Header.Set("Cookie", cookie)
	req.Header.Set("Content-Type", "application/json")
	if csrf != "" {
		req.Header.Set("X-CSRF-Token", csrf)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	json.Unmarshal(raw, &out)
	return resp.StatusCode, out
}
