package detect

import (
	"testing"
	"time"

	"github.com/eventsec/eventsec/internal/detect/correlate"
)

func TestFiredSummary(t *testing.T) {
	at := time.Date(2026, 11, 25, 6, 24, 19, 0, time.UTC)
	rule := func(typ correlate.Type, field string, rules ...string) *correlate.Rule {
		return &correlate.Rule{Correlation: correlate.Correlation{Type: typ, Rules: rules, Condition: correlate.Condition{Field: field}}}
	}
	for _, c := range []struct {
		f    correlate.Fired
		want string
	}{
		{correlate.Fired{Rule: rule(correlate.EventCount, ""), Value: 5, Start: at, End: at.Add(103 * time.Second)},
			"5 matching events between 06:24:19 and 06:26:02 UTC on 2026-11-25."},
		{correlate.Fired{Rule: rule(correlate.ValueCount, "user.name"), Value: 12, Start: at, End: at.Add(26 * time.Hour)},
			"12 distinct values of user.name between 2026-11-25 06:24:19 and 2026-11-26 08:24:19 UTC."},
		{correlate.Fired{Rule: rule(correlate.TemporalOrdered, "", "a", "b", "c"), Value: 3, Start: at, End: at.Add(time.Minute)},
			"3 of the 3 correlated rules matched in order between 06:24:19 and 06:25:19 UTC on 2026-11-25."},
		{correlate.Fired{Rule: rule(correlate.ValueSum, "network.bytes"), Value: 1.5e9, Start: at, End: at},
			"network.bytes added up to 1500000000 at 2026-11-25 06:24:19 UTC."},
	} {
		if got := firedSummary(&c.f); got != c.want {
			t.Errorf("got  %q\nwant %q", got, c.want)
		}
	}
}
