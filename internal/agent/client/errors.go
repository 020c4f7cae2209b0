package client

import (
	"errors"
	"fmt"
)

// Sentinel errors; compare with errors.Is.
var (
	// ErrRevoked means the server refused the credential (401/403): the
	// agent was revoked or deleted and must stop until re-enrolled.
	ErrRevoked = errors.New("agent credential refused by server")
	// ErrProtocol means the server cannot speak this agent's protocol (426).
	ErrProtocol = errors.New("server does not speak this agent protocol version")
)

// HTTPError is a non-2xx answer other than the ones above.
type HTTPError struct {
	Status  int
	Code    string
	Message string
}

func (e *HTTPError) Error() string {
	if e.Code != "" {
		return fmt.Sprintf("server answered %d %s: %s", e.Status, e.Code, e.Message)
	}
	return fmt.Sprintf("server answered %d", e.Status)
}
