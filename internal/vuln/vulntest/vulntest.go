// Package vulntest generates synthetic but realistically shaped OSV data
// and endpoint inventories for benchmarks of package vuln: records in each
// database's style (DEBIAN-CVE, USN, ALPINE, RLSA, GHSA, PYSEC, GO,
// RUSTSEC) with its version syntax, packed per ecosystem as osv.dev packs
// them (one all.zip per ecosystem, one record per member), and hosts whose
// installed packages are drawn from the same package names and version
// lines, so that lookups, range checks and hits happen at realistic rates.
// Package popularity is Zipf-distributed: a few packages (the kernel,
// openssl, lodash) carry many records, most carry one or two.
package vulntest

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/eventsec/eventsec/internal/vuln"
)

// Ecosystem describes one generated ecosystem.
type ecosystem struct {
	name   string  // OSV ecosystem, e.g. "Debian:12"
	share  float64 // fraction of the records
	names  []string
	zipf   *rand.Zipf
	style  style
	idFmt  func(r *rand.Rand, n int) string
	source string // the agent's package source for hosts
}

type style int

const (
	styleDebian style = iota
	styleUbuntu
	styleAlpine
	styleRocky
	styleSemVer
	stylePyPI
	styleGo
	styleMaven
)

// Corpus is a generated set of records.
type Corpus struct {
	// Archives maps an archive name ("Debian_12-all.zip") to its ZIP bytes.
	Archives map[string][]byte
	Records  int
	Bytes    int64 // JSON bytes before compression
	ecos     []*ecosystem
	rng      *rand.Rand
}

// Generate builds n records from seed.
func Generate(n int, seed uint64) (*Corpus, error) {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	c := &Corpus{Archives: map[string][]byte{}, rng: rng}
	c.ecos = ecosystems(rng)
	for _, e := range c.ecos {
		count := int(float64(n) * e.share)
		if e == c.ecos[len(c.ecos)-1] {
			count = n - c.Records
		}
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		for i := 0; i < count; i++ {
			rec := c.record(e, i)
			data, err := json.MarshalIndent(rec, "", "  ")
			if err != nil {
				return nil, fmt.Errorf("cannot encode record: %w", err)
			}
			w, err := zw.Create(rec.ID + ".json")
			if err != nil {
				return nil, fmt.Errorf("cannot write archive: %w", err)
			}
			if _, err := w.Write(data); err != nil {
				return nil, fmt.Errorf("cannot write archive: %w", err)
			}
			c.Bytes += int64(len(data))
		}
		if err := zw.Close(); err != nil {
			return nil, fmt.Errorf("cannot write archive: %w", err)
		}
		c.Archives[strings.NewReplacer(":", "_", " ", "_").Replace(e.name)+"-all.zip"] = buf.Bytes()
		c.Records += count
	}
	return c, nil
}

// WriteArchives writes the archives into dir and returns their paths.
func (c *Corpus) WriteArchives(dir string) ([]string, error) {
	var paths []string
	for name, data := range c.Archives {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			return nil, fmt.Errorf("cannot write archive: %w", err)
		}
		paths = append(paths, p)
	}
	return paths, nil
}

// Host is a generated endpoint.
type Host struct {
	Name     string
	Packages []vuln.Package
}

// Hosts builds n endpoints with size packages each: about three quarters
// from the distribution, the rest from language ecosystems.
func (c *Corpus) Hosts(n, size int) []Host {
	distros := []struct {
		eco         string
		distro, rel string
		name        string
	}{
		{"Debian:12", "debian", "12", "debian12"},
		{"Ubuntu:22.04:LTS", "ubuntu", "22.04", "ubuntu2204"},
		{"Alpine:v3.19", "alpine", "3.19.1", "alpine319"},
		{"Rocky Linux:9", "rocky", "9.3", "rocky9"},
		{"Debian:11", "debian", "11", "debian11"},
		{"Ubuntu:20.04:LTS", "ubuntu", "20.04", "ubuntu2004"},
	}
	var lang []*ecosystem
	for _, e := range c.ecos {
		if e.style >= styleSemVer {
			lang = append(lang, e)
		}
	}
	hosts := make([]Host, n)
	for h := range hosts {
		d := distros[h%len(distros)]
		var base *ecosystem
		for _, e := range c.ecos {
			if e.name == d.eco {
				base = e
			}
		}
		host := Host{Name: fmt.Sprintf("%s-%03d", d.name, h)}
		seen := map[string]bool{}
		for len(host.Packages) < size {
			e := base
			if len(host.Packages) >= size*3/4 {
				e = lang[c.rng.IntN(len(lang))]
			}
			// Half the packages follow popularity, half are uniform: hosts
			// carry the popular libraries and a long tail.
			name := e.names[e.zipf.Uint64()]
			if c.rng.IntN(2) == 0 {
				name = e.names[c.rng.IntN(len(e.names))]
			}
			if seen[e.name+name] {
				// Popular names repeat in the Zipf draw; take a uniform one.
				name = e.names[c.rng.IntN(len(e.names))]
				if seen[e.name+name] {
					continue
				}
			}
			seen[e.name+name] = true
			// Hosts run fairly recent versions, so most records are fixed
			// for them, as on a maintained machine.
			p := vuln.Package{Name: name, Version: c.version(e, name, 8+c.rng.IntN(5)), Source: e.source}
			if e.style < styleSemVer {
				p.Distro, p.DistroRelease = d.distro, d.rel
				p.SourceName = name
				if c.rng.IntN(3) == 0 {
					p.Name = "lib" + name + fmt.Sprint(c.rng.IntN(4))
				}
			}
			host.Packages = append(host.Packages, p)
		}
		hosts[h] = host
	}
	return hosts
}

// --- records ---

type jsonRecord struct {
	SchemaVersion string         `json:"schema_version"`
	ID            string         `json:"id"`
	Modified      string         `json:"modified"`
	Published     string         `json:"published"`
	Aliases       []string       `json:"aliases,omitempty"`
	Upstream      []string       `json:"upstream,omitempty"`
	Summary       string         `json:"summary,omitempty"`
	Details       string         `json:"details"`
	Severity      []jsonSeverity `json:"severity,omitempty"`
	Affected      []jsonAffected `json:"affected"`
	References    []jsonRef      `json:"references"`
	DBSpecific    map[string]any `json:"database_specific,omitempty"`
}

type jsonSeverity struct {
	Type  string `json:"type"`
	Score string `json:"score"`
}

type jsonAffected struct {
	Package struct {
		Ecosystem string `json:"ecosystem"`
		Name      string `json:"name"`
		PURL      string `json:"purl,omitempty"`
	} `json:"package"`
	Ranges            []jsonRange    `json:"ranges"`
	Versions          []string       `json:"versions,omitempty"`
	EcosystemSpecific map[string]any `json:"ecosystem_specific,omitempty"`
}

type jsonRange struct {
	Type   string              `json:"type"`
	Events []map[string]string `json:"events"`
}

type jsonRef struct {
	Type string `json:"type"`
	URL  string `json:"url"`
}

var vectors = []string{
	"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
	"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H",
	"CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H",
	"CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N",
	"CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:N/A:N",
	"CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:N/I:N/A:H",
	"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
}

var words = strings.Fields(`a buffer overflow use-after-free integer overflow out-of-bounds read write in the
parser of crafted input may allow remote attackers to cause a denial of service or possibly execute
arbitrary code via a malformed request certificate header archive file when processing untrusted data
NULL pointer dereference race condition improper validation of length fields heap memory corruption`)

func (c *Corpus) sentence(n int) string {
	w := make([]string, n)
	for i := range w {
		w[i] = words[c.rng.IntN(len(words))]
	}
	return strings.Join(w, " ") + "."
}

func (c *Corpus) record(e *ecosystem, i int) jsonRecord {
	r := c.rng
	year := 2015 + r.IntN(11)
	cve := fmt.Sprintf("CVE-%d-%d", year, 1000+r.IntN(60000))
	pub := time.Date(year, time.Month(1+r.IntN(12)), 1+r.IntN(28), r.IntN(24), 0, 0, 0, time.UTC)
	name := e.names[e.zipf.Uint64()]
	rec := jsonRecord{
		SchemaVersion: "1.6.0",
		ID:            e.idFmt(r, i),
		Published:     pub.Format(time.RFC3339),
		Modified:      pub.Add(time.Duration(r.IntN(400*24)) * time.Hour).Format(time.RFC3339),
		Details:       c.sentence(30 + r.IntN(60)),
		References:    []jsonRef{{Type: "ADVISORY", URL: "https://security.example.org/" + cve}, {Type: "WEB", URL: "https://nvd.nist.gov/vuln/detail/" + cve}},
	}
	if e.style == styleDebian || e.style == styleAlpine || e.style == styleUbuntu {
		rec.Upstream = []string{cve}
	} else {
		rec.Aliases = []string{cve}
	}
	if r.IntN(3) > 0 {
		rec.Summary = name + ": " + c.sentence(6)
	}
	if r.IntN(10) < 6 {
		rec.Severity = []jsonSeverity{{Type: "CVSS_V3", Score: vectors[r.IntN(len(vectors)-1)]}}
	} else if r.IntN(4) == 0 {
		rec.Severity = []jsonSeverity{{Type: "CVSS_V4", Score: vectors[len(vectors)-1]}}
	}
	if e.style >= styleSemVer {
		rec.DBSpecific = map[string]any{"severity": []string{"LOW", "MODERATE", "HIGH", "CRITICAL"}[r.IntN(4)], "github_reviewed": true}
	}
	// Some packages are affected in more than one place (another branch).
	n := 1
	if r.IntN(4) == 0 {
		n = 2
	}
	for k := 0; k < n; k++ {
		rec.Affected = append(rec.Affected, c.affected(e, name))
	}
	return rec
}

func (c *Corpus) affected(e *ecosystem, name string) jsonAffected {
	r := c.rng
	var a jsonAffected
	a.Package.Ecosystem, a.Package.Name = e.name, name
	line := r.IntN(12)
	fixed := c.version(e, name, line+1)
	typ := "ECOSYSTEM"
	if e.style == styleGo {
		typ = "SEMVER"
	}
	events := []map[string]string{{"introduced": "0"}}
	if r.IntN(3) == 0 {
		events = []map[string]string{{"introduced": c.version(e, name, r.IntN(line+1))}}
	}
	switch {
	case r.IntN(20) == 0:
		// Not fixed yet.
	case r.IntN(20) == 0:
		events = append(events, map[string]string{"last_affected": c.version(e, name, line)})
	default:
		events = append(events, map[string]string{"fixed": fixed})
	}
	a.Ranges = []jsonRange{{Type: typ, Events: events}}
	switch e.style {
	case styleUbuntu:
		a.EcosystemSpecific = map[string]any{"binaries": []map[string]string{
			{"binary_name": name, "binary_version": fixed}, {"binary_name": "lib" + name + "0", "binary_version": fixed},
		}}
	case styleDebian:
		a.EcosystemSpecific = map[string]any{"urgency": []string{"low", "medium", "high", "unimportant", "not yet assigned"}[r.IntN(5)]}
	case stylePyPI:
		if r.IntN(3) == 0 {
			for k := 0; k < line; k++ {
				a.Versions = append(a.Versions, c.version(e, name, k))
			}
		}
	}
	return a
}

// version returns the line-th version of a package in the ecosystem's
// syntax; lines ascend.
func (c *Corpus) version(e *ecosystem, name string, line int) string {
	h := 0
	for _, ch := range name {
		h = h*31 + int(ch)
	}
	major := 1 + (h&0x7fffffff)%9
	minor := line / 3
	patch := line % 3 * 2
	switch e.style {
	case styleDebian:
		epoch := ""
		if h%7 == 0 {
			epoch = "1:"
		}
		deb := strings.TrimPrefix(e.name, "Debian:")
		return fmt.Sprintf("%s%d.%d.%d-%d~deb%su%d", epoch, major, minor, patch, 1+line%4, deb, 1+line%3)
	case styleUbuntu:
		return fmt.Sprintf("%d.%d.%d-%dubuntu0.%d", major, minor, patch, 1+line%3, line)
	case styleAlpine:
		return fmt.Sprintf("%d.%d.%d-r%d", major, minor, patch, line%5)
	case styleRocky:
		epoch := ""
		if h%5 == 0 {
			epoch = "1:"
		}
		return fmt.Sprintf("%s%d.%d.%d-%d.el9_%d", epoch, major, minor, patch, 10+line, line%4)
	case stylePyPI:
		if line%5 == 4 {
			return fmt.Sprintf("%d.%d.%drc1", major, minor+1, 0)
		}
		return fmt.Sprintf("%d.%d.%d", major, minor, patch)
	case styleGo:
		return fmt.Sprintf("%d.%d.%d", major-1, minor, patch)
	case styleMaven:
		return fmt.Sprintf("%d.%d.%d", major, minor, patch)
	}
	return fmt.Sprintf("%d.%d.%d", major, minor, patch)
}

// --- ecosystems and names ---

var realNames = map[style][]string{
	styleDebian: strings.Fields(`linux openssl glibc curl systemd openssh libxml2 zlib sudo bash python3.11 perl
		nginx apache2 git tiff imagemagick ffmpeg vim expat sqlite3 gnutls28 nss krb5 samba postgresql-15 bind9`),
	styleAlpine: strings.Fields(`linux-lts openssl musl busybox curl zlib libxml2 expat sqlite nginx git openssh
		libx11 tiff libpng freetype gnutls krb5 python3 perl`),
	styleRocky: strings.Fields(`kernel openssl glibc curl systemd openssh libxml2 zlib sudo bash python3.11 perl
		httpd nginx git libtiff ImageMagick vim-enhanced expat sqlite gnutls nss krb5-libs samba postgresql`),
	styleSemVer: strings.Fields(`lodash express axios minimist semver ws qs jsonwebtoken moment handlebars
		node-fetch tar glob follow-redirects debug cookie body-parser path-to-regexp undici postcss`),
	stylePyPI: strings.Fields(`django flask requests urllib3 jinja2 pyyaml cryptography pillow numpy setuptools
		werkzeug aiohttp paramiko lxml sqlalchemy tornado certifi idna twisted ansible`),
	styleGo: strings.Fields(`stdlib golang.org/x/net golang.org/x/crypto golang.org/x/text github.com/gin-gonic/gin
		google.golang.org/grpc github.com/docker/docker github.com/containerd/containerd k8s.io/kubernetes`),
	styleMaven: strings.Fields(`org.apache.logging.log4j:log4j-core com.fasterxml.jackson.core:jackson-databind
		org.springframework:spring-core org.apache.commons:commons-text io.netty:netty-codec-http
		org.yaml:snakeyaml com.google.guava:guava org.apache.tomcat.embed:tomcat-embed-core`),
}

var syllables = strings.Fields("ab ac ad al an ar as at ba be bi bo ca ce co da de di do el en er es fa fi fo ga ge gi go ha he hi ka ke ki la le li lo ma me mi mo na ne ni no pa pe pi po ra re ri ro sa se si so ta te ti to va ve vi vo xa ze zi zo")

func names(r *rand.Rand, st style, n int) []string {
	out := append([]string(nil), realNames[st]...)
	seen := map[string]bool{}
	for _, s := range out {
		seen[s] = true
	}
	for len(out) < n {
		var b strings.Builder
		for k := 0; k < 2+r.IntN(3); k++ {
			b.WriteString(syllables[r.IntN(len(syllables))])
		}
		s := b.String()
		switch st {
		case styleDebian, styleAlpine, styleRocky:
			s = []string{"lib", "", "", "python3-", "golang-"}[r.IntN(5)] + s
		case styleSemVer:
			if r.IntN(5) == 0 {
				s = "@" + syllables[r.IntN(len(syllables))] + "/" + s
			}
		case styleGo:
			s = "github.com/" + syllables[r.IntN(len(syllables))] + "/" + s
		case styleMaven:
			s = "org." + syllables[r.IntN(len(syllables))] + ":" + s
		}
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

func ecosystems(r *rand.Rand) []*ecosystem {
	seq := func(prefix string) func(*rand.Rand, int) string {
		return func(_ *rand.Rand, i int) string { return fmt.Sprintf("%s%06d", prefix, i) }
	}
	// GitHub ids in GitHub's alphabet; the sequence number plus a
	// per-ecosystem offset, spread by an odd multiplier, keeps them unique.
	ghsa := func(offset int) func(*rand.Rand, int) string {
		return func(_ *rand.Rand, i int) string {
			const a = "23456789cfghjmpqrvwx"
			n := uint64(i+offset)*7919 + 104729
			b := []byte("GHSA-xxxx-xxxx-xxxx")
			for k := len(b) - 1; k >= 0; k-- {
				if b[k] == 'x' {
					b[k] = a[n%20]
					n /= 20
				}
			}
			return string(b)
		}
	}
	defs := []struct {
		name   string
		share  float64
		st     style
		names  int
		id     func(*rand.Rand, int) string
		source string
	}{
		{"Debian:12", 0.18, styleDebian, 4000, seq("DEBIAN-CVE-12-"), "dpkg"},
		{"Debian:11", 0.10, styleDebian, 4000, seq("DEBIAN-CVE-11-"), "dpkg"},
		{"Ubuntu:22.04:LTS", 0.14, styleUbuntu, 4000, seq("UBUNTU-CVE-22-"), "dpkg"},
		{"Ubuntu:20.04:LTS", 0.06, styleUbuntu, 4000, seq("UBUNTU-CVE-20-"), "dpkg"},
		{"Alpine:v3.19", 0.07, styleAlpine, 2000, seq("ALPINE-CVE-"), "apk"},
		{"Rocky Linux:9", 0.07, styleRocky, 3000, seq("RLSA-"), "rpm"},
		{"npm", 0.16, styleSemVer, 8000, ghsa(0), "npm"},
		{"PyPI", 0.08, stylePyPI, 4000, seq("PYSEC-"), "pypi"},
		{"Go", 0.05, styleGo, 2000, seq("GO-"), "go"},
		{"Maven", 0.05, styleMaven, 3000, ghsa(10_000_000), "maven"},
		{"crates.io", 0.04, styleSemVer, 1500, seq("RUSTSEC-"), "cargo"},
	}
	var out []*ecosystem
	for _, d := range defs {
		st := d.st
		if st == styleUbuntu {
			st = styleDebian // same source package names
		}
		ns := names(r, st, d.names)
		out = append(out, &ecosystem{
			name: d.name, share: d.share, style: d.st, names: ns, idFmt: d.id, source: d.source,
			zipf: rand.NewZipf(r, 1.2, 8, uint64(len(ns)-1)),
		})
	}
	return out
}
