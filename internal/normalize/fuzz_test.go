package normalize

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/eventsec/eventsec/internal/event"
)

// Seeds shared by the fuzz targets: the samples of the table tests.
var (
	syslogSeeds = []string{
		"<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - \ufeff'su root' failed for lonvick on /dev/pts/8",
		`<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Appl\"ication\]" eventID="1011"][examplePriority@32473 class="high"] msg`,
		"<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8",
		"<165>Aug 24 05:34:00 CST 1987 mymachine myproc[10]: %% It's time to make the do-nuts.",
		"<189>1234: Mar  1 18:46:11.123: %SYS-5-CONFIG_I: Configured from console by admin on vty0 (10.1.1.1)",
		"<86>2024-03-01T12:04:56.123456+00:00 web01 sshd[4242]: Accepted publickey for deploy from 203.0.113.7 port 52144 ssh2: ED25519 SHA256:x",
		"<134>Sep 19 08:26:10 host CEF:0|Security|threatmanager|1.0|100|worm successfully stopped|10|src=10.0.0.1 dst=2.1.2.2 spt=1232",
		"<13>Jan 18 11:07:53 192.168.1.1 LEEF:1.0|QRadar|QRM|1.0|NEW_PORT_DISCOVERD|src=172.5.6.67\tdst=172.50.123.1",
		`<14>Feb 29 10:00:00 h app: {"a":1,"b":{"c":[1,2]}}`,
		"<13>",
		"<191>1 - - - - - -",
	}
	cefSeeds = []string{
		"CEF:0|Security|threatmanager|1.0|100|worm successfully stopped|10|src=10.0.0.1 dst=2.1.2.2 spt=1232",
		`CEF:0|security|threatmanager|1.0|100|detected a \| in message|10|src=10.0.0.1 act=blocked a | dst=1.1.1.1`,
		`CEF:0|security|threatmanager|1.0|100|detected a \\ in packet|10|src=10.0.0.1 act=blocked a \\ dst=1.1.1.1 msg=a\nb`,
		`CEF:0|Imperva Inc.|SecureSphere|12.0.0|Firewall|SSL|High|act=Block rt=Feb 21 2024 10:11:12 cs1=Policy1 cs1Label=Policy request=http://x/?a=b fileHash=d41d8cd98f00b204e9800998ecf8427e`,
		"CEF:1|Vendor|Product|2.0|sig-1|Something happened|3",
		"CEF:0|a|b|c|d|e|f|=== ==x= \\",
	}
	leefSeeds = []string{
		"LEEF:1.0|Microsoft|MSExchange|4.0 SP1|15345|src=192.0.2.0\tdst=172.50.123.1\tsev=5\tcat=anomaly\tsrcPort=81\tdstPort=21\tusrName=joe.black",
		"LEEF:2.0|Lancope|StealthWatch|1.0|41|^|src=192.0.2.0^dst=172.50.123.1^sev=5",
		"LEEF:2.0|Vendor|Product|Version|EventID|0x7C|src=10.0.0.1|dst=10.0.0.2|proto=6",
		"LEEF:1.0|IBM|QRadar|7.3|Login|devTime=Feb 12 2024 14:22:01.123 UTC\tdevTimeFormat=MMM dd yyyy HH:mm:ss.SSS z\tsrc=10.1.1.1",
		"LEEF:1.0|IBM|QRadar|7.3|Login|devTime=12/02/24\tdevTimeFormat='at' yy/MM/dd hh a XXX EEEE",
	}
	kvSeeds = []string{
		`date=2024-02-10 time=11:37:47 logid="0000000013" type="traffic" srcip=10.1.100.11 srcport=58012 dstip=23.59.154.35 dstport=80 proto=6 action="close"`,
		`user=bob msg=disk is full path="C:\\Temp\\x \"y\"" count=3`,
		`type=USER_LOGIN msg=audit(1364481363.243:24287): pid=14183 uid=0 msg='op=login acct="root" res=failed'`,
		"a=1, b=2; c='x",
	}
	authSeeds = []string{
		"Accepted password for root from 192.0.2.10 port 51234 ssh2",
		"Failed password for invalid user admin from 198.51.100.23 port 40022 ssh2",
		"Invalid user test from 198.51.100.23 port 40010",
		"Disconnected from authenticating user root 198.51.100.23 port 40022 [preauth]",
		"Received disconnect from 81.2.69.142 port 4000:11: Bye Bye [preauth]",
		"Received disconnect from 81.2.69.142: 11: Bye Bye [preauth]",
		"Connection closed by invalid user  1.2.3.4 port 22 [preauth]",
		"pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=198.51.100.23  user=root",
		"pam_unix(sudo:session): session opened for user root(uid=0) by alice(uid=1000)",
		"message repeated 3 times: [ Failed password for root from 198.51.100.23 port 40022 ssh2]",
		"   alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/apt-get update",
		"bob : 3 incorrect password attempts ; TTY=pts/1 ; PWD=/home/bob ; USER=root ; COMMAND=/bin/cat /etc/shadow",
		"(to root) alice on pts/0",
		"FAILED SU (to root) bob on pts/1",
		"+ pts/0 alice:root",
		"new user: name=backdoor, UID=1002, GID=1002, home=/home/backdoor, shell=/bin/bash, from=/dev/pts/0",
		"add 'backdoor' to group 'sudo'",
		"user bob added by root to group sudo",
		"password for 'bob' changed by 'root'",
		"FAILED LOGIN (1) on '/dev/tty1' FOR 'root', Authentication failure",
		"New session 42 of user alice.",
	}
	authPrograms = []string{"sshd", "sudo", "su", "useradd", "usermod", "groupadd", "userdel", "passwd", "login", "systemd-logind", "gpasswd", "CRON", "CROND"}
	accessSeeds  = []string{
		`203.0.113.5 - - [29/Feb/2024:10:00:01 +0000] "GET /index.php?id=1%27 HTTP/1.1" 200 612 "https://example.com/" "Mozilla/5.0"`,
		`192.0.2.44 - frank [29/Feb/2024:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 304 -`,
		`www.example.com:443 2001:db8::7 - - [29/Feb/2024:10:00:01.5 +0100] "POST /a HTTP/2.0" 401 0 "-" "x \"y\" \\"`,
		`[2001:db8::1]:8443 ::ffff:198.51.100.7 - John Doe [29/Feb/2024:10:00:01 +0000] "GET http://h:1/a.b?c#d HTTP/1.1" 200 5 "-" "-"`,
		`203.0.113.5 - - [29/Feb/2024:10:00:03 +0000] "GET / HTTP/1.1" 502 157 "-" "curl" "1.2.3.4, 10.0.0.2" rt=0.250 uct="0.000" 1043`,
		`203.0.113.5 - - [29/Feb/2024:10:00:07 +0000] "\x16\x03\x01" 400 157 "-" "-"`,
		`203.0.113.5 - - [29/Feb/2024:10:00:06 +0000] "-" 408 0 "unterminated`,
		`httpd[77]: 192.0.2.10 - - [29/Feb/2024:10:00:05 +0000] "GET /?q="><x> HTTP/1.1" 403 199`,
	}
	jsonSeeds = []string{
		`{"@timestamp":"2024-02-29T10:00:00.5Z","event":{"kind":"event","category":["network"],"severity":3},"source":{"ip":"10.0.0.5","port":4444}}`,
		`{"time":1709280000,"level":"error","msg":"login failed","user":"bob","src_ip":"192.0.2.7","ctx":{"req":{"id":"abc","tries":[1,2,3]}}}`,
		`{"ts":1709280000123,"answers":[{"name":"a","ttl":5},{"name":"b","ttl":7}],"x":"\u00e9\ud83d\ude00\ud800"}`,
		`{"timestamp":"2024-02-29T22:10:10.123456+0000","event_type":"alert","src_ip":"10.16.1.11","dest_ip":"1.2.3.4","alert":{"signature":"x","severity":1}}`,
		`{"a":1e400,"b":-0.0,"c":123456789012345678901234567890,"d":[[[[[[[[[[[[1]]]]]]]]]]]]}`,
		`{"Event":{"System":{"EventID":4624,"Computer":"h","Provider":{"#attributes":{"Name":"Microsoft-Windows-Security-Auditing"}}},"EventData":{"Data":[{"#attributes":{"Name":"IpAddress"},"#text":"1.2.3.4"}]}}}`,
		`{"winlog":{"event_id":"1","provider_name":"Microsoft-Windows-Sysmon","event_data":{"Image":"C:\\a.exe"}}}`,
		`{"eventType":"LOGIN_FAILURE","userId":"u1","sourceIp":"203.0.113.5","severity":"high","timestamp":"2024-02-29T10:00:00Z"}`,
		`{"event_type":"stats","user_id":7,"source_ip":"x","src_ip":["a"],"flow_id":null}`,
	}
)

func fuzzNormalizer() *Normalizer {
	return New(Options{Now: func() time.Time { return received }})
}

// checkFuzzed holds for every event, whatever its input.
func checkFuzzed(t *testing.T, ev event.Event) {
	t.Helper()
	if msg := ev.Fields.Str("error.message"); strings.HasPrefix(msg, "internal error") {
		t.Fatalf("a parser panicked: %s", msg)
	}
	if ev.ID == "" || ev.Fields.Str("event.kind") == "" || ev.Fields.Str("event.dataset") == "" || ev.Timestamp.IsZero() {
		t.Fatalf("incomplete event: %v", ev.Fields)
	}
	if !utf8.ValidString(ev.Raw) || len(ev.Raw) > MaxRaw {
		t.Fatalf("raw not valid UTF-8 or too long")
	}
	if len(ev.Fields) > MaxFields+20 {
		t.Fatalf("%d fields", len(ev.Fields))
	}
	for k, v := range ev.Fields {
		switch x := v.(type) {
		case string:
			if !utf8.ValidString(x) {
				t.Fatalf("%s: invalid UTF-8", k)
			}
		case int64, float64, bool, []string:
		default:
			t.Fatalf("%s: type %T", k, v)
		}
		if c, ok := event.ColumnOf(k); ok && c.Type == event.TypeInt {
			if _, ok := v.(int64); !ok {
				t.Fatalf("column %s holds %T", k, v)
			}
		}
	}
	if sev, ok := ev.Fields["event.severity"].(int64); !ok || sev < 0 || sev > 100 {
		t.Fatalf("event.severity %v", ev.Fields["event.severity"])
	}
}

func fuzzFormat(f *testing.F, format Format, seeds []string) {
	for _, s := range seeds {
		f.Add(s)
	}
	n := fuzzNormalizer()
	f.Fuzz(func(t *testing.T, s string) {
		checkFuzzed(t, n.Normalize(Input{OrgID: "o", Input: "syslog", Received: received, Raw: []byte(s), Format: format, Peer: "10.0.0.1"}))
	})
}

func FuzzSyslog(f *testing.F) { fuzzFormat(f, FormatSyslog, syslogSeeds) }
func FuzzCEF(f *testing.F)    { fuzzFormat(f, FormatCEF, cefSeeds) }
func FuzzLEEF(f *testing.F)   { fuzzFormat(f, FormatLEEF, leefSeeds) }
func FuzzKV(f *testing.F)     { fuzzFormat(f, FormatKV, kvSeeds) }
func FuzzJSON(f *testing.F)   { fuzzFormat(f, FormatJSON, jsonSeeds) }

// FuzzAuth feeds Linux auth messages under each auth program's tag, bare,
// and under a program not known for them (recognised by their wording).
func FuzzAuth(f *testing.F) {
	for i, s := range authSeeds {
		f.Add(uint8(i), s)
	}
	n := fuzzNormalizer()
	f.Fuzz(func(t *testing.T, prog uint8, msg string) {
		p := authPrograms[int(prog)%len(authPrograms)]
		checkFuzzed(t, n.Normalize(Input{OrgID: "o", Input: "syslog", Received: received, Raw: []byte("<38>Feb 29 10:00:00 h " + p + "[1]: " + msg)}))
		checkFuzzed(t, n.Normalize(Input{OrgID: "o", Input: "syslog", Received: received, Raw: []byte(msg)}))
		checkFuzzed(t, n.Normalize(Input{OrgID: "o", Input: "syslog", Received: received, Raw: []byte("<13>1 2024-02-29T10:00:00Z h root - - -  " + msg)}))
	})
}

// FuzzAccess feeds web server access-log lines, bare (format detection)
// and inside a syslog message from nginx.
func FuzzAccess(f *testing.F) {
	for _, s := range accessSeeds {
		f.Add(s)
	}
	n := fuzzNormalizer()
	f.Fuzz(func(t *testing.T, s string) {
		checkFuzzed(t, n.Normalize(Input{OrgID: "o", Input: "import", Received: received, Raw: []byte(s)}))
		checkFuzzed(t, n.Normalize(Input{OrgID: "o", Input: "syslog", Received: received, Raw: []byte("<190>Feb 29 10:00:00 web1 nginx: " + s)}))
	})
}

// FuzzSyslogPayloads feeds Cisco ASA/FTD messages and Apache error-log
// lines, bare and inside syslog.
func FuzzSyslogPayloads(f *testing.F) {
	for _, s := range asaSeeds {
		f.Add(s)
	}
	for _, s := range apacheErrorSeeds {
		f.Add(s)
		f.Add("<131>Feb 29 10:00:01 web1 httpd[4242]: " + s)
	}
	n := fuzzNormalizer()
	f.Fuzz(func(t *testing.T, s string) {
		checkFuzzed(t, n.Normalize(Input{OrgID: "o", Input: "syslog", Received: received, Raw: []byte(s)}))
		checkFuzzed(t, n.Normalize(Input{OrgID: "o", Input: "syslog", Received: received, Raw: []byte(s), Format: FormatSyslog}))
	})
}

// FuzzNormalize runs format detection over everything.
func FuzzNormalize(f *testing.F) {
	all := [][]string{syslogSeeds, cefSeeds, leefSeeds, kvSeeds, authSeeds, jsonSeeds, accessSeeds, asaSeeds, apacheErrorSeeds}
	for _, seeds := range all {
		for _, s := range seeds {
			f.Add(s)
		}
	}
	for _, name := range []string{"winlogbeat_4624.json", "sysmon_1_evtxdump.json", "velocidex_sysmon_10.json", "security_4688.xml"} {
		if b, err := os.ReadFile(filepath.Join("testdata", "samples", name)); err == nil {
			f.Add(string(b))
		}
	}
	n := fuzzNormalizer()
	f.Fuzz(func(t *testing.T, s string) {
		ev := n.Normalize(Input{OrgID: "o", Input: "http", Received: received, Raw: []byte(s)})
		checkFuzzed(t, ev)
		if ev.Raw != strings.ToValidUTF8(s, "\uFFFD") {
			t.Fatalf("raw changed")
		}
	})
}
