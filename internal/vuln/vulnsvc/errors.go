package vulnsvc

import "errors"

// Errors of the vulnerability service, compared with errors.Is.
var (
	// ErrNotFound: no vulnerability with that id affects the
	// organisation's endpoints.
	ErrNotFound = errors.New("vulnerability not found")
	// ErrNoStore: the service was built without a state store, so it
	// has no fleet to report on (the CLI's direct mode).
	ErrNoStore = errors.New("no state store for the fleet view")
)
