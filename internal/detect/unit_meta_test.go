package detect

import (
	"slices"
	"testing"
)

// A correlation's page shows its own references and false positives, not
// those of the rule it counts.
func TestCorrelationMetadataIsItsOwn(t *testing.T) {
	src := `title: Five failures
id: 0e8c5d10-0000-4000-8000-000000000001
name: five_failures
status: test
description: Five failed logons for one user.
references:
  - https://example.org/correlation-a
  - https://example.org/correlation-b
falsepositives:
  - An automation job retrying with an old password
correlation:
  type: event_count
  rules:
    - one_failure
  group-by:
    - user.name
  timespan: 5m
  condition:
    gte: 5
level: high
---
title: One failure
id: 0e8c5d10-0000-4000-8000-000000000002
name: one_failure
status: test
description: A failed logon.
references:
  - https://example.org/base
falsepositives:
  - Users mistyping their password
logsource:
  product: linux
  service: auth
detection:
  sel:
    event.outcome: failure
  condition: sel
level: low
`
	u, problems := Compile("", src, "five.yml")
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	if !slices.Equal(u.References, []string{"https://example.org/correlation-a", "https://example.org/correlation-b"}) ||
		!slices.Equal(u.FalsePositives, []string{"An automation job retrying with an old password"}) {
		t.Fatalf("references %q, false positives %q: want the correlation's own", u.References, u.FalsePositives)
	}
	if u.Description != "Five failed logons for one user." {
		t.Fatalf("description %q", u.Description)
	}
}
