package notify

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/textproto"
	"strconv"
	"strings"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Mail is one e-mail: the shift handover and the e-mail channel send them.
type Mail struct {
	// To overrides the configuration's recipients when not empty.
	To      []string
	Subject string
	Text    string
	// HTML, when set, is sent beside Text as multipart/alternative.
	HTML string
}

// SendMail sends m through the SMTP relay cfg describes, verifying its
// certificate against the system roots (unless cfg.SkipVerify). The error
// is a *SendError when the server refused the message (IsPermanent tells
// whether retrying can help).
func SendMail(ctx context.Context, cfg EmailConfig, m Mail) error {
	cfg.defaults()
	if err := cfg.Validate(); err != nil {
		return err
	}
	_, err := deliverMail(ctx, nil, &cfg, m, time.Now())
	return err
}

func (s *sender) sendEmail(ctx context.Context, cfg *EmailConfig, msg Message) (Result, error) {
	return deliverMail(ctx, s.tlsConfig, cfg, renderEmail(msg), s.now())
}

// deliverMail runs one SMTP transaction. base, when set, is cloned for
// the TLS settings (root CAs); ServerName and InsecureSkipVerify come from
// cfg.
func deliverMail(ctx context.Context, base *tls.Config, cfg *EmailConfig, m Mail, now time.Time) (Result, error) {
	from, err := mail.ParseAddress(cfg.From)
	if err != nil {
		return Result{}, permanent(0, fieldErr("config.from", "is not an e-mail address"))
	}
	list := m.To
	if len(list) == 0 {
		list = cfg.To
	}
	if len(list) == 0 {
		return Result{}, permanent(0, fieldErr("to", "needs at least one address"))
	}
	var rcpts []*mail.Address
	for i, s := range list {
		a, err := mail.ParseAddress(s)
		if err != nil {
			return Result{}, permanent(0, fieldErr(fmt.Sprintf("to[%d]", i), "is not an e-mail address"))
		}
		rcpts = append(rcpts, a)
	}
	body, err := buildMIME(from, rcpts, m, now)
	if err != nil {
		return Result{}, permanent(0, fmt.Errorf("cannot build message: %w", err))
	}

	var tlsConf *tls.Config
	if base != nil {
		tlsConf = base.Clone()
	} else {
		tlsConf = &tls.Config{}
	}
	tlsConf.ServerName = cfg.Host
	tlsConf.InsecureSkipVerify = cfg.SkipVerify //nolint:gosec // the admin's explicit choice, off by default
	if tlsConf.MinVersion == 0 {
		tlsConf.MinVersion = tls.VersionTLS12
	}

	addr := net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.Port))
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return Result{}, fmt.Errorf("cannot connect to %s: %w", addr, err)
	}
	// go-smtp sets its own per-command deadlines; closing the connection
	// is what makes a cancelled or timed-out attempt return at once.
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	defer conn.Close()

	var c *smtp.Client
	switch cfg.Security {
	case SecurityTLS:
		tc := tls.Client(conn, tlsConf)
		if err := tc.HandshakeContext(ctx); err != nil {
			return Result{}, smtpError("cannot start TLS", err)
		}
		c = smtp.NewClient(tc)
	case SecurityNone:
		c = smtp.NewClient(conn)
	default:
		// Fails when the server does not offer STARTTLS: no silent
		// downgrade to clear text.
		if c, err = smtp.NewClientStartTLS(conn, tlsConf); err != nil {
			return Result{}, smtpError("cannot start TLS", err)
		}
	}
	defer c.Close()
	if dl, ok := ctx.Deadline(); ok {
		c.CommandTimeout = time.Until(dl)
		c.SubmissionTimeout = time.Until(dl)
	}
	if cfg.Username != "" {
		if err := smtpAuth(c, cfg.Username, cfg.Password); err != nil {
			return Result{}, err
		}
	}
	if err := c.Mail(from.Address, nil); err != nil {
		return Result{}, smtpError("sender refused", err)
	}
	for _, r := range rcpts {
		if err := c.Rcpt(r.Address, nil); err != nil {
			return Result{}, smtpError("recipient "+r.Address+" refused", err)
		}
	}
	w, err := c.Data()
	if err != nil {
		return Result{}, smtpError("DATA refused", err)
	}
	if _, err := w.Write(body); err != nil {
		return Result{}, smtpError("cannot send message", err)
	}
	resp, err := w.CloseWithResponse()
	if err != nil {
		return Result{}, smtpError("message refused", err)
	}
	// The message is accepted; a failed QUIT changes nothing.
	_ = c.Quit()
	return Result{Code: 250, Detail: cleanDetail([]byte(resp.StatusText))}, nil
}

// smtpAuth logs in with PLAIN, or LOGIN for servers that offer only it.
func smtpAuth(c *smtp.Client, user, pass string) error {
	var mech sasl.Client
	switch {
	case c.SupportsAuth(sasl.Plain):
		mech = sasl.NewPlainClient("", user, pass)
	case c.SupportsAuth(sasl.Login):
		mech = &loginClient{user: user, pass: pass}
	default:
		if ok, _ := c.Extension("AUTH"); !ok {
			return permanent(0, errors.New("the server does not offer AUTH: remove the username or use starttls/tls"))
		}
		return permanent(0, errors.New("the server offers neither AUTH PLAIN nor LOGIN"))
	}
	if err := c.Auth(mech); err != nil {
		return smtpError("cannot log in", err)
	}
	return nil
}

// loginClient is the LOGIN mechanism. go-sasl's expects the exact
// challenge "Password:"; servers vary in case and some ask "Username:"
// first even after an initial response, so this one answers by prompt.
type loginClient struct{ user, pass string }

func (l *loginClient) Start() (string, []byte, error) { return sasl.Login, nil, nil }

func (l *loginClient) Next(challenge []byte) ([]byte, error) {
	switch strings.ToLower(strings.TrimSpace(string(challenge))) {
	case "username:", "user name:", "username":
		return []byte(l.user), nil
	case "password:", "password":
		return []byte(l.pass), nil
	}
	return nil, fmt.Errorf("unexpected LOGIN challenge %q", challenge)
}

// smtpError classifies an SMTP failure: 5xx replies and certificate
// errors are permanent, 4xx replies and network errors are retried.
func smtpError(what string, err error) error {
	var se *smtp.SMTPError
	if errors.As(err, &se) {
		return &SendError{Code: se.Code, Permanent: se.Code >= 500, Err: fmt.Errorf("%s: %s", what, se.Message)}
	}
	var cv *tls.CertificateVerificationError
	if errors.As(err, &cv) {
		return permanent(0, fmt.Errorf("%s: %w", what, err))
	}
	if strings.Contains(err.Error(), "doesn't support STARTTLS") {
		return permanent(0, fmt.Errorf("%s: the server does not offer STARTTLS", what))
	}
	return fmt.Errorf("%s: %w", what, err)
}

// headerText makes a value safe for one header line.
func headerText(s string, max int) string {
	s = strings.Join(strings.Fields(s), " ")
	return truncate(s, max)
}

// buildMIME writes an RFC 5322 message: UTF-8 text (and HTML) parts in
// quoted-printable, RFC 2047 encoded headers when not ASCII.
func buildMIME(from *mail.Address, to []*mail.Address, m Mail, now time.Time) ([]byte, error) {
	var b bytes.Buffer
	tos := make([]string, len(to))
	for i, a := range to {
		tos[i] = a.String()
	}
	domain := "eventsec.local"
	if at := strings.LastIndexByte(from.Address, '@'); at >= 0 && at < len(from.Address)-1 {
		domain = from.Address[at+1:]
	}
	var id [16]byte
	if _, err := rand.Read(id[:]); err != nil {
		return nil, err
	}
	h := []string{
		"From: " + from.String(),
		"To: " + strings.Join(tos, ", "),
		"Subject: " + mime.QEncoding.Encode("utf-8", headerText(m.Subject, 200)),
		"Date: " + now.Format(time.RFC1123Z),
		"Message-ID: <" + hex.EncodeToString(id[:]) + "@" + domain + ">",
		"MIME-Version: 1.0",
		// RFC 3834: no out-of-office replies to notifications.
		"Auto-Submitted: auto-generated",
	}
	for _, line := range h {
		b.WriteString(line + "\r\n")
	}
	if m.HTML == "" {
		b.WriteString("Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n")
		if err := writeQP(&b, m.Text); err != nil {
			return nil, err
		}
		return b.Bytes(), nil
	}
	mw := multipart.NewWriter(&b)
	b.WriteString("Content-Type: multipart/alternative; boundary=\"" + mw.Boundary() + "\"\r\n\r\n")
	for _, part := range []struct{ ctype, body string }{{"text/plain", m.Text}, {"text/html", m.HTML}} {
		w, err := mw.CreatePart(textproto.MIMEHeader{
			"Content-Type":              {part.ctype + "; charset=utf-8"},
			"Content-Transfer-Encoding": {"quoted-printable"},
		})
		if err != nil {
			return nil, err
		}
		if err := writeQP(w, part.body); err != nil {
			return nil, err
		}
	}
	if err := mw.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func writeQP(w interface{ Write([]byte) (int, error) }, s string) error {
	qp := quotedprintable.NewWriter(w)
	if _, err := qp.Write([]byte(s)); err != nil {
		return err
	}
	return qp.Close()
}

// renderEmail lays a message out as an e-mail.
func renderEmail(m Message) Mail {
	tag := "[" + severityLabel(m.Severity) + "]"
	switch {
	case m.Event == EventTest:
		tag = "[Test]"
	case m.Action == ActionResolve:
		tag = "[Resolved]"
	case m.Action == ActionAcknowledge:
		tag = "[Acknowledged]"
	}
	out := Mail{Subject: "[EventSec] " + tag + " " + m.Title}

	var t strings.Builder
	t.WriteString(eventLabel(m.Event) + " · " + severityLabel(m.Severity) + "\n\n")
	t.WriteString(m.Title + "\n")
	if m.Summary != "" {
		t.WriteString("\n" + m.Summary + "\n")
	}
	if len(m.Fields) > 0 {
		t.WriteString("\n")
		for _, f := range m.Fields {
			t.WriteString(f.Key + ": " + f.Value + "\n")
		}
	}
	if m.Link != "" {
		t.WriteString("\nOpen in EventSec: " + m.Link + "\n")
	}
	t.WriteString("\n-- \n" + emailFooter(m) + "\n")
	out.Text = t.String()

	var h bytes.Buffer
	if err := emailHTML.Execute(&h, struct {
		Message
		EventLabel, SeverityLabel, Color, Footer string
	}{m, eventLabel(m.Event), severityLabel(m.Severity), emailColor(m), emailFooter(m)}); err == nil {
		out.HTML = h.String()
	}
	out.To = m.To
	return out
}

func emailFooter(m Message) string {
	f := "EventSec"
	if m.OrgName != "" {
		f += " · " + m.OrgName
	}
	return f + " · " + m.Time.UTC().Format("2006-01-02 15:04 UTC")
}

func emailColor(m Message) string {
	if m.Action == ActionResolve {
		return "#2e7d32"
	}
	switch m.Severity {
	case "critical":
		return "#b71c1c"
	case "high":
		return "#e65100"
	case "medium":
		return "#f9a825"
	case "low":
		return "#1565c0"
	}
	return "#546e7a"
}

// emailHTML is inline-styled: mail clients drop <style> blocks. The
// template escapes every value; links are only ever EventSec's own.
var emailHTML = template.Must(template.New("email").Parse(`<!DOCTYPE html>
<html><body style="margin:0;padding:16px;font-family:Arial,Helvetica,sans-serif;color:#212121;background:#f5f5f5">
<table role="presentation" width="100%" style="max-width:640px;margin:0 auto;background:#ffffff;border-top:4px solid {{.Color}}">
<tr><td style="padding:16px 20px">
<p style="margin:0 0 8px;color:{{.Color}};font-weight:bold">{{.EventLabel}} · {{.SeverityLabel}}</p>
<h1 style="margin:0 0 12px;font-size:20px">{{.Title}}</h1>
{{- if .Summary}}
<p style="margin:0 0 12px;white-space:pre-wrap">{{.Summary}}</p>
{{- end}}
{{- if .Fields}}
<table role="presentation" style="border-collapse:collapse;margin:0 0 12px">
{{- range .Fields}}
<tr><th align="left" style="padding:4px 12px 4px 0;color:#616161;font-weight:normal;vertical-align:top">{{.Key}}</th><td style="padding:4px 0">{{.Value}}</td></tr>
{{- end}}
</table>
{{- end}}
{{- if .Link}}
<p style="margin:16px 0"><a href="{{.Link}}" style="background:{{.Color}};color:#ffffff;padding:8px 16px;text-decoration:none;border-radius:4px">Open in EventSec</a></p>
{{- end}}
<p style="margin:16px 0 0;font-size:12px;color:#9e9e9e">{{.Footer}}</p>
</td></tr></table>
</body></html>
`))
