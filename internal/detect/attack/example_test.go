package attack_test

import (
	"fmt"

	"github.com/eventsec/eventsec/internal/detect/attack"
)

func ExampleParseTags() {
	tactics, techniques, unknown := attack.ParseTags([]string{
		"attack.defense-impairment",
		"attack.t1685.005",
		"attack.g0069",
		"attack.t1562.001",
		"attack.t9999",
	})
	for _, t := range tactics {
		fmt.Println(t.ID, t.Name)
	}
	for _, t := range techniques {
		if t.Status == attack.Revoked {
			fmt.Println(t.ID, t.FullName(), "- revoked, use", t.ReplacedBy)
			continue
		}
		fmt.Println(t.ID, t.FullName())
	}
	fmt.Println(unknown)
	// Output:
	// TA0112 Defense Impairment
	// T1562.001 Impair Defenses: Disable or Modify Tools - revoked, use T1685
	// T1685.005 Disable or Modify Tools: Clear Windows Event Logs
	// [attack.t9999]
}
