package ingest

import (
	"fmt"
	"net/http"
	"strings"
)

// IdempotencyHeader names the request header with a client's key for
// one logical request (draft-ietf-httpapi-idempotency-key-header): a
// retry carrying the same key is recognised for eventstore.ReceiptTTL.
const IdempotencyHeader = "Idempotency-Key"

// MaxIdempotencyKey bounds the key's length.
const MaxIdempotencyKey = 255

// IdempotencyKey returns the request's key ("" when it has none). The
// draft writes the key as a structured-field string ("abc", quoted);
// a bare token is accepted too. A key must be printable ASCII, 1 to 255
// characters.
func IdempotencyKey(r *http.Request) (string, error) {
	vals := r.Header.Values(IdempotencyHeader)
	if len(vals) == 0 {
		return "", nil
	}
	if len(vals) > 1 {
		return "", fmt.Errorf("send one %s header, not %d", IdempotencyHeader, len(vals))
	}
	k := strings.TrimSpace(vals[0])
	if len(k) >= 2 && k[0] == '"' && k[len(k)-1] == '"' {
		k = k[1 : len(k)-1]
	}
	switch {
	case k == "":
		return "", fmt.Errorf("%s is empty", IdempotencyHeader)
	case len(k) > MaxIdempotencyKey:
		return "", fmt.Errorf("%s is %d characters long; at most %d are allowed", IdempotencyHeader, len(k), MaxIdempotencyKey)
	}
	for i := 0; i < len(k); i++ {
		if c := k[i]; c < 0x20 || c > 0x7e {
			return "", fmt.Errorf("%s has a byte 0x%02x at position %d: only printable ASCII is allowed", IdempotencyHeader, c, i+1)
		}
	}
	return k, nil
}
