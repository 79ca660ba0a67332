package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"yuqing/analyze"
	"yuqing/cmd/yuqing/app"
	"yuqing/internal/eventlog"
	"yuqing/internal/mention"
)

// built is yuqing compiled for the process tests, once per test binary
// (TestMain removes its directory).
var built struct {
	once     sync.Once
	dir, bin string
	out      []byte
	err      error
}

// buildBinary compiles yuqing once for the process tests.
func buildBinary(t *testing.T) string {
	t.Helper()
	built.once.Do(func() {
		if built.dir, built.err = os.MkdirTemp("", "yuqing-test-bin-"); built.err != nil {
			return
		}
		built.bin = filepath.Join(built.dir, "yuqing")
		built.out, built.err = exec.Command("go", "build", "-o", built.bin, ".").CombinedOutput()
	})
	if built.err != nil {
		t.Fatalf("go build: %v\n%s", built.err, built.out)
	}
	return built.bin
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

type proc struct {
	cmd  *exec.Cmd
	addr string
	log  *os.File
}

func start(t *testing.T, bin, data, addr string) *proc {
	t.Helper()
	logf, err := os.OpenFile(filepath.Join(data, "..", fmt.Sprintf("serve-%d.log", time.Now().UnixNano())), os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "serve", "--data", data, "--addr", addr)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &proc{cmd: cmd, addr: addr, log: logf}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait(); logf.Close() })
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get("http://" + addr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return p
			}
		}
		time.Sleep(50 * time.Millisecond) // polling for readiness, not timing an assertion
	}
	b, _ := os.ReadFile(logf.Name())
	t.Fatalf("yuqing serve not ready after 30 s; its log:\n%s", b)
	return nil
}

func postOne(client *http.Client, addr, token, id string) bool {
	body := fmt.Sprintf(`{"id":%q,"platform":"weibo","text":"第%s条：化工厂附近有异味，请有关部门回应","published_at":"2026-11-23T07:00:00Z"}`, id, id)
	req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/api/v1/mentions", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := client.Do(req)
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode == 200 && strings.Contains(string(b), `"weibo:`+id+`"`)
}

// TestKillDuringIngestLosesNothing kills `yuqing serve` with SIGKILL while
// mentions are being POSTed, restarts it, and checks that every mention that
// got a success answer is in the log exactly once, analysed exactly once and
// in the store.
func TestKillDuringIngestLosesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	root := t.TempDir()
	data := filepath.Join(root, "data")
	addr := freeAddr(t)
	p := start(t, bin, data, addr)
	tokenBytes, err := os.ReadFile(filepath.Join(data, "secrets", "ingest.token"))
	if err != nil {
		t.Fatal(err)
	}
	token := strings.TrimSpace(string(tokenBytes))

	var (
		mu       sync.Mutex
		accepted []string
		wg       sync.WaitGroup
		stop     = make(chan struct{})
		enough   = make(chan struct{})
		once     sync.Once
	)
	client := &http.Client{Timeout: 5 * time.Second}
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				id := fmt.Sprintf("%d%06d", w+1, i)
				if postOne(client, addr, token, id) {
					mu.Lock()
					accepted = append(accepted, "weibo:"+id)
					if len(accepted) >= 300 {
						once.Do(func() { close(enough) })
					}
					mu.Unlock()
				}
			}
		}()
	}
	select {
	case <-enough:
	case <-time.After(60 * time.Second):
		t.Fatal("fewer than 300 mentions accepted in 60 s")
	}
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	p.cmd.Wait()
	close(stop)
	wg.Wait()
	t.Logf("killed after %d accepted mentions", len(accepted))

	p = start(t, bin, data, addr) // restart on the same data
	want := map[string]bool{}
	for _, id := range accepted {
		want[id] = true
	}
	// Wait until the restarted analyser has caught up with the log.
	cfg := app.Defaults()
	cfg.Data = data
	deadline := time.Now().Add(60 * time.Second)
	for {
		if n := countAnalyzed(t, cfg, want); n == len(want) {
			break
		} else if time.Now().After(deadline) {
			t.Fatalf("after restart only %d of %d accepted mentions were analysed", n, len(want))
		}
		time.Sleep(100 * time.Millisecond) // polling for catch-up
	}
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Wait(); err != nil {
		t.Fatalf("graceful stop after SIGTERM: %v", err)
	}

	ctx := context.Background()
	log, err := app.OpenLog(ctx, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	inLog := map[string]int{}
	err = log.Replay(ctx, eventlog.TopicMentions, func(_ context.Context, b []eventlog.Record) error {
		for _, r := range b {
			var m mention.Mention
			if err := r.Event.Decode(&m); err != nil {
				return err
			}
			inLog[m.ID]++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	analysed := map[string]int{}
	log.Replay(ctx, eventlog.TopicAnalyzed, func(_ context.Context, b []eventlog.Record) error {
		for _, r := range b {
			var a analyze.Analyzed
			r.Event.Decode(&a)
			analysed[a.Mention.ID]++
		}
		return nil
	})
	store, err := app.OpenStore(ctx, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	for id := range want {
		if inLog[id] != 1 {
			t.Errorf("%s: %d times in the log, want exactly once", id, inLog[id])
		}
		if analysed[id] != 1 {
			t.Errorf("%s: analysed %d times, want exactly once", id, analysed[id])
		}
		if _, err := store.Get(ctx, id); err != nil {
			t.Errorf("%s: not in the store: %v", id, err)
		}
	}
	for id, n := range inLog {
		if n != 1 {
			t.Errorf("%s (never answered) is %d times in the log", id, n)
		}
	}
	t.Logf("log holds %d mentions (%d answered before the kill), all analysed once", len(inLog), len(want))
}

// countAnalyzed opens the store read-side and counts the wanted mentions in it.
func countAnalyzed(t *testing.T, cfg app.Config, want map[string]bool) int {
	store, err := app.OpenStore(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	n := 0
	for id := range want {
		if _, err := store.Get(context.Background(), id); err == nil {
			n++
		}
	}
	return n
}
