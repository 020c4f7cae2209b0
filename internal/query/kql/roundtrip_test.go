package kql

import (
	"testing"
)

// roundTrip checks parse → Format → parse gives the same tree, and that
// formatting is stable (Format of the reparsed tree is the same text).
func roundTrip(t *testing.T, name, src string) {
	t.Helper()
	q, err := Parse(src)
	if err != nil {
		return
	}
	text := Format(q)
	q2, err := Parse(text)
	if err != nil {
		t.Errorf("%s: formatted query does not parse: %v\n--- formatted:\n%s", name, err, text)
		return
	}
	if a, b := Dump(q), Dump(q2); a != b {
		t.Errorf("%s: round trip changed the tree\n--- before: %s\n--- after:  %s\n--- formatted:\n%s", name, a, b, text)
		return
	}
	if again := Format(q2); again != text {
		t.Errorf("%s: Format is not stable\n--- first:\n%s\n--- second:\n%s", name, text, again)
	}
}

func TestRoundTripCorpus(t *testing.T) {
	for _, q := range loadCorpus(t) {
		roundTrip(t, q.Path, q.Query)
	}
}
