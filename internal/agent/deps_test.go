package agent_test

import (
	"os/exec"
	"strings"
	"testing"
)

// serverOnly are import path fragments that must never reach the agent
// binary: the server's storage, query, detection and HTTP layers, its
// database drivers and its metrics stack.
var serverOnly = []string{
	"github.com/eventsec/eventsec/internal/store",
	"github.com/eventsec/eventsec/internal/eventstore",
	"github.com/eventsec/eventsec/internal/api",
	"github.com/eventsec/eventsec/internal/app",
	"github.com/eventsec/eventsec/internal/detect",
	"github.com/eventsec/eventsec/internal/query",
	"github.com/eventsec/eventsec/internal/ingest",
	"github.com/eventsec/eventsec/internal/normalize",
	"github.com/eventsec/eventsec/internal/auth",
	"github.com/eventsec/eventsec/internal/endpoint",
	"github.com/eventsec/eventsec/web",
	"duckdb",
	"github.com/jackc/pgx",
	"modernc.org/sqlite",
	"sqlite",
	"github.com/prometheus/",
	"github.com/golang-jwt",
	"github.com/coder/websocket",
	"github.com/bradleyjkemp/sigma-go",
	"github.com/oschwald/maxminddb-golang",
	"www.velocidex.com/golang/evtx",
	"github.com/apache/arrow",
}

// TestDeps keeps server code out of the agent, for every target platform.
func TestDeps(t *testing.T) {
	if testing.Short() {
		t.Skip("go list over the agent's dependency graph")
	}
	for _, goos := range []string{"linux", "windows", "darwin"} {
		t.Run(goos, func(t *testing.T) {
			cmd := exec.Command("go", "list", "-deps", "github.com/eventsec/eventsec/cmd/eventsec-agent")
			cmd.Env = append(cmd.Environ(), "GOOS="+goos, "GOARCH=amd64", "CGO_ENABLED=0")
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("go list: %v\n%s", err, out)
			}
			deps := strings.Fields(string(out))
			if len(deps) < 50 {
				t.Fatalf("suspiciously few dependencies (%d): %s", len(deps), out)
			}
			for _, d := range deps {
				for _, bad := range serverOnly {
					if strings.Contains(d, bad) {
						t.Errorf("agent (%s) depends on server-only package %s", goos, d)
					}
				}
			}
		})
	}
}
