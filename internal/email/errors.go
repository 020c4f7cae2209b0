package email

import (
	"errors"
	"fmt"
)

// Errors returned by the package; compare with errors.Is.
var (
	// ErrTooLarge: the message is over the size limit.
	ErrTooLarge = errors.New("message too large")
	// ErrNotMessage: the input has no header fields at all.
	ErrNotMessage = errors.New("not an e-mail message")
	// ErrInvalid: a setting or request is not valid (see FieldError).
	ErrInvalid = errors.New("invalid")
	// ErrUnavailable: the feature is not set up on this server.
	ErrUnavailable = errors.New("unavailable")
	// ErrBusy: the mailbox is being polled already.
	ErrBusy = errors.New("mailbox is being polled already")
	// ErrUpstream: a mail server or mail API refused or failed.
	ErrUpstream = errors.New("mail server error")
)

// FieldError is a validation error about one field of a request.
type FieldError struct {
	Field string
	Msg   string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Msg }

// Unwrap makes a FieldError an ErrInvalid.
func (e *FieldError) Unwrap() error { return ErrInvalid }

func fieldErr(field, format string, args ...any) error {
	return &FieldError{Field: field, Msg: fmt.Sprintf(format, args...)}
}
