package normalize

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/eventsec/eventsec/internal/event"
)

// received is when test events arrive; samples without a year get 2024.
var received = time.Date(2024, 3, 1, 12, 30, 0, 0, time.UTC)

func testNormalizer() *Normalizer {
	// The RFC examples are from 2003.
	return New(Options{Now: func() time.Time { return received }, MaxAge: 30 * 365 * 24 * time.Hour})
}

type sample struct {
	name   string
	format Format
	peer   string
	raw    string
	// want are fields that must have exactly these values; a nil value
	// means the field must be absent.
	want map[string]any
	// ts is the expected @timestamp (RFC 3339); "" means the received time.
	ts   string
	tags []string
}

func runSamples(t *testing.T, samples []sample) {
	t.Helper()
	n := testNormalizer()
	for _, tc := range samples {
		t.Run(tc.name, func(t *testing.T) {
			format := tc.format
			if format == "" {
				format = FormatAuto
			}
			ev := n.Normalize(Input{OrgID: "org1", Input: "syslog", Received: received, Raw: []byte(tc.raw), Format: format, Peer: tc.peer})
			checkEvent(t, ev, tc.raw)
			for k, want := range tc.want {
				got, ok := ev.Fields[k]
				if want == nil {
					if ok {
						t.Errorf("%s = %#v, want absent", k, got)
					}
					continue
				}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("%s = %#v, want %#v", k, got, want)
				}
			}
			wantTS := received
			if tc.ts != "" {
				var err error
				wantTS, err = time.Parse(time.RFC3339Nano, tc.ts)
				if err != nil {
					t.Fatal(err)
				}
			}
			if !ev.Timestamp.Equal(wantTS) {
				t.Errorf("timestamp = %v, want %v", ev.Timestamp, wantTS)
			}
			tags, _ := ev.Fields["tags"].([]string)
			if !reflect.DeepEqual(tags, tc.tags) && !(len(tags) == 0 && len(tc.tags) == 0) {
				t.Errorf("tags = %v, want %v (error.message %q)", tags, tc.tags, ev.Fields.Str("error.message"))
			}
			if t.Failed() {
				t.Logf("fields: %v", ev.Fields)
			}
		})
	}
}

// checkEvent checks what every event must have.
func checkEvent(t *testing.T, ev event.Event, raw string) {
	t.Helper()
	if ev.ID == "" || ev.OrgID == "" || ev.Input == "" || ev.Ingested.IsZero() || ev.Timestamp.IsZero() {
		t.Errorf("identity incomplete: %+v", ev)
	}
	if len(raw) <= MaxRaw && ev.Raw != strings.ToValidUTF8(raw, "\uFFFD") {
		t.Errorf("Raw = %q, want the original", ev.Raw)
	}
	for _, k := range []string{"event.kind", "event.dataset"} {
		if ev.Fields.Str(k) == "" {
			t.Errorf("%s missing", k)
		}
	}
	if sev, ok := ev.Fields["event.severity"].(int64); !ok || sev < 0 || sev > 100 {
		t.Errorf("event.severity = %#v", ev.Fields["event.severity"])
	}
	for k, v := range ev.Fields {
		switch v.(type) {
		case string, int64, float64, bool, []string:
		default:
			t.Errorf("field %s has type %T", k, v)
		}
		if c, ok := event.ColumnOf(k); ok {
			switch c.Type {
			case event.TypeInt:
				if _, ok := v.(int64); !ok {
					t.Errorf("column %s holds %T", k, v)
				}
			case event.TypeStrings:
				if _, ok := v.([]string); !ok {
					t.Errorf("column %s holds %T", k, v)
				}
			case event.TypeString, event.TypeIP:
				if _, ok := v.(string); !ok {
					t.Errorf("column %s holds %T", k, v)
				}
			}
		}
	}
}

func TestSyslog(t *testing.T) {
	runSamples(t, []sample{
		{
			name: "RFC 5424 example 1",
			raw:  "<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - \ufeff'su root' failed for lonvick on /dev/pts/8",
			want: map[string]any{
				"event.dataset":            "linux.auth",
				"log.syslog.priority":      int64(34),
				"log.syslog.facility.code": int64(4),
				"log.syslog.facility.name": "auth",
				"log.syslog.severity.code": int64(2),
				"log.syslog.severity.name": "critical",
				"event.severity":           int64(event.SeverityHigh),
				"log.syslog.version":       int64(1),
				"host.name":                "mymachine.example.com",
				"process.name":             "su",
				"log.syslog.msgid":         "ID47",
				"log.syslog.procid":        nil,
				"message":                  "'su root' failed for lonvick on /dev/pts/8",
			},
			ts: "2003-10-11T22:14:15.003Z",
		},
		{
			name: "RFC 5424 example 2",
			raw:  "<165>1 2003-08-24T05:14:15.000003-07:00 192.0.2.1 myproc 8710 - - %% It's time to make the do-nuts.",
			want: map[string]any{
				"event.dataset":            "syslog",
				"log.syslog.facility.name": "local4",
				"log.syslog.severity.name": "notice",
				"host.name":                "192.0.2.1",
				"process.name":             "myproc",
				"process.pid":              int64(8710),
				"message":                  "%% It's time to make the do-nuts.",
			},
			ts: "2003-08-24T05:14:15.000003-07:00",
		},
		{
			name: "RFC 5424 example 3, structured data",
			raw:  `<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"] ` + "\ufeff" + `An application event log entry...`,
			want: map[string]any{
				"log.syslog.structured_data.exampleSDID@32473.iut":         "3",
				"log.syslog.structured_data.exampleSDID@32473.eventSource": "Application",
				"log.syslog.structured_data.exampleSDID@32473.eventID":     "1011",
				"message": "An application event log entry...",
			},
			ts: "2003-10-11T22:14:15.003Z",
		},
		{
			name: "RFC 5424 example 4, two elements, no message, escapes",
			raw:  `<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Appl\"ication\]" eventID="1011"][examplePriority@32473 class="high"]`,
			want: map[string]any{
				"log.syslog.structured_data.exampleSDID@32473.eventSource": `Appl"ication]`,
				"log.syslog.structured_data.examplePriority@32473.class":   "high",
				"message": nil,
			},
			ts: "2003-10-11T22:14:15.003Z",
		},
		{
			name: "RFC 3164 example 1",
			raw:  "<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8",
			want: map[string]any{
				"host.name":                "mymachine",
				"process.name":             "su",
				"log.syslog.severity.code": int64(2),
				"message":                  "'su root' failed for lonvick on /dev/pts/8",
			},
			ts: "2023-10-11T22:14:15Z", // no year: the October before March 2024
		},
		{
			name: "RFC 3164 example 2, no tag",
			raw:  "<13>Feb  5 17:32:18 10.0.0.99 Use the BFG!",
			want: map[string]any{
				"host.name":                "10.0.0.99",
				"message":                  "Use the BFG!",
				"log.syslog.facility.name": "user",
				"process.name":             nil,
			},
			ts: "2024-02-05T17:32:18Z",
		},
		{
			name: "RFC 3164 example 3, zone and year",
			raw:  "<165>Aug 24 05:34:00 CST 1987 mymachine myproc[10]: %% It's time to make the do-nuts.  %%  Ingredients: Mix=OK, Jelly=OK # Devices: Mixer=OK",
			want: map[string]any{
				"host.name":    "mymachine",
				"process.name": "myproc",
				"process.pid":  int64(10),
				// CST is US Central Standard Time, UTC-6.
				"event.created": "1987-08-24T11:34:00Z",
				"error.message": "syslog timestamp: 1987-08-24T11:34:00Z is more than 10950 days old (timestamp_max_age); the arrival time is used (event.created keeps it)",
			},
			// 1987 is more than 10 years ago.
			tags: []string{TagTimestampOutOfRange},
		},
		{
			name: "rsyslog RFC 3339 timestamp, sshd",
			raw:  "<86>2024-03-01T12:04:56.123456+00:00 web01 sshd[4242]: Accepted publickey for deploy from 203.0.113.7 port 52144 ssh2: ED25519 SHA256:Yl5d0Zc3XhQ9",
			peer: "10.1.2.3",
			want: map[string]any{
				"event.dataset":             "linux.auth",
				"host.name":                 "web01",
				"host.ip":                   nil, // the sender named itself: the peer may be a relay
				"observer.ip":               "10.1.2.3",
				"process.name":              "sshd",
				"process.pid":               int64(4242),
				"user.name":                 "deploy",
				"source.ip":                 "203.0.113.7",
				"source.port":               int64(52144),
				"event.category":            []string{"authentication"},
				"event.outcome":             "success",
				"event.action":              "ssh_login",
				"system.auth.ssh.method":    "publickey",
				"system.auth.ssh.signature": "ED25519 SHA256:Yl5d0Zc3XhQ9",
			},
			ts: "2024-03-01T12:04:56.123456Z",
		},
		{
			name: "auth.log line without PRI",
			raw:  "Mar  1 12:00:01 web01 sudo:    alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/systemctl restart nginx",
			want: map[string]any{
				"event.dataset":        "linux.auth",
				"host.name":            "web01",
				"process.name":         "systemctl",
				"user.name":            "alice",
				"user.effective.name":  "root",
				"process.command_line": "/usr/bin/systemctl restart nginx",
				"process.executable":   "/usr/bin/systemctl",
				"event.category":       []string{"process"},
				"event.outcome":        "success",
				"log.syslog.priority":  nil,
			},
			ts: "2024-03-01T12:00:01Z",
		},
		{
			name: "Cisco IOS",
			raw:  "<189>1234: Mar  1 18:46:11.123: %SYS-5-CONFIG_I: Configured from console by admin on vty0 (10.1.1.1)",
			want: map[string]any{
				"event.dataset":  "cisco.ios",
				"event.code":     "SYS-5-CONFIG_I",
				"cisco.mnemonic": "CONFIG_I",
				"message":        "Configured from console by admin on vty0 (10.1.1.1)",
			},
			ts: "2024-03-01T18:46:11.123Z",
		},
		{
			name: "CEF over syslog",
			raw:  "<134>Sep 19 08:26:10 host CEF:0|Security|threatmanager|1.0|100|worm successfully stopped|10|src=10.0.0.1 dst=2.1.2.2 spt=1232",
			want: map[string]any{
				"event.dataset":            "cef",
				"host.name":                "host",
				"observer.vendor":          "Security",
				"source.ip":                "10.0.0.1",
				"destination.ip":           "2.1.2.2",
				"source.port":              int64(1232),
				"event.severity":           int64(event.SeverityCritical),
				"message":                  "worm successfully stopped",
				"log.syslog.severity.code": int64(6),
			},
			ts: "2023-09-19T08:26:10Z",
		},
		{
			name: "no header at all is content",
			raw:  "<13>just some text",
			want: map[string]any{"message": "just some text", "event.dataset": "syslog"},
		},
		{
			name:   "syslog format, no PRI, not a known payload",
			format: FormatSyslog,
			raw:    "hello there",
			want:   map[string]any{"event.dataset": "unknown", "message": "hello there"},
			tags:   []string{event.TagParseError},
		},
		{
			name:   "peer fills host.ip when the event names no host",
			format: FormatSyslog,
			peer:   "::ffff:192.0.2.44",
			raw:    "<13>Use the BFG!",
			want:   map[string]any{"host.ip": "192.0.2.44", "observer.ip": "192.0.2.44"},
		},
	})
}

func TestCEF(t *testing.T) {
	runSamples(t, []sample{
		{
			name: "ArcSight example",
			raw:  "CEF:0|Security|threatmanager|1.0|100|worm successfully stopped|10|src=10.0.0.1 dst=2.1.2.2 spt=1232",
			want: map[string]any{
				"event.dataset":             "cef",
				"cef.version":               "0",
				"observer.vendor":           "Security",
				"observer.product":          "threatmanager",
				"observer.version":          "1.0",
				"event.code":                "100",
				"event.action":              "worm successfully stopped",
				"message":                   "worm successfully stopped",
				"event.severity":            int64(event.SeverityCritical),
				"cef.extensions.src":        "10.0.0.1",
				"source.port":               int64(1232),
				"destination.ip":            "2.1.2.2",
				"cef.extensions.spt":        "1232",
				"cef.device.event_class_id": "100",
			},
		},
		{
			name: "firewall verdict",
			raw:  "CEF:0|Fortinet|Fortigate|v6.0.3|00013|traffic:forward close|3|act=deny src=10.0.0.9 dst=81.2.69.142 spt=5555 dpt=22 proto=6",
			want: map[string]any{
				"event.action": "deny", "event.category": []string{"network"}, "event.type": []string{"connection", "denied"},
				"destination.port": int64(22),
			},
		},
		{
			name: "firewall allow",
			raw:  "CEF:0|Palo Alto Networks|PAN-OS|10.1.0|TRAFFIC|end|3|act=allow src=10.0.0.5 dst=81.2.69.142 dpt=443",
			want: map[string]any{"event.category": []string{"network"}, "event.type": []string{"connection", "allowed"}},
		},
		{
			name: "escaped pipe in header",
			raw:  `CEF:0|security|threatmanager|1.0|100|detected a \| in message|10|src=10.0.0.1 act=blocked a | dst=1.1.1.1`,
			want: map[string]any{
				"cef.name":       "detected a | in message",
				"event.action":   "blocked a |",
				"destination.ip": "1.1.1.1",
			},
		},
		{
			name: "escaped backslash",
			raw:  `CEF:0|security|threatmanager|1.0|100|detected a \\ in packet|10|src=10.0.0.1 act=blocked a \\ dst=1.1.1.1`,
			want: map[string]any{
				"cef.name":     `detected a \ in packet`,
				"event.action": `blocked a \`,
			},
		},
		{
			name: "escaped equals and newline",
			raw:  `CEF:0|security|threatmanager|1.0|100|detected a = in message|10|src=10.0.0.1 act=blocked a \= dst=1.1.1.1 msg=line one\nline two`,
			want: map[string]any{
				"cef.name":     "detected a = in message",
				"event.action": "blocked a =",
				"message":      "line one\nline two",
			},
		},
		{
			name: "Imperva Incapsula (vendor documentation), custom labels, unescaped = in values",
			raw:  `CEF:0|Incapsula|SIEMintegration|1|1|Normal|0| fileId=3412341160002518171 sourceServiceName=site123.abcd.info siteid=1509732 suid=50005477 requestClientApplication=Mozilla/5.0 (Windows NT 6.1; WOW64; rv:40.0) Gecko/20100101 Firefox/40.0 deviceFacility=mia cs2=true cs2Label=Javascript Support cs3=true cs3Label=CO Support src=12.12.12.12 caIP=13.13.13.13 ccode=IL tag=www.elvis.com cn1=200 in=54 xff=44.44.44.44 cs1=NOT_SUPPORTED cs1Label=Cap Support start=1453290121336 request=site123.abcd.info/index.php?a=b requestMethod=GET qstr=p\=%2fetc%2fpasswd app=HTTP act=REQ_CHALLENGE_CAPTCHA deviceExternalId=33411452762204224 cpt=443`,
			want: map[string]any{
				"user_agent.original":           "Mozilla/5.0 (Windows NT 6.1; WOW64; rv:40.0) Gecko/20100101 Firefox/40.0",
				"cef.custom.Javascript_Support": "true",
				"cef.custom.Cap_Support":        "NOT_SUPPORTED",
				"source.ip":                     "12.12.12.12",
				"source.bytes":                  int64(54),
				"url.original":                  "site123.abcd.info/index.php?a=b",
				"cef.extensions.qstr":           "p=%2fetc%2fpasswd",
				"http.request.method":           "GET",
				"network.protocol":              "http",
				"event.action":                  "REQ_CHALLENGE_CAPTCHA",
				"event.start":                   "2016-01-20T11:42:01.336Z",
				"observer.name":                 "33411452762204224",
				"event.severity":                int64(0),
				"message":                       "Normal",
			},
			ts: "2016-01-20T11:42:01.336Z", // no rt: start is the time
		},
		{
			name: "Imperva SecureSphere with rt",
			raw:  `CEF:0|Imperva Inc.|SecureSphere|12.0.0|Firewall|SSL Untraceable Http Protocol Violation|High|act=Block dst=10.10.10.10 dpt=443 duser=n/a src=10.10.10.11 spt=54321 proto=TCP rt=Feb 21 2024 10:11:12 cat=Alert cs1=Policy1 cs1Label=Policy`,
			want: map[string]any{
				"event.severity":        int64(event.SeverityHigh),
				"network.transport":     "tcp",
				"destination.port":      int64(443),
				"destination.user.name": "n/a",
				"user.name":             "n/a",
				"cef.custom.Policy":     "Policy1",
				"cef.category":          "Alert",
			},
			ts: "2024-02-21T10:11:12Z",
		},
		{
			name: "no extensions, no trailing pipe",
			raw:  "CEF:1|Vendor|Product|2.0|sig-1|Something happened|3",
			want: map[string]any{"event.code": "sig-1", "event.severity": int64(37), "cef.version": "1"},
		},
		{
			name: "truncated header",
			raw:  "CEF:0|Security|threatmanager|1.0|100|worm succ",
			want: map[string]any{"event.dataset": "unknown", "message": "CEF:0|Security|threatmanager|1.0|100|worm succ"},
			tags: []string{event.TagParseError},
		},
	})
}

func TestLEEF(t *testing.T) {
	runSamples(t, []sample{
		{
			name: "LEEF 1.0 (IBM example)",
			raw:  "LEEF:1.0|Microsoft|MSExchange|4.0 SP1|15345|src=192.0.2.0\tdst=172.50.123.1\tsev=5\tcat=anomaly\tsrcPort=81\tdstPort=21\tusrName=joe.black",
			want: map[string]any{
				"event.dataset":       "leef",
				"observer.vendor":     "Microsoft",
				"observer.product":    "MSExchange",
				"observer.version":    "4.0 SP1",
				"event.code":          "15345",
				"source.ip":           "192.0.2.0",
				"destination.ip":      "172.50.123.1",
				"source.port":         int64(81),
				"destination.port":    int64(21),
				"user.name":           "joe.black",
				"event.severity":      int64(55),
				"leef.attributes.cat": "anomaly",
			},
		},
		{
			name: "LEEF 2.0 caret delimiter (IBM example)",
			raw:  "LEEF:2.0|Lancope|StealthWatch|1.0|41|^|src=192.0.2.0^dst=172.50.123.1^sev=5^cat=anomaly^srcPort=81^dstPort=21^usrName=joe.black",
			want: map[string]any{
				"leef.version": "2.0",
				"source.ip":    "192.0.2.0",
				"user.name":    "joe.black",
				"source.port":  int64(81),
			},
		},
		{
			name: "LEEF 2.0 hex delimiter",
			raw:  "LEEF:2.0|Vendor|Product|Version|EventID|0x7C|src=10.0.0.1|dst=10.0.0.2|proto=6",
			want: map[string]any{"source.ip": "10.0.0.1", "destination.ip": "10.0.0.2", "network.transport": "tcp"},
		},
		{
			name: "devTime with devTimeFormat",
			raw:  "LEEF:1.0|IBM|QRadar|7.3|Login|devTime=Feb 12 2024 14:22:01.123 UTC\tdevTimeFormat=MMM dd yyyy HH:mm:ss.SSS z\tsrc=10.1.1.1\tusrName=admin",
			want: map[string]any{"user.name": "admin"},
			ts:   "2024-02-12T14:22:01.123Z",
		},
		{
			name: "Trend Micro Deep Security (vendor documentation)",
			raw:  "LEEF:2.0|Trend Micro|Deep Security Agent|20.0|4000030|cat=Anti-Malware\tname=HEU_AEGIS_CRYPT\tdesc=HEU_AEGIS_CRYPT\tsev=6\tcn1=241\tcn1Label=Host ID\tdvchost=exch01\tTrendMicroDsTenant=Primary\tfilePath=C:\\Windows\\System32\\virus.exe\tact=Terminate\tmsg=Realtime",
			want: map[string]any{
				"event.action":             "Terminate",
				"message":                  "Realtime",
				"leef.attributes.filePath": `C:\Windows\System32\virus.exe`,
				"event.severity":           int64(63),
			},
		},
		{
			name: "LEEF over syslog",
			raw:  "<13>Jan 18 11:07:53 192.168.1.1 LEEF:1.0|QRadar|QRM|1.0|NEW_PORT_DISCOVERD|src=172.5.6.67\tdst=172.50.123.1\tsev=5\tcat=anomaly\tmsg=there are spaces in this message",
			want: map[string]any{
				"host.name": "192.168.1.1",
				"message":   "there are spaces in this message",
				"source.ip": "172.5.6.67",
			},
			ts: "2024-01-18T11:07:53Z",
		},
		{
			name: "truncated header",
			raw:  "LEEF:1.0|QRadar|QRM",
			want: map[string]any{"event.dataset": "unknown"},
			tags: []string{event.TagParseError},
		},
	})
}

func TestKV(t *testing.T) {
	runSamples(t, []sample{
		{
			name: "FortiGate traffic log (vendor documentation)",
			raw:  `date=2024-02-10 time=11:37:47 logid="0000000013" type="traffic" subtype="forward" level="notice" vd="vdom1" eventtime=1557513467369913239 srcip=10.1.100.11 srcport=58012 srcintf="port12" dstip=23.59.154.35 dstport=80 dstintf="port11" sessionid=105048 proto=6 action="close" policyid=1 service="HTTP" dstcountry="United States" srccountry="Reserved" app="HTTP.BROWSER_Firefox" duration=116 sentbyte=1188 rcvdbyte=1224`,
			want: map[string]any{
				"event.dataset":     "kv",
				"source.ip":         "10.1.100.11",
				"source.port":       int64(58012),
				"destination.ip":    "23.59.154.35",
				"destination.port":  int64(80),
				"network.transport": "tcp",
				"event.action":      "close",
				"dstcountry":        "United States",
				"logid":             "0000000013",
				"log.level":         "notice",
				"event.severity":    int64(0),
			},
			ts: "2024-02-10T11:37:47Z",
		},
		{
			name: "bare values with spaces, quoted values with escapes",
			raw:  `user=bob msg=disk is full path="C:\\Temp\\x \"y\"" count=3`,
			want: map[string]any{
				"user.name": "bob",
				"message":   "disk is full",
				"path":      `C:\Temp\x "y"`,
				"count":     "3",
			},
		},
		{
			name: "auditd",
			raw:  `type=USER_LOGIN msg=audit(1364481363.243:24287): pid=14183 uid=0 auid=4294967295 ses=4294967295 msg='op=login acct="root" exe="/usr/sbin/sshd" hostname=? addr=203.0.113.5 terminal=ssh res=failed'`,
			want: map[string]any{
				"type":        "USER_LOGIN",
				"process.pid": int64(14183),
			},
		},
		{
			name:   "kv format requested, one pair",
			format: FormatKV,
			raw:    "status=ok",
			want:   map[string]any{"status": "ok", "event.outcome": "success"},
		},
	})
}

// sshd's and PAM's wording is recognised whatever program a syslog header
// names (logger's default tag is the user's name), as it is in a bare
// line over HEC or in a file; the program stays as sent. Other programs'
// messages that merely begin the same way are left alone.
func TestAuthPhraseAnyProgram(t *testing.T) {
	line := func(prog, msg string) string { return "<38>Mar  1 12:00:00 srv1 " + prog + ": " + msg }
	runSamples(t, []sample{
		{
			name: "logger --rfc5424, tag root",
			raw:  `<13>1 2024-03-01T11:59:00.123456+00:00 vm root - - [timeQuality tzKnown="1" isSynced="1" syncAccuracy="85000"] Failed password for root from 81.2.69.142 port 4242 ssh2`,
			want: map[string]any{"event.dataset": "linux.auth", "user.name": "root", "source.ip": "81.2.69.142", "source.port": int64(4242),
				"event.outcome": "failure", "event.action": "ssh_login", "network.protocol": "ssh", "process.name": "root", "log.syslog.appname": "root",
				"message": "Failed password for root from 81.2.69.142 port 4242 ssh2"},
			ts: "2024-03-01T11:59:00.123456Z",
		},
		{
			name: "RFC 3164, a script's tag",
			raw:  line("deploy", "Accepted publickey for alice from 10.0.0.5 port 50122 ssh2: RSA SHA256:abc"),
			want: map[string]any{"event.dataset": "linux.auth", "user.name": "alice", "source.ip": "10.0.0.5", "event.outcome": "success", "process.name": "deploy"},
			ts:   "2024-03-01T12:00:00Z",
		},
		{
			name: "PAM: the program named by the header is kept",
			raw:  line("root", "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=198.51.100.7  user=dave"),
			want: map[string]any{"event.dataset": "linux.auth", "user.name": "dave", "source.ip": "198.51.100.7", "event.outcome": "failure",
				"process.name": "root", "system.auth.pam.service": "sshd"},
			ts: "2024-03-01T12:00:00Z",
		},
		{
			name: "PAM without a tag: the service names the program",
			raw:  "<38>Mar  1 12:00:00 srv1 pam_unix(sudo:session): session opened for user root(uid=0) by alice(uid=1000)",
			want: map[string]any{"event.dataset": "linux.auth", "user.name": "root", "process.name": "sudo"},
			ts:   "2024-03-01T12:00:00Z",
		},
		{
			name: "another program's Accepted is not a logon",
			raw:  line("haproxy[99]", "Accepted connection from 10.0.0.5:4242"),
			want: map[string]any{"event.dataset": "syslog", "network.protocol": nil, "event.outcome": nil, "user.name": nil, "process.name": "haproxy"},
			ts:   "2024-03-01T12:00:00Z",
		},
		{
			name: "another program's Invalid user without an address is not a logon",
			raw:  line("webapp", "Invalid user name in request"),
			want: map[string]any{"event.dataset": "syslog", "user.name": nil, "event.outcome": nil},
			ts:   "2024-03-01T12:00:00Z",
		},
		{
			name: "sshd's PAM message not understood still names the module",
			raw:  line("sshd[7]", "pam_unix(sshd:auth): something new"),
			want: map[string]any{"event.dataset": "linux.auth", "system.auth.pam.module": "pam_unix", "system.auth.pam.service": "sshd", "process.name": "sshd"},
			ts:   "2024-03-01T12:00:00Z",
		},
		{
			name: "another program's pam-like text is left alone",
			raw:  line("app", "pam_unix(login:auth): something new"),
			want: map[string]any{"event.dataset": "syslog", "system.auth.pam.module": nil, "process.name": "app"},
			ts:   "2024-03-01T12:00:00Z",
		},
	})
}

// The MSG of an RFC 5424 message does not begin with blanks: rsyslog's
// RSYSLOG_SyslogProtocol23Format puts the message's own leading space (as
// imuxsock reads it) after the header's. Raw keeps them.
func TestSyslogMessageLeadingBlanks(t *testing.T) {
	runSamples(t, []sample{
		{
			name: "rsyslog's RFC 5424 template",
			raw:  "<155>1 2024-03-01T11:45:07.685925+00:00 vm myapp - - -  app error marker-tcp",
			want: map[string]any{"message": "app error marker-tcp", "process.name": "myapp"},
			ts:   "2024-03-01T11:45:07.685925Z",
		},
		{
			name: "RFC 5424 with structured data",
			raw:  `<13>1 2024-03-01T11:45:07Z vm myapp - - [x@1 a="b"]` + " 	 app error",
			want: map[string]any{"message": "app error", "log.syslog.structured_data.x@1.a": "b"},
			ts:   "2024-03-01T11:45:07Z",
		},
		{
			name: "RFC 5424, sshd, two spaces",
			raw:  "<38>1 2024-03-01T11:45:07Z vm sshd 42 - -  Failed password for root from 81.2.69.142 port 22 ssh2",
			want: map[string]any{"message": "Failed password for root from 81.2.69.142 port 22 ssh2", "user.name": "root"},
			ts:   "2024-03-01T11:45:07Z",
		},
		{
			name: "RFC 5424, CEF after two spaces",
			raw:  "<13>1 2024-03-01T11:45:07Z vm cef - - -  CEF:0|Vendor|Product|1.0|100|Blocked|5|src=10.0.0.1",
			want: map[string]any{"source.ip": "10.0.0.1", "event.dataset": "cef"},
			ts:   "2024-03-01T11:45:07Z",
		},
		{
			name: "RFC 3164, spaces after the tag",
			raw:  "<13>Mar  1 12:00:00 srv1 app:   spaced out",
			want: map[string]any{"message": "spaced out"},
			ts:   "2024-03-01T12:00:00Z",
		},
	})
}

func TestAuth(t *testing.T) {
	line := func(prog, msg string) string { return "<38>Mar  1 12:00:00 srv1 " + prog + ": " + msg }
	runSamples(t, []sample{
		{
			name: "pam_unix failure: uid and euid are the calling process's",
			raw:  line("sshd[1004]", "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=198.51.100.7  user=dave"),
			want: map[string]any{"user.name": "dave", "user.id": nil, "user.effective.id": nil, "process.real_user.id": "0",
				"process.user.id": "0", "source.ip": "198.51.100.7", "event.outcome": "failure", "event.action": "authentication_failure"},
			ts: "2024-03-01T12:00:00Z",
		},
		{
			name: "PAM summary: uid and euid are the calling process's",
			raw:  line("sshd[1004]", "PAM 2 more authentication failures; logname= uid=0 euid=0 tty=ssh ruser= rhost=198.51.100.7  user=root"),
			want: map[string]any{"user.name": "root", "user.id": nil, "process.user.id": "0", "source.ip": "198.51.100.7"},
			ts:   "2024-03-01T12:00:00Z",
		},
		{
			name: "pam_unix session keeps the user's own uid",
			raw:  line("sshd[1004]", "pam_unix(sshd:session): session opened for user dave(uid=1001) by (uid=0)"),
			want: map[string]any{"user.name": "dave", "user.id": "1001"},
			ts:   "2024-03-01T12:00:00Z",
		},
		{
			name: "rsyslog's repeated message counts",
			raw:  line("sshd[1004]", "message repeated 3 times: [ Failed password for root from 1.2.3.4 port 22 ssh2]"),
			want: map[string]any{"user.name": "root", "source.ip": "1.2.3.4", "source.port": int64(22), "event.outcome": "failure",
				"log.syslog.repeat_count": int64(3), "message": "message repeated 3 times: [ Failed password for root from 1.2.3.4 port 22 ssh2]"},
			ts: "2024-03-01T12:00:00Z",
		},
		{
			name: "repeated message without a syslog header",
			raw:  "sshd[1004]: message repeated 2 times: [ Failed password for invalid user admin from 1.2.3.4 port 22 ssh2]",
			want: map[string]any{"user.name": "admin", "event.outcome": "failure", "log.syslog.repeat_count": int64(2)},
		},
		{
			name: "repeated message of another program",
			raw:  line("app", "message repeated 2 times: [ action=login user=bob]"),
			want: map[string]any{"user.name": "bob", "event.action": "login", "log.syslog.repeat_count": int64(2)},
			ts:   "2024-03-01T12:00:00Z",
		},
		{
			name: "sshd accepted password",
			raw:  line("sshd[1021]", "Accepted password for root from 192.0.2.10 port 51234 ssh2"),
			want: map[string]any{"user.name": "root", "source.ip": "192.0.2.10", "source.port": int64(51234),
				"event.outcome": "success", "event.category": []string{"authentication"}, "system.auth.ssh.method": "password",
				"event.severity": int64(0), "network.protocol": "ssh"},
			ts: "2024-03-01T12:00:00Z",
		},
		{
			name: "sshd failed password for invalid user",
			raw:  line("sshd[1022]", "Failed password for invalid user admin from 198.51.100.23 port 40022 ssh2"),
			want: map[string]any{"user.name": "admin", "source.ip": "198.51.100.23", "event.outcome": "failure",
				"system.auth.ssh.invalid_user": true, "event.severity": int64(event.SeverityLow)},
			ts: "2024-03-01T12:00:00Z",
		},
		{
			name: "sshd failed publickey",
			raw:  line("sshd[1022]", "Failed publickey for git from 2001:db8::5 port 40022 ssh2: RSA SHA256:abcdef"),
			want: map[string]any{"user.name": "git", "source.ip": "2001:db8::5", "event.outcome": "failure"},
			ts:   "2024-03-01T12:00:00Z",
		},
		{
			name: "sshd invalid user",
			raw:  line("sshd[1023]", "Invalid user test from 198.51.100.23 port 40010"),
			want: map[string]any{"user.name": "test", "source.port": int64(40010), "event.outcome": "failure"},
			ts:   "2024-03-01T12:00:00Z",
		},
		{
			name: "sshd disconnected preauth",
			raw:  line("sshd[1024]", "Disconnected from authenticating user root 198.51.100.23 port 40022 [preauth]"),
			want: map[string]any{"user.name": "root", "source.ip": "198.51.100.23", "event.action": "ssh_disconnect",
				"event.category": []string{"session"}, "event.type": []string{"end"}},
			ts: "2024-03-01T12:00:00Z",
		},
		{
			name: "sshd connection closed",
			raw:  line("sshd[1025]", "Connection closed by 198.51.100.23 port 40022 [preauth]"),
			want: map[string]any{"source.ip": "198.51.100.23", "user.name": nil},
			ts:   "2024-03-01T12:00:00Z",
		},
		{
			name: "sshd received disconnect: the port is not the reason code after it",
			raw:  line("sshd[1025]", "Received disconnect from 81.2.69.142 port 4000:11: Bye Bye [preauth]"),
			want: map[string]any{"source.ip": "81.2.69.142", "source.port": int64(4000), "event.reason": "Bye Bye",
				"system.auth.ssh.preauth": true, "event.action": "ssh_disconnect", "event.type": []string{"end"}},
			ts: "2024-03-01T12:00:00Z",
		},
		{
			name: "sshd received disconnect from IPv6, after authentication",
			raw:  line("sshd[1025]", "Received disconnect from 2001:db8::7 port 4000:11: disconnected by user"),
			want: map[string]any{"source.ip": "2001:db8::7", "source.port": int64(4000), "event.reason": "disconnected by user",
				"system.auth.ssh.preauth": nil},
			ts: "2024-03-01T12:00:00Z",
		},
		{
			name: "sshd received disconnect before OpenSSH 7.3",
			raw:  line("sshd[1025]", "Received disconnect from 81.2.69.142: 11: Bye Bye [preauth]"),
			want: map[string]any{"source.ip": "81.2.69.142", "source.port": nil, "event.reason": "Bye Bye"},
			ts:   "2024-03-01T12:00:00Z",
		},
		{
			name: "sshd disconnected from authenticating user",
			raw:  line("sshd[1025]", "Disconnected from authenticating user root 81.2.69.142 port 4000 [preauth]"),
			want: map[string]any{"user.name": "root", "source.ip": "81.2.69.142", "source.port": int64(4000),
				"event.action": "ssh_disconnect", "system.auth.ssh.preauth": true, "system.auth.ssh.invalid_user": nil},
			ts: "2024-03-01T12:00:00Z",
		},
		{
			name: "sshd connection closed by invalid user",
			raw:  line("sshd[1025]", "Connection closed by invalid user admin 81.2.69.142 port 4000 [preauth]"),
			want: map[string]any{"user.name": "admin", "source.ip": "81.2.69.142", "source.port": int64(4000),
				"event.action": "ssh_disconnect", "system.auth.ssh.invalid_user": true},
			ts: "2024-03-01T12:00:00Z",
		},
		{
			name: "sshd PAM auth failure",
			raw:  line("sshd[1026]", "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=198.51.100.23  user=root"),
			want: map[string]any{"user.name": "root", "source.ip": "198.51.100.23", "event.outcome": "failure",
				"system.auth.pam.module": "pam_unix", "system.auth.pam.service": "sshd"},
			ts: "2024-03-01T12:00:00Z",
		},
		{
			name: "sshd session opened",
			raw:  line("sshd[1027]", "pam_unix(sshd:session): session opened for user alice(uid=1000) by (uid=0)"),
			want: map[string]any{"user.name": "alice", "user.id": "1000", "event.category": []string{"session"},
				"event.type": []string{"start"}},
			ts: "2024-03-01T12:00:00Z",
		},
		{
			name: "message repeated",
			raw:  line("sshd[1028]", "message repeated 3 times: [ Failed password for root from 198.51.100.23 port 40022 ssh2]"),
			want: map[string]any{"user.name": "root", "event.outcome": "failure"},
			ts:   "2024-03-01T12:00:00Z",
		},
		{
			name: "sudo command",
			raw:  line("sudo", "   alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/apt-get update"),
			want: map[string]any{"user.name": "alice", "user.effective.name": "root", "process.command_line": "/usr/bin/apt-get update",
				"process.working_directory": "/home/alice", "event.outcome": "success", "related.user": []string{"alice", "root"}},
			ts: "2024-03-01T12:00:00Z",
		},
		{
			name: "sudo wrong password",
			raw:  line("sudo", "     bob : 3 incorrect password attempts ; TTY=pts/1 ; PWD=/home/bob ; USER=root ; COMMAND=/bin/cat /etc/shadow"),
			want: map[string]any{"user.name": "bob", "event.outcome": "failure", "system.auth.sudo.error": "3 incorrect password attempts",
				"event.category": []string{"authentication"}},
			ts: "2024-03-01T12:00:00Z",
		},
		{
			name: "sudo not in sudoers",
			raw:  line("sudo", "mallory : user NOT in sudoers ; TTY=pts/2 ; PWD=/tmp ; USER=root ; COMMAND=/bin/bash"),
			want: map[string]any{"user.name": "mallory", "event.outcome": "failure", "system.auth.sudo.error": "user NOT in sudoers"},
			ts:   "2024-03-01T12:00:00Z",
		},
		{
			name: "sudo pam session",
			raw:  line("sudo", "pam_unix(sudo:session): session opened for user root(uid=0) by alice(uid=1000)"),
			want: map[string]any{"user.name": "root", "source.user.name": "alice", "event.action": "session_opened"},
			ts:   "2024-03-01T12:00:00Z",
		},
		{
			name: "su success",
			raw:  line("su[3001]", "(to root) alice on pts/0"),
			want: map[string]any{"user.name": "alice", "user.effective.name": "root", "event.outcome": "success", "event.action": "su"},
			ts:   "2024-03-01T12:00:00Z",
		},
		{
			name: "su failure",
			raw:  line("su[3002]", "FAILED SU (to root) bob on pts/1"),
			want: map[string]any{"user.name": "bob", "event.outcome": "failure"},
			ts:   "2024-03-01T12:00:00Z",
		},
		{
			name: "su pam auth failure",
			raw:  line("su[3003]", "pam_unix(su:auth): authentication failure; logname=bob uid=1001 euid=0 tty=/dev/pts/1 ruser=bob rhost=  user=root"),
			want: map[string]any{"user.name": "root", "source.user.name": "bob", "event.outcome": "failure"},
			ts:   "2024-03-01T12:00:00Z",
		},
		{
			name: "useradd",
			raw:  line("useradd[4001]", "new user: name=backdoor, UID=1002, GID=1002, home=/home/backdoor, shell=/bin/bash, from=/dev/pts/0"),
			want: map[string]any{"user.target.name": "backdoor", "user.target.id": "1002", "event.action": "added-user-account",
				"event.category": []string{"iam"}, "event.type": []string{"user", "creation"}},
			ts: "2024-03-01T12:00:00Z",
		},
		{
			name: "groupadd",
			raw:  line("groupadd[4002]", "group added to /etc/group: name=devs, GID=1003"),
			want: map[string]any{"group.name": "devs", "group.id": "1003", "event.type": []string{"group", "creation"}},
			ts:   "2024-03-01T12:00:00Z",
		},
		{
			name: "usermod adds to sudo",
			raw:  line("usermod[4003]", "add 'backdoor' to group 'sudo'"),
			want: map[string]any{"user.target.name": "backdoor", "group.name": "sudo", "event.action": "added-member-to-group"},
			ts:   "2024-03-01T12:00:00Z",
		},
		{
			name: "userdel",
			raw:  line("userdel[4004]", "delete user 'backdoor'"),
			want: map[string]any{"user.target.name": "backdoor", "event.action": "deleted-user-account"},
			ts:   "2024-03-01T12:00:00Z",
		},
		{
			name: "passwd changed",
			raw:  line("passwd[4005]", "pam_unix(passwd:chauthtok): password changed for alice"),
			want: map[string]any{"user.target.name": "alice", "event.action": "changed-password"},
			ts:   "2024-03-01T12:00:00Z",
		},
		{
			name: "systemd-logind new session",
			raw:  line("systemd-logind[612]", "New session 42 of user alice."),
			want: map[string]any{"user.name": "alice", "event.action": "session_opened"},
			ts:   "2024-03-01T12:00:00Z",
		},
		{
			name: "login failure",
			raw:  line("login[700]", "FAILED LOGIN (1) on '/dev/tty1' FOR 'root', Authentication failure"),
			want: map[string]any{"user.name": "root", "event.outcome": "failure"},
			ts:   "2024-03-01T12:00:00Z",
		},
		{
			name: "bare sshd line, auto",
			raw:  "sshd[99]: Failed password for root from 192.0.2.1 port 22 ssh2",
			want: map[string]any{"event.dataset": "linux.auth", "user.name": "root", "process.pid": int64(99),
				"log.syslog.appname": "sshd", "log.syslog.procid": "99"},
		},
		{
			name: "sudo keeps its program in log.syslog.appname",
			raw:  line("sudo", "   alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/bin/bash"),
			want: map[string]any{"log.syslog.appname": "sudo", "process.name": "bash"},
			ts:   "2024-03-01T12:00:00Z",
		},
		{
			name: "Debian cron",
			raw:  line("CRON[4241]", "(root) CMD (test -x /usr/sbin/anacron || ( cd / && run-parts --report /etc/cron.daily ))"),
			want: map[string]any{"event.dataset": "linux.auth", "log.syslog.appname": "CRON", "process.name": "CRON",
				"process.pid": int64(4241), "message": "(root) CMD (test -x /usr/sbin/anacron || ( cd / && run-parts --report /etc/cron.daily ))"},
			ts: "2024-03-01T12:00:00Z",
		},
		{
			name: "RHEL cronie CROND",
			raw:  line("CROND[4242]", "(root) CMD (run-parts /etc/cron.hourly)"),
			want: map[string]any{"event.dataset": "linux.auth", "log.syslog.appname": "CROND", "process.name": "CROND",
				"process.pid": int64(4242), "log.syslog.procid": "4242", "message": "(root) CMD (run-parts /etc/cron.hourly)"},
			ts: "2024-03-01T12:00:00Z",
		},
		{
			name: "cronie crond PAM session",
			raw:  line("crond[4243]", "pam_unix(crond:session): session opened for user root(uid=0) by (uid=0)"),
			want: map[string]any{"event.dataset": "linux.auth", "log.syslog.appname": "crond", "event.action": "session_opened",
				"user.name": "root", "system.auth.pam.service": "crond"},
			ts: "2024-03-01T12:00:00Z",
		},
		{
			name: "bare CROND line, auto",
			raw:  "CROND[4244]: (apache) CMD (php /var/www/html/cron.php)",
			want: map[string]any{"event.dataset": "linux.auth", "log.syslog.appname": "CROND", "process.pid": int64(4244)},
		},
		{
			name: "RFC 5424 app name",
			raw:  "<86>1 2024-03-01T12:00:00Z srv1 CROND 4245 - - (root) CMD (/usr/local/bin/backup)",
			want: map[string]any{"event.dataset": "linux.auth", "log.syslog.appname": "CROND", "log.syslog.procid": "4245"},
			ts:   "2024-03-01T12:00:00Z",
		},
		{
			name: "bare message, auto",
			raw:  "Accepted password for root from 192.0.2.10 port 51234 ssh2",
			want: map[string]any{"event.dataset": "linux.auth", "user.name": "root", "event.outcome": "success"},
		},
		{
			name: "sshd message not mapped keeps dataset",
			raw:  line("sshd[1]", "Server listening on 0.0.0.0 port 22."),
			want: map[string]any{"event.dataset": "linux.auth", "event.category": nil, "message": "Server listening on 0.0.0.0 port 22."},
			ts:   "2024-03-01T12:00:00Z",
		},
	})
}

func TestJSON(t *testing.T) {
	runSamples(t, []sample{
		{
			name: "ECS document from a Beat",
			raw:  `{"@timestamp":"2024-02-29T10:00:00.5Z","event":{"kind":"event","category":["network"],"type":["connection"],"dataset":"zeek.conn","severity":3},"source":{"ip":"10.0.0.5","port":4444},"destination":{"ip":"8.8.8.8","port":53},"network":{"transport":"udp"},"tags":["beats"],"message":"conn"}`,
			want: map[string]any{
				"event.dataset":  "zeek.conn",
				"event.category": []string{"network"},
				"source.port":    int64(4444),
				"destination.ip": "8.8.8.8",
				"event.severity": int64(3),
				"tags":           []string{"beats"},
				"@timestamp":     nil,
			},
			ts:   "2024-02-29T10:00:00.5Z",
			tags: []string{"beats"},
		},
		{
			name: "application log with aliases",
			raw:  `{"time":1709280000,"level":"error","msg":"login failed","user":"bob","src_ip":"192.0.2.7","ctx":{"req":{"id":"abc","tries":[1,2,3]}}}`,
			want: map[string]any{
				"event.dataset":  "json",
				"message":        "login failed",
				"log.level":      "error",
				"event.severity": int64(event.SeverityMedium),
				"user.name":      "bob",
				"source.ip":      "192.0.2.7",
				"ctx.req.id":     "abc",
				"ctx.req.tries":  []string{"1", "2", "3"},
				"time":           int64(1709280000),
			},
			ts: "2024-03-01T08:00:00Z",
		},
		{
			name: "millisecond timestamp and array of objects",
			raw:  `{"ts":1709280000123,"answers":[{"name":"a","ttl":5},{"name":"b","ttl":7}]}`,
			want: map[string]any{"answers.name": []string{"a", "b"}, "answers.ttl": []string{"5", "7"}},
			ts:   "2024-03-01T08:00:00.123Z",
		},
		{
			name: "sender's wrong types are dropped from typed columns",
			raw:  `{"source":{"ip":"not-an-ip","port":"http"},"event":{"severity":"high","category":"web"}}`,
			want: map[string]any{"source.ip": nil, "source.port": nil, "event.severity": int64(event.SeverityHigh),
				"event.category": []string{"web"}},
			tags: []string{TagInvalidField},
		},
		{
			name: "unparseable time is tagged",
			raw:  `{"timestamp":"yesterday-ish","message":"x"}`,
			want: map[string]any{"timestamp": "yesterday-ish",
				"error.message": `timestamp: cannot read "yesterday-ish" as a time; the arrival time is used`},
			tags: []string{TagTimestampUnparsed},
		},
		{
			name: "unreadable number as time names the first key tried",
			raw:  `{"@timestamp":-99999999999999,"time":"soon","message":"x"}`,
			want: map[string]any{"error.message": `@timestamp: cannot read -99999999999999 as a time; the arrival time is used`},
			tags: []string{TagTimestampUnparsed},
		},
		{
			name: "a later key's readable time wins over an unreadable one",
			raw:  `{"@timestamp":"garbage","time":"2024-02-29T08:00:00Z","message":"x"}`,
			want: map[string]any{"error.message": nil},
			ts:   "2024-02-29T08:00:00Z",
		},
		{
			name: "unreadable time after the sender's error.message",
			raw:  `{"@timestamp":"garbage","error":"disk full","message":"x"}`,
			want: map[string]any{"error.message": `disk full; @timestamp: cannot read "garbage" as a time; the arrival time is used`},
			tags: []string{TagTimestampUnparsed},
		},
		{
			name: "Suricata EVE alert",
			raw:  `{"timestamp":"2024-02-29T22:10:10.123456+0000","flow_id":1805461738637437,"in_iface":"eth0","event_type":"alert","src_ip":"10.16.1.11","src_port":53108,"dest_ip":"192.0.78.24","dest_port":80,"proto":"TCP","alert":{"action":"allowed","gid":1,"signature_id":2013028,"rev":7,"signature":"ET POLICY curl User-Agent Outbound","category":"Attempted Information Leak","severity":2}}`,
			want: map[string]any{"event.dataset": "suricata.eve", "event.kind": "alert", "rule.name": "ET POLICY curl User-Agent Outbound",
				"rule.id": "2013028", "source.ip": "10.16.1.11", "destination.port": int64(80), "network.transport": "tcp",
				"event.severity": int64(event.SeverityMedium)},
			ts: "2024-02-29T22:10:10.123456Z",
		},
		{
			name: "Suricata EVE dns without flow_id",
			raw:  `{"timestamp":"2024-02-29T22:10:10.123456+0000","event_type":"dns","src_ip":"10.16.1.11","src_port":53108,"dest_ip":"10.16.1.1","dest_port":53,"proto":"UDP","dns":{"type":"query","id":1,"rrname":"example.com","rrtype":"A"}}`,
			want: map[string]any{"event.dataset": "suricata.eve", "event.action": "dns", "dns.question.name": "example.com",
				"network.protocol": "dns"},
			ts: "2024-02-29T22:10:10.123456Z",
		},
		{
			name: "Suricata EVE stats have no addresses",
			raw:  `{"timestamp":"2024-02-29T22:10:10.123456+0000","event_type":"stats","stats":{"uptime":120}}`,
			want: map[string]any{"event.dataset": "suricata.eve", "stats.uptime": int64(120)},
			ts:   "2024-02-29T22:10:10.123456Z",
		},
		{
			name: "application event, the seed API's camelCase",
			raw:  `{"eventType":"LOGIN_FAILURE","userId":"u1","sourceIp":"203.0.113.5","severity":"high","timestamp":"2024-02-29T10:00:00Z"}`,
			want: map[string]any{
				"event.dataset":  "eventsec.application",
				"event.action":   "LOGIN_FAILURE",
				"eventType":      "LOGIN_FAILURE",
				"user.id":        "u1",
				"userId":         "u1",
				"source.ip":      "203.0.113.5",
				"event.severity": int64(event.SeverityHigh),
				"log.level":      "high",
			},
			ts: "2024-02-29T10:00:00Z",
		},
		{
			name: "a logging library's message object holds the event's fields",
			raw:  `{"message":{"event":"login_failed","user":{"name":"zed"},"source":{"ip":"81.2.69.142"},"host":"web-7"},"severity":"warning","host":"app-1"}`,
			want: map[string]any{
				"user.name":         "zed",
				"source.ip":         "81.2.69.142",
				"event.action":      "login_failed",
				"event":             nil,
				"message.event":     nil,
				"message.user.name": nil,
				// The event's own host stays; the message's is kept under message.
				"host.name":    "app-1",
				"message.host": "web-7",
				"log.level":    "warning",
			},
		},
		{
			name: "application event with ipAddress, userName and userAgent",
			raw:  `{"eventType":"LOGIN_FAILURE","userId":"u-17","userName":"ann","userEmail":"ann@example.com","ipAddress":"81.2.69.142","userAgent":"curl/8.5","hostName":"portal-1"}`,
			want: map[string]any{
				"event.dataset":       "eventsec.application",
				"user.id":             "u-17",
				"user.name":           "ann",
				"user.email":          "ann@example.com",
				"source.ip":           "81.2.69.142",
				"user_agent.original": "curl/8.5",
				"host.name":           "portal-1",
				"ipAddress":           "81.2.69.142",
			},
		},
		{
			name: "application event in snake_case with src_ip is not Suricata",
			raw:  `{"event_type":"LOGIN_FAILURE","user_id":"u1","source_ip":"203.0.113.5","src_ip":"203.0.113.5","timestamp":"2024-02-29T10:00:00Z"}`,
			want: map[string]any{
				"event.dataset":   "eventsec.application",
				"event.module":    nil,
				"observer.vendor": nil,
				"event.action":    "LOGIN_FAILURE",
				"event_type":      "LOGIN_FAILURE",
				"user.id":         "u1",
				"source.ip":       "203.0.113.5",
			},
			ts: "2024-02-29T10:00:00Z",
		},
		{
			name: "application event type named like a Suricata one, without addresses",
			raw:  `{"event_type":"alert","message":"disk quota reached"}`,
			want: map[string]any{"event.dataset": "eventsec.application", "event.action": "alert"},
		},
		{
			name: "application event with its own dataset and action",
			raw:  `{"event":{"dataset":"billing.audit","action":"refund.issued"},"eventType":"REFUND","userId":"u9"}`,
			want: map[string]any{"event.dataset": "billing.audit", "event.action": "refund.issued", "user.id": "u9"},
		},
		{
			name: "application event with its own module",
			raw:  `{"event":{"module":"portal"},"event_type":"LOGIN_SUCCESS","user":"judy"}`,
			want: map[string]any{"event.dataset": "json", "event.module": "portal", "event.action": "LOGIN_SUCCESS", "user.name": "judy"},
		},
		{
			name: "invalid JSON",
			raw:  `{"a":1,"b":`,
			want: map[string]any{"event.dataset": "unknown", "message": `{"a":1,"b":`},
			tags: []string{event.TagParseError},
		},
		{
			name:   "JSON format requested for text",
			format: FormatJSON,
			raw:    `hello`,
			want:   map[string]any{"event.dataset": "unknown"},
			tags:   []string{event.TagParseError},
		},
	})
}

func TestPlainAndUnknown(t *testing.T) {
	runSamples(t, []sample{
		{name: "plain", format: FormatPlain, raw: "something happened\n", want: map[string]any{"event.dataset": "plain", "message": "something happened"}},
		{name: "auto, unknown", raw: "something happened", want: map[string]any{"event.dataset": "unknown", "message": "something happened",
			"error.message": "cannot parse event: no parser recognised the input"}, tags: []string{event.TagParseError}},
		{name: "empty", raw: "", want: map[string]any{"event.dataset": "unknown"}, tags: []string{event.TagParseError}},
		{name: "unknown format", format: "xml", raw: "<a/>", want: map[string]any{"event.dataset": "unknown"}, tags: []string{event.TagParseError}},
		{
			name: "Cisco via relay (Sigma regression .raw sample)",
			raw:  "172.16.5.10 6705: Feb 17 13:40:03.673: %PARSER-5-CFGLOG_LOGGEDCMD: User:admin  logged command:no access-session port-control",
			want: map[string]any{"event.dataset": "cisco.ios", "event.code": "PARSER-5-CFGLOG_LOGGEDCMD", "observer.ip": "172.16.5.10",
				"message": "User:admin  logged command:no access-session port-control"},
			ts: "2024-02-17T13:40:03.673Z",
		},
	})
}

func TestIdentity(t *testing.T) {
	n := testNormalizer()
	in := Input{OrgID: "o", Input: "http", Received: received, Raw: []byte(`{"a":1}`)}
	a, b := n.Normalize(in), n.Normalize(in)
	// Without its own time, an event is identified by content and
	// arrival: the same arrival gives the same ID, a later one another.
	if a.ID != b.ID || a.ID != event.DeriveIDAt("o", "http", `{"a":1}`, received) {
		t.Errorf("derived IDs %q %q", a.ID, b.ID)
	}
	later := in
	later.Received = received.Add(time.Minute)
	if c := n.Normalize(later); c.ID == a.ID {
		t.Errorf("a later arrival of an event without its own time kept the ID %q", c.ID)
	}
	// With its own time, content alone: a retry later is the same event.
	timed := Input{OrgID: "o", Input: "http", Received: received, Raw: []byte(`{"a":1,"@timestamp":"2024-03-01T12:00:00Z"}`)}
	t1 := n.Normalize(timed)
	timed.Received = received.Add(time.Minute)
	if t2 := n.Normalize(timed); t1.ID != t2.ID || t1.ID != event.DeriveID("o", "http", string(timed.Raw)) {
		t.Errorf("timed event IDs %q %q", t1.ID, t2.ID)
	}
	in.ID = "client-id"
	if ev := n.Normalize(in); ev.ID != "client-id" {
		t.Errorf("client ID not kept: %q", ev.ID)
	}
	in.Received = time.Time{}
	if ev := n.Normalize(in); !ev.Ingested.Equal(received) {
		t.Errorf("zero Received: Ingested = %v, want the clock", ev.Ingested)
	}
	if s := n.Stats(); s.Events != 7 {
		t.Errorf("stats %+v", s)
	}
}

func TestTimestampRange(t *testing.T) {
	n := New(Options{Now: func() time.Time { return received }, MaxSkew: time.Hour})
	cases := []struct {
		ts      string
		replace bool
	}{
		{"2024-03-01T13:00:00Z", false},
		{"2024-03-01T14:00:00Z", true},
		{"2999-01-01T00:00:00Z", true},
		{"1970-01-01T00:00:01Z", true},
		{"2014-03-10T00:00:00Z", false},
		{"2013-01-01T00:00:00Z", true},
	}
	for _, c := range cases {
		ev := n.Normalize(Input{OrgID: "o", Input: "http", Received: received, Raw: []byte(`{"@timestamp":"` + c.ts + `"}`)})
		replaced := ev.Timestamp.Equal(received)
		if replaced != c.replace {
			t.Errorf("%s: timestamp %v, replaced=%v want %v", c.ts, ev.Timestamp, replaced, c.replace)
		}
		if c.replace {
			if ev.Fields.Str("event.created") == "" || !contains(ev.Fields["tags"].([]string), TagTimestampOutOfRange) {
				t.Errorf("%s: original not kept: %v", c.ts, ev.Fields)
			}
		}
	}
}

func TestNormalizeObject(t *testing.T) {
	n := testNormalizer()
	obj := map[string]any{"message": "hi", "host": map[string]any{"name": "h1"}, "n": 1.5, "big": float64(1 << 40)}
	ev := n.NormalizeObject(Input{OrgID: "o", Input: "hec", Received: received, Raw: []byte(`{"message":"hi"}`)}, obj)
	if ev.Fields["host.name"] != "h1" || ev.Fields["n"] != 1.5 || ev.Fields["big"] != int64(1<<40) || ev.Fields["event.dataset"] != "json" {
		t.Errorf("fields %v", ev.Fields)
	}
}

// TestConcurrent normalizes from many goroutines with one Normalizer (run
// with -race).
func TestConcurrent(t *testing.T) {
	n := testNormalizer()
	inputs := []string{
		"<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8",
		"CEF:0|Security|threatmanager|1.0|100|worm successfully stopped|10|src=10.0.0.1 dst=2.1.2.2 spt=1232",
		`{"time":1709280000,"level":"error","msg":"login failed","user":"bob"}`,
		"garbage",
	}
	done := make(chan struct{})
	for g := 0; g < 8; g++ {
		go func() {
			defer func() { done <- struct{}{} }()
			for i := 0; i < 200; i++ {
				raw := inputs[(g+i)%len(inputs)]
				ev := n.Normalize(Input{OrgID: "o", Input: "syslog", Received: received, Raw: []byte(raw)})
				if ev.Fields.Str("event.dataset") == "" {
					t.Error("no dataset")
				}
			}
		}()
	}
	for g := 0; g < 8; g++ {
		<-done
	}
	if s := n.Stats(); s.Events != 1600 || s.ParseErrors != 400 {
		t.Errorf("stats %+v", s)
	}
}

func TestTimestampOptions(t *testing.T) {
	loc := time.FixedZone("CET", 3600)
	n := New(Options{
		Now:              func() time.Time { return received },
		TimestampFields:  []string{"when", "time"},
		TimestampFormats: []string{"02.01.2006 15:04"},
		Location:         loc,
	})
	cases := []struct{ raw, want string }{
		{`{"when":"29.02.2024 10:30","time":"2020-01-01T00:00:00Z"}`, "2024-02-29T09:30:00Z"}, // first key wins, zone-less in Location
		{`{"when":"garbage","time":1709280000.5}`, "2024-03-01T08:00:00.5Z"},                  // falls through to the next key
		{`{"@timestamp":"2024-02-29T10:00:00Z"}`, "2024-03-01T12:30:00Z"},                     // not a configured key: received time
		{"<13>Feb 29 10:00:00 host app: zone-less syslog", "2024-02-29T09:00:00Z"},
	}
	for _, c := range cases {
		ev := n.Normalize(Input{OrgID: "o", Input: "http", Received: received, Raw: []byte(c.raw)})
		if got := ev.Timestamp.Format(time.RFC3339Nano); got != c.want {
			t.Errorf("%s: timestamp %s, want %s", c.raw, got, c.want)
		}
	}
}

// TestSourceZones: a source's own zone, chosen by the sender's address
// or by the host in its syslog header, applies to the times it writes
// without a zone; times with a zone are left alone.
func TestSourceZones(t *testing.T) {
	zones, err := ParseSourceZones(" 10.20.0.0/16=America/New_York, 192.0.2.7=Asia/Kolkata ,FW-Tokyo-*=Asia/Tokyo,")
	if err != nil {
		t.Fatal(err)
	}
	n := New(Options{Now: func() time.Time { return received }, Location: time.FixedZone("CET", 3600), Zones: zones})
	cases := []struct{ name, peer, raw, want string }{
		{"address rule", "10.20.3.4", "<13>Feb 29 10:00:00 edge-1 app: x", "2024-02-29T15:00:00Z"},
		{"single address, IPv4-mapped", "::ffff:192.0.2.7", "<13>Feb 29 10:00:00 h app: x", "2024-02-29T04:30:00Z"},
		{"host rule, case-insensitive", "", "<13>Feb 29 10:00:00 fw-tokyo-3 kernel: x", "2024-02-29T01:00:00Z"},
		{"host rule beats the relay's address", "10.20.0.1", "<13>Feb 29 10:00:00 fw-tokyo-3 kernel: x", "2024-02-29T01:00:00Z"},
		{"no rule: timestamp_timezone", "198.51.100.1", "<13>Feb 29 10:00:00 other app: x", "2024-02-29T09:00:00Z"},
		{"a tag is not a host", "", "<13>Feb 29 10:00:00 fw-tokyo-3: x", "2024-02-29T09:00:00Z"},
		{"RFC 5424 carries its zone", "10.20.3.4", "<13>1 2024-02-29T10:00:00Z edge-1 app - - - x", "2024-02-29T10:00:00Z"},
		{"CEF rt from the device's address", "10.20.3.4", "CEF:0|V|P|1|100|n|5|rt=Feb 29 2024 10:00:00", "2024-02-29T15:00:00Z"},
	}
	for _, c := range cases {
		ev := n.Normalize(Input{OrgID: "o", Input: "syslog", Received: received, Raw: []byte(c.raw), Peer: c.peer})
		if got := ev.Timestamp.UTC().Format(time.RFC3339Nano); got != c.want {
			t.Errorf("%s: %s: timestamp %s, want %s", c.name, c.raw, got, c.want)
		}
	}
	for _, bad := range []string{"10.0.0.0/8", "=UTC", "10.0.0.0/33=UTC", "fw=Mars/Base", "fw=Local", "a b=UTC", "fw[1]=UTC"} {
		if _, err := ParseSourceZones(bad); err == nil || !strings.Contains(err.Error(), "entry 1") {
			t.Errorf("%q: error %v, want one naming entry 1", bad, err)
		}
	}
}

// Text sent as text (HEC event strings and raw lines, imports of log
// lines) is an event with its message: the parsers that recognise a
// format still run first. A syslog listener's line without a header stays
// a parse error.
func TestPlainText(t *testing.T) {
	runSamples(t, []sample{
		{name: "a sentence", format: FormatPlain, raw: "NHEC plain text line",
			want: map[string]any{"event.dataset": "plain", "message": "NHEC plain text line", "error.message": nil}},
		{name: "a sentence with a BOM", format: FormatPlain, raw: "\ufeffbackup finished in 42s\r\n",
			want: map[string]any{"event.dataset": "plain", "message": "backup finished in 42s"}},
		{name: "sshd line is still parsed", format: FormatPlain, raw: "sshd[1004]: Failed password for root from 81.2.69.142 port 4242 ssh2",
			want: map[string]any{"event.dataset": "linux.auth", "user.name": "root", "source.ip": "81.2.69.142", "event.outcome": "failure"}},
		{name: "syslog line is still parsed", format: FormatPlain, raw: "<13>Feb 29 08:00:00 yr app: backup done",
			want: map[string]any{"event.dataset": "syslog", "host.name": "yr", "process.name": "app", "message": "backup done"},
			ts:   "2024-02-29T08:00:00Z"},
		{name: "JSON is still parsed", format: FormatPlain, raw: `{"message":"x","userName":"bob"}`,
			want: map[string]any{"event.dataset": "json", "user.name": "bob"}},
		{name: "key=value is still parsed", format: FormatPlain, raw: `action=login user=hal`,
			want: map[string]any{"event.dataset": "kv", "user.name": "hal", "event.action": "login"}},
		{name: "JSON cut short is text", format: FormatPlain, raw: `{"a":1,"b":`,
			want: map[string]any{"event.dataset": "plain", "message": `{"a":1,"b":`, "a": nil}},
		{name: "bytes that are not UTF-8 keep their tag", format: FormatPlain, raw: "caf\xe9 closed",
			want: map[string]any{"event.dataset": "plain", "message": "caf\uFFFD closed"}, tags: []string{TagInvalidUTF8}},
		{name: "syslog listener: a line without a header is a parse error", format: FormatSyslog, raw: "just some words",
			want: map[string]any{"event.dataset": "unknown", "message": "just some words",
				"error.message": "cannot parse syslog: no header, and no parser recognised the message"},
			tags: []string{event.TagParseError}},
	})
}

func TestSeverityFromSender(t *testing.T) {
	runSamples(t, []sample{
		{name: "ECS log.level", raw: `{"message":"x","log":{"level":"error"}}`,
			want: map[string]any{"log.level": "error", "event.severity": int64(event.SeverityMedium)}},
		{name: "level", raw: `{"message":"x","level":"error"}`,
			want: map[string]any{"log.level": "error", "event.severity": int64(event.SeverityMedium)}},
		{name: "severity beats level", raw: `{"level":"warning","severity":"high"}`,
			want: map[string]any{"log.level": "warning", "event.severity": int64(event.SeverityHigh)}},
		{name: "severity beats ECS log.level", raw: `{"severity":"critical","log":{"level":"info"}}`,
			want: map[string]any{"log.level": "info", "event.severity": int64(event.SeverityCritical)}},
		{name: "event.severity beats both", raw: `{"level":"error","severity":"low","event":{"severity":90}}`,
			want: map[string]any{"log.level": "error", "event.severity": int64(90)}},
		{name: "severity as a number in text", raw: `{"message":"x","severity":"7"}`,
			want: map[string]any{"event.severity": int64(7), "log.level": nil}},
		{name: "severity above 100 is clamped and tagged", raw: `{"message":"x","severity":150}`,
			want: map[string]any{"event.severity": int64(100), "log.level": nil,
				"error.message": "severity: 150 is above 100, stored as 100"},
			tags: []string{TagInvalidField}},
		{name: "severity below 0 is clamped and tagged", raw: `{"message":"x","severity":-5}`,
			want: map[string]any{"event.severity": int64(0), "error.message": "severity: -5 is below 0, stored as 0"},
			tags: []string{TagInvalidField}},
		{name: "event.severity above 100 is clamped and tagged", raw: `{"message":"x","event":{"severity":250}}`,
			want: map[string]any{"event.severity": int64(100), "error.message": "event.severity: 250 is above 100, stored as 100"},
			tags: []string{TagInvalidField}},
		{name: "event.severity that is no severity", raw: `{"message":"x","event":{"severity":"urgent-ish"}}`,
			want: map[string]any{"event.severity": int64(0),
				"error.message": `event.severity: "urgent-ish" is not a number 0-100 or a severity name`},
			tags: []string{TagInvalidField}},
		{name: "key=value level", raw: `level=error msg="disk full" dev=sda`,
			want: map[string]any{"log.level": "error", "event.severity": int64(event.SeverityMedium)}},
	})
}

// A scalar where ECS has an object ("user":"zed") fills the object's
// field and is not stored beside it: an Elasticsearch export would map
// user as an object and refuse the event.
func TestECSObjectScalars(t *testing.T) {
	runSamples(t, []sample{
		{name: "user and event", raw: `{"message":"m","user":"zed","event":"thing_happened"}`,
			want: map[string]any{"user.name": "zed", "user": nil, "event.action": "thing_happened", "event": nil, "event.dataset": "json"}},
		{name: "the common objects", raw: `{"message":"m","host":"web-1","service":"billing","process":"nginx","file":"/etc/passwd",` +
			`"url":"https://shop.example.com/cart?id=3","observer":"fw-1","agent":"filebeat","error":"timeout","network":"dmz",` +
			`"source":"81.2.69.142:51000","destination":"db.internal","user_agent":"curl/8.5"}`,
			want: map[string]any{"host.name": "web-1", "service.name": "billing", "process.name": "nginx", "file.path": "/etc/passwd",
				"url.original": "https://shop.example.com/cart?id=3", "url.domain": "shop.example.com", "observer.name": "fw-1",
				"agent.name": "filebeat", "error.message": "timeout", "network.name": "dmz",
				"source.address": "81.2.69.142:51000", "source.ip": "81.2.69.142", "source.port": int64(51000),
				"destination.address": "db.internal", "destination.ip": nil, "user_agent.original": "curl/8.5",
				"host": nil, "service": nil, "process": nil, "file": nil, "url": nil, "observer": nil, "agent": nil, "error": nil,
				"network": nil, "source": nil, "destination": nil, "user_agent": nil}},
		{name: "an object without a natural field goes to labels", raw: `{"message":"m","http":"1.1","email":"ann@example.com"}`,
			want: map[string]any{"labels.http": "1.1", "labels.email": "ann@example.com", "http": nil, "email": nil}},
		{name: "field already set to another value", raw: `{"message":"m","user":"zed","user.name":"amy"}`,
			want: map[string]any{"user.name": "amy", "labels.user": "zed", "user": nil}},
		{name: "field already set to the same value", raw: `{"message":"m","host":"web-1","host.name":"web-1"}`,
			want: map[string]any{"host.name": "web-1", "labels.host": nil, "host": nil}},
		{name: "Docker's log and stream", raw: `{"log":"listening on :8080","source":"stdout","container_name":"/api"}`,
			want: map[string]any{"message": "listening on :8080", "labels.source": "stdout", "source.address": nil, "log": nil, "source": nil}},
		{name: "a list", raw: `{"message":"m","user":["ann","bob"]}`,
			want: map[string]any{"user.name": "ann", "labels.user": []string{"ann", "bob"}, "user": nil}},
		{name: "key=value", raw: `action=login user=hal host=web-2`,
			want: map[string]any{"user.name": "hal", "host.name": "web-2", "user": nil, "host": nil, "event.dataset": "kv"}},
		{name: "JSON inside syslog", raw: `<14>1 2024-02-29T10:00:00Z web-1 portal - - - {"user":"bob","event":"login","host":"web-2"}`,
			want: map[string]any{"user.name": "bob", "event.action": "login", "host.name": "web-1", "labels.host": "web-2",
				"user": nil, "event": nil, "host": nil},
			ts: "2024-02-29T10:00:00Z"},
		{name: "inside a logging library's message object", raw: `{"message":{"user":"ann","source":"81.2.69.142"},"severity":"info"}`,
			want: map[string]any{"user.name": "ann", "source.ip": "81.2.69.142", "user": nil, "source": nil, "message.user": nil}},
		// "agent" is the client's user agent in an application's event
		// and wherever it reads as one; else the shipper (agent.name).
		{name: "agent in an application's event", raw: `{"eventType":"LOGIN_FAILURE","user":"ivy","agent":"portal-web"}`,
			want: map[string]any{"user_agent.original": "portal-web", "agent.name": nil, "agent": nil}},
		{name: "agent that is a user agent", raw: `{"message":"GET /","agent":"Mozilla/5.0 (X11; Linux x86_64)"}`,
			want: map[string]any{"user_agent.original": "Mozilla/5.0 (X11; Linux x86_64)", "agent.name": nil, "agent": nil}},
		{name: "agent as key=value", raw: `event_type=DATA_EXPORT agent=curl/8.1 service=billing`,
			want: map[string]any{"user_agent.original": "curl/8.1", "service.name": "billing", "agent": nil, "service": nil}},
		{name: "agent beside another user agent", raw: `{"message":"m","user_agent":"curl/8.5","agent":"Wget/1.21"}`,
			want: map[string]any{"user_agent.original": "curl/8.5", "labels.agent": "Wget/1.21", "agent.name": nil}},
		{name: "agent naming the shipper beside a user agent", raw: `{"message":"m","user_agent":"curl/8.5","agent":"fluent-bit"}`,
			want: map[string]any{"user_agent.original": "curl/8.5", "agent.name": "fluent-bit", "labels.agent": nil}},
	})
}

func TestLooksLikeUserAgent(t *testing.T) {
	for s, want := range map[string]bool{
		"curl/8.1": true, "Mozilla/5.0 (Windows NT 10.0; Win64; x64)": true, "python-requests/2.31.0": true,
		"Go-http-client/1.1": true, "okhttp/4.9.0": true,
		"filebeat": false, "fluent-bit": false, "/usr/bin/curl": false, "a/b": false, "curl/": false, "my agent/1": false, "": false,
	} {
		if got := looksLikeUserAgent(s); got != want {
			t.Errorf("looksLikeUserAgent(%q) = %v, want %v", s, got, want)
		}
	}
}

// SentKeyField finds, in the normalized event, the value of every key
// normalization drops: alone, beside another value of the object's
// field (it is then a label), and in an application's event.
func TestSentKeyField(t *testing.T) {
	n := testNormalizer()
	norm := func(raw string) event.Fields {
		return n.Normalize(Input{OrgID: "org1", Input: "http", Received: received, Raw: []byte(raw), Format: FormatAuto}).Fields
	}
	dropped := 0
	for _, k := range KeyAliases() {
		if !k.Dropped {
			continue
		}
		dropped++
		value := "sent-" + k.Key
		other := k.Fields[0]
		raws := []string{
			fmt.Sprintf(`{"timestamp":"2024-02-29T10:00:00Z",%q:%q}`, k.Key, value),
			fmt.Sprintf(`{"timestamp":"2024-02-29T10:00:00Z","eventType":"DATA_EXPORT","user.id":"u1",%q:%q}`, k.Key, value),
		}
		if !strings.HasPrefix(other, "labels.") {
			// An object kept as a label has nowhere else to go: a label
			// the sender set already wins.
			raws = append(raws, fmt.Sprintf(`{"timestamp":"2024-02-29T10:00:00Z",%q:%q,%q:"another"}`, k.Key, value, other))
		}
		for _, raw := range raws {
			f := norm(raw)
			if _, kept := f[k.Key]; kept {
				t.Errorf("%s: the key %q is kept", raw, k.Key)
			}
			field, ok := SentKeyField(f, k.Key)
			if !ok {
				t.Errorf("%s: SentKeyField(%q) finds nothing in %v", raw, k.Key, f)
				continue
			}
			if got := f.Str(field); got != value {
				t.Errorf("%s: SentKeyField(%q) = %s holding %q, want %q", raw, k.Key, field, got, value)
			}
		}
	}
	if dropped < 40 {
		t.Fatalf("only %d keys dropped: the table changed?", dropped)
	}
	// A key normalization keeps is the sender's own.
	if _, ok := SentKeyField(norm(`{"sourceIp":"81.2.69.142"}`), "sourceIp"); ok {
		t.Error("SentKeyField resolves sourceIp, which is kept as sent")
	}
	// agent: the shipper's name is not taken for a user agent sent as
	// user_agent, nor the other way round.
	f := norm(`{"message":"m","user_agent":"curl/8.5","agent":"fluent-bit"}`)
	if field, _ := SentKeyField(f, "agent"); field != "agent.name" {
		t.Errorf("agent: %s, want agent.name", field)
	}
	f = norm(`{"message":"m","user_agent":"curl/8.5","agent":"Wget/1.21"}`)
	if field, _ := SentKeyField(f, "agent"); field != "labels.agent" {
		t.Errorf("agent beside another user agent: %s, want labels.agent", field)
	}
	f = norm(`{"eventType":"LOGIN_FAILURE","agent":"portal-web","agent.name":"shipper-1"}`)
	if field, _ := SentKeyField(f, "agent"); field != "user_agent.original" {
		t.Errorf("agent of an application beside the shipper's agent.name: %s, want user_agent.original", field)
	}
}

func TestSyslogTimestampForms(t *testing.T) {
	runSamples(t, []sample{
		{name: "RFC 5424 without a zone", raw: "<13>1 2024-02-29T08:00:00 yr app - - - YEAR10",
			want: map[string]any{"host.name": "yr", "process.name": "app", "message": "YEAR10"}, ts: "2024-02-29T08:00:00Z"},
		{name: "RFC 5424 with a fraction and no zone", raw: "<13>1 2024-02-29T08:00:00.250 yr app - - - x",
			want: map[string]any{"host.name": "yr", "message": "x"}, ts: "2024-02-29T08:00:00.25Z"},
		{name: "RFC 5424 with a space for the T", raw: "<13>1 2024-02-29 08:00:00Z yr app - - - x",
			want: map[string]any{"host.name": "yr", "process.name": "app", "message": "x"}, ts: "2024-02-29T08:00:00Z"},
		{name: "RFC 5424 with a space for the T and an offset", raw: "<13>1 2024-02-29 08:00:00+01:00 yr app 77 - - x",
			want: map[string]any{"host.name": "yr", "process.pid": int64(77), "message": "x"}, ts: "2024-02-29T07:00:00Z"},
		{name: "RFC 5424 time that is no time", raw: "<13>1 2024-02-30T08:00:00Z yr app - - - x",
			want: map[string]any{"host.name": "yr", "process.name": "app", "message": "x",
				"error.message": `syslog timestamp: cannot read "2024-02-30T08:00:00Z" as an RFC 3339 time`},
			tags: []string{TagTimestampUnparsed}},
		{name: "year first", raw: "<13>2024 Feb 29 08:00:00 yr app: x",
			want: map[string]any{"host.name": "yr", "process.name": "app", "message": "x"}, ts: "2024-02-29T08:00:00Z"},
		{name: "ISO time with a space after PRI", raw: "<13>2024-02-29 08:00:00 yr app: x",
			want: map[string]any{"host.name": "yr", "process.name": "app", "message": "x"}, ts: "2024-02-29T08:00:00Z"},
		{name: "RFC 3164 time that is no time", raw: "<13>2024-13-45T08:00:00Z yr app: x",
			want: map[string]any{"host.name": "yr", "process.name": "app", "message": "x",
				"error.message": `syslog timestamp: cannot read "2024-13-45T08:00:00Z" as a time`},
			tags: []string{TagTimestampUnparsed}},
		{name: "CET", raw: "<13>Feb 29 08:00:00 CET yr app: x",
			want: map[string]any{"host.name": "yr", "message": "x"}, ts: "2024-02-29T07:00:00Z"},
		{name: "CEST", raw: "<13>Feb 29 08:00:00 CEST yr app: x", want: map[string]any{"host.name": "yr"}, ts: "2024-02-29T06:00:00Z"},
		{name: "EEST", raw: "<13>Feb 29 08:00:00 EEST yr app: x", want: map[string]any{"host.name": "yr"}, ts: "2024-02-29T05:00:00Z"},
		{name: "WET", raw: "<13>Feb 29 08:00:00 WET yr app: x", want: map[string]any{"host.name": "yr"}, ts: "2024-02-29T08:00:00Z"},
		{name: "PDT", raw: "<13>Feb 29 08:00:00 PDT yr app: x", want: map[string]any{"host.name": "yr"}, ts: "2024-02-29T15:00:00Z"},
		{name: "EST", raw: "<13>Feb 29 08:00:00 EST yr app: x", want: map[string]any{"host.name": "yr"}, ts: "2024-02-29T13:00:00Z"},
		{name: "GMT", raw: "<13>Feb 29 08:00:00 GMT yr app: x", want: map[string]any{"host.name": "yr"}, ts: "2024-02-29T08:00:00Z"},
		{name: "IST has several meanings: configured zone", raw: "<13>Feb 29 08:00:00 IST yr app: x",
			want: map[string]any{"host.name": "yr"}, ts: "2024-02-29T08:00:00Z"},
		{name: "an unknown upper-case word is the host", raw: "<13>Feb 29 08:00:00 FW01 app: x",
			want: map[string]any{"host.name": "FW01", "process.name": "app"}, ts: "2024-02-29T08:00:00Z"},
		{name: "tag with pid and no space", raw: "<13>Feb 29 08:00:00 yr app[12]:msg",
			want: map[string]any{"host.name": "yr", "process.name": "app", "process.pid": int64(12), "message": "msg"},
			ts:   "2024-02-29T08:00:00Z"},
		{name: "tag with pid and no space, no host", raw: "<13>Feb 29 08:00:00 app[12]:msg",
			want: map[string]any{"host.name": nil, "process.name": "app", "process.pid": int64(12), "message": "msg"},
			ts:   "2024-02-29T08:00:00Z"},
		{name: "a colon in text without pid is not a tag", raw: "<13>Feb 29 08:00:00 yr note:see below",
			want: map[string]any{"host.name": "yr", "process.name": nil, "message": "note:see below"},
			ts:   "2024-02-29T08:00:00Z"},
	})
}

// Times without a zone are read in the configured zone (timestamp_timezone).
func TestZonelessSyslogTimes(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skip("no zoneinfo:", err)
	}
	zones, err := ParseSourceZones("fw-tokyo-*=Asia/Tokyo")
	if err != nil {
		t.Fatal(err)
	}
	n := New(Options{Now: func() time.Time { return received }, Location: berlin, Zones: zones})
	for _, c := range []struct{ raw, want string }{
		{"<13>1 2024-02-29T08:00:00 yr app - - - x", "2024-02-29T07:00:00Z"},
		{"<13>1 2024-02-29 08:00:00 yr app - - - x", "2024-02-29T07:00:00Z"},
		{"<13>1 2024-02-29T08:00:00 fw-tokyo-1 app - - - x", "2024-02-28T23:00:00Z"},
		{"<13>1 2024-02-29T08:00:00Z fw-tokyo-1 app - - - x", "2024-02-29T08:00:00Z"},
		{"<13>2024 Feb 29 08:00:00 yr app: x", "2024-02-29T07:00:00Z"},
		{"<13>Feb 29 08:00:00 PST yr app: x", "2024-02-29T16:00:00Z"},
	} {
		ev := n.Normalize(Input{OrgID: "o", Input: "syslog", Received: received, Raw: []byte(c.raw)})
		if got := ev.Timestamp.UTC().Format(time.RFC3339Nano); got != c.want {
			t.Errorf("%s: timestamp %s, want %s", c.raw, got, c.want)
		}
	}
}

func TestAddressesFromSender(t *testing.T) {
	runSamples(t, []sample{
		{name: "not an IP: dropped, kept as the address, named", raw: `{"message":"x","source":{"ip":"not-an-ip"}}`,
			want: map[string]any{"source.ip": nil, "source.address": "not-an-ip",
				"error.message": `source.ip: "not-an-ip" is not an IP address`},
			tags: []string{TagInvalidField}},
		{name: "IP and port", raw: `{"message":"x","source":{"ip":"81.2.69.142:443"}}`,
			want: map[string]any{"source.ip": "81.2.69.142", "source.port": int64(443), "error.message": nil}},
		{name: "IPv6 and port", raw: `{"message":"x","destination":{"ip":"[2001:db8::1]:8443"}}`,
			want: map[string]any{"destination.ip": "2001:db8::1", "destination.port": int64(8443)}},
		{name: "the sender's port wins", raw: `{"message":"x","source":{"ip":"81.2.69.142:443","port":5000}}`,
			want: map[string]any{"source.ip": "81.2.69.142", "source.port": int64(5000)}},
		{name: "IPv6 without brackets has no port", raw: `{"message":"x","source":{"ip":"2001:db8::1"}}`,
			want: map[string]any{"source.ip": "2001:db8::1", "source.port": nil}},
		{name: "spaces around an alias's IP", raw: `{"message":"x","src_ip":"81.2.69.142 "}`,
			want: map[string]any{"source.ip": "81.2.69.142"}},
		{name: "an alias's IP and port", raw: `{"message":"x","client_ip":"81.2.69.142:51000"}`,
			want: map[string]any{"source.ip": "81.2.69.142", "source.port": int64(51000)}},
		{name: "address that is an IP fills the IP", raw: `{"message":"x","source":{"address":"81.2.69.142"}}`,
			want: map[string]any{"source.ip": "81.2.69.142", "source.address": "81.2.69.142"}},
		{name: "destination address with a port", raw: `{"message":"x","destination":{"address":"[2001:db8::2]:53"}}`,
			want: map[string]any{"destination.ip": "2001:db8::2", "destination.port": int64(53)}},
		{name: "address that is a name stays a name", raw: `{"message":"x","destination":{"address":"db.internal"}}`,
			want: map[string]any{"destination.ip": nil, "destination.address": "db.internal"}},
		{name: "host.ip that is not an IP", raw: `{"message":"x","host":{"ip":"web-1"}}`,
			want: map[string]any{"host.ip": nil, "error.message": `host.ip: "web-1" is not an IP address`},
			tags: []string{TagInvalidField}},
		{name: "several problems", raw: `{"message":"x","source":{"ip":"nope","port":"http"}}`,
			want: map[string]any{"error.message": `source.ip: "nope" is not an IP address; source.port: "http" is not an integer`},
			tags: []string{TagInvalidField}},
		{name: "the sender's error.message stays, the problem follows it", raw: `{"message":"x","error":{"message":"db down"},"source":{"ip":"nope"}}`,
			want: map[string]any{"error.message": `db down; source.ip: "nope" is not an IP address`, "source.address": "nope"}, tags: []string{TagInvalidField}},
		{name: "key=value", raw: `action=deny src=81.2.69.142:4444 dst=10.0.0.5`,
			want: map[string]any{"source.ip": "81.2.69.142", "source.port": int64(4444), "destination.ip": "10.0.0.5"}},
	})
}

// Numeric levels read as the logging library that wrote them means them;
// names are stored lower case whatever field they came in.
func TestLevelSchemes(t *testing.T) {
	runSamples(t, []sample{
		{name: "pino info", raw: `{"level":30,"msg":"started"}`,
			want: map[string]any{"log.level": "info", "event.severity": int64(event.SeverityInfo), "message": "started"}},
		{name: "pino warn", raw: `{"level":40,"msg":"slow"}`,
			want: map[string]any{"log.level": "warn", "event.severity": int64(event.SeverityLow)}},
		{name: "pino error", raw: `{"level":50,"msg":"x"}`,
			want: map[string]any{"log.level": "error", "event.severity": int64(event.SeverityMedium)}},
		{name: "bunyan fatal", raw: `{"name":"api","hostname":"h","pid":1,"level":60,"msg":"down","v":0}`,
			want: map[string]any{"log.level": "fatal", "event.severity": int64(event.SeverityCritical)}},
		{name: "pino trace", raw: `{"level":10,"msg":"x"}`,
			want: map[string]any{"log.level": "trace", "event.severity": int64(event.SeverityInfo)}},
		{name: "level number as text", raw: `{"level":"50","msg":"x"}`,
			want: map[string]any{"log.level": "error", "event.severity": int64(event.SeverityMedium)}},
		{name: "other level number is a 0-100 severity", raw: `{"level":35,"msg":"x"}`,
			want: map[string]any{"log.level": "35", "event.severity": int64(35)}},
		{name: "Python levelname", raw: `{"levelname":"WARNING","message":"x"}`,
			want: map[string]any{"log.level": "warning", "event.severity": int64(event.SeverityLow)}},
		{name: "Python levelno", raw: `{"levelno":30,"message":"x"}`,
			want: map[string]any{"log.level": "warning", "event.severity": int64(event.SeverityLow)}},
		{name: "Python critical", raw: `{"levelname":"CRITICAL","levelno":50,"message":"x"}`,
			want: map[string]any{"log.level": "critical", "event.severity": int64(event.SeverityCritical)}},
		{name: "log15 lvl", raw: `{"lvl":"eror","msg":"x"}`,
			want: map[string]any{"log.level": "eror", "event.severity": int64(event.SeverityMedium)}},
		{name: "loglevel", raw: `{"loglevel":"Warn","msg":"x"}`,
			want: map[string]any{"log.level": "warn", "event.severity": int64(event.SeverityLow)}},
		{name: "OpenTelemetry", raw: `{"SeverityText":"ERROR","SeverityNumber":17,"Body":"x"}`,
			want: map[string]any{"log.level": "error", "event.severity": int64(event.SeverityMedium)}},
		{name: "OpenTelemetry number only", raw: `{"severity_number":14,"body":"x"}`,
			want: map[string]any{"log.level": "warn", "event.severity": int64(event.SeverityLow)}},
		{name: "OpenTelemetry text with its digit", raw: `{"severity_text":"FATAL2","body":"x"}`,
			want: map[string]any{"log.level": "fatal2", "event.severity": int64(event.SeverityCritical)}},
		{name: "syslog code from a shipper", raw: `{"message":"x","syslog_severity_code":3}`,
			want: map[string]any{"log.level": "error", "event.severity": int64(event.SeverityMedium)}},
		{name: "ECS log.syslog.severity.code", raw: `{"message":"x","log":{"syslog":{"severity":{"code":2}}}}`,
			want: map[string]any{"log.level": "critical", "event.severity": int64(event.SeverityHigh)}},
		{name: "event.severity stays 0-100", raw: `{"level":30,"event":{"severity":30}}`,
			want: map[string]any{"log.level": "info", "event.severity": int64(30)}},
		{name: "severity beats a level number", raw: `{"level":30,"severity":"high"}`,
			want: map[string]any{"log.level": "info", "event.severity": int64(event.SeverityHigh)}},
		{name: "ECS log.level upper case", raw: `{"message":"x","log.level":"ERROR"}`,
			want: map[string]any{"log.level": "error", "event.severity": int64(event.SeverityMedium)}},
		{name: "nested ECS log.level upper case", raw: `{"message":"x","log":{"level":"WARN"}}`,
			want: map[string]any{"log.level": "warn", "event.severity": int64(event.SeverityLow)}},
		{name: "ECS log.level number", raw: `{"message":"x","log":{"level":50}}`,
			want: map[string]any{"log.level": "error", "event.severity": int64(event.SeverityMedium)}},
	})
}

// JSON inside syslog maps as the JSON alone does over HTTP; the header's
// priority stays in log.syslog.*.
func TestSyslogJSONBody(t *testing.T) {
	runSamples(t, []sample{
		{name: "level and msg win over the header", raw: `<14>Nov 25 10:00:00 host app: {"level":"error","msg":"x","user":"dan"}`,
			want: map[string]any{"event.severity": int64(event.SeverityMedium), "log.level": "error", "message": "x", "user.name": "dan",
				"log.syslog.severity.code": int64(6), "log.syslog.severity.name": "informational", "log.syslog.priority": int64(14)},
			ts: "2023-11-25T10:00:00Z"},
		{name: "pino inside RFC 5424", raw: `<11>1 2024-02-29T10:00:00Z web-1 api 42 - - {"level":30,"msg":"listening"}`,
			want: map[string]any{"event.severity": int64(event.SeverityInfo), "log.level": "info", "message": "listening",
				"log.syslog.severity.code": int64(3)},
			ts: "2024-02-29T10:00:00Z"},
		{name: "ECS log.level inside syslog", raw: `<14>1 2024-02-29T10:00:00Z web-1 api 42 - - {"log":{"level":"ERROR"},"message":"boom"}`,
			want: map[string]any{"event.severity": int64(event.SeverityMedium), "log.level": "error", "message": "boom"},
			ts:   "2024-02-29T10:00:00Z"},
		{name: "without level or message the header's stand", raw: `<11>1 2024-02-29T10:00:00Z web-1 api 42 - - {"user":"dan"}`,
			want: map[string]any{"event.severity": int64(event.SeverityMedium), "log.level": "error", "message": `{"user":"dan"}`, "user.name": "dan"},
			ts:   "2024-02-29T10:00:00Z"},
		{name: "explicit severity wins", raw: `<14>1 2024-02-29T10:00:00Z web-1 api 42 - - {"severity":"high","message":"m"}`,
			want: map[string]any{"event.severity": int64(event.SeverityHigh), "message": "m", "log.syslog.severity.code": int64(6), "event.dataset": "syslog"},
			ts:   "2024-02-29T10:00:00Z"},
		{name: "an application's security event is one as over HTTP", raw: `<134>1 2024-02-29T10:00:00Z portal api 42 - - {"eventType":"LOGIN_FAILURE","userId":"u-17","sourceIp":"198.51.100.20"}`,
			want: map[string]any{"event.dataset": "eventsec.application", "event.action": "LOGIN_FAILURE", "user.id": "u-17", "source.ip": "198.51.100.20",
				"event.category": []string{"authentication"}, "event.outcome": "failure", "host.name": "portal"},
			ts: "2024-02-29T10:00:00Z"},
		{name: "an application's event naming its dataset keeps it", raw: `<134>1 2024-02-29T10:00:00Z portal api 42 - - {"event_type":"LOGIN_FAILURE","user":"alice","event":{"dataset":"portal.audit"}}`,
			want: map[string]any{"event.dataset": "portal.audit", "event.action": "LOGIN_FAILURE", "user.name": "alice"},
			ts:   "2024-02-29T10:00:00Z"},
	})
}

// Realistic lines of formats the parsers had gaps in.
func TestParserGaps(t *testing.T) {
	runSamples(t, []sample{
		{name: "iptables LOG line", raw: `<4>Nov 25 10:00:00 fw1 kernel: [12345.678] IN=eth0 OUT= MAC=00:16:3e:5e:6c:00:00:16:3e:12:34:56:08:00 SRC=81.2.69.142 DST=10.0.0.5 LEN=60 TOS=0x00 PREC=0x00 TTL=52 ID=123 DF PROTO=TCP SPT=55555 DPT=22 WINDOW=29200 RES=0x00 SYN URGP=0`,
			want: map[string]any{"event.dataset": "iptables.log", "source.ip": "81.2.69.142", "destination.ip": "10.0.0.5",
				"source.port": int64(55555), "destination.port": int64(22), "network.transport": "tcp",
				"observer.ingress.interface.name": "eth0", "observer.egress.interface.name": nil,
				"ID": "123", "RES": "0x00", "URGP": "0", "event.category": []string{"network"}},
			ts: "2023-11-25T10:00:00Z"},
		{name: "key=value: a bare word after a value", raw: `action=block src=81.2.69.142 H5U3`,
			want: map[string]any{"source.ip": "81.2.69.142", "event.dataset": "kv"}},
		{name: "key=value: a bare word between pairs", raw: `src=81.2.69.142 H5U3 dst=10.0.0.5 DF dpt=22`,
			want: map[string]any{"source.ip": "81.2.69.142", "destination.ip": "10.0.0.5", "destination.port": int64(22)}},
		{name: "key=value: text keys keep their words", raw: `user=bob msg=disk is full count=3`,
			want: map[string]any{"user.name": "bob", "message": "disk is full", "count": "3"}},
	})
}
