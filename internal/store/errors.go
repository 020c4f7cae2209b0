package store

import "errors"

// Errors returned by every Store implementation; compare with errors.Is.
var (
	// ErrNotFound: no such record in the given org.
	ErrNotFound = errors.New("not found")
	// ErrConflict: a unique constraint would be violated, or a state
	// transition was already made by someone else.
	ErrConflict = errors.New("conflict")
)
