package normalize

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"
	"unsafe"

	"github.com/eventsec/eventsec/internal/event"
)

// Format names how the bytes of an Input are to be read.
type Format string

// Formats. FormatAuto detects: a JSON object, a syslog PRI header, a CEF:
// or LEEF: prefix, a Linux auth line, an Apache/nginx access-log line,
// key=value pairs, else unparseable. FormatPlain is text the sender sent
// as text (a HEC event string or raw line, an import of log lines): it is
// detected as FormatAuto does, and what no parser reads is an event with
// that text as its message (dataset plain), not a parse error.
const (
	FormatAuto    Format = "auto"
	FormatJSON    Format = "json"
	FormatSyslog  Format = "syslog"
	FormatCEF     Format = "cef"
	FormatLEEF    Format = "leef"
	FormatKV      Format = "kv"
	FormatPlain   Format = "plain"
	FormatWindows Format = "windows"
)

// Tags the normalizer puts on events besides event.TagParseError.
const (
	// TagTruncated marks an event whose fields were cut: deeper than
	// MaxDepth or more than MaxFields.
	TagTruncated = "_truncated"
	// TagRawTruncated marks an event whose Raw holds only the first
	// MaxRaw bytes of what was sent.
	TagRawTruncated = "_raw_truncated"
	// TagFrameIncomplete marks an event (also tagged _raw_truncated)
	// whose syslog frame was cut short: its connection ended before the
	// bytes its octet count announced had come. Raw holds what came.
	TagFrameIncomplete = "_frame_incomplete"
	// TagInvalidUTF8 marks an event whose text had bytes that are not
	// UTF-8; they are replaced by U+FFFD in Raw and in the fields.
	TagInvalidUTF8 = "_invalid_utf8"
	// TagTimestampOutOfRange marks an event whose own time was too far in
	// the future or the past: @timestamp is then the received time and
	// event.created keeps the claimed one.
	TagTimestampOutOfRange = "_timestamp_out_of_range"
	// TagTimestampUnparsed marks an event that named its time in a form
	// none of the configured layouts read; @timestamp is the received time.
	TagTimestampUnparsed = "_timestamp_unparsed"
	// TagInvalidField marks an event in which a value that must have a
	// type (an IP in source.ip, a number in source.port, a severity
	// 0-100) did not: the value was dropped from that field (an address
	// is kept in <root>.address, a severity clamped), and error.message
	// names the field and the value; Raw still has it.
	TagInvalidField = "_invalid_field"
)

// Limits on what is parsed and kept.
const (
	// MaxRaw is the most of the original text kept in Event.Raw.
	MaxRaw = 1 << 20
	// MaxParse is the largest input that is parsed at all: a larger one
	// is kept raw (its first MaxRaw bytes) with a parse error.
	MaxParse = 1 << 20
	// MaxMessage is the most of a message kept in the message field.
	MaxMessage = 64 << 10
	// MaxDepth is how deep nested objects are flattened.
	MaxDepth = 10
	// MaxFields is how many fields one event may have.
	MaxFields = 1000
)

// Input is what arrived for one event.
type Input struct {
	OrgID string
	// Input names how it arrived: "http", "syslog", "hec", "esbulk",
	// "import", "agent".
	Input    string
	Received time.Time
	// Raw is what the sender sent for one event: one syslog message
	// without framing, one JSON object, one line.
	Raw    []byte
	Format Format
	// Peer is the sender's IP when known (syslog): it becomes observer.ip,
	// and host.ip when the event names no other host.
	Peer string
	// ID is the client-supplied event ID, if any; "" derives one with
	// event.DeriveID so that a retried delivery gets the same ID.
	ID string
}

// Options configure a Normalizer. The zero value is usable.
type Options struct {
	// TimestampFields are the keys of a JSON object tried in order for
	// the event's time.
	TimestampFields []string
	// TimestampFormats are Go layouts tried after RFC 3339 and unix
	// seconds/milliseconds.
	TimestampFormats []string
	// MaxSkew: a timestamp further than this in the future (default 24h)
	// is replaced by the received time.
	MaxSkew time.Duration
	// MaxAge: a timestamp older than this (default 10 years) is replaced
	// by the received time. Raise it to import old archives.
	MaxAge time.Duration
	// Location is the zone of timestamps that carry none (RFC 3164
	// syslog, "2006-01-02 15:04:05"); default UTC.
	Location *time.Location
	// Zones are the zones of sources whose clocks are not in Location
	// (ParseSourceZones); an address rule applies from the start of the
	// event, a host rule once the syslog header names the host.
	Zones []SourceZone
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// DefaultTimestampFields are the JSON keys tried for an event's time when
// Options.TimestampFields is empty.
var DefaultTimestampFields = []string{"@timestamp", "timestamp", "time", "ts", "eventTime", "date", "TimeCreated", "_time"}

// DefaultTimestampFormats are the layouts tried when
// Options.TimestampFormats is empty, after RFC 3339 and unix times.
var DefaultTimestampFormats = []string{
	"2006-01-02T15:04:05.999999999Z0700",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999Z0700",
	"2006-01-02 15:04:05.999999999 -0700",
	"2006-01-02 15:04:05.999999999 MST",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02 15:04:05,999999999",
	"2006/01/02 15:04:05.999999999",
	"02/Jan/2006:15:04:05 -0700",
	time.RFC1123Z,
	time.RFC1123,
	time.RFC850,
	time.UnixDate,
	time.ANSIC,
	"Jan _2 2006 15:04:05.999999999 MST",
	"Jan _2 2006 15:04:05.999999999",
	"Jan _2 15:04:05.999999999",
	"01/02/2006 15:04:05",
	// .NET's and Windows' en-US form ("11/24/2026 9:05:00 AM"); with AM
	// or PM the order is month/day.
	"1/2/2006 3:04:05 PM",
	"2006-01-02",
}

// Normalizer parses and maps events. It is safe for concurrent use.
type Normalizer struct {
	tsFields  []string
	tsLayouts []string
	maxSkew   time.Duration
	maxAge    time.Duration
	loc       *time.Location
	zones     []SourceZone
	peerZones bool // some zone is for addresses
	hostZones bool // some zone is for host names
	now       func() time.Time

	// Counters, read with Stats.
	events, parseErrors, truncated, invalidUTF8, outOfRange atomic.Int64

	// states holds *state for reuse: their scratch slices (sent,
	// aliasHits, kb, pairs) and decoded maps (maps) keep their room from one event to the next.
	states sync.Pool
}

// Stats count what a Normalizer has seen since it was made.
type Stats struct {
	Events      int64 // events normalized
	ParseErrors int64 // events no parser understood (tagged event.TagParseError)
	Truncated   int64 // events whose Raw or fields were cut
	InvalidUTF8 int64 // events with bytes that are not UTF-8
	OutOfRange  int64 // events whose timestamp was replaced by the received time
}

// New returns a Normalizer.
func New(o Options) *Normalizer {
	n := &Normalizer{
		tsFields:  o.TimestampFields,
		tsLayouts: o.TimestampFormats,
		maxSkew:   o.MaxSkew,
		maxAge:    o.MaxAge,
		loc:       o.Location,
		zones:     o.Zones,
		now:       o.Now,
	}
	for _, z := range n.zones {
		n.peerZones = n.peerZones || z.Net.IsValid()
		n.hostZones = n.hostZones || z.Host != ""
	}
	if len(n.tsFields) == 0 {
		n.tsFields = DefaultTimestampFields
	}
	if len(n.tsLayouts) == 0 {
		n.tsLayouts = DefaultTimestampFormats
	}
	if n.maxSkew <= 0 {
		n.maxSkew = 24 * time.Hour
	}
	if n.maxAge <= 0 {
		n.maxAge = 10 * 365 * 24 * time.Hour
	}
	if n.loc == nil {
		n.loc = time.UTC
	}
	if n.now == nil {
		n.now = time.Now
	}
	return n
}

// Stats returns the counters.
func (n *Normalizer) Stats() Stats {
	return Stats{
		Events:      n.events.Load(),
		ParseErrors: n.parseErrors.Load(),
		Truncated:   n.truncated.Load(),
		InvalidUTF8: n.invalidUTF8.Load(),
		OutOfRange:  n.outOfRange.Load(),
	}
}

// state is one event being normalized.
type state struct {
	n *Normalizer
	// e is the event being made, handed to the caller by end; ev points
	// to it.
	e     event.Event
	ev    *event.Event
	f     event.Fields
	tags  []string
	ts    time.Time
	tsSet bool
	// tsName is where ts was read ("@timestamp", a JSON key, "syslog
	// timestamp"), for error.message when it is out of range.
	tsName   string
	received time.Time
	peer     string
	// loc is the zone of the times this event writes without one.
	loc *time.Location
	// parseErr is why the input was not understood ("" when it was).
	parseErr string
	// problems says what was wrong with fields of an understood event (a
	// value dropped or clamped, a time not read): error.message, unless
	// the sender set one or the event is a parse error.
	problems string
	// sevFromLevel: event.severity was derived from a level name, which a
	// sender's explicit severity replaces.
	sevFromLevel bool
	// sent are the sender's own keys (JSON, key=value) that are typed
	// columns, to be coerced; aliasHits index aliasList for its top-level
	// keys that have an ECS alias. Recorded as fields are stored, so that
	// no pass over all fields is needed afterwards.
	sent      []string
	aliasHits []int
	// overwrite lets flattenInto replace fields already set (but not
	// protected ones): a Winlogbeat document's own fields win.
	overwrite bool
	// idRaw is the input the ID is derived from, when the caller gave
	// none (derive): in finish, once it is known whether the event has
	// its own time.
	idRaw  string
	derive bool
	// kb is scratch space where flattenInto builds dotted keys.
	kb []byte
	// room is the size the fields were made for.
	room int
	// pairs is the JSON decoder's scratch space (see jsonDecoder.pairs).
	pairs []jsonPair
	// maps recycles the maps of decoded JSON objects; release reclaims
	// them.
	maps mapRecycler
}

// Normalize parses in.Raw according to in.Format and maps it to ECS.
func (n *Normalizer) Normalize(in Input) (ev event.Event) {
	// Room for the fields: syslog headers and auth mappings take about
	// 30; CEF, LEEF and key=value add about two per '='.
	hint := 32
	if len(in.Raw) < 4096 {
		hint += 2 * bytes.Count(in.Raw, []byte{'='})
	}
	if decodesToMap(in.Raw, in.Format) {
		// The object is decoded first and the fields are then made for
		// its size (jsonText): room made now would be thrown away.
		hint = 0
	}
	st, text := n.begin(&in, hint)
	defer n.end(st, &ev)
	if len(in.Raw) > MaxParse {
		st.fail(fmt.Sprintf("cannot parse event: %d bytes is over the %d-byte limit", len(in.Raw), MaxParse))
		st.setMessage(text)
		st.finish()
		return
	}
	st.parse(text, in.Format)
	st.finish()
	return // ev is set by end
}

// NormalizeObject maps an already-decoded JSON object (HTTP JSON API,
// Splunk HEC "event", Elasticsearch _bulk documents). in.Raw must hold its
// text. Numbers may be float64, json.Number, int64 or int. A Windows event
// (evtx shape or Winlogbeat's) is mapped as NormalizeWindows does.
func (n *Normalizer) NormalizeObject(in Input, obj map[string]any) (ev event.Event) {
	hint := 16 + 2*len(obj)
	if isWindowsShape(obj) {
		hint = 40 + 2*eventDataLen(obj)
	}
	st, _ := n.begin(&in, hint)
	defer n.end(st, &ev)
	st.object(obj)
	st.finish()
	return // ev is set by end
}

// NormalizeWindows maps a Windows event given as a map: the evtx shape
// {"Event":{"System":{...},"EventData":{...}}} (as evtx.Read or evtx_dump
// produce it; also without the "Event" wrapper), or Winlogbeat's document
// with "winlog": {...}.
func (n *Normalizer) NormalizeWindows(in Input, rec map[string]any) (ev event.Event) {
	st, _ := n.begin(&in, 40+2*eventDataLen(rec))
	defer n.end(st, &ev)
	if !st.windows(rec) {
		st.fail("cannot map Windows event: no System or winlog section")
		st.flattenInto("", rec, 0)
		st.set("event.dataset", "unknown")
	}
	st.finish()
	return // ev is set by end
}

// decodesToMap says whether raw is JSON that jsonText decodes into a map
// before mapping it (a Windows event), rather than straight into fields.
func decodesToMap(raw []byte, format Format) bool {
	switch format {
	case FormatAuto, "", FormatJSON, FormatWindows:
	default:
		return false
	}
	s := bytes.TrimLeft(raw, " \t\r\n")
	if len(s) == 0 || s[0] != '{' || len(raw) > MaxParse {
		return false
	}
	return format == FormatWindows || bytes.Contains(s, []byte(`"System"`)) || bytes.Contains(s, []byte(`"winlog"`))
}

// begin fills what every event gets, whatever its content: ID, org,
// input, received time and the original text (valid UTF-8, at most MaxRaw
// bytes). It returns the text to parse.
func (n *Normalizer) begin(in *Input, hint int) (*state, string) {
	n.events.Add(1)
	received := in.Received
	if received.IsZero() {
		received = n.now()
	}
	st, _ := n.states.Get().(*state)
	if st == nil {
		st = &state{}
	}
	ev := &st.e
	ev.OrgID = in.OrgID
	ev.Input = in.Input
	ev.Ingested = received
	ev.Fields = make(event.Fields, min(hint, MaxFields))
	st.n, st.ev, st.f, st.received, st.peer, st.room = n, ev, ev.Fields, received, in.Peer, hint
	st.loc = n.zoneOfPeer(in.Peer)
	if in.ID != "" {
		ev.ID = in.ID
	} else {
		// The hash reads the bytes without copying them (in finish, still
		// inside the caller's call): a 10 MB line would otherwise be
		// copied once only to be hashed.
		st.derive = true
		st.idRaw = unsafe.String(unsafe.SliceData(in.Raw), len(in.Raw))
	}
	raw := in.Raw
	if len(raw) > MaxRaw {
		// Only what is kept is converted (MaxParse == MaxRaw: a longer
		// event is not parsed), cut between two characters.
		i := MaxRaw
		for i > MaxRaw-utf8.UTFMax && !utf8.RuneStart(raw[i]) {
			i--
		}
		raw = raw[:i]
		st.tag(TagRawTruncated)
		n.truncated.Add(1)
	}
	text := string(raw)
	if !utf8.ValidString(text) {
		// Each replacement may be longer than what it replaces.
		text = truncateUTF8(strings.ToValidUTF8(text, "\uFFFD"), MaxRaw)
		st.tag(TagInvalidUTF8)
		n.invalidUTF8.Add(1)
	}
	ev.Raw = text
	return st, text
}

// end ends a Normalize call, deferred: a panic in a parser becomes a
// parse error (the event is still stored), the event is handed to the
// caller and st goes back to the pool.
func (n *Normalizer) end(st *state, ev *event.Event) {
	if r := recover(); r != nil {
		st.recovered(r)
	}
	*ev = st.e
	n.release(st)
}

// release returns st to the pool once its event is finished. Only the
// scratch slices are kept, emptied: the event owns everything else (the
// tags slice among them).
func (n *Normalizer) release(st *state) {
	clear(st.sent)
	clear(st.aliasHits)
	st.maps.reclaim()
	*st = state{sent: st.sent[:0], aliasHits: st.aliasHits[:0], kb: st.kb[:0], pairs: st.pairs[:0], maps: st.maps}
	n.states.Put(st)
}

// grow gives the still-empty fields room for n entries: a map that
// grows while it is filled rehashes every time.
func (st *state) grow(n int) {
	if n > st.room && len(st.f) == 0 {
		if n > MaxFields {
			n = MaxFields
		}
		st.f = make(event.Fields, n)
		st.ev.Fields = st.f
		st.room = n
	}
}

// recovered turns a panic in a parser into a parse error: the event is
// still stored. Fuzz tests look for the error text.
func (st *state) recovered(r any) {
	st.f = make(event.Fields, 8)
	st.ev.Fields = st.f
	st.tags = st.tags[:0]
	st.tsSet, st.tsName = false, ""
	st.problems = ""
	st.fail(fmt.Sprintf("internal error: %v", r))
	st.setMessage(st.ev.Raw)
	st.finish()
}

// parse dispatches on the requested format.
func (st *state) parse(text string, format Format) {
	switch format {
	case FormatAuto, "":
		st.auto(text)
	case FormatJSON:
		st.jsonText(text, false)
	case FormatWindows:
		if s := strings.TrimLeft(text, " \t\r\n\ufeff"); strings.HasPrefix(s, "<") {
			st.windowsXML(s)
		} else {
			st.jsonText(text, true)
		}
	case FormatSyslog:
		st.syslog(text)
	case FormatCEF:
		s := strings.TrimLeft(text, " \t\r\n\ufeff")
		if err := st.cef(s); err != nil {
			st.failRaw(err.Error(), text)
		}
	case FormatLEEF:
		s := strings.TrimLeft(text, " \t\r\n\ufeff")
		if err := st.leef(s); err != nil {
			st.failRaw(err.Error(), text)
		}
	case FormatKV:
		if !st.kvLine(text, 1) {
			st.failRaw("cannot parse key=value: no pairs", text)
		}
	case FormatPlain:
		tags := len(st.tags)
		st.auto(text)
		if st.parseErr != "" {
			st.tags = st.tags[:tags] // those of the fields dropped here go too
			// The sender said it is text: text that no parser reads (or
			// that looked like a format and was not, as a JSON object
			// cut short) is an event all the same, with its message.
			st.parseErr = ""
			st.problems = ""
			st.failRaw("", strings.TrimLeft(text, "\ufeff"))
			st.set("event.dataset", "plain")
		}
	default:
		st.failRaw(fmt.Sprintf("cannot parse event: unknown format %q", string(format)), text)
	}
}

// auto detects the format of text and parses it.
func (st *state) auto(text string) {
	s := strings.TrimLeft(text, " \t\r\n\ufeff")
	if s == "" {
		st.failRaw("cannot parse event: empty", text)
		return
	}
	switch s[0] {
	case '{':
		st.jsonText(s, false)
		return
	case '<':
		if _, _, ok := syslogPRI(s); ok {
			st.syslog(s)
			return
		}
		if isWindowsXML(s) {
			st.windowsXML(s)
			return
		}
	}
	switch {
	case strings.HasPrefix(s, "CEF:"):
		if err := st.cef(s); err != nil {
			st.failRaw(err.Error(), text)
		}
		return
	case strings.HasPrefix(s, "LEEF:"):
		if err := st.leef(s); err != nil {
			st.failRaw(err.Error(), text)
		}
		return
	}
	if _, rest, ok := bsdTimestamp(s, st.received, st.loc); ok && rest != s {
		st.syslog(s)
		return
	}
	if _, rest, ok := isoTimestampPrefix(s, st.loc, false); ok && (rest == "" || rest[0] == ' ') {
		st.syslog(s)
		return
	}
	if prog, pid, msg, ok := splitTag(s); ok {
		// A syslog message without its header ("sshd[42]: ...", as
		// journalctl and some relays write it).
		if isAuthProgram(prog) {
			st.set("event.dataset", "linux.auth")
			st.syslogTag(prog, pid)
			st.setMessage(msg)
			st.auth(prog, msg)
			return
		}
		if st.accessLog(msg, prog) {
			st.syslogTag(prog, pid)
			st.setMessage(strings.TrimRight(msg, "\r\n"))
			return
		}
	}
	if st.authPhrase(s) {
		st.setMessage(s)
		return
	}
	if s[0] == '[' && st.apacheError(strings.TrimRight(s, "\r\n"), "") {
		return
	}
	if st.accessLog(s, "") {
		st.setMessage(strings.TrimRight(s, "\r\n"))
		return
	}
	if strings.IndexByte(s, '%') >= 0 && st.cisco(s) {
		return
	}
	if st.kvLine(s, 2) {
		return
	}
	st.failRaw("cannot parse event: no parser recognised the input", text)
}

// fail marks the event as not understood.
func (st *state) fail(reason string) {
	if st.parseErr == "" && reason != "" {
		st.parseErr = reason
	}
}

// failRaw marks the event as not understood and keeps its text as the
// message: the event is still searchable. An empty reason only resets the
// fields to the message.
func (st *state) failRaw(reason, text string) {
	st.fail(reason)
	for k := range st.f {
		delete(st.f, k)
	}
	st.tsSet, st.tsName = false, ""
	st.setMessage(strings.TrimRight(text, "\r\n"))
}

// finish fills what every event must have and checks the timestamp.
func (st *state) finish() {
	f := st.f
	ev := st.ev
	ev.Timestamp = st.received
	own := false
	if st.tsSet {
		now := st.n.now()
		switch {
		case st.ts.After(now.Add(st.n.maxSkew)), st.ts.Before(now.Add(-st.n.maxAge)):
			f["event.created"] = st.ts.UTC().Format(time.RFC3339Nano)
			st.tag(TagTimestampOutOfRange)
			st.n.outOfRange.Add(1)
			st.problem(st.outOfRangeText(now))
		default:
			ev.Timestamp = st.ts.UTC()
			own = true
		}
	}
	if st.parseErr != "" {
		st.tag(event.TagParseError)
		f["error.message"] = st.parseErr
		if _, ok := f["event.dataset"]; !ok {
			f["event.dataset"] = "unknown"
		}
		st.n.parseErrors.Add(1)
	} else if st.problems != "" {
		// A sender's own error.message is kept, and what was wrong
		// with the event follows it.
		f["error.message"] = AppendMessage(f["error.message"], st.problems)
	}
	if _, ok := f["event.kind"]; !ok {
		f["event.kind"] = "event"
	}
	if _, ok := f["event.dataset"]; !ok {
		f["event.dataset"] = "unknown"
	}
	if _, ok := f["event.severity"]; !ok {
		f["event.severity"] = int64(event.SeverityInfo)
	}
	if st.peer != "" {
		if ip, ok := cleanIP(st.peer); ok {
			if _, has := f["observer.ip"]; !has {
				f["observer.ip"] = ip
			}
			// The peer is the event's host only when the event names no
			// other: behind a relay, the peer is the relay.
			if _, has := f["host.ip"]; !has {
				if h, _ := f["host.name"].(string); h == "" || h == ip {
					f["host.ip"] = ip
				}
			}
		}
	}
	if st.derive {
		// An event with its own time is identified by its content: a
		// retry is the same event. One that takes the arrival time is
		// identified by content and arrival: the same line sent again
		// later is another occurrence, not the same ID stored twice (a
		// retry that must be recognised carries an Idempotency-Key, which
		// gives it the first delivery's arrival time).
		if own {
			ev.ID = event.DeriveID(ev.OrgID, ev.Input, st.idRaw)
		} else {
			ev.ID = event.DeriveIDAt(ev.OrgID, ev.Input, st.idRaw, st.received)
		}
	}
	if len(f) > MaxFields {
		st.trimFields()
	}
	if len(st.tags) > 0 {
		if old, ok := f["tags"].([]string); ok {
			for _, t := range st.tags {
				if !contains(old, t) {
					old = append(old, t)
				}
			}
			f["tags"] = old
		} else {
			f["tags"] = st.tags
		}
	}
}

// trimFields drops fields beyond MaxFields, keeping ours.
func (st *state) trimFields() {
	n := 0
	for k := range st.f {
		n++
		if n > MaxFields && !strings.HasPrefix(k, "event.") && k != "message" && k != "tags" {
			delete(st.f, k)
		}
	}
	st.truncatedTag()
}

func (st *state) truncatedTag() {
	for _, t := range st.tags {
		if t == TagTruncated {
			return
		}
	}
	st.tag(TagTruncated)
	st.n.truncated.Add(1)
}

func (st *state) tag(t string) {
	st.tags = append(st.tags, t)
}

// maxProblems bounds the text of problems kept for error.message.
const maxProblems = 1024

// problem records what was wrong with a field of an understood event, for
// error.message. Only events with such a problem pay for the text.
func (st *state) problem(msg string) {
	switch {
	case st.problems == "":
		st.problems = truncateUTF8(msg, maxProblems)
	case len(st.problems) < maxProblems:
		st.problems = truncateUTF8(st.problems+"; "+msg, maxProblems)
	}
}

// invalid records a field whose value was dropped or changed: tag
// _invalid_field (once) and a problem naming the field and the value.
func (st *state) invalid(msg string) {
	if !contains(st.tags, TagInvalidField) {
		st.tag(TagInvalidField)
	}
	st.problem(msg)
}

// setTime records the event's own time (checked in finish), read from
// the field or header part named from.
func (st *state) setTime(t time.Time, from string) {
	st.ts = t
	st.tsSet = true
	st.tsName = from
}

// outOfRangeText says why the event's own time was replaced by the
// arrival time, for error.message.
func (st *state) outOfRangeText(now time.Time) string {
	name := st.tsName
	if name == "" {
		name = "timestamp"
	}
	return OutOfRangeText(name, st.ts, now, st.n.maxSkew, st.n.maxAge)
}

// OutOfRangeText says that a time read from field was replaced by the
// arrival time because it is more than maxFuture ahead of now or more
// than maxPast behind it: the error.message of an event tagged
// TagTimestampOutOfRange.
func OutOfRangeText(field string, t, now time.Time, maxFuture, maxPast time.Duration) string {
	how := "more than " + spanText(maxPast) + " old (timestamp_max_age)"
	if t.After(now) {
		how = "more than " + spanText(maxFuture) + " in the future (timestamp_max_future)"
	}
	return fmt.Sprintf("%s: %s is %s; the arrival time is used (event.created keeps it)", field, t.UTC().Format(time.RFC3339Nano), how)
}

// spanText writes a duration as people set it: "24h", "3650 days", "90m".
func spanText(d time.Duration) string {
	const day = 24 * time.Hour
	if d >= 2*day && d%day == 0 {
		return strconv.FormatInt(int64(d/day), 10) + " days"
	}
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// AppendMessage adds msg to an event's error.message old (the sender's,
// or nil when there is none), after "; ": what was wrong with the event
// never hides what the sender said, nor the reverse.
func AppendMessage(old any, msg string) string {
	s, ok := old.(string)
	if !ok && old != nil {
		s, _ = scalarString(old)
	}
	switch {
	case s == "":
		return msg
	case strings.Contains(s, msg):
		return s
	}
	return s + "; " + msg
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// truncateUTF8 cuts s to at most max bytes without splitting a rune.
func truncateUTF8(s string, max int) string {
	if len(s) <= max {
		return s
	}
	i := max
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i]
}
