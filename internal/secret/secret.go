// Package secret is the one type for a configured secret: a password, a
// token, an HMAC key, a webhook URL that carries a key. A Secret never
// prints: fmt (every verb), log/slog (text and JSON handlers),
// encoding/json, YAML and text encoders all show <secret>, or nothing when
// it is empty so that a missing secret shows. Reveal returns the value for
// the one place that uses it (an HTTP header, an HMAC, a DSN).
//
// It is set as a plain string by YAML (yaml.v2 and v3), JSON, text
// decoders, and as a flag: *Secret is a flag.Value, so
// fs.Var(&cfg.Password, "password", "…") and YUQING_* variables set it.
// The package imports the standard library only.
package secret

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
)

// Secret is a string that never prints.
type Secret string

// Redacted is what a non-empty secret prints as.
const Redacted = "<secret>"

// Reveal returns the secret value.
func (s Secret) Reveal() string { return string(s) }

// String returns <secret>, or "" when the secret is empty.
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return Redacted
}

// GoString hides the value from %#v.
func (s Secret) GoString() string { return fmt.Sprintf("secret.Secret(%q)", s.String()) }

// Format hides the value from every fmt verb.
func (s Secret) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		_, _ = io.WriteString(f, s.GoString())
		return
	}
	_, _ = io.WriteString(f, s.String())
}

// LogValue hides the value from log/slog.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }

// MarshalJSON hides the value from encoding/json.
func (s Secret) MarshalJSON() ([]byte, error) { return json.Marshal(s.String()) }

// MarshalText hides the value from text encoders (YAML, TOML, slog's
// text handler).
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// MarshalYAML hides the value from YAML encoders.
func (s Secret) MarshalYAML() (any, error) { return s.String(), nil }

// UnmarshalText reads a plain string (encoding/json, YAML scalars).
func (s *Secret) UnmarshalText(b []byte) error { *s = Secret(b); return nil }

// UnmarshalYAML reads a YAML scalar as a plain string. It has the
// signature yaml.v2 and yaml.v3 both call, so this package needs neither.
func (s *Secret) UnmarshalYAML(unmarshal func(any) error) error {
	var v string
	if err := unmarshal(&v); err != nil {
		return err
	}
	*s = Secret(v)
	return nil
}

// Set makes *Secret a flag.Value: it takes the flag's or the environment
// variable's value as it is.
func (s *Secret) Set(v string) error { *s = Secret(v); return nil }
