package spool

import "errors"

// Sentinel errors; compare with errors.Is.
var (
	// ErrClosed is returned by calls on a closed spool.
	ErrClosed = errors.New("spool is closed")
	// ErrCorrupt marks a record whose checksum does not match.
	ErrCorrupt = errors.New("spool record is corrupt")
)
