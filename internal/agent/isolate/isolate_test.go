package isolate

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

func TestParsePrefix(t *testing.T) {
	for in, want := range map[string]string{
		"10.1.2.3":       "10.1.2.3/32",
		"10.1.2.0/24":    "10.1.2.0/24",
		"10.1.2.9/24":    "10.1.2.0/24",
		"::ffff:1.2.3.4": "1.2.3.4/32",
		"2001:db8::/48":  "2001:db8::/48",
		"0.0.0.0/0":      "",
		"10.0.0.0/7":     "",
		"::/0":           "",
		"nonsense":       "",
	} {
		got, err := ParsePrefix(in)
		if want == "" {
			if err == nil {
				t.Errorf("ParsePrefix(%q) = %v, want an error", in, got)
			}
			continue
		}
		if err != nil || got.String() != want {
			t.Errorf("ParsePrefix(%q) = %v, %v; want %s", in, got, err, want)
		}
	}
}

func TestPlanResolvesServerAndResolvers(t *testing.T) {
	rc := filepath.Join(t.TempDir(), "resolv.conf")
	os.WriteFile(rc, []byte("# comment\nsearch example.com\nnameserver 192.0.2.53\nnameserver fe80::1%eth0\noptions ndots:2\n"), 0o644)
	i := New(Options{ServerHost: "localhost", ResolvConf: rc})
	p, err := i.plan(context.Background(), []string{"198.51.100.0/24"})
	if err != nil {
		t.Fatal(err)
	}
	var hasLoop, hasExtra bool
	for _, a := range p.Allow {
		hasLoop = hasLoop || a.Addr().IsLoopback()
		hasExtra = hasExtra || a.String() == "198.51.100.0/24"
	}
	if !hasLoop || !hasExtra {
		t.Errorf("allow = %v", p.Allow)
	}
	if len(p.DNS) != 2 || p.DNS[0].String() != "192.0.2.53" || p.DNS[1].String() != "fe80::1" {
		t.Errorf("dns = %v", p.DNS)
	}
	if _, err := New(Options{ServerHost: "no-such-host.invalid"}).plan(context.Background(), nil); err == nil {
		t.Error("unresolvable server accepted")
	}
	if _, err := i.plan(context.Background(), []string{"0.0.0.0/0"}); err == nil {
		t.Error("allow-all prefix accepted")
	}
}
