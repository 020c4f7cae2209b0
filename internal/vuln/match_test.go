package vuln_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/eventsec/eventsec/internal/vuln"
)

// fixtureDB imports every hand-written record under testdata/osv.
func fixtureDB(t testing.TB) (*vuln.DB, vuln.Report) {
	t.Helper()
	db := quietDB()
	rep, err := db.Import(context.Background(), "testdata/osv")
	if err != nil {
		t.Fatalf("Import: %v", err)
	}
	return db, rep
}

func deb(name, ver, src string) vuln.Package {
	return vuln.Package{Name: name, Version: ver, Source: "dpkg", Distro: "debian", DistroRelease: "12", SourceName: src}
}

func TestMatch(t *testing.T) {
	db, _ := fixtureDB(t)
	type want struct {
		id, fixed, reason string
		severity          vuln.Severity
		score             float64
	}
	tests := []struct {
		name string
		pkg  vuln.Package
		want []want // in Match's order; nil: no finding
	}{
		{"the brief's example", deb("openssl", "3.0.11-1~deb12u1", ""), []want{{
			"DSA-5532-1", "3.0.11-1~deb12u2",
			"openssl 3.0.11-1~deb12u1 is in [introduced 0, fixed 3.0.11-1~deb12u2) of Debian:12", vuln.SeverityUnknown, 0}}},
		{"binary through its source package", deb("libssl3", "3.0.11-1~deb12u1", "openssl"), []want{{
			"DSA-5532-1", "3.0.11-1~deb12u2",
			"libssl3 3.0.11-1~deb12u1 (source package openssl) is in [introduced 0, fixed 3.0.11-1~deb12u2) of Debian:12", vuln.SeverityUnknown, 0}}},
		{"fixed version", deb("openssl", "3.0.11-1~deb12u2", ""), nil},
		{"the tilde sorts first: 3.0.11-1 is after ~deb12u2", deb("openssl", "3.0.11-1", ""), nil},
		{"other release", vuln.Package{Name: "openssl", Version: "3.0.9-1", Source: "dpkg", Distro: "debian", DistroRelease: "11"}, nil},
		{"codename release, epoch missing means 0", vuln.Package{Name: "zlib1g", Version: "1.2.13.dfsg-1", Source: "dpkg", Distro: "debian", DistroRelease: "bookworm", SourceName: "zlib"}, []want{{
			"DEBIAN-CVE-2023-45853", "1:1.2.13.dfsg-1+deb12u1",
			"zlib1g 1.2.13.dfsg-1 (source package zlib) is in [introduced 0, fixed 1:1.2.13.dfsg-1+deb12u1) of Debian:12", vuln.SeverityCritical, 9.8}}},
		{"epoch", deb("zlib1g", "1:1.2.13.dfsg-1", "zlib"), []want{{"DEBIAN-CVE-2023-45853", "1:1.2.13.dfsg-1+deb12u1", "", vuln.SeverityCritical, 9.8}}},
		{"epoch fixed", deb("zlib1g", "1:1.2.13.dfsg-1+deb12u1", "zlib"), nil},
		{"higher upstream, same epoch", deb("zlib1g", "1:1.3.dfsg-3", "zlib"), nil},
		{"Debian 11 entry", vuln.Package{Name: "zlib1g", Version: "1:1.2.11.dfsg-2+deb11u2", Source: "dpkg", Distro: "debian", DistroRelease: "11.8", SourceName: "zlib"}, []want{{
			"DEBIAN-CVE-2023-45853", "1:1.2.11.dfsg-2+deb11u3", "", vuln.SeverityCritical, 9.8}}},
		{"no fix yet, urgency unimportant", deb("libxml2", "2.9.14+dfsg-1.3~deb12u1", ""), []want{{
			"DEBIAN-CVE-2024-00001", "",
			"libxml2 2.9.14+dfsg-1.3~deb12u1 is in [introduced 0, no fix) of Debian:12", vuln.SeverityLow, 0}}},
		{"before a ~rc introduction", vuln.Package{Name: "libxml2", Version: "2.11.5+dfsg-1", Source: "dpkg", Distro: "debian", DistroRelease: "13"}, nil},
		{"at the ~rc introduction", vuln.Package{Name: "libxml2", Version: "2.12.0~rc1+dfsg-1", Source: "dpkg", Distro: "debian", DistroRelease: "13"}, []want{{
			"DEBIAN-CVE-2024-00001", "2.12.3+dfsg-1",
			"libxml2 2.12.0~rc1+dfsg-1 is in [introduced 2.12.0~rc1+dfsg-1, fixed 2.12.3+dfsg-1) of Debian:13", vuln.SeverityMedium, 0}}},
		{"final release after the rc", vuln.Package{Name: "libxml2", Version: "2.12.0+dfsg-1", Source: "dpkg", Distro: "debian", DistroRelease: "13"}, []want{{"DEBIAN-CVE-2024-00001", "2.12.3+dfsg-1", "", vuln.SeverityMedium, 0}}},
		{"fixed in trixie", vuln.Package{Name: "libxml2", Version: "2.12.3+dfsg-1", Source: "dpkg", Distro: "debian", DistroRelease: "13"}, nil},

		{"Ubuntu: range explains before the versions list; CVSS beats priority", vuln.Package{Name: "openssl", Version: "3.0.2-0ubuntu1.6", Source: "dpkg", Distro: "ubuntu", DistroRelease: "22.04"}, []want{
			{"UBUNTU-CVE-2022-3786", "3.0.2-0ubuntu1.7", "openssl 3.0.2-0ubuntu1.6 is in [introduced 0, fixed 3.0.2-0ubuntu1.7) of Ubuntu:22.04:LTS", vuln.SeverityHigh, 7.5},
			{"USN-6450-1", "3.0.2-0ubuntu1.12", "openssl 3.0.2-0ubuntu1.6 is in [introduced 0, fixed 3.0.2-0ubuntu1.12) of Ubuntu:22.04:LTS", vuln.SeverityUnknown, 0}}},
		{"Ubuntu binary without its source name", vuln.Package{Name: "libssl3", Version: "3.0.2-0ubuntu1.10", Source: "dpkg", Distro: "ubuntu", DistroRelease: "22.04.3"}, []want{
			{"USN-6450-1", "3.0.2-0ubuntu1.12", "libssl3 3.0.2-0ubuntu1.10 (a binary of openssl) is in [introduced 0, fixed 3.0.2-0ubuntu1.12) of Ubuntu:22.04:LTS", vuln.SeverityUnknown, 0}}},
		{"Ubuntu digits compare as numbers: 1.12 > 1.7", vuln.Package{Name: "openssl", Version: "3.0.2-0ubuntu1.12", Source: "dpkg", Distro: "ubuntu", DistroRelease: "jammy"}, nil},
		{"Ubuntu Pro record", vuln.Package{Name: "libssl1.0.0", Version: "1.0.2n-1ubuntu5.13", Source: "dpkg", Distro: "ubuntu", DistroRelease: "18.04", SourceName: "openssl1.0"}, []want{
			{"USN-6450-1", "1.0.2n-1ubuntu5.13+esm1", "libssl1.0.0 1.0.2n-1ubuntu5.13 (source package openssl1.0) is in [introduced 0, fixed 1.0.2n-1ubuntu5.13+esm1) of Ubuntu:Pro:18.04:LTS", vuln.SeverityUnknown, 0}}},

		{"Alpine", vuln.Package{Name: "openssl", Version: "3.1.3-r0", Source: "apk", Distro: "alpine", DistroRelease: "3.19.1"}, []want{
			{"ALPINE-CVE-2023-5363", "3.1.4-r0", "openssl 3.1.3-r0 is in [introduced 0, fixed 3.1.4-r0) of Alpine:v3.19", vuln.SeverityUnknown, 0}}},
		{"Alpine fixed through origin", vuln.Package{Name: "libcrypto3", Version: "3.1.4-r0", Source: "apk", Distro: "alpine", DistroRelease: "3.19.1", SourceName: "openssl"}, nil},
		{"Alpine -r revision", vuln.Package{Name: "busybox", Version: "1.36.1-r0", Source: "apk", Distro: "alpine", DistroRelease: "3.18.4"}, []want{
			{"ALPINE-CVE-2022-48174", "1.36.1-r1", "", vuln.SeverityCritical, 9.8}}},
		{"Alpine _git suffix inside the range", vuln.Package{Name: "musl", Version: "1.2.4_git20230717-r3", Source: "apk", Distro: "alpine", DistroRelease: "3.19.0"}, []want{
			{"ALPINE-CVE-2022-48174", "1.2.4_git20230717-r4", "musl 1.2.4_git20230717-r3 is in [introduced 1.2.4_git20230717-r0, fixed 1.2.4_git20230717-r4) of Alpine:v3.19", vuln.SeverityCritical, 9.8}}},
		{"Alpine plain release sorts before _git", vuln.Package{Name: "musl", Version: "1.2.4-r2", Source: "apk", Distro: "alpine", DistroRelease: "3.19.0"}, nil},

		{"Rocky: epoch and el9_3 release, label severity", vuln.Package{Name: "openssl", Version: "1:3.0.7-24.el9", Source: "rpm", Distro: "rocky", DistroRelease: "9.3"}, []want{
			{"RLSA-2023:7877", "1:3.0.7-25.el9_3", "openssl 1:3.0.7-24.el9 is in [introduced 0, fixed 1:3.0.7-25.el9_3) of Rocky Linux:9", vuln.SeverityMedium, 0}}},
		{"Rocky SOURCERPM", vuln.Package{Name: "openssl-libs", Version: "1:3.0.7-24.el9", Source: "rpm", Distro: "rocky", DistroRelease: "9.3", SourceName: "openssl-3.0.7-24.el9.src.rpm"}, []want{
			{"RLSA-2023:7877", "1:3.0.7-25.el9_3", "openssl-libs 1:3.0.7-24.el9 (source package openssl) is in [introduced 0, fixed 1:3.0.7-25.el9_3) of Rocky Linux:9", vuln.SeverityMedium, 0}}},
		{"Rocky fixed", vuln.Package{Name: "openssl", Version: "1:3.0.7-25.el9_3", Source: "rpm", Distro: "rocky", DistroRelease: "9.3"}, nil},
		{"SLES binary", vuln.Package{Name: "glibc-locale-base", Version: "2.31-150300.59.1", Source: "rpm", Distro: "sles", DistroRelease: "15.5"}, []want{
			{"SUSE-SU-2024:0001-1", "2.31-150300.63.1", "glibc-locale-base 2.31-150300.59.1 (a binary of glibc) is in [introduced 0, fixed 2.31-150300.63.1) of SUSE:Linux Enterprise Server 15 SP5", vuln.SeverityHigh, 7.8}}},
		{"SLES other service pack", vuln.Package{Name: "glibc", Version: "2.31-150300.59.1", Source: "rpm", Distro: "sles", DistroRelease: "15.4"}, nil},

		{"npm, third range", vuln.Package{Name: "semver", Version: "5.7.1", Source: "npm"}, []want{
			{"GHSA-c2qf-rxjj-qqgw", "5.7.2", "semver 5.7.1 is in [introduced 0, fixed 5.7.2) of npm", vuln.SeverityMedium, 5.3}}},
		{"npm, second range", vuln.Package{Name: "semver", Version: "6.3.0", Source: "npm"}, []want{{"GHSA-c2qf-rxjj-qqgw", "6.3.1", "semver 6.3.0 is in [introduced 6.0.0, fixed 6.3.1) of npm", vuln.SeverityMedium, 5.3}}},
		{"npm, first range", vuln.Package{Name: "semver", Version: "7.5.1", Source: "npm"}, []want{{"GHSA-c2qf-rxjj-qqgw", "7.5.2", "", vuln.SeverityMedium, 5.3}}},
		{"npm, between ranges", vuln.Package{Name: "semver", Version: "6.3.1", Source: "npm"}, nil},
		{"npm, pre-release of a fix", vuln.Package{Name: "semver", Version: "7.5.2-rc.1", Source: "npm"}, []want{{"GHSA-c2qf-rxjj-qqgw", "7.5.2", "", vuln.SeverityMedium, 5.3}}},
		{"npm fixed", vuln.Package{Name: "semver", Version: "7.5.2", Source: "npm"}, nil},
		{"withdrawn record never matches", vuln.Package{Name: "express", Version: "4.18.2", Source: "npm"}, nil},

		{"Maven, unsorted events", vuln.Package{Name: "org.apache.logging.log4j:log4j-core", Version: "2.14.1", Source: "maven"}, []want{
			{"GHSA-jfh8-c2jp-5v3q", "2.15.0", "org.apache.logging.log4j:log4j-core 2.14.1 is in [introduced 2.13.0, fixed 2.15.0) of Maven", vuln.SeverityCritical, 10}}},
		{"Maven, beta qualifier", vuln.Package{Name: "org.apache.logging.log4j:log4j-core", Version: "2.0-rc1", Source: "maven"}, []want{
			{"GHSA-jfh8-c2jp-5v3q", "2.3.1", "org.apache.logging.log4j:log4j-core 2.0-rc1 is in [introduced 2.0-beta9, fixed 2.3.1) of Maven", vuln.SeverityCritical, 10}}},
		{"Maven, before beta9", vuln.Package{Name: "org.apache.logging.log4j:log4j-core", Version: "2.0-beta8", Source: "maven"}, nil},
		{"Maven, between ranges", vuln.Package{Name: "org.apache.logging.log4j:log4j-core", Version: "2.12.2", Source: "maven"}, nil},

		{"Go toolchain version, SEMVER range", vuln.Package{Name: "stdlib", Version: "go1.21.1", Source: "go"}, []want{
			{"GO-2023-2102", "1.21.3", "stdlib 1.21.1 is in [introduced 1.21.0-0, fixed 1.21.3) (SEMVER) of Go", vuln.SeverityUnknown, 0}}},
		{"Go module with v prefix", vuln.Package{Name: "golang.org/x/net", Version: "v0.15.0", Source: "go"}, []want{{"GO-2023-2102", "0.17.0", "", vuln.SeverityUnknown, 0}}},
		{"Go module fixed", vuln.Package{Name: "golang.org/x/net", Version: "v0.17.0", Source: "go"}, nil},

		{"PyPI pre-release, name normalised", vuln.Package{Name: "Django", Version: "4.2rc1", Source: "pypi"}, []want{
			{"PYSEC-2023-225", "4.2.7", "Django 4.2rc1 is in [introduced 4.2a1, fixed 4.2.7) of PyPI", vuln.SeverityHigh, 7.5}}},
		{"PyPI before the alpha", vuln.Package{Name: "django", Version: "4.1.13", Source: "pip"}, nil},
		{"PyPI fixed", vuln.Package{Name: "django", Version: "4.2.7", Source: "pypi"}, nil},
		{"last_affected is included", vuln.Package{Name: "zope-interface-sample", Version: "2.1.214", Source: "pypi"}, []want{
			{"GHSA-x4qr-2fvf-3mr5", "", "zope-interface-sample 2.1.214 is in [introduced 0, last_affected 2.1.214] of PyPI", vuln.SeverityHigh, 7.5}}},
		{"after last_affected", vuln.Package{Name: "zope.interface.sample", Version: "2.1.215", Source: "pypi"}, nil},
		{"versions list only", vuln.Package{Name: "tiny_lib", Version: "1.0.0rc1", Source: "pypi"}, []want{
			{"PYSEC-2024-0003", "", "tiny_lib 1.0.0rc1 is listed among the affected versions of tiny-lib in PyPI", vuln.SeverityUnknown, 0}}},
		{"versions list, PEP 440 equality", vuln.Package{Name: "tiny-lib", Version: "1.0", Source: "pypi"}, []want{{"PYSEC-2024-0003", "", "", vuln.SeverityUnknown, 0}}},
		{"not in the versions list", vuln.Package{Name: "tiny-lib", Version: "1.0.1", Source: "pypi"}, nil},

		{"unknown ordering says so", vuln.Package{Name: "symfony/http-kernel", Version: "6.2.0", Source: "composer"}, []want{
			{"GHSA-w6xp-3gjx-qx2c", "6.3.4", "symfony/http-kernel 6.2.0 is in [introduced 6.0.0, fixed 6.3.4) of Packagist; compared with the generic version order because Packagist has no known one", vuln.SeverityMedium, 6.8}}},
		{"crates.io SEMVER", vuln.Package{Name: "openssl", Version: "0.10.54", Source: "cargo"}, []want{{"RUSTSEC-2023-0044", "0.10.55", "", vuln.SeverityUnknown, 0}}},
		{"Windows software has no ecosystem", vuln.Package{Name: "openssl", Version: "3.0.0", Source: "windows"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := db.Match([]vuln.Package{tt.pkg})
			if len(got) != len(tt.want) {
				t.Fatalf("Match = %s, want %d findings", describe(got), len(tt.want))
			}
			for i, w := range tt.want {
				f := got[i]
				if f.VulnID != w.id || f.FixedVersion != w.fixed || f.Severity != w.severity || f.Score != w.score ||
					(w.reason != "" && f.Reason != w.reason) || f.Package != tt.pkg.Name {
					t.Errorf("finding %d = %+v\nwant %+v", i, f, w)
				}
			}
		})
	}
}

func TestMatchReport(t *testing.T) {
	db, _ := fixtureDB(t)
	res := db.MatchReport([]vuln.Package{
		deb("openssl", "3.0.11-1~deb12u1", ""),
		{Name: "7-Zip", Version: "23.01", Source: "windows"},
		{Name: "openssl", Version: "1.1.1", Source: "dpkg", Distro: "raspbian", DistroRelease: "12"},
		{Name: "requests", Version: "banana", Source: "pypi"},
	})
	if res.Packages != 4 || len(res.Findings) != 1 || res.InvalidVersions != 1 {
		t.Errorf("MatchReport = %+v", res)
	}
	if res.Unmapped["source windows has no OSV ecosystem"] != 1 || res.Unmapped["dpkg packages on raspbian have no OSV ecosystem"] != 1 {
		t.Errorf("Unmapped = %v", res.Unmapped)
	}
	f := res.Findings[0]
	if strings.Join(f.Aliases, ",") != "CVE-2023-5363" || f.Comparator != "dpkg" || f.Approximate || f.Ecosystem != "Debian:12" || f.MatchedName != "openssl" {
		t.Errorf("finding = %+v", f)
	}
	if !strings.HasPrefix(f.Summary, "openssl - security update") {
		t.Errorf("summary = %q", f.Summary)
	}
}

// TestMatchOrder: most severe first, then by score, package and id.
func TestMatchOrder(t *testing.T) {
	db, _ := fixtureDB(t)
	got := db.Match([]vuln.Package{
		{Name: "semver", Version: "7.5.1", Source: "npm"},
		{Name: "org.apache.logging.log4j:log4j-core", Version: "2.14.1", Source: "maven"},
		deb("openssl", "3.0.11-1~deb12u1", ""),
		deb("zlib1g", "1:1.2.13.dfsg-1", "zlib"),
	})
	var ids []string
	for _, f := range got {
		ids = append(ids, f.VulnID)
	}
	if want := "GHSA-jfh8-c2jp-5v3q DEBIAN-CVE-2023-45853 GHSA-c2qf-rxjj-qqgw DSA-5532-1"; strings.Join(ids, " ") != want {
		t.Errorf("order = %v, want %s", ids, want)
	}
}

func describe(fs []vuln.Finding) string {
	var b strings.Builder
	b.WriteString("[")
	for _, f := range fs {
		fmt.Fprintf(&b, "\n  %s fixed=%q %s %.1f: %s", f.VulnID, f.FixedVersion, f.Severity, f.Score, f.Reason)
	}
	b.WriteString("]")
	return b.String()
}
