package evtx

import (
	"encoding/hex"
	"reflect"
	"testing"
)

// TestDecodeValue covers the types the attack samples do not use.
func TestDecodeValue(t *testing.T) {
	cases := []struct {
		typ  byte
		hex  string
		want any
	}{
		{typeInt8, "ff", int64(-1)},
		{typeInt16, "feff", int64(-2)},
		{typeInt32, "01000000", int64(1)},
		{typeInt32, "ffffff7f", int64(2147483647)},
		{typeInt32, "00000080", int64(-2147483648)},
		{typeInt64, "ffffffffffffffff", int64(-1)},
		{typeUInt8, "ff", uint64(255)},
		{typeUInt16, "3412", uint64(0x1234)},
		{typeUInt32, "ffffffff", uint64(4294967295)},
		{typeUInt64, "ffffffffffffffff", uint64(18446744073709551615)},
		{typeReal32, "cdcccc3d", 0.1},
		{typeReal64, "9a9999999999b93f", 0.1},
		{typeHexInt32, "6d0000c0", "0xc000006d"},
		{typeHexInt64, "0000000000000080", "0x8000000000000000"},
		{typeSizeT, "00104000", "0x401000"},
		{typeSizeT, "00e0fd7ff67f0000", "0x7ff67ffde000"},
		{typeFileTime, "2f783a13677bd601", "2020-08-26T05:09:28.8455215Z"},
		// 2021-03-04 (a Thursday) 05:06:07.089
		{typeSysTime, "e5070300040004000500060007005900", "2021-03-04T05:06:07.089Z"},
		{typeArray | typeUInt16, "01000200", []any{uint64(1), uint64(2)}},
		{typeArray | typeInt32, "ffffffff02000000", []any{int64(-1), int64(2)}},
		// A length that does not fit the type keeps the bytes.
		{typeInt32, "0100", []byte{1, 0}},
		{typeArray | typeInt32, "010000", []byte{1, 0, 0}},
	}
	for _, c := range cases {
		b, err := hex.DecodeString(c.hex)
		if err != nil {
			t.Fatal(err)
		}
		if got := decodeValue(c.typ, b); !reflect.DeepEqual(got, c.want) {
			t.Errorf("type %#x %s: %#v, want %#v", c.typ, c.hex, got, c.want)
		}
	}
}
