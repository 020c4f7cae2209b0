package normalize

import (
	"slices"
	"testing"

	"github.com/eventsec/eventsec/internal/event"
)

// TestPanicBecomesParseError checks the deferred end: a parser's panic
// still gives the caller an event, with the raw text and the reason.
func TestPanicBecomesParseError(t *testing.T) {
	n := New(Options{})
	for range 2 { // the second time with a pooled state
		ev := func() (ev event.Event) {
			st, _ := n.begin(&Input{OrgID: "o", Input: "http", Raw: []byte("boom line")}, 8)
			defer n.end(st, &ev)
			st.set("half.done", "y")
			panic("boom")
		}()
		if got := ev.Fields.Str("error.message"); got != "internal error: boom" {
			t.Fatalf("error.message %q", got)
		}
		tags, _ := ev.Fields["tags"].([]string)
		if !slices.Contains(tags, event.TagParseError) || ev.Fields["half.done"] != nil {
			t.Fatalf("fields %v", ev.Fields)
		}
		if ev.Raw != "boom line" || ev.Fields.Str("message") != "boom line" || ev.ID == "" || ev.OrgID != "o" {
			t.Fatalf("event %+v", ev)
		}
	}
}
