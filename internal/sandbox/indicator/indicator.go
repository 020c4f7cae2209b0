// Package indicator extracts indicators of compromise (URLs, IP addresses,
// domains, e-mail addresses, registry keys, Bitcoin addresses) from text, with
// validation that keeps the junk printable runs of binaries produce out:
// domains must end in a real ICANN top-level domain, IPs must parse, Bitcoin
// addresses must pass their checksum.
package indicator

import (
	"net/netip"
	"net/url"
	"regexp"
	"strings"

	"golang.org/x/net/publicsuffix"
)

// Type is the kind of an indicator; the values match the intel store's.
type Type string

// Indicator types.
const (
	URL         Type = "url"
	IPv4        Type = "ipv4"
	IPv6        Type = "ipv6"
	Domain      Type = "domain"
	Email       Type = "email"
	RegistryKey Type = "registry_key"
	Bitcoin     Type = "bitcoin"
	Hash        Type = "hash"
)

// Indicator is one extracted value and where it was found.
type Indicator struct {
	Type  Type   `json:"type"`
	Value string `json:"value"`
	// Source says where: "strings", "pe.overlay", "vba:Module1", "pdf.uri", an archive path...
	Source string `json:"source,omitempty"`
}

var (
	urlRe    = regexp.MustCompile(`(?i)\b(?:https?|hxxps?|ftp|wss?)://[^\s"'<>\x60{}|\\^\x00]+`)
	emailRe  = regexp.MustCompile(`[A-Za-z0-9._%+\-]{1,64}@[A-Za-z0-9\-]{1,63}(?:\.[A-Za-z0-9\-]{1,63})+`)
	ipv4Re   = regexp.MustCompile(`\b(?:\d{1,3}\.){3}\d{1,3}\b`)
	ipv6Re   = regexp.MustCompile(`(?i)\b[0-9a-f]{0,4}(?::[0-9a-f]{0,4}){2,7}\b`)
	domainRe = regexp.MustCompile(`(?i)\b(?:[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?\.)+[a-z]{2,24}\b`)
	regRe    = regexp.MustCompile(`(?i)\b(?:HKEY_LOCAL_MACHINE|HKEY_CURRENT_USER|HKEY_CLASSES_ROOT|HKEY_USERS|HKEY_CURRENT_CONFIG|HKLM|HKCU|HKCR|HKU)\\[^\x00-\x1f"'<>|*?]{2,}|(?i)\b(?:SOFTWARE|SYSTEM)\\(?:Microsoft|CurrentControlSet|Policies|Classes|Wow6432Node)\\[^\x00-\x1f"'<>|*?]{2,}`)
	btcRe    = regexp.MustCompile(`\b(?:[13][a-km-zA-HJ-NP-Z1-9]{25,34}|bc1[ac-hj-np-z02-9]{11,71})\b`)
)

// fileExtensionTLDs are real TLDs that are far more often file extensions in
// strings ("setup.zip", "run.sh", "main.py"); a domain-looking string ending
// in one is kept only when it also appears inside a URL or e-mail.
var fileExtensionTLDs = map[string]bool{
	"zip": true, "mov": true, "sh": true, "py": true, "pl": true, "rs": true, "so": true,
	"md": true, "cc": true, "cs": true, "in": true, "am": true, "ac": true, "ps": true,
	"ts": true, "pm": true, "rb": true, "go": true, "ml": true, "mo": true, "app": true,
	"php": true, "lib": true, "sys": true, "bin": true, "dat": true, "doc": true, "pdf": true,
	"txt": true, "log": true, "json": true, "xml": true, "html": true, "png": true, "gif": true,
	"jpg": true, "bat": true, "ini": true, "tmp": true, "bak": true,
}

// IsRealTLD reports whether the last label of host is an ICANN top-level domain.
func IsRealTLD(host string) bool {
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	i := strings.LastIndexByte(host, '.')
	if i < 0 || i == len(host)-1 {
		return false
	}
	tld := host[i+1:]
	suffix, icann := publicsuffix.PublicSuffix(tld)
	return icann && suffix == tld
}

// Set collects unique indicators in the order they were first seen.
type Set struct {
	max   int
	seen  map[string]bool
	items []Indicator
}

// NewSet returns a Set that keeps at most max indicators (0 = 10,000).
func NewSet(max int) *Set {
	if max <= 0 {
		max = 10_000
	}
	return &Set{max: max, seen: map[string]bool{}}
}

// Add records ind unless an equal type+value was seen. It reports whether
// the indicator was new.
func (s *Set) Add(ind Indicator) bool {
	k := string(ind.Type) + "\x00" + ind.Value
	if s.seen[k] || len(s.items) >= s.max {
		return false
	}
	s.seen[k] = true
	s.items = append(s.items, ind)
	return true
}

// AddAll records every indicator of list.
func (s *Set) AddAll(list []Indicator) {
	for _, ind := range list {
		s.Add(ind)
	}
}

// Items returns the collected indicators.
func (s *Set) Items() []Indicator { return s.items }

// Len returns how many indicators were collected.
func (s *Set) Len() int { return len(s.items) }

// commonTLDs restrict bare domains found in binary strings: symbol names
// such as "time.now", "errors.is" or "abi.name" end in real TLDs, so only
// the TLDs that hosts in malware configurations actually use are accepted
// there.
var commonTLDs = map[string]bool{
	"com": true, "net": true, "org": true, "info": true, "biz": true, "io": true, "co": true, "me": true, "xyz": true,
	"top": true, "online": true, "site": true, "club": true, "ru": true, "cn": true, "su": true, "pw": true, "tk": true,
	"ml": true, "ga": true, "cf": true, "gq": true, "ws": true, "de": true, "uk": true, "fr": true, "nl": true, "br": true,
	"jp": true, "kr": true, "ir": true, "ua": true, "pl": true, "es": true, "us": true, "ca": true, "au": true, "ch": true,
	"se": true, "tv": true, "cloud": true, "tech": true,
	"website": true, "icu": true, "vip": true, "buzz": true, "cyou": true, "sbs": true, "cfd": true, "monster": true, "quest": true, "gov": true, "edu": true,
	"ly": true, "gg": true, "kz": true, "vn": true, "tw": true, "hk": true, "tr": true,
}

// Extract finds the indicators in text and adds them to s with source.
func (s *Set) Extract(text, source string) {
	s.extract(text, source, false)
}

// ExtractBinary is Extract for strings pulled out of binary data: bare
// domains must be lower-case and end in a common TLD.
func (s *Set) ExtractBinary(text, source string) {
	s.extract(text, source, true)
}

func (s *Set) extract(text, source string, strict bool) {
	if len(text) < 5 {
		return
	}
	// Spans already claimed by a URL or e-mail are not reported again as
	// bare domains.
	var claimed [][2]int
	hasScheme := strings.Contains(text, "://")
	if hasScheme {
		for _, m := range urlRe.FindAllStringIndex(text, 64) {
			raw := trimURL(text[m[0]:m[1]])
			claimed = append(claimed, [2]int{m[0], m[0] + len(raw)})
			s.addURL(raw, source)
		}
	}
	if strings.IndexByte(text, '@') >= 0 {
		for _, m := range emailRe.FindAllStringIndex(text, 64) {
			v := strings.TrimRight(text[m[0]:m[1]], ".-")
			at := strings.IndexByte(v, '@')
			if at <= 0 || !IsRealTLD(v[at+1:]) {
				continue
			}
			claimed = append(claimed, [2]int{m[0], m[1]})
			s.Add(Indicator{Type: Email, Value: strings.ToLower(v), Source: source})
		}
	}
	if strings.IndexByte(text, '.') >= 0 {
		for _, m := range ipv4Candidates(text) {
			if inClaimed(claimed, m) {
				continue
			}
			s.addIP(text[m[0]:m[1]], source)
		}
		for _, m := range domainRe.FindAllStringIndex(text, 64) {
			if inClaimed(claimed, m) {
				continue
			}
			// Skip the middle of dotted tokens such as "a.b.c.d.exe" parts and
			// hosts that are really file names or code identifiers.
			if m[0] > 0 && (text[m[0]-1] == '.' || text[m[0]-1] == '@' || text[m[0]-1] == '\\' || text[m[0]-1] == '_') {
				continue
			}
			if m[1] < len(text) && (text[m[1]] == '(' || text[m[1]] == '_') {
				continue
			}
			d := text[m[0]:m[1]]
			if strict && (strings.ToLower(d) != d || !commonTLDs[d[strings.LastIndexByte(d, '.')+1:]]) {
				continue
			}
			s.addDomain(d, source, false)
		}
	}
	if strings.Count(text, ":") >= 2 {
		for _, m := range ipv6Re.FindAllStringIndex(text, 16) {
			if inClaimed(claimed, m) {
				continue
			}
			v := text[m[0]:m[1]]
			if len(v) < 6 || !strings.ContainsAny(v, "0123456789") || strings.Count(v, ":") < 2 {
				continue
			}
			a, err := netip.ParseAddr(v)
			if err != nil || !a.Is6() || a.Is4In6() || a.IsUnspecified() || a.IsLoopback() {
				continue
			}
			s.Add(Indicator{Type: IPv6, Value: a.String(), Source: source})
		}
	}
	if strings.IndexByte(text, '\\') >= 0 {
		for _, m := range regRe.FindAllString(text, 16) {
			s.Add(Indicator{Type: RegistryKey, Value: strings.TrimRight(m, `\ `), Source: source})
		}
	}
	if strings.ContainsAny(text, "13b") {
		for _, m := range btcRe.FindAllString(text, 16) {
			if validBitcoin(m) {
				s.Add(Indicator{Type: Bitcoin, Value: m, Source: source})
			}
		}
	}
}

// ipv4Candidates runs the IPv4 expression only on text that has a
// digit-dot-digit sequence, the common case being none.
func ipv4Candidates(text string) [][]int {
	for i := 1; i+1 < len(text); i++ {
		if text[i] == '.' && text[i-1] >= '0' && text[i-1] <= '9' && text[i+1] >= '0' && text[i+1] <= '9' {
			return ipv4Re.FindAllStringIndex(text, 64)
		}
	}
	return nil
}

func inClaimed(claimed [][2]int, m []int) bool {
	for _, c := range claimed {
		if m[0] >= c[0] && m[1] <= c[1] {
			return true
		}
	}
	return false
}

func trimURL(raw string) string {
	return strings.TrimRight(raw, ".,;:)]}!?'\"")
}

func (s *Set) addURL(raw, source string) {
	norm := raw
	low := strings.ToLower(raw)
	// Defanged hxxp:// is re-fanged so the indicator matches live traffic.
	if strings.HasPrefix(low, "hxxp") {
		norm = "http" + raw[4:]
	}
	u, err := url.Parse(norm)
	if err != nil || u.Host == "" {
		return
	}
	host := u.Hostname()
	if a, err := netip.ParseAddr(host); err == nil {
		s.Add(Indicator{Type: URL, Value: norm, Source: source})
		s.addIPAddr(a, source)
		return
	}
	if !IsRealTLD(host) {
		return
	}
	s.Add(Indicator{Type: URL, Value: norm, Source: source})
	s.addDomain(host, source, true)
}

func (s *Set) addIP(v, source string) {
	a, err := netip.ParseAddr(v)
	if err != nil {
		return
	}
	s.addIPAddr(a, source)
}

func (s *Set) addIPAddr(a netip.Addr, source string) {
	if a.IsUnspecified() || a.IsLoopback() || a.IsMulticast() {
		return
	}
	if a.Is4() {
		b := a.As4()
		if b[0] == 0 || b == [4]byte{255, 255, 255, 255} {
			return
		}
		s.Add(Indicator{Type: IPv4, Value: a.String(), Source: source})
		return
	}
	s.Add(Indicator{Type: IPv6, Value: a.String(), Source: source})
}

func (s *Set) addDomain(host, source string, fromURL bool) {
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	if !IsRealTLD(host) {
		return
	}
	tld := host[strings.LastIndexByte(host, '.')+1:]
	if !fromURL && fileExtensionTLDs[tld] {
		return
	}
	etld1, err := publicsuffix.EffectiveTLDPlusOne(host)
	if err != nil {
		return
	}
	label := strings.TrimSuffix(etld1, "."+tld)
	if i := strings.LastIndexByte(label, '.'); i >= 0 {
		label = label[i+1:]
	}
	// One-letter or all-digit registrable labels ("a.com", "1.net") are
	// almost always fragments of something else in binary strings.
	if !fromURL && (len(label) < 2 || strings.Trim(label, "0123456789") == "") {
		return
	}
	s.Add(Indicator{Type: Domain, Value: host, Source: source})
}

// ExtractAll is a convenience returning the indicators of text.
func ExtractAll(text, source string) []Indicator {
	s := NewSet(0)
	s.Extract(text, source)
	return s.Items()
}
