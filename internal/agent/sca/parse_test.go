package sca

import (
	"maps"
	"strings"
	"testing"
)

func TestParseDpkgStatus(t *testing.T) {
	tests := []struct {
		name, in string
		want     map[string]string
	}{
		{"installed and removed", "Package: a\nStatus: install ok installed\nVersion: 1\nArchitecture: amd64\n\nPackage: b\nStatus: deinstall ok config-files\nVersion: 2\n",
			map[string]string{"a": "1", "a:amd64": "1"}},
		{"held and marked for removal still installed", "Package: h\nStatus: hold ok installed\nVersion: 3\n\nPackage: r\nStatus: deinstall ok installed\nVersion: 4\n",
			map[string]string{"h": "3", "r": "4"}},
		{"half installed", "Package: x\nStatus: install reinstreq half-installed\nVersion: 1\n", map[string]string{}},
		{"continuation lines and CRLF-free fields", "Package: d\nStatus: install ok installed\nDescription: short\n Package: not-a-package\n .\n more\nVersion: 5\n",
			map[string]string{"d": "5"}},
		{"no trailing blank line", "Package: z\nVersion: 9\nStatus: install ok installed", map[string]string{"z": "9"}},
		{"blank lines with spaces separate stanzas", "Package: a\nStatus: install ok installed\n \nPackage: b\nStatus: install ok installed\n", map[string]string{"a": "", "b": ""}},
		{"empty", "", map[string]string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseDpkgStatus(strings.NewReader(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if !maps.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func FuzzParseDpkgStatus(f *testing.F) {
	f.Add("Package: a\nStatus: install ok installed\nVersion: 1\nArchitecture: amd64\n\nPackage: b\nStatus: deinstall ok config-files\n")
	f.Add("Package:\nStatus: installed\n\n\n:\n \n")
	f.Fuzz(func(t *testing.T, in string) {
		got, err := parseDpkgStatus(strings.NewReader(in))
		if err != nil {
			return // only lines beyond the scanner's bound fail
		}
		for name := range got {
			if name == "" {
				t.Fatalf("empty package name from %q", in)
			}
		}
	})
}

func TestParseModprobe(t *testing.T) {
	cfg := newModprobeConfig()
	parseModprobe(cfg, "/etc/modprobe.d/x.conf", strings.NewReader(
		"# comment\ninstall usb-storage /bin/false # trailing\nblacklist usb_storage\ninstall udf \\\n  /bin/true\ninstall udf /sbin/modprobe udf\noptions snd foo=1\ninstall\n"))
	if !cfg.disabled("usb_storage") || !cfg.disabled("usb-storage") || !cfg.blacklisted["usb_storage"] {
		t.Errorf("usb-storage: %+v", cfg)
	}
	if !cfg.disabled("udf") || cfg.sources["udf"] != "/etc/modprobe.d/x.conf (line 4)" {
		t.Errorf("udf: %q from %q", cfg.install["udf"], cfg.sources["udf"])
	}
	if cfg.disabled("snd") || cfg.disabled("missing") {
		t.Error("modules without install directives are disabled")
	}
}

func FuzzParseModprobe(f *testing.F) {
	f.Add("install cramfs /bin/false\nblacklist cramfs\n")
	f.Add("install a \\\n\\\n b\n# x\n")
	f.Fuzz(func(t *testing.T, in string) {
		cfg := newModprobeConfig()
		parseModprobe(cfg, "f", strings.NewReader(in))
		for m := range cfg.install {
			if strings.Contains(m, "-") {
				t.Fatalf("module name %q not folded", m)
			}
			_ = cfg.disabled(m)
		}
	})
}

func TestParseCompare(t *testing.T) {
	tests := []struct {
		in   string
		ok   bool
		hold []float64
		fail []float64
	}{
		{"<= 365", true, []float64{365, 0, -1}, []float64{366}},
		{"> 0, <= 300", true, []float64{1, 300}, []float64{0, 301}},
		{"==2", true, []float64{2}, []float64{2.5}},
		{"!= 0", true, []float64{1}, []float64{0}},
		{">= 1.5", true, []float64{1.5}, []float64{1}},
		{"< 10", true, []float64{9}, []float64{10}},
		{"about 3", false, nil, nil},
		{"<=", false, nil, nil},
		{"> 1,", false, nil, nil},
		{"", false, nil, nil},
	}
	for _, tt := range tests {
		terms, ok := parseCompare(tt.in)
		if ok != tt.ok {
			t.Errorf("%q: ok = %v", tt.in, ok)
			continue
		}
		all := func(v float64) bool {
			for _, term := range terms {
				if !term.holds(v) {
					return false
				}
			}
			return true
		}
		for _, v := range tt.hold {
			if !all(v) {
				t.Errorf("%q does not hold for %v", tt.in, v)
			}
		}
		for _, v := range tt.fail {
			if all(v) {
				t.Errorf("%q holds for %v", tt.in, v)
			}
		}
	}
}
