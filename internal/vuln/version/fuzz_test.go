package version

import "testing"

// Each fuzz target checks that a comparator is a total preorder on
// arbitrary strings: reflexive, antisymmetric and transitive, for both
// "<=" and "==". Run one with, for example:
//
//	go test -fuzz=FuzzDpkg -fuzztime=60s ./internal/vuln/version/

func fuzzScheme(f *testing.F, s Scheme) {
	for _, chain := range chains[s] {
		for i := 0; i+2 < len(chain); i++ {
			f.Add(chain[i], chain[i+1], chain[i+2])
		}
	}
	for _, p := range equal[s] {
		f.Add(p[0], p[1], p[0]+"~")
	}
	f.Fuzz(func(t *testing.T, a, b, c string) {
		ab, ba := s.Compare(a, b), s.Compare(b, a)
		bc, cb := s.Compare(b, c), s.Compare(c, b)
		ac, ca := s.Compare(a, c), s.Compare(c, a)
		for _, p := range [][4]any{{a, b, ab, ba}, {b, c, bc, cb}, {a, c, ac, ca}} {
			if err := checkPair(p[0].(string), p[1].(string), p[2].(int), p[3].(int)); err != nil {
				t.Fatal(err)
			}
		}
		if s.Compare(a, a) != 0 {
			t.Fatalf("Compare(%q, %q) != 0", a, a)
		}
		if err := checkTriple(a, b, c, ab, bc, ac); err != nil {
			t.Fatal(err)
		}
		if err := checkTriple(b, a, c, ba, ac, bc); err != nil {
			t.Fatal(err)
		}
		if err := checkTriple(a, c, b, ac, cb, ab); err != nil {
			t.Fatal(err)
		}
		s.Valid(a) // must not panic
	})
}

func FuzzDpkg(f *testing.F)     { fuzzScheme(f, Dpkg) }
func FuzzRPM(f *testing.F)      { fuzzScheme(f, RPM) }
func FuzzAPK(f *testing.F)      { fuzzScheme(f, APK) }
func FuzzSemVer(f *testing.F)   { fuzzScheme(f, SemVer) }
func FuzzNuGet(f *testing.F)    { fuzzScheme(f, NuGet) }
func FuzzPEP440(f *testing.F)   { fuzzScheme(f, PEP440) }
func FuzzMaven(f *testing.F)    { fuzzScheme(f, Maven) }
func FuzzRubyGems(f *testing.F) { fuzzScheme(f, RubyGems) }
func FuzzGeneric(f *testing.F)  { fuzzScheme(f, Generic) }
