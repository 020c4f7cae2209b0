package normalize

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// errJSON is wrapped by every JSON decoding error.
var errJSON = errors.New("invalid JSON")

// jsonDecoder decodes one JSON object into maps, with limits that
// encoding/json lacks: containers nested deeper than maxDepth, and
// members beyond maxMembers, are skipped without recursion (a 5,000-deep
// document costs no stack) and reported as truncated. Integers that fit
// int64 stay exact; larger ones are kept as their text.
type jsonDecoder struct {
	s          string
	i          int
	maxDepth   int
	maxMembers int
	members    int
	truncated  bool
	// kb holds the dotted key of the member flatten is at: keys are
	// built in place and become strings only when they are stored.
	kb []byte
	// pairs is a stack of the members of the objects being decoded: an
	// object's map is made once its size is known, not grown member by
	// member.
	pairs []jsonPair
	// maps, when set, recycles the objects' maps (see mapRecycler).
	maps *mapRecycler
}

// mapRecycler hands out maps for decoded JSON objects and takes them
// back, cleared, once the event is normalized: the decoded document of a
// Windows event is only read while it is mapped (the fields get its
// scalars, never its maps), so the next event can reuse its maps instead
// of making eight or ten new ones.
type mapRecycler struct {
	free, taken []map[string]any
}

// Bounds on what a recycler keeps between events.
const (
	maxRecycledMaps   = 64
	maxRecycledMapLen = 128
)

func (r *mapRecycler) get(n int) map[string]any {
	var m map[string]any
	if k := len(r.free); k > 0 {
		m = r.free[k-1]
		r.free[k-1] = nil
		r.free = r.free[:k-1]
	} else {
		m = make(map[string]any, max(n, 8))
	}
	r.taken = append(r.taken, m)
	return m
}

// reclaim takes back the maps handed out since the last reclaim. No
// reference to them may remain.
func (r *mapRecycler) reclaim() {
	for i, m := range r.taken {
		if len(r.free) < maxRecycledMaps && len(m) <= maxRecycledMapLen {
			clear(m)
			r.free = append(r.free, m)
		}
		r.taken[i] = nil
	}
	r.taken = r.taken[:0]
}

type jsonPair struct {
	k string
	v any
}

// decodeJSONObject decodes s, which must hold one JSON object.
func decodeJSONObject(s string) (map[string]any, bool, error) {
	obj, _, truncated, err := decodeJSONObjectCount(s)
	return obj, truncated, err
}

// decodeJSONObjectCount also returns the number of scalar members read.
func decodeJSONObjectCount(s string) (map[string]any, int, bool, error) {
	d := jsonDecoder{s: s, maxDepth: MaxDepth, maxMembers: MaxFields}
	obj, err := d.decode()
	return obj, d.members, d.truncated, err
}

// decodeObject is decodeJSONObjectCount with st's scratch space.
func (st *state) decodeObject(s string) (map[string]any, int, bool, error) {
	d := jsonDecoder{s: s, maxDepth: MaxDepth, maxMembers: MaxFields, pairs: st.pairs[:0], maps: &st.maps}
	obj, err := d.decode()
	if err != nil {
		clear(d.pairs[:cap(d.pairs)]) // an object left unfinished keeps its members there
	}
	st.pairs = d.pairs[:0] // emptied by object; kept for the next use
	return obj, d.members, d.truncated, err
}

func (d *jsonDecoder) decode() (map[string]any, error) {
	s := d.s
	d.space()
	if d.i >= len(s) || s[d.i] != '{' {
		return nil, fmt.Errorf("cannot decode JSON: %w: not an object", errJSON)
	}
	v, err := d.value(1)
	if err != nil {
		return nil, err
	}
	d.space()
	if d.i < len(s) {
		return nil, fmt.Errorf("cannot decode JSON: %w: data after the object at offset %d", errJSON, d.i)
	}
	return v.(map[string]any), nil
}

func (d *jsonDecoder) errorf(what string) error {
	if d.i >= len(d.s) {
		return fmt.Errorf("cannot decode JSON: %w: unexpected end of input (%s)", errJSON, what)
	}
	return fmt.Errorf("cannot decode JSON: %w: %s at offset %d", errJSON, what, d.i)
}

func (d *jsonDecoder) space() {
	for d.i < len(d.s) {
		switch d.s[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

// value decodes the value at d.i; depth is the nesting of that value if
// it is a container.
func (d *jsonDecoder) value(depth int) (any, error) {
	d.space()
	if d.i >= len(d.s) {
		return nil, d.errorf("value expected")
	}
	switch c := d.s[d.i]; {
	case c == '{':
		if depth > d.maxDepth {
			d.truncated = true
			return nil, d.skip()
		}
		return d.object(depth)
	case c == '[':
		if depth > d.maxDepth {
			d.truncated = true
			return nil, d.skip()
		}
		return d.array(depth)
	case c == '"':
		return d.str()
	case c == 't':
		return true, d.lit("true")
	case c == 'f':
		return false, d.lit("false")
	case c == 'n':
		return nil, d.lit("null")
	case c == '-' || (c >= '0' && c <= '9'):
		return d.number()
	}
	return nil, d.errorf("unexpected character")
}

func (d *jsonDecoder) lit(w string) error {
	if !strings.HasPrefix(d.s[d.i:], w) {
		return d.errorf("invalid literal")
	}
	d.i += len(w)
	return nil
}

func (d *jsonDecoder) object(depth int) (any, error) {
	d.i++ // {
	d.space()
	if d.i < len(d.s) && d.s[d.i] == '}' {
		d.i++
		return d.newMap(0), nil
	}
	base := len(d.pairs)
	for {
		d.space()
		if d.i >= len(d.s) || d.s[d.i] != '"' {
			return nil, d.errorf("object key expected")
		}
		k, err := d.str()
		if err != nil {
			return nil, err
		}
		d.space()
		if d.i >= len(d.s) || d.s[d.i] != ':' {
			return nil, d.errorf("':' expected")
		}
		d.i++
		if d.members >= d.maxMembers {
			d.truncated = true
			d.space()
			if err := d.skip(); err != nil {
				return nil, err
			}
		} else {
			v, err := d.value(depth + 1)
			if err != nil {
				return nil, err
			}
			if _, isContainer := v.(map[string]any); !isContainer {
				d.members++
			}
			d.pairs = append(d.pairs, jsonPair{k, v})
		}
		d.space()
		if d.i >= len(d.s) {
			return nil, d.errorf("'}' expected")
		}
		switch d.s[d.i] {
		case ',':
			d.i++
		case '}':
			d.i++
			// In document order: a repeated key keeps its last value.
			m := d.newMap(len(d.pairs) - base)
			for _, p := range d.pairs[base:] {
				m[p.k] = p.v
			}
			clear(d.pairs[base:]) // drop the references for the GC
			d.pairs = d.pairs[:base]
			return m, nil
		default:
			return nil, d.errorf("',' or '}' expected")
		}
	}
}

// newMap returns an empty map for an object of n members.
func (d *jsonDecoder) newMap(n int) map[string]any {
	if d.maps != nil {
		return d.maps.get(n)
	}
	return make(map[string]any, max(n, 8))
}

func (d *jsonDecoder) array(depth int) (any, error) {
	d.i++ // [
	var a []any
	d.space()
	if d.i < len(d.s) && d.s[d.i] == ']' {
		d.i++
		return a, nil
	}
	for {
		if d.members >= d.maxMembers {
			d.truncated = true
			d.space()
			if err := d.skip(); err != nil {
				return nil, err
			}
		} else {
			v, err := d.value(depth + 1)
			if err != nil {
				return nil, err
			}
			d.members++
			a = append(a, v)
		}
		d.space()
		if d.i >= len(d.s) {
			return nil, d.errorf("']' expected")
		}
		switch d.s[d.i] {
		case ',':
			d.i++
		case ']':
			d.i++
			return a, nil
		default:
			return nil, d.errorf("',' or ']' expected")
		}
	}
}

// scalarArray decodes the array at d.i (nested depth levels deep) as
// array does when its elements are all scalars, returning their text
// (scalarString's) without nulls, and the number of elements array would
// have returned (nulls included). When an element is an object or an
// array, ok is false and nothing is consumed.
func (d *jsonDecoder) scalarArray(depth int) (strs []string, n int, ok bool, err error) {
	i0, members0, truncated0 := d.i, d.members, d.truncated
	d.i++ // [
	d.space()
	if d.i < len(d.s) && d.s[d.i] == ']' {
		d.i++
		return nil, 0, true, nil
	}
	for {
		if d.members >= d.maxMembers {
			d.truncated = true
			d.space()
			if err := d.skip(); err != nil {
				return nil, 0, false, err
			}
		} else {
			d.space()
			if d.i < len(d.s) && (d.s[d.i] == '{' || d.s[d.i] == '[') {
				d.i, d.members, d.truncated = i0, members0, truncated0
				return nil, 0, false, nil
			}
			if d.i < len(d.s) && d.s[d.i] == '"' {
				s, err := d.str()
				if err != nil {
					return nil, 0, false, err
				}
				strs = append(strs, s)
			} else {
				v, err := d.value(depth + 1)
				if err != nil {
					return nil, 0, false, err
				}
				if v != nil {
					s, _ := scalarString(v)
					strs = append(strs, s)
				}
			}
			d.members++
			n++
		}
		d.space()
		if d.i >= len(d.s) {
			return nil, 0, false, d.errorf("']' expected")
		}
		switch d.s[d.i] {
		case ',':
			d.i++
		case ']':
			d.i++
			return strs, n, true, nil
		default:
			return nil, 0, false, d.errorf("',' or ']' expected")
		}
	}
}

// skip passes over the value at d.i, however deep, without recursion,
// checking only its brackets and strings.
func (d *jsonDecoder) skip() error {
	depth := 0
	for d.i < len(d.s) {
		c := d.s[d.i]
		switch c {
		case '"':
			if err := d.skipString(); err != nil {
				return err
			}
			if depth == 0 {
				return nil
			}
			continue
		case '{', '[':
			depth++
		case '}', ']':
			if depth == 0 {
				return nil // the end of the container holding a skipped scalar
			}
			depth--
			if depth == 0 {
				d.i++
				return nil
			}
		case ',', ' ', '\t', '\n', '\r', ':':
			if depth == 0 {
				return nil
			}
		}
		d.i++
	}
	if depth > 0 {
		return d.errorf("unterminated container")
	}
	return nil
}

func (d *jsonDecoder) skipString() error {
	d.i++ // "
	for d.i < len(d.s) {
		switch d.s[d.i] {
		case '\\':
			d.i += 2
			continue
		case '"':
			d.i++
			return nil
		}
		d.i++
	}
	return d.errorf("unterminated string")
}

// str decodes the string at d.i. Without escapes it returns a substring
// of the input: no copy.
func (d *jsonDecoder) str() (string, error) {
	d.i++ // "
	start := d.i
	for d.i < len(d.s) {
		c := d.s[d.i]
		if c == '"' {
			s := d.s[start:d.i]
			d.i++
			return s, nil
		}
		if c == '\\' {
			return d.strEscaped(start)
		}
		if c < 0x20 {
			return "", d.errorf("control character in string")
		}
		d.i++
	}
	return "", d.errorf("unterminated string")
}

func (d *jsonDecoder) strEscaped(start int) (string, error) {
	// Unescaped, a string is never longer than its JSON text: one
	// allocation of that size holds it.
	end := d.i
	for end < len(d.s) && d.s[end] != '"' {
		if d.s[end] == '\\' {
			end++
		}
		end++
	}
	var b strings.Builder
	b.Grow(min(end, len(d.s)) - start)
	b.WriteString(d.s[start:d.i])
	for d.i < len(d.s) {
		c := d.s[d.i]
		switch {
		case c == '"':
			d.i++
			return b.String(), nil
		case c == '\\':
			if d.i+1 >= len(d.s) {
				return "", d.errorf("unterminated escape")
			}
			e := d.s[d.i+1]
			d.i += 2
			switch e {
			case '"', '\\', '/':
				b.WriteByte(e)
			case 'b':
				b.WriteByte('\b')
			case 'f':
				b.WriteByte('\f')
			case 'n':
				b.WriteByte('\n')
			case 'r':
				b.WriteByte('\r')
			case 't':
				b.WriteByte('\t')
			case 'u':
				r, ok := d.hex4()
				if !ok {
					return "", d.errorf("invalid \\u escape")
				}
				if utf16.IsSurrogate(r) {
					r2 := utf8.RuneError
					if strings.HasPrefix(d.s[d.i:], `\u`) {
						d.i += 2
						if lo, ok := d.hex4(); ok {
							r2 = utf16.DecodeRune(r, lo)
							if r2 == utf8.RuneError {
								b.WriteRune(utf8.RuneError)
								r2 = lo
							}
						}
					}
					r = r2
				}
				b.WriteRune(r)
			default:
				return "", d.errorf("invalid escape")
			}
		case c < 0x20:
			return "", d.errorf("control character in string")
		default:
			// Copy up to the next quote, escape or control character.
			j := d.i + 1
			for j < len(d.s) {
				if c := d.s[j]; c == '"' || c == '\\' || c < 0x20 {
					break
				}
				j++
			}
			b.WriteString(d.s[d.i:j])
			d.i = j
		}
	}
	return "", d.errorf("unterminated string")
}

func (d *jsonDecoder) hex4() (rune, bool) {
	if d.i+4 > len(d.s) {
		return 0, false
	}
	var r rune
	for _, c := range []byte(d.s[d.i : d.i+4]) {
		r <<= 4
		switch {
		case c >= '0' && c <= '9':
			r |= rune(c - '0')
		case c >= 'a' && c <= 'f':
			r |= rune(c - 'a' + 10)
		case c >= 'A' && c <= 'F':
			r |= rune(c - 'A' + 10)
		default:
			return 0, false
		}
	}
	d.i += 4
	return r, true
}

func (d *jsonDecoder) number() (any, error) {
	start := d.i
	if d.s[d.i] == '-' {
		d.i++
	}
	digits := d.i
	for d.i < len(d.s) && d.s[d.i] >= '0' && d.s[d.i] <= '9' {
		d.i++
	}
	if d.i == digits {
		return nil, d.errorf("invalid number")
	}
	isInt := true
	if d.i < len(d.s) && d.s[d.i] == '.' {
		isInt = false
		d.i++
		frac := d.i
		for d.i < len(d.s) && d.s[d.i] >= '0' && d.s[d.i] <= '9' {
			d.i++
		}
		if d.i == frac {
			return nil, d.errorf("invalid number")
		}
	}
	if d.i < len(d.s) && (d.s[d.i] == 'e' || d.s[d.i] == 'E') {
		isInt = false
		d.i++
		if d.i < len(d.s) && (d.s[d.i] == '+' || d.s[d.i] == '-') {
			d.i++
		}
		exp := d.i
		for d.i < len(d.s) && d.s[d.i] >= '0' && d.s[d.i] <= '9' {
			d.i++
		}
		if d.i == exp {
			return nil, d.errorf("invalid number")
		}
	}
	lit := d.s[start:d.i]
	if isInt {
		if n, err := strconv.ParseInt(lit, 10, 64); err == nil {
			return n, nil
		}
		return lit, nil // beyond int64: keep every digit
	}
	f, err := strconv.ParseFloat(lit, 64)
	if err != nil {
		return lit, nil // out of float64 range: keep the text
	}
	return f, nil
}

// flattenJSON decodes the JSON object s straight into st's fields, as
// flattenInto would store its decoded map, without building the map: no
// intermediate allocations, no second pass.
func (st *state) flattenJSON(s string) error {
	d := &jsonDecoder{s: s, maxDepth: MaxDepth, maxMembers: MaxFields}
	d.space()
	if d.i >= len(s) || s[d.i] != '{' {
		return fmt.Errorf("cannot decode JSON: %w: not an object", errJSON)
	}
	d.kb = st.kb[:0]
	err := d.flatten(st, 0, 1)
	st.kb = d.kb[:0] // keep the grown buffer for the next use
	if err != nil {
		return err
	}
	d.space()
	if d.i < len(s) {
		return fmt.Errorf("cannot decode JSON: %w: data after the object at offset %d", errJSON, d.i)
	}
	if d.truncated {
		st.truncatedTag()
	}
	return nil
}

// flatten reads the object at d.i (nested depth levels deep) into st's
// fields under the prefix d.kb[:plen].
func (d *jsonDecoder) flatten(st *state, plen int, depth int) error {
	top := plen == 0
	d.i++ // {
	d.space()
	if d.i < len(d.s) && d.s[d.i] == '}' {
		d.i++
		return nil
	}
	for {
		d.space()
		if d.i >= len(d.s) || d.s[d.i] != '"' {
			return d.errorf("object key expected")
		}
		k, err := d.str()
		if err != nil {
			return err
		}
		d.space()
		if d.i >= len(d.s) || d.s[d.i] != ':' {
			return d.errorf("':' expected")
		}
		d.i++
		d.space()
		if d.i >= len(d.s) {
			return d.errorf("value expected")
		}
		d.kb = appendKey(d.kb[:plen], k)
		klen := len(d.kb)
		switch {
		case d.members >= d.maxMembers || (d.s[d.i] == '{' || d.s[d.i] == '[') && depth+1 > d.maxDepth:
			d.truncated = true
			if err := d.skip(); err != nil {
				return err
			}
		case d.s[d.i] == '{':
			if err := d.flatten(st, klen, depth+1); err != nil {
				return err
			}
		case d.s[d.i] == '[':
			strs, n, ok, err := d.scalarArray(depth + 1)
			if err != nil {
				return err
			}
			if ok {
				// As below, without the []any and the boxed elements.
				if n > 0 {
					d.members += n
					if _, set := st.f[string(d.kb[:klen])]; !set {
						st.storeScalars(fieldKey(d.kb[:klen], k, top), strs, depth)
					}
				}
				break
			}
			v, err := d.value(depth + 1)
			if err != nil {
				return err
			}
			if arr, ok := v.([]any); ok && len(arr) > 0 {
				d.members += len(arr)
				if _, set := st.f[string(d.kb[:klen])]; !set {
					st.flattenArray(fieldKey(d.kb[:klen], k, top), arr, depth)
				}
			}
		default:
			v, err := d.value(depth + 1)
			if err != nil {
				return err
			}
			d.members++
			if fv, ok := fieldValue(v); ok {
				if _, set := st.f[string(d.kb[:klen])]; !set {
					if sv, isStr := fv.(string); !isStr || sv != "" {
						st.put(fieldKey(d.kb[:klen], k, top), fv, top)
					}
				}
			}
		}
		d.space()
		if d.i >= len(d.s) {
			return d.errorf("'}' expected")
		}
		switch d.s[d.i] {
		case ',':
			d.i++
		case '}':
			d.i++
			return nil
		default:
			return d.errorf("',' or '}' expected")
		}
	}
}
