package osv

import (
	"regexp"
	"strings"
)

// Ecosystem is an OSV ecosystem string taken apart.
type Ecosystem struct {
	// Name is the ecosystem in the schema's spelling ("Debian", "Rocky
	// Linux", "PyPI"); an unknown name is kept as written.
	Name string
	// Release scopes the record to one distribution release, normalised so
	// that it can be compared with what a host reports: "12" (Debian:12),
	// "22.04" (Ubuntu:22.04:LTS), "3.19" (Alpine:v3.19), "9" (Rocky
	// Linux:9, Red Hat:enterprise_linux:9::appstream), "15.5" (SUSE:Linux
	// Enterprise Server 15 SP5, openSUSE:Leap 15.5). Empty when the
	// ecosystem has no releases.
	Release string
	// Qualifiers are the other parts: "LTS" and "Pro" for Ubuntu, the CPE
	// product and repository for Red Hat, the product for SUSE, the
	// repository URL for Maven.
	Qualifiers []string
}

// knownEcosystems maps lower-case names to the schema's spelling.
var knownEcosystems = func() map[string]string {
	m := map[string]string{}
	for _, n := range []string{
		"AlmaLinux", "Alpaquita", "Alpine", "Android", "Azure Linux", "BellSoft Hardened Containers", "Bioconductor",
		"Bitnami", "Chainguard", "CleanStart", "ConanCenter", "CRAN", "crates.io", "Debian", "Docker Hardened Images",
		"Echo", "FreeBSD", "GHC", "GIT", "GitHub Actions", "Go", "Hackage", "Hex", "Julia", "Kubernetes", "Linux",
		"Mageia", "Maven", "MinimOS", "npm", "NuGet", "opam", "openEuler", "openSUSE", "OSS-Fuzz", "Packagist",
		"Photon OS", "Pub", "PyPI", "Red Hat", "Rocky Linux", "Root", "RubyGems", "SUSE", "SwiftURL", "Ubuntu",
		"VSCode", "Wolfi",
	} {
		m[strings.ToLower(n)] = n
	}
	return m
}()

var (
	ubuntuRelease = regexp.MustCompile(`^\d+\.\d+$`)
	// suseRelease finds "15 SP5", "15.5", "15" or "5.5" at the end of a
	// SUSE or openSUSE product name.
	suseRelease = regexp.MustCompile(`\s(\d+)(?:\s+SP(\d+)|\.(\d+))?$`)
)

// ParseEcosystem splits an ecosystem string such as "Debian:12",
// "Ubuntu:Pro:18.04:LTS", "Alpine:v3.19" or
// "Red Hat:enterprise_linux:9::appstream".
func ParseEcosystem(s string) Ecosystem {
	name, rest, _ := strings.Cut(strings.TrimSpace(s), ":")
	name = strings.TrimSpace(name)
	e := Ecosystem{Name: name}
	if canon, ok := knownEcosystems[strings.ToLower(name)]; ok {
		e.Name = canon
	}
	rest = strings.TrimSpace(rest)
	if rest == "" {
		return e
	}
	switch e.Name {
	case "Maven", "Packagist", "VSCode":
		// The suffix is a repository URL, which itself contains colons.
		e.Qualifiers = []string{rest}
	case "Ubuntu":
		for _, p := range strings.Split(rest, ":") {
			switch {
			case p == "":
			case e.Release == "" && ubuntuRelease.MatchString(p):
				e.Release = p
			default:
				e.Qualifiers = append(e.Qualifiers, p)
			}
		}
	case "Alpine":
		e.Release = strings.TrimPrefix(strings.TrimPrefix(rest, "v"), "V")
	case "Red Hat":
		// A CPE without its "cpe:/o:redhat:" prefix: product:version:update:edition.
		parts := strings.Split(rest, ":")
		if len(parts) > 1 {
			e.Release = parts[1]
		}
		for k, p := range parts {
			if k != 1 && p != "" {
				e.Qualifiers = append(e.Qualifiers, p)
			}
		}
	case "SUSE", "openSUSE":
		product := rest
		if m := suseRelease.FindStringSubmatchIndex(" " + rest); m != nil {
			sub := func(i int) string {
				if m[2*i] < 0 {
					return ""
				}
				return (" " + rest)[m[2*i]:m[2*i+1]]
			}
			e.Release = sub(1)
			if minor := sub(2) + sub(3); minor != "" {
				e.Release += "." + minor
			}
			product = strings.TrimSpace((" " + rest)[:m[0]])
		} else if strings.EqualFold(rest, "Tumbleweed") {
			e.Release = "tumbleweed"
			product = ""
		}
		if product != "" {
			e.Qualifiers = []string{product}
		}
	default:
		parts := strings.Split(rest, ":")
		e.Release = strings.TrimSpace(parts[0])
		for _, p := range parts[1:] {
			if p = strings.TrimSpace(p); p != "" {
				e.Qualifiers = append(e.Qualifiers, p)
			}
		}
	}
	return e
}
