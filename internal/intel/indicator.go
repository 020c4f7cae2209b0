// Package intel is EventSec's threat intelligence: indicators of
// compromise (IPs, CIDR blocks, domains, URLs, hashes, e-mail addresses,
// file names, TLS fingerprints, user agents) with their normalization, an
// in-memory matcher for the ingest hot path, importers and exporters
// (STIX 2.1, MISP, CSV, plain lists), feed subscriptions fetched on a
// schedule, sightings and retro-hunts over stored events.
package intel

import (
	"net/netip"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/idna"
)

// Type is an indicator type.
type Type string

// Indicator types.
const (
	TypeIPv4      Type = "ipv4"
	TypeIPv6      Type = "ipv6"
	TypeCIDR      Type = "cidr"
	TypeDomain    Type = "domain"
	TypeURL       Type = "url"
	TypeMD5       Type = "md5"
	TypeSHA1      Type = "sha1"
	TypeSHA256    Type = "sha256"
	TypeEmail     Type = "email"
	TypeFilename  Type = "filename"
	TypeJA3       Type = "ja3"
	TypeJA4       Type = "ja4"
	TypeUserAgent Type = "user_agent"
)

// Types lists every indicator type, in display order.
var Types = []Type{TypeIPv4, TypeIPv6, TypeCIDR, TypeDomain, TypeURL, TypeMD5, TypeSHA1, TypeSHA256,
	TypeEmail, TypeFilename, TypeJA3, TypeJA4, TypeUserAgent}

// Valid reports whether t is a known type.
func (t Type) Valid() bool {
	for _, x := range Types {
		if x == t {
			return true
		}
	}
	return false
}

// ECSType is the ECS threat.indicator.type of t (STIX cyber-observable
// names); types without one (TLS fingerprints, user agents) are "software".
func (t Type) ECSType() string {
	switch t {
	case TypeIPv4:
		return "ipv4-addr"
	case TypeIPv6:
		return "ipv6-addr"
	case TypeCIDR:
		return "ipv4-addr" // refined by the value's family in ecsTypeOf
	case TypeDomain:
		return "domain-name"
	case TypeURL:
		return "url"
	case TypeMD5, TypeSHA1, TypeSHA256, TypeFilename:
		return "file"
	case TypeEmail:
		return "email-addr"
	}
	return "software"
}

// Severities are the indicator severities, lowest first (the alert levels).
var Severities = []string{"informational", "low", "medium", "high", "critical"}

// SeverityRank orders severities (-1 for an unknown one).
func SeverityRank(s string) int {
	for i, x := range Severities {
		if x == s {
			return i
		}
	}
	return -1
}

// MaxValueLen bounds an indicator's value (long URLs included).
const MaxValueLen = 4096

// Normalize returns the canonical form of value as an indicator of type t,
// the form the matcher compares: lower-case domains in punycode without a
// trailing dot, normalized URLs, lower-case hex hashes of the right
// length, canonical addresses and CIDR blocks. The error is a *FieldError
// on "value" saying why the value is refused.
func Normalize(t Type, value string) (string, error) {
	v := strings.TrimSpace(value)
	if v == "" {
		return "", fieldErr("value", "is empty")
	}
	if len(v) > MaxValueLen {
		return "", fieldErr("value", "is longer than %d bytes", MaxValueLen)
	}
	if !utf8.ValidString(v) {
		return "", fieldErr("value", "is not valid UTF-8")
	}
	switch t {
	case TypeIPv4, TypeIPv6:
		a, err := netip.ParseAddr(v)
		if err != nil {
			if _, perr := netip.ParsePrefix(v); perr == nil {
				return "", fieldErr("value", "%q is a CIDR block: use type cidr", v)
			}
			return "", fieldErr("value", "%q is not an IP address", v)
		}
		if a.Zone() != "" {
			return "", fieldErr("value", "%q has a zone; give the address alone", v)
		}
		a = a.Unmap()
		if t == TypeIPv4 && !a.Is4() {
			return "", fieldErr("value", "%q is an IPv6 address: use type ipv6", v)
		}
		if t == TypeIPv6 && a.Is4() {
			return "", fieldErr("value", "%q is an IPv4 address: use type ipv4", v)
		}
		return a.String(), nil
	case TypeCIDR:
		p, err := netip.ParsePrefix(v)
		if err != nil {
			a, aerr := netip.ParseAddr(v)
			if aerr != nil || a.Zone() != "" {
				return "", fieldErr("value", "%q is not a CIDR block such as 192.0.2.0/24", v)
			}
			a = a.Unmap()
			p = netip.PrefixFrom(a, a.BitLen())
		}
		if p.Addr().Is4In6() {
			bits := p.Bits() - 96
			if bits < 0 {
				return "", fieldErr("value", "%q mixes IPv4-mapped IPv6 with a prefix shorter than /96", v)
			}
			p = netip.PrefixFrom(p.Addr().Unmap(), bits)
		}
		return p.Masked().String(), nil
	case TypeDomain:
		return normalizeDomain(v)
	case TypeURL:
		u, err := NormalizeURL(v)
		if err != nil {
			return "", fieldErr("value", "%v", err)
		}
		return u, nil
	case TypeMD5, TypeSHA1, TypeSHA256, TypeJA3:
		want := map[Type]int{TypeMD5: 32, TypeSHA1: 40, TypeSHA256: 64, TypeJA3: 32}[t]
		h := strings.ToLower(v)
		if !isHex(h) {
			return "", fieldErr("value", "a %s is hexadecimal; %q has other characters", t, v)
		}
		if len(h) != want {
			return "", fieldErr("value", "a %s has %d hex digits, %q has %d", t, want, v, len(h))
		}
		return h, nil
	case TypeJA4:
		h := strings.ToLower(v)
		if !isJA4(h) {
			return "", fieldErr("value", "%q is not a JA4 fingerprint (a_b_c: 10 characters, 12 hex digits, 12 hex digits)", v)
		}
		return h, nil
	case TypeEmail:
		local, domain, ok := strings.Cut(v, "@")
		if !ok || local == "" || domain == "" || strings.Contains(domain, "@") {
			return "", fieldErr("value", "%q is not an e-mail address (local@domain)", v)
		}
		if strings.ContainsAny(local, " \t<>\"") {
			return "", fieldErr("value", "%q: give the bare address, without a display name", v)
		}
		d, err := normalizeDomain(domain)
		if err != nil {
			return "", fieldErr("value", "%q: the domain %s", v, err.(*FieldError).Reason)
		}
		return strings.ToLower(local) + "@" + d, nil
	case TypeFilename:
		if strings.ContainsAny(v, "/\\") {
			return "", fieldErr("value", "%q has directories: a filename indicator is a file's name alone", v)
		}
		if len(v) > 255 {
			return "", fieldErr("value", "a file name has at most 255 bytes")
		}
		// File systems where intrusions happen mostly ignore case.
		return strings.ToLower(v), nil
	case TypeUserAgent:
		if len(v) > 1024 {
			return "", fieldErr("value", "a user agent has at most 1024 bytes here")
		}
		return v, nil
	}
	return "", fieldErr("type", "%q is not an indicator type (one of %s)", string(t), typeList())
}

func typeList() string {
	s := make([]string, len(Types))
	for i, t := range Types {
		s[i] = string(t)
	}
	return strings.Join(s, ", ")
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return len(s) > 0
}

// isJA4 checks the shape of a (lower-cased) JA4 TLS client fingerprint:
// a 10-character section a, then two 12-hex-digit truncated hashes.
func isJA4(s string) bool {
	parts := strings.Split(s, "_")
	if len(parts) != 3 || len(parts[0]) != 10 || len(parts[1]) != 12 || len(parts[2]) != 12 {
		return false
	}
	for i := 0; i < len(parts[0]); i++ {
		c := parts[0][i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z') {
			return false
		}
	}
	return isHex(parts[1]) && isHex(parts[2])
}

// idnaProfile converts host names to their ASCII (punycode) form. It is
// lenient about underscores and the like, which real malicious host names
// use, and checks label and name lengths.
var idnaProfile = idna.New(idna.MapForLookup(), idna.Transitional(false), idna.StrictDomainName(false), idna.VerifyDNSLength(true))

// normalizeDomain lower-cases a domain, removes a trailing dot and a
// leading "*." and converts internationalised names to punycode.
func normalizeDomain(v string) (string, error) {
	if !utf8.ValidString(v) {
		// IDNA would encode the replacement character: not a name.
		return "", fieldErr("value", "is not valid UTF-8")
	}
	d := strings.TrimSuffix(strings.TrimSpace(v), ".")
	d = strings.TrimPrefix(d, "*.")
	if d == "" {
		return "", fieldErr("value", "is empty")
	}
	if _, err := netip.ParseAddr(strings.Trim(d, "[]")); err == nil {
		return "", fieldErr("value", "%q is an IP address: use type ipv4 or ipv6", v)
	}
	if strings.ContainsAny(d, " /:@?#\t\\") {
		return "", fieldErr("value", "%q is not a domain name", v)
	}
	ascii := true
	for i := 0; i < len(d); i++ {
		if d[i] >= 0x80 {
			ascii = false
			break
		}
	}
	if ascii {
		d = strings.ToLower(d)
	}
	// The profile maps case and width, converts to punycode and checks
	// the lengths of labels and of the name.
	out, err := idnaProfile.ToASCII(d)
	if err != nil {
		return "", fieldErr("value", "%q is not a valid domain name: %v", v, err)
	}
	if !strings.Contains(out, ".") {
		// A single label would match every name under it (a whole TLD).
		return "", fieldErr("value", "%q has a single label: give at least a registered domain such as example.com", v)
	}
	for _, label := range strings.Split(out, ".") {
		if label == "" {
			return "", fieldErr("value", "%q has an empty label", v)
		}
	}
	return out, nil
}

// DetectType guesses the type of a bare value, for plain lists: addresses,
// CIDR blocks, URLs (with a scheme), e-mail addresses, hashes by length,
// JA4 fingerprints and domains. ok is false when nothing fits.
func DetectType(v string) (Type, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return "", false
	}
	if a, err := netip.ParseAddr(v); err == nil {
		if a.Unmap().Is4() {
			return TypeIPv4, true
		}
		return TypeIPv6, true
	}
	if _, err := netip.ParsePrefix(v); err == nil {
		return TypeCIDR, true
	}
	if i := strings.Index(v, "://"); i > 0 && !strings.ContainsAny(v[:i], " /") {
		return TypeURL, true
	}
	if strings.Count(v, "@") == 1 && !strings.ContainsAny(v, " /") {
		return TypeEmail, true
	}
	l := strings.ToLower(v)
	if isHex(l) {
		switch len(l) {
		case 32:
			return TypeMD5, true
		case 40:
			return TypeSHA1, true
		case 64:
			return TypeSHA256, true
		}
		return "", false
	}
	if isJA4(l) {
		return TypeJA4, true
	}
	if host, _, ok := strings.Cut(v, "/"); ok && host != "" {
		// evil.example/path: a URL written without its scheme.
		if _, err := normalizeDomain(host); err == nil {
			return TypeURL, true
		}
		return "", false
	}
	if _, err := normalizeDomain(v); err == nil {
		return TypeDomain, true
	}
	return "", false
}
