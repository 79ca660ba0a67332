// Package browser renders a self-contained HTML page in headless Chromium
// (through chromedp): the page printed to an A4 PDF with page numbers in
// the footer, and PNG screenshots of chosen elements (report charts, for
// Word) or of the whole page.
//
// Chromium is found on PATH (chromium, chromium-browser, google-chrome,
// google-chrome-stable) unless Config.Path names it. When it is missing,
// New returns a *MissingError (errors.Is(err, ErrMissing)) whose message
// says what to install: apt-get install chromium.
//
// The page is opened from a private temporary file with the network shut
// off (every host name resolves to nothing), so a page cannot load anything
// from outside; it must signal that it is drawn by setting
// document.body.dataset.ready = "1".
//
// Text is drawn with the fonts fontconfig offers. Chinese needs a CJK font
// (fonts-wqy-microhei, fonts-noto-cjk); without one every Chinese character
// prints as a box. CJKFonts lists what fontconfig has, so callers can warn.
//
// A Browser is safe for concurrent use; each Render starts its own
// Chromium process and ends it before returning.
package browser

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/chromedp/chromedp"
)

// Config configures the browser.
type Config struct {
	Path    string        // Chromium executable; "" looks for it on PATH
	Timeout time.Duration // longest one Render may take (default 2 min)
	// NoSandbox starts Chromium without its sandbox. Chromium refuses to
	// run sandboxed as root, so New turns this on for root (containers).
	NoSandbox bool
}

// RegisterFlags binds the config to fs.
func (c *Config) RegisterFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.Path, "chromium", c.Path, "Chromium executable for PDF and chart images (default: chromium, chromium-browser or google-chrome on PATH)")
	fs.DurationVar(&c.Timeout, "chromium-timeout", c.Timeout, "longest time one page may take to render in Chromium (default 2m)")
}

// Validate reports a config that cannot work.
func (c Config) Validate() error {
	if c.Timeout < 0 {
		return fmt.Errorf("chromium timeout %s is negative", c.Timeout)
	}
	return nil
}

// Candidates are the executables looked for on PATH, in order.
var candidates = []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"}

// ErrMissing is matched (errors.Is) by the error New returns when no
// Chromium can be found.
var ErrMissing = errors.New("chromium is not installed")

// MissingError says which executables were looked for.
type MissingError struct {
	Tried []string
}

func (e *MissingError) Error() string {
	return fmt.Sprintf("未找到 Chromium，无法生成 PDF 和图表图片：请安装 Chromium（Debian/Ubuntu: apt-get install chromium）或用 --chromium 指定路径 / "+
		"Chromium not found (tried %s): install it (apt-get install chromium) or pass --chromium PATH", strings.Join(e.Tried, ", "))
}

// Is matches ErrMissing.
func (e *MissingError) Is(target error) bool { return target == ErrMissing }

// Browser renders pages.
type Browser struct {
	cfg  Config
	path string
}

// New finds Chromium. The error is a *MissingError when there is none.
func New(cfg Config) (*Browser, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 2 * time.Minute
	}
	if os.Geteuid() == 0 {
		cfg.NoSandbox = true
	}
	tried := candidates
	if cfg.Path != "" {
		tried = []string{cfg.Path}
	}
	for _, name := range tried {
		if p, err := exec.LookPath(name); err == nil {
			return &Browser{cfg: cfg, path: p}, nil
		}
	}
	return nil, &MissingError{Tried: tried}
}

// Path is the Chromium executable in use.
func (b *Browser) Path() string { return b.path }

// Request says what to make of a page.
type Request struct {
	// Elements are the ids of elements to capture as PNG.
	Elements []string
	// Page captures the whole page as PNG (as a reader scrolls it).
	Page bool
	// PDF prints the page on A4 (the page's CSS @page rules decide the
	// margins) with "— n —" centred in the footer.
	PDF bool
	// Width is the viewport width in CSS pixels (default 794: A4 at 96 dpi).
	Width int
	// Scale is the device pixel ratio of the PNGs (default 2: sharp in
	// print and in Word).
	Scale float64
}

// Result is what Render made.
type Result struct {
	PDF      []byte
	Page     []byte            // PNG of the whole page
	Elements map[string][]byte // PNG per element id
}

// footer is the page number as Chinese official documents print it.
const footer = `<div style="width:100%;text-align:center;font-size:12pt;font-family:'Times New Roman',serif;color:#000;">— <span class="pageNumber"></span> —</div>`

// Render opens page (a complete HTML document) and makes what req asks.
func (b *Browser) Render(ctx context.Context, page []byte, req Request) (Result, error) {
	if req.Width <= 0 {
		req.Width = 794
	}
	if req.Scale <= 0 {
		req.Scale = 2
	}
	dir, err := os.MkdirTemp("", "yuqing-page-*")
	if err != nil {
		return Result{}, fmt.Errorf("rendering a page: %w", err)
	}
	defer os.RemoveAll(dir)
	file := filepath.Join(dir, "page.html")
	if err := os.WriteFile(file, page, 0o600); err != nil {
		return Result{}, fmt.Errorf("rendering a page: %w", err)
	}

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(b.path),
		chromedp.WindowSize(req.Width, 1123),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.Flag("font-render-hinting", "none"),
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND"), // nothing from outside
		chromedp.DisableGPU,
	)
	if b.cfg.NoSandbox {
		opts = append(opts, chromedp.NoSandbox)
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	defer cancelAlloc()
	bctx, cancelBrowser := chromedp.NewContext(actx)
	defer cancelBrowser()
	if err := chromedp.Do(bctx); err != nil { // starts Chromium
		return Result{}, fmt.Errorf("starting Chromium %s: %w", b.path, err)
	}
	tctx, cancel := context.WithTimeout(bctx, b.cfg.Timeout)
	defer cancel()

	u := url.URL{Scheme: "file", Path: file}
	err = chromedp.Do(tctx,
		chromedp.EmulateViewport(int64(req.Width), 1123, chromedp.EmulateScale(req.Scale)),
		chromedp.Navigate(u.String()),
	)
	if err != nil {
		return Result{}, fmt.Errorf("opening the page in Chromium: %w", err)
	}
	if _, err := chromedp.Run(tctx, chromedp.Poll[bool](`document.body && document.body.dataset.ready === "1"`,
		chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(b.cfg.Timeout))); err != nil {
		return Result{}, fmt.Errorf("waiting for the page to draw its charts: %w", err)
	}
	var res Result
	if len(req.Elements) > 0 {
		res.Elements = map[string][]byte{}
	}
	for _, id := range req.Elements {
		png, err := chromedp.Run(tctx, chromedp.ScreenshotScale(chromedp.ID(id), 1))
		if err != nil {
			return Result{}, fmt.Errorf("capturing element #%s: %w", id, err)
		}
		res.Elements[id] = png
	}
	if req.Page {
		if res.Page, err = chromedp.Run(tctx, chromedp.FullScreenshot(100)); err != nil {
			return Result{}, fmt.Errorf("capturing the page: %w", err)
		}
	}
	if req.PDF {
		res.PDF, err = chromedp.Run(tctx, chromedp.PrintToPDF(
			chromedp.PDFPaper(chromedp.PaperA4),
			chromedp.PDFPreferCSSPageSize(),
			chromedp.PDFPrintBackground(),
			chromedp.PDFHeaderTemplate(`<span></span>`),
			chromedp.PDFFooterTemplate(footer),
			chromedp.PDFOutlineAndTagged(),
		))
		if err != nil {
			return Result{}, fmt.Errorf("printing the page to PDF: %w", err)
		}
	}
	return res, nil
}

// CJKFonts lists the font families fontconfig has for Chinese (fc-list
// :lang=zh). An empty list means Chinese text will print as boxes; an error
// means fontconfig could not be asked (fc-list is missing).
func CJKFonts(ctx context.Context) ([]string, error) {
	out, err := exec.CommandContext(ctx, "fc-list", ":lang=zh", "family").Output()
	if err != nil {
		return nil, fmt.Errorf("asking fontconfig for Chinese fonts (fc-list :lang=zh): %w", err)
	}
	seen := map[string]bool{}
	var fams []string
	for _, line := range strings.Split(string(out), "\n") {
		// A line is "Name,Alias,…"; the first name is enough.
		name, _, _ := strings.Cut(strings.TrimSpace(line), ",")
		if name != "" && !seen[name] {
			seen[name] = true
			fams = append(fams, name)
		}
	}
	return fams, nil
}

// NoCJKFontWarning is what to tell an operator when CJKFonts finds none.
const NoCJKFontWarning = "没有找到中文字体，PDF 和图表中的中文会显示为方框：请安装 fonts-wqy-microhei 或 fonts-noto-cjk / " +
	"no CJK font found (fc-list :lang=zh is empty): Chinese text in PDFs and chart images will print as boxes; install fonts-wqy-microhei or fonts-noto-cjk"
