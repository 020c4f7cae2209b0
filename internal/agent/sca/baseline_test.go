package sca

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite golden files")

func baseline(t testing.TB) *Policy {
	t.Helper()
	for _, p := range Builtin() {
		if p.ID == "eventsec-debian-baseline" {
			return p
		}
	}
	t.Fatal("the Debian baseline is not built in")
	return nil
}

func TestBuiltin(t *testing.T) {
	ps := Builtin()
	if len(ps) == 0 {
		t.Fatal("no built-in policies")
	}
	p := baseline(t)
	if len(p.Checks) < 40 {
		t.Errorf("baseline has %d checks, want at least 40", len(p.Checks))
	}
	for _, c := range p.Checks {
		if c.Rationale == "" || c.Remediation == "" {
			t.Errorf("check %s lacks rationale or remediation", c.ID)
		}
	}
	// Fresh copies: changing one does not change the next.
	ps[0].Checks[0].Title = "changed"
	if Builtin()[0].Checks[0].Title == "changed" {
		t.Error("Builtin returns shared policies")
	}
}

// renderResult is the golden form: one line per check.
func renderResult(r Result) string {
	var b strings.Builder
	for _, c := range r.Checks {
		fmt.Fprintf(&b, "%s %s: %s\n", c.ID, c.Status, c.Reason)
	}
	fmt.Fprintf(&b, "passed=%d failed=%d not_applicable=%d errors=%d score=%.2f\n", r.Passed, r.Failed, r.NotApplicable, r.Errors, r.Score)
	return b.String()
}

// statusesOnly drops reasons: reasons name file owners, which depend on the
// user running the test.
func statusesOnly(golden string) string {
	var b strings.Builder
	for l := range strings.Lines(golden) {
		if id, rest, ok := strings.Cut(l, " "); ok && !strings.HasPrefix(l, "passed=") {
			status, _, _ := strings.Cut(rest, ":")
			l = id + " " + status + "\n"
		}
		b.WriteString(l)
	}
	return b.String()
}

func TestBaselineGolden(t *testing.T) {
	for _, name := range []string{"hardened", "weak"} {
		t.Run(name, func(t *testing.T) {
			spec, err := os.ReadFile(filepath.Join("testdata", "roots", name+".tree"))
			if err != nil {
				t.Fatal(err)
			}
			root := buildTree(t, string(spec))
			res := Evaluate(t.Context(), baseline(t), treeEnv(root))
			got := renderResult(res)
			if strings.Contains(got, root) {
				t.Errorf("a reason reveals the test root %s", root)
			}
			golden := filepath.Join("testdata", "baseline_"+name+".golden")
			if *update {
				if os.Getuid() != 0 {
					t.Fatal("regenerate golden files as root: reasons name owner ids")
				}
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			wantB, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			want := string(wantB)
			if os.Getuid() != 0 {
				t.Log("not root: comparing statuses only")
				got, want = statusesOnly(got), statusesOnly(want)
			}
			if got != want {
				t.Errorf("result differs from %s (run with -update to accept):\n%s", golden, diffLines(want, got))
			}
			if res.Errors != 0 {
				t.Errorf("%d checks ended in error", res.Errors)
			}
		})
	}
}

// diffLines lists lines that differ, enough to read a golden mismatch.
func diffLines(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	for i := 0; i < max(len(w), len(g)); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			fmt.Fprintf(&b, "- %s\n+ %s\n", wl, gl)
		}
	}
	return b.String()
}

func TestBaselineHashStable(t *testing.T) {
	spec, err := os.ReadFile(filepath.Join("testdata", "roots", "hardened.tree"))
	if err != nil {
		t.Fatal(err)
	}
	root := buildTree(t, string(spec))
	env := treeEnv(root)
	clock := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	env.Now = func() time.Time { clock = clock.Add(time.Second); return clock }
	a := Evaluate(t.Context(), baseline(t), env)
	b := Evaluate(t.Context(), baseline(t), env)
	if a.Hash != b.Hash || a.Hash == "" {
		t.Fatalf("hash changed between identical runs: %s vs %s", a.Hash, b.Hash)
	}
	if !a.FinishedAt.After(a.StartedAt) || a.StartedAt != time.Date(2026, 1, 2, 3, 4, 6, 0, time.UTC) {
		t.Errorf("times not taken from Env.Now: %v .. %v", a.StartedAt, a.FinishedAt)
	}
	// One changed setting changes the hash.
	if err := os.WriteFile(filepath.Join(root, "proc/sys/net/ipv4/ip_forward"), []byte("1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c := Evaluate(t.Context(), baseline(t), env)
	if c.Hash == a.Hash {
		t.Error("hash did not change when a check's outcome changed")
	}
	if c.Failed != a.Failed+1 {
		t.Errorf("failed = %d, want %d", c.Failed, a.Failed+1)
	}
}

func TestBaselineOtherPlatform(t *testing.T) {
	root := buildTree(t, "-- file /etc/os-release 0644\nID=rocky\nID_LIKE=\"rhel centos fedora\"\n")
	res := Evaluate(t.Context(), baseline(t), treeEnv(root))
	if res.Skipped == "" || res.NotApplicable != len(res.Checks) || res.Score != 0 {
		t.Fatalf("policy applied to Rocky Linux: skipped=%q na=%d of %d", res.Skipped, res.NotApplicable, len(res.Checks))
	}
	if !strings.Contains(res.Skipped, "rocky") {
		t.Errorf("skip reason %q does not name the platform", res.Skipped)
	}
	// Ubuntu names debian in ID_LIKE.
	root = buildTree(t, "-- file /etc/os-release 0644\nID=ubuntu\nID_LIKE=debian\n")
	if res := Evaluate(t.Context(), baseline(t), treeEnv(root)); res.Skipped != "" {
		t.Errorf("policy skipped on Ubuntu: %s", res.Skipped)
	}
}

// TestBaselineRealHost runs the baseline against the machine running the
// test with the default Env. Only the evaluator's own soundness is
// asserted: no check may end in error, except for files the test user may
// not read.
func TestBaselineRealHost(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	res := Evaluate(ctx, baseline(t), Env{})
	t.Logf("real host: %d passed, %d failed, %d not applicable, %d errors, score %.2f (%s)",
		res.Passed, res.Failed, res.NotApplicable, res.Errors, res.Score, res.FinishedAt.Sub(res.StartedAt))
	for _, c := range res.Checks {
		if c.Status != StatusError {
			continue
		}
		if os.Getuid() != 0 && strings.Contains(c.Reason, "permission denied") {
			t.Logf("%s: %s (the test does not run as root)", c.ID, c.Reason)
			continue
		}
		t.Errorf("%s ended in error: %s", c.ID, c.Reason)
	}
	if len(res.Checks) != len(baseline(t).Checks) {
		t.Errorf("%d results for %d checks", len(res.Checks), len(baseline(t).Checks))
	}
}
