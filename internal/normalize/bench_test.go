package normalize

import (
	"encoding/json"
	"syscall"
	"testing"
	"time"
)

// cpuTime is the process's user+system CPU time. Benchmarks report it per
// operation ("cpu-ns/op") besides wall time: on a shared machine ns/op
// counts the time other processes held the cores.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// loop runs fn b.N times and reports CPU time per operation.
func loop(b *testing.B, fn func()) {
	b.ReportAllocs()
	start := cpuTime()
	for b.Loop() {
		fn()
	}
	b.ReportMetric(float64((cpuTime()-start).Nanoseconds())/float64(b.N), "cpu-ns/op")
}

func benchNormalize(b *testing.B, raw string, format Format) {
	n := New(Options{})
	in := Input{OrgID: "org1", Input: "syslog", Received: time.Now(), Raw: []byte(raw), Format: format, Peer: "10.0.0.1"}
	b.SetBytes(int64(len(raw)))
	loop(b, func() {
		ev := n.Normalize(in)
		if ev.Fields["error.message"] != nil {
			b.Fatalf("tags %v: %v", ev.Fields["tags"], ev.Fields["error.message"])
		}
	})
}

func BenchmarkNormalizeSyslog(b *testing.B) {
	benchNormalize(b, "<38>Feb 29 23:59:01 bastion sshd[20211]: Failed password for invalid user oracle from 203.0.113.99 port 33012 ssh2", FormatAuto)
}

func BenchmarkNormalizeSyslog5424(b *testing.B) {
	benchNormalize(b, `<165>1 2024-02-29T22:14:15.003Z mymachine.example.com evntslog 1234 ID47 [exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"] An application event log entry`, FormatAuto)
}

func BenchmarkNormalizeCEF(b *testing.B) {
	benchNormalize(b, `<134>Feb 29 10:11:12 fw01 CEF:0|Imperva Inc.|SecureSphere|12.0.0|Firewall|SSL Untraceable Http Protocol Violation|High|act=Block dst=10.10.10.10 dpt=443 duser=n/a src=10.10.10.11 spt=54321 proto=TCP rt=Feb 29 2024 10:11:12 cat=Alert cs1=Policy1 cs1Label=Policy`, FormatAuto)
}

func BenchmarkNormalizeLEEF(b *testing.B) {
	benchNormalize(b, "LEEF:1.0|Microsoft|MSExchange|4.0 SP1|15345|src=192.0.2.0\tdst=172.50.123.1\tsev=5\tcat=anomaly\tsrcPort=81\tdstPort=21\tusrName=joe.black", FormatAuto)
}

func BenchmarkNormalizeKV(b *testing.B) {
	benchNormalize(b, `date=2024-02-29 time=11:37:47 logid="0000000013" type="traffic" subtype="forward" level="notice" srcip=10.1.100.11 srcport=58012 dstip=23.59.154.35 dstport=80 proto=6 action="close" service="HTTP" sentbyte=1188 rcvdbyte=1224`, FormatAuto)
}

func BenchmarkNormalizeJSON(b *testing.B) {
	benchNormalize(b, `{"@timestamp":"2024-02-29T10:00:00.123Z","level":"warn","msg":"login failed for user","user":"bob","src_ip":"192.0.2.7","service":"auth-api","http":{"method":"POST","path":"/v1/login","status":401},"duration_ms":12.5,"tags":["prod","eu-west-1"]}`, FormatAuto)
}

func BenchmarkNormalizeJSONApp(b *testing.B) {
	benchNormalize(b, `{"eventType":"LOGIN_FAILURE","userId":"u1","sourceIp":"203.0.113.5","severity":"high","timestamp":"2024-02-29T10:00:00Z","service":"portal"}`, FormatAuto)
}

func BenchmarkNormalizeAccess(b *testing.B) {
	benchNormalize(b, `203.0.113.5 - - [29/Feb/2024:10:00:01 +0000] "GET /index.php?id=1%27%20OR%201=1 HTTP/1.1" 200 612 "https://example.com/start" "Mozilla/5.0 (X11; Linux x86_64; rv:123.0) Gecko/20100101 Firefox/123.0"`, FormatAuto)
}

func BenchmarkNormalizeAccessSyslog(b *testing.B) {
	benchNormalize(b, `<190>Feb 29 10:00:04 web1 nginx: 203.0.113.5 - - [29/Feb/2024:10:00:04 +0000] "GET /api/items?page=2 HTTP/1.1" 200 153 "-" "Mozilla/5.0 (X11; Linux x86_64)" "-" rt=0.004 urt="0.003"`, FormatAuto)
}

func BenchmarkNormalizeASA(b *testing.B) {
	benchNormalize(b, `<166>Feb 29 2024 10:00:00 fw01 : %ASA-6-302013: Built inbound TCP connection 4812 for outside:81.2.69.142/55555 (81.2.69.142/55555) to inside:10.0.0.5/443 (203.0.113.5/443)`, FormatAuto)
}

func BenchmarkNormalizeApacheError(b *testing.B) {
	benchNormalize(b, `[Thu Feb 29 10:00:00.123456 2024] [core:error] [pid 1234:tid 5678] [client 81.2.69.142:55555] AH00126: Invalid URI in request GET /%%% HTTP/1.1`, FormatAuto)
}

// BenchmarkNormalizeWindows maps a decoded Sysmon event (as the agent and
// evtx import deliver it).
func BenchmarkNormalizeWindows(b *testing.B) {
	_, doc := readSample(b, "sysmon_1_evtxdump.json")
	raw, err := json.Marshal(doc) // compact, as senders send it
	if err != nil {
		b.Fatal(err)
	}
	n := New(Options{})
	in := Input{OrgID: "org1", Input: "agent", Received: time.Now(), Raw: raw}
	loop(b, func() {
		ev := n.NormalizeWindows(in, doc)
		if ev.Fields["winlog.event_id"] != int64(1) {
			b.Fatal(ev.Fields)
		}
	})
}

// BenchmarkNormalizeWinlogbeat parses and maps a Winlogbeat document.
func BenchmarkNormalizeWinlogbeat(b *testing.B) {
	raw, _ := readSample(b, "winlogbeat_4624.json")
	benchNormalize(b, string(raw), FormatAuto)
}

// BenchmarkNormalizeObjectWinlogbeat maps a Winlogbeat document decoded
// by the caller (Elasticsearch _bulk ingest).
func BenchmarkNormalizeObjectWinlogbeat(b *testing.B) {
	raw, doc := readSample(b, "winlogbeat_4624.json")
	n := New(Options{})
	in := Input{OrgID: "org1", Input: "esbulk", Received: time.Now(), Raw: raw}
	loop(b, func() {
		ev := n.NormalizeObject(in, doc)
		if ev.Fields["winlog.event_id"] != int64(4624) {
			b.Fatal(ev.Fields)
		}
	})
}
