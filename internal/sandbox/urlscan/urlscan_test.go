package urlscan_test

import (
	"testing"

	"github.com/eventsec/eventsec/internal/sandbox/urlscan"
)

func TestDamerauLevenshtein(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		d    int
	}{
		{"paypal", "paypal", 0}, {"paypal", "paypa", 1}, {"paypal", "paypall", 1}, {"paypal", "paypol", 1},
		{"paypal", "papyal", 1}, {"microsoft", "micorsoft", 1}, {"google", "gogole", 1}, {"abc", "", 3}, {"ca", "abc", 3},
	} {
		if got := urlscan.DamerauLevenshtein(tc.a, tc.b); got != tc.d {
			t.Errorf("DL(%q,%q) = %d, want %d", tc.a, tc.b, got, tc.d)
		}
	}
}

func TestSkeleton(t *testing.T) {
	for in, want := range map[string]string{
		"pаypal": "paypal", "paypa1": "paypal", "g00gle": "google", "rnicrosoft": "microsoft", "αpple": "apple", "café": "cafe",
	} {
		if got := urlscan.Skeleton(in); got != want {
			t.Errorf("Skeleton(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDGAScore(t *testing.T) {
	s := urlscan.New(urlscan.Options{})
	for _, d := range []string{"wikipedia.org", "stackoverflow.com", "weatherforecast.com", "bankofamerica.com", "theguardian.com"} {
		r, err := s.AnalyzeDomain(d)
		if err != nil {
			t.Fatal(err)
		}
		if r.DGA.Score >= 0.5 {
			t.Errorf("%s looks generated: %+v", d, r.DGA)
		}
	}
	for _, d := range []string{"xjwqkzptrvbnm.com", "qkpzvfxwlrtmhd.net", "a8f3kq9zx2mv7p.info"} {
		r, err := s.AnalyzeDomain(d)
		if err != nil {
			t.Fatal(err)
		}
		if r.DGA.Score < 0.5 {
			t.Errorf("%s looks human: %+v", d, r.DGA)
		}
	}
}

func TestNormalize(t *testing.T) {
	s := urlscan.New(urlscan.Options{})
	r, err := s.AnalyzeURL("HTTP://WWW.Example.COM:443/a/b?x=1#frag")
	if err != nil {
		t.Fatal(err)
	}
	if r.Normalized != "http://www.example.com:443/a/b?x=1" || r.RegisteredDomain != "example.com" || r.Subdomains != 1 {
		t.Errorf("%+v", r)
	}
	r, err = s.AnalyzeURL("https://bücher.de/")
	if err != nil {
		t.Fatal(err)
	}
	if r.Host != "xn--bcher-kva.de" || r.HostUnicode != "bücher.de" || !r.IDN || r.MixedScript {
		t.Errorf("%+v", r)
	}
}

func FuzzAnalyzeURL(f *testing.F) {
	for _, s := range []string{"https://www.pаypal.com/login", "http://3232235777/", "data:text/html,x", "http://a@b.c:99/..//x?y=http://z", "xn--80ak6aa92e.com"} {
		f.Add(s)
	}
	s := urlscan.New(urlscan.Options{Brands: []string{"paypal.com", "apple"}})
	f.Fuzz(func(t *testing.T, in string) {
		_, _ = s.AnalyzeURL(in)
		_, _ = s.AnalyzeDomain(in)
		_, _ = s.AnalyzeIP(in)
	})
}

func BenchmarkAnalyzeURL(b *testing.B) {
	s := urlscan.New(urlscan.Options{Brands: []string{"paypal.com", "microsoft.com", "google.com", "apple.com"}})
	for b.Loop() {
		if _, err := s.AnalyzeURL("https://secure-paypa1-login.com.verify.example.top/account/update?id=1"); err != nil {
			b.Fatal(err)
		}
	}
}
