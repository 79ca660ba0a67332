package email

import (
	"bufio"
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"io"
	"math/big"
	"mime"
	"mime/multipart"
	"net"
	"net/mail"
	"net/textproto"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"yuqing/respond/notify"
)

var msg = notify.Message{
	ID: "breach:i1:statement", Kind: notify.KindBreach, Grade: 1, IncidentID: "i1",
	Title: "权威信息发布超时", Text: "5 小时内须发布权威信息，现已超时，请立即处置。", URL: "https://console.example/i/i1",
	Unit: "市委网信办", Role: notify.RoleDutyOfficer, At: time.Date(2026, 5, 1, 6, 0, 0, 0, time.UTC),
}

// fakeSMTP is a tiny SMTP server on 127.0.0.1 that records what it is sent.
type fakeSMTP struct {
	ln        net.Listener
	tls       *tls.Config // offer STARTTLS when set
	user      string      // advertise AUTH PLAIN and require these when set
	pass      string
	rcptReply string // "" = 250

	mu     sync.Mutex
	data   []string
	sawTLS bool
	authed bool
	done   sync.WaitGroup
}

func startSMTP(t *testing.T, f *fakeSMTP) *fakeSMTP {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f.ln = ln
	f.done.Add(1)
	go func() {
		defer f.done.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			f.serve(c)
		}
	}()
	t.Cleanup(func() { ln.Close(); f.done.Wait() })
	return f
}

func (f *fakeSMTP) port() int { return f.ln.Addr().(*net.TCPAddr).Port }

func (f *fakeSMTP) serve(conn net.Conn) {
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	tp := textproto.NewConn(conn)
	inTLS := false
	say := func(s string) { _ = tp.PrintfLine("%s", s) }
	say("220 fake.example ESMTP")
	for {
		line, err := tp.ReadLine()
		if err != nil {
			return
		}
		verb, arg, _ := strings.Cut(line, " ")
		switch strings.ToUpper(verb) {
		case "EHLO", "HELO":
			lines := []string{"fake.example"}
			if f.tls != nil && !inTLS {
				lines = append(lines, "STARTTLS")
			}
			if f.user != "" {
				lines = append(lines, "AUTH PLAIN")
			}
			lines = append(lines, "8BITMIME")
			for i, l := range lines {
				sep := "-"
				if i == len(lines)-1 {
					sep = " "
				}
				say("250" + sep + l)
			}
		case "STARTTLS":
			say("220 2.0.0 ready")
			tc := tls.Server(conn, f.tls)
			if err := tc.Handshake(); err != nil {
				return
			}
			conn, tp, inTLS = tc, textproto.NewConn(tc), true
			f.mu.Lock()
			f.sawTLS = true
			f.mu.Unlock()
		case "AUTH":
			mech, ir, _ := strings.Cut(arg, " ")
			raw, _ := base64.StdEncoding.DecodeString(ir)
			if mech == "PLAIN" && string(raw) == "\x00"+f.user+"\x00"+f.pass {
				f.mu.Lock()
				f.authed = true
				f.mu.Unlock()
				say("235 2.7.0 authenticated")
			} else {
				say("535 5.7.8 authentication failed")
			}
		case "MAIL":
			if f.user != "" && !f.authed {
				say("530 5.7.0 authentication required")
				continue
			}
			say("250 2.1.0 ok")
		case "RCPT":
			if f.rcptReply != "" {
				say(f.rcptReply)
			} else {
				say("250 2.1.5 ok")
			}
		case "DATA":
			say("354 go ahead")
			b, err := tp.ReadDotBytes()
			if err != nil {
				return
			}
			f.mu.Lock()
			f.data = append(f.data, string(b))
			f.mu.Unlock()
			say("250 2.0.0 queued")
		case "RSET", "NOOP":
			say("250 ok")
		case "QUIT":
			say("221 bye")
			return
		default:
			say("502 5.5.2 unknown command")
		}
	}
}

func (f *fakeSMTP) received() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.data...)
}

func selfSigned(t *testing.T) (*tls.Config, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "fake smtp"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}, pool
}

func config(f *fakeSMTP) Config {
	return Config{
		Host: "127.0.0.1", Port: f.port(), Username: "duty", Password: "p@ss-w0rd",
		From: "yuqing@example.gov.cn", To: []string{"duty@example.gov.cn", "chief@example.gov.cn"},
	}
}

// check parses a recorded DATA and checks headers and the decoded body.
func check(t *testing.T, data string) {
	t.Helper()
	m, err := mail.ReadMessage(strings.NewReader(data))
	if err != nil {
		t.Fatalf("parse: %v\n%s", err, data)
	}
	subj, err := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	if err != nil || subj != "【I级·超时告警】权威信息发布超时" {
		t.Errorf("subject %q (raw %q): %v", subj, m.Header.Get("Subject"), err)
	}
	if raw := m.Header.Get("Subject"); !strings.HasPrefix(raw, "=?UTF-8?b?") {
		t.Errorf("subject not RFC 2047 encoded: %q", raw)
	}
	if m.Header.Get("From") != "yuqing@example.gov.cn" || m.Header.Get("To") != "duty@example.gov.cn, chief@example.gov.cn" ||
		m.Header.Get("Content-Type") != "text/plain; charset=UTF-8" || m.Header.Get("Message-Id") == "" {
		t.Errorf("headers %v", m.Header)
	}
	if _, err := m.Header.Date(); err != nil {
		t.Errorf("date: %v", err)
	}
	b, err := io.ReadAll(base64.NewDecoder(base64.StdEncoding, bufio.NewReader(&newlineStripper{r: m.Body})))
	if err != nil {
		t.Fatalf("body: %v", err)
	}
	for _, want := range []string{"现已超时，请立即处置。", "单位：市委网信办", "处置台：https://console.example/i/i1"} {
		if !bytes.Contains(b, []byte(want)) {
			t.Errorf("body lacks %q:\n%s", want, b)
		}
	}
}

type newlineStripper struct{ r io.Reader }

func (n *newlineStripper) Read(p []byte) (int, error) {
	k, err := n.r.Read(p)
	j := 0
	for _, c := range p[:k] {
		if c != '\r' && c != '\n' {
			p[j] = c
			j++
		}
	}
	return j, err
}

func TestSendPlaintextToLocalhost(t *testing.T) {
	f := startSMTP(t, &fakeSMTP{user: "duty", pass: "p@ss-w0rd"})
	c := config(f)
	c.AllowPlaintext = true
	n, err := New(c)
	if err != nil {
		t.Fatal(err)
	}
	if retry, err := n.Notify(t.Context(), msg); err != nil {
		t.Fatalf("retry=%v err=%v", retry, err)
	}
	got := f.received()
	if len(got) != 1 {
		t.Fatalf("%d messages", len(got))
	}
	check(t, got[0])
}

func TestSendSTARTTLS(t *testing.T) {
	srvTLS, pool := selfSigned(t)
	f := startSMTP(t, &fakeSMTP{user: "duty", pass: "p@ss-w0rd", tls: srvTLS})
	c := config(f)
	c.TLS = &tls.Config{RootCAs: pool}
	n, err := New(c)
	if err != nil {
		t.Fatal(err)
	}
	if retry, err := n.Notify(t.Context(), msg); err != nil {
		t.Fatalf("retry=%v err=%v", retry, err)
	}
	f.mu.Lock()
	saw := f.sawTLS
	f.mu.Unlock()
	if !saw {
		t.Error("STARTTLS not used")
	}
	if got := f.received(); len(got) != 1 {
		t.Fatalf("%d messages", len(got))
	} else {
		check(t, got[0])
	}
}

func TestFailures(t *testing.T) {
	srvTLS, _ := selfSigned(t)
	cases := []struct {
		name  string
		f     *fakeSMTP
		edit  func(*Config)
		retry bool
	}{
		{"no STARTTLS offered", &fakeSMTP{}, func(c *Config) { c.Username, c.Password = "", "" }, false},
		{"untrusted certificate", &fakeSMTP{tls: srvTLS}, nil, false},
		{"4xx on RCPT", &fakeSMTP{user: "duty", pass: "p@ss-w0rd", rcptReply: "451 4.3.0 mailbox busy, try later"}, func(c *Config) { c.AllowPlaintext = true }, true},
		{"5xx on RCPT", &fakeSMTP{user: "duty", pass: "p@ss-w0rd", rcptReply: "550 5.1.1 no such user"}, func(c *Config) { c.AllowPlaintext = true }, false},
		{"wrong password", &fakeSMTP{user: "duty", pass: "other"}, func(c *Config) { c.AllowPlaintext = true }, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := startSMTP(t, tc.f)
			c := config(f)
			if tc.edit != nil {
				tc.edit(&c)
			}
			n, err := New(c)
			if err != nil {
				t.Fatal(err)
			}
			retry, err := n.Notify(t.Context(), msg)
			if err == nil || retry != tc.retry {
				t.Fatalf("retry=%v err=%v", retry, err)
			}
			if strings.Contains(err.Error(), "p@ss-w0rd") {
				t.Errorf("password in error: %v", err)
			}
			if len(f.received()) != 0 {
				t.Error("a message was accepted")
			}
		})
	}
}

func TestConnectionRefusedIsTransient(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	n, err := New(Config{Host: "127.0.0.1", Port: port, From: "a@example.gov.cn", To: []string{"b@example.gov.cn"}})
	if err != nil {
		t.Fatal(err)
	}
	if retry, err := n.Notify(t.Context(), msg); err == nil || !retry {
		t.Fatalf("retry=%v err=%v", retry, err)
	}
}

func TestConfig(t *testing.T) {
	c := Config{Host: "smtp.example.gov.cn", Port: 587, Username: "u", Password: "hunter2-secret", From: "a@example.gov.cn", To: []string{"b@example.gov.cn"}}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if s := c.String(); strings.Contains(s, "hunter2") || !strings.Contains(s, "<secret>") || !strings.Contains(s, strconv.Itoa(587)) {
		t.Errorf("String: %s", s)
	}
	for _, bad := range []Config{
		{Host: "h", From: "Name <a@example.gov.cn>", To: []string{"b@example.gov.cn"}},
		{Host: "h", From: "a@example.gov.cn", To: []string{"b@example.gov.cn\r\nBcc: evil@example.com"}},
		{Host: "h", From: "a@example.gov.cn"},
		{From: "a@example.gov.cn", To: []string{"b@example.gov.cn"}},
		{Host: "h", From: "a@example.gov.cn", To: []string{"b@example.gov.cn"}, Password: "x"},
	} {
		if err := bad.Validate(); err == nil {
			t.Errorf("accepted %s", bad)
		}
	}
}

func TestSubjectCannotInjectHeaders(t *testing.T) {
	m := msg
	m.Title = "标题\r\nBcc: evil@example.com"
	data := string(Config{From: "a@example.gov.cn", To: []string{"b@example.gov.cn"}}.Compose(m, time.Now()))
	head, _, _ := strings.Cut(data, "\r\n\r\n")
	if strings.Contains(head, "\r\nBcc:") {
		t.Errorf("header injected:\n%s", head)
	}
}

// A report goes as an attachment the mail client opens under its Chinese
// name; a missing file is named in the text instead of failing the mail.
func TestAttachments(t *testing.T) {
	dir := t.TempDir()
	pdf := []byte("%PDF-1.7 一份报表")
	path := dir + "/report.pdf"
	if err := os.WriteFile(path, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	f := startSMTP(t, &fakeSMTP{user: "duty", pass: "p@ss-w0rd"})
	c := config(f)
	c.AllowPlaintext = true
	n, err := New(c)
	if err != nil {
		t.Fatal(err)
	}
	m := msg
	m.Attachments = []notify.Attachment{{Name: "舆情周报（2026年第47周）.pdf", Path: path, Type: "application/pdf"}, {Name: "缺失.docx", Path: dir + "/none.docx"}}
	if _, err := n.Notify(t.Context(), m); err != nil {
		t.Fatal(err)
	}
	got := f.received()
	if len(got) != 1 {
		t.Fatalf("%d messages", len(got))
	}
	mm, err := mail.ReadMessage(strings.NewReader(got[0]))
	if err != nil {
		t.Fatal(err)
	}
	mt, params, err := mime.ParseMediaType(mm.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/mixed" {
		t.Fatalf("content type %q: %v", mm.Header.Get("Content-Type"), err)
	}
	r := multipart.NewReader(mm.Body, params["boundary"])
	text, err := r.NextPart()
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(base64.NewDecoder(base64.StdEncoding, text))
	if !strings.Contains(string(body), "缺失.docx") {
		t.Fatalf("the text does not say the missing attachment: %s", body)
	}
	att, err := r.NextPart()
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(base64.NewDecoder(base64.StdEncoding, att))
	dec := new(mime.WordDecoder)
	_, dp, _ := mime.ParseMediaType(att.Header.Get("Content-Disposition"))
	name, _ := dec.DecodeHeader(dp["filename"])
	if !bytes.Equal(data, pdf) || name != "舆情周报（2026年第47周）.pdf" || att.Header.Get("Content-Type") == "" {
		t.Fatalf("attachment %q (%d bytes): %v", name, len(data), att.Header)
	}
	if _, err := r.NextPart(); err != io.EOF {
		t.Fatalf("a third part: %v", err)
	}
}
