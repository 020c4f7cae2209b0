// Package eventgen generates realistic security events, deterministically:
// the same Options always give the same events, byte for byte, so that
// benchmarks run on any machine compare. The mix is what a mid-sized
// company's SIEM sees: sshd and sudo syslog from Linux servers, Windows
// Security 4624/4625/4688 and Sysmon 1/3 from workstations (as an agent
// ships them, JSON), CEF traffic logs from firewalls, and web access logs.
// Users, hosts and addresses follow skewed (Zipf) distributions like real
// traffic, brute-force bursts included. One rare token is planted a few
// times (Options.RareToken) for needle-search benchmarks.
//
// The events come out normalized (event.Event with ECS fields and the raw
// original), as an ingest pipeline would store them; NDJSON and SyslogLine
// give the wire forms for ingest benchmarks.
package eventgen

import (
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/eventsec/eventsec/internal/event"
)

// Options configure a Generator. The zero value is usable.
type Options struct {
	Seed uint64 // default 42
	// Count is how many events the caller intends to draw; with Start and
	// Span it spaces timestamps evenly (default 2,000,000).
	Count int
	// Start and Span: event i happens near Start + Span*i/Count
	// (default: the 7 days before 2026-11-23T00:00Z).
	Start time.Time
	Span  time.Duration
	// Orgs to spread events over, round robin (default "default").
	Orgs []string
	// RareToken is planted into one event in every RareEvery (default
	// "7f3a9e1bd4c2e8aa" every 400,000 events: 5 times in 2M).
	RareToken string
	RareEvery int
}

// DefaultRareToken is the needle planted when Options.RareToken is empty.
const DefaultRareToken = "7f3a9e1bd4c2e8aa"

// Generator produces events. It is not safe for concurrent use.
type Generator struct {
	o   Options
	r   *rand.Rand
	i   int
	zip struct {
		user, linuxHost, winHost, extIP, url *rand.Zipf
	}
	burst struct {
		left int
		src  extIP
		host string
	}
	extIPs  []extIP
	intIPs  map[string]string
	hashes  map[string]string
	logonID uint64
}

type extIP struct{ ip, country string }

// New returns a generator.
func New(o Options) *Generator {
	if o.Seed == 0 {
		o.Seed = 42
	}
	if o.Count <= 0 {
		o.Count = 2_000_000
	}
	if o.Start.IsZero() {
		o.Start = time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC)
	}
	if o.Span <= 0 {
		o.Span = 7 * 24 * time.Hour
	}
	if len(o.Orgs) == 0 {
		o.Orgs = []string{"default"}
	}
	if o.RareToken == "" {
		o.RareToken = DefaultRareToken
	}
	if o.RareEvery <= 0 {
		o.RareEvery = 400_000
	}
	g := &Generator{o: o, r: rand.New(rand.NewPCG(o.Seed, o.Seed^0x9e3779b97f4a7c15))}
	g.zip.user = rand.NewZipf(g.r, 1.2, 4, uint64(len(users)-1))
	g.zip.linuxHost = rand.NewZipf(g.r, 1.1, 2, uint64(len(linuxHosts)-1))
	g.zip.winHost = rand.NewZipf(g.r, 1.05, 8, winHosts-1)
	g.zip.url = rand.NewZipf(g.r, 1.3, 2, uint64(len(urlPaths)-1))
	// A pool of external addresses, a few of them very noisy scanners.
	g.extIPs = make([]extIP, 6000)
	for i := range g.extIPs {
		c := countries[g.r.IntN(len(countries))]
		g.extIPs[i] = extIP{ip: fmt.Sprintf("%d.%d.%d.%d", c.firstOctets[g.r.IntN(len(c.firstOctets))], g.r.IntN(256), g.r.IntN(256), 1+g.r.IntN(254)), country: c.iso}
	}
	g.zip.extIP = rand.NewZipf(g.r, 1.15, 3, uint64(len(g.extIPs)-1))
	g.intIPs = map[string]string{}
	g.hashes = map[string]string{}
	g.logonID = 0x3e7a1f
	return g
}

// RareToken is the planted needle.
func (g *Generator) RareToken() string { return g.o.RareToken }

// RareCount is how many events of the first n carry the needle.
func (g *Generator) RareCount(n int) int {
	e := g.o.RareEvery
	return (n + e - 1 - e/2) / e
}

// Next returns the next event; IDs are derived from org, input and raw
// text (event.DeriveID), as ingest does for events without a client ID.
func (g *Generator) Next() event.Event {
	i := g.i
	g.i++
	ts := g.o.Start.Add(time.Duration(float64(g.o.Span) * float64(i) / float64(g.o.Count)))
	// Real sources deliver slightly out of order.
	ts = ts.Add(time.Duration(g.r.IntN(4000)-2000) * time.Millisecond).Truncate(time.Millisecond)
	ev := event.Event{
		OrgID:     g.o.Orgs[i%len(g.o.Orgs)],
		Timestamp: ts,
		Ingested:  ts.Add(time.Duration(200+g.r.IntN(1800)) * time.Millisecond),
		Fields:    event.Fields{},
	}
	rare := i%g.o.RareEvery == g.o.RareEvery/2
	switch {
	case rare:
		g.web(&ev, "/download/"+g.o.RareToken+".bin")
	case g.burst.left > 0:
		g.burst.left--
		g.sshd(&ev, 1)
	default:
		p := g.r.IntN(10000)
		switch {
		case p < 2:
			// A brute-force run starts: many sshd failures from one address.
			g.burst.left = 20 + g.r.IntN(300)
			g.burst.src = g.ext()
			g.burst.host = g.linuxHost()
			g.sshd(&ev, 1)
		case p < 1500:
			g.sshd(&ev, 0)
		case p < 1900:
			g.sudo(&ev)
		case p < 3200:
			g.win4624(&ev)
		case p < 3700:
			g.win4625(&ev)
		case p < 4900:
			g.win4688(&ev)
		case p < 6000:
			g.sysmon1(&ev)
		case p < 7000:
			g.sysmon3(&ev)
		case p < 8700:
			g.cef(&ev)
		default:
			g.web(&ev, "")
		}
	}
	ev.ID = event.DeriveID(ev.OrgID, ev.Input, ev.Raw)
	return ev
}

// Batch returns the next n events.
func (g *Generator) Batch(n int) []event.Event {
	out := make([]event.Event, n)
	for i := range out {
		out[i] = g.Next()
	}
	return out
}

// NDJSON writes the event as one line of JSON, the nested ECS document an
// HTTP JSON client would send (@timestamp, the fields, event.original).
func NDJSON(w io.Writer, ev event.Event) error {
	doc := ev.Fields.Nested()
	doc["@timestamp"] = ev.Timestamp.UTC().Format(time.RFC3339Nano)
	if e, ok := doc["event"].(map[string]any); ok {
		e["original"] = ev.Raw
	} else {
		doc["event.original"] = ev.Raw
	}
	b, err := json.Marshal(doc)
	if err != nil {
		return fmt.Errorf("cannot encode event: %w", err)
	}
	b = append(b, '\n')
	_, err = w.Write(b)
	return err
}

// SyslogLine returns the event as a syslog line (RFC 3164): syslog events
// as they were received, the others (JSON from agents) wrapped in a
// syslog header the way a log shipper forwards them.
func SyslogLine(ev event.Event) string {
	if ev.Input == "syslog" {
		return ev.Raw
	}
	return fmt.Sprintf("<14>%s %s winlogbeat: %s", ev.Timestamp.UTC().Format(time.Stamp), ev.Fields.Str("host.name"), ev.Raw)
}

// --- the sources -----------------------------------------------------------

func (g *Generator) sshd(ev *event.Event, forceFail int) {
	f := ev.Fields
	host := g.linuxHost()
	ip := g.ext()
	if g.burst.left > 0 || forceFail == 1 {
		host, ip = g.burst.host, g.burst.src
	}
	pid := 1000 + g.r.IntN(64000)
	port := 1024 + g.r.IntN(64000)
	var msg, user, outcome, action string
	sev := int64(event.SeverityInfo)
	p := g.r.IntN(100)
	if forceFail == 1 {
		p = 30 + g.r.IntN(45)
	}
	switch {
	case p < 30:
		user = g.user()
		method := "publickey"
		if g.r.IntN(4) == 0 {
			method = "password"
		}
		ip = g.internal(host)
		if method == "publickey" {
			msg = fmt.Sprintf("Accepted publickey for %s from %s port %d ssh2: RSA SHA256:%s", user, ip.ip, port, g.fingerprint(user))
		} else {
			msg = fmt.Sprintf("Accepted password for %s from %s port %d ssh2", user, ip.ip, port)
		}
		outcome, action = "success", "ssh_login"
		f.Set("event.type", []string{"start"})
	case p < 60:
		user = g.user()
		if g.r.IntN(3) == 0 {
			user = "root"
		}
		msg = fmt.Sprintf("Failed password for %s from %s port %d ssh2", user, ip.ip, port)
		outcome, action, sev = "failure", "ssh_login", event.SeverityLow
		f.Set("event.type", []string{"start"})
	case p < 75:
		user = invalidUsers[g.r.IntN(len(invalidUsers))]
		msg = fmt.Sprintf("Failed password for invalid user %s from %s port %d ssh2", user, ip.ip, port)
		outcome, action, sev = "failure", "ssh_login", event.SeverityLow
		f.Set("event.type", []string{"start"})
	case p < 85:
		user = invalidUsers[g.r.IntN(len(invalidUsers))]
		msg = fmt.Sprintf("Invalid user %s from %s port %d", user, ip.ip, port)
		outcome, action, sev = "failure", "invalid_user", event.SeverityLow
		f.Set("event.type", []string{"info"})
	default:
		user = g.user()
		ip = g.internal(host)
		msg = fmt.Sprintf("pam_unix(sshd:session): session closed for user %s", user)
		outcome, action = "success", "session_closed"
		f.Set("event.type", []string{"end"})
	}
	ev.Input = "syslog"
	ev.Raw = fmt.Sprintf("<38>%s %s sshd[%d]: %s", ev.Timestamp.UTC().Format(time.Stamp), host, pid, msg)
	f.Set("event.kind", "event")
	f.Set("event.category", []string{"authentication"})
	f.Set("event.action", action)
	f.Set("event.outcome", outcome)
	f.Set("event.severity", sev)
	f.Set("event.dataset", "system.auth")
	f.Set("event.module", "system")
	f.Set("message", msg)
	f.Set("log.level", "info")
	f.Set("host.name", host)
	f.Set("host.os.type", "linux")
	f.Set("user.name", user)
	f.Set("source.ip", ip.ip)
	f.Set("source.port", int64(port))
	f.Set("source.geo.country_iso_code", ip.country)
	f.Set("process.name", "sshd")
	f.Set("process.pid", int64(pid))
	f.Set("log.syslog.facility.code", int64(4))
	f.Set("log.syslog.severity.code", int64(6))
}

func (g *Generator) sudo(ev *event.Event) {
	f := ev.Fields
	host := g.linuxHost()
	user := g.user()
	cmd := sudoCommands[g.r.IntN(len(sudoCommands))]
	msg := fmt.Sprintf("%s : TTY=pts/%d ; PWD=/home/%s ; USER=root ; COMMAND=%s", user, g.r.IntN(8), user, cmd)
	outcome, sev := "success", int64(event.SeverityInfo)
	if g.r.IntN(20) == 0 {
		msg = fmt.Sprintf("%s : 3 incorrect password attempts ; TTY=pts/%d ; PWD=/home/%s ; USER=root ; COMMAND=%s", user, g.r.IntN(8), user, cmd)
		outcome, sev = "failure", event.SeverityMedium
	}
	ev.Input = "syslog"
	ev.Raw = fmt.Sprintf("<85>%s %s sudo: %s", ev.Timestamp.UTC().Format(time.Stamp), host, msg)
	f.Set("event.kind", "event")
	f.Set("event.category", []string{"process"})
	f.Set("event.type", []string{"start"})
	f.Set("event.action", "sudo")
	f.Set("event.outcome", outcome)
	f.Set("event.severity", sev)
	f.Set("event.dataset", "system.auth")
	f.Set("event.module", "system")
	f.Set("message", msg)
	f.Set("log.level", "notice")
	f.Set("host.name", host)
	f.Set("host.os.type", "linux")
	f.Set("user.name", user)
	f.Set("user.effective.name", "root")
	f.Set("process.name", "sudo")
	f.Set("process.command_line", cmd)
}

func (g *Generator) winCommon(ev *event.Event, host string, code int, action, outcome string, sev int64, msg string) {
	f := ev.Fields
	ev.Input = "agent"
	f.Set("event.kind", "event")
	f.Set("event.code", strconv.Itoa(code))
	f.Set("event.action", action)
	f.Set("event.outcome", outcome)
	f.Set("event.severity", sev)
	f.Set("event.provider", "Microsoft-Windows-Security-Auditing")
	f.Set("event.dataset", "windows.security")
	f.Set("event.module", "windows")
	f.Set("message", msg)
	f.Set("log.level", "information")
	f.Set("host.name", host)
	f.Set("host.ip", g.internal(host).ip)
	f.Set("host.os.type", "windows")
	f.Set("winlog.channel", "Security")
	f.Set("winlog.event_id", int64(code))
	f.Set("winlog.record_id", int64(100000+g.i*7))
}

func (g *Generator) win4624(ev *event.Event) {
	host := g.winHost()
	user := g.user()
	lt := []int{2, 3, 3, 3, 5, 7, 10, 11}[g.r.IntN(8)]
	src := g.internal(g.winHost())
	g.logonID += uint64(1 + g.r.IntN(5000))
	g.winCommon(ev, host, 4624, "logged-in", "success", event.SeverityInfo, "An account was successfully logged on.")
	ev.Raw = fmt.Sprintf(`{"EventID":4624,%s"Channel":"Security","Computer":"%s.corp.example.com","TimeCreated":"%s","EventRecordID":%d,"EventData":{"SubjectUserSid":"S-1-5-18","TargetUserName":"%s","TargetDomainName":"CORP","TargetLogonId":"0x%x","LogonType":"%d","LogonProcessName":"%s","AuthenticationPackageName":"%s","WorkstationName":"%s","IpAddress":"%s","IpPort":"%d"}}`,
		g.winHeader(securityProvider, 12544), host, ev.Timestamp.UTC().Format(time.RFC3339Nano), 100000+g.i*7, user, g.logonID, lt, logonProcess(lt), authPackage(lt), host, src.ip, 49152+g.r.IntN(16000))
	f := ev.Fields
	f.Set("event.category", []string{"authentication"})
	f.Set("event.type", []string{"start"})
	f.Set("user.name", user)
	f.Set("user.domain", "CORP")
	f.Set("source.ip", src.ip)
	f.Set("winlog.logon.type", strconv.Itoa(lt))
	f.Set("winlog.event_data.TargetLogonId", fmt.Sprintf("0x%x", g.logonID))
}

func (g *Generator) win4625(ev *event.Event) {
	host := g.winHost()
	user := g.user()
	if g.r.IntN(3) == 0 {
		user = invalidUsers[g.r.IntN(len(invalidUsers))]
	}
	src := g.ext()
	if g.r.IntN(2) == 0 {
		src = g.internal(g.winHost())
	}
	status := []string{"0xc000006d", "0xc000006a", "0xc0000064", "0xc0000234"}[g.r.IntN(4)]
	g.winCommon(ev, host, 4625, "logon-failed", "failure", event.SeverityMedium, "An account failed to log on.")
	ev.Raw = fmt.Sprintf(`{"EventID":4625,%s"Channel":"Security","Computer":"%s.corp.example.com","TimeCreated":"%s","EventRecordID":%d,"EventData":{"SubjectUserSid":"S-1-0-0","TargetUserName":"%s","TargetDomainName":"CORP","Status":"%s","FailureReason":"%%%%2313","LogonType":"3","LogonProcessName":"NtLmSsp","AuthenticationPackageName":"NTLM","WorkstationName":"%s","IpAddress":"%s","IpPort":"%d"}}`,
		g.winHeader(securityProvider, 12544), host, ev.Timestamp.UTC().Format(time.RFC3339Nano), 100000+g.i*7, user, status, host, src.ip, 1024+g.r.IntN(60000))
	f := ev.Fields
	f.Set("event.category", []string{"authentication"})
	f.Set("event.type", []string{"start"})
	f.Set("user.name", user)
	f.Set("user.domain", "CORP")
	f.Set("source.ip", src.ip)
	f.Set("source.geo.country_iso_code", src.country)
	f.Set("winlog.logon.type", "3")
	f.Set("winlog.event_data.Status", status)
}

func (g *Generator) win4688(ev *event.Event) {
	host := g.winHost()
	user := g.user()
	p := winProcs[g.r.IntN(len(winProcs))]
	pid := 1000 + g.r.IntN(30000)
	sev := int64(event.SeverityInfo)
	if p.suspicious {
		sev = event.SeverityHigh
	}
	g.winCommon(ev, host, 4688, "created-process", "success", sev, "A new process has been created.")
	ev.Raw = fmt.Sprintf(`{"EventID":4688,%s"Channel":"Security","Computer":"%s.corp.example.com","TimeCreated":"%s","EventRecordID":%d,"EventData":{"SubjectUserName":"%s","SubjectDomainName":"CORP","NewProcessId":"0x%x","NewProcessName":"%s","CommandLine":"%s","ParentProcessName":"%s","TokenElevationType":"%%%%1936"}}`,
		g.winHeader(securityProvider, 13312), host, ev.Timestamp.UTC().Format(time.RFC3339Nano), 100000+g.i*7, user, pid, jsonEsc(p.exe), jsonEsc(p.cmd), jsonEsc(p.parentExe))
	f := ev.Fields
	f.Set("event.category", []string{"process"})
	f.Set("event.type", []string{"start"})
	f.Set("user.name", user)
	f.Set("user.domain", "CORP")
	f.Set("process.name", baseName(p.exe))
	f.Set("process.pid", int64(pid))
	f.Set("process.executable", p.exe)
	f.Set("process.command_line", p.cmd)
	f.Set("process.parent.name", baseName(p.parentExe))
	f.Set("process.parent.executable", p.parentExe)
}

func (g *Generator) sysmon1(ev *event.Event) {
	host := g.winHost()
	user := g.user()
	p := winProcs[g.r.IntN(len(winProcs))]
	pid := 1000 + g.r.IntN(30000)
	guid := g.guid()
	sha := g.hashOf(p.exe)
	sev := int64(event.SeverityInfo)
	if p.suspicious {
		sev = event.SeverityHigh
	}
	g.winCommon(ev, host, 1, "Process Create (rule: ProcessCreate)", "success", sev, "Process Create: "+p.cmd)
	ev.Fields.Set("event.provider", "Microsoft-Windows-Sysmon")
	ev.Fields.Set("event.dataset", "windows.sysmon_operational")
	ev.Fields.Set("winlog.channel", "Microsoft-Windows-Sysmon/Operational")
	ev.Raw = fmt.Sprintf(`{"EventID":1,%s"Channel":"Microsoft-Windows-Sysmon/Operational","Computer":"%s.corp.example.com","UtcTime":"%s","ProcessGuid":"{%s}","ProcessId":%d,"Image":"%s","CommandLine":"%s","User":"CORP\\%s","IntegrityLevel":"Medium","Hashes":"SHA256=%s","ParentImage":"%s"}`,
		g.winHeader(sysmonProvider, 1), host, ev.Timestamp.UTC().Format("2006-01-02 15:04:05.000"), guid, pid, jsonEsc(p.exe), jsonEsc(p.cmd), user, strings.ToUpper(sha), jsonEsc(p.parentExe))
	f := ev.Fields
	f.Set("event.category", []string{"process"})
	f.Set("event.type", []string{"start"})
	f.Set("user.name", user)
	f.Set("user.domain", "CORP")
	f.Set("process.name", baseName(p.exe))
	f.Set("process.pid", int64(pid))
	f.Set("process.executable", p.exe)
	f.Set("process.command_line", p.cmd)
	f.Set("process.parent.name", baseName(p.parentExe))
	f.Set("process.entity_id", "{"+guid+"}")
	f.Set("process.hash.sha256", sha)
}

func (g *Generator) sysmon3(ev *event.Event) {
	host := g.winHost()
	user := g.user()
	p := netProcs[g.r.IntN(len(netProcs))]
	src := g.internal(host)
	dst := g.ext()
	dport := []int{443, 443, 443, 80, 53, 445, 3389, 8080}[g.r.IntN(8)]
	sport := 49152 + g.r.IntN(16000)
	g.winCommon(ev, host, 3, "Network connection detected (rule: NetworkConnect)", "success", event.SeverityInfo,
		fmt.Sprintf("Network connection detected: %s %s:%d -> %s:%d", baseName(p), src.ip, sport, dst.ip, dport))
	ev.Fields.Set("event.provider", "Microsoft-Windows-Sysmon")
	ev.Fields.Set("event.dataset", "windows.sysmon_operational")
	ev.Fields.Set("winlog.channel", "Microsoft-Windows-Sysmon/Operational")
	ev.Raw = fmt.Sprintf(`{"EventID":3,%s"Channel":"Microsoft-Windows-Sysmon/Operational","Computer":"%s.corp.example.com","UtcTime":"%s","ProcessGuid":"{%s}","Image":"%s","User":"CORP\\%s","Protocol":"tcp","SourceIp":"%s","SourcePort":%d,"DestinationIp":"%s","DestinationPort":%d}`,
		g.winHeader(sysmonProvider, 3), host, ev.Timestamp.UTC().Format("2006-01-02 15:04:05.000"), g.guid(), jsonEsc(p), user, src.ip, sport, dst.ip, dport)
	f := ev.Fields
	f.Set("event.category", []string{"network"})
	f.Set("event.type", []string{"connection", "start"})
	f.Set("user.name", user)
	f.Set("process.name", baseName(p))
	f.Set("process.executable", p)
	f.Set("source.ip", src.ip)
	f.Set("source.port", int64(sport))
	f.Set("destination.ip", dst.ip)
	f.Set("destination.port", int64(dport))
	f.Set("destination.geo.country_iso_code", dst.country)
	f.Set("network.transport", "tcp")
	f.Set("network.direction", "egress")
}

func (g *Generator) cef(ev *event.Event) {
	fw := firewalls[g.r.IntN(len(firewalls))]
	var src, dst extIP
	inbound := g.r.IntN(3) == 0
	if inbound {
		src, dst = g.ext(), g.internal(g.linuxHost())
	} else {
		src, dst = g.internal(g.winHost()), g.ext()
	}
	dport := []int{443, 443, 80, 22, 53, 123, 3389, 25, 8443}[g.r.IntN(9)]
	sport := 1024 + g.r.IntN(64000)
	proto := "TCP"
	if dport == 53 || dport == 123 {
		proto = "UDP"
	}
	act, sev, outcome := "allow", int64(event.SeverityInfo), "success"
	cefSev := 3
	if inbound && g.r.IntN(2) == 0 || g.r.IntN(10) == 0 {
		act, sev, outcome, cefSev = "deny", event.SeverityLow, "failure", 5
	}
	rule := map[string]string{"allow": "allow-outbound-web", "deny": "default-deny"}[act]
	bytesOut, bytesIn := 200+g.r.IntN(20000), 100+g.r.IntN(200000)
	msg := fmt.Sprintf("TRAFFIC %s %s:%d -> %s:%d %s", act, src.ip, sport, dst.ip, dport, proto)
	ext := fmt.Sprintf("rt=%d src=%s spt=%d dst=%s dpt=%d proto=%s act=%s cs1Label=Rule cs1=%s deviceInboundInterface=ethernet1/%d out=%d in=%d suser=%s",
		ev.Timestamp.UnixMilli(), src.ip, sport, dst.ip, dport, proto, act, rule, 1+g.r.IntN(4), bytesOut, bytesIn, g.maybeUser(inbound))
	ev.Input = "syslog"
	ev.Raw = fmt.Sprintf("<134>%s %s CEF:0|Palo Alto Networks|PAN-OS|10.2.4|TRAFFIC|end|%d|%s", ev.Timestamp.UTC().Format(time.Stamp), fw, cefSev, ext)
	f := ev.Fields
	f.Set("event.kind", "event")
	f.Set("event.category", []string{"network"})
	f.Set("event.type", []string{"connection", "end"})
	f.Set("event.action", act)
	f.Set("event.outcome", outcome)
	f.Set("event.severity", sev)
	f.Set("event.code", "TRAFFIC")
	f.Set("event.dataset", "panw.panos")
	f.Set("event.module", "panw")
	f.Set("message", msg)
	f.Set("observer.name", fw)
	f.Set("observer.type", "firewall")
	f.Set("observer.vendor", "Palo Alto Networks")
	f.Set("source.ip", src.ip)
	f.Set("source.port", int64(sport))
	f.Set("destination.ip", dst.ip)
	f.Set("destination.port", int64(dport))
	if inbound {
		f.Set("source.geo.country_iso_code", src.country)
	} else {
		f.Set("destination.geo.country_iso_code", dst.country)
	}
	f.Set("network.transport", strings.ToLower(proto))
	f.Set("source.bytes", int64(bytesOut))
	f.Set("destination.bytes", int64(bytesIn))
	f.Set("rule.name", rule)
}

func (g *Generator) web(ev *event.Event, path string) {
	host := webHosts[g.r.IntN(len(webHosts))]
	src := g.ext()
	if path == "" {
		path = urlPaths[g.zip.url.Uint64()]
		if strings.Contains(path, "%d") {
			path = fmt.Sprintf(path, g.r.IntN(100000))
		}
	}
	method := "GET"
	if g.r.IntN(8) == 0 {
		method = "POST"
	}
	status := []int{200, 200, 200, 200, 200, 200, 304, 301, 404, 404, 403, 500}[g.r.IntN(12)]
	size := 100 + g.r.IntN(50000)
	ua := userAgents[g.r.IntN(len(userAgents))]
	line := fmt.Sprintf("%s %s HTTP/1.1", method, path)
	ev.Input = "syslog"
	ev.Raw = fmt.Sprintf(`<190>%s %s nginx: %s - - [%s] "%s" %d %d "-" "%s" rt=%.3f`,
		ev.Timestamp.UTC().Format(time.Stamp), host, src.ip, ev.Timestamp.UTC().Format("02/Jan/2006:15:04:05 -0700"), line, status, size, ua, float64(g.r.IntN(3000))/1000)
	outcome, sev := "success", int64(event.SeverityInfo)
	if status >= 400 {
		outcome = "failure"
	}
	if status >= 500 {
		sev = event.SeverityLow
	}
	f := ev.Fields
	f.Set("event.kind", "event")
	f.Set("event.category", []string{"web"})
	f.Set("event.type", []string{"access"})
	f.Set("event.action", "http_request")
	f.Set("event.outcome", outcome)
	f.Set("event.severity", sev)
	f.Set("event.dataset", "nginx.access")
	f.Set("event.module", "nginx")
	f.Set("message", fmt.Sprintf("%s %d", line, status))
	f.Set("host.name", host)
	f.Set("host.os.type", "linux")
	f.Set("source.ip", src.ip)
	f.Set("source.geo.country_iso_code", src.country)
	f.Set("url.full", "https://"+host+".example.com"+path)
	f.Set("url.domain", host+".example.com")
	f.Set("http.request.method", method)
	f.Set("http.response.status_code", int64(status))
	f.Set("http.response.body.bytes", int64(size))
	f.Set("user_agent.original", ua)
}

// --- helpers ---------------------------------------------------------------

func (g *Generator) user() string { return users[g.zip.user.Uint64()] }

func (g *Generator) maybeUser(inbound bool) string {
	if inbound {
		return ""
	}
	return g.user()
}

func (g *Generator) linuxHost() string { return linuxHosts[g.zip.linuxHost.Uint64()] }

func (g *Generator) winHost() string {
	n := g.zip.winHost.Uint64()
	switch n {
	case 0:
		return "DC-01"
	case 1:
		return "DC-02"
	case 2:
		return "FS-01"
	}
	return fmt.Sprintf("WS-%04d", n)
}

func (g *Generator) ext() extIP { return g.extIPs[g.zip.extIP.Uint64()] }

// internal returns the host's stable RFC 1918 address.
func (g *Generator) internal(host string) extIP {
	ip, ok := g.intIPs[host]
	if !ok {
		n := len(g.intIPs)
		ip = fmt.Sprintf("10.%d.%d.%d", 10+n%4, n/250%250, 10+n%240)
		g.intIPs[host] = ip
	}
	return extIP{ip: ip}
}

func (g *Generator) guid() string {
	a, b := g.r.Uint64(), g.r.Uint64()
	return strings.ToUpper(fmt.Sprintf("%08x-%04x-%04x-%04x-%012x", a>>32, a>>16&0xffff, a&0xffff, b>>48, b&0xffffffffffff))
}

// hashOf gives every executable one stable SHA-256, as real binaries have.
func (g *Generator) hashOf(exe string) string {
	h, ok := g.hashes[exe]
	if !ok {
		h = fmt.Sprintf("%016x%016x%016x%016x", g.r.Uint64(), g.r.Uint64(), g.r.Uint64(), g.r.Uint64())
		g.hashes[exe] = h
	}
	return h
}

func (g *Generator) fingerprint(user string) string {
	h := uint64(14695981039346656037)
	for i := 0; i < len(user); i++ {
		h = (h ^ uint64(user[i])) * 1099511628211
	}
	const b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	var sb strings.Builder
	for i := 0; i < 43; i++ {
		h = h*6364136223846793005 + 1442695040888963407
		sb.WriteByte(b64[h>>58])
	}
	return sb.String()
}

const (
	securityProvider = `"Provider":{"Name":"Microsoft-Windows-Security-Auditing","Guid":"{54849625-5478-4994-A5BA-3E3B0328C30D}"},`
	sysmonProvider   = `"Provider":{"Name":"Microsoft-Windows-Sysmon","Guid":"{5770385F-C22A-43E0-BF4C-06F5698FFBD9}"},`
)

// winHeader is the System part of a Windows event as agents ship it.
func (g *Generator) winHeader(provider string, task int) string {
	return fmt.Sprintf(`%s"Version":2,"Level":0,"Task":%d,"Opcode":0,"Keywords":"0x8020000000000000","Execution":{"ProcessID":%d,"ThreadID":%d},`,
		provider, task, 600+g.r.IntN(200), 1000+g.r.IntN(20000))
}

func logonProcess(lt int) string {
	switch lt {
	case 2, 7, 11:
		return "User32"
	case 5:
		return "Advapi"
	case 10:
		return "User32"
	}
	return "NtLmSsp"
}

func authPackage(lt int) string {
	if lt == 3 {
		return "NTLM"
	}
	return "Negotiate"
}

func baseName(p string) string {
	if i := strings.LastIndexAny(p, `\/`); i >= 0 {
		return p[i+1:]
	}
	return p
}

func jsonEsc(s string) string {
	b, _ := json.Marshal(s)
	return string(b[1 : len(b)-1])
}
