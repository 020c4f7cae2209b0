package duckdb_test

import (
	"testing"
	"time"
)

// A receipt is kept across a restart and is per org; the first
// delivery's time is what every later call returns.
func TestReceipts(t *testing.T) {
	dir := t.TempDir()
	s := openStore(t, dir)
	first := time.Date(2026, 11, 23, 10, 0, 0, 123456789, time.UTC)
	got, err := s.Receipt(t.Context(), "org-a", "k1", first)
	if err != nil || !got.Equal(first.Truncate(time.Microsecond)) {
		t.Fatalf("first receipt: %v %v", got, err)
	}
	if got, err = s.Receipt(t.Context(), "org-a", "k1", first.Add(time.Hour)); err != nil || !got.Equal(first.Truncate(time.Microsecond)) {
		t.Fatalf("second receipt: %v %v", got, err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openStore(t, dir)
	defer s.Close()
	later := first.Add(2 * time.Hour).Truncate(time.Microsecond)
	if got, err = s.Receipt(t.Context(), "org-a", "k1", later); err != nil || !got.Equal(first.Truncate(time.Microsecond)) {
		t.Fatalf("after restart: %v %v", got, err)
	}
	if got, err = s.Receipt(t.Context(), "org-b", "k1", later); err != nil || !got.Equal(later) {
		t.Fatalf("other org: %v %v", got, err)
	}
	if _, err := s.Receipt(t.Context(), "org-a", "", later); err == nil {
		t.Fatal("an empty key was accepted")
	}
}
