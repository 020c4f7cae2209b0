package version

import "testing"

// BenchmarkCompare measures one comparison of two realistic versions per
// scheme: go test -bench=Compare -benchmem ./internal/vuln/version/
func BenchmarkCompare(b *testing.B) {
	pairs := []struct {
		s    Scheme
		a, b string
	}{
		{Dpkg, "1:3.0.11-1~deb12u1", "1:3.0.11-1~deb12u2"},
		{RPM, "1:3.0.7-27.el9", "1:3.0.7-25.el9_3"},
		{APK, "3.1.4-r1", "3.1.4_p1-r0"},
		{SemVer, "v1.20.3-rc.1", "v1.20.3"},
		{PEP440, "2.32.0rc1", "2.32.0.post1"},
		{Maven, "2.15.0-rc1", "2.15.0"},
		{RubyGems, "7.0.4.3", "7.0.8"},
		{Generic, "1.0.2k", "1.0.2u"},
	}
	for _, p := range pairs {
		b.Run(string(p.s), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				p.s.Compare(p.a, p.b)
			}
		})
	}
}
