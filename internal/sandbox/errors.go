package sandbox

import "errors"

// Sentinel errors returned by the Analyzer.
var (
	// ErrTooLarge is returned for samples above Options.MaxSampleSize.
	ErrTooLarge = errors.New("sample exceeds the maximum size")
	// ErrInvalidHash is returned by AnalyzeHash for input that is not a
	// known hash format.
	ErrInvalidHash = errors.New("not a valid MD5, SHA-1, SHA-256, SHA-512, TLSH or ssdeep hash")
	// ErrEmptyInput is returned for empty names, URLs, domains or IPs.
	ErrEmptyInput = errors.New("empty input")
)
