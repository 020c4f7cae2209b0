// Package sandbox analyses files, URLs, domains, IP addresses and hashes
// statically and locally: nothing is executed and nothing leaves the
// machine. A file report carries hashes (MD5, SHA-1, SHA-256, TLSH), the
// true type, entropy, strings and indicators, a format section (PE, ELF,
// Mach-O, Office, PDF, script, archive), the reports of archive members and
// embedded objects, optional YARA matches, and a verdict with every
// weighted reason behind its score.
package sandbox

import (
	"context"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"regexp"
	"strings"
	"time"

	"github.com/glaslos/tlsh"

	"github.com/eventsec/eventsec/internal/sandbox/indicator"
	"github.com/eventsec/eventsec/internal/sandbox/urlscan"
	"github.com/eventsec/eventsec/internal/sandbox/yara"
)

// Options configures an Analyzer. Zero values take the documented defaults.
type Options struct {
	// MaxSampleSize is the largest file analysed, and the largest archive
	// member extracted (default 64 MiB).
	MaxSampleSize int64
	// MaxDepth is how deep archives and embedded objects are unpacked
	// (default 5).
	MaxDepth int
	// MaxUnpackedBytes is the total decompressed bytes one analysis may
	// produce across all nested archives (default 512 MiB).
	MaxUnpackedBytes int64
	// MaxArchiveFiles is the most members read from one archive (default 10,000).
	MaxArchiveFiles int
	// Timeout bounds one analysis (default 2 minutes). When it fires the
	// report is returned marked Incomplete.
	Timeout time.Duration
	// MaxStringsScanned caps string extraction per sample (default 100,000).
	MaxStringsScanned int
	// MaxReportStrings caps the strings kept in a report (default 500).
	MaxReportStrings int
	// MaxIndicators caps the indicators of one report (default 5,000).
	MaxIndicators int
	// Brands are names or domains protected from typosquatting ("paypal",
	// "eventsec.io").
	Brands []string
	// YARARules is YARA rule source matched against every file. Empty means
	// no YARA. In builds without the yara tag it is ignored and reports say so.
	YARARules string
	// Logger receives diagnostics; nil discards them.
	Logger *slog.Logger
	// Now is the clock (default time.Now).
	Now func() time.Time
}

func (o Options) withDefaults() Options {
	if o.MaxSampleSize <= 0 {
		o.MaxSampleSize = 64 << 20
	}
	if o.MaxDepth <= 0 {
		o.MaxDepth = 5
	}
	if o.MaxUnpackedBytes <= 0 {
		o.MaxUnpackedBytes = 512 << 20
	}
	if o.MaxArchiveFiles <= 0 {
		o.MaxArchiveFiles = 10_000
	}
	if o.Timeout <= 0 {
		o.Timeout = 2 * time.Minute
	}
	if o.MaxStringsScanned <= 0 {
		o.MaxStringsScanned = 100_000
	}
	if o.MaxReportStrings <= 0 {
		o.MaxReportStrings = 500
	}
	if o.MaxIndicators <= 0 {
		o.MaxIndicators = 5_000
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// Analyzer runs static analyses. It is safe for concurrent use.
type Analyzer struct {
	opts  Options
	urls  *urlscan.Scanner
	rules *yara.Rules
	// yaraMsg is shown in reports when rules were given but cannot run.
	yaraMsg string
	log     *slog.Logger
}

// YARAEnabled reports whether this binary was built with YARA support
// (the "yara" build tag).
func YARAEnabled() bool { return yara.Enabled() }

// New returns an Analyzer. It fails only when YARA rules are given, YARA is
// compiled in, and the rules do not compile; the error is a
// *yara.CompileError with line numbers.
func New(opts Options) (*Analyzer, error) {
	opts = opts.withDefaults()
	a := &Analyzer{
		opts: opts,
		urls: urlscan.New(urlscan.Options{Brands: opts.Brands}),
		log:  opts.Logger.With("component", "sandbox"),
	}
	if strings.TrimSpace(opts.YARARules) != "" {
		if !yara.Enabled() {
			a.yaraMsg = yara.DisabledMessage
		} else {
			r, err := yara.Compile(opts.YARARules)
			if err != nil {
				return nil, err
			}
			a.rules = r
		}
	}
	return a, nil
}

// Close releases the compiled YARA rules.
func (a *Analyzer) Close() {
	if a.rules != nil {
		a.rules.Close()
	}
}

// AnalyzeFile analyses size bytes of r. name is the file name as received
// (used for the extension check and shown in the report). progress, if not
// nil, is called with a stage name and a percentage as the analysis moves on.
func (a *Analyzer) AnalyzeFile(ctx context.Context, name string, r io.ReaderAt, size int64, progress func(stage string, pct int)) (*Report, error) {
	if size > a.opts.MaxSampleSize {
		return nil, fmt.Errorf("cannot analyse %q: %w (%d > %d bytes)", name, ErrTooLarge, size, a.opts.MaxSampleSize)
	}
	if size < 0 {
		return nil, fmt.Errorf("cannot analyse %q: negative size", name)
	}
	if progress == nil {
		progress = func(string, int) {}
	}
	start := a.opts.Now()
	progress("read", 0)
	data := make([]byte, size)
	if _, err := io.ReadFull(io.NewSectionReader(r, 0, size), data); err != nil {
		return nil, fmt.Errorf("cannot read sample %q: %w", name, err)
	}
	tctx, cancel := context.WithTimeout(ctx, a.opts.Timeout)
	defer cancel()
	run := &run{
		a:        a,
		budget:   a.opts.MaxUnpackedBytes,
		progress: progress,
	}
	rep := run.analyze(tctx, name, "", data, 0)
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("cannot analyse %q: %w", name, err)
	}
	rep.StartedAt = start
	rep.DurationMS = a.opts.Now().Sub(start).Milliseconds()
	progress("done", 100)
	a.log.Debug("file analysed", "name", name, "size", size, "verdict", rep.Verdict, "score", rep.Score, "duration_ms", rep.DurationMS)
	return rep, nil
}

// AnalyzeURL analyses a URL without fetching it.
func (a *Analyzer) AnalyzeURL(ctx context.Context, raw string) (*Report, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if strings.TrimSpace(raw) == "" {
		return nil, fmt.Errorf("cannot analyse URL: %w", ErrEmptyInput)
	}
	res, err := a.urls.AnalyzeURL(raw)
	if err != nil {
		return nil, fmt.Errorf("cannot analyse URL: %w", err)
	}
	rep := a.netReport(KindURL, raw, res)
	set := indicator.NewSet(a.opts.MaxIndicators)
	if res.Host != "" {
		set.Add(Indicator{Type: indicator.URL, Value: res.Normalized, Source: "input"})
	}
	addHostIndicator(set, res, "input")
	rep.Indicators = set.Items()
	return rep, nil
}

// AnalyzeDomain analyses a domain name without resolving it.
func (a *Analyzer) AnalyzeDomain(ctx context.Context, domain string) (*Report, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if strings.TrimSpace(domain) == "" {
		return nil, fmt.Errorf("cannot analyse domain: %w", ErrEmptyInput)
	}
	res, err := a.urls.AnalyzeDomain(domain)
	if err != nil {
		return nil, fmt.Errorf("cannot analyse domain: %w", err)
	}
	rep := a.netReport(KindDomain, domain, res)
	set := indicator.NewSet(a.opts.MaxIndicators)
	addHostIndicator(set, res, "input")
	rep.Indicators = set.Items()
	return rep, nil
}

// AnalyzeIP analyses an IP address (classification only; reputation comes
// from threat intel).
func (a *Analyzer) AnalyzeIP(ctx context.Context, ip string) (*Report, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if strings.TrimSpace(ip) == "" {
		return nil, fmt.Errorf("cannot analyse IP: %w", ErrEmptyInput)
	}
	res, err := a.urls.AnalyzeIP(ip)
	if err != nil {
		return nil, fmt.Errorf("cannot analyse IP: %w", err)
	}
	rep := a.netReport(KindIP, ip, res)
	set := indicator.NewSet(a.opts.MaxIndicators)
	addHostIndicator(set, res, "input")
	rep.Indicators = set.Items()
	return rep, nil
}

func addHostIndicator(set *indicator.Set, res *urlscan.Result, source string) {
	switch {
	case res.IsIP && strings.Contains(res.IP, ":"):
		set.Add(Indicator{Type: indicator.IPv6, Value: res.IP, Source: source})
	case res.IsIP:
		set.Add(Indicator{Type: indicator.IPv4, Value: res.IP, Source: source})
	case res.Host != "":
		set.Add(Indicator{Type: indicator.Domain, Value: res.Host, Source: source})
	}
}

func (a *Analyzer) netReport(kind Kind, target string, res *urlscan.Result) *Report {
	rep := &Report{Kind: kind, Target: target, URL: res, StartedAt: a.opts.Now()}
	rep.Reasons = append(rep.Reasons, res.Findings...)
	rep.finish()
	return rep
}

var (
	hexRe    = regexp.MustCompile(`^[0-9a-f]+$`)
	tlshRe   = regexp.MustCompile(`^(?:t1)?[0-9a-f]{70}$`)
	ssdeepRe = regexp.MustCompile(`^\d+:[A-Za-z0-9+/]{1,128}:[A-Za-z0-9+/]{1,128}(?:,"[^"]*")?$`)
)

// AnalyzeHash validates a hash and returns a hash-only report: no local
// verdict can be given from a hash, lookups belong to threat intel.
func (a *Analyzer) AnalyzeHash(ctx context.Context, h string) (*Report, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	v := strings.TrimSpace(h)
	if v == "" {
		return nil, fmt.Errorf("cannot analyse hash: %w", ErrEmptyInput)
	}
	low := strings.ToLower(v)
	hs := &Hashes{}
	algo := ""
	switch {
	case hexRe.MatchString(low) && len(low) == 32:
		algo, hs.MD5 = "md5", low
	case hexRe.MatchString(low) && len(low) == 40:
		algo, hs.SHA1 = "sha1", low
	case hexRe.MatchString(low) && len(low) == 64:
		algo, hs.SHA256 = "sha256", low
	case hexRe.MatchString(low) && len(low) == 128:
		algo, hs.SHA512 = "sha512", low
	case tlshRe.MatchString(low):
		algo = "tlsh"
		v = "T1" + strings.TrimPrefix(low, "t1")
		low = v
		hs.TLSH = v
	case ssdeepRe.MatchString(v):
		algo, hs.SSDeep = "ssdeep", v
		low = v
	default:
		return nil, fmt.Errorf("cannot analyse hash %q: %w", truncate(v, 80), ErrInvalidHash)
	}
	rep := &Report{
		Kind:       KindHash,
		Target:     v,
		Hashes:     hs,
		Hash:       &HashInfo{Algorithm: algo, Value: low},
		Indicators: []Indicator{{Type: indicator.Hash, Value: low, Source: "input"}},
		StartedAt:  a.opts.Now(),
	}
	rep.Reasons = append(rep.Reasons, Reason{Code: "hash.lookup_only", Message: "hash-only analysis: no local verdict; look the hash up in threat intel", Weight: 0, Evidence: algo})
	rep.finish()
	return rep, nil
}

// finish computes the score and verdict from the reasons: the score is the
// sum of the weights clamped to 0..100.
func (r *Report) finish() {
	total := 0
	for _, re := range r.Reasons {
		total += re.Weight
	}
	r.Score = min(max(total, 0), 100)
	switch {
	case r.Score >= MaliciousScore:
		r.Verdict = VerdictMalicious
	case r.Score >= SuspiciousScore:
		r.Verdict = VerdictSuspicious
	default:
		r.Verdict = VerdictClean
	}
	if r.Reasons == nil {
		r.Reasons = []Reason{}
	}
	if r.Indicators == nil {
		r.Indicators = []Indicator{}
	}
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// hashes computes the digests in one pass plus TLSH.
func hashes(data []byte) *Hashes {
	m, s1, s256 := md5.New(), sha1.New(), sha256.New()
	w := io.MultiWriter(m, s1, s256)
	_, _ = w.Write(data)
	h := &Hashes{
		MD5:    hex.EncodeToString(m.Sum(nil)),
		SHA1:   hex.EncodeToString(s1.Sum(nil)),
		SHA256: hex.EncodeToString(s256.Sum(nil)),
	}
	// TLSH needs at least 50 bytes of input to be meaningful.
	if len(data) >= 50 {
		if t, err := tlsh.HashBytes(data); err == nil {
			h.TLSH = "T1" + strings.ToUpper(t.String())
		}
	}
	return h
}

// isDeadline reports whether err is the analysis timeout.
func isDeadline(err error) bool {
	return errors.Is(err, context.DeadlineExceeded)
}
