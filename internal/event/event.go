// Package event defines EventSec's canonical event: one normalized security
// event with ECS field names, its original text, and the identity that makes
// ingestion idempotent.
package event

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Event is one normalized event.
type Event struct {
	// ID is stable: supplied by the client or derived from the content, so
	// that a retried delivery is stored once.
	ID    string
	OrgID string
	// Seq is the store's commit sequence, assigned when the event becomes
	// durable (0 before). Consumers resume from the last Seq they processed.
	Seq int64
	// Timestamp is when the event happened (ECS @timestamp).
	Timestamp time.Time
	// Ingested is when EventSec received it (ECS event.ingested).
	Ingested time.Time
	// Input names how it arrived: "http", "syslog", "hec", "esbulk",
	// "import", "agent", "threatmap".
	Input string
	// Raw is the original text as received (for JSON input, the object's
	// JSON text).
	Raw string
	// Fields holds the normalized ECS fields under flattened dotted keys
	// ("event.category", "source.ip"). Values are string, int64, float64,
	// bool or []string; never nested maps.
	Fields Fields
	// Matched is transient, never stored or serialized: what detection
	// found matching the event while it waited for the store's commit
	// (see detect.Service.Prematch), so that the stream after the commit
	// need not match it again.
	Matched any
}

// Fields are flattened ECS fields.
type Fields map[string]any

// Str returns the field as a string ("" when absent; lists are joined
// with ", ").
func (f Fields) Str(key string) string {
	switch v := f[key].(type) {
	case nil:
		return ""
	case string:
		return v
	case []string:
		return strings.Join(v, ", ")
	case int64:
		return strconv.FormatInt(v, 10)
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(v)
	default:
		b, _ := json.Marshal(v)
		return string(b)
	}
}

// Int returns the field as an integer.
func (f Fields) Int(key string) (int64, bool) {
	switch v := f[key].(type) {
	case int64:
		return v, true
	case float64:
		return int64(v), true
	case string:
		n, err := strconv.ParseInt(v, 10, 64)
		return n, err == nil
	}
	return 0, false
}

// Set stores v under key; empty strings and nil are not stored.
func (f Fields) Set(key string, v any) {
	switch x := v.(type) {
	case nil:
		return
	case string:
		if x == "" {
			return
		}
	case int:
		v = int64(x)
	case []string:
		if len(x) == 0 {
			return
		}
	}
	f[key] = v
}

// Nested returns the fields as a nested ECS document, for display and
// export: {"event": {"category": ...}, "source": {"ip": ...}}. A key that
// is both a value and a prefix keeps the value under its full dotted name.
func (f Fields) Nested() map[string]any {
	keys := make([]string, 0, len(f))
	for k := range f {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := map[string]any{}
	for _, k := range keys {
		// Walk the key's dotted parts in place (no split into a slice).
		m := out
		ok := true
		rest := k
		for {
			i := strings.IndexByte(rest, '.')
			if i < 0 {
				break
			}
			p := rest[:i]
			rest = rest[i+1:]
			next, exists := m[p]
			if !exists {
				child := map[string]any{}
				m[p] = child
				m = child
				continue
			}
			child, isMap := next.(map[string]any)
			if !isMap {
				ok = false
				break
			}
			m = child
		}
		if !ok {
			out[k] = f[k]
			continue
		}
		if _, clash := m[rest].(map[string]any); clash {
			out[k] = f[k]
			continue
		}
		m[rest] = f[k]
	}
	return out
}

// DeriveIDAt derives the ID of an event that has no time of its own
// from its content and its arrival time.
func DeriveIDAt(orgID, input, raw string, received time.Time) string {
	var ts [20]byte
	return deriveID(orgID, input, raw, strconv.AppendInt(ts[:0], received.UnixMicro(), 10))
}

// DeriveID returns a stable ID for an event without a client-supplied one:
// the same org, input and original text always give the same ID, so a
// retried delivery is recognised. A client ID is namespaced the same way so
// that two orgs' IDs never collide.
func DeriveID(orgID, input, raw string) string {
	return deriveID(orgID, input, raw, nil)
}

// deriveIDBuf is the size of the stack buffer deriveID hashes from: most
// events (syslog lines, agent JSON) fit, so that hashing allocates only
// the returned ID.
const deriveIDBuf = 2048

// deriveID hashes orgID NUL input NUL raw, then "NUL @ at" when at is not
// nil, and returns the first 16 bytes of the SHA-256 in hex. IDs are
// stored: the bytes hashed must never change.
func deriveID(orgID, input, raw string, at []byte) string {
	var sum [sha256.Size]byte
	n := len(orgID) + len(input) + len(raw) + 2
	if at != nil {
		n += 2 + len(at)
	}
	if n <= deriveIDBuf {
		var buf [deriveIDBuf]byte
		b := append(buf[:0], orgID...)
		b = append(b, 0)
		b = append(b, input...)
		b = append(b, 0)
		b = append(b, raw...)
		if at != nil {
			b = append(b, 0, '@')
			b = append(b, at...)
		}
		sum = sha256.Sum256(b)
	} else {
		// Too long to copy: streamed (the digest and its writes cost a few
		// allocations, negligible next to hashing this much).
		h := sha256.New()
		io.WriteString(h, orgID)
		h.Write([]byte{0})
		io.WriteString(h, input)
		h.Write([]byte{0})
		io.WriteString(h, raw)
		if at != nil {
			h.Write([]byte("\x00@"))
			h.Write(at)
		}
		h.Sum(sum[:0])
	}
	var id [32]byte
	hex.Encode(id[:], sum[:16])
	return string(id[:])
}
