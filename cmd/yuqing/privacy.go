package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"yuqing/respond/privacy"
)

// runPrivacy is `yuqing privacy scan|score`: the privacy guard from the
// command line. scan prints one JSON finding a line ({"kind","text",
// "start","end"}, rune offsets into the whole input) or, with --mask, the
// masked text; score runs the guard over a case table and prints recall,
// false alarms, and every missed and spurious item.
func runPrivacy(ctx context.Context, args []string, stdin io.Reader, stdout io.Writer) error {
	const use = "usage: yuqing privacy scan --in FILE|- [--mask] | score --cases cases.jsonl [--strict]"
	if len(args) == 0 {
		return errors.New(use)
	}
	verb := args[0]
	fs := flag.NewFlagSet("yuqing privacy "+verb, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var in, cases string
	var mask, strict bool
	switch verb {
	case "scan":
		fs.StringVar(&in, "in", "", "text file to scan (- for standard input)")
		fs.BoolVar(&mask, "mask", false, "print the text with every finding masked instead of the findings")
	case "score":
		fs.StringVar(&cases, "cases", "", `case table: JSON lines {"text":…,"want":[{"kind":…,"text":…}]}`)
		fs.BoolVar(&strict, "strict", false, "fail when a kind's recall is below 0.95 or any false alarm appears")
	default:
		return errors.New(use)
	}
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(stdout, use)
			fs.SetOutput(stdout)
			fs.PrintDefaults()
			return err
		}
		return fmt.Errorf("%w\n%s", err, use)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q\n%s", fs.Args(), use)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if verb == "scan" {
		if in == "" {
			return fmt.Errorf("--in is required\n%s", use)
		}
		b, err := readInput(in, stdin)
		if err != nil {
			return err
		}
		return privacyScan(string(b), mask, stdout)
	}
	if cases == "" {
		return fmt.Errorf("--cases is required\n%s", use)
	}
	b, err := readInput(cases, stdin)
	if err != nil {
		return err
	}
	table, err := privacy.ReadCases(strings.NewReader(string(b)))
	if err != nil {
		return fmt.Errorf("%s: %w", cases, err)
	}
	s := privacy.Evaluate(table)
	if err := s.Write(stdout); err != nil {
		return err
	}
	if strict {
		var low []string
		for _, k := range privacy.Kinds() {
			if r := s.Kinds[k].Recall(); r < 0.95 {
				low = append(low, fmt.Sprintf("%s %.3f", k, r))
			}
		}
		if len(low) > 0 || s.FalseAlarms() > 0 {
			return fmt.Errorf("recall below 0.95: %v; false alarms: %d", low, s.FalseAlarms())
		}
	}
	return nil
}

func readInput(path string, stdin io.Reader) ([]byte, error) {
	if path == "-" {
		b, err := io.ReadAll(stdin)
		if err != nil {
			return nil, fmt.Errorf("reading standard input: %w", err)
		}
		return b, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	return b, nil
}

func privacyScan(text string, mask bool, stdout io.Writer) error {
	fs := privacy.Scan(text)
	if mask {
		_, err := io.WriteString(stdout, privacy.Mask(text, fs))
		return err
	}
	enc := json.NewEncoder(stdout)
	enc.SetEscapeHTML(false)
	for _, f := range fs {
		if err := enc.Encode(f); err != nil {
			return err
		}
	}
	return nil
}
