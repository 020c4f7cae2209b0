package normalize

import (
	"bytes"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/eventsec/eventsec/internal/event"
)

func hasTag(ev event.Event, tag string) bool {
	tags, _ := ev.Fields["tags"].([]string)
	return contains(tags, tag)
}

// TestBadInput feeds what senders get wrong: each event must be kept,
// raw or parsed, with a reason, and nothing may panic.
func TestBadInput(t *testing.T) {
	n := testNormalizer()
	norm := func(raw []byte, format Format) event.Event {
		t.Helper()
		ev := n.Normalize(Input{OrgID: "o", Input: "syslog", Received: received, Raw: raw, Format: format})
		if strings.HasPrefix(ev.Fields.Str("error.message"), "internal error") {
			t.Fatalf("parser panicked: %s", ev.Fields.Str("error.message"))
		}
		if ev.ID == "" || ev.Fields.Str("event.dataset") == "" {
			t.Fatalf("incomplete event: %+v", ev)
		}
		return ev
	}

	t.Run("10 MB line", func(t *testing.T) {
		raw := bytes.Repeat([]byte("A"), 10<<20)
		for _, f := range []Format{FormatAuto, FormatJSON, FormatSyslog, FormatCEF} {
			ev := norm(raw, f)
			if len(ev.Raw) != MaxRaw || !hasTag(ev, TagRawTruncated) || !hasTag(ev, event.TagParseError) {
				t.Errorf("%s: raw %d bytes, tags %v", f, len(ev.Raw), ev.Fields["tags"])
			}
			if len(ev.Fields.Str("message")) > MaxMessage {
				t.Errorf("%s: message of %d bytes", f, len(ev.Fields.Str("message")))
			}
			if ev.ID != event.DeriveIDAt("o", "syslog", string(raw), received) {
				t.Errorf("%s: the ID must cover the whole input", f)
			}
		}
	})
	t.Run("long syslog line under the parse limit", func(t *testing.T) {
		raw := "<13>Feb 29 10:00:00 host app: " + strings.Repeat("x", 900<<10)
		ev := norm([]byte(raw), FormatAuto)
		if ev.Fields.Str("host.name") != "host" || len(ev.Fields.Str("message")) != MaxMessage || hasTag(ev, event.TagParseError) {
			t.Errorf("fields %v", len(ev.Fields.Str("message")))
		}
	})
	t.Run("invalid UTF-8", func(t *testing.T) {
		ev := norm([]byte("<13>Feb 29 10:00:00 host app: caf\xe9 \xc3\x28 ok"), FormatAuto)
		if !hasTag(ev, TagInvalidUTF8) || ev.Fields.Str("message") != "caf\uFFFD \uFFFD( ok" || !strings.Contains(ev.Raw, "\uFFFD") {
			t.Errorf("raw %q fields %v", ev.Raw, ev.Fields)
		}
		ev = norm([]byte("{\"msg\":\"bad \xff byte\",\"user\":\"b\xc0b\"}"), FormatAuto)
		if !hasTag(ev, TagInvalidUTF8) || ev.Fields.Str("user.name") != "b\uFFFDb" {
			t.Errorf("fields %v", ev.Fields)
		}
	})
	t.Run("binary garbage", func(t *testing.T) {
		rng := rand.New(rand.NewPCG(1, 2))
		for i := 0; i < 200; i++ {
			b := make([]byte, rng.IntN(4096))
			for j := range b {
				b[j] = byte(rng.UintN(256))
			}
			for _, f := range []Format{FormatAuto, FormatJSON, FormatSyslog, FormatCEF, FormatLEEF, FormatKV, FormatWindows} {
				ev := norm(b, f)
				if !utf8Valid(ev) {
					t.Fatalf("invalid UTF-8 kept: %q", ev.Raw)
				}
			}
		}
	})
	t.Run("truncated CEF", func(t *testing.T) {
		full := `CEF:0|Security|threatmanager|1.0|100|worm successfully stopped|10|src=10.0.0.1 dst=2.1.2.2 spt=1232 msg=hello\=world`
		for i := 0; i <= len(full); i++ {
			ev := norm([]byte(full[:i]), FormatAuto)
			parsed := ev.Fields.Str("event.dataset") == "cef"
			if parsed == hasTag(ev, event.TagParseError) {
				t.Errorf("%q: dataset %q tags %v", full[:i], ev.Fields.Str("event.dataset"), ev.Fields["tags"])
			}
		}
	})
	t.Run("far future and far past", func(t *testing.T) {
		for _, ts := range []string{"9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z", "1900-01-01T00:00:00Z", "99999999999"} {
			raw := `{"@timestamp":"` + ts + `"}`
			if ts[0] != '9' && ts[0] != '0' && ts[0] != '1' {
				raw = `{"@timestamp":` + ts + `}`
			}
			ev := norm([]byte(raw), FormatAuto)
			if !ev.Timestamp.Equal(received) || !hasTag(ev, TagTimestampOutOfRange) || ev.Fields.Str("event.created") == "" {
				t.Errorf("%s: timestamp %v tags %v", ts, ev.Timestamp, ev.Fields["tags"])
			}
			if msg := ev.Fields.Str("error.message"); !strings.HasPrefix(msg, "@timestamp: ") || !strings.Contains(msg, "the arrival time is used") {
				t.Errorf("%s: error.message %q does not name @timestamp", ts, msg)
			}
		}
		ev := norm([]byte("<34>1 2999-10-11T22:14:15.003Z host app - - - msg"), FormatAuto)
		if !ev.Timestamp.Equal(received) || !hasTag(ev, TagTimestampOutOfRange) {
			t.Errorf("syslog: %v %v", ev.Timestamp, ev.Fields["tags"])
		}
	})
	t.Run("5,000-deep JSON", func(t *testing.T) {
		deep := strings.Repeat(`{"a":`, 5000) + "1" + strings.Repeat("}", 5000)
		ev := norm([]byte(deep), FormatAuto)
		if !hasTag(ev, TagTruncated) || hasTag(ev, event.TagParseError) || ev.Fields.Str("event.dataset") != "json" {
			t.Errorf("fields %v", ev.Fields)
		}
		arr := `{"x":` + strings.Repeat("[", 5000) + strings.Repeat("]", 5000) + `,"y":2}`
		ev = norm([]byte(arr), FormatAuto)
		if !hasTag(ev, TagTruncated) || ev.Fields["y"] != int64(2) {
			t.Errorf("fields %v", ev.Fields)
		}
		// Unbalanced: rejected with a reason, not a stack overflow.
		ev = norm([]byte(strings.Repeat(`{"a":[`, 100000)), FormatAuto)
		if !hasTag(ev, event.TagParseError) {
			t.Errorf("fields %v", ev.Fields)
		}
		// Decoded objects given by a caller are cut at MaxDepth too.
		obj := map[string]any{}
		m := obj
		for i := 0; i < 5000; i++ {
			c := map[string]any{}
			m["a"] = c
			m = c
		}
		ev = n.NormalizeObject(Input{OrgID: "o", Input: "http", Raw: []byte("{}")}, obj)
		if !hasTag(ev, TagTruncated) {
			t.Errorf("NormalizeObject: %v", ev.Fields)
		}
	})
	t.Run("100k keys", func(t *testing.T) {
		var b strings.Builder
		b.WriteString(`{"message":"many",`)
		for i := 0; i < 100000; i++ {
			if i > 0 {
				b.WriteByte(',')
			}
			// Short keys: the document stays under MaxParse.
			b.WriteString(`"k` + strconv.FormatInt(int64(i), 36) + `":0`)
		}
		b.WriteString("}")
		start := time.Now()
		ev := norm([]byte(b.String()), FormatAuto)
		if len(ev.Fields) > MaxFields+10 || !hasTag(ev, TagTruncated) || ev.Fields.Str("event.dataset") != "json" {
			t.Errorf("%d fields, tags %v", len(ev.Fields), ev.Fields["tags"])
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("took %v", d)
		}
		obj := map[string]any{}
		for i := 0; i < 100000; i++ {
			obj["k"+strconv.Itoa(i)] = i
		}
		ev = n.NormalizeObject(Input{OrgID: "o", Input: "http", Raw: []byte("{}")}, obj)
		if len(ev.Fields) > MaxFields+10 || !hasTag(ev, TagTruncated) {
			t.Errorf("NormalizeObject: %d fields", len(ev.Fields))
		}
	})
	t.Run("many syslog structured data params", func(t *testing.T) {
		var b strings.Builder
		b.WriteString("<13>1 2024-02-29T10:00:00Z h a - - [x@1")
		for i := 0; i < 5000; i++ {
			b.WriteString(` p` + strconv.Itoa(i) + `="v"`)
		}
		b.WriteString("] msg")
		ev := norm([]byte(b.String()), FormatAuto)
		if len(ev.Fields) > MaxFields+10 || !hasTag(ev, TagTruncated) {
			t.Errorf("%d fields", len(ev.Fields))
		}
	})
	t.Run("NUL bytes and control characters", func(t *testing.T) {
		ev := norm([]byte("<13>Feb 29 10:00:00 host app: a\x00b\x1bc"), FormatAuto)
		if ev.Fields.Str("message") != "a\x00b\x1bc" {
			t.Errorf("message %q", ev.Fields.Str("message"))
		}
	})
}

func utf8Valid(ev event.Event) bool {
	if !strings.EqualFold(strings.ToValidUTF8(ev.Raw, "?"), ev.Raw) {
		return false
	}
	for k, v := range ev.Fields {
		if strings.ToValidUTF8(k, "?") != k {
			return false
		}
		if s, ok := v.(string); ok && strings.ToValidUTF8(s, "?") != s {
			return false
		}
	}
	return true
}

// TestPathological feeds inputs built to make a parser go quadratic or
// recurse: each must be handled in a few milliseconds per 100 KB.
func TestPathological(t *testing.T) {
	n := testNormalizer()
	const size = 900 << 10 // under MaxParse: every parser runs
	rep := func(s string) string { return strings.Repeat(s, size/len(s)) }
	cases := map[string]string{
		"kv a=":            rep("a="),
		"kv a= spaced":     rep("a= "),
		"kv words":         rep("a "),
		"kv quotes":        rep(`a="`),
		"equals":           rep("="),
		"backslashes":      "CEF:0|a|b|c|d|e|5|" + rep(`\`),
		"cef pairs":        "CEF:0|a|b|c|d|e|5|" + rep(`k=v\= `),
		"cef labels":       "CEF:0|a|b|c|d|e|5|" + rep(`cs1=x cs1Label=y `),
		"cef key chars":    "CEF:0|a|b|c|d|e|5|" + rep("abcdefgh") + "=1",
		"leef":             "LEEF:2.0|a|b|c|d|^|" + rep("k=v^"),
		"leef spaces":      "LEEF:1.0|a|b|c|d|" + rep("k=v "),
		"syslog sd":        "<13>1 2024-02-29T10:00:00Z h a - - [x" + rep(` a="\]`),
		"syslog brackets":  "<13>1 2024-02-29T10:00:00Z h a - - " + rep("[x]"),
		"pam":              "<38>Feb 29 10:00:00 h sshd[1]: " + rep("pam_unix("),
		"ssh for":          "<38>Feb 29 10:00:00 h sshd[1]: Accepted password " + rep("for ") + " from 1.2.3.4 port 1",
		"ssh from":         "<38>Feb 29 10:00:00 h sshd[1]: Failed password for " + rep(" from "),
		"sudo":             "<38>Feb 29 10:00:00 h sudo: " + rep("a : B=c ; "),
		"cisco":            rep("%A-1-B:"),
		"json strings":     `{"a":"` + rep(`\u00e9`) + `"}`,
		"json array":       `{"a":[` + rep("1,") + `1]}`,
		"json objects":     `{"a":[` + rep(`{"b":1},`) + `{}]}`,
		"json keys nested": rep(`{"a":{"b":1},"c":`) + "1",
		"xml":              "<Event>" + rep("<a>"),
		"xml data":         `<Event><System><EventID>1</EventID></System><EventData>` + rep(`<Data Name="x">y</Data>`) + `</EventData></Event>`,
	}
	for name, raw := range cases {
		start := time.Now()
		ev := n.Normalize(Input{OrgID: "o", Input: "http", Received: received, Raw: []byte(raw)})
		d := time.Since(start)
		t.Logf("%s: %v", name, d)
		// Generous: the race detector and a busy machine slow this down
		// tenfold; quadratic behaviour would take minutes.
		if d > 5*time.Second {
			t.Errorf("%s: took %v", name, d)
		}
		if strings.HasPrefix(ev.Fields.Str("error.message"), "internal error") || len(ev.Fields) > MaxFields+20 {
			t.Errorf("%s: %d fields, %s", name, len(ev.Fields), ev.Fields.Str("error.message"))
		}
	}
}
