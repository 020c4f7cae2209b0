package normalize

import (
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// Web server access logs: Apache's and nginx's "common" and "combined"
// formats and the variants seen in the field:
//
//	203.0.113.5 - alice [23/Nov/2026:10:00:01 +0000] "GET /a?b=1 HTTP/1.1" 200 512
//	203.0.113.5 - - [23/Nov/2026:10:00:01 +0000] "GET / HTTP/1.1" 200 512 "-" "curl/8.5.0"
//	www.example.com:443 2001:db8::7 - - [23/Nov/2026:10:00:01 +0000] "GET / HTTP/2.0" 404 0 "-" "x"
//	203.0.113.5 - - [...] "GET / HTTP/1.1" 200 512 "-" "ua" "198.51.100.1" rt=0.004 urt="0.003"
//
// They are mapped as Filebeat's apache and nginx modules map them:
// source.address (the client as logged) and source.ip or source.domain,
// user.name, the request time, http.request.method, url.original (the
// request target as sent, still percent-encoded) with url.path,
// url.query and url.extension, http.version, http.response.status_code,
// http.response.body.bytes, http.request.referrer, user_agent.original,
// event.category [web], event.type [access], event.outcome (failure from
// status 400 up). A vhost prefix (Apache %v:%p, nginx $host) fills
// destination.domain or destination.ip and destination.port.
//
// Inside quoted fields \" and \\ are read as " and \ (Apache escapes
// both; so does nginx with escape=json); other escapes (\xHH, nginx's
// default for '"' and bytes outside ASCII) are kept as logged, as
// Filebeat keeps them. What follows the user agent is kept under the
// dataset's own names: key=value pairs (nginx rt=, urt=, uct=...) as
// <dataset>.<key>, other values in order as the list <dataset>.extra;
// rt or request_time (seconds) also gives event.duration.

// accessLine is an access-log line as parseAccess reads it, before
// anything is stored.
type accessLine struct {
	vhost, client, user string
	ts                  time.Time
	request             string
	status              int64
	bytes               int64 // -1 for "-"
	referrer, agent     string
	rest                string // what follows the user agent
}

var (
	catWeb    = []string{"web"}
	typAccess = []string{"access"}
)

// accessDataset names the dataset and module of an access log by the
// program that sent it over syslog ("" when unknown).
func accessDataset(app string) (dataset, module string) {
	switch {
	case strings.HasPrefix(app, "nginx"):
		return "nginx.access", "nginx"
	case strings.HasPrefix(app, "httpd"), strings.HasPrefix(app, "apache"):
		return "apache.access", "apache"
	}
	return "web.access", ""
}

// accessLog maps s when it is an access-log line; app is the syslog
// program that sent it ("" for a bare line). It stores nothing and
// reports false when s is not one.
func (st *state) accessLog(s, app string) bool {
	a, ok := parseAccess(strings.TrimRight(s, "\r\n"))
	if !ok {
		return false
	}
	f := st.f
	ds, module := accessDataset(app)
	f["event.dataset"] = ds
	if module != "" {
		f["event.module"] = module
	}
	f["event.kind"] = "event"
	st.categorize(catWeb, typAccess)
	st.set("source.address", a.client)
	if !st.setIP("source.ip", a.client) && isHostname(a.client) {
		st.set("source.domain", a.client)
	}
	if a.vhost != "" {
		if host, port, ok := splitHostPort(a.vhost); ok {
			if !st.setIP("destination.ip", host) && isHostname(host) {
				st.set("destination.domain", host)
			}
			st.setPort("destination.port", port)
		}
	}
	st.set("user.name", a.user)
	st.setTime(a.ts, "access log time")
	st.accessRequest(a.request)
	f["http.response.status_code"] = a.status
	if a.bytes >= 0 {
		f["http.response.body.bytes"] = a.bytes
	}
	st.set("http.request.referrer", a.referrer)
	st.set("user_agent.original", a.agent)
	if a.status < 400 {
		f["event.outcome"] = "success"
	} else {
		f["event.outcome"] = "failure"
	}
	if a.rest != "" {
		st.accessExtra(ds, a.rest)
	}
	return true
}

// accessRequest maps the request line "METHOD target HTTP/x.y". A line
// that is not one ("-", a TLS handshake sent to a plain-HTTP port) fills
// nothing; Raw keeps it.
func (st *state) accessRequest(r string) {
	sp := strings.IndexByte(r, ' ')
	if sp <= 0 || !isMethod(r[:sp]) {
		return
	}
	st.f["http.request.method"] = r[:sp]
	target := r[sp+1:]
	if j := strings.LastIndexByte(target, ' '); j >= 0 && strings.HasPrefix(target[j+1:], "HTTP/") {
		st.set("http.version", target[j+6:])
		target = target[:j]
	}
	if target == "" {
		return
	}
	st.f["url.original"] = target
	switch {
	case target[0] == '/':
		path := target
		if i := strings.IndexAny(path, "?#"); i >= 0 {
			if path[i] == '?' {
				q := path[i+1:]
				if h := strings.IndexByte(q, '#'); h >= 0 {
					q = q[:h]
				}
				st.set("url.query", q)
			}
			path = path[:i]
		}
		st.f["url.path"] = path
	case strings.Contains(target, "://"):
		// Absolute form, as sent to a forward proxy.
		st.url(target)
	default:
		return // "*" (OPTIONS) or host:port (CONNECT)
	}
	if p, ok := st.f["url.path"].(string); ok {
		if ext := extension(p[strings.LastIndexByte(p, '/')+1:]); ext != "" {
			st.f["url.extension"] = ext
		}
	}
}

// accessExtra stores what follows the user agent: key=value pairs as
// <prefix>.<key>, other values, in order, as the list <prefix>.extra.
func (st *state) accessExtra(prefix, s string) {
	var extra []string
	for n := 0; n < 64; n++ {
		s = strings.TrimLeft(s, " \t")
		if s == "" {
			break
		}
		if s[0] == '"' {
			v, rest := quotedField(s)
			extra = append(extra, v)
			s = rest
			continue
		}
		tok, rest, _ := nextToken(s)
		if k := keyAt(tok, 0); k > 0 {
			key, val := tok[:k], tok[k+1:]
			if strings.HasPrefix(val, `"`) {
				// A quoted value may hold spaces.
				val, rest = quotedField(s[k+1:])
			}
			if len(st.f) >= MaxFields {
				st.truncatedTag()
				return
			}
			st.set(prefix+"."+key, val)
			if key == "rt" || key == "request_time" {
				if sec, err := strconv.ParseFloat(val, 64); err == nil && sec >= 0 && sec < 1e6 {
					st.f["event.duration"] = int64(sec * 1e9)
				}
			}
		} else {
			extra = append(extra, tok)
		}
		s = rest
	}
	for _, v := range extra {
		if v != "-" {
			st.f[prefix+".extra"] = extra
			break
		}
	}
}

// parseAccess reads an access-log line: [vhost] client ident user [time]
// "request" status bytes, then optionally "referrer" "user agent" and
// anything else. It rejects most other text within its first tokens.
func parseAccess(s string) (a accessLine, ok bool) {
	tok, rest, _ := nextToken(s)
	if rest == "" || !isAddrToken(tok) {
		return a, false
	}
	next, rest, _ := nextToken(rest)
	switch {
	case next == "-" && tok != "-":
		a.client = tok
	case isAddrToken(next) && next != "-":
		// "vhost[:port] client - user"
		ident, r, _ := nextToken(rest)
		if ident != "-" || (tok != "-" && !isVhost(tok)) {
			return a, false
		}
		a.vhost, a.client, rest = tok, next, r
		if tok == "-" {
			a.vhost = ""
		}
	default:
		return a, false
	}
	// The user name may hold spaces (nginx logs $remote_user as sent).
	i := strings.Index(rest[:min(len(rest), 258)], "[")
	switch {
	case i == 0:
		return a, false // no user field
	case i > 0:
		if rest[i-1] != ' ' {
			return a, false
		}
		a.user = rest[:i-1]
	default:
		return a, false
	}
	t, n, ok := parseHTTPDate(rest[i+1:])
	if !ok {
		return a, false
	}
	a.ts = t
	rest = rest[i+1+n:]
	if len(rest) < 2 || rest[0] != ' ' || rest[1] != '"' {
		return a, false
	}
	a.request, rest = quotedField(rest[1:])
	// " 200 512"
	if len(rest) < 6 || rest[0] != ' ' || !isDigit3(rest[1:4]) || rest[4] != ' ' {
		return a, false
	}
	a.status = int64(rest[1]-'0')*100 + int64(rest[2]-'0')*10 + int64(rest[3]-'0')
	b, rest, _ := nextToken(rest[5:])
	switch {
	case b == "-":
		a.bytes = -1
	case isDigits(b) && len(b) <= 18:
		a.bytes, _ = strconv.ParseInt(b, 10, 64)
	default:
		return a, false
	}
	if strings.HasPrefix(rest, `"`) {
		a.referrer, rest = quotedField(rest)
		if strings.HasPrefix(rest, ` "`) {
			a.agent, rest = quotedField(rest[1:])
		}
	}
	a.rest = strings.TrimLeft(rest, " \t")
	return a, true
}

// quotedField reads a double-quoted field at the start of s (s[0] is
// '"') and returns its value and the text after the closing quote. \"
// and \\ are unescaped, other escapes kept as logged. A quote not
// followed by a space or the end of the line is part of the value (a
// server that does not escape quotes); an unterminated field runs to the
// end.
func quotedField(s string) (val, rest string) {
	escaped := false
	i := 1
	for i < len(s) {
		switch s[i] {
		case '\\':
			if i+1 < len(s) && (s[i+1] == '"' || s[i+1] == '\\') {
				escaped = true
			}
			i += 2
			continue
		case '"':
			if i+1 == len(s) || s[i+1] == ' ' || s[i+1] == '\t' {
				val, rest = s[1:i], s[i+1:]
				if escaped {
					val = unescapeAccess(val)
				}
				return val, rest
			}
		}
		i++
	}
	val = s[1:]
	if escaped {
		val = unescapeAccess(val)
	}
	return val, ""
}

// unescapeAccess replaces \" and \\ by " and \.
func unescapeAccess(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) && (s[i+1] == '"' || s[i+1] == '\\') {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// parseHTTPDate reads "23/Nov/2026:10:00:01 +0000]" (Apache %t, nginx
// $time_local; a fraction after the seconds is accepted) and returns the
// time and the length read, the ']' included.
func parseHTTPDate(s string) (time.Time, int, bool) {
	// dd/Mon/yyyy:hh:mm:ss +zzzz]
	if len(s) < 27 || s[2] != '/' || s[6] != '/' || s[11] != ':' || s[14] != ':' || s[17] != ':' {
		return time.Time{}, 0, false
	}
	day, ok1 := num2(s)
	month, ok2 := monthOf(s[3:6])
	hh, ok3 := num2(s[12:])
	mm, ok4 := num2(s[15:])
	ss, ok5 := num2(s[18:])
	if !ok1 || !ok2 || !ok3 || !ok4 || !ok5 || !isDigits(s[7:11]) || day < 1 || hh > 23 || mm > 59 || ss > 60 {
		return time.Time{}, 0, false
	}
	year, _ := strconv.Atoi(s[7:11])
	i := 20
	ns := 0
	if s[i] == '.' {
		j := i + 1
		for j < len(s) && j-i <= 9 && s[j] >= '0' && s[j] <= '9' {
			ns = ns*10 + int(s[j]-'0')
			j++
		}
		if j == i+1 {
			return time.Time{}, 0, false
		}
		for k := j - i - 1; k < 9; k++ {
			ns *= 10
		}
		i = j
	}
	if len(s) < i+7 || s[i] != ' ' || (s[i+1] != '+' && s[i+1] != '-') || s[i+6] != ']' {
		return time.Time{}, 0, false
	}
	zh, ok1 := num2(s[i+2:])
	zm, ok2 := num2(s[i+4:])
	if !ok1 || !ok2 || zh > 23 || zm > 59 {
		return time.Time{}, 0, false
	}
	t := time.Date(year, month, day, hh, mm, ss, ns, time.UTC)
	if t.Day() != day {
		return time.Time{}, 0, false // 31/Feb
	}
	off := time.Duration(zh)*time.Hour + time.Duration(zm)*time.Minute
	if s[i+1] == '-' {
		off = -off
	}
	return t.Add(-off), i + 7, true
}

func isDigit3(s string) bool {
	return len(s) == 3 && s[0] >= '0' && s[0] <= '9' && s[1] >= '0' && s[1] <= '9' && s[2] >= '0' && s[2] <= '9'
}

// isAddrToken says whether tok can be a client address or vhost as
// access logs write them: an IP, a host name, host:port, [v6]:port,
// nginx's "unix:", or "-".
func isAddrToken(tok string) bool {
	if tok == "" || len(tok) > 255 {
		return false
	}
	for i := 0; i < len(tok); i++ {
		c := tok[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			c == '.' || c == ':' || c == '-' || c == '_' || c == '%' || c == '[' || c == ']') {
			return false
		}
	}
	return true
}

// isVhost says whether tok is host, host:port, [v6]:port or a bare IPv6
// address.
func isVhost(tok string) bool {
	host, _, ok := splitHostPort(tok)
	if !ok {
		return false
	}
	if _, err := netip.ParseAddr(host); err == nil {
		return true
	}
	return isHostname(host)
}

// splitHostPort splits a vhost: "host", "host:port", "[v6]" or
// "[v6]:port", or a bare IPv6 address.
func splitHostPort(v string) (host, port string, ok bool) {
	if v == "" {
		return "", "", false
	}
	if v[0] == '[' {
		j := strings.IndexByte(v, ']')
		if j < 2 {
			return "", "", false
		}
		host, rest := v[1:j], v[j+1:]
		if rest == "" {
			return host, "", true
		}
		if rest[0] != ':' || !isDigits(rest[1:]) {
			return "", "", false
		}
		return host, rest[1:], true
	}
	switch strings.Count(v, ":") {
	case 0:
		return v, "", true
	case 1:
		h, p, _ := strings.Cut(v, ":")
		if h == "" || !isDigits(p) {
			return "", "", false
		}
		return h, p, true
	}
	if _, err := netip.ParseAddr(v); err != nil {
		return "", "", false
	}
	return v, "", true
}

// isHostname says whether s is a DNS name (letters, digits, '.', '-',
// '_'), with at least one letter.
func isHostname(s string) bool {
	letter := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
			letter = true
		case c >= '0' && c <= '9', c == '.', c == '-', c == '_':
		default:
			return false
		}
	}
	return letter
}

// isMethod says whether s is an HTTP method token (RFC 9110 tchar
// letters, digits, '-', '_'; 1 to 32 characters, with a letter).
func isMethod(s string) bool {
	if len(s) > 32 {
		return false
	}
	return isHostname(s) && !strings.Contains(s, ".")
}
