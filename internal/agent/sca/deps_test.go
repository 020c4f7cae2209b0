package sca

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDeps keeps the package agent-side: the standard library and
// gopkg.in/yaml.v3, nothing of the server.
func TestDeps(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("the go tool is not on PATH")
	}
	out, err := exec.CommandContext(t.Context(), goTool, "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, dep := range strings.Fields(string(out)) {
		switch dep {
		case "github.com/eventsec/eventsec/internal/agent/sca", "gopkg.in/yaml.v3":
		default:
			t.Errorf("unexpected dependency %s", dep)
		}
	}
}
