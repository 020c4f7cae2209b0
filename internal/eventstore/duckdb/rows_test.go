package duckdb

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/eventsec/eventsec/internal/event"
)

// Nested objects and arrays are encoded without encoding/json; what
// comes back must be what json.Marshal would have stored, and floats
// stay floats at every depth.
func TestEncodeFieldsNested(t *testing.T) {
	f := event.Fields{
		"winlog.event_data": map[string]any{
			"b": "x\"<y>&\n",
			"a": []any{int64(1), 2.5, 3.0, true, nil, map[string]any{"z": "é\x00"}},
		},
		"labels": []any{"one", int64(2)},
		"count":  int64(7),
	}
	keys := []string{"winlog.event_data", "labels", "count"}
	enc := encodeFields(f, keys)
	if !json.Valid(enc) {
		t.Fatalf("not JSON: %s", enc)
	}
	want := `{"count":7,"labels":["one",2],"winlog.event_data":{"a":[1,2.5,3.0,true,null,{"z":"é\u0000"}],"b":"x\"<y>&\n"}}`
	if string(enc) != want {
		t.Fatalf("encodeFields:\n got %s\nwant %s", enc, want)
	}
	got := event.Fields{}
	if err := decodeFields(got, string(enc)); err != nil {
		t.Fatal(err)
	}
	inner := got["winlog.event_data"].(map[string]any)["a"].([]any)
	if !reflect.DeepEqual(inner[:3], []any{int64(1), 2.5, 3.0}) {
		t.Fatalf("numbers came back as %#v", inner[:3])
	}
}

// Strings come back from the fields JSON as they went in: escapes,
// control characters, multi-byte text; invalid UTF-8 becomes U+FFFD.
func TestAppendJSONStringRoundTrip(t *testing.T) {
	for _, s := range []string{
		"", "plain ascii", `quote " and \ backslash`, "tab\tnew\nline\rcr", "\x00\x01\x1f\x7f",
		"é ü 中文 🎉", "mixed é\"\\\n🎉end", "\xff\xfe invalid", "trailing \xe2\x82",
	} {
		b := event.AppendJSONString(nil, s)
		var got string
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatalf("%q: %s is not a JSON string: %v", s, b, err)
		}
		want := strings.ToValidUTF8(s, "\uFFFD")
		if !utf8.ValidString(s) {
			// Each invalid byte is its own replacement character.
			want = ""
			for i := 0; i < len(s); {
				r, n := utf8.DecodeRuneInString(s[i:])
				want += string(r)
				i += n
			}
		}
		if got != want {
			t.Errorf("%q came back as %q, want %q", s, got, want)
		}
	}
}

// fieldsSamples are fields JSON texts: what encodeFields writes, and
// what it does not (left to encoding/json).
var fieldsSamples = []string{
	`{}`, ` { } `, `{"a":"b"}`, `{"a":1,"b":-2.5,"c":1e3,"d":-0,"e":0.0,"f":99999999999999999999,"g":-9223372036854775808}`,
	`{"t":true,"f":false,"n":null}`, `{"l":[],"m":["x","y\"z"],"n":[ "a" , "b" ]}`,
	`{"esc":"q\" b\\ s\/ \b\f\n\r\t \u00e9 \ud83c\udf89 \ud800 \udc00x \ud800\u0041"}`,
	`{"utf":"é ü 中文 🎉"}`, `{"dup":"1","dup":"2"}`, "{\n\t\"ws\" :\r \"v\" \n}",
	`{"nested":{"a":1}}`, `{"mixed":["a",1]}`, `{"bad":"\x"}`, `{"a":01}`, `{"a":1.}`, `{"a":.5}`, `{"a":-}`,
	`{"a":1e400}`, `{"a":"x"`, `{"a":"x"} trailing`, `[1]`, `{"a" "b"}`, `{"a":tru}`, `{"a":"ctl` + "\x01" + `"}`,
	"{\"inv\":\"\xff\"}", `{"u":"\u12"}`, `{"a":1,}`, ``, `{"a":[1,2]}`, `{"a":[{"b":1}]}`, `{"a":-1E-2}`,
}

func decodeBoth(s string) (fast, slow event.Fields, fastErr, slowErr error) {
	fast, slow = event.Fields{}, event.Fields{}
	fastErr = decodeFields(fast, s)
	slowErr = decodeFieldsJSON(slow, s)
	return
}

// The hand-written reader gives what encoding/json gives, for what it
// reads and for what it leaves to encoding/json.
func TestDecodeFieldsMatchesEncodingJSON(t *testing.T) {
	flat := 0
	for _, s := range fieldsSamples {
		fast, slow, fe, se := decodeBoth(s)
		if (fe == nil) != (se == nil) || fe == nil && !reflect.DeepEqual(fast, slow) {
			t.Errorf("%q:\n hand     %#v, %v\n encoding %#v, %v", s, fast, fe, slow, se)
		}
		if decodeFlat(event.Fields{}, s) {
			flat++
		}
	}
	if flat < 10 {
		t.Errorf("only %d samples read by hand", flat)
	}
	// What encodeFields writes is read by hand.
	f := event.Fields{"message": "é\"\n\x01", "source.port": int64(22), "score": 2.5, "ok": true, "process.args": []string{"a", "b"}, "none": nil}
	enc := encodeFields(f, []string{"message", "source.port", "score", "ok", "process.args", "none"})
	got := event.Fields{}
	if !decodeFlat(got, string(enc)) || !reflect.DeepEqual(got, f) {
		t.Fatalf("%s read by hand as %#v", enc, got)
	}
}

func FuzzDecodeFields(f *testing.F) {
	for _, s := range fieldsSamples {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		fast, slow, fe, se := decodeBoth(s)
		if (fe == nil) != (se == nil) {
			t.Fatalf("%q: hand %v, encoding/json %v", s, fe, se)
		}
		if fe == nil && !reflect.DeepEqual(fast, slow) {
			t.Fatalf("%q:\n hand     %#v\n encoding %#v", s, fast, slow)
		}
	})
}

func BenchmarkDecodeFields(b *testing.B) {
	f := event.Fields{"message": "Failed password for invalid user admin from 203.0.113.7 port 52144 ssh2", "source.ip": "203.0.113.7",
		"source.port": int64(52144), "user.name": "admin", "event.category": []string{"authentication"}, "event.outcome": "failure",
		"event.severity": int64(5), "host.name": "web-01", "process.name": "sshd", "process.pid": int64(812), "event.kind": "event",
		"event.type": []string{"start"}, "event.action": "ssh_login", "observer.type": "host", "log.level": "info", "related.ip": []string{"203.0.113.7"},
		"source.geo.country_iso_code": "NL", "source.geo.location.lat": 52.37, "source.as.number": int64(1136)}
	keys := make([]string, 0, len(f))
	for k := range f {
		keys = append(keys, k)
	}
	enc := string(encodeFields(f, keys))
	for _, name := range []string{"hand", "encoding/json"} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				got := make(event.Fields, 24)
				var err error
				if name == "hand" {
					err = decodeFields(got, enc)
				} else {
					err = decodeFieldsJSON(got, enc)
				}
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// An exported NDJSON line holds the values json.Marshal would have
// written for the same document (the text may differ: floats keep a
// fraction, <>& are not escaped).
func TestWriteNDJSONValues(t *testing.T) {
	ev := event.Event{ID: "x1", OrgID: "o", Timestamp: time.Date(2026, 11, 24, 1, 2, 3, 4000, time.UTC), Ingested: time.Date(2026, 11, 24, 1, 2, 4, 0, time.UTC),
		Raw: "<raw> & \"quoted\"", Fields: event.Fields{
			"message": "a <b> & c\u2028", "event.severity": int64(7), "score": 3.0, "big": 1e21, "small": 1e-7, "neg": -2.5,
			"process.args": []string{"sh", "-c"}, "a": "leaf", "a.b": "clash", "event.kind": "alert", "none": nil, "ok": true,
			"winlog.event_data": map[string]any{"z": []any{int64(1), "x", nil}},
		}}
	var buf bytes.Buffer
	if err := writeNDJSON(&buf, ev); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasSuffix(buf.Bytes(), []byte("\n")) || bytes.Count(buf.Bytes(), []byte("\n")) != 1 {
		t.Fatalf("not one line: %q", buf.String())
	}
	var got, want any
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatalf("%s: %v", buf.String(), err)
	}
	doc := ev.Fields.Nested()
	doc["@timestamp"] = ev.Timestamp.Format(time.RFC3339Nano)
	doc["_id"] = ev.ID
	m := doc["event"].(map[string]any)
	m["ingested"], m["original"] = ev.Ingested.Format(time.RFC3339Nano), ev.Raw
	j, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	json.Unmarshal(j, &want)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("exported\n %s\njson.Marshal\n %s", buf.String(), j)
	}
}
