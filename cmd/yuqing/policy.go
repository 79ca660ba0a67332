package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"
	"yuqing/internal/clock"

	"yuqing/analyze/segment"
	"yuqing/cmd/yuqing/app"
	"yuqing/internal/analytics"
	"yuqing/respond/policy"
)

const policyUsage = "usage: yuqing policy assess --in draft.txt|draft.docx [--title T] [--unit U] [--release 2006-01-02] [--data DIR] [--subjects FILE] [--window-days 14] [--top 5] [--format md|json|docx]"

// runPolicy is `yuqing policy assess`: the opinion-risk assessment of a
// draft policy document (政策舆情风险研判) printed to stdout as Markdown or
// JSON. Past topics come from the data directory's analytics store (or
// ClickHouse with --store); an embedded store that does not exist is not
// created: the assessment then says history was not consulted.
func runPolicy(ctx context.Context, args []string, stdout io.Writer, getenv func(string) string, logger *slog.Logger) error {
	if len(args) == 0 || args[0] != "assess" {
		return errors.New(policyUsage)
	}
	var (
		in, title, unit, release, subjects, format string
		windowDays, top                            int
	)
	cfg, fs, err := app.Load("policy assess", args[1:], getenv, app.Sections{Store: true, Analyze: true}, func(fs *flag.FlagSet) {
		fs.StringVar(&in, "in", "", "the draft: a .txt (UTF-8 or GB18030) or .docx file; a short first line is taken as its title")
		fs.StringVar(&title, "title", "", "the draft's title (default: its first line, when it looks like one)")
		fs.StringVar(&unit, "unit", "", "the issuing unit (第一解读部门)")
		fs.StringVar(&release, "release", "", "planned release day, 2006-01-02 (Beijing time); the monitoring window starts then (default: today)")
		fs.StringVar(&subjects, "subjects", "", "hot-button subject list, YAML (default: the built-in list)")
		fs.IntVar(&windowDays, "window-days", policy.DefaultWindowDays, "days the generated monitoring scheme watches after release")
		fs.IntVar(&top, "top", policy.DefaultTopN, "similar past topics listed")
		fs.StringVar(&format, "format", "md", "output: md (Markdown), json, or docx (Word, to stdout: redirect it to a file)")
	})
	if err != nil {
		return err
	}
	if in == "" {
		return fmt.Errorf("缺少 --in：请指定草案文件（--in is required）\n%s", policyUsage)
	}
	if format != "md" && format != "json" && format != "docx" {
		return fmt.Errorf("--format 须为 md、json 或 docx（got %q）", format)
	}
	if windowDays < 1 || top < 1 {
		return errors.New("--window-days 和 --top 须为正整数")
	}
	d, err := policy.ReadDraft(in)
	if err != nil {
		return err
	}
	if title != "" {
		d.Title = title
	}
	d.Unit = unit
	if release != "" {
		if d.ReleaseAt, err = parseDay(release); err != nil {
			return fmt.Errorf("--release: %w", err)
		}
	}
	deps := policy.Deps{WindowDays: windowDays, TopN: top}
	if subjects != "" {
		if deps.Subjects, err = policy.LoadSubjects(subjects); err != nil {
			return err
		}
	}
	explicit := false
	fs.Visit(func(f *flag.Flag) { explicit = explicit || f.Name == "data" })
	if deps.Store, err = openPolicyStore(ctx, cfg, explicit, logger); err != nil {
		return err
	}
	if deps.Store != nil {
		defer deps.Store.Close()
	}
	if deps.Seg, err = segment.New(segment.Config{UserDicts: cfg.UserDicts}, logger); err != nil {
		return err
	}
	a, err := policy.Assess(ctx, d, deps)
	if err != nil {
		return err
	}
	switch format {
	case "json":
		return policy.WriteJSON(stdout, a)
	case "docx":
		b, err := policy.Word(a)
		if err != nil {
			return err
		}
		_, err = stdout.Write(b)
		return err
	}
	return policy.WriteMarkdown(stdout, a)
}

// openPolicyStore opens the analytics store for history. An embedded
// store that does not exist yet is not created: nil, unless --data named
// it, which is an error.
func openPolicyStore(ctx context.Context, cfg app.Config, explicit bool, logger *slog.Logger) (analytics.Store, error) {
	if cfg.Store == "sqlite" {
		path := filepath.Join(cfg.Data, "analytics.db")
		if _, err := os.Stat(path); err != nil {
			if explicit {
				return nil, fmt.Errorf("--data %s 中没有分析库 analytics.db（no analytics store there）", cfg.Data)
			}
			logger.Info("no analytics store: assessing without history", "path", path)
			return nil, nil
		}
	}
	return app.OpenStore(ctx, cfg, logger)
}

// parseDay reads 2006-01-02 in Beijing time, or an RFC 3339 instant.
func parseDay(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if t, err := time.ParseInLocation("2006-01-02", s, clock.Beijing); err == nil {
		return t, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("日期 %q 须为 2006-01-02 格式", s)
	}
	return t, nil
}
