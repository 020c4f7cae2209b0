package suggest

import "testing"

func TestClosest(t *testing.T) {
	params := []string{"status", "severity", "rule", "q", "from", "to", "limit", "cursor"}
	for _, c := range []struct{ name, want string }{
		{"serverity", "severity"},
		{"Severity", "severity"},
		{"statsu", "status"},
		{"limt", "limit"},
		{"fromm", "from"},
		{"zz", ""},
		{"hostname", ""},
		{"severity", ""}, // itself is no suggestion
	} {
		if got := Closest(c.name, params); got != c.want {
			t.Errorf("Closest(%q) = %q, want %q", c.name, got, c.want)
		}
	}
}

func TestDistance(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want int
	}{{"", "", 0}, {"abc", "", 3}, {"kitten", "sitting", 3}, {"héllo", "hello", 1}} {
		if got := Distance(c.a, c.b); got != c.want {
			t.Errorf("Distance(%q, %q) = %d, want %d", c.a, c.b, got, c.want)
		}
	}
}
