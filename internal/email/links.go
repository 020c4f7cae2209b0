package email

import (
	"net/url"
	"regexp"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/idna"
	"golang.org/x/net/publicsuffix"
)

var (
	textURL = regexp.MustCompile(`(?i)\b(?:https?|ftp)://[^\s<>"'` + "`" + `]+|\bwww\.[a-z0-9-]+(?:\.[a-z0-9-]+)+[^\s<>"'` + "`" + `]*`)
	// hostLike is link text that shows a site: a URL or a domain name.
	hostLike = regexp.MustCompile(`(?i)^(?:[a-z][a-z0-9+.-]*://)?(?:[^\s/@:]+@)?((?:[\p{L}\p{N}](?:[\p{L}\p{N}-]*[\p{L}\p{N}])?\.)+[\p{L}]{2,63})(?::\d+)?(?:[/?#]\S*)?$`)
)

// extractLinks finds the URLs of the text and HTML bodies, and for HTML
// links whether the text shows another site than the target.
func extractLinks(m *Message, limit int) []Link {
	out := []Link{}
	seen := map[string]bool{}
	add := func(l Link) {
		key := l.Source + "\x00" + l.URL + "\x00" + l.Text
		if seen[key] || len(out) >= limit {
			return
		}
		seen[key] = true
		l.Host = linkHost(l.URL)
		if l.Text != "" {
			if th := textHost(l.Text); th != "" {
				l.TextHost = th
				l.Mismatch = l.Host != "" && registrable(th) != registrable(l.Host)
			}
		}
		out = append(out, l)
	}
	for _, u := range textURL.FindAllString(m.Text, limit) {
		add(Link{URL: trimURL(u), Source: "text"})
	}
	if m.HTML != "" {
		var vis strings.Builder
		htmlLinks(m.HTML, &vis, add)
		m.visible = vis.String()
	}
	return out
}

// trimURL drops punctuation that ends the sentence around a URL.
func trimURL(u string) string {
	for len(u) > 0 {
		c := u[len(u)-1]
		if strings.IndexByte(".,;:!?'\"", c) >= 0 {
			u = u[:len(u)-1]
			continue
		}
		if (c == ')' && strings.Count(u, "(") < strings.Count(u, ")")) || (c == ']' && !strings.Contains(u, "[")) || c == '>' || c == '}' {
			u = u[:len(u)-1]
			continue
		}
		break
	}
	return u
}

// htmlLinks walks the HTML: <a href> with its text, <form action>, remote
// <img src>; it writes the visible text to vis.
func htmlLinks(doc string, vis *strings.Builder, add func(Link)) {
	z := html.NewTokenizer(strings.NewReader(doc))
	z.SetMaxBuf(4 << 20)
	skip := 0 // inside <script>/<style>
	var inA bool
	var href string
	var text strings.Builder
	flushA := func() {
		if inA && href != "" {
			add(Link{URL: href, Source: "html", Text: clip(strings.Join(strings.Fields(text.String()), " "), 300)})
		}
		inA, href = false, ""
		text.Reset()
	}
	for n := 0; n < 1_000_000; n++ {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			flushA()
			return
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			tag := string(name)
			attrs := map[string]string{}
			for hasAttr {
				var k, v []byte
				k, v, hasAttr = z.TagAttr()
				key := strings.ToLower(string(k))
				if _, dup := attrs[key]; !dup {
					attrs[key] = strings.TrimSpace(string(v))
				}
			}
			switch tag {
			case "a", "area":
				flushA()
				if h := attrs["href"]; keepHref(h) {
					inA, href = tag == "a", h
					if tag == "area" {
						add(Link{URL: h, Source: "html"})
					}
				}
			case "form":
				if a := attrs["action"]; a != "" && keepHref(a) {
					add(Link{URL: a, Source: "form"})
				}
			case "img":
				if s := attrs["src"]; strings.HasPrefix(strings.ToLower(s), "http") {
					add(Link{URL: s, Source: "image"})
				}
				if inA && attrs["alt"] != "" {
					text.WriteString(" " + attrs["alt"])
				}
			case "script", "style", "title", "head":
				if tt == html.StartTagToken {
					skip++
				}
			case "br", "p", "div", "td", "tr", "li", "h1", "h2", "h3", "table":
				vis.WriteByte('\n')
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			switch string(name) {
			case "a":
				flushA()
			case "script", "style", "title", "head":
				if skip > 0 {
					skip--
				}
			}
		case html.TextToken:
			if skip > 0 {
				continue
			}
			t := string(z.Text())
			if vis.Len() < 4<<20 {
				vis.WriteString(t)
			}
			if inA && text.Len() < 2000 {
				text.WriteString(t)
			}
		}
	}
}

// keepHref: links worth analysing (not in-page anchors, mailto: or tel:).
func keepHref(h string) bool {
	l := strings.ToLower(strings.TrimSpace(h))
	if l == "" || strings.HasPrefix(l, "#") || strings.HasPrefix(l, "mailto:") || strings.HasPrefix(l, "tel:") || strings.HasPrefix(l, "cid:") {
		return false
	}
	return true
}

// linkHost is the URL's host, lower-case ASCII ("" for hostless schemes).
func linkHost(raw string) string {
	s := strings.TrimSpace(raw)
	if strings.HasPrefix(strings.ToLower(s), "www.") {
		s = "http://" + s
	}
	u, err := url.Parse(s)
	if err != nil {
		return ""
	}
	h := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	if a, err := idna.Lookup.ToASCII(h); err == nil {
		h = a
	}
	return h
}

// textHost is the host link text shows, if it shows one.
func textHost(text string) string {
	t := strings.TrimSpace(text)
	m := hostLike.FindStringSubmatch(t)
	if m == nil {
		return ""
	}
	h := strings.ToLower(m[1])
	if a, err := idna.Lookup.ToASCII(h); err == nil {
		h = a
	}
	// "report.pdf" or "invoice.docx" is a file name, not a site.
	if _, icann := publicsuffix.PublicSuffix(h); !icann {
		return ""
	}
	return h
}

// registrable is a host's registrable domain (eTLD+1), or the host itself.
func registrable(host string) string {
	if d, err := publicsuffix.EffectiveTLDPlusOne(host); err == nil {
		return d
	}
	return host
}
