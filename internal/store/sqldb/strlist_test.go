package sqldb

import (
	"reflect"
	"testing"
)

// decodeStrList reads back whatever strList writes, by its fast path or
// encoding/json's.
func TestDecodeStrList(t *testing.T) {
	for _, in := range [][]string{
		nil, {}, {""}, {"a"}, {"0192e1b4-7c1d-7a3e-9f00-000000000001", "T1059.001"},
		{`quote"d`, `back\slash`, "comma,inside", "tab\tand \u00e9", "[bracket]", ""},
	} {
		var got []string
		if err := decodeStrList(strList(in), &got); err != nil {
			t.Fatalf("%q: %v", in, err)
		}
		want := in
		if want == nil {
			want = []string{}
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%q: got %q", in, got)
		}
	}
	for _, bad := range []string{`["a"`, `["a",]`, `["a" "b"]`, `[1]`, `{}`} {
		var got []string
		if err := decodeStrList(bad, &got); err == nil {
			t.Errorf("%s: no error, got %q", bad, got)
		}
	}
}
