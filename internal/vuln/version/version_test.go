package version

import (
	"fmt"
	"slices"
	"testing"
)

// chains lists versions in strictly ascending order per scheme; every pair
// (i < j) must compare as -1 and +1 the other way round. Most come from the
// ecosystems' own documentation and test suites, the rest from real
// package archives.
var chains = map[Scheme][][]string{
	Dpkg: {
		// Debian policy 5.6.12: ~~ < ~~a < ~ < (end) < a < other characters.
		{"1.0~~", "1.0~~a", "1.0~", "1.0~rc1", "1.0~rc2", "1.0", "1.0a", "1.0+dfsg", "1.0.0", "1.0.1"},
		// Ubuntu revisions: digit runs compare numerically.
		{"2.30-1", "2.30-1ubuntu0.1", "2.30-1ubuntu0.2", "2.30-1ubuntu0.10", "2.30-1ubuntu1", "2.30-2", "2.30-10"},
		// The epoch beats everything else.
		{"2.0", "9.9-9", "1:0.9", "1:1.0", "2:0.1"},
		// Debian stable security backports.
		{"3.0.11-1~deb12u1", "3.0.11-1~deb12u2", "3.0.11-1", "3.0.11-1+deb12u1", "3.0.13-1~deb12u1"},
		{"1.0~rc1-1", "1.0-1", "1.0-1+b1", "1.0-1.1", "1.0.0-1"},
		{"1:1.2.13.dfsg-1", "1:1.2.13.dfsg-1+deb12u1", "1:1.3.dfsg-1"},
		{"5.15.0-91.101", "5.15.0-92.102", "5.15.0-101.111", "6.8.0-31.31~22.04.1", "6.8.0-31.31"},
		{"0.9", "1.2", "1.10", "1.10.1", "10"},
	},
	RPM: {
		// rpm's own rpmvercmp tests: ~ before everything, ^ after the end
		// but before any further segment.
		{"1.0~rc1~git123", "1.0~rc1", "1.0~rc1^git1", "1.0~rc2", "1.0", "1.0^", "1.0^git1~pre", "1.0^git1", "1.0^git2", "1.0a", "1.0.1", "1.1", "1.01.1"},
		{"10xyz", "10.1xyz", "10.1.1"},
		{"xyz.4", "2", "8"},
		{"5.5p1", "5.5p2", "5.5p10", "5.6p1", "6.5p1"},
		{"10a1", "10a2", "10b2"},
		{"1.0a", "1.0aa"},
		{"6.0", "6.0.rc1"},
		{"4.999.9", "5.0"},
		// Full EVRs.
		{"1.0-1.el9", "1.0-1.el9_1", "1.0-2.el9", "2.0-1", "1:0.1-1"},
		{"3.0.7-24.el9", "3.0.7-25.el9", "3.0.7-25.el9_3", "1:3.0.7-24.el9", "1:3.0.7-27.el9"},
		{"2.28-225.el9_2.1", "2.28-225.el9_2.9", "2.28-225.el9_2.10", "2.28-236.el9", "2.34-83.el9"},
	},
	APK: {
		{"1.2.3_alpha", "1.2.3_alpha1", "1.2.3_beta2", "1.2.3_pre1", "1.2.3_rc", "1.2.3_rc1", "1.2.3_rc2",
			"1.2.3", "1.2.3-r0", "1.2.3-r1", "1.2.3-r10", "1.2.3_cvs1", "1.2.3_svn1", "1.2.3_git20230101",
			"1.2.3_hg1", "1.2.3_p1", "1.2.3_p1-r1", "1.2.3_p2", "1.2.3a", "1.2.3b", "1.2.4_rc1", "1.2.4", "1.2.4.1", "1.10"},
		{"1.001", "1.01", "1.1", "1.2"},
		{"3.1.4-r1", "3.1.4-r5", "3.1.5-r0", "3.2.0_alpha1-r0", "3.2.0-r0"},
		{"1.36.1-r2", "1.36.1-r15", "1.36.1-r29"},
		{"2.3.4_p1_rc1", "2.3.4_p1", "2.3.4_p1_p1"},
	},
	SemVer: {
		// SemVer 2.0 section 11.
		{"1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2", "1.0.0-beta.11",
			"1.0.0-rc.1", "1.0.0", "1.0.1", "1.1.0", "2.0.0", "10.0.0"},
		// Go pseudo-versions and module versions with the v prefix.
		{"v0.0.0-20200101000000-abcdef123456", "v0.0.0-20230101000000-abcdef123456", "v0.0.1", "v0.10.0", "v1.2.3-pre", "v1.2.3", "v2.0.0"},
		{"1.0.0-1", "1.0.0-2", "1.0.0-10", "1.0.0-a", "1.0.0-a-b", "1.0.0-b"},
		// Anything that is not SemVer sorts after every valid version.
		{"999.999.999", "banana", "1.x"},
	},
	NuGet: {
		{"1.0.0-alpha", "1.0.0-BETA", "1.0.0-rc.1", "1.0.0", "1.0.0.1", "1.0.1", "4.0.0.1234"},
	},
	PEP440: {
		// The ordering example of PEP 440.
		{"1.dev0", "1.0.dev456", "1.0a1", "1.0a2.dev456", "1.0a12.dev456", "1.0a12", "1.0b1.dev456", "1.0b2",
			"1.0b2.post345.dev456", "1.0b2.post345", "1.0rc1.dev456", "1.0rc1", "1.0", "1.0+abc.5", "1.0+abc.7",
			"1.0+5", "1.0.post456.dev34", "1.0.post456", "1.0.15", "1.1.dev1"},
		{"0.9", "1.0", "1.0.1", "2.0", "1!0.1", "2!0.0.1"},
		{"2.31.0", "2.32.0rc1", "2.32.0", "2.32.1"},
		{"1.0", "banana"},
	},
	Maven: {
		// Maven's ComparableVersionTest.
		{"1-alpha2snapshot", "1-alpha2", "1-alpha-123", "1-beta-2", "1-beta123", "1-m2", "1-m11", "1-rc", "1-cr2",
			"1-rc123", "1-SNAPSHOT", "1", "1-sp", "1-sp2", "1-sp123", "1-abc", "1-def", "1-pom-1", "1-1-snapshot",
			"1-1", "1-2", "1-123"},
		{"2.0", "2-1", "2.0.a", "2.0.0.a", "2.0.2", "2.0.123", "2.1.0", "2.1-a", "2.1b", "2.1-c", "2.1-1", "2.1.0.1", "2.2", "2.123"},
		{"11.a2", "11.a11", "11.b2", "11.b11", "11.m2", "11.m11", "11", "11.a", "11b", "11c", "11m"},
		{"2.14.1", "2.15.0-rc1", "2.15.0", "2.16.0", "2.17.1"},
	},
	RubyGems: {
		{"1.0.0.a", "1.0.0.a1", "1.0.0.b1", "1.0.0.pre", "1.0.0.rc1", "1.0.0", "1.0.1", "1.1", "1.10"},
		{"7.0.0-1", "7.0.0", "7.0.4.3", "7.0.8"},
	},
	Generic: {
		{"1.0dev", "1.0alpha", "1.0beta2", "1.0rc1", "1.0", "1.0a", "1.0b", "1.0.1", "1.2", "1.10", "2"},
	},
}

// equal lists pairs that must compare as 0 although the strings differ.
var equal = map[Scheme][][2]string{
	Dpkg:     {{"0:1.0", "1.0"}, {"1.0-0", "1.0"}, {"1.01", "1.1"}, {"1.002-1", "1.2-1"}},
	RPM:      {{"0:1.0-1", "1.0-1"}, {"1.0", "1.0"}, {"10.0001", "10.1"}, {"1.0.", "1.0"}, {"1_0", "1.0"}, {"1..0", "1.0"}},
	APK:      {{"1.2.3-r0", "1.2.3-r00"}, {"01.2", "1.2"}},
	SemVer:   {{"v1.2.3", "1.2.3"}, {"1.2.3+build.5", "1.2.3"}, {"v2.0.0+incompatible", "2.0.0"}, {"1.2", "1.2.0"}, {"=1.0.0", "1.0.0"}},
	NuGet:    {{"1.0.0-Beta", "1.0.0-beta"}, {"1.0.0.0", "1.0.0"}, {"1.0", "1.0.0"}},
	PEP440:   {{"1.0", "1.0.0"}, {"v1.0", "1.0"}, {"1.0RC1", "1.0rc1"}, {"1.0c1", "1.0rc1"}, {"1.0-rc.1", "1.0rc1"}, {"1.0alpha1", "1.0a1"}, {"1.0-1", "1.0.post1"}, {"1.0.r1", "1.0post1"}, {"1.0.dev", "1.0.dev0"}, {"0!1.0", "1.0"}, {"1.0preview2", "1.0rc2"}, {" 1.0 ", "1.0"}, {"1.0+ABC-1", "1.0+abc.1"}},
	Maven:    {{"1", "1.0"}, {"1", "1.0.0"}, {"1", "1-ga"}, {"1", "1-final"}, {"1", "1-release"}, {"1-cr1", "1-rc1"}, {"1a1", "1-alpha-1"}, {"1a1", "1alpha1"}, {"1b2", "1-beta-2"}, {"1m3", "1-milestone-3"}, {"1.0-SNAPSHOT", "1-snapshot"}},
	RubyGems: {{"1.0", "1"}, {"1.0.a", "1.a"}, {"1.0.0.rc1", "1.rc1"}, {"1-1", "1.pre.1"}},
	Generic:  {{"1.0", "1"}, {"1.0.0", "1"}, {"v1.0", "V1"}},
}

func TestChains(t *testing.T) {
	for scheme, cs := range chains {
		for _, chain := range cs {
			for i := range chain {
				for j := range chain {
					want := sign(i - j)
					if got := scheme.Compare(chain[i], chain[j]); got != want {
						t.Errorf("%s: Compare(%q, %q) = %d, want %d", scheme, chain[i], chain[j], got, want)
					}
				}
			}
		}
	}
}

func TestEqual(t *testing.T) {
	for scheme, pairs := range equal {
		for _, p := range pairs {
			if got := scheme.Compare(p[0], p[1]); got != 0 {
				t.Errorf("%s: Compare(%q, %q) = %d, want 0", scheme, p[0], p[1], got)
			}
			if got := scheme.Compare(p[1], p[0]); got != 0 {
				t.Errorf("%s: Compare(%q, %q) = %d, want 0", scheme, p[1], p[0], got)
			}
		}
	}
}

func TestValid(t *testing.T) {
	tests := []struct {
		scheme Scheme
		v      string
		want   bool
	}{
		{Dpkg, "1:2.30-1ubuntu0.1", true},
		{Dpkg, "1.0~rc1", true},
		{Dpkg, "a1.0", false},
		{Dpkg, "x:1.0", false},
		{Dpkg, "1.0-a_b", false},
		{Dpkg, "", false},
		{RPM, "1:3.0.7-27.el9", true},
		{RPM, "1.0^git1", true},
		{RPM, "x:1", false},
		{RPM, "...", false},
		{APK, "1.2.3_rc1-r2", true},
		{APK, "1.2.3a_p1_rc2~abc123-r0", true},
		{APK, "1.2.3_foo", false},
		{APK, "1.2.3-r", false},
		{APK, "v1.2", false},
		{SemVer, "1.2.3-rc.1+build", true},
		{SemVer, "v0.0.0-20230101000000-abcdef123456", true},
		{SemVer, "1.2.3.4", false},
		{SemVer, "1.2.3-", false},
		{SemVer, "1..3", false},
		{NuGet, "1.2.3.4", true},
		{PEP440, "1!2.0rc1.post2.dev3+local.7", true},
		{PEP440, "1.0-1", true},
		{PEP440, "banana", false},
		{PEP440, "1.0+", false},
		{PEP440, "1.0.x", false},
		{Maven, "2.17.1", true},
		{Generic, " ", false},
	}
	for _, tt := range tests {
		if got := tt.scheme.Valid(tt.v); got != tt.want {
			t.Errorf("%s.Valid(%q) = %v, want %v", tt.scheme, tt.v, got, tt.want)
		}
	}
}

func TestForEcosystem(t *testing.T) {
	tests := []struct {
		eco  string
		want Scheme
		ok   bool
	}{
		{"Debian:12", Dpkg, true},
		{"Ubuntu:Pro:22.04:LTS", Dpkg, true},
		{"Alpine:v3.19", APK, true},
		{"Rocky Linux:9", RPM, true},
		{"Red Hat:enterprise_linux:9::appstream", RPM, true},
		{"SUSE:Linux Enterprise Server 15 SP5", RPM, true},
		{"npm", SemVer, true},
		{"Go", SemVer, true},
		{"crates.io", SemVer, true},
		{"NuGet", NuGet, true},
		{"PyPI", PEP440, true},
		{"Maven", Maven, true},
		{"Maven:https://maven.google.com", Maven, true},
		{"RubyGems", RubyGems, true},
		{"Packagist", Generic, false},
		{"Hackage", Generic, false},
	}
	for _, tt := range tests {
		got, ok := ForEcosystem(tt.eco)
		if got != tt.want || ok != tt.ok {
			t.Errorf("ForEcosystem(%q) = %s, %v; want %s, %v", tt.eco, got, ok, tt.want, tt.ok)
		}
	}
}

// TestOrderProperties checks that each comparator is a total preorder on
// every test version of every scheme (most of them invalid for the other
// schemes): antisymmetric on all pairs; consistent after sorting, which a
// non-transitive order cannot be for long; and transitive on all triples
// of every other version. The fuzz targets search further.
func TestOrderProperties(t *testing.T) {
	var all []string
	for _, cs := range chains {
		for _, c := range cs {
			all = append(all, c...)
		}
	}
	for _, ps := range equal {
		for _, p := range ps {
			all = append(all, p[0], p[1])
		}
	}
	all = append(all, "", "~", "^", "-", ":", "0", "00", "a", "1.0-", "-1", "1:", "1.0~~~", "0~")
	for _, scheme := range []Scheme{Dpkg, RPM, APK, SemVer, NuGet, PEP440, Maven, RubyGems, Generic} {
		t.Run(string(scheme), func(t *testing.T) {
			n := len(all)
			cmp := make([]int8, n*n)
			for i := range all {
				for j := range all {
					cmp[i*n+j] = int8(scheme.Compare(all[i], all[j]))
				}
			}
			for i := range all {
				for j := range all {
					if err := checkPair(all[i], all[j], int(cmp[i*n+j]), int(cmp[j*n+i])); err != nil {
						t.Fatal(err)
					}
				}
			}
			sorted := slices.Clone(all)
			slices.SortStableFunc(sorted, scheme.Compare)
			for i := range sorted {
				for j := i + 1; j < len(sorted); j++ {
					if scheme.Compare(sorted[i], sorted[j]) > 0 {
						t.Fatalf("after sorting, %q comes before %q but compares greater", sorted[i], sorted[j])
					}
				}
			}
			for i := 0; i < n; i += 2 {
				for j := 0; j < n; j += 2 {
					for k := 0; k < n; k += 2 {
						if err := checkTriple(all[i], all[j], all[k], int(cmp[i*n+j]), int(cmp[j*n+k]), int(cmp[i*n+k])); err != nil {
							t.Fatal(err)
						}
					}
				}
			}
		})
	}
}

func checkPair(a, b string, ab, ba int) error {
	if ab < -1 || ab > 1 {
		return fmt.Errorf("Compare(%q, %q) = %d, want -1, 0 or 1", a, b, ab)
	}
	if ab != -ba {
		return fmt.Errorf("Compare(%q, %q) = %d but Compare(%q, %q) = %d", a, b, ab, b, a, ba)
	}
	if a == b && ab != 0 {
		return fmt.Errorf("Compare(%q, %q) = %d, want 0", a, a, ab)
	}
	return nil
}

func checkTriple(a, b, c string, ab, bc, ac int) error {
	if ab <= 0 && bc <= 0 && ac > 0 {
		return fmt.Errorf("not transitive: %q <= %q <= %q but %q > %q", a, b, c, a, c)
	}
	if ab >= 0 && bc >= 0 && ac < 0 {
		return fmt.Errorf("not transitive: %q >= %q >= %q but %q < %q", a, b, c, a, c)
	}
	return nil
}
