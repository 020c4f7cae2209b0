package store

import "errors"

// Errors returned by every Store implementation; compare with errors.Is.
var (
	// ErrNotFound: no such record in the given org.
	ErrNotFound = errors.New("not found")
	// ErrConflict: a unique constraint would be violated, or a state
	// transition was already made by someone else.
	ErrConflict = errors.New("conflict")
	// ErrBusy: the transaction met another over the same records and the
	// database gave up on it (PostgreSQL: deadlock, serialization
	// failure); nothing of it was stored, and running it again is safe.
	ErrBusy = errors.New("busy: another transaction changed the same records")
)
