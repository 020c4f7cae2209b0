package normalize

import (
	"bytes"
	"testing"
	"time"

	"github.com/eventsec/eventsec/bench/events/eventgen"
	"github.com/eventsec/eventsec/internal/event"
)

// benchKinds are the event kinds bench/ingest sends, each as one
// representative event of the eventgen mix.
var benchKinds = []string{"sshd", "sudo", "win4624", "win4625", "win4688", "sysmon1", "sysmon3", "cef", "web"}

// eventgenKind names the kind of a generated event (see benchKinds).
func eventgenKind(ev event.Event) string {
	f := ev.Fields
	switch f.Str("event.dataset") {
	case "system.auth":
		return f.Str("process.name")
	case "windows.security":
		return "win" + f.Str("event.code")
	case "windows.sysmon_operational":
		return "sysmon" + f.Str("event.code")
	case "panw.panos":
		return "cef"
	case "nginx.access":
		return "web"
	}
	return ""
}

// eventgenSamples returns the first generated event of each kind.
func eventgenSamples(b *testing.B) map[string]event.Event {
	b.Helper()
	g := eventgen.New(eventgen.Options{})
	out := map[string]event.Event{}
	for range 20000 {
		ev := g.Next()
		if k := eventgenKind(ev); k != "" {
			if _, ok := out[k]; !ok {
				out[k] = ev
			}
		}
		if len(out) == len(benchKinds) {
			return out
		}
	}
	b.Fatalf("eventgen gave only %d kinds", len(out))
	return nil
}

// BenchmarkNormalizeEventgen normalizes each kind of event bench/ingest
// sends, in both of its wire forms: "http" is the NDJSON line of POST
// /api/v1/events (FormatJSON, as ingest.NormalizeJSON calls it), "syslog"
// the RFC 3164 line (FormatAuto).
func BenchmarkNormalizeEventgen(b *testing.B) {
	samples := eventgenSamples(b)
	for _, form := range []string{"http", "syslog"} {
		for _, kind := range benchKinds {
			ev := samples[kind]
			var in Input
			if form == "http" {
				var buf bytes.Buffer
				if err := eventgen.NDJSON(&buf, ev); err != nil {
					b.Fatal(err)
				}
				in = Input{OrgID: "default", Input: "http", Raw: bytes.TrimSpace(buf.Bytes()), Format: FormatJSON}
			} else {
				in = Input{OrgID: "default", Input: "syslog", Raw: []byte(eventgen.SyslogLine(ev)), Format: FormatAuto, Peer: "127.0.0.1"}
			}
			in.Received = ev.Ingested
			b.Run(form+"/"+kind, func(b *testing.B) {
				n := New(Options{Now: func() time.Time { return ev.Ingested }})
				b.SetBytes(int64(len(in.Raw)))
				loop(b, func() {
					out := n.Normalize(in)
					if out.Fields["error.message"] != nil {
						b.Fatalf("%s: %v", in.Raw, out.Fields["error.message"])
					}
				})
			})
		}
	}
}
