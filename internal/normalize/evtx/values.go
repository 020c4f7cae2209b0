package evtx

import (
	"encoding/binary"
	"math"
	"strconv"
	"time"
)

// BinXML value types (MS-EVEN6 2.2.18) that the parser decodes wrongly or
// not at all: it knows the unsigned integers, but renders a signed one
// (Int32 1 is "\x01"), a float, a SizeT, a SYSTEMTIME or an array other
// than of strings as the raw bytes trimmed of NULs, HexInt32/64 as plain
// numbers where Windows writes "0x1f", a FILETIME as float seconds
// (microseconds lost), and it reads a fixed-size integer without looking
// at the value's length. checkInstance marks these values binary, which
// the parser hands back as they are, and decodeValue decodes them.
const (
	typeInt8       = 0x03
	typeUInt8      = 0x04
	typeInt16      = 0x05
	typeUInt16     = 0x06
	typeInt32      = 0x07
	typeUInt32     = 0x08
	typeInt64      = 0x09
	typeUInt64     = 0x0a
	typeReal32     = 0x0b
	typeReal64     = 0x0c
	typeBool       = 0x0d
	typeBinary     = 0x0e
	typeGUID       = 0x0f
	typeSizeT      = 0x10
	typeFileTime   = 0x11
	typeSysTime    = 0x12
	typeSID        = 0x13
	typeHexInt32   = 0x14
	typeHexInt64   = 0x15
	typeArray      = 0x80
	typeStringList = 0x81
)

// retype says whether checkInstance hands a value of type typ to the
// parser as binary, for decodeValue to decode.
func retype(typ byte) bool {
	if typ&typeArray != 0 {
		// The parser splits string arrays itself; an array of any
		// other type it renders as bytes.
		t := typ &^ typeArray
		return typ != typeStringList && t >= typeInt8 && t <= typeHexInt64 && t != typeBinary
	}
	return typ >= typeInt8 && typ <= typeSysTime && typ != typeBool && typ != typeBinary && typ != typeGUID ||
		typ == typeHexInt32 || typ == typeHexInt64
}

// decodeValue decodes a value of type typ as Windows renders it in the
// event's XML: integers as numbers, HexInt32/64 and SizeT as "0x..." text
// (Sigma rules compare "Status: 0xc000006d"), times as RFC 3339 UTC
// text, and an array as the list of its elements. A value whose length
// does not fit its type is kept as bytes (rendered in hex).
func decodeValue(typ byte, b []byte) any {
	if typ&typeArray != 0 {
		t := typ &^ typeArray
		size := typeSize(t, len(b))
		if size == 0 || len(b)%size != 0 {
			return b
		}
		out := make([]any, 0, len(b)/size)
		for i := 0; i < len(b); i += size {
			out = append(out, decodeValue(t, b[i:i+size]))
		}
		return out
	}
	if size := typeSize(typ, len(b)); size == 0 || size != len(b) {
		return b
	}
	le := binary.LittleEndian
	switch typ {
	case typeInt8:
		return int64(int8(b[0]))
	case typeInt16:
		return int64(int16(le.Uint16(b)))
	case typeInt32:
		return int64(int32(le.Uint32(b)))
	case typeInt64:
		return int64(le.Uint64(b))
	case typeUInt8:
		return uint64(b[0])
	case typeUInt16:
		return uint64(le.Uint16(b))
	case typeUInt32:
		return uint64(le.Uint32(b))
	case typeUInt64:
		return le.Uint64(b)
	case typeReal32:
		// Through its shortest text, so that 0.1 stays 0.1 and does not
		// become 0.10000000149011612.
		f, _ := strconv.ParseFloat(strconv.FormatFloat(float64(math.Float32frombits(le.Uint32(b))), 'g', -1, 32), 64)
		return f
	case typeReal64:
		return math.Float64frombits(le.Uint64(b))
	case typeHexInt32, typeHexInt64, typeSizeT:
		if len(b) == 4 {
			return "0x" + strconv.FormatUint(uint64(le.Uint32(b)), 16)
		}
		return "0x" + strconv.FormatUint(le.Uint64(b), 16)
	case typeBool:
		return le.Uint32(b) != 0
	case typeFileTime:
		return fileTime(le.Uint64(b)).Format(time.RFC3339Nano)
	case typeSysTime:
		// SYSTEMTIME: year, month, day of week, day, hour, minute,
		// second, milliseconds, each a uint16.
		u := func(i int) int { return int(le.Uint16(b[2*i:])) }
		t := time.Date(u(0), time.Month(u(1)), u(3), u(4), u(5), u(6), u(7)*int(time.Millisecond), time.UTC)
		return t.Format(time.RFC3339Nano)
	}
	return b
}

// typeSize is the size of a value of type typ (n bytes long: a SizeT is
// 4 or 8 bytes, as the writer's pointers were); 0 for a type of no fixed
// size.
func typeSize(typ byte, n int) int {
	switch typ {
	case typeInt8, typeUInt8:
		return 1
	case typeInt16, typeUInt16:
		return 2
	case typeInt32, typeUInt32, typeReal32, typeHexInt32, typeBool:
		return 4
	case typeInt64, typeUInt64, typeReal64, typeHexInt64, typeFileTime:
		return 8
	case typeSizeT:
		if n%8 == 0 {
			return 8
		}
		return 4
	case typeSysTime:
		return 16
	}
	return 0
}

// fileTime converts a FILETIME (100 ns intervals since 1601) to a time.
func fileTime(ft uint64) time.Time {
	const epochSeconds = 11644473600 // from 1601 to 1970
	return time.Unix(int64(ft/1e7)-epochSeconds, int64(ft%1e7)*100).UTC()
}
