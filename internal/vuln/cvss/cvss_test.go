package cvss

import (
	"errors"
	"testing"
)

// Published base scores: NVD and GitHub advisories for the named CVEs,
// and the examples of the FIRST specification documents.
func TestScoreV3(t *testing.T) {
	tests := []struct {
		vector string
		want   float64
		rating string
	}{
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", 10.0, "critical"}, // CVE-2021-44228 log4shell, CVE-2024-3094 xz
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8, "critical"},  // CVE-2014-6271 shellshock
		{"CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8, "critical"},
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", 7.5, "high"},   // CVE-2014-0160 heartbleed
		{"CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", 7.8, "high"},   // CVE-2021-3156 sudo, CVE-2022-0847 dirty pipe
		{"CVSS:3.1/AV:L/AC:L/PR:N/UI:R/S:C/C:H/I:H/A:H", 8.6, "high"},   // CVE-2019-5736 runc
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", 7.5, "high"},   // CVE-2023-44487 HTTP/2 rapid reset
		{"CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:C/C:H/I:N/A:N", 6.8, "medium"}, // CVE-2020-28498 elliptic (OSV schema example)
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", 6.1, "medium"}, // reflected XSS
		{"CVSS:3.1/AV:N/AC:L/PR:L/UI:R/S:C/C:L/I:L/A:N", 5.4, "medium"}, // stored XSS
		{"CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", 8.8, "high"},
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H", 8.8, "high"},
		{"CVSS:3.1/AV:A/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 8.8, "high"},
		{"CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:C/C:H/I:H/A:H", 8.8, "high"},
		{"CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H", 8.1, "high"},
		{"CVSS:3.1/AV:L/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 8.4, "high"},
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:L/A:L", 7.3, "high"},
		{"CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H", 7.2, "high"},
		{"CVSS:3.1/AV:L/AC:H/PR:L/UI:N/S:U/C:H/I:H/A:H", 7.0, "high"},
		{"CVSS:3.1/AV:P/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 6.8, "medium"},
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:L/A:N", 6.5, "medium"},
		{"CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:L/I:L/A:N", 6.4, "medium"},
		{"CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:N/A:N", 5.9, "medium"},
		{"CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:N/I:N/A:H", 5.5, "medium"},
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N", 5.3, "medium"},
		{"CVSS:3.1/AV:L/AC:H/PR:L/UI:N/S:U/C:H/I:N/A:N", 4.7, "medium"},
		{"CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:L/I:N/A:N", 2.7, "low"},
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N", 0.0, "none"},
		// Temporal metrics are accepted and do not change the base score.
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:P/RL:O/RC:C", 9.8, "critical"},
	}
	for _, tt := range tests {
		r, err := Score(tt.vector)
		if err != nil {
			t.Errorf("Score(%q): %v", tt.vector, err)
			continue
		}
		if r.Score != tt.want || Rating(r.Score) != tt.rating || r.Approximate {
			t.Errorf("Score(%q) = %+v (%s), want %.1f (%s)", tt.vector, r, Rating(r.Score), tt.want, tt.rating)
		}
	}
}

func TestRoundUp(t *testing.T) {
	// The v3.1 specification's own example of why Roundup changed.
	if got := roundUp31(4.000000000000001); got != 4.0 {
		t.Errorf("roundUp31(4.000000000000001) = %v, want 4.0", got)
	}
	if got := roundUp30(4.000000000000001); got != 4.1 {
		t.Errorf("roundUp30(4.000000000000001) = %v, want 4.1", got)
	}
	for in, want := range map[float64]float64{4.02: 4.1, 4.0: 4.0, 0.01: 0.1, 9.95: 10.0} {
		if got := roundUp31(in); got != want {
			t.Errorf("roundUp31(%v) = %v, want %v", in, got, want)
		}
	}
}

func TestScoreV2(t *testing.T) {
	tests := []struct {
		vector string
		want   float64
	}{
		{"AV:N/AC:L/Au:N/C:C/I:C/A:C", 10.0},
		{"AV:N/AC:M/Au:N/C:C/I:C/A:C", 9.3},
		{"AV:N/AC:L/Au:N/C:P/I:P/A:P", 7.5},
		{"AV:L/AC:L/Au:N/C:C/I:C/A:C", 7.2},
		{"AV:N/AC:M/Au:N/C:P/I:P/A:P", 6.8},
		{"AV:N/AC:L/Au:S/C:P/I:P/A:P", 6.5},
		{"AV:N/AC:H/Au:N/C:P/I:P/A:P", 5.1},
		{"AV:N/AC:L/Au:N/C:P/I:N/A:N", 5.0}, // CVE-2014-0160 heartbleed
		{"AV:N/AC:L/Au:N/C:N/I:N/A:P", 5.0},
		{"AV:N/AC:M/Au:N/C:N/I:P/A:N", 4.3},
		{"AV:L/AC:L/Au:N/C:P/I:N/A:N", 2.1},
		{"AV:N/AC:L/Au:N/C:N/I:N/A:N", 0.0},
		{"(AV:N/AC:L/Au:N/C:P/I:P/A:P)", 7.5},
		{"AV:N/AC:L/Au:N/C:P/I:P/A:P/E:F/RL:OF/RC:C", 7.5},
	}
	for _, tt := range tests {
		r, err := Score(tt.vector)
		if err != nil {
			t.Errorf("Score(%q): %v", tt.vector, err)
			continue
		}
		if r.Score != tt.want || r.Version != "2.0" {
			t.Errorf("Score(%q) = %+v, want %.1f", tt.vector, r, tt.want)
		}
	}
}

// The v4 numbers are those of the documented approximation, not of FIRST's
// calculator; the one exact score we rely on is the specification's
// all-high network vector, 9.3, which must stay critical.
func TestScoreV4Approximation(t *testing.T) {
	tests := []struct {
		vector string
		want   float64
	}{
		{"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", 9.8},
		{"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:P/VC:N/VI:N/VA:N/SC:L/SI:L/SA:N", 6.1},
		{"CVSS:4.0/AV:L/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", 7.8},
		{"CVSS:4.0/AV:N/AC:L/AT:P/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", 8.1},
		{"CVSS:4.0/AV:N/AC:L/AT:N/PR:H/UI:N/VC:L/VI:L/VA:N/SC:N/SI:N/SA:N/E:P", 3.8},
	}
	for _, tt := range tests {
		r, err := Score(tt.vector)
		if err != nil {
			t.Errorf("Score(%q): %v", tt.vector, err)
			continue
		}
		if r.Score != tt.want || !r.Approximate || r.Version != "4.0" {
			t.Errorf("Score(%q) = %+v, want approximately %.1f", tt.vector, r, tt.want)
		}
	}
}

func TestScoreInvalid(t *testing.T) {
	for _, v := range []string{
		"",
		"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H",         // A missing
		"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/A:H", // repeated
		"CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",     // bad value
		"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/ZZ:1",
		"CVSS:3.1/AV:N//AC:L",
		"CVSS:3.2/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
		"CVSS:5.0/AV:N",
		"AV:N/AC:L/Au:N/C:P/I:P",
		"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H",
		"not a vector",
	} {
		if r, err := Score(v); !errors.Is(err, ErrInvalidVector) {
			t.Errorf("Score(%q) = %+v, %v; want ErrInvalidVector", v, r, err)
		}
	}
}

func FuzzScore(f *testing.F) {
	for _, s := range []string{
		"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H",
		"CVSS:3.0/AV:L/AC:H/PR:L/UI:R/S:U/C:L/I:N/A:N/E:U",
		"AV:N/AC:M/Au:S/C:P/I:N/A:C",
		"CVSS:4.0/AV:N/AC:L/AT:P/PR:L/UI:A/VC:H/VI:L/VA:N/SC:H/SI:N/SA:L/E:A",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		r, err := Score(v)
		if err != nil {
			if !errors.Is(err, ErrInvalidVector) {
				t.Fatalf("Score(%q): error %v does not wrap ErrInvalidVector", v, err)
			}
			return
		}
		if r.Score < 0 || r.Score > 10 || r.Score*10 != float64(int(r.Score*10+0.5)) {
			t.Fatalf("Score(%q) = %v, want a one-decimal number in [0, 10]", v, r.Score)
		}
	})
}

func BenchmarkScore(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Score("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N"); err != nil {
			b.Fatal(err)
		}
	}
}
