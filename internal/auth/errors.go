package auth

import (
	"errors"
	"fmt"
	"time"
)

// Errors of the auth service; the API maps each to a status and code.
var (
	ErrInvalidCredentials = errors.New("invalid e-mail or password")
	ErrInvalidToken       = errors.New("invalid or expired token")
	ErrForbidden          = errors.New("forbidden")
	ErrLastAdmin          = errors.New("the organisation must keep at least one enabled admin")
	ErrSelfChange         = errors.New("you cannot do this to your own account")
	ErrWrongPassword      = errors.New("current password is wrong")
)

// ValidationError says which input field is wrong and why.
type ValidationError struct {
	Field   string // JSON path, e.g. "email"
	Code    string // "validation_failed" or "weak_password"
	Message string
}

func (e *ValidationError) Error() string { return fmt.Sprintf("%s: %s", e.Field, e.Message) }

func invalid(field, format string, args ...any) error {
	return &ValidationError{Field: field, Code: "validation_failed", Message: fmt.Sprintf(format, args...)}
}

// RateLimitedError asks the caller to wait.
type RateLimitedError struct{ RetryAfter time.Duration }

func (e *RateLimitedError) Error() string {
	return fmt.Sprintf("too many attempts; retry in %s", e.RetryAfter.Round(time.Second))
}

// ConflictError reports a duplicate: Field names the clashing input.
type ConflictError struct {
	Field   string
	Message string
}

func (e *ConflictError) Error() string { return e.Message }
