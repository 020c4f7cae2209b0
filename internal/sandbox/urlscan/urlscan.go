// Package urlscan analyses URLs, domains and IP addresses without fetching
// them: normalisation, IDN/punycode decoding, mixed-script and homoglyph
// detection, typosquatting against protected brands, suspicious TLDs and
// shorteners, a DGA-likeness score and the structural tricks phishing links
// use (userinfo@, IP literals, data:/javascript: schemes, deep subdomains).
package urlscan

import (
	"errors"
	"fmt"
	"math"
	"net/netip"
	"net/url"
	"path"
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/net/idna"
	"golang.org/x/net/publicsuffix"
	"golang.org/x/text/unicode/norm"

	"github.com/eventsec/eventsec/internal/sandbox/finding"
)

// Errors.
var (
	ErrEmpty      = errors.New("empty input")
	ErrInvalidURL = errors.New("invalid URL")
	ErrInvalidIP  = errors.New("invalid IP address")
	ErrInvalidDom = errors.New("invalid domain name")
)

// maxInput bounds what is parsed; longer inputs are refused.
const maxInput = 8192

// Options configures a Scanner.
type Options struct {
	// Brands are names ("paypal") or domains ("paypal.com") to protect from
	// typosquatting. Domains also mark their own hosts as legitimate.
	Brands []string
}

// Scanner analyses URLs, domains and IPs. It is safe for concurrent use.
type Scanner struct {
	brands []brand
}

type brand struct {
	name     string // label, e.g. "paypal"
	domain   string // registrable domain if given, e.g. "paypal.com"
	skeleton string
}

// New returns a Scanner for opts.
func New(opts Options) *Scanner {
	s := &Scanner{}
	for _, b := range opts.Brands {
		b = strings.ToLower(strings.TrimSpace(b))
		if b == "" {
			continue
		}
		br := brand{name: b}
		if strings.Contains(b, ".") {
			if a, err := idna.Lookup.ToASCII(b); err == nil {
				b = a
			}
			if d, err := publicsuffix.EffectiveTLDPlusOne(b); err == nil {
				br.domain = d
				br.name = registrableLabel(d)
			}
		}
		if len(br.name) < 3 {
			continue
		}
		br.skeleton = Skeleton(br.name)
		s.brands = append(s.brands, br)
	}
	return s
}

// Typosquat is one brand a host imitates.
type Typosquat struct {
	Brand     string `json:"brand"`
	Technique string `json:"technique"`
	Distance  int    `json:"distance,omitempty"`
	Label     string `json:"label"`
}

// DGA holds the domain-generation-algorithm features and score.
type DGA struct {
	// Score is 0 (human-looking) .. 1 (random-looking).
	Score          float64 `json:"score"`
	Entropy        float64 `json:"entropy"`
	LongestConsRun int     `json:"longest_consonant_run"`
	DigitRatio     float64 `json:"digit_ratio"`
	// BigramLogProb is the mean log10 probability of the label's letter
	// pairs under English bigram frequencies.
	BigramLogProb float64 `json:"bigram_log_prob"`
	Length        int     `json:"length"`
}

// Result is the analysis of one URL, domain or IP.
type Result struct {
	Input      string `json:"input"`
	Normalized string `json:"normalized"`
	Scheme     string `json:"scheme,omitempty"`
	Host       string `json:"host,omitempty"`
	// HostUnicode is the host with punycode labels decoded.
	HostUnicode      string      `json:"host_unicode,omitempty"`
	Port             string      `json:"port,omitempty"`
	Path             string      `json:"path,omitempty"`
	IsIP             bool        `json:"is_ip"`
	IP               string      `json:"ip,omitempty"`
	IPClass          string      `json:"ip_class,omitempty"`
	RegisteredDomain string      `json:"registered_domain,omitempty"`
	TLD              string      `json:"tld,omitempty"`
	Subdomains       int         `json:"subdomains"`
	IDN              bool        `json:"idn"`
	Scripts          []string    `json:"scripts,omitempty"`
	MixedScript      bool        `json:"mixed_script"`
	Skeleton         string      `json:"skeleton,omitempty"`
	Typosquats       []Typosquat `json:"typosquats,omitempty"`
	DGA              *DGA        `json:"dga,omitempty"`
	Shortener        bool        `json:"shortener"`
	SuspiciousTLD    bool        `json:"suspicious_tld"`
	KnownBrand       bool        `json:"known_brand"`
	// Findings are the suspicious traits found, each with its weight.
	Findings []finding.Finding `json:"-"`
}

func (r *Result) add(code string, weight int, msg, ev string) {
	r.Findings = append(r.Findings, finding.New(code, weight, msg, ev))
}

// AnalyzeURL analyses a URL. Inputs without a scheme are read as http://.
func (s *Scanner) AnalyzeURL(raw string) (*Result, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return nil, ErrEmpty
	}
	if len(raw) > maxInput {
		return nil, fmt.Errorf("cannot parse URL: %w: longer than %d bytes", ErrInvalidURL, maxInput)
	}
	res := &Result{Input: raw}
	low := strings.ToLower(raw)
	for _, scheme := range []string{"data:", "javascript:", "vbscript:"} {
		if strings.HasPrefix(low, scheme) {
			res.Scheme = strings.TrimSuffix(scheme, ":")
			res.Normalized = raw
			res.add("url.dangerous_scheme", 40, "URL uses a scheme that carries code or content inline", res.Scheme+":")
			if res.Scheme == "data" && (strings.Contains(low, "text/html") || strings.Contains(low, "javascript")) {
				res.add("url.data_html", 20, "data: URL embeds an HTML page or script (phishing page without a server)", truncate(raw, 80))
			}
			return res, nil
		}
	}
	// Defanged forms are re-fanged.
	raw = strings.NewReplacer("hxxp://", "http://", "hxxps://", "https://", "[.]", ".", "(.)", ".", "[:]", ":").Replace(raw)
	if !strings.Contains(raw, "://") {
		raw = "http://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("cannot parse URL: %w: %v", ErrInvalidURL, err)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("cannot parse URL: %w: no host", ErrInvalidURL)
	}
	res.Scheme = strings.ToLower(u.Scheme)
	res.Port = u.Port()
	res.Path = u.EscapedPath()
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	if u.User != nil {
		res.add("url.userinfo", 25, "URL has a user-info part before @: the real host is after it", u.User.Username()+"@"+host)
	}
	if err := s.analyzeHost(res, host); err != nil {
		return nil, err
	}
	nu := *u
	nu.Scheme = res.Scheme
	nu.Host = res.Host
	if res.Port != "" {
		nu.Host = netJoin(res.Host, res.Port)
	}
	nu.Fragment = ""
	res.Normalized = nu.String()
	s.analyzeURLParts(res, u)
	return res, nil
}

func netJoin(host, port string) string {
	if strings.Contains(host, ":") {
		return "[" + host + "]:" + port
	}
	return host + ":" + port
}

// AnalyzeDomain analyses a bare domain name.
func (s *Scanner) AnalyzeDomain(domain string) (*Result, error) {
	d := strings.TrimSuffix(strings.ToLower(strings.TrimSpace(domain)), ".")
	if d == "" {
		return nil, ErrEmpty
	}
	if len(d) > 253 || strings.ContainsAny(d, "/:@ ?#") {
		return nil, fmt.Errorf("cannot analyse domain %q: %w", truncate(domain, 64), ErrInvalidDom)
	}
	res := &Result{Input: domain}
	if err := s.analyzeHost(res, d); err != nil {
		return nil, err
	}
	if res.IsIP {
		return nil, fmt.Errorf("cannot analyse domain %q: %w: it is an IP address", domain, ErrInvalidDom)
	}
	res.Normalized = res.Host
	return res, nil
}

// AnalyzeIP analyses an IP address.
func (s *Scanner) AnalyzeIP(ip string) (*Result, error) {
	ip = strings.TrimSpace(ip)
	a, err := netip.ParseAddr(strings.Trim(ip, "[]"))
	if err != nil {
		return nil, fmt.Errorf("cannot parse IP %q: %w", truncate(ip, 64), ErrInvalidIP)
	}
	res := &Result{Input: ip, Normalized: a.String(), IsIP: true, IP: a.String(), Host: a.String(), IPClass: ipClass(a)}
	ipFindings(res, a)
	return res, nil
}

func ipClass(a netip.Addr) string {
	switch {
	case a.IsLoopback():
		return "loopback"
	case a.IsPrivate():
		return "private"
	case a.IsLinkLocalUnicast():
		return "link_local"
	case a.IsMulticast():
		return "multicast"
	case a.IsUnspecified():
		return "unspecified"
	case netip.MustParsePrefix("100.64.0.0/10").Contains(a):
		return "cgnat"
	case a.Is4() && (netip.MustParsePrefix("192.0.2.0/24").Contains(a) || netip.MustParsePrefix("198.51.100.0/24").Contains(a) || netip.MustParsePrefix("203.0.113.0/24").Contains(a)):
		return "documentation"
	case a.Is6() && netip.MustParsePrefix("2001:db8::/32").Contains(a):
		return "documentation"
	}
	return "public"
}

func ipFindings(res *Result, a netip.Addr) {
	if res.IPClass != "public" {
		res.add("ip.non_public", 0, "address is not publicly routable", res.IPClass)
	}
}

// analyzeHost fills the host-derived fields of res.
func (s *Scanner) analyzeHost(res *Result, host string) error {
	if host == "" {
		return fmt.Errorf("cannot analyse host: %w", ErrInvalidDom)
	}
	if a, err := netip.ParseAddr(strings.Trim(host, "[]")); err == nil {
		res.IsIP, res.IP, res.Host, res.IPClass = true, a.String(), a.String(), ipClass(a)
		res.add("url.ip_host", 15, "link points at a bare IP address instead of a name", a.String())
		ipFindings(res, a)
		return nil
	}
	if a, ok := obfuscatedIPv4(host); ok {
		res.IsIP, res.IP, res.Host, res.IPClass = true, a.String(), host, ipClass(a)
		res.add("url.obfuscated_ip", 30, "host is an IP address written in decimal, octal or hex to hide it", host+" = "+a.String())
		return nil
	}
	ascii, err := idna.Lookup.ToASCII(host)
	if err != nil {
		// Keep going with a permissive conversion so odd hosts are still scored.
		ascii, err = idna.Punycode.ToASCII(host)
		if err != nil {
			return fmt.Errorf("cannot analyse host %q: %w: %v", truncate(host, 64), ErrInvalidDom, err)
		}
	}
	uni, _ := idna.Punycode.ToUnicode(ascii)
	res.Host, res.HostUnicode = ascii, uni
	res.IDN = ascii != uni || strings.Contains(ascii, "xn--")
	tld, icann := publicsuffix.PublicSuffix(ascii)
	res.TLD = tld
	if etld1, err := publicsuffix.EffectiveTLDPlusOne(ascii); err == nil {
		res.RegisteredDomain = etld1
		sub := strings.TrimSuffix(strings.TrimSuffix(ascii, etld1), ".")
		if sub != "" {
			res.Subdomains = strings.Count(sub, ".") + 1
		}
	}
	lastLabel := ascii[strings.LastIndexByte(ascii, '.')+1:]
	if !icann && !strings.Contains(tld, ".") {
		if _, ic := publicsuffix.PublicSuffix(lastLabel); !ic {
			res.add("domain.unknown_tld", 15, "top-level domain is not in the public suffix list", lastLabel)
		}
	}
	if suspiciousTLDs[lastLabel] {
		res.SuspiciousTLD = true
		res.add("domain.suspicious_tld", 10, "top-level domain is heavily abused", "."+lastLabel)
	}
	if shorteners[ascii] || shorteners[res.RegisteredDomain] {
		res.Shortener = true
		res.add("url.shortener", 10, "URL shortener hides the destination", ascii)
	}
	if res.Subdomains >= 4 {
		res.add("domain.many_subdomains", 10, "unusually deep subdomain nesting", fmt.Sprintf("%d levels", res.Subdomains))
	}
	s.scriptChecks(res, uni)
	for _, b := range s.brands {
		if b.domain != "" && (res.RegisteredDomain == b.domain) {
			res.KnownBrand = true
		}
	}
	if !res.KnownBrand {
		s.typosquat(res)
	}
	if label := registrableLabel(res.RegisteredDomain); label != "" {
		res.DGA = dgaScore(label)
		if res.DGA.Score >= 0.7 {
			res.add("domain.dga", 25, "registered name looks algorithmically generated (DGA)", fmt.Sprintf("%s score %.2f", label, res.DGA.Score))
		} else if res.DGA.Score >= 0.5 {
			res.add("domain.random_looking", 10, "registered name looks random", fmt.Sprintf("%s score %.2f", label, res.DGA.Score))
		}
	}
	return nil
}

// obfuscatedIPv4 decodes hosts like "3232235777", "0xC0A80001", "0300.0250.0.1"
// that browsers still resolve as IPv4 addresses.
func obfuscatedIPv4(host string) (netip.Addr, bool) {
	parts := strings.Split(host, ".")
	if len(parts) > 4 {
		return netip.Addr{}, false
	}
	vals := make([]uint64, len(parts))
	for i, p := range parts {
		if p == "" {
			return netip.Addr{}, false
		}
		v, err := strconv.ParseUint(p, 0, 32)
		if err != nil {
			return netip.Addr{}, false
		}
		vals[i] = v
	}
	var n uint64
	switch len(vals) {
	case 1:
		n = vals[0]
	case 2:
		if vals[0] > 255 || vals[1] > 0xffffff {
			return netip.Addr{}, false
		}
		n = vals[0]<<24 | vals[1]
	case 3:
		if vals[0] > 255 || vals[1] > 255 || vals[2] > 0xffff {
			return netip.Addr{}, false
		}
		n = vals[0]<<24 | vals[1]<<16 | vals[2]
	case 4:
		for _, v := range vals {
			if v > 255 {
				return netip.Addr{}, false
			}
		}
		n = vals[0]<<24 | vals[1]<<16 | vals[2]<<8 | vals[3]
	}
	if n > math.MaxUint32 {
		return netip.Addr{}, false
	}
	return netip.AddrFrom4([4]byte{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)}), true
}

// registrableLabel returns "paypal" for "paypal.co.uk".
func registrableLabel(etld1 string) string {
	if etld1 == "" {
		return ""
	}
	label, _, _ := strings.Cut(etld1, ".")
	return label
}

func (s *Scanner) scriptChecks(res *Result, uni string) {
	if res.IDN {
		res.add("domain.idn", 5, "internationalised (punycode) domain name", res.Host+" = "+uni)
	}
	scripts := map[string]bool{}
	mixedLabel := ""
	for _, label := range strings.Split(uni, ".") {
		ls := labelScripts(label)
		for k := range ls {
			scripts[k] = true
		}
		if (ls["Latin"] && (ls["Cyrillic"] || ls["Greek"])) || (ls["Cyrillic"] && ls["Greek"]) {
			mixedLabel = label
		}
	}
	for _, k := range []string{"Latin", "Cyrillic", "Greek", "Han", "Arabic", "Hebrew", "Armenian", "Other"} {
		if scripts[k] {
			res.Scripts = append(res.Scripts, k)
		}
	}
	if mixedLabel != "" {
		res.MixedScript = true
		res.add("domain.mixed_script", 30, "a label mixes Latin with Cyrillic or Greek letters (homograph attack)", mixedLabel)
	}
	res.Skeleton = Skeleton(uni)
	// A whole-Cyrillic or Greek label that reads as Latin ("аррӏе") is the
	// other homograph shape.
	if res.IDN && !res.MixedScript {
		label := registrableLabel(uni)
		sk := Skeleton(label)
		if sk != label && isASCIIWord(sk) && (scripts["Cyrillic"] || scripts["Greek"]) {
			res.add("domain.whole_script_confusable", 25, "a non-Latin label reads exactly like a Latin word", label+" → "+sk)
		}
	}
}

func labelScripts(label string) map[string]bool {
	out := map[string]bool{}
	for _, r := range label {
		switch {
		case r < 0x80 || !unicode.IsLetter(r):
			if unicode.IsLetter(r) {
				out["Latin"] = true
			}
		case unicode.Is(unicode.Latin, r):
			out["Latin"] = true
		case unicode.Is(unicode.Cyrillic, r):
			out["Cyrillic"] = true
		case unicode.Is(unicode.Greek, r):
			out["Greek"] = true
		case unicode.Is(unicode.Han, r), unicode.Is(unicode.Hiragana, r), unicode.Is(unicode.Katakana, r):
			out["Han"] = true
		case unicode.Is(unicode.Arabic, r):
			out["Arabic"] = true
		case unicode.Is(unicode.Hebrew, r):
			out["Hebrew"] = true
		case unicode.Is(unicode.Armenian, r):
			out["Armenian"] = true
		default:
			out["Other"] = true
		}
	}
	return out
}

func isASCIIWord(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z') && c != '-' && c != '.' {
			return false
		}
	}
	return s != ""
}

// Skeleton maps s to the Latin string it looks like: accents are removed,
// confusable letters and digits replaced, and multi-letter look-alikes
// ("rn" for "m") folded, so "pаypa1" and "paypal" share a skeleton.
func Skeleton(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(strings.ToLower(s)) {
		if unicode.Is(unicode.Mn, r) {
			continue
		}
		if m, ok := confusables[r]; ok {
			b.WriteString(m)
			continue
		}
		b.WriteRune(r)
	}
	out := b.String()
	for _, mc := range multiConfusables {
		out = strings.ReplaceAll(out, mc[0], mc[1])
	}
	return out
}

func (s *Scanner) typosquat(res *Result) {
	if len(s.brands) == 0 || res.RegisteredDomain == "" {
		return
	}
	label := registrableLabel(res.RegisteredDomain)
	uniLabel := label
	if u, err := idna.Punycode.ToUnicode(label); err == nil {
		uniLabel = u
	}
	sk := Skeleton(uniLabel)
	sub := strings.TrimSuffix(strings.TrimSuffix(res.Host, res.RegisteredDomain), ".")
	seen := map[string]bool{}
	addSquat := func(b brand, technique string, dist int, ev string) {
		if seen[b.name] {
			return
		}
		seen[b.name] = true
		res.Typosquats = append(res.Typosquats, Typosquat{Brand: b.name, Technique: technique, Distance: dist, Label: ev})
		weights := map[string]int{"homoglyph": 45, "typo": 40, "tld_swap": 35, "hyphenation": 35, "combosquatting": 40, "brand_in_subdomain": 35, "transposition": 40}
		res.add("domain.typosquat."+technique, weights[technique], fmt.Sprintf("imitates the brand %q (%s)", b.name, strings.ReplaceAll(technique, "_", " ")), ev)
	}
	for _, b := range s.brands {
		switch {
		case uniLabel == b.name:
			// Same name, different registrable domain: a TLD swap when the
			// brand's real domain is known.
			if b.domain != "" && res.RegisteredDomain != b.domain {
				addSquat(b, "tld_swap", 0, res.RegisteredDomain)
			}
		case sk == b.skeleton:
			addSquat(b, "homoglyph", 0, uniLabel)
		case strings.ReplaceAll(uniLabel, "-", "") == b.name || strings.ReplaceAll(b.name, "-", "") == uniLabel:
			addSquat(b, "hyphenation", 0, uniLabel)
		default:
			d := DamerauLevenshtein(uniLabel, b.name)
			limit := 1
			if len(b.name) >= 8 {
				limit = 2
			}
			if d > 0 && d <= limit {
				tech := "typo"
				if isTransposition(uniLabel, b.name) {
					tech = "transposition"
				}
				addSquat(b, tech, d, uniLabel)
				continue
			}
			if len(b.name) >= 4 && (containsToken(uniLabel, b.name) || containsToken(sk, b.skeleton)) {
				addSquat(b, "combosquatting", 0, uniLabel)
				continue
			}
			if len(b.name) >= 4 && sub != "" {
				for _, l := range strings.FieldsFunc(sub, func(r rune) bool { return r == '.' || r == '-' }) {
					if l == b.name || Skeleton(l) == b.skeleton {
						addSquat(b, "brand_in_subdomain", 0, res.Host)
						break
					}
				}
			}
		}
	}
}

// containsToken reports whether label contains brand in a way combosquatting
// uses: as a hyphen-separated token or glued to a common phishing word.
func containsToken(label, brand string) bool {
	if !strings.Contains(label, brand) || label == brand {
		return false
	}
	for _, tok := range strings.Split(label, "-") {
		if tok == brand {
			return true
		}
	}
	rest := strings.Replace(label, brand, "", 1)
	rest = strings.Trim(rest, "-0123456789")
	for _, kw := range []string{"login", "secure", "support", "verify", "account", "update", "service", "help", "online", "signin", "auth", "pay", "billing", "app", "web", "mail", "id", "my", "official", "center", "team", "wallet", "bank"} {
		if rest == kw {
			return true
		}
	}
	return false
}

func isTransposition(a, b string) bool {
	ra, rb := []rune(a), []rune(b)
	if len(ra) != len(rb) {
		return false
	}
	diff := []int{}
	for i := range ra {
		if ra[i] != rb[i] {
			diff = append(diff, i)
		}
	}
	return len(diff) == 2 && diff[1] == diff[0]+1 && ra[diff[0]] == rb[diff[1]] && ra[diff[1]] == rb[diff[0]]
}

// DamerauLevenshtein returns the optimal-string-alignment distance between a
// and b: insertions, deletions, substitutions and adjacent transpositions
// each cost 1.
func DamerauLevenshtein(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	if len(ra) > 256 || len(rb) > 256 {
		return max(len(ra), len(rb))
	}
	n, m := len(ra), len(rb)
	d := make([][]int, n+1)
	for i := range d {
		d[i] = make([]int, m+1)
		d[i][0] = i
	}
	for j := 0; j <= m; j++ {
		d[0][j] = j
	}
	for i := 1; i <= n; i++ {
		for j := 1; j <= m; j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[n][m]
}

// dgaScore combines entropy, consonant runs, digit ratio and English bigram
// likelihood into a 0..1 score. Short labels are never scored high: there is
// not enough signal in five letters.
func dgaScore(label string) *DGA {
	l := strings.ToLower(label)
	g := &DGA{Length: len(l)}
	if len(l) == 0 {
		return g
	}
	var counts [256]int
	digits, run, letters := 0, 0, 0
	for i := 0; i < len(l); i++ {
		c := l[i]
		counts[c]++
		switch {
		case c >= '0' && c <= '9':
			digits++
			run = 0
		case strings.IndexByte("bcdfghjklmnpqrstvwxz", c) >= 0:
			letters++
			run++
			g.LongestConsRun = max(g.LongestConsRun, run)
		case c >= 'a' && c <= 'z':
			letters++
			run = 0
		default:
			run = 0
		}
	}
	var h float64
	for _, c := range counts {
		if c > 0 {
			p := float64(c) / float64(len(l))
			h -= p * math.Log2(p)
		}
	}
	g.Entropy = math.Round(h*1000) / 1000
	g.DigitRatio = math.Round(float64(digits)/float64(len(l))*1000) / 1000
	var sum float64
	pairs := 0
	for i := 0; i+1 < len(l); i++ {
		a, b := l[i], l[i+1]
		if a < 'a' || a > 'z' || b < 'a' || b > 'z' {
			continue
		}
		p := englishBigrams[string([]byte{a, b})]
		if p == 0 {
			p = 0.003
		}
		sum += math.Log10(p / 100)
		pairs++
	}
	if pairs > 0 {
		g.BigramLogProb = math.Round(sum/float64(pairs)*1000) / 1000
	}
	if len(l) < 7 {
		return g
	}
	score := 0.0
	// English text averages about -2.4; random letters about -3.3.
	if pairs >= 2 {
		score += clamp((-2.55-g.BigramLogProb)/0.8, 0, 1) * 0.45
	}
	score += clamp((g.Entropy-2.8)/1.0, 0, 1) * 0.2
	score += clamp(float64(g.LongestConsRun-3)/3, 0, 1) * 0.2
	if digits > 0 && letters > 0 {
		score += clamp(g.DigitRatio/0.3, 0, 1) * 0.15
	}
	score *= clamp(float64(len(l)-6)/6, 0.3, 1)
	g.Score = math.Round(score*100) / 100
	return g
}

func clamp(v, lo, hi float64) float64 {
	return math.Max(lo, math.Min(hi, v))
}

func (s *Scanner) analyzeURLParts(res *Result, u *url.URL) {
	if res.Port != "" && res.Port != "80" && res.Port != "443" {
		res.add("url.nonstandard_port", 5, "non-standard port", res.Port)
	}
	full := strings.ToLower(u.Path + "?" + u.RawQuery)
	var kws []string
	for _, kw := range pathKeywords {
		if strings.Contains(full, kw) {
			kws = append(kws, kw)
		}
	}
	if len(kws) > 0 {
		w := 5 * min(len(kws), 3)
		res.add("url.phishing_keywords", w, "path or query has words phishing pages use", strings.Join(kws, ", "))
		if res.Scheme == "http" {
			res.add("url.credentials_over_http", 5, "login-style page over plain HTTP", res.Host)
		}
		if len(res.Typosquats) > 0 {
			res.add("url.brand_phishing", 20, "imitates a brand and serves a login-style page", res.Typosquats[0].Brand)
		}
	}
	ext := strings.ToLower(path.Ext(u.Path))
	if downloadExtensions[ext] {
		res.add("url.payload_extension", 15, "URL points straight at an executable or archive", path.Base(u.Path))
	}
	if len(res.Input) > 200 {
		res.add("url.long", 5, "very long URL", fmt.Sprintf("%d characters", len(res.Input)))
	}
	for _, vals := range u.Query() {
		for _, v := range vals {
			lv := strings.ToLower(v)
			if strings.HasPrefix(lv, "http://") || strings.HasPrefix(lv, "https://") || strings.HasPrefix(lv, "//") {
				res.add("url.redirect_param", 5, "query carries another URL (open redirect)", truncate(v, 120))
				return
			}
		}
	}
	if strings.Contains(u.Path, "//") || strings.Contains(u.Path, "@") {
		res.add("url.path_tricks", 5, "path contains // or @ that can confuse readers", truncate(u.Path, 120))
	}
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}
