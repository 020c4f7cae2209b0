package ingest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/eventsec/eventsec/internal/event"
	"github.com/eventsec/eventsec/internal/normalize"
)

// DefaultMaxDepth bounds JSON nesting: deeper items are rejected before
// they are parsed. (The normalizer flattens only the first levels of what
// it accepts and tags the rest _truncated; this bound keeps pathological
// "[[[[..." input away from it altogether.)
const DefaultMaxDepth = 64

// CheckDepth returns ErrTooDeep when the JSON text b nests objects and
// arrays more than max levels. It does not validate the JSON otherwise.
func CheckDepth(b []byte, max int) error {
	// Fewer opening brackets than the limit (strings included) cannot
	// nest deeper: two vectorised counts spare most documents the scan.
	if len(b) <= 2*max || bytes.Count(b, []byte{'{'})+bytes.Count(b, []byte{'['}) <= max {
		return nil
	}
	tooDeep := false
	WalkBrackets(b, func(_, depth int) bool {
		tooDeep = depth > max
		return !tooDeep
	})
	if tooDeep {
		return fmt.Errorf("%w: more than %d levels", ErrTooDeep, max)
	}
	return nil
}

// WalkBrackets scans the JSON text b and calls fn at every bracket outside
// strings with its offset and the nesting depth after it (an opening
// bracket raises it, a closing one lowers it). fn returns false to stop.
func WalkBrackets(b []byte, fn func(i, depth int) bool) {
	depth := 0
	inString := false
	for i := 0; i < len(b); i++ {
		c := b[i]
		if inString {
			switch c {
			case '\\':
				i++
			case '"':
				inString = false
			}
			continue
		}
		switch c {
		case '"':
			inString = true
		case '{', '[':
			depth++
			if !fn(i, depth) {
				return
			}
		case '}', ']':
			depth--
			if !fn(i, depth) {
				return
			}
		}
	}
}

// NormalizeJSON normalizes one JSON item: an NDJSON line, an array
// element, a bulk document, a HEC event object. Items that are not a JSON
// object, are malformed or nest deeper than maxDepth are not events: it
// returns ErrNotObject, ErrBadJSON or ErrTooDeep (wrapped, saying where
// and why) and the caller rejects them. An object too large to parse is
// kept raw with a parse error, like any text. client reports whether the
// event's ID is the sender's ("id", "event.id" or "_id"; or in.ID).
func (p *Pipeline) NormalizeJSON(in normalize.Input, maxDepth int) (ev event.Event, client bool, err error) {
	// An NDJSON line or a file's first line may start with a byte order
	// mark.
	b := bytes.TrimSpace(TrimBOM(bytes.TrimSpace(in.Raw)))
	if len(b) == 0 {
		return ev, false, fmt.Errorf("%w: empty", ErrBadJSON)
	}
	if b[0] != '{' {
		if json.Valid(b) {
			return ev, false, fmt.Errorf("%w: found %s", ErrNotObject, jsonKind(b[0]))
		}
		return ev, false, fmt.Errorf("%w: %s", ErrBadJSON, syntaxDetail(b))
	}
	if err := CheckDepth(b, maxDepth); err != nil {
		return ev, false, err
	}
	in.Raw = b
	in.Format = normalize.FormatJSON
	ev = p.o.Normalizer.Normalize(in)
	if ev.Fields == nil {
		ev.Fields = event.Fields{}
	}
	// Validity is checked only when the normalizer could not parse the
	// object: the common case pays for one parse.
	if hasTag(ev.Fields, event.TagParseError) && len(b) <= normalize.MaxParse && !json.Valid(b) {
		return event.Event{}, false, fmt.Errorf("%w: %s", ErrBadJSON, syntaxDetail(b))
	}
	if in.ID != "" {
		return ev, true, nil
	}
	if id := ClientID(ev.Fields); id != "" {
		ev.ID = id
		return ev, true, nil
	}
	return ev, false, nil
}

func jsonKind(c byte) string {
	switch c {
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	default:
		return "a number"
	}
}

func syntaxDetail(b []byte) string {
	var v any
	err := json.Unmarshal(b, &v)
	if err == nil {
		return "not JSON"
	}
	var se *json.SyntaxError
	switch {
	case errors.As(err, &se):
		return fmt.Sprintf("%s at offset %d", se.Error(), se.Offset)
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return "the JSON ends too early"
	}
	return err.Error()
}

// Reason maps an item error to its metric reason.
func Reason(err error) string {
	switch {
	case errors.Is(err, ErrTooDeep):
		return ReasonTooDeep
	case errors.Is(err, ErrNotObject):
		return ReasonNotObject
	case errors.Is(err, ErrBodyTooLarge):
		return ReasonTooLarge
	case errors.Is(err, ErrEmptyObject):
		return ReasonEmptyObject
	default:
		return ReasonInvalidJSON
	}
}

// ClientID returns the ID a sender gave an event, from its normalized
// fields "id", "event.id" or "_id": a string or an integer. IDs longer
// than 256 bytes are ignored (the event keeps its derived ID).
func ClientID(f event.Fields) string {
	for _, k := range [...]string{"id", "event.id", "_id"} {
		var s string
		switch x := f[k].(type) {
		case string:
			s = x
		case int64:
			s = strconv.FormatInt(x, 10)
		case float64:
			s = strconv.FormatFloat(x, 'f', -1, 64)
		}
		if s != "" && len(s) <= 256 {
			return s
		}
	}
	return ""
}

// SplitArray returns the elements of a JSON array, as slices of b. It
// checks nesting (ErrTooDeep beyond max levels, counting the array) and
// the array's own structure (ErrBadJSON), not the elements' contents.
func SplitArray(b []byte, max int) ([][]byte, error) {
	b = bytes.TrimSpace(b)
	if len(b) < 2 || b[0] != '[' || b[len(b)-1] != ']' {
		return nil, fmt.Errorf("%w: not a JSON array", ErrBadJSON)
	}
	var out [][]byte
	depth, start := 0, -1
	inString := false
	for i := 1; i < len(b)-1; i++ {
		c := b[i]
		if inString {
			switch c {
			case '\\':
				i++
			case '"':
				inString = false
			}
			continue
		}
		switch c {
		case ' ', '\t', '\r', '\n':
			continue
		case '"':
			inString = true
		case '{', '[':
			depth++
			if depth+1 > max {
				return nil, fmt.Errorf("%w: more than %d levels", ErrTooDeep, max)
			}
		case '}', ']':
			depth--
			if depth < 0 {
				return nil, fmt.Errorf("%w: unbalanced %q at offset %d", ErrBadJSON, c, i)
			}
		case ',':
			if depth == 0 {
				if start < 0 {
					return nil, fmt.Errorf("%w: empty array element at offset %d", ErrBadJSON, i)
				}
				out = append(out, trimJSONSpace(b[start:i]))
				start = -1
				continue
			}
		}
		if start < 0 {
			start = i
		}
	}
	if inString || depth != 0 {
		return nil, fmt.Errorf("%w: the array ends too early", ErrBadJSON)
	}
	if start >= 0 {
		out = append(out, trimJSONSpace(b[start:len(b)-1]))
	} else if len(out) > 0 {
		return nil, fmt.Errorf("%w: trailing comma in the array", ErrBadJSON)
	}
	return out, nil
}

// trimJSONSpace trims JSON's four whitespace characters (not Unicode's).
func trimJSONSpace(b []byte) []byte {
	isSpace := func(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }
	for len(b) > 0 && isSpace(b[0]) {
		b = b[1:]
	}
	for len(b) > 0 && isSpace(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}
