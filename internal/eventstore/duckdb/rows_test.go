package duckdb

import (
	"encoding/json"
	"reflect"
	"testing"

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
