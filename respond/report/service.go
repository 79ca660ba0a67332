package report

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"sync"
	"time"

	"yuqing/internal/analytics"
	"yuqing/internal/event"
	"yuqing/internal/eventlog"
	"yuqing/respond/report/browser"
)

// Log topic and event type of generated reports.
const (
	LogTopic      = "reports"
	TypeGenerated = "report.generated.v1"
)

// Generated is the payload of report.generated.v1: what was made, of
// what, and the hash of its figures.
type Generated struct {
	ID     string `json:"id"`
	Title  string `json:"title"`
	Params Params `json:"params"`
	// Summary is the report's opening paragraph: its headline figures.
	Summary string `json:"summary"`
	// SHA256 is the hash of the figures' canonical JSON (Report.Hash), not
	// of the files, which carry the time they were made.
	SHA256   string    `json:"sha256"`
	Files    []File    `json:"files"`
	At       time.Time `json:"at"`       // when it was generated
	Actor    string    `json:"actor"`    // who asked: user:alice, system:schedule, cli:ops
	Complete bool      `json:"complete"` // the period had ended (AsOf ≥ To)
	Warnings []string  `json:"warnings,omitempty"`
}

// File is one rendered file of a report.
type File struct {
	Format string `json:"format"` // html, docx, pdf
	Name   string `json:"name"`   // the download name: 舆情周报（2026年第47周）.docx
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// HasFormat reports a file of that format.
func (g Generated) HasFormat(f string) bool {
	return slices.ContainsFunc(g.Files, func(x File) bool { return x.Format == f })
}

// Canonical is the report's canonical JSON: encoding/json of the value
// (fields in declaration order, times in UTC, map keys sorted).
func (r *Report) Canonical() ([]byte, error) {
	b, err := json.Marshal(r)
	if err != nil {
		return nil, fmt.Errorf("encoding the report's figures: %w", err)
	}
	return b, nil
}

// Hash is the hex SHA-256 of the canonical JSON.
func (r *Report) Hash() (string, error) {
	b, err := r.Canonical()
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}

// Service generates reports and keeps them. Safe for concurrent use;
// generations run one at a time.
type Service struct {
	log     eventlog.Log
	store   analytics.Store
	dir     string
	browser *browser.Browser
	noBrows error  // why browser is nil
	fontMsg string // a warning about CJK fonts, "" when fine
	now     func() time.Time
	logger  *slog.Logger
	mu      sync.Mutex
}

// NewService returns a service keeping files under dir (DATA/reports).
// Chromium is looked for now: without it (or with bcfg pointing at
// nothing) HTML and Word still work, PDF fails with an error saying what
// to install and Word files carry a note instead of charts. A missing CJK
// font is logged as a warning.
func NewService(log eventlog.Log, store analytics.Store, dir string, bcfg browser.Config, now func() time.Time, logger *slog.Logger) *Service {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if now == nil {
		now = time.Now
	}
	s := &Service{log: log, store: store, dir: dir, now: now, logger: logger}
	s.browser, s.noBrows = browser.New(bcfg)
	if s.noBrows != nil {
		logger.Warn("reports: PDF and chart images need Chromium", "err", s.noBrows)
	} else {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		fams, err := browser.CJKFonts(ctx)
		cancel()
		switch {
		case err != nil:
			s.fontMsg = "无法检查中文字体（fc-list 不可用）/ could not check for CJK fonts: " + err.Error()
		case len(fams) == 0:
			s.fontMsg = browser.NoCJKFontWarning
		}
		if s.fontMsg != "" {
			logger.Warn("reports: " + s.fontMsg)
		}
	}
	return s
}

// Chromium reports whether PDFs and chart images can be made, and if not why.
func (s *Service) Chromium() error { return s.noBrows }

// Generate builds the report p asks for, renders its formats, keeps the
// files and records report.generated.v1 for actor. A zero p.AsOf is the
// current time (capped at nothing: a report of a running period says how
// things stood when it was made).
//
// When only some formats could be made (PDF without Chromium), the others
// are kept and recorded, and the returned error says what failed
// (errors.Is(err, browser.ErrMissing) for a missing Chromium); the
// Generated lists what was made.
func (s *Service) Generate(ctx context.Context, p Params, actor string) (Generated, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if p.AsOf.IsZero() {
		p.AsOf = now
	}
	p = p.Normalize()
	s.logger.Info("report: reading the log and the store", "kind", p.Kind, "from", p.From, "to", p.To, "incident", p.Incident)
	r, err := Build(ctx, s.log, s.store, p, s.logger)
	if err != nil {
		return Generated{}, err
	}
	p.From, p.To = r.From, r.To // a 专报's default period, resolved
	fig, err := r.Canonical()
	if err != nil {
		return Generated{}, err
	}
	sum := sha256.Sum256(fig)
	g := Generated{ID: r.ID, Title: r.Title, Params: p, Summary: r.Summary(), SHA256: hex.EncodeToString(sum[:]), At: now.UTC(), Actor: actor, Complete: !p.AsOf.Before(p.To)}
	st := Stamp{Hash: g.SHA256, Generated: now}

	out := map[string][]byte{"figures.json": fig}
	page, err := r.HTML(st)
	if err != nil {
		return Generated{}, err
	}
	if slices.Contains(p.Formats, HTML) {
		out["report.html"] = page
	}
	var failed error
	var images map[string][]byte
	wantPDF, wantDOCX := slices.Contains(p.Formats, PDF), slices.Contains(p.Formats, DOCX)
	if wantPDF || wantDOCX {
		switch {
		case s.browser == nil:
			if wantPDF {
				failed = fmt.Errorf("生成 PDF 失败 / making the PDF: %w", s.noBrows)
			}
			if wantDOCX {
				g.Warnings = append(g.Warnings, "Word 文件中的图表需要 Chromium，已用数据表代替（apt-get install chromium）")
			}
		default:
			if s.fontMsg != "" {
				g.Warnings = append(g.Warnings, s.fontMsg)
			}
			req := browser.Request{PDF: wantPDF}
			if wantDOCX {
				for _, c := range r.Charts() {
					req.Elements = append(req.Elements, c.ID)
				}
			}
			s.logger.Info("report: rendering in Chromium", "id", r.ID, "pdf", wantPDF, "charts", len(req.Elements))
			res, err := s.browser.Render(ctx, page, req)
			if err != nil {
				failed = fmt.Errorf("Chromium 渲染失败 / rendering in Chromium: %w", err)
				if wantDOCX {
					g.Warnings = append(g.Warnings, "图表图片未能生成，Word 文件中已用数据表代替："+err.Error())
				}
			} else {
				images = res.Elements
				if wantPDF {
					out["report.pdf"] = res.PDF
				}
			}
		}
	}
	if wantDOCX {
		s.logger.Info("report: writing the Word file", "id", r.ID, "charts", len(images))
		doc, err := r.Word(st, images)
		if err != nil {
			return Generated{}, err
		}
		out["report.docx"] = doc
	}
	if err := s.keep(r.ID, out); err != nil {
		return Generated{}, err
	}
	for _, f := range p.Formats {
		if b, ok := out["report."+f]; ok {
			fs := sha256.Sum256(b)
			g.Files = append(g.Files, File{Format: f, Name: r.Title + "." + f, Size: int64(len(b)), SHA256: hex.EncodeToString(fs[:])})
		}
	}
	if failed != nil {
		g.Warnings = append(g.Warnings, failed.Error())
	}
	e, err := event.New(TypeGenerated, r.ID, actor, now, now, g)
	if err != nil {
		return Generated{}, err
	}
	if err := s.log.Append(ctx, LogTopic, e); err != nil {
		return Generated{}, fmt.Errorf("recording report %s: %w", r.ID, err)
	}
	s.logger.Info("report generated", "id", r.ID, "sha256", g.SHA256, "files", len(g.Files))
	return g, failed
}

// keep writes a report's files into dir/ID (mode 0700, files 0600), each
// through a temporary file and a rename, and removes files of formats not
// made this time.
func (s *Service) keep(id string, files map[string][]byte) error {
	if !ValidID(id) {
		return fmt.Errorf("report id %q cannot name a directory", id)
	}
	dir := filepath.Join(s.dir, id)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("keeping report %s: %w", id, err)
	}
	for _, d := range []string{s.dir, dir} {
		if err := os.Chmod(d, 0o700); err != nil {
			return fmt.Errorf("keeping report %s: %w", id, err)
		}
	}
	for name, b := range files {
		tmp, err := os.CreateTemp(dir, "."+name+".*")
		if err != nil {
			return fmt.Errorf("keeping report %s: %w", id, err)
		}
		_, werr := tmp.Write(b)
		cerr := tmp.Close()
		if err := errors.Join(werr, cerr, os.Chmod(tmp.Name(), 0o600)); err != nil {
			os.Remove(tmp.Name())
			return fmt.Errorf("keeping report %s: %w", id, err)
		}
		if err := os.Rename(tmp.Name(), filepath.Join(dir, name)); err != nil {
			os.Remove(tmp.Name())
			return fmt.Errorf("keeping report %s: %w", id, err)
		}
	}
	for _, f := range AllFormats {
		if _, ok := files["report."+f]; !ok {
			os.Remove(filepath.Join(dir, "report."+f))
		}
	}
	return nil
}

// List returns the reports generated, the latest generation of each ID,
// newest first.
func (s *Service) List(ctx context.Context) ([]Generated, error) {
	latest := map[string]Generated{}
	err := s.log.Replay(ctx, LogTopic, func(_ context.Context, batch []eventlog.Record) error {
		for _, r := range batch {
			if r.Event.Type != TypeGenerated {
				continue
			}
			var g Generated
			if err := r.Event.Decode(&g); err != nil {
				return err
			}
			latest[g.ID] = g
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("listing reports: %w", err)
	}
	out := make([]Generated, 0, len(latest))
	for _, g := range latest {
		out = append(out, g)
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].At.Equal(out[j].At) {
			return out[i].At.After(out[j].At)
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}

// ErrNotFound is returned for a report or a format that was not generated.
var ErrNotFound = errors.New("report not found")

// Get returns a report's latest generation and its figures (the canonical
// JSON kept with it).
func (s *Service) Get(ctx context.Context, id string) (Generated, json.RawMessage, error) {
	if !ValidID(id) {
		return Generated{}, nil, fmt.Errorf("%w: %s", ErrNotFound, id)
	}
	all, err := s.List(ctx)
	if err != nil {
		return Generated{}, nil, err
	}
	for _, g := range all {
		if g.ID != id {
			continue
		}
		fig, err := os.ReadFile(filepath.Join(s.dir, id, "figures.json"))
		if err != nil {
			return g, nil, fmt.Errorf("reading the figures of report %s: %w", id, err)
		}
		return g, fig, nil
	}
	return Generated{}, nil, fmt.Errorf("%w: %s", ErrNotFound, id)
}

// Path returns the kept file of a report's format, with its generation.
func (s *Service) Path(ctx context.Context, id, format string) (string, Generated, error) {
	g, _, err := s.Get(ctx, id)
	if err != nil {
		return "", g, err
	}
	if !g.HasFormat(format) {
		return "", g, fmt.Errorf("%w: report %s has no %s file", ErrNotFound, id, format)
	}
	return filepath.Join(s.dir, id, "report."+format), g, nil
}
