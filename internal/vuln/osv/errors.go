package osv

import (
	"errors"
	"fmt"
)

// Errors wrapped by RecordError.Err.
var (
	ErrSyntax  = errors.New("malformed JSON")
	ErrInvalid = errors.New("invalid OSV record")
)

// RecordError says which record of a document is unusable and why.
type RecordError struct {
	Index  int    // position in a top-level array; -1 for a lone record or the document
	ID     string // the record's id when it was readable
	Path   string // JSON path of the offending value, e.g. "$[3].affected[0].ranges[1].events[2]"
	Offset int64  // byte offset in the document, when known (-1 otherwise)
	Err    error  // wraps ErrSyntax or ErrInvalid
}

// Error formats the error as "path (id) at byte n: reason".
func (e *RecordError) Error() string {
	s := e.Path
	if e.ID != "" {
		s += " (" + e.ID + ")"
	}
	if e.Offset >= 0 {
		s += fmt.Sprintf(" at byte %d", e.Offset)
	}
	return s + ": " + e.Err.Error()
}

// Unwrap returns Err, so that errors.Is finds ErrSyntax or ErrInvalid.
func (e *RecordError) Unwrap() error { return e.Err }
