package correlate

import (
	"errors"
	"fmt"
)

// Sentinel errors, compared with errors.Is.
var (
	// ErrInvalidRule is wrapped by every *Error that Parse returns and by
	// the validation errors of Engine.Add.
	ErrInvalidRule = errors.New("invalid correlation rule")
	// ErrDuplicateRule is returned by Engine.Add for a rule whose key
	// (id, else name) is already loaded.
	ErrDuplicateRule = errors.New("correlation rule already loaded")
	// ErrUnknownRule is returned by Engine.Remove for a key that is not
	// loaded.
	ErrUnknownRule = errors.New("correlation rule not loaded")
	// ErrCycle is returned by Engine.Add when the rule would make a chain
	// of correlation rules refer to itself.
	ErrCycle = errors.New("correlation rules refer to each other in a cycle")
	// ErrSnapshot is wrapped by Restore errors about a malformed or
	// unsupported snapshot.
	ErrSnapshot = errors.New("bad correlation snapshot")
)

// Error is a problem in a correlation rule document, located by file,
// line and column (1-based; 0 when unknown).
type Error struct {
	File   string
	Line   int
	Column int
	Msg    string
}

// Error formats the error as "file:line:col: msg".
func (e *Error) Error() string {
	file := e.File
	if file == "" {
		file = "<input>"
	}
	return fmt.Sprintf("%s:%d:%d: %s", file, e.Line, e.Column, e.Msg)
}

// Unwrap returns ErrInvalidRule so that errors.Is(err, ErrInvalidRule)
// holds for every parse error.
func (e *Error) Unwrap() error { return ErrInvalidRule }
