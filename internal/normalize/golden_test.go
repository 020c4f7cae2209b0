package normalize

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/eventsec/eventsec/internal/event"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// goldenInputs are whole events whose complete normalized form is kept
// under testdata/golden: any change to the mapping shows up in review.
var goldenInputs = []struct {
	name   string
	format Format
	raw    string
	file   string // a sample under testdata/samples instead of raw
}{
	{name: "syslog_rfc5424", raw: `<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"] ` + "\ufeff" + `An application event log entry...`},
	{name: "syslog_rfc5424_rsyslog", raw: "<155>1 2024-02-29T11:45:07.685925+00:00 vm myapp - - -  app error marker-tcp"},
	{name: "syslog_logger_sshd_phrase", raw: `<13>1 2024-02-29T11:45:07.685925+00:00 vm root - - [timeQuality tzKnown="1" isSynced="1" syncAccuracy="85000"] Failed password for root from 81.2.69.142 port 4242 ssh2`},
	{name: "syslog_sshd_failed", raw: "<38>Feb 29 23:59:01 bastion sshd[20211]: Failed password for invalid user oracle from 203.0.113.99 port 33012 ssh2"},
	{name: "linux_sudo", raw: "Feb 29 10:11:12 web01 sudo:    alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/cat /etc/shadow"},
	{name: "linux_useradd", raw: "<86>Feb 29 10:11:13 web01 useradd[31337]: new user: name=backdoor, UID=0, GID=0, home=/root, shell=/bin/bash, from=/dev/pts/1"},
	{name: "cef_imperva", raw: `CEF:0|Imperva Inc.|SecureSphere|12.0.0|Firewall|SSL Untraceable Http Protocol Violation|High|act=Block dst=10.10.10.10 dpt=443 duser=n/a src=10.10.10.11 spt=54321 proto=TCP rt=Feb 21 2024 10:11:12 cat=Alert cs1=Policy1 cs1Label=Policy request=https://shop.example.com/cart?item\=3 requestMethod=POST`},
	{name: "leef_2", raw: "LEEF:2.0|Lancope|StealthWatch|1.0|41|^|src=192.0.2.0^dst=172.50.123.1^sev=5^cat=anomaly^srcPort=81^dstPort=21^usrName=joe.black"},
	{name: "kv_fortigate", raw: `date=2024-02-10 time=11:37:47 logid="0000000013" type="traffic" subtype="forward" level="notice" srcip=10.1.100.11 srcport=58012 dstip=23.59.154.35 dstport=80 proto=6 action="close" service="HTTP" sentbyte=1188 rcvdbyte=1224`},
	{name: "json_app", raw: `{"time":"2024-02-29T08:00:00+01:00","level":"warn","msg":"slow query","db":{"name":"orders","ms":1532.5},"user":"svc-api","tags":["prod"]}`},
	{name: "json_app_event", raw: `{"eventType":"LOGIN_FAILURE","userId":"u1","sourceIp":"203.0.113.5","severity":"high","timestamp":"2024-02-29T10:00:00Z"}`},
	{name: "json_app_event_snake", raw: `{"event_type":"LOGIN_FAILURE","user_id":"u1","user":"alice","source_ip":"203.0.113.5","src_ip":"203.0.113.5","timestamp":"2024-02-29T10:00:00Z"}`},
	{name: "suricata_eve_dns", raw: `{"timestamp":"2024-02-29T22:10:10.123456+0000","event_type":"dns","src_ip":"10.16.1.11","src_port":53108,"dest_ip":"10.16.1.1","dest_port":53,"proto":"UDP","dns":{"type":"query","id":1,"rrname":"example.com","rrtype":"A"}}`},
	{name: "access_combined", raw: `203.0.113.5 - - [29/Feb/2024:10:00:01 +0000] "GET /index.php?id=1%27%20OR%201=1 HTTP/1.1" 200 612 "https://example.com/start" "Mozilla/5.0 (X11; Linux x86_64; rv:123.0) Gecko/20100101 Firefox/123.0"`},
	{name: "access_apache_vhost", raw: `www.example.com:443 2001:db8::7 - admin [29/Feb/2024:10:00:01 +0100] "POST /cgi-bin/test.cgi HTTP/1.1" 500 - "-" "() { :; }; echo \"x\""`},
	{name: "access_nginx_syslog", raw: `<190>Feb 29 10:00:04 web1 nginx: 203.0.113.5 - - [29/Feb/2024:10:00:04 +0000] "GET /.env HTTP/1.1" 404 153 "-" "Mozilla/5.0" "-" rt=0.001 urt="-"`},
	{name: "cisco_asa_106023", raw: `<164>Feb 29 2024 10:00:00 fw01 : %ASA-4-106023: Deny tcp src outside:81.2.69.142/55555 dst inside:10.0.0.5/22 by access-group "outside_in" [0x0, 0x0]`},
	{name: "cisco_asa_302013", raw: `<166>Feb 29 2024 10:00:00 fw01 : %ASA-6-302013: Built outbound TCP connection 4813 for outside:93.184.216.34/443 (93.184.216.34/443) to inside:10.0.0.7/51234 (203.0.113.5/51234)`},
	{name: "cisco_asa_302014", raw: `<166>Feb 29 2024 10:01:02 fw01 : %ASA-6-302014: Teardown TCP connection 4812 for outside:81.2.69.142/55555 to inside:10.0.0.5/443 duration 0:01:02 bytes 12345 TCP FINs from outside`},
	{name: "apache_error_24", raw: `[Thu Feb 29 10:00:00.123456 2024] [core:error] [pid 1234:tid 5678] [client 81.2.69.142:55555] AH00126: Invalid URI in request GET /%%% HTTP/1.1`},
	{name: "apache_error_22_syslog", raw: `<131>Feb 29 10:00:01 web1 apache2: [Thu Feb 29 10:00:00 2024] [error] [client 81.2.69.142] File does not exist: /var/www/x`},
	{name: "linux_crond", raw: "<78>Feb 29 10:01:01 rhel9 CROND[4242]: (root) CMD (run-parts /etc/cron.hourly)"},
	{name: "winlogbeat_4624", file: "winlogbeat_4624.json"},
	{name: "sysmon_1", file: "sysmon_1_evtxdump.json"},
	{name: "velocidex_sysmon_10", file: "velocidex_sysmon_10.json"},
	{name: "security_4688_xml", file: "security_4688.xml"},
	{name: "unparseable", raw: "\x00\x01\x02garbage\xff\xfe line"},
	// Times replaced by the arrival time: error.message says which field
	// held what, after the sender's own error.message.
	{name: "json_timestamp_unparsed", raw: `{"@timestamp":"garbage-time","message":"http-garbage-time"}`},
	{name: "json_timestamp_future", raw: `{"@timestamp":"2999-01-01T00:00:00Z","message":"http-future","error":{"message":"disk full"}}`},
	{name: "syslog_timestamp_unparsed", raw: "<13>1 2026-13-45T08:00:00Z h12 badts - - - syslog-badts-marker"},
}

// goldenEvent is the golden files' form of an event.
type goldenEvent struct {
	ID        string       `json:"id"`
	OrgID     string       `json:"org_id"`
	Timestamp time.Time    `json:"timestamp"`
	Ingested  time.Time    `json:"ingested"`
	Input     string       `json:"input"`
	Raw       string       `json:"raw"`
	Fields    event.Fields `json:"fields"`
}

func TestGolden(t *testing.T) {
	n := New(Options{Now: func() time.Time { return received }, MaxAge: 30 * 365 * 24 * time.Hour})
	for _, g := range goldenInputs {
		t.Run(g.name, func(t *testing.T) {
			raw := []byte(g.raw)
			if g.file != "" {
				var err error
				if raw, err = os.ReadFile(filepath.Join("testdata", "samples", g.file)); err != nil {
					t.Fatal(err)
				}
			}
			ev := n.Normalize(Input{OrgID: "org1", Input: "import", Received: received, Raw: raw, Format: g.format, Peer: "192.0.2.1"})
			got, err := json.MarshalIndent(goldenEvent{ev.ID, ev.OrgID, ev.Timestamp, ev.Ingested, ev.Input, ev.Raw, ev.Fields}, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			path := filepath.Join("testdata", "golden", g.name+".json")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -run TestGolden -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from the golden file (run with -update if the change is intended):\ngot:\n%s", path, got)
			}
		})
	}
}
