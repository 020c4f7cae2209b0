package service

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/eventsec/eventsec/internal/agent/agenttest"
	"github.com/eventsec/eventsec/internal/agent/config"
	"github.com/eventsec/eventsec/internal/agent/wire"
)

func cli(t *testing.T, envm map[string]string, args ...string) (string, string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	err := CLI(context.Background(), Env{
		Args: args, Getenv: func(k string) string { return envm[k] }, Stdin: strings.NewReader(""),
		Stdout: &out, Stderr: &errb, Version: "1.2.3",
	})
	return out.String(), errb.String(), err
}

func TestVersionAndUsage(t *testing.T) {
	out, _, err := cli(t, nil, "version")
	if err != nil || !strings.Contains(out, "eventsec-agent 1.2.3 (protocol "+wire.Version) {
		t.Fatalf("version: %q %v", out, err)
	}
	if _, _, err := cli(t, nil, "frobnicate"); !errors.Is(err, ErrUsage) {
		t.Fatalf("unknown command: %v", err)
	}
}

func TestRunWithoutSettingsFailsClearly(t *testing.T) {
	dir := t.TempDir()
	_, _, err := cli(t, map[string]string{config.EnvConfig: filepath.Join(dir, "agent_config.json"), config.EnvDataDir: dir}, "run")
	if !errors.Is(err, config.ErrMissing) || !strings.Contains(err.Error(), "api_url") || !strings.Contains(err.Error(), "enrollment_key") {
		t.Fatalf("err = %v", err)
	}
}

func TestEnrollAndStatus(t *testing.T) {
	srv := agenttest.New("k", wire.Config{})
	defer srv.Close()
	dir := t.TempDir()
	envm := map[string]string{
		config.EnvConfig: filepath.Join(dir, "agent_config.json"), config.EnvDataDir: filepath.Join(dir, "data"),
		config.EnvAPIURL: srv.URL, config.EnvEnrollmentKey: "k",
	}
	out, _, err := cli(t, envm, "status")
	if err != nil || !strings.Contains(out, "enrolled:        no") {
		t.Fatalf("status before: %q %v", out, err)
	}
	out, _, err = cli(t, envm, "enroll")
	if err != nil || !strings.Contains(out, "enrolled as agent-1") {
		t.Fatalf("enroll: %q %v", out, err)
	}
	out, _, _ = cli(t, envm, "enroll")
	if !strings.Contains(out, "already enrolled as agent-1") {
		t.Fatalf("second enroll: %q", out)
	}
	out, _, err = cli(t, envm, "--data-dir", filepath.Join(dir, "data"), "status")
	if err != nil || !strings.Contains(out, "agent id:        agent-1") || !strings.Contains(out, "server:          "+srv.URL) || !strings.Contains(out, "last heartbeat:  never") {
		t.Fatalf("status after: %q %v", out, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "data", "credential.json")); err != nil {
		t.Fatal(err)
	}
	if srv.Snapshot().Enrolls != 1 {
		t.Fatalf("enrolls = %d", srv.Snapshot().Enrolls)
	}
}
