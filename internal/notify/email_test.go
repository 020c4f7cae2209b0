package notify

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/http"
	"net/mail"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

var emailMsg = Message{Event: EventAlertRaised, Title: "Mimikatz détecté sur DC01 <script>", Severity: "critical",
	Summary: "Credential dumping on a domain controller.", Link: "https://eventsec.example/alerts/a1",
	OrgID: "o1", OrgName: "Acme", AlertID: "a1", Action: ActionTrigger,
	Time:   time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC),
	Fields: []Field{{Key: "Host", Value: "DC01"}, {Key: "User", Value: "ACME\\admin"}}}

// parsedMail is a received message taken apart the way a mail client does.
type parsedMail struct {
	h          mail.Header
	subject    string
	text, html string
}

func parseMail(t *testing.T, data []byte) parsedMail {
	t.Helper()
	if bytes.Contains(bytes.ReplaceAll(data, []byte("\r\n"), nil), []byte("\n")) {
		t.Fatalf("bare LF in message:\n%s", data)
	}
	m, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	var p parsedMail
	p.h = m.Header
	dec := new(mime.WordDecoder)
	if p.subject, err = dec.DecodeHeader(m.Header.Get("Subject")); err != nil {
		t.Fatal(err)
	}
	mt, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil {
		t.Fatal(err)
	}
	readQP := func(r io.Reader, cte string) string {
		if cte != "quoted-printable" {
			t.Fatalf("transfer encoding %q", cte)
		}
		b, err := io.ReadAll(quotedprintable.NewReader(r))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	switch mt {
	case "text/plain":
		p.text = readQP(m.Body, m.Header.Get("Content-Transfer-Encoding"))
	case "multipart/alternative":
		mr := multipart.NewReader(m.Body, params["boundary"])
		for {
			part, err := mr.NextRawPart()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			ct, cp, _ := mime.ParseMediaType(part.Header.Get("Content-Type"))
			if cp["charset"] != "utf-8" {
				t.Fatalf("part charset %q", cp["charset"])
			}
			body := readQP(part, part.Header.Get("Content-Transfer-Encoding"))
			switch ct {
			case "text/plain":
				p.text = body
			case "text/html":
				p.html = body
			default:
				t.Fatalf("unexpected part %s", ct)
			}
		}
	default:
		t.Fatalf("content type %s", mt)
	}
	return p
}

// testSender sends with a fixed clock; tc carries the test CA.
func testSender(tc *tls.Config) *sender {
	return &sender{now: func() time.Time { return time.Date(2026, 11, 23, 10, 0, 5, 0, time.UTC) }, userAgent: "test",
		client:    &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }},
		tlsConfig: tc}
}

func TestEmailStartTLSAuthPlain(t *testing.T) {
	cert, pool := testCert(t)
	srv := startSMTP(t, smtpStartTLS, cert, "alerts@acme.example", "s3cret pass")
	host, port := hostPort(t, srv.Addr)
	cfg := &EmailConfig{Host: host, Port: port, Username: "alerts@acme.example", Password: "s3cret pass",
		From: "EventSec <alerts@acme.example>", To: []string{"soc@acme.example", "Ana Pérez <ana@acme.example>"},
		Security: SecurityStartTLS}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	s := testSender(&tls.Config{RootCAs: pool})
	res, err := s.sendEmail(context.Background(), cfg, emailMsg)
	if err != nil {
		t.Fatal(err)
	}
	if res.Code != 250 {
		t.Fatalf("result %+v", res)
	}
	msgs := srv.messages()
	if len(msgs) != 1 {
		t.Fatalf("%d messages", len(msgs))
	}
	got := msgs[0]
	if !got.TLS || got.AuthMech != sasl.Plain || got.User != "alerts@acme.example" || got.Pass != "s3cret pass" {
		t.Fatalf("session: tls=%v mech=%q user=%q", got.TLS, got.AuthMech, got.User)
	}
	if got.From != "alerts@acme.example" || strings.Join(got.To, ",") != "soc@acme.example,ana@acme.example" {
		t.Fatalf("envelope: %q %q", got.From, got.To)
	}
	raw := string(got.Data)
	if !strings.Contains(raw, "Subject: =?utf-8?q?") {
		t.Fatalf("non-ASCII subject not RFC 2047 encoded:\n%s", raw)
	}
	p := parseMail(t, got.Data)
	if want := "[EventSec] [Critical] Mimikatz détecté sur DC01 <script>"; p.subject != want {
		t.Fatalf("subject %q, want %q", p.subject, want)
	}
	from, err := p.h.AddressList("From")
	if err != nil || len(from) != 1 || from[0].Name != "EventSec" || from[0].Address != "alerts@acme.example" {
		t.Fatalf("From: %v %v", from, err)
	}
	to, err := p.h.AddressList("To")
	if err != nil || len(to) != 2 || to[1].Name != "Ana Pérez" || to[1].Address != "ana@acme.example" {
		t.Fatalf("To: %v %v", to, err)
	}
	if d, err := p.h.Date(); err != nil || !d.Equal(s.now()) {
		t.Fatalf("Date: %v %v", d, err)
	}
	if !regexp.MustCompile(`^<[0-9a-f]{32}@acme\.example>$`).MatchString(p.h.Get("Message-Id")) {
		t.Fatalf("Message-ID %q", p.h.Get("Message-Id"))
	}
	if p.h.Get("Mime-Version") != "1.0" || p.h.Get("Auto-Submitted") != "auto-generated" {
		t.Fatalf("headers: %v", p.h)
	}
	for _, want := range []string{"Mimikatz détecté sur DC01 <script>", "Host: DC01", "User: ACME\\admin",
		"Open in EventSec: https://eventsec.example/alerts/a1"} {
		if !strings.Contains(p.text, want) {
			t.Fatalf("text part lacks %q:\n%s", want, p.text)
		}
	}
	for _, want := range []string{"Mimikatz détecté sur DC01 &lt;script&gt;", `href="https://eventsec.example/alerts/a1"`,
		"<th", "ACME\\admin"} {
		if !strings.Contains(p.html, want) {
			t.Fatalf("html part lacks %q:\n%s", want, p.html)
		}
	}
	if strings.Contains(p.html, "<script>") {
		t.Fatal("html part not escaped")
	}
}

func TestEmailImplicitTLSAuthLogin(t *testing.T) {
	cert, pool := testCert(t)
	// A server offering LOGIN only, as some Exchange relays do.
	srv := startSMTP(t, smtpImplicit, cert, "relay", "pw", sasl.Login)
	host, port := hostPort(t, srv.Addr)
	cfg := &EmailConfig{Host: host, Port: port, Username: "relay", Password: "pw", From: "soc@acme.example",
		To: []string{"oncall@acme.example"}, Security: SecurityTLS}
	if _, err := testSender(&tls.Config{RootCAs: pool}).sendEmail(context.Background(), cfg, emailMsg); err != nil {
		t.Fatal(err)
	}
	got := srv.messages()
	if len(got) != 1 || got[0].AuthMech != sasl.Login || got[0].User != "relay" || got[0].Pass != "pw" || !got[0].TLS {
		t.Fatalf("got %+v", got)
	}
}

func TestEmailNoTLSLocalRelay(t *testing.T) {
	cert, _ := testCert(t)
	srv := startSMTP(t, smtpPlain, cert, "", "")
	host, port := hostPort(t, srv.Addr)
	cfg := EmailConfig{Host: host, Port: port, From: "soc@acme.example", To: []string{"x@acme.example"}, Security: SecurityNone}
	// SendMail is what the shift handover uses; a text-only mail is one part.
	err := SendMail(context.Background(), cfg, Mail{To: []string{"lead@acme.example"}, Subject: "Shift handover — night",
		Text: "Open incidents: 2\nNotes: quiet night.\n"})
	if err != nil {
		t.Fatal(err)
	}
	got := srv.messages()
	if len(got) != 1 || got[0].TLS || got[0].To[0] != "lead@acme.example" {
		t.Fatalf("got %+v", got)
	}
	p := parseMail(t, got[0].Data)
	if p.subject != "Shift handover — night" || p.text != "Open incidents: 2\r\nNotes: quiet night.\r\n" || p.html != "" {
		t.Fatalf("parsed %+v", p)
	}
}

// A rule action's recipients (Message.To) replace the channel's.
func TestEmailRuleRecipients(t *testing.T) {
	cert, _ := testCert(t)
	srv := startSMTP(t, smtpPlain, cert, "", "")
	host, port := hostPort(t, srv.Addr)
	cfg := &EmailConfig{Host: host, Port: port, From: "soc@acme.example", To: []string{"channel@acme.example"}, Security: SecurityNone}
	msg := emailMsg
	msg.To = []string{"owner@acme.example", "lead@acme.example"}
	if _, err := testSender(nil).sendEmail(context.Background(), cfg, msg); err != nil {
		t.Fatal(err)
	}
	if got := srv.messages(); len(got) != 1 || strings.Join(got[0].To, ",") != "owner@acme.example,lead@acme.example" {
		t.Fatalf("got %+v", got)
	}
}

func TestEmailFailures(t *testing.T) {
	cert, pool := testCert(t)
	trusted := &tls.Config{RootCAs: pool}
	base := func(srv *smtpServer, sec string) *EmailConfig {
		host, port := hostPort(t, srv.Addr)
		return &EmailConfig{Host: host, Port: port, Username: "u", Password: "p", From: "a@b.example",
			To: []string{"c@d.example"}, Security: sec}
	}
	t.Run("untrusted certificate", func(t *testing.T) {
		srv := startSMTP(t, smtpStartTLS, cert, "u", "p")
		_, err := testSender(nil).sendEmail(context.Background(), base(srv, SecurityStartTLS), emailMsg)
		if err == nil || !IsPermanent(err) {
			t.Fatalf("got %v, want a permanent certificate error", err)
		}
		// skip_verify is the admin's explicit way out.
		cfg := base(srv, SecurityStartTLS)
		cfg.SkipVerify = true
		if _, err := testSender(nil).sendEmail(context.Background(), cfg, emailMsg); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("wrong password", func(t *testing.T) {
		srv := startSMTP(t, smtpStartTLS, cert, "u", "other")
		_, err := testSender(trusted).sendEmail(context.Background(), base(srv, SecurityStartTLS), emailMsg)
		var se *SendError
		if !errors.As(err, &se) || se.Code != 535 || !se.Permanent {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("recipient deferred", func(t *testing.T) {
		srv := startSMTP(t, smtpStartTLS, cert, "u", "p")
		srv.rcptErr = &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try later"}
		_, err := testSender(trusted).sendEmail(context.Background(), base(srv, SecurityStartTLS), emailMsg)
		var se *SendError
		if !errors.As(err, &se) || se.Code != 451 || se.Permanent {
			t.Fatalf("got %v, want a retryable 451", err)
		}
	})
	t.Run("recipient refused", func(t *testing.T) {
		srv := startSMTP(t, smtpStartTLS, cert, "u", "p")
		srv.rcptErr = &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"}
		_, err := testSender(trusted).sendEmail(context.Background(), base(srv, SecurityStartTLS), emailMsg)
		if !IsPermanent(err) || !strings.Contains(err.Error(), "no such user") {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("no STARTTLS offered", func(t *testing.T) {
		srv := startSMTP(t, smtpPlain, cert, "u", "p")
		_, err := testSender(trusted).sendEmail(context.Background(), base(srv, SecurityStartTLS), emailMsg)
		if !IsPermanent(err) || !strings.Contains(err.Error(), "STARTTLS") {
			t.Fatalf("got %v, want a permanent STARTTLS error", err)
		}
		if len(srv.messages()) != 0 {
			t.Fatal("sent in clear text")
		}
	})
	t.Run("server never answers", func(t *testing.T) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		go func() {
			for {
				c, err := l.Accept()
				if err != nil {
					return
				}
				defer c.Close() // hold it open, silent
			}
		}()
		host, port := hostPort(t, l.Addr().String())
		cfg := &EmailConfig{Host: host, Port: port, From: "a@b.example", To: []string{"c@d.example"}, Security: SecurityNone}
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err = testSender(nil).sendEmail(ctx, cfg, emailMsg)
		if err == nil || IsPermanent(err) || time.Since(start) > 5*time.Second {
			t.Fatalf("got %v after %v", err, time.Since(start))
		}
	})
	t.Run("connection refused", func(t *testing.T) {
		l, _ := net.Listen("tcp", "127.0.0.1:0")
		addr := l.Addr().String()
		l.Close()
		host, port := hostPort(t, addr)
		cfg := &EmailConfig{Host: host, Port: port, From: "a@b.example", To: []string{"c@d.example"}, Security: SecurityNone}
		if _, err := testSender(nil).sendEmail(context.Background(), cfg, emailMsg); err == nil || IsPermanent(err) {
			t.Fatalf("got %v, want a retryable error", err)
		}
	})
}
