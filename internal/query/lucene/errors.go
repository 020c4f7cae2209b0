package lucene

import "fmt"

// SyntaxError is a query that does not parse. Its message says where, for
// people: "line 1, column 9: unbalanced '(': missing ')'".
type SyntaxError struct {
	Offset int // byte offset into the query
	Line   int // 1-based
	Column int // 1-based, in characters
	Msg    string
	err    error // an internal cause, for errors.Is
}

func (e *SyntaxError) Unwrap() error { return e.err }

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("line %d, column %d: %s", e.Line, e.Column, e.Msg)
}

func (p *parser) errorf(offset int, format string, args ...any) error {
	offset = min(max(offset, 0), len(p.s))
	line, col := 1, 1
	for _, r := range p.s[:offset] {
		if r == '\n' {
			line++
			col = 1
			continue
		}
		col++
	}
	return &SyntaxError{Offset: offset, Line: line, Column: col, Msg: fmt.Sprintf(format, args...)}
}

// FieldError is a query that parses but asks for something a field cannot
// hold: "source.port:abc", "source.ip:[a TO b]".
type FieldError struct {
	Field string
	Msg   string
}

func (e *FieldError) Error() string {
	if e.Field == "" {
		return e.Msg
	}
	return fmt.Sprintf("field %s: %s", e.Field, e.Msg)
}
