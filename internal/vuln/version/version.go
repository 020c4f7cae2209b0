// Package version orders package versions by the rules of each packaging
// ecosystem: dpkg (Debian, Ubuntu), rpm (Red Hat and its rebuilds, SUSE),
// apk (Alpine, Wolfi), SemVer 2.0 (npm, crates.io, Go, NuGet, ...), PEP 440
// (PyPI), Maven, RubyGems, and a generic fallback for everything else.
//
// Every comparator is a total preorder over all strings, including strings
// that are not valid versions in its ecosystem: sorting and range checks
// must never loop or contradict themselves on hostile input. Where an
// ecosystem rejects a string (PEP 440 "banana", SemVer "1.x"), Valid says
// so and the comparator sorts such strings after every valid version,
// ordered among themselves by the generic comparator.
package version

import "strings"

// Scheme names a version ordering.
type Scheme string

// The supported orderings.
const (
	Dpkg     Scheme = "dpkg"     // Debian policy 5.6.12: epoch:upstream-revision
	RPM      Scheme = "rpm"      // rpmvercmp with ~ and ^, epoch:version-release
	APK      Scheme = "apk"      // Alpine apk-tools: 1.2.3a_rc1-r0
	SemVer   Scheme = "semver"   // SemVer 2.0, tolerant of a leading v and short forms
	NuGet    Scheme = "nuget"    // SemVer with four numeric parts and case-insensitive labels
	PEP440   Scheme = "pep440"   // Python packaging versions
	Maven    Scheme = "maven"    // Maven ComparableVersion
	RubyGems Scheme = "rubygems" // Gem::Version
	Generic  Scheme = "generic"  // numbers numerically, words lexically; no ecosystem rules
)

// Compare returns -1, 0 or +1 as a sorts before, equal to or after b
// under s. An unknown scheme compares with Generic.
func (s Scheme) Compare(a, b string) int {
	switch s {
	case Dpkg:
		return CompareDpkg(a, b)
	case RPM:
		return CompareRPM(a, b)
	case APK:
		return CompareAPK(a, b)
	case SemVer:
		return CompareSemVer(a, b)
	case NuGet:
		return CompareNuGet(a, b)
	case PEP440:
		return ComparePEP440(a, b)
	case Maven:
		return CompareMaven(a, b)
	case RubyGems:
		return CompareRubyGems(a, b)
	default:
		return CompareGeneric(a, b)
	}
}

// Valid reports whether v is a well-formed version under s. dpkg and rpm
// accept almost anything (their tools compare any string); the others
// follow their grammar.
func (s Scheme) Valid(v string) bool {
	switch s {
	case Dpkg:
		return ValidDpkg(v)
	case RPM:
		return ValidRPM(v)
	case APK:
		return ValidAPK(v)
	case SemVer:
		_, ok := parseSemVer(v, false)
		return ok
	case NuGet:
		_, ok := parseSemVer(v, true)
		return ok
	case PEP440:
		_, ok := parsePEP440(v)
		return ok
	case Maven, RubyGems, Generic:
		return strings.TrimSpace(v) != ""
	default:
		return strings.TrimSpace(v) != ""
	}
}

// ForEcosystem returns the ordering of an OSV ecosystem name (the part
// before the first colon: "Debian", "Rocky Linux", "PyPI"). ok is false
// when the ecosystem has no known ordering and Generic is returned, so the
// caller can say that its answer is a best effort.
func ForEcosystem(ecosystem string) (s Scheme, ok bool) {
	name, _, _ := strings.Cut(ecosystem, ":")
	switch strings.ToLower(strings.TrimSpace(name)) {
	case "debian", "ubuntu":
		return Dpkg, true
	case "red hat", "rocky linux", "almalinux", "suse", "opensuse", "mageia",
		"openeuler", "photon os", "azure linux", "cbl-mariner", "openmandriva", "oracle linux", "amazon linux":
		return RPM, true
	case "alpine", "wolfi", "chainguard", "alpaquita", "bellsoft hardened containers", "minimos":
		return APK, true
	case "npm", "crates.io", "go", "hex", "pub", "swifturl", "bitnami", "kubernetes", "github actions":
		return SemVer, true
	case "nuget":
		return NuGet, true
	case "pypi":
		return PEP440, true
	case "maven":
		return Maven, true
	case "rubygems":
		return RubyGems, true
	}
	return Generic, false
}

// compareDigits orders two runs of ASCII digits numerically without
// converting them, so that a 40-digit run cannot overflow.
func compareDigits(a, b string) int {
	a = strings.TrimLeft(a, "0")
	b = strings.TrimLeft(b, "0")
	if len(a) != len(b) {
		if len(a) < len(b) {
			return -1
		}
		return 1
	}
	return strings.Compare(a, b)
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }
func isAlpha(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

func sign(n int) int {
	switch {
	case n < 0:
		return -1
	case n > 0:
		return 1
	}
	return 0
}

// validFirst implements the common "valid versions sort before invalid
// ones" rule that keeps a grammar-based comparator total.
func validFirst(aOK, bOK bool, a, b string) (int, bool) {
	switch {
	case aOK && bOK:
		return 0, false
	case aOK:
		return -1, true
	case bOK:
		return 1, true
	}
	return CompareGeneric(a, b), true
}
