package correlate

import (
	"bytes"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

// FuzzParse checks that Parse never panics, that every error it returns
// is located, and that every rule it accepts can be loaded and fed.
func FuzzParse(f *testing.F) {
	seeds := append([]string{specChain, "title: x\ncorrelation: {}\n", "correlation:\n  type: [a]\n",
		"title: x\ncorrelation:\n  type: temporal\n  rules: [a, b]\n  timespan: 5m\n  aliases: {ip: {a: x}}\n"}, allTypes...)
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		dec := yaml.NewDecoder(bytes.NewReader(data))
		for range 4 {
			var doc yaml.Node
			if dec.Decode(&doc) != nil {
				return
			}
			r, err := Parse(&doc, "fuzz.yml")
			if err != nil {
				if _, ok := err.(*Error); !ok {
					t.Fatalf("error %v is not an *Error", err)
				}
				continue
			}
			if err := r.Validate(); err != nil {
				t.Fatalf("Parse accepted a rule Validate refuses: %v", err)
			}
			if r.Key() == "" {
				continue
			}
			e := New(Options{MaxGroups: 16})
			if err := e.Add(r); err != nil {
				continue // engine limits, e.g. a huge threshold
			}
			for i, ref := range r.Correlation.Rules {
				e.Observe(Observation{OrgID: "o", RuleName: ref, Time: t0.Add(time.Duration(i) * time.Second),
					Field: func(string) (string, bool) { return "1", true }})
			}
			e.Advance(t0.Add(r.Correlation.Timespan + time.Hour))
		}
	})
}
