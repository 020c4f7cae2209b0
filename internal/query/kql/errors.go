package kql

import (
	"errors"
	"fmt"
)

// Error codes: stable and machine-readable, for the API's error body.
const (
	// CodeSyntax is a query that does not parse.
	CodeSyntax = "kql_syntax"
	// CodeSemantic is a query that parses but cannot be run: an unknown
	// table, column or function, wrong argument types, recursion through
	// let, an unsupported operator.
	CodeSemantic = "kql_semantic"
)

// Error is a syntax or semantic error in a query, with where it is.
// Line and Column are 1-based; Column counts characters (runes), not
// bytes, so that an editor can put its marker on it.
type Error struct {
	Code    string // CodeSyntax or CodeSemantic
	Message string
	Line    int
	Column  int
	Offset  int // byte offset into the query
	// Unsupported marks semantic errors about valid KQL that this engine
	// does not implement; errors.Is(err, ErrUnsupported) tests it.
	Unsupported bool
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s: line %d, column %d: %s", e.Code, e.Line, e.Column, e.Message)
}

// ErrUnsupported matches (errors.Is) semantic errors about KQL that is
// valid but that this engine does not run (an operator, plugin or function
// it does not implement), as opposed to a mistake in the query.
var ErrUnsupported = errors.New("unsupported KQL feature")

// Is reports whether e is about an unsupported feature (target
// ErrUnsupported).
func (e *Error) Is(target error) bool { return target == ErrUnsupported && e.Unsupported }

// AsError returns the *Error in err's chain, if there is one.
func AsError(err error) (*Error, bool) {
	var e *Error
	if errors.As(err, &e) {
		return e, true
	}
	return nil, false
}
