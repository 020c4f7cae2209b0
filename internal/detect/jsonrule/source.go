package jsonrule

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
)

// A rule's source is read twice: once into a tree of its values, each
// with its byte offset in the text as sent, which locates every problem
// (line and column of the offending value, as the author wrote it, one
// line or many) and checks the shape (types, unknown fields) against the
// rule's Go types; then, when the shape is right, into those types.

// maxDepth bounds the nesting of a rule's JSON: a rule is four levels
// deep, an action's settings a few more.
const maxDepth = 64

// node is one JSON value of a source.
type node struct {
	off     int  // byte offset of the value's first character
	kind    byte // '{', '[', '"' (string), '0' (number), 't' (true or false), 'n' (null)
	members []member
	elems   []*node
}

type member struct {
	key    string
	keyOff int
	val    *node
}

// kindName says what a JSON value is, as an error names it.
func (n *node) kindName() string {
	switch n.kind {
	case '{':
		return "an object"
	case '[':
		return "a list"
	case '"':
		return "a string"
	case '0':
		return "a number"
	case 't':
		return "true or false"
	}
	return "null"
}

// member returns the value of key: as encoding/json decodes an object,
// the last member of that name, else the last whose name matches it
// when case is ignored.
func (n *node) member(key string) (member, bool) {
	var fold member
	found := false
	for i := len(n.members) - 1; i >= 0; i-- {
		m := n.members[i]
		if m.key == key {
			return m, true
		}
		if !found && strings.EqualFold(m.key, key) {
			fold, found = m, true
		}
	}
	return fold, found
}

// source is a rule's text and its tree.
type source struct {
	src  []byte
	root *node
}

// readSource reads src as one JSON value, or returns the *Error that
// stops it (invalid JSON, something after the value, nesting too deep).
func readSource(src []byte) (*source, error) {
	dec := json.NewDecoder(bytes.NewReader(src))
	dec.UseNumber()
	s := &source{src: src}
	root, err := s.read(dec, 0)
	if err != nil {
		return nil, err
	}
	s.root = root
	off := s.skipBlank(int(dec.InputOffset()))
	if _, err := dec.Token(); err != io.EOF {
		l, c := lineCol(src, off)
		return nil, &Error{Line: l, Column: c, Msg: "unexpected data after the rule object"}
	}
	return s, nil
}

// skipBlank returns the offset of the first character at or after off
// that is neither a blank nor a separator: the decoder's offset is just
// after the previous token.
func (s *source) skipBlank(off int) int {
	for off < len(s.src) && strings.IndexByte(" \t\r\n:,", s.src[off]) >= 0 {
		off++
	}
	return off
}

func (s *source) read(dec *json.Decoder, depth int) (*node, error) {
	off := s.skipBlank(int(dec.InputOffset()))
	if depth > maxDepth {
		l, c := lineCol(s.src, off)
		return nil, &Error{Line: l, Column: c, Msg: fmt.Sprintf("invalid JSON: nested more than %d levels deep", maxDepth)}
	}
	tok, err := dec.Token()
	if err != nil {
		return nil, s.syntaxError(err)
	}
	n := &node{off: off}
	switch t := tok.(type) {
	case json.Delim:
		n.kind = byte(t)
		for dec.More() {
			if t == '[' {
				v, err := s.read(dec, depth+1)
				if err != nil {
					return nil, err
				}
				n.elems = append(n.elems, v)
				continue
			}
			keyOff := s.skipBlank(int(dec.InputOffset()))
			kt, err := dec.Token()
			if err != nil {
				return nil, s.syntaxError(err)
			}
			key, _ := kt.(string)
			v, err := s.read(dec, depth+1)
			if err != nil {
				return nil, err
			}
			n.members = append(n.members, member{key: key, keyOff: keyOff, val: v})
		}
		if _, err := dec.Token(); err != nil { // the closing delimiter
			return nil, s.syntaxError(err)
		}
	case string:
		n.kind = '"'
	case json.Number:
		n.kind = '0'
	case bool:
		n.kind = 't'
	default:
		n.kind = 'n'
	}
	return n, nil
}

// syntaxError locates a decoding error.
func (s *source) syntaxError(err error) error {
	var se *json.SyntaxError
	switch {
	case errors.As(err, &se):
		// The offset is just after the character that is wrong.
		off := int(se.Offset)
		if off > 0 {
			off--
		}
		l, c := lineCol(s.src, off)
		return &Error{Line: l, Column: c, Msg: "invalid JSON: " + se.Error()}
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		l, c := lineCol(s.src, len(s.src))
		return &Error{Line: l, Column: c, Msg: "invalid JSON: unexpected end of input"}
	}
	return &Error{Msg: "invalid JSON: " + err.Error()}
}

// find returns the value at path (object keys and array indexes) and
// whether it is there; when it is not, the deepest value of the path
// that is.
func (s *source) find(path []any) (*node, bool) {
	n := s.root
	for _, p := range path {
		var next *node
		switch x := p.(type) {
		case string:
			if x == "" {
				continue
			}
			if n.kind == '{' {
				if m, ok := n.member(x); ok {
					next = m.val
				}
			}
		case int:
			if n.kind == '[' && x >= 0 && x < len(n.elems) {
				next = n.elems[x]
			}
		}
		if next == nil {
			return n, false
		}
		n = next
	}
	return n, true
}

// position is the line and column of the value at path, or of the
// deepest part of the path that is there.
func (s *source) position(path []any) (int, int) {
	n, _ := s.find(path)
	return lineCol(s.src, n.off)
}

// keyPosition is the line and column of the name of the member at path
// (its value's when the last element is an index).
func (s *source) keyPosition(path []any) (int, int) {
	if len(path) > 0 {
		if key, ok := path[len(path)-1].(string); ok {
			if parent, found := s.find(path[:len(path)-1]); found && parent.kind == '{' {
				if m, ok := parent.member(key); ok {
					return lineCol(s.src, m.keyOff)
				}
			}
		}
	}
	return s.position(path)
}

var rawMessageType = reflect.TypeOf(json.RawMessage(nil))

// checkShape reports every value of n whose JSON type does not fit t
// (the Go type encoding/json will decode it into) and every object
// member that names no field of a struct, so that decoding then
// succeeds. null fits anything, as encoding/json leaves the zero value.
func (s *source) checkShape(n *node, t reflect.Type, path []any, errs *Errors) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if n.kind == 'n' || t == rawMessageType || t.Kind() == reflect.Interface {
		return
	}
	want := ""
	switch t.Kind() {
	case reflect.String:
		if n.kind != '"' {
			want = "a string"
		}
	case reflect.Float32, reflect.Float64, reflect.Int, reflect.Int64, reflect.Int32:
		if n.kind != '0' {
			want = "a number"
		}
	case reflect.Bool:
		if n.kind != 't' {
			want = "true or false"
		}
	case reflect.Slice:
		if n.kind != '[' {
			want = "a list"
			break
		}
		for i, e := range n.elems {
			s.checkShape(e, t.Elem(), append(path[:len(path):len(path)], i), errs)
		}
	case reflect.Map:
		if n.kind != '{' {
			want = "an object"
			break
		}
		for _, m := range n.members {
			s.checkShape(m.val, t.Elem(), append(path[:len(path):len(path)], m.key), errs)
		}
	case reflect.Struct:
		if n.kind != '{' {
			want = "an object"
			break
		}
		for _, m := range n.members {
			f, ok := structField(t, m.key)
			p := append(path[:len(path):len(path)], m.key)
			if !ok {
				l, c := lineCol(s.src, m.keyOff)
				*errs = append(*errs, &Error{Line: l, Column: c, Msg: fmt.Sprintf("unknown field %q", pathString(p)), Path: pathString(p)})
				continue
			}
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			s.checkShape(m.val, f.Type, append(path[:len(path):len(path)], name), errs)
		}
	}
	if want != "" {
		l, c := lineCol(s.src, n.off)
		name := pathString(path)
		if name == "" {
			name = "the rule"
		}
		*errs = append(*errs, &Error{Line: l, Column: c, Msg: fmt.Sprintf("%s: must be %s, not %s", name, want, n.kindName()), Path: pathString(path)})
	}
}

// structField finds the field of t a JSON member name decodes into, as
// encoding/json does: its json tag, else the tag with case ignored.
func structField(t reflect.Type, key string) (reflect.StructField, bool) {
	var fold reflect.StructField
	found := false
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" || name == "-" || !f.IsExported() {
			continue
		}
		if name == key {
			return f, true
		}
		if !found && strings.EqualFold(name, key) {
			fold, found = f, true
		}
	}
	return fold, found
}

// lineCol converts a byte offset to a 1-based line and column (in runes).
func lineCol(src []byte, off int) (int, int) {
	if off > len(src) {
		off = len(src)
	}
	if off < 0 {
		off = 0
	}
	line, col := 1, 1
	for _, r := range string(src[:off]) {
		if r == '\n' {
			line++
			col = 1
		} else {
			col++
		}
	}
	return line, col
}

// Position returns the line and column (1-based) of the value at path
// (object keys and array indexes) in a rule's source, or of the deepest
// part of the path found; 1:1 when the source is no JSON.
func Position(src []byte, path ...any) (line, column int) {
	s, err := readSource(src)
	if err != nil {
		return 1, 1
	}
	return s.position(path)
}
