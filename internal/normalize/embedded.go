package normalize

import (
	"strings"
	"time"

	"github.com/eventsec/eventsec/internal/event"
)

// Shippers (Filebeat, Fluent Bit, Vector, Logstash, a journald relay)
// send a log file's line as the message of a JSON document, with their
// own fields around it: {"message": "Nov 23 10:00:00 web-1 sshd[811]:
// Failed password ...", "log": {"file": ...}, "agent": ...}. The line is
// parsed as if it had come by itself, and what it says is added to the
// document, as the shippers' own ingest pipelines do.

// maxEmbedded bounds the message that is parsed as a line.
const maxEmbedded = 64 << 10

// embeddedLine parses the log line carried in message, when the sender
// did not classify the event itself (no event.action, event.category,
// event.dataset or event.module) and a line parser recognises it: a
// syslog header, a program tag ("sshd[42]: ..."), an authentication
// phrase, an access-log line, CEF or LEEF. Generic key=value text is not
// taken for a log format here: an application's message may hold '='.
//
// The document's own fields win; the line's host goes to host.hostname
// when the document names another host (the shipper's). The line's own
// time becomes the event's time and the document's is kept as
// event.created. The whole line stays searchable in event.original.
func (st *state) embeddedLine() {
	if st.parseErr != "" {
		return
	}
	msg, ok := st.f["message"].(string)
	if !ok || len(msg) < 8 || len(msg) > maxEmbedded {
		return
	}
	for _, k := range []string{"event.action", "event.category", "event.dataset", "event.module"} {
		if _, ok := st.f[k]; ok {
			return
		}
	}
	sub := &state{n: st.n, ev: &event.Event{}, f: make(event.Fields, 32), received: st.received, loc: st.loc}
	sub.ev.Fields = sub.f
	if !sub.line(msg) || sub.parseErr != "" {
		return
	}
	if ds, _ := sub.f["event.dataset"].(string); ds == "" || ds == "kv" || ds == "plain" {
		return
	}
	for k, v := range sub.f {
		switch k {
		case "message":
			continue
		case "host.name":
			if h, ok := st.f["host.name"].(string); ok && h != "" {
				if h != v {
					if _, has := st.f["host.hostname"]; !has {
						st.f["host.hostname"] = v
					}
				}
				continue
			}
		}
		if _, has := st.f[k]; !has {
			st.f[k] = v
		}
	}
	if m, ok := sub.f["message"].(string); ok && m != "" && m != msg {
		if _, has := st.f["event.original"]; !has {
			st.f["event.original"] = msg
		}
		st.f["message"] = m
	}
	if sub.tsSet {
		if st.tsSet {
			if _, has := st.f["event.created"]; !has {
				st.f["event.created"] = st.ts.UTC().Format(time.RFC3339Nano)
			}
		}
		st.setTime(sub.ts, sub.tsName)
	}
	st.tags = append(st.tags, sub.tags...)
	if sub.problems != "" {
		st.problem(sub.problems)
	}
}

// line parses s as a log line and says whether a parser recognised it;
// unlike auto it does not fall back to key=value or keep the text raw.
func (st *state) line(text string) bool {
	s := strings.TrimLeft(text, " \t\r\n\ufeff")
	switch {
	case s == "" || s[0] == '{':
		return false
	case s[0] == '<':
		if _, _, ok := syslogPRI(s); ok {
			st.syslog(s)
			return true
		}
		return false
	case strings.HasPrefix(s, "CEF:"):
		return st.cef(s) == nil
	case strings.HasPrefix(s, "LEEF:"):
		return st.leef(s) == nil
	}
	// A line that starts with a time is taken for a syslog file line only
	// with a program tag after the host ("web-1 sshd[811]: ..."): an
	// application's "2026-11-23T10:00:00Z user logged in" is not one.
	if _, rest, ok := bsdTimestamp(s, st.received, st.loc); ok && rest != s {
		st.syslog(s)
		return st.f["process.name"] != nil
	}
	if _, rest, ok := isoTimestampPrefix(s, st.loc, false); ok && (rest == "" || rest[0] == ' ') {
		st.syslog(s)
		return st.f["process.name"] != nil
	}
	if prog, pid, msg, ok := splitTag(s); ok {
		if isAuthProgram(prog) {
			st.set("event.dataset", "linux.auth")
			st.syslogTag(prog, pid)
			st.setMessage(msg)
			st.auth(prog, msg)
			return true
		}
		if st.accessLog(msg, prog) {
			st.syslogTag(prog, pid)
			st.setMessage(strings.TrimRight(msg, "\r\n"))
			return true
		}
	}
	if st.authPhrase(s) {
		st.setMessage(s)
		return true
	}
	if st.accessLog(s, "") {
		st.setMessage(strings.TrimRight(s, "\r\n"))
		return true
	}
	return false
}
