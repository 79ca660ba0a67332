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

	"yuqing/cmd/yuqing/app"
	"yuqing/respond/report"
	"yuqing/respond/report/browser"
)

// runReport is `yuqing report --kind weekly --from 2026-11-16 --to
// 2026-11-22 --format html,docx,pdf --out DIR`: a report made from the
// log and the store without a server (the embedded default, or Kafka and
// ClickHouse with the same flags as serve). The report is recorded in the
// log (report.generated.v1) and kept under DATA/reports like the
// console's; --out gets copies named as leaders see them. Progress goes to
// stderr, the files written to stdout.
func runReport(ctx context.Context, args []string, stdout io.Writer, getenv func(string) string, logger *slog.Logger) error {
	var (
		kind, from, to, inc, formats, out, asOf, actor string
		drillData                                      bool
		bcfg                                           browser.Config
	)
	cfg, _, err := app.Load("report", args, getenv, app.Sections{Log: true, Store: true}, func(fs *flag.FlagSet) {
		fs.StringVar(&kind, "kind", "weekly", "daily (日报), weekly (周报), monthly (月报) or incident (专报)")
		fs.StringVar(&inc, "incident", "", "kind incident: the incident's ID")
		fs.StringVar(&from, "from", "", "first day, 2006-01-02 (Beijing time), or an RFC 3339 instant (default: the last whole day, week or month; a 专报: the day before detection)")
		fs.StringVar(&to, "to", "", "last day included, 2006-01-02, or an RFC 3339 instant, exclusive (default: with --from's default)")
		fs.StringVar(&formats, "format", "html,docx", "formats: html, docx, pdf (PDF and chart images need Chromium)")
		fs.StringVar(&out, "out", ".", "directory to write the files to")
		fs.StringVar(&asOf, "as-of", "", "leave out facts recorded after this RFC 3339 time (default: now); a recorded report's as_of gives the same figures again")
		fs.StringVar(&actor, "actor", osUser(), "who makes the report (recorded in the event)")
		fs.BoolVar(&drillData, "drill", false, "include drill data (演练), marked 【演练】 (default: left out)")
		bcfg.RegisterFlags(fs)
	})
	if err != nil {
		return err
	}
	p := report.Params{Kind: report.Kind(kind), Incident: inc, Drill: drillData, Timezone: report.DefaultZone}
	for _, f := range strings.Split(formats, ",") {
		if f = strings.TrimSpace(f); f != "" {
			p.Formats = append(p.Formats, f)
		}
	}
	loc := p.Location()
	if from != "" {
		if p.From, err = report.ParseTime(from, loc, false); err != nil {
			return fmt.Errorf("--from: %w", err)
		}
	}
	if to != "" {
		if p.To, err = report.ParseTime(to, loc, true); err != nil {
			return fmt.Errorf("--to: %w", err)
		}
	}
	if asOf != "" {
		if p.AsOf, err = time.Parse(time.RFC3339, asOf); err != nil {
			return fmt.Errorf("--as-of: %w", err)
		}
	}
	if p.Kind != report.Incident && from == "" && to == "" {
		p.From, p.To = report.LastPeriod(p.Kind, time.Now(), loc)
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return fmt.Errorf("--out: %w", err)
	}
	log, err := app.OpenLog(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer log.Close()
	store, err := app.OpenStore(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer store.Close()

	svc := report.NewService(log, store, filepath.Join(cfg.Data, "reports"), bcfg, time.Now, logger)
	g, genErr := svc.Generate(ctx, p, cliActor(actor))
	if g.ID == "" {
		return genErr
	}
	for _, f := range g.Files {
		src := filepath.Join(cfg.Data, "reports", g.ID, "report."+f.Format)
		dst := filepath.Join(out, f.Name)
		b, err := os.ReadFile(src)
		if err != nil {
			return err
		}
		if err := os.WriteFile(dst, b, 0o600); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s\t%s\n", f.Format, dst)
	}
	fmt.Fprintf(stdout, "report %s sha256 %s\n", g.ID, g.SHA256)
	for _, w := range g.Warnings {
		logger.Warn(w)
	}
	if errors.Is(genErr, browser.ErrMissing) {
		return fmt.Errorf("%w（已生成的其他格式见上 / the other formats were written)", genErr)
	}
	return genErr
}
