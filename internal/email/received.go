package email

import (
	"fmt"
	"net/netip"
	"regexp"
	"strings"
)

// parseReceived reads Received headers (given topmost first, as they
// appear) into hops, oldest first, with the delay between hops.
func parseReceived(values []string) ([]Hop, []string) {
	hops := make([]Hop, 0, len(values))
	var probs []string
	for i := len(values) - 1; i >= 0; i-- {
		h := parseHop(values[i])
		h.Index = len(hops) + 1
		if h.Time == nil && strings.TrimSpace(values[i]) != "" {
			probs = append(probs, fmt.Sprintf("Received header %d has no readable date", i+1))
		}
		if n := len(hops); n > 0 && h.Time != nil && hops[n-1].Time != nil {
			d := h.Time.Sub(*hops[n-1].Time).Seconds()
			h.DelaySeconds = &d
		}
		hops = append(hops, h)
	}
	return hops, probs
}

var (
	bracketIP = regexp.MustCompile(`\[(?:IPv6:)?([0-9A-Fa-f:.]+)\]`)
	bareIPv4  = regexp.MustCompile(`\b(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})\b`)
)

var receivedKeywords = map[string]bool{"from": true, "by": true, "via": true, "with": true, "id": true, "for": true}

// parseHop reads one Received header: "from A (B [ip]) by C with P id X
// for <r>; date". Clauses may come in any order; comments belong to the
// clause before them.
func parseHop(v string) Hop {
	h := Hop{Raw: v}
	clauses, date := v, ""
	if i := strings.LastIndexByte(v, ';'); i >= 0 {
		clauses, date = v[:i], strings.TrimSpace(v[i+1:])
	}
	if date != "" {
		if t, ok := parseDate(date); ok {
			h.Time = &t
		}
	}
	type clause struct {
		key      string
		words    []string
		comments []string
	}
	var cs []clause
	cur := -1
	for _, tok := range tokenizeCFWS(clauses) {
		if tok.comment {
			if cur >= 0 {
				cs[cur].comments = append(cs[cur].comments, tok.text)
			}
			continue
		}
		if k := strings.ToLower(tok.text); receivedKeywords[k] {
			cs = append(cs, clause{key: k})
			cur = len(cs) - 1
			continue
		}
		if cur >= 0 {
			cs[cur].words = append(cs[cur].words, tok.text)
		}
	}
	for _, c := range cs {
		first := ""
		if len(c.words) > 0 {
			first = c.words[0]
		}
		switch c.key {
		case "from":
			if h.From != "" {
				continue
			}
			h.From = first
			if ip := findIP(first); ip != "" {
				h.FromIP = ip
			}
			for _, cm := range c.comments {
				if ip := findIP(cm); ip != "" && h.FromIP == "" {
					h.FromIP = ip
				}
				// "(mail.example.com [192.0.2.1])": the reverse-DNS name
				// comes before the bracketed address.
				fs := strings.Fields(cm)
				if len(fs) > 0 && h.FromHost == "" && strings.Contains(fs[0], ".") && !strings.HasPrefix(fs[0], "[") &&
					!strings.EqualFold(fs[0], "helo") && findIP(fs[0]) == "" {
					h.FromHost = strings.TrimSuffix(strings.ToLower(fs[0]), ".")
				}
			}
		case "by":
			if h.By == "" {
				h.By = first
			}
		case "with":
			if h.With == "" {
				h.With = first
			}
		case "id":
			if h.ID == "" {
				h.ID = strings.TrimSuffix(first, ";")
			}
		case "for":
			if h.For == "" {
				h.For = strings.Trim(first, "<>")
			}
		}
	}
	if h.FromIP != "" {
		if a, err := netip.ParseAddr(h.FromIP); err == nil {
			h.IPClass = ipClass(a)
		}
	}
	return h
}

// findIP returns the first IP address in s: bracketed, or a bare IPv4.
func findIP(s string) string {
	if m := bracketIP.FindStringSubmatch(s); m != nil {
		if a, err := netip.ParseAddr(m[1]); err == nil {
			return a.String()
		}
	}
	if m := bareIPv4.FindStringSubmatch(s); m != nil {
		if a, err := netip.ParseAddr(m[1]); err == nil {
			return a.String()
		}
	}
	return ""
}

var (
	cgnat   = netip.MustParsePrefix("100.64.0.0/10")
	docNets = []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24"), netip.MustParsePrefix("198.51.100.0/24"),
		netip.MustParsePrefix("203.0.113.0/24"), netip.MustParsePrefix("2001:db8::/32")}
)

// ipClass says whether an address is routable on the Internet. The
// documentation ranges count as public: test messages use them for the
// outside world.
func ipClass(a netip.Addr) string {
	a = a.Unmap()
	for _, p := range docNets {
		if p.Contains(a) {
			return "public"
		}
	}
	switch {
	case a.IsLoopback():
		return "loopback"
	case a.IsPrivate():
		return "private"
	case a.IsLinkLocalUnicast():
		return "link-local"
	case cgnat.Contains(a):
		return "cgnat"
	case a.IsUnspecified() || a.IsMulticast() || !a.IsGlobalUnicast():
		return "reserved"
	}
	return "public"
}

// cfwsToken is a word or a parenthesised comment (without its parentheses).
type cfwsToken struct {
	text    string
	comment bool
}

// tokenizeCFWS splits s into words and comments, honouring nested comments
// and quoted strings.
func tokenizeCFWS(s string) []cfwsToken {
	var out []cfwsToken
	var word, com strings.Builder
	depth := 0
	inQuote := false
	flushWord := func() {
		if word.Len() > 0 {
			out = append(out, cfwsToken{text: word.String()})
			word.Reset()
		}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if depth > 0 {
			switch c {
			case '\\':
				if i+1 < len(s) {
					i++
					com.WriteByte(s[i])
				}
			case '(':
				depth++
				com.WriteByte(c)
			case ')':
				depth--
				if depth == 0 {
					out = append(out, cfwsToken{text: strings.TrimSpace(com.String()), comment: true})
					com.Reset()
				} else {
					com.WriteByte(c)
				}
			default:
				com.WriteByte(c)
			}
			continue
		}
		switch {
		case c == '"':
			inQuote = !inQuote
			word.WriteByte(c)
		case inQuote:
			word.WriteByte(c)
		case c == '(':
			flushWord()
			depth = 1
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
			flushWord()
		default:
			word.WriteByte(c)
		}
	}
	flushWord()
	if depth > 0 && com.Len() > 0 {
		out = append(out, cfwsToken{text: strings.TrimSpace(com.String()), comment: true})
	}
	return out
}
