package inventory

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/eventsec/eventsec/internal/agent/wire"
)

func open(t testing.TB, name string) *os.File {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func TestParseDpkgStatus(t *testing.T) {
	got, err := ParseDpkgStatus(open(t, "dpkg_status"))
	if err != nil {
		t.Fatal(err)
	}
	want := []wire.Package{
		{Name: "libssl3", Version: "3.0.11-1~deb12u2", Source: "dpkg", SourceName: "openssl", Arch: "amd64", Vendor: "Debian OpenSSL Team <pkg-openssl-devel@alioth-lists.debian.net>"},
		{Name: "bash", Version: "5.2.15-2+b2", Source: "dpkg", Arch: "amd64", Vendor: "Matthias Klose <doko@debian.org>"},
		{Name: "libgcc-s1", Version: "12.2.0-14", Source: "dpkg", SourceName: "gcc-12", Arch: "amd64", Vendor: "Debian GCC Maintainers <debian-gcc@lists.debian.org>"},
	}
	comparePkgs(t, got, want)
}

func TestParseAPKInstalled(t *testing.T) {
	got, err := ParseAPKInstalled(open(t, "apk_installed"))
	if err != nil {
		t.Fatal(err)
	}
	want := []wire.Package{
		{Name: "musl", Version: "1.2.4-r2", Source: "apk", Arch: "x86_64", Vendor: "Timo Teräs <timo.teras@iki.fi>"},
		{Name: "libcrypto3", Version: "3.1.4-r5", Source: "apk", SourceName: "openssl", Arch: "x86_64", Vendor: "Ariadne Conill <ariadne@dereferenced.org>"},
		{Name: "busybox", Version: "1.36.1-r15", Source: "apk", Arch: "x86_64"},
	}
	comparePkgs(t, got, want)
}

func TestParseRPMQuery(t *testing.T) {
	got, err := ParseRPMQuery(open(t, "rpm_qa"))
	if err != nil {
		t.Fatal(err)
	}
	vendor := "Rocky Enterprise Software Foundation"
	want := []wire.Package{
		{Name: "bash", Version: "5.1.8-6.el9_1", Source: "rpm", Arch: "x86_64", Vendor: vendor, InstalledAt: time.Unix(1700000000, 0).UTC()},
		{Name: "openssl-libs", Version: "1:3.0.7-24.el9", Source: "rpm", SourceName: "openssl", Arch: "x86_64", Vendor: vendor, InstalledAt: time.Unix(1700000100, 0).UTC()},
		{Name: "kernel-core", Version: "5.14.0-362.8.1.el9_3", Source: "rpm", SourceName: "kernel", Arch: "x86_64", InstalledAt: time.Unix(1700000200, 0).UTC()},
	}
	comparePkgs(t, got, want)
}

func TestSRPMName(t *testing.T) {
	for in, want := range map[string]string{
		"bash-5.1.8-6.el9_1.src.rpm":      "bash",
		"python3.11-3.11.5-1.el9.src.rpm": "python3.11",
		"(none)":                          "",
		"":                                "",
	} {
		if got := srpmName(in); got != want {
			t.Errorf("srpmName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParsePlist(t *testing.T) {
	v, err := ParsePlistStrings(open(t, "Info.plist"))
	if err != nil {
		t.Fatal(err)
	}
	if v["CFBundleTypeName"] != "" {
		t.Errorf("nested dict leaked: %v", v)
	}
	p := appFromPlist(v, "/Applications/Firefox.app")
	want := wire.Package{Name: "Firefox", Version: "121.0.1", Source: "macos_app", Vendor: "mozilla"}
	if p != want {
		t.Errorf("app = %+v, want %+v", p, want)
	}
}

func TestParsePkgInfo(t *testing.T) {
	p, err := ParsePkgInfo(open(t, "pkginfo"))
	if err != nil {
		t.Fatal(err)
	}
	want := wire.Package{Name: "com.apple.pkg.CLTools_Executables", Version: "15.1.0.0.1.1700200546", Source: "pkgutil", Vendor: "apple", InstalledAt: time.Unix(1701878400, 0).UTC()}
	if p != want {
		t.Errorf("pkg = %+v, want %+v", p, want)
	}
}

// TestSoftwareFromRoot reads a fake root holding both a dpkg and an apk
// database, dating dpkg packages by their .list files.
func TestSoftwareFromRoot(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("package databases are read on Linux only")
	}
	root := t.TempDir()
	copyTo(t, "dpkg_status", filepath.Join(root, dpkgStatusPath))
	copyTo(t, "apk_installed", filepath.Join(root, apkInstalledPath))
	list := filepath.Join(root, dpkgInfoDir, "libssl3:amd64.list")
	copyTo(t, "pkginfo", list)
	when := time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
	if err := os.Chtimes(list, when, when); err != nil {
		t.Fatal(err)
	}
	c := New(Options{Root: root})
	got := c.Software(context.Background())
	if len(got) != 6 {
		t.Fatalf("got %d packages, want 6: %+v", len(got), got)
	}
	for _, p := range got {
		if p.Name == "libssl3" && !p.InstalledAt.Equal(when) {
			t.Errorf("libssl3 installed at %v, want %v", p.InstalledAt, when)
		}
	}
}

func copyTo(t *testing.T, name, dst string) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func comparePkgs(t *testing.T, got, want []wire.Package) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d packages, want %d:\n%+v", len(got), len(want), got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("package %d:\n got %+v\nwant %+v", i, got[i], want[i])
		}
	}
}

func FuzzParseDpkgStatus(f *testing.F) {
	data, _ := os.ReadFile("testdata/dpkg_status")
	f.Add(data)
	f.Add([]byte("Package: x\nStatus: install ok installed\n\n\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		pkgs, _ := ParseDpkgStatus(bytes.NewReader(b))
		for _, p := range pkgs {
			if p.Name == "" || p.Source != "dpkg" {
				t.Fatalf("bad package %+v", p)
			}
		}
	})
}

func FuzzParseAPKInstalled(f *testing.F) {
	data, _ := os.ReadFile("testdata/apk_installed")
	f.Add(data)
	f.Fuzz(func(t *testing.T, b []byte) {
		pkgs, _ := ParseAPKInstalled(bytes.NewReader(b))
		for _, p := range pkgs {
			if p.Name == "" {
				t.Fatalf("bad package %+v", p)
			}
		}
	})
}

func FuzzParseRPMQuery(f *testing.F) {
	data, _ := os.ReadFile("testdata/rpm_qa")
	f.Add(data)
	f.Fuzz(func(t *testing.T, b []byte) {
		pkgs, _ := ParseRPMQuery(bytes.NewReader(b))
		for _, p := range pkgs {
			if p.Name == "" || strings.Contains(p.Name, "\t") {
				t.Fatalf("bad package %+v", p)
			}
		}
	})
}

func FuzzParsePlistStrings(f *testing.F) {
	data, _ := os.ReadFile("testdata/Info.plist")
	f.Add(data)
	f.Fuzz(func(t *testing.T, b []byte) {
		ParsePlistStrings(bytes.NewReader(b)) //nolint:errcheck // must not panic
	})
}

func BenchmarkParseDpkgStatus(b *testing.B) {
	data, err := os.ReadFile("/var/lib/dpkg/status")
	if err != nil {
		data, _ = os.ReadFile("testdata/dpkg_status")
	}
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := ParseDpkgStatus(bytes.NewReader(data)); err != nil {
			b.Fatal(err)
		}
	}
}
