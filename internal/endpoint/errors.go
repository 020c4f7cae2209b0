package endpoint

import (
	"errors"
	"fmt"
)

// Errors of the endpoint service, compared with errors.Is.
var (
	// ErrUnauthorized: the agent's credential (or an enrollment key) is
	// missing, unknown or wrong.
	ErrUnauthorized = errors.New("invalid agent credentials")
	// ErrRevoked: the agent was revoked; it must enroll again.
	ErrRevoked = errors.New("agent revoked")
	// ErrKeyRevoked: the enrollment key was revoked or has expired.
	ErrKeyRevoked = errors.New("enrollment key revoked or expired")
	// ErrNotAllowed: a remote action refused by the org's policy
	// (command allow-list, collect paths).
	ErrNotAllowed = errors.New("not allowed by the organisation's endpoint policy")
	// ErrAgentNotBuilt: no agent binary for the platform in the agents
	// directory.
	ErrAgentNotBuilt = errors.New("agent binary not built")
	// ErrUnavailable: a dependency of the request is not configured on
	// this server (the event store, the vulnerability matcher).
	ErrUnavailable = errors.New("not available on this server")
)

// ValidationError is bad input in a named field.
type ValidationError struct {
	Field   string
	Message string
}

func (e *ValidationError) Error() string { return e.Field + ": " + e.Message }

func invalid(field, format string, args ...any) error {
	return &ValidationError{Field: field, Message: fmt.Sprintf(format, args...)}
}
