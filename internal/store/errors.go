package store

import (
	"context"
	"errors"
	"time"
)

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

// busyBackoff is how long RetryBusy waits before each new attempt.
var busyBackoff = []time.Duration{10 * time.Millisecond, 20 * time.Millisecond, 40 * time.Millisecond, 80 * time.Millisecond}

// RetryBusy runs fn, a whole transaction, and runs it again when the
// database gave up on it for another transaction over the same records
// (ErrBusy: nothing of it was stored), after 10, 20, 40 and 80 ms. fn must
// set everything it reports from scratch on each run. The last error is
// returned, still ErrBusy when every attempt met one.
func RetryBusy(ctx context.Context, fn func() error) error {
	err := fn()
	for _, d := range busyBackoff {
		if !errors.Is(err, ErrBusy) {
			return err
		}
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
		err = fn()
	}
	return err
}
