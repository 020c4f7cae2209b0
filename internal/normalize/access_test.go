package normalize

import (
	"testing"

	"github.com/eventsec/eventsec/internal/event"
)

func TestAccessLog(t *testing.T) {
	combined := `203.0.113.5 - - [29/Feb/2024:10:00:01 +0000] "GET /index.php?id=1%27%20OR%201=1 HTTP/1.1" 200 612 "https://example.com/start" "Mozilla/5.0 (X11; Linux x86_64; rv:123.0) Gecko/20100101 Firefox/123.0"`
	runSamples(t, []sample{
		{
			name: "combined, raw line",
			raw:  combined,
			want: map[string]any{
				"event.dataset":             "web.access",
				"event.module":              nil,
				"event.kind":                "event",
				"event.category":            []string{"web"},
				"event.type":                []string{"access"},
				"event.outcome":             "success",
				"event.severity":            int64(event.SeverityInfo),
				"source.address":            "203.0.113.5",
				"source.ip":                 "203.0.113.5",
				"user.name":                 nil,
				"http.request.method":       "GET",
				"url.original":              "/index.php?id=1%27%20OR%201=1",
				"url.path":                  "/index.php",
				"url.query":                 "id=1%27%20OR%201=1",
				"url.extension":             "php",
				"http.version":              "1.1",
				"http.response.status_code": int64(200),
				"http.response.body.bytes":  int64(612),
				"http.request.referrer":     "https://example.com/start",
				"user_agent.original":       "Mozilla/5.0 (X11; Linux x86_64; rv:123.0) Gecko/20100101 Firefox/123.0",
				"message":                   combined,
				"log.syslog.appname":        nil,
			},
			ts: "2024-02-29T10:00:01Z",
		},
		{
			name: "common format, user, '-' for no bytes, zone west of UTC",
			raw:  `192.0.2.44 - frank [29/Feb/2024:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 304 -` + "\n",
			want: map[string]any{
				"event.dataset":             "web.access",
				"user.name":                 "frank",
				"url.path":                  "/apache_pb.gif",
				"url.query":                 nil,
				"url.extension":             "gif",
				"http.version":              "1.0",
				"http.response.status_code": int64(304),
				"http.response.body.bytes":  nil,
				"http.request.referrer":     nil,
				"user_agent.original":       nil,
				"event.outcome":             "success",
			},
			ts: "2024-02-29T20:55:36Z",
		},
		{
			name: "vhost_combined with port, IPv6 client, 401",
			raw:  `www.example.com:443 2001:db8::7 - - [29/Feb/2024:10:00:01 +0100] "POST /wp-login.php HTTP/2.0" 401 0 "-" "python-requests/2.31.0"`,
			want: map[string]any{
				"destination.domain":        "www.example.com",
				"destination.port":          int64(443),
				"source.ip":                 "2001:db8::7",
				"source.address":            "2001:db8::7",
				"http.request.method":       "POST",
				"http.version":              "2.0",
				"http.response.status_code": int64(401),
				"http.response.body.bytes":  int64(0),
				"http.request.referrer":     nil,
				"event.outcome":             "failure",
			},
			ts: "2024-02-29T09:00:01Z",
		},
		{
			name: "nginx $host prefix without port, bracketed IPv6 vhost",
			raw:  `[2001:db8::1]:8443 198.51.100.7 - - [29/Feb/2024:10:00:01 +0000] "GET / HTTP/1.1" 200 5 "-" "-"`,
			want: map[string]any{"destination.ip": "2001:db8::1", "destination.port": int64(8443), "source.ip": "198.51.100.7",
				"user_agent.original": nil, "url.path": "/", "url.extension": nil},
			ts: "2024-02-29T10:00:01Z",
		},
		{
			name: "escaped quotes and backslash in the user agent (Apache)",
			raw:  `198.51.100.9 - - [29/Feb/2024:10:00:02 +0000] "GET /cgi-bin/status HTTP/1.1" 200 10 "-" "() { :; }; echo \"pwned\" \\ \x41 end"`,
			want: map[string]any{
				"user_agent.original": `() { :; }; echo "pwned" \ \x41 end`,
				"url.path":            "/cgi-bin/status",
			},
			ts: "2024-02-29T10:00:02Z",
		},
		{
			name: "nginx main format with X-Forwarded-For and timings appended",
			raw:  `203.0.113.5 - - [29/Feb/2024:10:00:03 +0000] "GET /api/items?page=2 HTTP/1.1" 502 157 "-" "curl/8.5.0" "198.51.100.1, 10.0.0.2" rt=0.250 uct="0.000" urt="0.249" ua="10.0.0.9:8080"`,
			want: map[string]any{
				"web.access.rt":             "0.250",
				"web.access.uct":            "0.000",
				"web.access.urt":            "0.249",
				"web.access.ua":             "10.0.0.9:8080",
				"web.access.extra":          []string{"198.51.100.1, 10.0.0.2"},
				"event.duration":            int64(250000000),
				"http.response.status_code": int64(502),
				"event.outcome":             "failure",
				"user_agent.original":       "curl/8.5.0",
				"url.query":                 "page=2",
			},
			ts: "2024-02-29T10:00:03Z",
		},
		{
			name: "Apache %D microseconds appended, not named",
			raw:  `203.0.113.5 - - [29/Feb/2024:10:00:03 +0000] "GET / HTTP/1.1" 200 157 "-" "curl/8.5.0" 1043`,
			want: map[string]any{"web.access.extra": []string{"1043"}, "event.duration": nil},
			ts:   "2024-02-29T10:00:03Z",
		},
		{
			name: "only '-' appended keeps no extra",
			raw:  `203.0.113.5 - - [29/Feb/2024:10:00:03 +0000] "GET / HTTP/1.1" 200 157 "-" "curl/8.5.0" "-"`,
			want: map[string]any{"web.access.extra": nil},
			ts:   "2024-02-29T10:00:03Z",
		},
		{
			name: "nginx over syslog (RFC 3164)",
			raw:  `<190>Feb 29 10:00:04 web1 nginx: 203.0.113.5 - - [29/Feb/2024:10:00:04 +0000] "GET /.env HTTP/1.1" 404 153 "-" "Mozilla/5.0"`,
			want: map[string]any{
				"event.dataset":            "nginx.access",
				"event.module":             "nginx",
				"host.name":                "web1",
				"log.syslog.appname":       "nginx",
				"log.syslog.facility.name": "local7",
				"process.name":             "nginx",
				"url.path":                 "/.env",
				"url.extension":            "env",
				"event.outcome":            "failure",
				"message":                  `203.0.113.5 - - [29/Feb/2024:10:00:04 +0000] "GET /.env HTTP/1.1" 404 153 "-" "Mozilla/5.0"`,
			},
			ts: "2024-02-29T10:00:04Z",
		},
		{
			name: "apache2 over syslog (RFC 5424)",
			raw:  `<150>1 2024-02-29T10:00:05Z web2 apache2 - - - 192.0.2.10 - - [29/Feb/2024:10:00:05 +0000] "HEAD / HTTP/1.1" 200 - "-" "check_http/v2.3"`,
			want: map[string]any{
				"event.dataset":       "apache.access",
				"event.module":        "apache",
				"host.name":           "web2",
				"log.syslog.appname":  "apache2",
				"http.request.method": "HEAD",
				"source.ip":           "192.0.2.10",
			},
			ts: "2024-02-29T10:00:05Z",
		},
		{
			name: "httpd tag without syslog header",
			raw:  `httpd[77]: 192.0.2.10 - - [29/Feb/2024:10:00:05 +0000] "GET /server-status HTTP/1.1" 403 199`,
			want: map[string]any{
				"event.dataset":      "apache.access",
				"log.syslog.appname": "httpd",
				"log.syslog.procid":  "77",
				"process.pid":        int64(77),
				"event.outcome":      "failure",
			},
			ts: "2024-02-29T10:00:05Z",
		},
		{
			name: "the access time wins over the syslog header's",
			raw:  `<190>Feb 29 10:00:09 web1 nginx: 203.0.113.5 - - [29/Feb/2024:11:00:04 +0100] "GET / HTTP/1.1" 200 1 "-" "-"`,
			want: map[string]any{"event.dataset": "nginx.access"},
			ts:   "2024-02-29T10:00:04Z",
		},
		{
			name: "unknown program over syslog",
			raw:  `<14>Feb 29 10:00:04 lb1 haproxy-web: 203.0.113.5 - - [29/Feb/2024:10:00:04 +0000] "GET / HTTP/1.1" 200 1`,
			want: map[string]any{"event.dataset": "web.access", "event.module": nil, "log.syslog.appname": "haproxy-web"},
			ts:   "2024-02-29T10:00:04Z",
		},
		{
			name:   "syslog format requested for a bare access line",
			format: FormatSyslog,
			raw:    combined,
			want:   map[string]any{"event.dataset": "web.access", "url.path": "/index.php"},
			ts:     "2024-02-29T10:00:01Z",
		},
		{
			name: "no request line (408)",
			raw:  `203.0.113.5 - - [29/Feb/2024:10:00:06 +0000] "-" 408 0 "-" "-"`,
			want: map[string]any{"http.request.method": nil, "url.original": nil, "http.response.status_code": int64(408),
				"event.outcome": "failure", "user_agent.original": nil},
			ts: "2024-02-29T10:00:06Z",
		},
		{
			name: "TLS handshake sent to a plain-HTTP port",
			raw:  `203.0.113.5 - - [29/Feb/2024:10:00:07 +0000] "\x16\x03\x01\x02\x00\x01\x00\x01\xFC\x03\x03" 400 157 "-" "-"`,
			want: map[string]any{"http.request.method": nil, "url.original": nil, "http.response.status_code": int64(400)},
			ts:   "2024-02-29T10:00:07Z",
		},
		{
			name: "absolute-form target (forward proxy)",
			raw:  `10.1.2.3 - - [29/Feb/2024:10:00:08 +0000] "GET http://example.com:8080/a/B.TXT?x=1 HTTP/1.1" 200 20 "-" "Wget/1.21"`,
			want: map[string]any{
				"url.original":  "http://example.com:8080/a/B.TXT?x=1",
				"url.full":      "http://example.com:8080/a/B.TXT?x=1",
				"url.scheme":    "http",
				"url.domain":    "example.com",
				"url.path":      "/a/B.TXT",
				"url.query":     "x=1",
				"url.extension": "txt",
			},
			ts: "2024-02-29T10:00:08Z",
		},
		{
			name: "CONNECT authority form",
			raw:  `10.1.2.3 - - [29/Feb/2024:10:00:08 +0000] "CONNECT example.com:443 HTTP/1.1" 200 0 "-" "curl/8.5.0"`,
			want: map[string]any{"http.request.method": "CONNECT", "url.original": "example.com:443", "url.path": nil},
			ts:   "2024-02-29T10:00:08Z",
		},
		{
			name: "host name client, HTTP/0.9 request, fraction of a second",
			raw:  `crawler.example.net - - [29/Feb/2024:10:00:01.123 +0000] "GET /robots.txt" 200 20`,
			want: map[string]any{"source.domain": "crawler.example.net", "source.address": "crawler.example.net",
				"source.ip": nil, "http.version": nil, "url.path": "/robots.txt"},
			ts: "2024-02-29T10:00:01.123Z",
		},
		{
			name: "IPv4-mapped client, user name with a space",
			raw:  `::ffff:192.0.2.7 - John Doe [29/Feb/2024:10:00:01 +0000] "GET /a%20b/c HTTP/1.1" 200 20 "-" "x"`,
			want: map[string]any{"source.ip": "192.0.2.7", "source.address": "::ffff:192.0.2.7", "user.name": "John Doe",
				"url.path": "/a%20b/c"},
			ts: "2024-02-29T10:00:01Z",
		},
		{
			name: "unescaped quote inside a field (nginx escape=none)",
			raw:  `203.0.113.5 - - [29/Feb/2024:10:00:01 +0000] "GET /?q="><script> HTTP/1.1" 200 20 "-" "x"`,
			want: map[string]any{"url.original": `/?q="><script>`, "url.query": `q="><script>`, "user_agent.original": "x"},
			ts:   "2024-02-29T10:00:01Z",
		},
	})
}

// TestAccessLogNotMisread feeds lines that look a little like access
// logs: none may be read as one.
func TestAccessLogNotMisread(t *testing.T) {
	n := testNormalizer()
	for _, raw := range []string{
		`10.0.0.1 - - not an access log`,
		`10.0.0.1 - - [29/Feb/2024:10:00:01 +0000] no request`,
		`10.0.0.1 - - [29/Feb/2024:10:00:01 +0000] "GET / HTTP/1.1" abc 12`,
		`10.0.0.1 - - [29/Feb/2024:10:00:01 +0000] "GET / HTTP/1.1" 200`,
		`10.0.0.1 - - [29/Feb/2024:10:00:01 +0000] "GET / HTTP/1.1" 200 12x`,
		`10.0.0.1 - - [31/Feb/2024:10:00:01 +0000] "GET / HTTP/1.1" 200 12`,
		`10.0.0.1 - - [29/Feb/2024:25:00:01 +0000] "GET / HTTP/1.1" 200 12`,
		`10.0.0.1 - - [29/Feb/2024:10:00:01] "GET / HTTP/1.1" 200 12`,
		`10.0.0.1 - [29/Feb/2024:10:00:01 +0000] "GET / HTTP/1.1" 200 12`,
		`nginx: 10.0.0.1 - - [29/Feb/2024:10:00:01 +0000]`,
		`192.0.2.1 user=bob action=login result=failed`,
		`Server listening on 0.0.0.0 port 22 - - [x]`,
		`An application event log entry`,
		`<13>Feb 29 10:00:00 host app: 1.2.3.4 - - [bad] "x" 200 1`,
		`<13>Feb 29 10:00:00 host app: started - - [29/Feb/2024:10:00:01 +0000] with "GET / HTTP/1.1" 200 12`,
	} {
		ev := n.Normalize(Input{OrgID: "o", Input: "import", Received: received, Raw: []byte(raw)})
		checkEvent(t, ev, raw)
		if ds := ev.Fields.Str("event.dataset"); ds == "web.access" || ev.Fields["http.response.status_code"] != nil {
			t.Errorf("%q read as an access log: %v", raw, ev.Fields)
		}
	}
}
