package intel

import (
	"errors"
	"net/netip"
	"strconv"
	"strings"
)

// defaultPorts are dropped from normalized URLs.
var defaultPorts = map[string]string{"http": "80", "https": "443", "ftp": "21", "ws": "80", "wss": "443"}

// NormalizeURL returns the canonical form of a URL: scheme and host in
// lower case (the host in punycode, addresses canonical), the default port
// removed, percent-encoding normalized (unreserved characters decoded,
// other escapes in upper case, bytes outside printable ASCII encoded), an
// empty path written "/", an empty query and the fragment dropped. A URL
// without a scheme is taken as http. Dot segments are kept as they are.
func NormalizeURL(raw string) (string, error) {
	u, err := parseURL(raw)
	if err != nil {
		return "", err
	}
	return u.String(), nil
}

// urlParts is a URL cut into its normalized parts.
type urlParts struct {
	scheme, userinfo, host, port, path, query string
	hostIP                                    netip.Addr // valid when the host is an address
}

func (u urlParts) String() string {
	var b strings.Builder
	b.Grow(len(u.scheme) + len(u.userinfo) + len(u.host) + len(u.port) + len(u.path) + len(u.query) + 8)
	b.WriteString(u.scheme)
	b.WriteString("://")
	if u.userinfo != "" {
		b.WriteString(u.userinfo)
		b.WriteByte('@')
	}
	if u.hostIP.Is6() {
		b.WriteByte('[')
		b.WriteString(u.host)
		b.WriteByte(']')
	} else {
		b.WriteString(u.host)
	}
	if u.port != "" {
		b.WriteByte(':')
		b.WriteString(u.port)
	}
	b.WriteString(u.path)
	if u.query != "" {
		b.WriteByte('?')
		b.WriteString(u.query)
	}
	return b.String()
}

var (
	errURLNoHost = errors.New("the URL has no host")
)

func validScheme(s string) bool {
	if s == "" || !(s[0] >= 'a' && s[0] <= 'z' || s[0] >= 'A' && s[0] <= 'Z') {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}

// parseURL cuts and normalizes a URL. It is written for speed and for the
// URLs found in logs, which net/url often refuses (stray percent signs,
// spaces).
func parseURL(raw string) (urlParts, error) {
	var u urlParts
	s := strings.TrimSpace(raw)
	if s == "" {
		return u, errors.New("the URL is empty")
	}
	if i := strings.Index(s, "://"); i > 0 && validScheme(s[:i]) {
		u.scheme = strings.ToLower(s[:i])
		s = s[i+3:]
	} else if strings.HasPrefix(s, "//") {
		u.scheme, s = "http", s[2:]
	} else {
		if strings.HasPrefix(s, "/") {
			return u, errURLNoHost
		}
		u.scheme = "http"
	}
	// Drop the fragment.
	if i := strings.IndexByte(s, '#'); i >= 0 {
		s = s[:i]
	}
	end := strings.IndexAny(s, "/?")
	authority, rest := s, ""
	if end >= 0 {
		authority, rest = s[:end], s[end:]
	}
	if i := strings.LastIndexByte(authority, '@'); i >= 0 {
		u.userinfo, authority = authority[:i], authority[i+1:]
	}
	host := authority
	if strings.HasPrefix(authority, "[") {
		j := strings.IndexByte(authority, ']')
		if j < 0 {
			return u, errors.New("the URL's IPv6 host has no closing ]")
		}
		host = authority[1:j]
		after := authority[j+1:]
		if after != "" {
			if after[0] != ':' {
				return u, errors.New("the URL has characters after its IPv6 host")
			}
			u.port = after[1:]
		}
		a, err := netip.ParseAddr(host)
		if err != nil || !a.Is6() {
			return u, errors.New("the URL's bracketed host is not an IPv6 address")
		}
		u.hostIP = a.WithZone("")
		if u.hostIP.Is4In6() {
			u.hostIP = u.hostIP.Unmap()
		}
		u.host = u.hostIP.String()
	} else {
		if i := strings.LastIndexByte(authority, ':'); i >= 0 {
			host, u.port = authority[:i], authority[i+1:]
		}
		if host == "" {
			return u, errURLNoHost
		}
		if a, err := netip.ParseAddr(host); err == nil && a.Is4() {
			u.hostIP = a
			u.host = a.String()
		} else {
			h, err := normalizeDomain(host)
			if err != nil {
				// Single-label hosts (intranet names) are fine in URLs.
				h, err = singleLabelHost(host)
				if err != nil {
					return u, errors.New("the URL's host " + strconv.Quote(host) + " is not a host name")
				}
			}
			u.host = h
		}
	}
	if u.port != "" {
		n, err := strconv.Atoi(u.port)
		if err != nil || n < 0 || n > 65535 {
			return u, errors.New("the URL's port " + strconv.Quote(u.port) + " is not a number from 0 to 65535")
		}
		u.port = strconv.Itoa(n)
		if defaultPorts[u.scheme] == u.port {
			u.port = ""
		}
	}
	path, query := rest, ""
	if i := strings.IndexByte(rest, '?'); i >= 0 {
		path, query = rest[:i], rest[i+1:]
	}
	if path == "" {
		path = "/"
	}
	u.path = normalizePercent(path)
	u.query = normalizePercent(query)
	return u, nil
}

// singleLabelHost accepts an intranet host name of one label.
func singleLabelHost(h string) (string, error) {
	h = strings.ToLower(strings.TrimSuffix(h, "."))
	if h == "" || len(h) > 63 {
		return "", errURLNoHost
	}
	for i := 0; i < len(h); i++ {
		c := h[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return "", errURLNoHost
		}
	}
	return h, nil
}

func unreserved(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~'
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

const upperHex = "0123456789ABCDEF"

// normalizePercent decodes percent-escapes of unreserved characters,
// upper-cases the others, encodes bytes outside printable ASCII and a '%'
// that starts no escape (RFC 3986 section 6.2.2).
func normalizePercent(s string) string {
	clean := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '%' || c <= ' ' || c >= 0x7f {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '%':
			if i+2 < len(s) {
				hi, ok1 := unhex(s[i+1])
				lo, ok2 := unhex(s[i+2])
				if ok1 && ok2 {
					v := hi<<4 | lo
					if unreserved(v) {
						b.WriteByte(v)
					} else {
						b.WriteByte('%')
						b.WriteByte(upperHex[v>>4])
						b.WriteByte(upperHex[v&15])
					}
					i += 2
					continue
				}
			}
			b.WriteString("%25")
		case c <= ' ' || c >= 0x7f:
			b.WriteByte('%')
			b.WriteByte(upperHex[c>>4])
			b.WriteByte(upperHex[c&15])
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}
