package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"yuqing/analyze/scheme"
	"yuqing/analyze/sentiment"
	"yuqing/cmd/yuqing/app"
	"yuqing/internal/event"
	"yuqing/internal/eventlog"
)

// runScheme is `yuqing scheme apply --file F | delete --id ID | list`:
// schemes are configuration kept as versioned events in the log.
func runScheme(ctx context.Context, args []string, stdout io.Writer, getenv func(string) string, logger *slog.Logger) error {
	if len(args) == 0 {
		return errors.New("usage: yuqing scheme apply --file schemes.yaml | delete --id ID | list   [--actor NAME] [log flags]")
	}
	verb := args[0]
	var file, id, actor string
	cfg, _, err := app.Load("scheme "+verb, args[1:], getenv, app.Sections{Log: true}, func(fs *flag.FlagSet) {
		fs.StringVar(&file, "file", "", "apply: YAML or JSON list of schemes")
		fs.StringVar(&id, "id", "", "delete: the scheme's id")
		fs.StringVar(&actor, "actor", osUser(), "who makes the change (recorded in each event)")
	})
	if err != nil {
		return err
	}
	log, err := app.OpenLog(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer log.Close()
	reg := scheme.NewRegistry()
	if err := app.ReplayInto(ctx, log, scheme.Topic, reg.Apply); err != nil {
		return err
	}
	now := time.Now()
	actor = cliActor(actor)
	var evs []event.Envelope
	switch verb {
	case "list":
		for _, s := range reg.List() {
			fmt.Fprintf(stdout, "%-20s v%-3d %s\t%s\n", s.ID, s.Version, s.Name, s.Rule)
		}
		return nil
	case "apply":
		b, err := os.ReadFile(file)
		if err != nil {
			return fmt.Errorf("reading schemes: %w", err)
		}
		var list []scheme.Scheme
		if err := yaml.Unmarshal(b, &list); err != nil { // YAML is a superset of JSON
			return fmt.Errorf("%s: %w", file, err)
		}
		for _, s := range list {
			e, err := reg.Define(s, actor, now)
			if err != nil {
				return err
			}
			if err := reg.Apply(e); err != nil {
				return err
			}
			evs = append(evs, e)
		}
	case "delete":
		e, err := reg.Delete(id, actor, now)
		if err != nil {
			return err
		}
		evs = append(evs, e)
	default:
		return fmt.Errorf("unknown scheme command %q", verb)
	}
	if err := log.Append(ctx, scheme.Topic, evs...); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%d scheme change(s) recorded; %d scheme(s) now\n", len(evs), len(reg.List()))
	return nil
}

// runFeedback is `yuqing feedback sentiment --mention ID --label neg`: a
// duty officer's correction, recorded as an event.
func runFeedback(ctx context.Context, args []string, stdout io.Writer, getenv func(string) string, logger *slog.Logger) error {
	if len(args) == 0 || args[0] != "sentiment" {
		return errors.New("usage: yuqing feedback sentiment --mention ID --label pos|neg|neu [--actor NAME]")
	}
	var id, label, actor string
	cfg, _, err := app.Load("feedback sentiment", args[1:], getenv, app.Sections{Log: true, Store: true}, func(fs *flag.FlagSet) {
		fs.StringVar(&id, "mention", "", "the mention's id, e.g. weibo:4900001")
		fs.StringVar(&label, "label", "", "the right label: pos, neg or neu")
		fs.StringVar(&actor, "actor", osUser(), "who corrects it")
	})
	if err != nil {
		return err
	}
	lb, err := sentiment.ParseLabel(label)
	if err != nil {
		return err
	}
	store, err := app.OpenStore(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer store.Close()
	m, err := store.Get(ctx, id)
	if err != nil {
		return err
	}
	log, err := app.OpenLog(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer log.Close()
	now := time.Now()
	c := sentiment.Correction{MentionID: id, Text: strings.TrimSpace(m.Title + "\n" + m.Text), Label: lb, Actor: "user:" + actor, Time: now}
	e, err := event.New(sentiment.TypeCorrected, id, c.Actor, now, now, c)
	if err != nil {
		return err
	}
	if err := log.Append(ctx, sentiment.Topic, e); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "recorded: %s is %s (was %s)\n", id, lb, m.Sentiment)
	return nil
}

// corrections reads every sentiment correction from the log.
func corrections(ctx context.Context, log eventlog.Log) ([]sentiment.Correction, error) {
	var out []sentiment.Correction
	err := app.ReplayInto(ctx, log, sentiment.Topic, func(e event.Envelope) error {
		if e.Type != sentiment.TypeCorrected {
			return nil
		}
		var c sentiment.Correction
		if err := json.Unmarshal(e.Payload, &c); err != nil {
			return err
		}
		out = append(out, c)
		return nil
	})
	return out, err
}
