package endpoint

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/eventsec/eventsec/internal/agent/wire"
	"github.com/eventsec/eventsec/internal/event"
	"github.com/eventsec/eventsec/internal/normalize"
)

// Input is the event.Input (and metrics label) of agent events.
const Input = "agent"

// Datasets of the events agents send that the server maps itself.
const (
	DatasetFIM     = "eventsec.fim"
	DatasetJournal = "eventsec.journal"
)

// Event kinds of the agent protocol (wire.Event.Kind).
const (
	KindLog      = "log"
	KindJournal  = "journal"
	KindEventLog = "eventlog"
	KindFIM      = "fim"
	KindNetwork  = "network"
	KindProcess  = "process"
	KindAgent    = "agent"
)

// MaxBatch bounds the events of one batch.
const MaxBatch = 10_000

// IngestEvents converts an agent's batch and hands it to the ingest
// pipeline; it returns once every event is durable. Events keep IDs
// derived from the agent's own, so a re-sent batch is stored once.
func (s *Service) IngestEvents(ctx context.Context, c Credential, b wire.EventBatch) (wire.EventBatchResponse, error) {
	if s.o.Intake == nil {
		return wire.EventBatchResponse{}, fmt.Errorf("event intake: %w", ErrUnavailable)
	}
	if len(b.Events) > MaxBatch {
		return wire.EventBatchResponse{}, invalid("events", "at most %d events per batch", MaxBatch)
	}
	if len(b.BatchID) > 200 {
		return wire.EventBatchResponse{}, invalid("batch_id", "at most 200 bytes")
	}
	if len(b.Events) == 0 {
		return wire.EventBatchResponse{}, nil
	}
	n := s.o.Intake.Normalizer()
	now := s.o.Now()
	evs := make([]event.Event, 0, len(b.Events))
	for i := range b.Events {
		evs = append(evs, Convert(n, c, b.Events[i], now))
	}
	res, err := s.o.Intake.Submit(ctx, evs, Input)
	if err != nil {
		return wire.EventBatchResponse{}, err
	}
	s.m.events.Add(float64(len(b.Events)))
	return wire.EventBatchResponse{Accepted: res.Stored + res.Duplicates, Duplicate: res.Stored == 0 && res.Duplicates > 0}, nil
}

// Convert maps one event an agent sent to an EventSec event: log lines and
// Windows events go through the normalizer like any other source, journal
// entries as the syslog messages they are, file-integrity changes to ECS
// file.* with event.category file, other kinds as ECS objects. Every
// event names its agent (agent.*) and, unless it is about another host,
// the agent's host (host.*). It never fails: what cannot be understood is
// kept raw and tagged, as elsewhere.
func Convert(n *normalize.Normalizer, c Credential, we wire.Event, received time.Time) event.Event {
	in := normalize.Input{OrgID: c.OrgID, Input: Input, Received: received, ID: eventID(c, we)}
	fields := fieldsObject(we.Fields)
	var ev event.Event
	switch we.Kind {
	case KindLog:
		in.Raw, in.Format = []byte(we.Raw), logFormat(fields)
		ev = n.Normalize(in)
		if p := logPath(fields); p != "" {
			ev.Fields.Set("log.file.path", p)
		}
	case KindEventLog:
		in.Raw, in.Format = []byte(we.Raw), normalize.FormatWindows
		ev = n.Normalize(in)
	case KindJournal:
		if fields == nil {
			in.Raw = []byte(we.Raw)
			ev = n.Normalize(in)
			break
		}
		in.Raw, in.Format = []byte(journalLine(fields, we.Time)), normalize.FormatSyslog
		ev = n.Normalize(in)
		// Keep the entry itself as the original, not the line made of it.
		ev.Raw = string(we.Fields)
		if ev.Fields.Str("event.dataset") == "syslog" {
			ev.Fields["event.dataset"] = DatasetJournal
		}
		if u, ok := fields["_SYSTEMD_UNIT"].(string); ok {
			ev.Fields.Set("systemd.unit", u)
		}
	case KindFIM:
		var ch wire.FIMChange
		if err := json.Unmarshal(we.Fields, &ch); err != nil || ch.Path == "" {
			ev = raw(n, in, we)
			break
		}
		in.Raw = we.Fields
		ev = n.NormalizeObject(in, fimObject(ch, we.Time))
	default:
		if fields == nil {
			ev = raw(n, in, we)
			break
		}
		if _, ok := fields["event"]; !ok {
			fields["event"] = map[string]any{}
		}
		if evObj, ok := fields["event"].(map[string]any); ok {
			if _, ok := evObj["dataset"]; !ok {
				evObj["dataset"] = "eventsec." + datasetKind(we.Kind)
			}
		}
		if _, ok := fields["@timestamp"]; !ok && !we.Time.IsZero() {
			fields["@timestamp"] = we.Time.UTC().Format(time.RFC3339Nano)
		}
		in.Raw = we.Fields
		ev = n.NormalizeObject(in, fields)
		if we.Raw != "" {
			ev.Raw = we.Raw
		}
	}
	// The normalizer stamps events that name no time with their arrival;
	// the agent's own time of the event is closer.
	if !we.Time.IsZero() && ev.Timestamp.Equal(received) && !we.Time.After(received.Add(time.Hour)) {
		ev.Timestamp = we.Time
	}
	if ev.Fields == nil {
		ev.Fields = event.Fields{}
	}
	stampAgent(ev.Fields, c)
	return ev
}

// raw keeps an event whose fields could not be read as its text.
func raw(n *normalize.Normalizer, in normalize.Input, we wire.Event) event.Event {
	text := we.Raw
	if text == "" {
		text = string(we.Fields)
	}
	in.Raw, in.Format = []byte(text), normalize.FormatAuto
	return n.Normalize(in)
}

// eventID derives the stored ID from the agent's: namespaced by org and
// agent, so that no agent can collide with (or suppress) another's events.
func eventID(c Credential, we wire.Event) string {
	if we.ID != "" && len(we.ID) <= 512 {
		return event.DeriveID(c.OrgID, Input, c.AgentID+"\x00"+we.ID)
	}
	return event.DeriveID(c.OrgID, Input, c.AgentID+"\x00"+we.Kind+"\x00"+we.Time.UTC().Format(time.RFC3339Nano)+"\x00"+we.Raw+"\x00"+string(we.Fields))
}

func datasetKind(k string) string {
	switch k {
	case KindNetwork, KindProcess, KindAgent:
		return k
	}
	return "other"
}

// fieldsObject decodes Fields when it is a JSON object, nil otherwise.
func fieldsObject(b json.RawMessage) map[string]any {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || b[0] != '{' {
		return nil
	}
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		return nil
	}
	return m
}

// lookup reads a dotted key from an object, nested or flat.
func lookup(m map[string]any, key string) any {
	if v, ok := m[key]; ok {
		return v
	}
	head, rest, ok := strings.Cut(key, ".")
	if !ok {
		return nil
	}
	sub, _ := m[head].(map[string]any)
	if sub == nil {
		return nil
	}
	return lookup(sub, rest)
}

func lookupStr(m map[string]any, key string) string {
	s, _ := lookup(m, key).(string)
	return s
}

// logPath is the tailed file's path, as the agent names it.
func logPath(f map[string]any) string {
	if p := lookupStr(f, "log.file.path"); p != "" {
		return p
	}
	return lookupStr(f, "file.path")
}

// logFormat maps the agent's hint (the tailed file's configured format)
// to the normalizer's.
func logFormat(f map[string]any) normalize.Format {
	switch lookupStr(f, "log.format") + lookupStr(f, "format") {
	case "syslog":
		return normalize.FormatSyslog
	case "json":
		return normalize.FormatJSON
	case "lines":
		return normalize.FormatPlain
	}
	return normalize.FormatAuto // auth and access lines are recognised
}

// journalLine renders a journal entry as the RFC 5424 syslog message it
// carries, so that the normalizer's syslog and auth parsers read it.
func journalLine(f map[string]any, t time.Time) string {
	str := func(k string) string {
		switch v := f[k].(type) {
		case string:
			return v
		case json.Number:
			return v.String()
		}
		return ""
	}
	prio, err := strconv.Atoi(str("PRIORITY"))
	if err != nil || prio < 0 || prio > 7 {
		prio = 6
	}
	fac, err := strconv.Atoi(str("SYSLOG_FACILITY"))
	if err != nil || fac < 0 || fac > 23 {
		fac = 1
	}
	if us, err := strconv.ParseInt(str("__REALTIME_TIMESTAMP"), 10, 64); err == nil && us > 0 {
		t = time.UnixMicro(us)
	}
	if t.IsZero() {
		t = time.Now()
	}
	field := func(v string) string {
		v = strings.Map(func(r rune) rune {
			if r <= ' ' || r == 0x7f {
				return -1
			}
			return r
		}, v)
		if v == "" {
			return "-"
		}
		return v
	}
	app := str("SYSLOG_IDENTIFIER")
	if app == "" {
		app = str("_COMM")
	}
	pid := str("SYSLOG_PID")
	if pid == "" {
		pid = str("_PID")
	}
	msg := strings.ReplaceAll(str("MESSAGE"), "\n", " ")
	return fmt.Sprintf("<%d>1 %s %s %s %s - - %s", fac*8+prio, t.UTC().Format("2006-01-02T15:04:05.000000Z"),
		field(str("_HOSTNAME")), field(app), field(pid), msg)
}

// fimObject is the ECS document of a file-integrity change.
func fimObject(ch wire.FIMChange, t time.Time) map[string]any {
	typ := map[string]string{"created": "creation", "deleted": "deletion"}[ch.Action]
	if typ == "" {
		typ = "change"
	}
	action := ch.Action
	if action == "" {
		action = "modified"
	}
	p := strings.ReplaceAll(ch.Path, `\`, "/")
	base := path.Base(p)
	dir := strings.TrimRight(ch.Path[:max(len(ch.Path)-len(base), 0)], `/\`)
	if dir == "" {
		dir = ch.Path[:1] // the root
	}
	file := map[string]any{"path": ch.Path, "name": base, "directory": dir}
	if ext := path.Ext(p); ext != "" && len(ext) > 1 {
		file["extension"] = strings.ToLower(ext[1:])
	}
	if ch.NewSHA256 != "" {
		file["hash"] = map[string]any{"sha256": ch.NewSHA256}
	}
	if ch.Action != "deleted" {
		file["size"] = ch.NewSize
	}
	for k, v := range map[string]string{"owner": ch.Owner, "group": ch.Group, "mode": ch.Mode} {
		if v != "" {
			file[k] = v
		}
	}
	if !ch.ModTime.IsZero() {
		file["mtime"] = ch.ModTime.UTC().Format(time.RFC3339Nano)
	}
	fim := map[string]any{"action": action}
	for k, v := range map[string]string{"old_sha256": ch.OldSHA256, "old_mode": ch.OldMode} {
		if v != "" {
			fim[k] = v
		}
	}
	if ch.OldSize != 0 {
		fim["old_size"] = ch.OldSize
	}
	obj := map[string]any{
		"event": map[string]any{"kind": "event", "category": []string{"file"}, "type": []string{typ}, "action": action,
			"dataset": DatasetFIM, "module": "fim"},
		"file": file, "fim": fim,
		"message": fmt.Sprintf("File %s: %s", action, ch.Path),
	}
	if !t.IsZero() {
		obj["@timestamp"] = t.UTC().Format(time.RFC3339Nano)
	}
	return obj
}

// ecsOS maps the agent's OS name to ECS host.os.type.
func ecsOS(os string) string {
	switch os {
	case "darwin":
		return "macos"
	case "linux", "windows":
		return os
	case "":
		return ""
	}
	return "unix"
}

// stampAgent names the agent on the event and fills host.* from its
// facts unless the event is about another host (a forwarded log).
func stampAgent(f event.Fields, c Credential) {
	f["agent.id"] = c.AgentID
	f["agent.type"] = "eventsec"
	f.Set("agent.name", c.Name)
	f.Set("agent.version", c.Facts.AgentVersion)
	host := f.Str("host.name")
	if host == "" {
		host = f.Str("host.hostname")
	}
	if host != "" && !strings.EqualFold(host, c.Facts.Hostname) && !strings.EqualFold(host, c.Facts.FQDN) &&
		!strings.EqualFold(strings.SplitN(host, ".", 2)[0], c.Facts.Hostname) {
		return
	}
	name := c.Facts.Hostname
	if name == "" {
		return
	}
	f["host.name"] = name
	f["host.hostname"] = name
	f.Set("host.id", c.Facts.MachineID)
	f.Set("host.architecture", c.Facts.Arch)
	f.Set("host.os.type", ecsOS(c.Facts.OS))
	f.Set("host.os.platform", c.Facts.Platform)
	f.Set("host.os.version", c.Facts.PlatformVer)
	f.Set("host.os.family", c.Facts.Family)
	f.Set("host.os.kernel", c.Facts.KernelVersion)
	if _, ok := f["host.ip"]; !ok && len(c.Facts.IPs) > 0 {
		f["host.ip"] = append([]string(nil), c.Facts.IPs...)
	}
	if len(c.Facts.MACs) > 0 {
		f["host.mac"] = append([]string(nil), c.Facts.MACs...)
	}
}
