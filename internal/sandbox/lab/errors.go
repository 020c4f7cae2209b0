package lab

import (
	"errors"
	"fmt"
)

// Sentinel errors of the sandbox service; compare with errors.Is.
var (
	// ErrTooLarge: the sample is larger than Options.MaxSampleSize.
	ErrTooLarge = errors.New("sample exceeds the maximum size")
	// ErrEmpty: the sample has no bytes.
	ErrEmpty = errors.New("sample is empty")
	// ErrNoSample: the submission has no stored sample (not a file, or
	// its sample was deleted).
	ErrNoSample = errors.New("no stored sample")
	// ErrBadArchive: a sample archive is malformed.
	ErrBadArchive = errors.New("malformed archive")
	// ErrWrongPassword: the archive's password check failed.
	ErrWrongPassword = errors.New("wrong archive password")
	// ErrYARADisabled: YARA rules cannot be compiled in this build.
	ErrYARADisabled = errors.New("YARA disabled: built without the yara tag")
	// ErrNotConfigured: the external service has no API key.
	ErrNotConfigured = errors.New("the service is not configured")
	// ErrClosed: the service is shutting down.
	ErrClosed = errors.New("the sandbox is shutting down")
)

// FieldError is invalid input, naming the field.
type FieldError struct {
	Field string
	Msg   string
	// Line is the 1-based line of the problem in a rule source (0: none).
	Line int
	// Details lists every problem when there are several (YARA errors).
	Details any
}

func (e *FieldError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s: line %d: %s", e.Field, e.Line, e.Msg)
	}
	return e.Field + ": " + e.Msg
}

func fieldErr(field, format string, args ...any) *FieldError {
	return &FieldError{Field: field, Msg: fmt.Sprintf(format, args...)}
}
