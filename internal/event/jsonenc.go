package event

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"unicode/utf8"
)

// AppendJSONValue appends v as JSON, without reflection for the values
// events hold (strings, int64, float64, bool, nil, []string, and nested
// map[string]any and []any): keys sorted like json.Marshal; a float always
// has a fraction or an exponent, so that it reads back as a float; NaN and
// infinities are null; invalid UTF-8 becomes U+FFFD. Unlike json.Marshal,
// <, > and & are written as they are.
func AppendJSONValue(b []byte, v any) []byte {
	switch x := v.(type) {
	case string:
		return AppendJSONString(b, x)
	case int64:
		return strconv.AppendInt(b, x, 10)
	case int:
		return strconv.AppendInt(b, int64(x), 10)
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return append(b, "null"...)
		}
		start := len(b)
		b = strconv.AppendFloat(b, x, 'g', -1, 64)
		if !bytes.ContainsAny(b[start:], ".eE") {
			b = append(b, ".0"...)
		}
		return b
	case bool:
		return strconv.AppendBool(b, x)
	case []string:
		b = append(b, '[')
		for i, s := range x {
			if i > 0 {
				b = append(b, ',')
			}
			b = AppendJSONString(b, s)
		}
		return append(b, ']')
	case nil:
		return append(b, "null"...)
	case map[string]any:
		// Nested objects (winlog.event_data, a JSON body's own objects):
		// written here rather than by encoding/json's reflection, which
		// cost a tenth of the ingest CPU; keys sorted like json.Marshal.
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		return AppendJSONObject(b, x, keys)
	case []any:
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ',')
			}
			b = AppendJSONValue(b, e)
		}
		return append(b, ']')
	}
	j, err := json.Marshal(v)
	if err != nil {
		return AppendJSONString(b, fmt.Sprint(v))
	}
	return append(b, j...)
}

const hexDigits = "0123456789abcdef"

// AppendJSONObject appends the JSON object of m's entries named by keys,
// in that order (sorted, for json.Marshal's order).
func AppendJSONObject(b []byte, m map[string]any, keys []string) []byte {
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = AppendJSONString(b, k)
		b = append(b, ':')
		b = AppendJSONValue(b, m[k])
	}
	return append(b, '}')
}

// AppendJSONString appends s as a JSON string.
func AppendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); {
		// Copy the run of bytes that need no escaping at once.
		j := i
		for j < len(s) && jsonSafe[s[j]] {
			j++
		}
		b = append(b, s[i:j]...)
		if j == len(s) {
			break
		}
		i = j
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\r':
				b = append(b, '\\', 'r')
			case c == '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, `\ufffd`...)
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}

// jsonSafe tells the ASCII bytes written as they are in a JSON string.
var jsonSafe = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()
