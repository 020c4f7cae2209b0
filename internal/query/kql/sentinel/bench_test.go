package sentinel

import (
	"testing"
	"time"

	"github.com/eventsec/eventsec/internal/query/kql"
)

// BenchmarkParseCompile is parse + compile of a typical hunting query
// against the Sentinel views.
func BenchmarkParseCompile(b *testing.B) {
	cat, err := Catalog(func(kql.Hint) (kql.SQL, error) { return kql.SQL{Text: "ev"}, nil })
	if err != nil {
		b.Fatal(err)
	}
	src := `let suspicious = DeviceNetworkEvents | where TimeGenerated > ago(1d) and RemotePort in (4444, 1337) | distinct DeviceName;
DeviceProcessEvents | where TimeGenerated > ago(1d) | where DeviceName in (suspicious)
| join kind=inner (DeviceNetworkEvents | where TimeGenerated > ago(1d)) on DeviceName
| summarize arg_max(TimeGenerated, *) by DeviceName`
	now := time.Date(2024, 3, 15, 12, 0, 0, 0, time.UTC)
	b.ReportAllocs()
	for b.Loop() {
		q, err := kql.Parse(src)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := kql.Compile(q, cat, kql.Options{Now: now}); err != nil {
			b.Fatal(err)
		}
	}
}
