package duckdb

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
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
		b := appendJSONString(nil, s)
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
