package browser

import (
	"bytes"
	"context"
	"errors"
	"image/png"
	"os/exec"
	"strings"
	"testing"
)

func TestMissing(t *testing.T) {
	_, err := New(Config{Path: "/nonexistent/chromium"})
	if !errors.Is(err, ErrMissing) || !strings.Contains(err.Error(), "apt-get install chromium") || !strings.Contains(err.Error(), "未找到 Chromium") {
		t.Fatalf("%v", err)
	}
	if (Config{Timeout: -1}).Validate() == nil {
		t.Error("a negative timeout was accepted")
	}
}

func TestRender(t *testing.T) {
	b, err := New(Config{})
	if err != nil {
		t.Skipf("no Chromium: %v", err)
	}
	page := []byte(`<!DOCTYPE html><html><body><div id="x" style="width:100px;height:50px;background:red">中文</div><script>document.body.dataset.ready="1"</script></body></html>`)
	res, err := b.Render(context.Background(), page, Request{Elements: []string{"x"}, PDF: true, Scale: 2})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(res.PDF), "%PDF-") || len(res.Elements["x"]) < 100 || string(res.Elements["x"][1:4]) != "PNG" {
		t.Errorf("pdf %d bytes, png %d bytes", len(res.PDF), len(res.Elements["x"]))
	}
	if cfg, err := png.DecodeConfig(bytes.NewReader(res.Elements["x"])); err != nil || cfg.Width != 200 || cfg.Height != 100 {
		t.Errorf("element at scale 2: %+v %v, want 200×100", cfg, err)
	}
	if _, err := exec.LookPath("fc-list"); err == nil {
		if fams, err := CJKFonts(context.Background()); err != nil || len(fams) == 0 {
			t.Logf("CJK fonts: %v %v (%s)", fams, err, NoCJKFontWarning)
		}
	}
}
