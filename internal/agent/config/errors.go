package config

import "errors"

// Sentinel errors; callers compare with errors.Is.
var (
	// ErrInvalid marks a malformed file or value; the message names the field.
	ErrInvalid = errors.New("invalid agent config")
	// ErrMissing marks a required setting with no value and no terminal to ask.
	ErrMissing = errors.New("missing agent setting")
)
