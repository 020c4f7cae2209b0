package intel

import (
	"errors"
	"fmt"
)

// Errors of the intel service; compare with errors.Is.
var (
	// ErrInvalid wraps problems with what a caller asked for (a bad
	// indicator value, an unknown format); the message names the field.
	ErrInvalid = errors.New("invalid")
	// ErrUnsupported marks input that is well formed but cannot be
	// represented as indicators (a STIX pattern with AND, a MISP attribute
	// type without an indicator type).
	ErrUnsupported = errors.New("unsupported")
	// ErrFeedFetch: a feed could not be fetched or parsed.
	ErrFeedFetch = errors.New("cannot fetch feed")
)

// FieldError is a bad value: the field it was given in and why it was
// refused. It wraps ErrInvalid.
type FieldError struct {
	Field  string
	Reason string
}

func (e *FieldError) Error() string { return fmt.Sprintf("%s: %s", e.Field, e.Reason) }

// Unwrap makes errors.Is(err, ErrInvalid) true.
func (e *FieldError) Unwrap() error { return ErrInvalid }

func fieldErr(field, format string, args ...any) *FieldError {
	return &FieldError{Field: field, Reason: fmt.Sprintf(format, args...)}
}
