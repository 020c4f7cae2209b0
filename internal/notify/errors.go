package notify

import (
	"errors"
	"fmt"
	"time"
)

// Sentinel errors; compare with errors.Is.
var (
	// ErrUnknownKind: the channel kind is not one of the Kind constants.
	ErrUnknownKind = errors.New("unknown channel kind")
	// ErrChannelDisabled: the channel was disabled after the delivery was
	// queued, or a rule action named a disabled channel.
	ErrChannelDisabled = errors.New("channel disabled")
	// ErrChannelGone: the channel was deleted after the delivery was queued.
	ErrChannelGone = errors.New("channel deleted")
	// ErrNotRetryable: Retry was asked for a delivery that is not failed.
	ErrNotRetryable = errors.New("delivery is not failed")
)

// FieldError says which field of a channel or its configuration is wrong
// and why. Field is the JSON name, dotted under "config." for the kind's
// settings (e.g. "config.webhook_url").
type FieldError struct {
	Field string
	Msg   string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Msg }

func fieldErr(field, format string, args ...any) *FieldError {
	return &FieldError{Field: field, Msg: fmt.Sprintf(format, args...)}
}

// SendError is a failed attempt to deliver, classified for the retry
// policy.
type SendError struct {
	// Code is the HTTP status or SMTP reply code (0 when none came back).
	Code int
	// Permanent: retrying cannot help (the endpoint refused the message or
	// the configuration is wrong).
	Permanent bool
	// RetryAfter is what the endpoint asked to wait (0 when it did not).
	RetryAfter time.Duration
	Err        error
}

func (e *SendError) Error() string {
	if e.Code != 0 {
		return fmt.Sprintf("status %d: %v", e.Code, e.Err)
	}
	return e.Err.Error()
}

func (e *SendError) Unwrap() error { return e.Err }

// IsPermanent reports whether err is a failure that retrying cannot fix.
// Errors that are not a *SendError (network errors, timeouts) are not.
func IsPermanent(err error) bool {
	var se *SendError
	return errors.As(err, &se) && se.Permanent
}

func permanent(code int, err error) *SendError {
	return &SendError{Code: code, Permanent: true, Err: err}
}
