// Package email sends notifications over SMTP with net/smtp: STARTTLS
// whenever the server offers it (required by default), PLAIN auth when a
// username is configured, a UTF-8 subject as an RFC 2047 encoded-word and a
// UTF-8 plain-text body in base64.
package email

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"yuqing/respond/notify"
)

// Config of one mail route.
type Config struct {
	Host     string        `yaml:"host" json:"host"`
	Port     int           `yaml:"port" json:"port"` // 0 = 25; submission is usually 587
	Username string        `yaml:"username" json:"username"`
	Password notify.Secret `yaml:"password" json:"password"`
	From     string        `yaml:"from" json:"from"`
	To       []string      `yaml:"to" json:"to"`
	Hello    string        `yaml:"hello" json:"hello"` // EHLO name; "" = localhost
	// AllowPlaintext permits sending when the server does not offer
	// STARTTLS. Credentials are still never sent in the clear (net/smtp's
	// PLAIN refuses unencrypted connections except to localhost).
	AllowPlaintext bool `yaml:"allow_plaintext" json:"allow_plaintext"`
	// TLS overrides the STARTTLS configuration (private CA, tests). Not
	// loaded from files.
	TLS *tls.Config `yaml:"-" json:"-"`
}

// Validate checks the configuration.
func (c Config) Validate() error {
	var errs []error
	if c.Host == "" || strings.ContainsAny(c.Host, " \r\n/") {
		errs = append(errs, errors.New("email host: empty or malformed"))
	}
	if c.Port < 0 || c.Port > 65535 {
		errs = append(errs, fmt.Errorf("email port: %d out of range", c.Port))
	}
	if err := checkAddr(c.From); err != nil {
		errs = append(errs, fmt.Errorf("email from: %w", err))
	}
	if len(c.To) == 0 {
		errs = append(errs, errors.New("email to: none"))
	}
	for i, a := range c.To {
		if err := checkAddr(a); err != nil {
			errs = append(errs, fmt.Errorf("email to[%d]: %w", i, err))
		}
	}
	if c.Password != "" && c.Username == "" {
		errs = append(errs, errors.New("email: password without username"))
	}
	return errors.Join(errs...)
}

// checkAddr accepts a bare address (no display name, no CR/LF).
func checkAddr(a string) error {
	p, err := mail.ParseAddress(a)
	if err != nil || p.Address != a {
		return errors.New("not a bare address like name@example.gov.cn")
	}
	return nil
}

// String shows the configuration without the password.
func (c Config) String() string {
	return fmt.Sprintf("email{host=%s port=%d username=%s password=%s from=%s to=%d}",
		c.Host, c.port(), c.Username, c.Password, c.From, len(c.To))
}

func (c Config) port() int {
	if c.Port == 0 {
		return 25
	}
	return c.Port
}

// Notifier sends through one server.
type Notifier struct {
	cfg    Config
	dialer net.Dialer
	// Now stamps the Date header; nil means time.Now.
	Now func() time.Time
}

// New checks cfg.
func New(cfg Config) (*Notifier, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Notifier{cfg: cfg, dialer: net.Dialer{Timeout: 15 * time.Second}}, nil
}

// Compose returns the RFC 5322 message for msg, CRLF line endings, without
// the SMTP dot-stuffing (the DATA writer does that).
func (c Config) Compose(msg notify.Message, now time.Time) []byte {
	return c.compose(msg, now, nil)
}

// file is an attachment read for sending.
type file struct {
	notify.Attachment
	data []byte
}

// maxAttachments bounds what one message attaches; past it the message
// goes without the rest, and its text says so.
const maxAttachments = 20 << 20

// readAttachments reads msg's attachments; one missing or over the bound is
// left out and named in notes.
func readAttachments(msg notify.Message) (files []file, notes []string) {
	total := 0
	for _, a := range msg.Attachments {
		b, err := os.ReadFile(a.Path)
		switch {
		case err != nil:
			notes = append(notes, "附件"+a.Name+"未能读取，请在控制台下载")
		case total+len(b) > maxAttachments:
			notes = append(notes, "附件"+a.Name+"过大，请在控制台下载")
		default:
			total += len(b)
			files = append(files, file{a, b})
		}
	}
	return files, notes
}

func (c Config) compose(msg notify.Message, now time.Time, files []file) []byte {
	var b strings.Builder
	h := func(k, v string) { b.WriteString(k + ": " + v + "\r\n") }
	h("From", c.From)
	h("To", strings.Join(c.To, ", "))
	h("Subject", mime.BEncoding.Encode("UTF-8", strings.Join(strings.Fields(notify.Subject(msg)), " ")))
	h("Date", now.In(notify.ChinaTime).Format(time.RFC1123Z))
	sum := sha256.Sum256([]byte(msg.ID))
	h("Message-ID", "<"+hex.EncodeToString(sum[:12])+"@yuqing.notify>") // same ID, same Message-ID: clients dedupe resends
	h("MIME-Version", "1.0")
	h("Auto-Submitted", "auto-generated")
	if msg.Grade == 1 || msg.Grade == 2 {
		h("Importance", "high")
		h("X-Priority", "1")
	}
	body := strings.ReplaceAll(notify.PlainText(msg), "\n", "\r\n")
	if len(files) == 0 {
		h("Content-Type", "text/plain; charset=UTF-8")
		h("Content-Transfer-Encoding", "base64")
		b.WriteString("\r\n")
		writeBase64(&b, []byte(body))
		return []byte(b.String())
	}
	sum2 := sha256.Sum256([]byte("boundary" + msg.ID))
	boundary := "yuqing-" + hex.EncodeToString(sum2[:12])
	h("Content-Type", `multipart/mixed; boundary="`+boundary+`"`)
	b.WriteString("\r\n--" + boundary + "\r\n")
	b.WriteString("Content-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n\r\n")
	writeBase64(&b, []byte(body))
	for _, f := range files {
		typ := f.Type
		if typ == "" {
			typ = "application/octet-stream"
		}
		name := mime.BEncoding.Encode("UTF-8", f.Name)
		b.WriteString("--" + boundary + "\r\n")
		b.WriteString("Content-Type: " + mime.FormatMediaType(typ, nil) + `; name="` + name + `"` + "\r\n")
		b.WriteString("Content-Transfer-Encoding: base64\r\n")
		b.WriteString(`Content-Disposition: attachment; filename="` + name + `"; ` + "filename*=UTF-8''" + url.PathEscape(f.Name) + "\r\n\r\n")
		writeBase64(&b, f.data)
	}
	b.WriteString("--" + boundary + "--\r\n")
	return []byte(b.String())
}

// writeBase64 writes data base64-encoded in lines of 76.
func writeBase64(b *strings.Builder, data []byte) {
	enc := base64.StdEncoding.EncodeToString(data)
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc + "\r\n")
}

// Notify sends msg. SMTP 4xx replies and network errors are retried; 5xx
// replies (bad recipient, auth failed), certificate errors and a missing
// STARTTLS are permanent.
func (n *Notifier) Notify(ctx context.Context, msg notify.Message) (bool, error) {
	now := time.Now
	if n.Now != nil {
		now = n.Now
	}
	files, notes := readAttachments(msg)
	if len(notes) > 0 {
		msg.Text += "\n" + strings.Join(notes, "；")
	}
	retry, err := n.send(ctx, n.cfg.compose(msg, now(), files))
	if err != nil {
		return retry, fmt.Errorf("email: %w", err)
	}
	return false, nil
}

func (n *Notifier) send(ctx context.Context, data []byte) (bool, error) {
	c := n.cfg
	addr := net.JoinHostPort(c.Host, strconv.Itoa(c.port()))
	conn, err := n.dialer.DialContext(ctx, "tcp", addr)
	if err != nil {
		return true, err
	}
	defer conn.Close()
	// net/smtp has no context support: bound the whole session instead, and
	// close the connection if ctx ends first.
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	} else {
		_ = conn.SetDeadline(time.Now().Add(time.Minute))
	}
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()

	cl, err := smtp.NewClient(conn, c.Host)
	if err != nil {
		return classify(err)
	}
	defer cl.Close()
	hello := c.Hello
	if hello == "" {
		hello = "localhost"
	}
	if err := cl.Hello(hello); err != nil {
		return classify(err)
	}
	if ok, _ := cl.Extension("STARTTLS"); ok {
		tc := &tls.Config{ServerName: c.Host, MinVersion: tls.VersionTLS12}
		if c.TLS != nil {
			tc = c.TLS.Clone()
			if tc.ServerName == "" {
				tc.ServerName = c.Host
			}
		}
		if err := cl.StartTLS(tc); err != nil {
			return classify(err)
		}
	} else if !c.AllowPlaintext {
		return false, errors.New("server does not offer STARTTLS (set allow_plaintext to send anyway)")
	}
	if c.Username != "" {
		if err := cl.Auth(smtp.PlainAuth("", c.Username, c.Password.Reveal(), c.Host)); err != nil {
			return classify(err)
		}
	}
	if err := cl.Mail(c.From); err != nil {
		return classify(err)
	}
	for _, to := range c.To {
		if err := cl.Rcpt(to); err != nil {
			return classify(err)
		}
	}
	w, err := cl.Data()
	if err != nil {
		return classify(err)
	}
	if _, err := w.Write(data); err != nil {
		return classify(err)
	}
	if err := w.Close(); err != nil {
		return classify(err)
	}
	_ = cl.Quit() // the message is accepted; a failed QUIT changes nothing
	return false, nil
}

// classify sorts an SMTP-session error: a reply code 4xx is transient, 5xx
// permanent; TLS certificate problems and net/smtp's own refusals
// (unencrypted auth, …) permanent; network errors transient.
func classify(err error) (bool, error) {
	var pe *textproto.Error
	if errors.As(err, &pe) {
		return pe.Code >= 400 && pe.Code < 500, err
	}
	var ce *tls.CertificateVerificationError
	if errors.As(err, &ce) {
		return false, err
	}
	var ne net.Error
	if errors.As(err, &ne) || errors.Is(err, net.ErrClosed) || isEOF(err) {
		return true, err
	}
	return false, err
}

func isEOF(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
}
