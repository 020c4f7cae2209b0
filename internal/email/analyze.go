package email

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"path"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"golang.org/x/net/idna"

	"github.com/eventsec/eventsec/internal/sandbox"
	"github.com/eventsec/eventsec/internal/sandbox/filetype"
	"github.com/eventsec/eventsec/internal/sandbox/urlscan"
)

// FileAnalyzer is the sandbox's static file analysis (*sandbox.Analyzer).
type FileAnalyzer interface {
	AnalyzeFile(ctx context.Context, name string, r io.ReaderAt, size int64, progress func(stage string, pct int)) (*sandbox.Report, error)
}

// IntelChecker matches a message's values against an org's threat
// indicators (IntelFrom adapts the threat-intel service).
type IntelChecker interface {
	Match(ctx context.Context, orgID string, v IntelValues) ([]IntelHit, error)
}

// IntelValues are the values of a message worth matching, by kind.
type IntelValues struct {
	Emails  []string
	Domains []string
	URLs    []string
	IPs     []string
	Hashes  []string
}

func (v IntelValues) empty() bool {
	return len(v.Emails)+len(v.Domains)+len(v.URLs)+len(v.IPs)+len(v.Hashes) == 0
}

// Policy is what an org protects: its own domains, the brands and the
// people whose names phishers borrow.
type Policy struct {
	// OrgDomains are the org's own mail domains ("example.com").
	OrgDomains []string `json:"org_domains"`
	// Brands are names ("paypal") or domains ("paypal.com") to protect.
	Brands []string `json:"brands"`
	// Executives are names of people whose display name is impersonated
	// ("Jane Smith").
	Executives []string `json:"executives"`
}

// AnalyzerOptions configures an Analyzer.
type AnalyzerOptions struct {
	// Files, when set, analyses attachments in the sandbox.
	Files FileAnalyzer
	// Intel, when set, matches the message's values against indicators.
	Intel IntelChecker
	// Timeout bounds one message's analysis (default 60 s).
	Timeout time.Duration
	Logger  *slog.Logger
	Now     func() time.Time
}

// Analyzer weighs a parsed message into a verdict. It is safe for
// concurrent use.
type Analyzer struct {
	o   AnalyzerOptions
	log *slog.Logger
}

// NewAnalyzer returns an Analyzer.
func NewAnalyzer(o AnalyzerOptions) *Analyzer {
	if o.Timeout <= 0 {
		o.Timeout = 60 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Analyzer{o: o, log: o.Logger}
}

// Analyze weighs m for the org under policy p.
func (a *Analyzer) Analyze(ctx context.Context, orgID string, p Policy, m *Message) (*Report, error) {
	start := a.o.Now()
	ctx, cancel := context.WithTimeout(ctx, a.o.Timeout)
	defer cancel()
	r := &Report{Message: m, URLs: []URLReport{}, Attachments: []AttachmentReport{}, Intel: []IntelHit{}, Reasons: []Reason{}, AnalyzedAt: start}
	pol := newPolicy(p)
	add := func(code string, w int, msg, ev string) {
		r.Reasons = append(r.Reasons, Reason{Code: code, Weight: w, Message: msg, Evidence: clip(ev, 300)})
	}
	a.auth(m, pol, add)
	a.sender(m, pol, r, add)
	a.dates(m, r, add)
	a.language(m, add)
	a.nested(m, pol, add)
	if n := len(m.Problems); n >= 3 {
		add("message.malformed", 10, fmt.Sprintf("the message is malformed (%d problems); mail software rarely writes such messages", n), m.Problems[0])
	}
	a.links(m, pol, r, add)
	if err := a.attachments(ctx, m, r, add); err != nil {
		return nil, err
	}
	if err := a.intel(ctx, orgID, m, r, add); err != nil {
		a.log.Warn("cannot match the message against threat intel", "err", err)
		add("intel.unavailable", 0, "threat intel could not be checked", "")
	}
	sort.SliceStable(r.Reasons, func(i, j int) bool { return r.Reasons[i].Weight > r.Reasons[j].Weight })
	r.Score = sumWeights(r.Reasons)
	r.Verdict = verdictFor(r.Score)
	if r.Verdict == VerdictPhishing && malwareWeight(r.Reasons) >= 35 {
		r.Verdict = VerdictMalicious
	}
	r.DurationMS = a.o.Now().Sub(start).Milliseconds()
	return r, nil
}

// malwareWeight is the heaviest attachment reason.
func malwareWeight(rs []Reason) int {
	w := 0
	for _, r := range rs {
		if strings.HasPrefix(r.Code, "attachment.") || r.Code == "intel.match_hash" {
			w = max(w, r.Weight)
		}
	}
	return w
}

// policy is a Policy ready for matching.
type policy struct {
	own     map[string]bool // registrable domains of the org
	brands  map[string]string
	execs   []string
	scanner *urlscan.Scanner
}

func newPolicy(p Policy) policy {
	pol := policy{own: map[string]bool{}, brands: map[string]string{}}
	var protect []string
	for _, d := range p.OrgDomains {
		d = strings.ToLower(strings.TrimSpace(d))
		if d == "" {
			continue
		}
		if a, err := idna.Lookup.ToASCII(d); err == nil {
			d = a
		}
		pol.own[registrable(d)] = true
		protect = append(protect, d)
	}
	for _, b := range p.Brands {
		b = strings.ToLower(strings.TrimSpace(b))
		if b == "" {
			continue
		}
		protect = append(protect, b)
		label, domain := b, ""
		if strings.Contains(b, ".") {
			domain = registrable(b)
			label, _, _ = strings.Cut(domain, ".")
		}
		if len(label) >= 3 {
			pol.brands[label] = domain
		}
	}
	for _, e := range p.Executives {
		if e = strings.ToLower(strings.Join(strings.Fields(e), " ")); len(e) >= 4 {
			pol.execs = append(pol.execs, e)
		}
	}
	pol.scanner = urlscan.New(urlscan.Options{Brands: protect})
	return pol
}

// trusted reports whether a domain is the org's own or a protected brand's.
func (p policy) trusted(domain string) bool {
	rd := registrable(domain)
	if p.own[rd] {
		return true
	}
	for _, d := range p.brands {
		if d != "" && d == rd {
			return true
		}
	}
	return false
}

type addFunc func(code string, weight int, msg, evidence string)

func (a *Analyzer) auth(m *Message, _ policy, add addFunc) {
	au := m.Auth
	if len(au.Headers) == 0 && au.ReceivedSPF == nil {
		add("auth.missing", 5, "no Authentication-Results: SPF, DKIM and DMARC were not recorded by a receiving server", "")
		return
	}
	switch au.DMARC {
	case "fail":
		add("auth.dmarc_fail", 30, "DMARC failed: the From domain did not authorise this message", dmarcEvidence(au))
	case "", "none":
		add("auth.dmarc_none", 5, "no DMARC result: the From domain is not protected by DMARC", au.DMARC)
	case "temperror", "permerror":
		add("auth.dmarc_error", 5, "DMARC could not be evaluated", au.DMARC)
	}
	switch au.SPF {
	case "fail":
		add("auth.spf_fail", 15, "SPF failed: the sending server is not allowed to send for the envelope domain", spfEvidence(au))
	case "softfail":
		add("auth.spf_softfail", 8, "SPF soft-failed: the sending server is probably not allowed to send for the domain", spfEvidence(au))
	case "", "none":
		add("auth.spf_none", 3, "no SPF result", "")
	case "temperror", "permerror":
		add("auth.spf_error", 3, "SPF could not be evaluated", au.SPF)
	}
	switch au.DKIM {
	case "fail":
		add("auth.dkim_fail", 15, "DKIM signature did not verify: the message was altered or forged", "")
	case "", "none":
		add("auth.dkim_none", 3, "the message is not DKIM-signed", "")
	case "temperror", "permerror", "policy", "neutral":
		add("auth.dkim_error", 3, "DKIM could not be verified", au.DKIM)
	}
}

func dmarcEvidence(au Auth) string {
	for _, h := range au.Headers[:min(1, len(au.Headers))] {
		for _, r := range h.Results {
			if r.Method == "dmarc" {
				return strings.TrimSpace("dmarc=" + r.Result + " header.from=" + r.Props["header.from"] + " " + r.Reason)
			}
		}
	}
	return "dmarc=" + au.DMARC
}

func spfEvidence(au Auth) string {
	for _, h := range au.Headers[:min(1, len(au.Headers))] {
		for _, r := range h.Results {
			if r.Method == "spf" {
				return strings.TrimSpace("spf=" + r.Result + " smtp.mailfrom=" + r.Props["smtp.mailfrom"])
			}
		}
	}
	if au.ReceivedSPF != nil {
		return clip(au.ReceivedSPF.Raw, 200)
	}
	return "spf=" + au.SPF
}

var (
	freemail = map[string]bool{"gmail.com": true, "googlemail.com": true, "outlook.com": true, "hotmail.com": true, "live.com": true,
		"yahoo.com": true, "aol.com": true, "proton.me": true, "protonmail.com": true, "gmx.com": true, "gmx.net": true,
		"mail.com": true, "yandex.com": true, "yandex.ru": true, "icloud.com": true, "zoho.com": true, "mail.ru": true, "tutanota.com": true}
	addrInName = regexp.MustCompile(`[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}`)
)

func (a *Analyzer) sender(m *Message, pol policy, r *Report, add addFunc) {
	if m.From == nil || m.From.Address == "" {
		add("sender.missing", 15, "the message has no valid From address", m.Header("From"))
		return
	}
	from := m.From
	fromReg := registrable(from.Domain)
	for _, rt := range m.ReplyTo {
		if rt.Domain == "" || registrable(rt.Domain) == fromReg {
			continue
		}
		add("sender.reply_to_mismatch", 15, "replies go to another domain than the sender's", from.Domain+" → "+rt.Address)
		if freemail[registrable(rt.Domain)] && !freemail[fromReg] {
			add("sender.reply_to_freemail", 10, "replies go to a free webmail address", rt.Address)
		}
		break
	}
	if rp := m.ReturnPath; rp != "" && from.Domain != "" {
		if i := strings.LastIndexByte(rp, '@'); i >= 0 {
			rpd := strings.ToLower(rp[i+1:])
			if registrable(rpd) != fromReg {
				add("sender.return_path_mismatch", 5, "the envelope sender (Return-Path) is another domain than From", rp+" vs "+from.Domain)
			}
		}
	}
	name := strings.ToLower(from.Name)
	if addrs := addrInName.FindAllString(from.Name, 3); len(addrs) > 0 {
		for _, x := range addrs {
			if !strings.EqualFold(x, from.Address) {
				add("sender.display_name_address", 25, "the display name shows another address than the real sender", fmt.Sprintf("%q <%s>", from.Name, from.Address))
				break
			}
		}
	}
	if !pol.trusted(from.Domain) {
		for _, e := range pol.execs {
			if strings.Contains(strings.Join(strings.Fields(name), " "), e) {
				add("sender.executive_impersonation", 30, "the display name is an executive's but the address is outside the organisation",
					fmt.Sprintf("%q <%s>", from.Name, from.Address))
				break
			}
		}
		labels := make([]string, 0, len(pol.brands))
		for l := range pol.brands {
			labels = append(labels, l)
		}
		sort.Strings(labels)
		for _, l := range labels {
			if containsWord(name, l) {
				add("sender.display_name_brand", 20, "the display name names a protected brand but the address is not the brand's",
					fmt.Sprintf("%q <%s>", from.Name, from.Address))
				break
			}
		}
		if pol.own[fromReg] {
			// The org's own domain from outside without passing DMARC.
			if m.Auth.DMARC != "pass" {
				add("sender.own_domain_unauthenticated", 25, "the message claims to come from the organisation's own domain but did not pass DMARC", from.Address)
			}
		}
	}
	seen := map[string]bool{}
	for _, d := range []struct{ domain, what string }{{from.Domain, "sender"}, {firstReplyDomain(m), "reply-to"}} {
		if d.domain == "" || seen[d.domain] || pol.trusted(d.domain) {
			continue
		}
		seen[d.domain] = true
		res, err := pol.scanner.AnalyzeDomain(d.domain)
		if err != nil {
			continue
		}
		for _, t := range res.Typosquats {
			ts := Typosquat{Brand: t.Brand, Technique: t.Technique, Distance: t.Distance, Label: t.Label}
			if d.what == "sender" {
				r.SenderLookalike = append(r.SenderLookalike, ts)
			}
		}
		if len(res.Typosquats) > 0 {
			t := res.Typosquats[0]
			w := 40
			if d.what != "sender" {
				w = 30
			}
			add("sender.lookalike_domain", w, fmt.Sprintf("the %s domain imitates %q (%s)", d.what, t.Brand, strings.ReplaceAll(t.Technique, "_", " ")), d.domain)
		}
		if res.MixedScript || (res.IDN && len(res.Typosquats) == 0) {
			add("sender.idn_domain", 10, "the "+d.what+" domain uses international characters", d.domain+" = "+res.HostUnicode)
		}
	}
}

func firstReplyDomain(m *Message) string {
	if len(m.ReplyTo) > 0 {
		return m.ReplyTo[0].Domain
	}
	return ""
}

// containsWord reports whether s has w as a whole word.
func containsWord(s, w string) bool {
	for i := 0; ; {
		j := strings.Index(s[i:], w)
		if j < 0 {
			return false
		}
		j += i
		before := j == 0 || !isAlnum(s[j-1])
		after := j+len(w) == len(s) || !isAlnum(s[j+len(w)])
		if before && after {
			return true
		}
		i = j + 1
	}
}

func isAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

func (a *Analyzer) dates(m *Message, r *Report, add addFunc) {
	var received *time.Time
	for i := len(m.Received) - 1; i >= 0; i-- {
		if m.Received[i].Time != nil {
			received = m.Received[i].Time
			break
		}
	}
	if m.Date == nil || received == nil {
		return
	}
	skew := m.Date.Sub(*received).Seconds()
	r.DateSkewSeconds = &skew
	switch {
	case skew > 2*3600:
		add("date.future", 5, "the Date header is later than the message was received", fmt.Sprintf("%.0f hours ahead", skew/3600))
	case skew < -7*24*3600:
		add("date.skew", 5, "the Date header is days older than the delivery", fmt.Sprintf("%.0f days before delivery", -skew/86400))
	}
}

var (
	urgencyPhrases = []string{"urgent", "immediately", "within 24 hours", "within 48 hours", "action required", "final notice",
		"last warning", "will be suspended", "has been suspended", "will be closed", "will be deleted", "expires today", "as soon as possible",
		"avoid suspension", "urgente", "inmediatamente", "será suspendida", "in 24 hours"}
	credentialPhrases = []string{"verify your account", "confirm your identity", "confirm your account", "update your payment",
		"reset your password", "your password", "password expires", "password will expire", "unusual sign-in", "unusual activity",
		"suspicious activity", "validate your", "enter your credentials", "login credentials", "sign in to", "log in to your",
		"verify your identity", "billing information", "verifica tu cuenta", "contraseña", "mailbox is full", "storage quota"}
	moneyPhrases = []string{"wire transfer", "gift card", "gift cards", "bank details", "change of bank", "invoice attached", "outstanding invoice",
		"payment overdue", "bitcoin", "transferencia"}
)

// nested checks attached messages (a user forwarding a phish "as
// attachment"): their senders and their words count too.
func (a *Analyzer) nested(m *Message, pol policy, add addFunc) {
	for _, at := range m.Attachments {
		in := at.Message
		if in == nil || in.From == nil || in.From.Domain == "" || pol.trusted(in.From.Domain) {
			continue
		}
		if res, err := pol.scanner.AnalyzeDomain(in.From.Domain); err == nil && len(res.Typosquats) > 0 {
			t := res.Typosquats[0]
			add("attached.sender_lookalike", 30, fmt.Sprintf("an attached message's sender domain imitates %q (%s)", t.Brand,
				strings.ReplaceAll(t.Technique, "_", " ")), in.From.Domain)
			return
		}
	}
}

// texts are the subject and bodies of m and of its attached messages.
func texts(m *Message, depth int) string {
	s := m.Subject + "\n" + m.Text + "\n" + m.visible
	if depth < 3 {
		for _, at := range m.Attachments {
			if at.Message != nil {
				s += "\n" + texts(at.Message, depth+1)
			}
		}
	}
	return s
}

func (a *Analyzer) language(m *Message, add addFunc) {
	text := strings.ToLower(texts(m, 0))
	find := func(list []string) []string {
		var out []string
		for _, p := range list {
			if strings.Contains(text, p) {
				out = append(out, p)
			}
		}
		return out
	}
	if u := find(urgencyPhrases); len(u) > 0 {
		add("content.urgency", min(5*len(u)+5, 15), "the message presses for urgent action", strings.Join(u, ", "))
	}
	if c := find(credentialPhrases); len(c) > 0 {
		add("content.credentials", min(10*len(c), 20), "the message asks about passwords, accounts or sign-ins", strings.Join(c, ", "))
	}
	if mp := find(moneyPhrases); len(mp) > 0 {
		add("content.payment", min(5*len(mp)+5, 15), "the message talks about payments or transfers", strings.Join(mp, ", "))
	}
}

func (a *Analyzer) links(m *Message, pol policy, r *Report, add addFunc) {
	var mismatch, squat, forms, bad []string
	worst := 0
	for _, l := range allLinks(m) {
		ur := URLReport{Link: l, Reasons: []Reason{}}
		if l.Mismatch {
			ur.Reasons = append(ur.Reasons, Reason{Code: "link.text_mismatch", Weight: 25, Message: "the link text shows another site than the link goes to",
				Evidence: l.TextHost + " → " + l.Host})
			mismatch = append(mismatch, l.TextHost+" → "+l.Host)
		}
		if res, err := pol.scanner.AnalyzeURL(l.URL); err == nil {
			ur.RegisteredDomain, ur.HostUnicode = res.RegisteredDomain, res.HostUnicode
			for _, f := range res.Findings {
				ur.Reasons = append(ur.Reasons, Reason{Code: f.Code, Weight: f.Weight, Message: f.Message, Evidence: f.Evidence})
			}
			if !pol.trusted(res.Host) {
				for _, t := range res.Typosquats {
					ur.Typosquats = append(ur.Typosquats, Typosquat{Brand: t.Brand, Technique: t.Technique, Distance: t.Distance, Label: t.Label})
				}
				if len(res.Typosquats) > 0 {
					squat = append(squat, res.Host+" imitates "+res.Typosquats[0].Brand)
				}
			}
		}
		if l.Source == "form" && l.Host != "" && !pol.trusted(l.Host) {
			forms = append(forms, l.URL)
		}
		ur.Score = sumWeights(ur.Reasons)
		ur.Verdict = verdictFor(ur.Score)
		if ur.Score > worst {
			worst = ur.Score
		}
		if ur.Score >= 50 {
			bad = append(bad, l.URL)
		}
		r.URLs = append(r.URLs, ur)
	}
	if len(mismatch) > 0 {
		add("link.text_mismatch", 25, "a link's text shows one site but it goes to another", strings.Join(first(mismatch, 3), "; "))
	}
	if len(squat) > 0 {
		add("link.lookalike", 30, "a link goes to a domain that imitates a protected brand or the organisation", strings.Join(first(squat, 3), "; "))
	}
	if len(forms) > 0 {
		add("link.form", 15, "the message contains a form that submits to an outside site", strings.Join(first(forms, 3), "; "))
	}
	switch {
	case len(bad) > 0:
		add("link.dangerous", 20, "a link scores high on URL analysis", strings.Join(first(bad, 3), "; "))
	case worst >= SuspiciousScore:
		add("link.suspicious", 10, "a link has suspicious traits", fmt.Sprintf("worst link score %d", worst))
	}
}

// allLinks are the links of the message and of attached messages.
func allLinks(m *Message) []Link {
	out := slices.Clone(m.Links)
	for _, at := range m.Attachments {
		if at.Message != nil {
			out = append(out, allLinks(at.Message)...)
		}
	}
	if len(out) > 200 {
		out = out[:200]
	}
	return out
}

func first(s []string, n int) []string { return s[:min(n, len(s))] }

var (
	dangerousExt = map[string]bool{".exe": true, ".scr": true, ".com": true, ".pif": true, ".bat": true, ".cmd": true, ".js": true,
		".jse": true, ".vbs": true, ".vbe": true, ".wsf": true, ".wsh": true, ".hta": true, ".ps1": true, ".psm1": true, ".msi": true,
		".msp": true, ".lnk": true, ".iso": true, ".img": true, ".vhd": true, ".vhdx": true, ".jar": true, ".cpl": true, ".reg": true,
		".chm": true, ".scf": true, ".url": true, ".xll": true, ".appx": true, ".msix": true, ".one": true, ".dll": true, ".sys": true,
		".application": true, ".gadget": true, ".inf": true, ".sct": true, ".svg": false}
	macroExt = map[string]bool{".docm": true, ".dotm": true, ".xlsm": true, ".xltm": true, ".xlam": true, ".pptm": true,
		".potm": true, ".ppsm": true, ".sldm": true, ".xlsb": true}
	docExt = map[string]bool{".pdf": true, ".doc": true, ".docx": true, ".xls": true, ".xlsx": true, ".ppt": true, ".pptx": true,
		".txt": true, ".rtf": true, ".jpg": true, ".jpeg": true, ".png": true, ".gif": true, ".csv": true, ".zip": true, ".htm": true, ".html": true}
	archiveTypes = map[string]bool{string(filetype.Zip): true, string(filetype.RAR): true, string(filetype.SevenZip): true,
		string(filetype.Gzip): true, string(filetype.Tar): true, string(filetype.Cab): true, string(filetype.ISO): true}
)

// allAttachments are the attachments of the message and attached messages.
func allAttachments(m *Message, out []*Attachment) []*Attachment {
	for i := range m.Attachments {
		at := &m.Attachments[i]
		if at.Message != nil {
			out = allAttachments(at.Message, out)
			continue
		}
		out = append(out, at)
	}
	return out
}

func (a *Analyzer) attachments(ctx context.Context, m *Message, r *Report, add addFunc) error {
	best := map[string]Reason{} // the heaviest of each code, message-wide
	var order []string
	for _, at := range allAttachments(m, nil) {
		ar := AttachmentReport{Part: at.Part, Filename: at.Filename, ContentType: at.ContentType, SniffedType: at.SniffedType,
			Size: at.Size, SHA256: at.SHA256, Reasons: []Reason{}}
		reason := func(code string, w int, msg, ev string) {
			ar.Reasons = append(ar.Reasons, Reason{Code: code, Weight: w, Message: msg, Evidence: clip(ev, 300)})
		}
		staticAttachment(at, reason)
		if a.o.Files != nil && at.Size > 0 && !strings.HasPrefix(at.SniffedType, "png") && at.SniffedType != string(filetype.JPEG) &&
			at.SniffedType != string(filetype.GIF) {
			sb, err := a.o.Files.AnalyzeFile(ctx, nameOr(at.Filename, at.SHA256), bytes.NewReader(at.data), at.Size, nil)
			switch {
			case err != nil && ctx.Err() != nil:
				return fmt.Errorf("cannot analyse attachment %q: %w", at.Filename, ctx.Err())
			case err != nil:
				ar.Sandbox = &SandboxSummary{Error: err.Error(), Reasons: []Reason{}}
			default:
				ar.Sandbox = summarize(sb)
				switch sb.Verdict {
				case sandbox.VerdictMalicious:
					reason("attachment.sandbox_malicious", 50, "the sandbox found the attachment malicious", topReasons(ar.Sandbox.Reasons))
				case sandbox.VerdictSuspicious:
					reason("attachment.sandbox_suspicious", 20, "the sandbox found the attachment suspicious", topReasons(ar.Sandbox.Reasons))
				}
				for _, sr := range sb.Reasons {
					if strings.HasPrefix(sr.Code, "office.vba") || strings.HasPrefix(sr.Code, "office.macro") {
						if !hasCode(ar.Reasons, "attachment.macro") {
							reason("attachment.macro", 35, "the document contains macros", sr.Evidence)
						}
					}
				}
			}
		}
		ar.Score = sumWeights(ar.Reasons)
		ar.Verdict = verdictFor(ar.Score)
		if ar.Verdict == VerdictPhishing && malwareWeight(ar.Reasons) >= 35 {
			ar.Verdict = VerdictMalicious
		}
		for _, x := range ar.Reasons {
			if x.Weight == 0 {
				continue
			}
			x.Evidence = clip(nameOr(at.Filename, at.Part)+": "+x.Evidence, 300)
			if old, ok := best[x.Code]; !ok || x.Weight > old.Weight {
				if !ok {
					order = append(order, x.Code)
				}
				best[x.Code] = x
			}
		}
		r.Attachments = append(r.Attachments, ar)
	}
	for _, c := range order {
		x := best[c]
		add(x.Code, x.Weight, x.Message, x.Evidence)
	}
	return nil
}

func hasCode(rs []Reason, code string) bool {
	for _, r := range rs {
		if r.Code == code {
			return true
		}
	}
	return false
}

func nameOr(name, alt string) string {
	if name != "" {
		return name
	}
	return alt
}

func summarize(sb *sandbox.Report) *SandboxSummary {
	s := &SandboxSummary{Verdict: string(sb.Verdict), Score: sb.Score, Reasons: []Reason{}}
	if sb.Type != nil {
		s.Type = string(sb.Type.ID)
	}
	for _, r := range sb.Reasons {
		if len(s.Reasons) >= 20 {
			break
		}
		s.Reasons = append(s.Reasons, Reason{Code: r.Code, Message: r.Message, Weight: r.Weight, Evidence: clip(r.Evidence, 200)})
	}
	return s
}

func topReasons(rs []Reason) string {
	var parts []string
	for _, r := range rs {
		if r.Weight > 0 && len(parts) < 3 {
			parts = append(parts, r.Message)
		}
	}
	return strings.Join(parts, "; ")
}

// staticAttachment applies the name and type checks that need no sandbox.
func staticAttachment(at *Attachment, reason func(code string, w int, msg, ev string)) {
	name := strings.ToLower(strings.TrimSpace(at.Filename))
	ext := path.Ext(name)
	if dangerousExt[ext] {
		reason("attachment.dangerous_extension", 45, "the attachment is a type that runs code when opened", at.Filename)
	}
	if macroExt[ext] {
		reason("attachment.macro_extension", 30, "the attachment is a macro-enabled Office document", at.Filename)
	}
	if stem := strings.TrimSuffix(name, ext); ext != "" && path.Ext(stem) != "" {
		inner := path.Ext(stem)
		if docExt[inner] && (dangerousExt[ext] || macroExt[ext]) {
			reason("attachment.double_extension", 35, "the file name hides its real type behind a second extension", at.Filename)
		}
	}
	if strings.Contains(at.Filename, "\u202e") {
		reason("attachment.rtlo", 40, "the file name uses a right-to-left override to disguise its extension", at.Filename)
	}
	id := filetype.ID(at.SniffedType)
	if filetype.IsExecutable(id) {
		reason("attachment.executable", 45, "the attachment is an executable program", at.SniffedType)
	} else if filetype.IsScript(id) && !dangerousExt[ext] && !docExt[ext] {
		reason("attachment.script", 25, "the attachment is a script", at.SniffedType)
	}
	switch id {
	case filetype.Docm, filetype.Xlsm, filetype.Pptm:
		reason("attachment.macro", 35, "the document contains macros (a VBA project)", at.SniffedType)
	case filetype.OLE:
		if bytes.Contains(at.data, []byte("_\x00V\x00B\x00A\x00_\x00P\x00R\x00O\x00J\x00E\x00C\x00T")) || bytes.Contains(at.data, []byte("V\x00B\x00A\x00")) {
			reason("attachment.macro", 35, "the document contains macros (a VBA project)", "OLE VBA storage")
		}
	}
	if ext != "" && at.SniffedType != "" && at.Message == nil {
		t := filetype.Lookup(id)
		if filetype.ExtensionMismatch(t, at.Filename) && (filetype.IsExecutable(id) || filetype.IsScript(id)) {
			reason("attachment.type_mismatch", 25, "the file's content is not what its name says", fmt.Sprintf("%s is really %s", at.Filename, at.SniffedType))
		}
	}
	if archiveTypes[at.SniffedType] && id == filetype.Zip {
		zipMembers(at, reason)
	}
	if id == filetype.ISO || id == filetype.Cab {
		reason("attachment.container", 20, "the attachment is a disk image or cabinet, used to slip executables past filters", at.SniffedType)
	}
}

// zipMembers looks inside a ZIP for executables and encryption.
func zipMembers(at *Attachment, reason func(code string, w int, msg, ev string)) {
	zr, err := zip.NewReader(bytes.NewReader(at.data), int64(len(at.data)))
	if err != nil {
		reason("attachment.corrupt_archive", 5, "the archive cannot be read", err.Error())
		return
	}
	var exes []string
	encrypted := false
	for i, f := range zr.File {
		if i >= 1000 {
			break
		}
		ext := strings.ToLower(path.Ext(f.Name))
		if dangerousExt[ext] || macroExt[ext] {
			exes = append(exes, f.Name)
		}
		if f.Flags&1 != 0 {
			encrypted = true
		}
	}
	if len(exes) > 0 {
		reason("attachment.archive_executable", 40, "the archive contains programs or scripts", strings.Join(first(exes, 5), ", "))
	}
	if encrypted {
		reason("attachment.encrypted_archive", 15, "the archive is password-protected, which hides it from scanners", at.Filename)
	}
}

func (a *Analyzer) intel(ctx context.Context, orgID string, m *Message, r *Report, add addFunc) error {
	if a.o.Intel == nil {
		return nil
	}
	var v IntelValues
	seen := map[string]bool{}
	push := func(dst *[]string, x string) {
		x = strings.TrimSpace(x)
		k := strings.ToLower(x)
		if x != "" && !seen[k] && len(*dst) < 100 {
			seen[k] = true
			*dst = append(*dst, x)
		}
	}
	if m.From != nil {
		push(&v.Emails, m.From.Address)
		push(&v.Domains, m.From.Domain)
	}
	for _, rt := range m.ReplyTo {
		push(&v.Emails, rt.Address)
		push(&v.Domains, rt.Domain)
	}
	if i := strings.LastIndexByte(m.ReturnPath, '@'); i >= 0 {
		push(&v.Domains, strings.ToLower(m.ReturnPath[i+1:]))
	}
	for _, h := range m.Received {
		if h.IPClass == "public" {
			push(&v.IPs, h.FromIP)
		}
	}
	for _, u := range r.URLs {
		push(&v.URLs, u.URL)
		if u.Host != "" {
			push(&v.Domains, u.Host)
		}
	}
	for _, at := range r.Attachments {
		push(&v.Hashes, at.SHA256)
	}
	if v.empty() {
		return nil
	}
	hits, err := a.o.Intel.Match(ctx, orgID, v)
	if err != nil {
		return err
	}
	weights := map[string]int{"critical": 60, "high": 50, "medium": 30, "low": 15, "informational": 5}
	added := 0
	for _, h := range hits {
		r.Intel = append(r.Intel, h)
		for i := range r.URLs {
			if strings.EqualFold(r.URLs[i].URL, h.Value) || strings.EqualFold(r.URLs[i].Host, h.Value) {
				r.URLs[i].Intel = append(r.URLs[i].Intel, h)
			}
		}
		code := "intel.match"
		for i := range r.Attachments {
			if strings.EqualFold(r.Attachments[i].SHA256, h.Value) {
				r.Attachments[i].Intel = append(r.Attachments[i].Intel, h)
				code = "intel.match_hash"
			}
		}
		if added < 5 {
			w, ok := weights[h.Severity]
			if !ok {
				w = 30
			}
			add(code, w, "a value of the message is a known threat indicator ("+h.Severity+")", h.Value)
			added++
		}
	}
	return nil
}
