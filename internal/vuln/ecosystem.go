package vuln

import (
	"regexp"
	"strings"

	"github.com/eventsec/eventsec/internal/vuln/osv"
	"github.com/eventsec/eventsec/internal/vuln/version"
)

// How an ecosystem uses releases. Distributions scope records to one
// release ("Debian:12"); language ecosystems have none.
type releasePolicy uint8

const (
	noRelease       releasePolicy = iota // language ecosystems: any release qualifier is ignored
	optionalRelease                      // a record without a release applies to every release
	requiredRelease                      // a record without a release cannot be placed and never matches
)

var releasePolicies = map[string]releasePolicy{
	"debian": optionalRelease, "rocky linux": optionalRelease, "almalinux": optionalRelease,
	"ubuntu": requiredRelease, "alpine": requiredRelease, "red hat": requiredRelease, "suse": requiredRelease,
	"opensuse": requiredRelease, "mageia": requiredRelease, "photon os": requiredRelease, "openeuler": requiredRelease,
	"azure linux": requiredRelease, "alpaquita": requiredRelease, "bellsoft hardened containers": requiredRelease,
}

// unplaceable is the release key of records that need a release and have
// none: no host ever looks it up.
const unplaceable = "\x00unplaceable"

// ecoInfo is what the index needs to know about an ecosystem string.
type ecoInfo struct {
	name, family, release string
	scheme                version.Scheme
	known                 bool // scheme is the ecosystem's own, not Generic
}

// ecoCache memoises ecoInfo: a large import repeats a few dozen
// ecosystem strings hundreds of thousands of times. Not safe for
// concurrent use; each import or build has its own.
type ecoCache map[string]ecoInfo

func (c ecoCache) get(eco string) ecoInfo {
	if info, ok := c[eco]; ok {
		return info
	}
	family, release := recordKey(eco)
	scheme, known := schemeFor(family)
	info := ecoInfo{name: osv.ParseEcosystem(eco).Name, family: family, release: release, scheme: scheme, known: known}
	c[eco] = info
	return info
}

// recordKey returns the family and release under which an affected
// package of ecosystem eco is indexed.
func recordKey(eco string) (family, release string) {
	e := osv.ParseEcosystem(eco)
	family = strings.ToLower(e.Name)
	switch releasePolicies[family] {
	case noRelease:
		return family, ""
	case requiredRelease:
		if e.Release == "" {
			return family, unplaceable
		}
	}
	rel := strings.ToLower(e.Release)
	if family == "openeuler" {
		// "22.03-LTS-SP1": hosts report VERSION_ID 22.03 only.
		rel, _, _ = strings.Cut(rel, "-")
	}
	return family, rel
}

// normName normalises a package name for the index: lower case, and for
// PyPI the PEP 503 form where runs of "-", "_" and "." are one "-".
func normName(family, name string) string {
	name = strings.ToLower(strings.TrimSpace(name))
	if family == "pypi" {
		name = pep503.ReplaceAllString(name, "-")
	}
	return name
}

var pep503 = regexp.MustCompile(`[-_.]+`)

// target is where a host package's vulnerabilities are indexed.
type target struct {
	family   string
	releases []string // release keys to look up
	display  string   // the OSV ecosystem, for messages: "Debian:12"
}

// languageFamilies maps the package sources of language package managers
// to OSV ecosystems; these do not depend on the host's distribution.
var languageFamilies = map[string]string{
	"npm": "npm", "yarn": "npm", "pnpm": "npm", "node": "npm",
	"pypi": "pypi", "pip": "pypi", "python": "pypi", "poetry": "pypi", "conda-pypi": "pypi",
	"go": "go", "gomod": "go", "golang": "go", "gobinary": "go",
	"cargo": "crates.io", "crates": "crates.io", "crates.io": "crates.io", "rust": "crates.io",
	"maven": "maven", "java": "maven", "jar": "maven", "gradle": "maven",
	"nuget": "nuget", "dotnet": "nuget",
	"gem": "rubygems", "rubygems": "rubygems", "ruby": "rubygems", "bundler": "rubygems",
	"composer": "packagist", "packagist": "packagist", "php": "packagist",
	"hex": "hex", "mix": "hex", "pub": "pub", "dart": "pub", "cran": "cran",
	"swift": "swifturl", "conan": "conancenter", "hackage": "hackage", "cabal": "hackage",
}

var familyDisplay = map[string]string{
	"npm": "npm", "pypi": "PyPI", "go": "Go", "crates.io": "crates.io", "maven": "Maven", "nuget": "NuGet",
	"rubygems": "RubyGems", "packagist": "Packagist", "hex": "Hex", "pub": "Pub", "cran": "CRAN",
	"swifturl": "SwiftURL", "conancenter": "ConanCenter", "hackage": "Hackage",
	"debian": "Debian", "ubuntu": "Ubuntu", "alpine": "Alpine", "rocky linux": "Rocky Linux", "almalinux": "AlmaLinux",
	"red hat": "Red Hat", "suse": "SUSE", "opensuse": "openSUSE", "mageia": "Mageia", "photon os": "Photon OS",
	"openeuler": "openEuler", "azure linux": "Azure Linux", "wolfi": "Wolfi", "chainguard": "Chainguard",
}

var debianCodenames = map[string]string{
	"stretch": "9", "buster": "10", "bullseye": "11", "bookworm": "12", "trixie": "13", "forky": "14",
}

var ubuntuCodenames = map[string]string{
	"trusty": "14.04", "xenial": "16.04", "bionic": "18.04", "focal": "20.04", "jammy": "22.04",
	"lunar": "23.04", "mantic": "23.10", "noble": "24.04", "oracular": "24.10", "plucky": "25.04", "questing": "25.10",
}

var leadingVersion = regexp.MustCompile(`^\d+(\.\d+)*`)

// firstParts keeps the first n dot-separated numeric parts of a release.
func firstParts(rel string, n int) string {
	m := leadingVersion.FindString(rel)
	parts := strings.SplitN(m, ".", n+1)
	if len(parts) > n {
		parts = parts[:n]
	}
	return strings.Join(parts, ".")
}

// distroTargets maps a package database and an os-release ID to the
// family of OSV records that cover it.
var distroTargets = map[string]map[string]string{
	"dpkg": {"debian": "debian", "ubuntu": "ubuntu"},
	"apk":  {"alpine": "alpine", "wolfi": "wolfi", "chainguard": "chainguard"},
	"rpm": {
		"rocky": "rocky linux", "almalinux": "almalinux", "rhel": "red hat",
		"sles": "suse", "sled": "suse", "sles_sap": "suse", "sle-micro": "suse",
		"opensuse-leap": "opensuse", "opensuse-tumbleweed": "opensuse", "opensuse-leap-micro": "opensuse",
		"mageia": "mageia", "photon": "photon os", "openeuler": "openeuler", "azurelinux": "azure linux",
	},
}

var sourceAliases = map[string]string{"deb": "dpkg", "apt": "dpkg", "yum": "rpm", "dnf": "rpm", "zypper": "rpm"}

// targetFor finds the OSV ecosystem of an installed package; ok is false
// when there is none (Windows programs, macOS apps, a distribution OSV
// does not cover) and why says so.
func targetFor(p Package) (t target, ok bool, why string) {
	src := strings.ToLower(strings.TrimSpace(p.Source))
	if fam, ok := languageFamilies[src]; ok {
		return target{family: fam, releases: []string{""}, display: familyDisplay[fam]}, true, ""
	}
	if a, ok := sourceAliases[src]; ok {
		src = a
	}
	distros, ok := distroTargets[src]
	if !ok {
		return t, false, "source " + orDash(p.Source) + " has no OSV ecosystem"
	}
	distro := strings.ToLower(strings.TrimSpace(p.Distro))
	fam, ok := distros[distro]
	if !ok {
		return t, false, src + " packages on " + orDash(p.Distro) + " have no OSV ecosystem"
	}
	rel := strings.ToLower(strings.TrimSpace(p.DistroRelease))
	t = target{family: fam}
	switch fam {
	case "debian":
		if n, ok := debianCodenames[rel]; ok {
			rel = n
		}
		t.releases = []string{firstParts(rel, 1), ""}
		t.display = "Debian:" + t.releases[0]
	case "ubuntu":
		if n, ok := ubuntuCodenames[rel]; ok {
			rel = n
		}
		t.releases = []string{firstParts(rel, 2)}
		t.display = "Ubuntu:" + t.releases[0]
	case "alpine":
		t.releases = []string{firstParts(rel, 2)}
		t.display = "Alpine:v" + t.releases[0]
	case "rocky linux", "almalinux":
		t.releases = []string{firstParts(rel, 1), ""}
		t.display = familyDisplay[fam] + ":" + t.releases[0]
	case "suse", "opensuse":
		if strings.Contains(distro, "tumbleweed") {
			rel = "tumbleweed"
		}
		t.releases = []string{rel}
		t.display = familyDisplay[fam] + " " + rel
	case "wolfi", "chainguard":
		t.releases = []string{""}
		t.display = familyDisplay[fam]
	default:
		full, major := firstParts(rel, 2), firstParts(rel, 1)
		t.releases = []string{full}
		if major != full {
			t.releases = append(t.releases, major)
		}
		t.display = familyDisplay[fam] + ":" + full
	}
	if t.releases[0] == "" && releasePolicies[fam] != noRelease && fam != "wolfi" && fam != "chainguard" {
		return t, false, src + " packages on " + p.Distro + " without a release cannot be matched"
	}
	return t, true, ""
}

// schemeFor is the version order of a family; ok is false for the generic
// fallback.
func schemeFor(family string) (version.Scheme, bool) {
	if d, ok := familyDisplay[family]; ok {
		return version.ForEcosystem(d)
	}
	return version.ForEcosystem(family)
}

// hostNames lists the names to look a package up by: its own and its
// source package's, normalised.
func hostNames(family string, p Package) []string {
	names := []string{normName(family, p.Name)}
	src := strings.TrimSpace(p.SourceName)
	if strings.HasSuffix(src, ".src.rpm") {
		// SOURCERPM: name-version-release.src.rpm
		src = strings.TrimSuffix(src, ".src.rpm")
		if i := strings.LastIndexByte(src, '-'); i > 0 {
			if j := strings.LastIndexByte(src[:i], '-'); j > 0 {
				src = src[:j]
			}
		}
	}
	if s := normName(family, src); s != "" && s != names[0] {
		names = append(names, s)
	}
	return names
}

// installedVersion adapts what agents report to what the ecosystem's
// records use: Go toolchains report "go1.21.3", records say "1.21.3".
func installedVersion(family string, p Package, viaSource bool) string {
	v := strings.TrimSpace(p.Version)
	if viaSource && strings.TrimSpace(p.SourceVersion) != "" {
		v = strings.TrimSpace(p.SourceVersion)
	}
	if family == "go" && strings.HasPrefix(v, "go") && len(v) > 2 && v[2] >= '0' && v[2] <= '9' {
		v = v[2:]
	}
	return v
}

func orDash(s string) string {
	if strings.TrimSpace(s) == "" {
		return `""`
	}
	return s
}
