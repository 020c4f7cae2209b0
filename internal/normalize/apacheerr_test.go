package normalize

import (
	"testing"

	"github.com/eventsec/eventsec/internal/event"
)

// apacheErrorSeeds are Apache error-log lines as 2.4 and 2.2 write them.
var apacheErrorSeeds = []string{
	`[Thu Feb 29 10:00:00.123456 2024] [core:error] [pid 1234:tid 5678] [client 81.2.69.142:55555] AH00126: Invalid URI in request GET /%%% HTTP/1.1`,
	`[Thu Feb 29 10:00:00 2024] [error] [client 81.2.69.142] File does not exist: /var/www/x`,
	`[Thu Feb 29 10:00:00.5 2024] [core:error] [pid 1] (13)Permission denied: [client 2001:db8::1:55555] AH00035: access to / denied, referer: https://example.com/`,
	`[authz_core:error] [pid 4242:tid 140] [client 81.2.69.142:55555] AH01630: client denied by server configuration: /var/www/private`,
}

func TestApacheError(t *testing.T) {
	runSamples(t, []sample{
		{
			name: "2.4 default format",
			raw:  `[Thu Feb 29 10:00:00.123456 2024] [core:error] [pid 1234:tid 5678] [client 81.2.69.142:55555] AH00126: Invalid URI in request GET /%%% HTTP/1.1`,
			want: map[string]any{
				"event.dataset": "apache.error", "event.module": "apache", "event.kind": "event",
				"event.category": []string{"web"}, "event.type": []string{"error"},
				"log.level": "error", "event.severity": int64(event.SeverityMedium), "apache.error.module": "core",
				"process.pid": int64(1234), "process.thread.id": int64(5678),
				"source.ip": "81.2.69.142", "source.port": int64(55555), "error.code": "AH00126",
				"message": "Invalid URI in request GET /%%% HTTP/1.1",
			},
			ts: "2024-02-29T10:00:00.123456Z",
		},
		{
			name: "2.2 format: no module, pid or port",
			raw:  `[Thu Feb 29 10:00:00 2024] [error] [client 81.2.69.142] File does not exist: /var/www/x`,
			want: map[string]any{
				"event.dataset": "apache.error", "log.level": "error", "source.ip": "81.2.69.142", "source.port": nil,
				"process.pid": nil, "error.code": nil, "apache.error.module": nil, "message": "File does not exist: /var/www/x",
			},
			ts: "2024-02-29T10:00:00Z",
		},
		{
			name: "2.2 IPv6 client: the last group is not a port",
			raw:  `[Thu Feb 29 10:00:00 2024] [error] [client 2001:db8::1:443] File does not exist: /var/www/x`,
			want: map[string]any{"source.ip": "2001:db8::1:443", "source.port": nil},
			ts:   "2024-02-29T10:00:00Z",
		},
		{
			name: "2.4 OS error before the client, IPv6 client with port, referer",
			raw:  `[Thu Feb 29 10:00:00.5 2024] [core:error] [pid 1] (13)Permission denied: [client 2001:db8::1:55555] AH00035: access to /index.html denied, referer: https://example.com/start`,
			want: map[string]any{
				"source.ip": "2001:db8::1", "source.port": int64(55555), "error.code": "AH00035", "process.thread.id": nil,
				"http.request.referrer": "https://example.com/start",
				"message":               "(13)Permission denied: access to /index.html denied",
			},
			ts: "2024-02-29T10:00:00.5Z",
		},
		{
			name: "2.4 notice without a client is information",
			raw:  `[Thu Feb 29 10:00:00.5 2024] [mpm_event:notice] [pid 1:tid 2] AH00489: Apache/2.4.58 (Unix) configured -- resuming normal operations`,
			want: map[string]any{"log.level": "notice", "event.severity": int64(event.SeverityInfo), "event.type": []string{"info"},
				"error.code": "AH00489", "source.ip": nil, "message": "Apache/2.4.58 (Unix) configured -- resuming normal operations"},
			ts: "2024-02-29T10:00:00.5Z",
		},
		{
			name: "a client name (HostnameLookups On)",
			raw:  `[Thu Feb 29 10:00:00 2024] [warn] [client crawler.example.net] mod_fcgid: stderr: x`,
			want: map[string]any{"source.address": "crawler.example.net", "source.ip": nil, "log.level": "warn",
				"event.severity": int64(event.SeverityLow)},
			ts: "2024-02-29T10:00:00Z",
		},
		{
			name: "inside syslog: the line's time, level and pid win",
			raw:  `<131>Feb 29 10:00:01 web1 apache2: [Thu Feb 29 10:00:00.123456 2024] [php7:crit] [pid 4242] [client 81.2.69.142:55555] PHP Fatal error:  Uncaught Error: Call to undefined function foo()`,
			want: map[string]any{
				"event.dataset": "apache.error", "host.name": "web1", "log.syslog.appname": "apache2",
				"log.level": "crit", "event.severity": int64(event.SeverityHigh), "apache.error.module": "php7",
				"process.pid": int64(4242), "source.ip": "81.2.69.142",
				"message": "PHP Fatal error:  Uncaught Error: Call to undefined function foo()",
			},
			ts: "2024-02-29T10:00:00.123456Z",
		},
		{
			name: "Apache's own syslog (ErrorLog syslog:) has no time",
			raw:  `<131>Feb 29 10:00:01 web1 httpd[4242]: [authz_core:error] [pid 4242:tid 140] [client 81.2.69.142:55555] AH01630: client denied by server configuration: /var/www/private`,
			want: map[string]any{"event.dataset": "apache.error", "error.code": "AH01630", "process.thread.id": int64(140),
				"message": "client denied by server configuration: /var/www/private"},
			ts: "2024-02-29T10:00:01Z",
		},
		{
			name: "a level in brackets alone, from another program, is not Apache's",
			raw:  `<14>Feb 29 10:00:01 app1 worker: [error] [job 7] failed`,
			want: map[string]any{"event.dataset": "syslog", "message": "[error] [job 7] failed"},
			ts:   "2024-02-29T10:00:01Z",
		},
		{
			name: "brackets that are not a time and a level",
			raw:  `<14>Feb 29 10:00:01 app1 worker: [Thu Feb 29 10:00:00 2024] [FOO] something`,
			want: map[string]any{"event.dataset": "syslog", "log.level": "informational"},
			ts:   "2024-02-29T10:00:01Z",
		},
	})
}
