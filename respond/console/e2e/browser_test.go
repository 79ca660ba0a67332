// Package e2e runs the console's browser test: it builds yuqing, creates a
// duty officer with `yuqing user add`, starts `yuqing serve` on the
// embedded default, plays a drill into it with `yuqing drill --to`, and
// drives Debian's headless Chromium through console.mjs (playwright-core).
//
// Needs node, the npm packages (npm ci in this directory) and chromium.
// Without them the test is skipped, except under CI=true where it fails.
// Screenshots go to $SHOTS (default: a temporary directory).
package e2e

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const password = "演练-浏览器-测试-2026"

func need(t *testing.T) (node, chromium string) {
	t.Helper()
	missing := func(what string) {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI must run the browser test: %s", what)
		}
		t.Skipf("browser test skipped: %s", what)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		missing("node not installed")
	}
	chromium = os.Getenv("CHROMIUM")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	if _, err := os.Stat(chromium); err != nil {
		missing("no chromium at " + chromium + " (apt-get install chromium)")
	}
	if _, err := os.Stat("node_modules/playwright-core"); err != nil {
		missing("playwright-core not installed (npm ci in respond/console/e2e)")
	}
	return node, chromium
}

func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// run runs a command to completion, failing the test with its output.
func run(t *testing.T, ctx context.Context, stdin string, name string, args ...string) string {
	t.Helper()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// start runs a long-lived command whose output goes to the test log.
func start(t *testing.T, ctx context.Context, name string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.CommandContext(ctx, name, args...)
	pr, pw, _ := os.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			t.Logf("%s: %s", filepath.Base(name), sc.Text())
		}
	}()
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			cmd.Process.Kill()
		}
	})
	return cmd
}

func TestConsoleInChromium(t *testing.T) {
	node, chromium := need(t)
	ctx, cancel := context.WithTimeout(t.Context(), 8*time.Minute)
	defer cancel()
	dir := t.TempDir()
	bin := filepath.Join(dir, "yuqing")
	run(t, ctx, "", "go", "build", "-o", bin, "yuqing/cmd/yuqing")
	data := filepath.Join(dir, "data")
	run(t, ctx, password+"\n", bin, "user", "add", "--username", "duty", "--name", "值班员甲", "--role", "duty_officer,spokesperson", "--password-stdin", "--data", data)
	// The workbench's three people: drafter, reviewer (审核) and signer (签发).
	for _, u := range [][3]string{{"spokes", "李四", "spokesperson"}, {"reviewer", "王五", "approver"}, {"leader", "赵六", "leader"}} {
		run(t, ctx, password+"\n", bin, "user", "add", "--username", u[0], "--name", u[1], "--role", u[2], "--password-stdin", "--data", data)
	}

	// A source whose credentials expired: the console must call it blind.
	expired := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "cookie expired", http.StatusUnauthorized)
	}))
	defer expired.Close()
	sources := filepath.Join(dir, "sources.yaml")
	os.WriteFile(sources, []byte(fmt.Sprintf("- {name: wechat-bridge, type: rss, url: %q, platform: wechat, interval: 1m}\n", expired.URL+"/feeds/all.atom")), 0o644)

	addr := freeAddr(t)
	base := "http://" + addr
	// Reports are made on demand in the browser; none on schedule here.
	start(t, ctx, bin, "serve", "--data", data, "--addr", addr, "--sources", sources, "--report-kinds", "none")
	for {
		resp, err := http.Get(base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		select {
		case <-ctx.Done():
			t.Fatal("server never ready")
		case <-time.After(200 * time.Millisecond): // polling a child process
		}
	}
	// The drill runs while the browser watches: its alert must arrive live.
	start(t, ctx, bin, "drill", "--data", data, "--to", base, "--speed", "600", "--scenario", "chemical-smell")

	shots := os.Getenv("SHOTS")
	if shots == "" {
		shots = filepath.Join(dir, "screenshots")
	}
	ingestTok, err := os.ReadFile(filepath.Join(data, "secrets", "ingest.token"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(ctx, node, "console.mjs")
	cmd.Env = append(os.Environ(), "URL="+base, "USERNAME=duty", "PASSWORD="+password, "SHOTS="+shots, "CHROMIUM="+chromium, "INGEST_TOKEN="+strings.TrimSpace(string(ingestTok)))
	out, err := cmd.CombinedOutput()
	t.Logf("console.mjs:\n%s", out)
	if err != nil {
		t.Fatalf("browser test failed (screenshots in %s): %v", shots, err)
	}
	if !strings.Contains(string(out), "ok: countdown") {
		t.Fatalf("browser test did not finish: %s", out)
	}
	_, after, ok := strings.Cut(string(out), "incident=")
	if !ok {
		t.Fatalf("console.mjs named no incident: %s", out)
	}
	incidentID := strings.TrimSpace(strings.SplitN(after, "\n", 2)[0])
	cmd = exec.CommandContext(ctx, node, "workbench.mjs")
	cmd.Env = append(os.Environ(), "URL="+base, "INCIDENT="+incidentID, "PASSWORD="+password, "SHOTS="+shots, "CHROMIUM="+chromium)
	out, err = cmd.CombinedOutput()
	t.Logf("workbench.mjs:\n%s", out)
	if err != nil {
		t.Fatalf("workbench browser test failed (screenshots in %s): %v", shots, err)
	}
	if !strings.Contains(string(out), "ok: workbench") {
		t.Fatalf("workbench browser test did not finish: %s", out)
	}
	cmd = exec.CommandContext(ctx, node, "orders.mjs")
	cmd.Env = append(os.Environ(), "URL="+base, "PASSWORD="+password, "SHOTS="+shots, "CHROMIUM="+chromium)
	out, err = cmd.CombinedOutput()
	t.Logf("orders.mjs:\n%s", out)
	if err != nil {
		t.Fatalf("work-order browser test failed (screenshots in %s): %v", shots, err)
	}
	if !strings.Contains(string(out), "ok: orders") {
		t.Fatalf("work-order browser test did not finish: %s", out)
	}
	// The policy test ingests posts about the policy it releases.
	cmd = exec.CommandContext(ctx, node, "policy.mjs")
	cmd.Env = append(os.Environ(), "URL="+base, "PASSWORD="+password, "SHOTS="+shots, "CHROMIUM="+chromium, "INGEST_TOKEN="+strings.TrimSpace(string(ingestTok)))
	out, err = cmd.CombinedOutput()
	t.Logf("policy.mjs:\n%s", out)
	if err != nil {
		t.Fatalf("policy browser test failed (screenshots in %s): %v", shots, err)
	}
	if !strings.Contains(string(out), "ok: policy") {
		t.Fatalf("policy browser test did not finish: %s", out)
	}
	// 信息检索 ingests the posts it searches, pages and exports.
	cmd = exec.CommandContext(ctx, node, "search.mjs")
	cmd.Env = append(os.Environ(), "URL="+base, "PASSWORD="+password, "SHOTS="+shots, "CHROMIUM="+chromium, "INGEST_TOKEN="+strings.TrimSpace(string(ingestTok)))
	out, err = cmd.CombinedOutput()
	t.Logf("search.mjs:\n%s", out)
	if err != nil {
		t.Fatalf("search browser test failed (screenshots in %s): %v", shots, err)
	}
	if !strings.Contains(string(out), "ok: search") {
		t.Fatalf("search browser test did not finish: %s", out)
	}
	// 交接班 needs a second duty officer: the one who takes the shift over.
	run(t, ctx, password+"\n", bin, "user", "add", "--username", "duty2", "--name", "值班员乙", "--role", "duty_officer", "--password-stdin", "--data", data)
	cmd = exec.CommandContext(ctx, node, "handover.mjs")
	cmd.Env = append(os.Environ(), "URL="+base, "INCIDENT="+incidentID, "PASSWORD="+password, "SHOTS="+shots, "CHROMIUM="+chromium)
	out, err = cmd.CombinedOutput()
	t.Logf("handover.mjs:\n%s", out)
	if err != nil {
		t.Fatalf("handover browser test failed (screenshots in %s): %v", shots, err)
	}
	if !strings.Contains(string(out), "ok: handover") {
		t.Fatalf("handover browser test did not finish: %s", out)
	}
	// Every view at a desk's and a phone's width, after the others made their data.
	cmd = exec.CommandContext(ctx, node, "views.mjs")
	cmd.Env = append(os.Environ(), "URL="+base, "PASSWORD="+password, "SHOTS="+shots, "CHROMIUM="+chromium)
	out, err = cmd.CombinedOutput()
	t.Logf("views.mjs:\n%s", out)
	if err != nil {
		t.Fatalf("views browser test failed (screenshots in %s): %v", shots, err)
	}
	if !strings.Contains(string(out), "ok: views") {
		t.Fatalf("views browser test did not finish: %s", out)
	}
	entries, _ := os.ReadDir(shots)
	if len(entries) < 5 {
		t.Fatalf("expected screenshots of every step in %s, found %d", shots, len(entries))
	}
	fmt.Fprintf(os.Stderr, "console screenshots: %s\n", shots)
}
