package ingest

import (
	"bytes"
	"errors"
)

// Errors of the ingest pipeline and its listeners, compared with errors.Is.
var (
	// ErrOverloaded means admitting the events would exceed the pipeline's
	// bound on events not yet durable. Nothing was stored; the sender
	// should retry later (HTTP listeners answer 429/503 with Retry-After).
	ErrOverloaded = errors.New("ingest pipeline is overloaded")

	// ErrUnauthorized is what an authentication callback returns (wrapped
	// or not) for a missing, unknown, expired or revoked credential. Any
	// other error from a callback is treated as a server failure.
	ErrUnauthorized = errors.New("invalid credentials")
	// ErrDisabled is what an authentication callback returns for a
	// credential that exists but is disabled (Splunk HEC code 1).
	ErrDisabled = errors.New("credentials disabled")
	// ErrForbidden is what an authentication callback returns (wrapped)
	// for a valid credential whose role may not send events: listeners
	// answer 403 naming the permission, not 401, so that the operator
	// changes the key's role instead of hunting for a typo in it.
	ErrForbidden = errors.New("credentials may not send events")

	// ErrBodyTooLarge is returned by ReadBody when the (decompressed) body
	// is over its limit.
	ErrBodyTooLarge = errors.New("request body too large")
	// ErrBadEncoding is returned by ReadBody for an unsupported or corrupt
	// Content-Encoding.
	ErrBadEncoding = errors.New("unsupported or corrupt content encoding")

	// ErrNotObject, ErrTooDeep and ErrBadJSON describe an invalid JSON item.
	ErrNotObject = errors.New("not a JSON object")
	ErrTooDeep   = errors.New("JSON nested too deeply")
	ErrBadJSON   = errors.New("malformed JSON")
	// ErrEmptyObject is an item that is the empty object {}: nothing in
	// it could be searched or matched, so storing it would only count.
	ErrEmptyObject = errors.New("empty JSON object: an event needs at least one field")
)

// EmptyObject reports whether item is the JSON object {} (spaces allowed):
// not an event (ErrEmptyObject), whichever intake it came through.
func EmptyObject(item []byte) bool {
	b := bytes.TrimSpace(item)
	return len(b) >= 2 && b[0] == '{' && b[len(b)-1] == '}' && len(bytes.TrimSpace(b[1:len(b)-1])) == 0
}
