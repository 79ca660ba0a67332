package secret_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"yuqing/internal/secret"
)

const value = "hunter2-very-secret"

type config struct {
	User     string        `json:"user" yaml:"user"`
	Password secret.Secret `json:"password" yaml:"password"`
}

// No printing, logging or encoding shows the value; each shows <secret>.
func TestSecretNeverPrints(t *testing.T) {
	s := secret.Secret(value)
	c := config{User: "u", Password: s}
	outs := map[string]string{
		"Sprint":    fmt.Sprint(s),
		"verbs":     fmt.Sprintf("%v %s %q %+v %#v %x %d", s, s, s, s, s, s, s),
		"struct":    fmt.Sprintf("%v %+v %s", c, c, c),
		"struct #v": fmt.Sprintf("%#v", c),
		"pointer":   fmt.Sprintf("%v %+v", &c, &c),
		"String":    s.String(),
	}
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	outs["json"] = string(b)
	if b, err = yaml.Marshal(c); err != nil {
		t.Fatal(err)
	}
	outs["yaml"] = string(b)
	for name, h := range map[string]func(*bytes.Buffer) slog.Handler{
		"slog text": func(w *bytes.Buffer) slog.Handler { return slog.NewTextHandler(w, nil) },
		"slog json": func(w *bytes.Buffer) slog.Handler { return slog.NewJSONHandler(w, nil) },
	} {
		var buf bytes.Buffer
		slog.New(h(&buf)).Info("x", "secret", s, "cfg", c, "ptr", &c, slog.Group("g", "password", s))
		outs[name] = buf.String()
	}
	for name, o := range outs {
		if strings.Contains(o, "hunter2") {
			t.Errorf("%s leaked the secret: %s", name, o)
		}
		if !strings.Contains(o, secret.Redacted) && !strings.Contains(o, `\u003csecret\u003e`) {
			t.Errorf("%s shows no <secret>: %s", name, o)
		}
	}
	if s.Reveal() != value {
		t.Errorf("Reveal = %q", s.Reveal())
	}
}

// An empty secret prints empty, so that a missing one shows.
func TestEmptySecretPrintsEmpty(t *testing.T) {
	var s secret.Secret
	if got := fmt.Sprintf("%v|%s|%q", s, s, s); got != "||" {
		t.Errorf("empty secret printed as %q", got)
	}
	b, _ := json.Marshal(s)
	if string(b) != `""` {
		t.Errorf("json %s", b)
	}
}

// YAML, JSON, flags and (through flags) the environment set the value.
func TestSecretIsSet(t *testing.T) {
	var c config
	if err := yaml.Unmarshal([]byte("user: u\npassword: "+value+"\n"), &c); err != nil || c.Password.Reveal() != value {
		t.Fatalf("yaml: %q %v", c.Password.Reveal(), err)
	}
	if err := yaml.Unmarshal([]byte("password: 12345\n"), &c); err != nil || c.Password.Reveal() != "12345" {
		t.Fatalf("yaml number: %q %v", c.Password.Reveal(), err)
	}
	c = config{}
	if err := json.Unmarshal([]byte(`{"password":"`+value+`"}`), &c); err != nil || c.Password.Reveal() != value {
		t.Fatalf("json: %q %v", c.Password.Reveal(), err)
	}

	var s secret.Secret
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	fs.Var(&s, "password", "the password")
	if err := fs.Parse([]string{"--password", value}); err != nil || s.Reveal() != value {
		t.Fatalf("flag: %q %v", s.Reveal(), err)
	}
	// The environment reaches a flag through FlagSet.Set, as app.Load does.
	if err := fs.Set("password", "from-env"); err != nil || s.Reveal() != "from-env" {
		t.Fatalf("env: %q %v", s.Reveal(), err)
	}
	// Help shows a default secret as <secret>.
	d := secret.Secret(value)
	fs = flag.NewFlagSet("t", flag.ContinueOnError)
	fs.Var(&d, "password", "the password")
	var help bytes.Buffer
	fs.SetOutput(&help)
	fs.PrintDefaults()
	if strings.Contains(help.String(), "hunter2") || !strings.Contains(help.String(), "(default <secret>)") {
		t.Errorf("help: %s", help.String())
	}
}
