//go:build linux

package isolate

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/nftables"
	"golang.org/x/sys/unix"
)

// The isolation test changes firewall rules, so it only ever runs inside
// network namespaces it creates: the parent test builds two namespaces
// joined by a veth pair ("agent" and "server"), starts listeners in the
// server namespace, and re-executes this test binary under
// `ip netns exec <agent>`, where the child applies real nftables rules and
// checks real connections. The host's own firewall is never touched.

const childEnv = "EVENTSEC_ISOLATE_NETNS_CHILD"

func TestIsolateInNetns(t *testing.T) {
	if os.Getenv(childEnv) != "" {
		isolateChild(t)
		return
	}
	if os.Geteuid() != 0 {
		t.Skip("SKIP isolation test: needs root to create network namespaces")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		t.Skip("SKIP isolation test: the ip command (iproute2) is missing")
	}
	id := fmt.Sprintf("%d", os.Getpid()%100000)
	nsA, nsB := "es-iso-a-"+id, "es-iso-b-"+id
	ip := func(args ...string) {
		t.Helper()
		if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
			t.Fatalf("ip %s: %v: %s", strings.Join(args, " "), err, out)
		}
	}
	if out, err := exec.Command("ip", "netns", "add", nsA).CombinedOutput(); err != nil {
		t.Skipf("SKIP isolation test: cannot create a network namespace: %v: %s", err, out)
	}
	t.Cleanup(func() { exec.Command("ip", "netns", "del", nsA).Run() })
	ip("netns", "add", nsB)
	t.Cleanup(func() { exec.Command("ip", "netns", "del", nsB).Run() })
	ip("-n", nsA, "link", "add", "va", "type", "veth", "peer", "name", "vb", "netns", nsB)
	ip("-n", nsA, "addr", "add", "10.231.0.1/24", "dev", "va")
	ip("-n", nsB, "addr", "add", "10.231.0.2/24", "dev", "vb")
	ip("-n", nsB, "addr", "add", "10.231.0.3/24", "dev", "vb")
	for _, ns := range []string{nsA, nsB} {
		ip("-n", ns, "link", "set", "lo", "up")
	}
	ip("-n", nsA, "link", "set", "va", "up")
	ip("-n", nsB, "link", "set", "vb", "up")

	server := listenIn(t, nsB, "10.231.0.2:0")
	other := listenIn(t, nsB, "10.231.0.3:0")

	cmd := exec.Command("ip", "netns", "exec", nsA, os.Args[0], "-test.run=^TestIsolateInNetns$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), childEnv+"=1",
		"ISO_SERVER="+server.Addr().String(), "ISO_OTHER="+other.Addr().String(),
		"ISO_STATE="+filepath.Join(t.TempDir(), "isolation.json"))
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	t.Logf("child output:\n%s", out.String())
	if err != nil {
		t.Fatalf("isolation checks failed in the namespace: %v", err)
	}
	if strings.Contains(out.String(), "--- SKIP") {
		t.Skip("SKIP isolation test: " + lastLine(out.String(), "SKIP"))
	}
}

func lastLine(s, sub string) string {
	var last string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			last = strings.TrimSpace(l)
		}
	}
	return last
}

// listenIn opens a TCP listener inside a named network namespace by
// switching one locked OS thread into it for the socket() call.
func listenIn(t *testing.T, ns, addr string) net.Listener {
	t.Helper()
	type result struct {
		ln  net.Listener
		err error
	}
	ch := make(chan result, 1)
	go func() {
		runtime.LockOSThread()
		orig, err := os.Open("/proc/thread-self/ns/net")
		if err != nil {
			ch <- result{err: err}
			return
		}
		defer orig.Close()
		target, err := os.Open("/var/run/netns/" + ns)
		if err != nil {
			ch <- result{err: err}
			return
		}
		defer target.Close()
		if err := unix.Setns(int(target.Fd()), unix.CLONE_NEWNET); err != nil {
			ch <- result{err: err}
			return
		}
		ln, lerr := net.Listen("tcp4", addr)
		if err := unix.Setns(int(orig.Fd()), unix.CLONE_NEWNET); err != nil {
			// Leave the thread locked: the runtime discards it when this
			// goroutine ends, so no other goroutine runs in the wrong
			// namespace.
			ch <- result{ln, lerr}
			return
		}
		runtime.UnlockOSThread()
		ch <- result{ln, lerr}
	}()
	r := <-ch
	if r.err != nil {
		t.Fatalf("cannot listen in %s: %v", ns, r.err)
	}
	t.Cleanup(func() { r.ln.Close() })
	go func() {
		for {
			c, err := r.ln.Accept()
			if err != nil {
				return
			}
			c.Write([]byte("ok"))
			c.Close()
		}
	}()
	return r.ln
}

// isolateChild runs inside the agent namespace.
func isolateChild(t *testing.T) {
	c, err := nftables.New()
	if err == nil {
		_, err = c.ListTablesOfFamily(nftables.TableFamilyINet)
	}
	if err != nil {
		t.Skipf("nftables is unusable here: %v", err)
	}
	server, other := os.Getenv("ISO_SERVER"), os.Getenv("ISO_OTHER")
	loop, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer loop.Close()
	go func() {
		for {
			c, err := loop.Accept()
			if err != nil {
				return
			}
			c.Write([]byte("ok"))
			c.Close()
		}
	}()
	// A connection opened before isolation must survive it.
	early, err := net.DialTimeout("tcp4", other, time.Second)
	if err != nil {
		t.Fatalf("baseline: %v", err)
	}
	defer early.Close()
	reach := func(addr string) bool {
		c, err := net.DialTimeout("tcp4", addr, 700*time.Millisecond)
		if err != nil {
			return false
		}
		defer c.Close()
		c.SetReadDeadline(time.Now().Add(time.Second))
		b := make([]byte, 2)
		_, err = c.Read(b)
		return err == nil && string(b) == "ok"
	}
	expect := func(step string, wantServer, wantOther bool) {
		t.Helper()
		if got := reach(server); got != wantServer {
			t.Fatalf("%s: server %s reachable = %v, want %v", step, server, got, wantServer)
		}
		if got := reach(other); got != wantOther {
			t.Fatalf("%s: other %s reachable = %v, want %v", step, other, got, wantOther)
		}
		if !reach(loop.Addr().String()) {
			t.Fatalf("%s: loopback unreachable", step)
		}
	}
	expect("before isolation", true, true)

	host, _, _ := net.SplitHostPort(server)
	stateFile := os.Getenv("ISO_STATE")
	iso := New(Options{StateFile: stateFile, ServerHost: host, Resolvers: []string{"10.231.0.53"}})
	ctx := context.Background()
	if err := iso.Isolate(ctx, nil); err != nil {
		t.Fatal(err)
	}
	expect("isolated", true, false)
	// Established before isolation: still usable.
	early.SetReadDeadline(time.Now().Add(time.Second))
	if _, err := early.Read(make([]byte, 2)); err != nil && !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Logf("early connection read: %v", err)
	}
	// Isolating again replaces the rules without opening a gap.
	if err := iso.Isolate(ctx, []string{"10.231.0.3"}); err != nil {
		t.Fatal(err)
	}
	expect("isolated with extra allow", true, true)
	if err := iso.Isolate(ctx, nil); err != nil {
		t.Fatal(err)
	}

	// An agent restart after the rules were lost (a reboot) restores them.
	if err := remove(""); err != nil {
		t.Fatal(err)
	}
	expect("rules lost", true, true)
	again := New(Options{StateFile: stateFile, ServerHost: host})
	if !again.Isolated() {
		t.Fatal("saved state not isolated")
	}
	if err := again.Restore(ctx); err != nil {
		t.Fatal(err)
	}
	expect("restored", true, false)

	if err := again.Release(ctx); err != nil {
		t.Fatal(err)
	}
	expect("released", true, true)
	if exists, _ := tableExists(c); exists {
		t.Fatal("table still present after release")
	}
	if New(Options{StateFile: stateFile}).Isolated() {
		t.Fatal("released state still says isolated")
	}
}
