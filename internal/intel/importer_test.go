package intel

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/eventsec/eventsec/internal/store"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// dump prints what an importer read, one line per indicator, error and
// skip reason, for golden files.
func dump(p Parsed) string {
	var b strings.Builder
	for _, c := range p.Indicators {
		fmt.Fprintf(&b, "indicator record=%d %s %q", c.Record, c.Type, c.Value)
		if c.Confidence >= 0 {
			fmt.Fprintf(&b, " confidence=%d", c.Confidence)
		}
		if c.Severity != "" {
			fmt.Fprintf(&b, " severity=%s", c.Severity)
		}
		if c.ExactOnly {
			b.WriteString(" exact_only")
		}
		if len(c.Tags) > 0 {
			fmt.Fprintf(&b, " tags=%q", c.Tags)
		}
		if c.Description != "" {
			fmt.Fprintf(&b, " description=%q", c.Description)
		}
		for _, t := range []struct {
			n string
			v time.Time
		}{{"first_seen", c.FirstSeen}, {"last_seen", c.LastSeen}} {
			if !t.v.IsZero() {
				fmt.Fprintf(&b, " %s=%s", t.n, t.v.Format(time.RFC3339))
			}
		}
		if c.ExpiresAt != nil {
			fmt.Fprintf(&b, " expires=%s", c.ExpiresAt.Format(time.RFC3339))
		}
		b.WriteByte('\n')
	}
	for _, e := range p.Errors {
		fmt.Fprintf(&b, "error %s", e.Error())
		if e.Unsupported {
			b.WriteString(" [unsupported]")
		}
		b.WriteByte('\n')
	}
	for _, s := range p.SkippedList() {
		fmt.Fprintf(&b, "skipped %s\n", s)
	}
	for _, w := range p.Warnings {
		fmt.Fprintf(&b, "warning %s\n", w)
	}
	return b.String()
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from the golden file:\n--- got\n%s--- want\n%s", name, got, want)
	}
}

func TestImportersGolden(t *testing.T) {
	for _, tc := range []struct {
		file   string
		format Format
	}{
		{"stix_bundle.json", FormatSTIX},
		{"misp_event.json", FormatMISP},
		{"indicators.csv", FormatCSV},
		{"list.txt", FormatPlain},
		{"mispfeed/0b9a2c10-3f5e-4a8b-9c7d-6e5f4a3b2c1d.json", FormatMISP},
	} {
		t.Run(tc.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			if got := DetectFormat(tc.file, data); got != tc.format {
				t.Errorf("DetectFormat = %s, want %s", got, tc.format)
			}
			p, err := Parse(tc.format, filepath.Base(tc.file), data)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, strings.ReplaceAll(tc.file, "/", "_"), dump(p))
		})
	}
}

func TestImportersRefuseUnreadableDocuments(t *testing.T) {
	for _, tc := range []struct {
		format Format
		data   string
		want   string
	}{
		{FormatSTIX, `not json`, "is not JSON"},
		{FormatSTIX, `"a string"`, "a STIX document is a bundle"},
		{FormatSTIX, `{"objects": {}}`, "objects must be an array"},
		{FormatSTIX, `{"id": "x"}`, "no type"},
		{FormatMISP, `{"Event": `, "is not JSON"},
		{FormatMISP, `{"response": {}}`, "response must be a list"},
		{FormatCSV, ``, "is empty"},
		{FormatCSV, "type,indicator_value\nipv4,1.2.3.4\n", "no value column"},
		{"yaml", `x`, "format"},
	} {
		_, err := Parse(tc.format, "doc", []byte(tc.data))
		if err == nil || !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s %q: err = %v, want ErrInvalid containing %q", tc.format, tc.data, err, tc.want)
		}
	}
	// A record that is not an object is reported, the others import.
	p, err := Parse(FormatSTIX, "list.json", []byte(`[{"type":"indicator","pattern":"[ipv4-addr:value = '192.0.2.1']","pattern_type":"stix"}, 5]`))
	if err != nil || len(p.Indicators) != 1 || len(p.Errors) != 1 || p.Errors[0].Record != 2 {
		t.Errorf("array of objects: %v %s", err, dump(p))
	}
	p, err = Parse(FormatMISP, "events.json", []byte(`{"response":[{"Event":{"Attribute":[{"type":"ip-dst","value":"192.0.2.9","to_ids":true}]}}, 7, {"nothing":1}]}`))
	if err != nil || len(p.Indicators) != 1 || len(p.Errors) != 2 {
		t.Errorf("MISP response: %v %s", err, dump(p))
	}
}

func TestParsePattern(t *testing.T) {
	for _, tc := range []struct {
		pattern string
		want    string // type=value;... or the error
	}{
		{`[ipv4-addr:value = '198.51.100.1']`, "ipv4=198.51.100.1"},
		{`[ipv4-addr:value='198.51.100.1'  OR  domain-name:value = 'a.example']`, "ipv4=198.51.100.1;domain=a.example"},
		{`([url:value = 'http://x.example/\'q\'']) OR ([file:hashes.'SHA-1' = 'aa'])`, "url=http://x.example/'q';sha1=aa"},
		{`[file:hashes.sha256 = 'ab' OR (file:hashes.MD5 = 'cd')]`, "sha256=ab;md5=cd"},
		{`[ipv6-addr:value ISSUBSET '2001:db8::/32']`, "cidr=2001:db8::/32"},
		{`[ipv4-addr:value = '10.0.0.0/8']`, "cidr=10.0.0.0/8"},
		{`[email-message:from_ref.value = 'a@b.example']`, "email=a@b.example"},
		{`[network-traffic:extensions.'http-request-ext'.request_header.'User-Agent' = 'Bad/1']`, "user_agent=Bad/1"},
		{`[x-eventsec-fingerprint:ja3 = 'e7d705a3286e19ea42f587b344ee6865']`, "ja3=e7d705a3286e19ea42f587b344ee6865"},
		{`[a:b = 'x'] AND [ipv4-addr:value = '1.2.3.4']`, "cannot be represented: AND between observations"},
		{`[file:name = 'a' AND file:size = 5]`, "cannot be represented: AND between comparisons"},
		{`[ipv4-addr:value = '1.2.3.4'] FOLLOWEDBY [ipv4-addr:value = '1.2.3.5']`, "cannot be represented: FOLLOWEDBY"},
		{`[ipv4-addr:value = '1.2.3.4'] WITHIN 60 SECONDS`, "cannot be represented: the qualifier WITHIN"},
		{`[ipv4-addr:value = '1.2.3.4'] START t'2026-01-01T00:00:00Z' STOP t'2026-02-01T00:00:00Z'`, "cannot be represented: the qualifier START"},
		{`[ipv4-addr:value != '1.2.3.4']`, "cannot be represented: the operator !="},
		{`[file:name MATCHES '^evil']`, "cannot be represented: the operator MATCHES"},
		{`[domain-name:value NOT = 'x.example']`, "cannot be represented: NOT"},
		{`[process:name = 'evil.exe']`, "cannot be represented: the object path process:name"},
		{`[file:size = 5]`, "cannot be represented: the object path file:size"},
		{`[ipv4-addr:value = '1.2.3.4'`, "syntax error at character 29: expected ']', found the end of the pattern"},
		{`[ipv4-addr:value = 'open`, "syntax error at character 20: unterminated string"},
		{`ipv4-addr:value = '1.2.3.4'`, "syntax error at character 1: expected '[' or '('"},
		{`[ipv4-addr:value = '1.2.3.4'] junk`, `syntax error at character 31: unexpected "junk"`},
		{`[ipv4-addr:value = 'a\x']`, `syntax error at character 22: only \' and \\ are escapes`},
		{`[ipv4-addr:value ~ 'x']`, `syntax error at character 18: unexpected character '~'`},
		{`[ipv4-addr:value = '1.2.3.4'] WITHIN x SECONDS`, `syntax error at character 38: expected number in the WITHIN qualifier`},
	} {
		alts, err := ParsePattern(tc.pattern)
		var got string
		if err != nil {
			got = err.Error()
		} else {
			var parts []string
			for _, a := range alts {
				parts = append(parts, string(a.Type)+"="+a.Value)
			}
			got = strings.Join(parts, ";")
		}
		if !strings.HasPrefix(got, tc.want) {
			t.Errorf("%s:\n got %s\nwant %s", tc.pattern, got, tc.want)
		}
	}
}

// TestExportRoundTrip writes indicators as STIX and CSV and reads them
// back to the same types and values.
func TestExportRoundTrip(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	exp := now.Add(24 * time.Hour)
	var ins []store.Indicator
	for i, tv := range []struct {
		t Type
		v string
	}{{TypeIPv4, "192.0.2.1"}, {TypeIPv6, "2001:db8::1"}, {TypeCIDR, "192.0.2.0/24"}, {TypeCIDR, "2001:db8::/32"},
		{TypeDomain, "evil.example"}, {TypeURL, "http://x.example/it's"}, {TypeMD5, "44d88612fea8a8f36de82e1278abb02f"},
		{TypeSHA1, "7c4a8d09ca3762af61e59520943dc26494f8941b"}, {TypeSHA256, "a948904f2f0f479b8f8197694b30184b0d2ed1c1cd2a1ec0fb85d299a192a447"},
		{TypeEmail, "a@evil.example"}, {TypeFilename, "evil.exe"}, {TypeJA3, "e7d705a3286e19ea42f587b344ee6865"},
		{TypeJA4, "t13d1516h2_8daaf6152771_b186095e22b6"}, {TypeUserAgent, `Bad "Bot" \ 1.0`}} {
		in := store.Indicator{ID: fmt.Sprintf("0190f1f8-0000-7000-8000-%012d", i), Type: string(tv.t), Value: tv.v, Confidence: 70,
			Severity: "high", Source: "manual", Tags: []string{"t1", "t2"}, Description: "=SUM(A1)", FirstSeen: now, LastSeen: now,
			CreatedAt: now, UpdatedAt: now}
		if i == 0 {
			in.ExpiresAt = &exp
		}
		ins = append(ins, in)
	}
	var stix, csvOut bytes.Buffer
	if err := ExportSTIX(&stix, ins); err != nil {
		t.Fatal(err)
	}
	if err := ExportCSV(&csvOut, ins); err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{"stix": stix.Bytes(), "csv": csvOut.Bytes()} {
		f := FormatSTIX
		if name == "csv" {
			f = FormatCSV
		}
		p, err := Parse(f, name, data)
		if err != nil || len(p.Errors) > 0 {
			t.Fatalf("%s: %v %v", name, err, p.Errors)
		}
		if len(p.Indicators) != len(ins) {
			t.Fatalf("%s: read %d of %d:\n%s", name, len(p.Indicators), len(ins), dump(p))
		}
		for i, c := range p.Indicators {
			if string(c.Type) != ins[i].Type || c.Value != ins[i].Value || c.Confidence != 70 {
				t.Errorf("%s: %d: got %s %q, want %s %q", name, i, c.Type, c.Value, ins[i].Type, ins[i].Value)
			}
		}
		if p.Indicators[0].ExpiresAt == nil || !p.Indicators[0].ExpiresAt.Equal(exp) {
			t.Errorf("%s: expiry lost: %v", name, p.Indicators[0].ExpiresAt)
		}
	}
	if !strings.Contains(csvOut.String(), "'=SUM(A1)") {
		t.Error("CSV export lets a cell start a formula")
	}
}

func TestNormalize(t *testing.T) {
	for _, tc := range []struct {
		t    Type
		in   string
		want string // or "!" + part of the reason
	}{
		{TypeIPv4, " 192.0.2.1 ", "192.0.2.1"},
		{TypeIPv4, "::ffff:192.0.2.1", "192.0.2.1"},
		{TypeIPv4, "2001:db8::1", "!use type ipv6"},
		{TypeIPv4, "192.0.2.0/24", "!use type cidr"},
		{TypeIPv4, "192.0.2.256", "!not an IP address"},
		{TypeIPv6, "2001:DB8:0:0::1", "2001:db8::1"},
		{TypeIPv6, "fe80::1%eth0", "!zone"},
		{TypeCIDR, "10.1.2.3/8", "10.0.0.0/8"},
		{TypeCIDR, "2001:db8::1", "2001:db8::1/128"},
		{TypeCIDR, "::ffff:10.0.0.0/104", "10.0.0.0/8"},
		{TypeCIDR, "10.0.0.0/33", "!not a CIDR block"},
		{TypeDomain, "WWW.Example.COM.", "www.example.com"},
		{TypeDomain, "*.evil.example", "evil.example"},
		{TypeDomain, "bücher.example", "xn--bcher-kva.example"},
		{TypeDomain, "ＥＸＡＭＰＬＥ．ＣＯＭ", "example.com"},
		{TypeDomain, "_dmarc.evil.example", "_dmarc.evil.example"},
		{TypeDomain, "com", "!single label"},
		{TypeDomain, "192.0.2.1", "!is an IP address"},
		{TypeDomain, "a..example", "!not a valid domain"},
		{TypeDomain, "evil.example/path", "!not a domain"},
		{TypeDomain, strings.Repeat("a", 64) + ".example", "!not a valid domain"},
		{TypeURL, "HTTP://Evil.Example:80/a%2fb/%7euser/?q=%e2%82%ac#frag", "http://evil.example/a%2Fb/~user/?q=%E2%82%AC"},
		{TypeURL, "https://evil.example:8443", "https://evil.example:8443/"},
		{TypeURL, "evil.example/login", "http://evil.example/login"},
		{TypeURL, "http://[2001:DB8::1]:80/x y", "http://[2001:db8::1]/x%20y"},
		{TypeURL, "http://user:pw@192.0.2.1:443/", "http://user:pw@192.0.2.1:443/"},
		{TypeURL, "http://bücher.example/ä", "http://xn--bcher-kva.example/%C3%A4"},
		{TypeURL, "http://evil.example/100%", "http://evil.example/100%25"},
		{TypeURL, "http://intranet/", "http://intranet/"},
		{TypeURL, "/just/a/path", "!no host"},
		{TypeURL, "http://evil.example:99999/", "!port"},
		{TypeMD5, "D41D8CD98F00B204E9800998ECF8427E", "d41d8cd98f00b204e9800998ecf8427e"},
		{TypeMD5, "d41d8cd98f00b204e9800998ecf8427", "!has 32 hex digits"},
		{TypeSHA1, "zz", "!hexadecimal"},
		{TypeSHA256, strings.Repeat("AB", 32), strings.Repeat("ab", 32)},
		{TypeEmail, "Mallory@Evil.Example", "mallory@evil.example"},
		{TypeEmail, "Mallory <m@evil.example>", "!bare address"},
		{TypeEmail, "no-at-sign", "!not an e-mail"},
		{TypeFilename, "Invoice.PDF.exe", "invoice.pdf.exe"},
		{TypeFilename, `C:\Temp\x.exe`, "!directories"},
		{TypeJA3, "E7D705A3286E19EA42F587B344EE6865", "e7d705a3286e19ea42f587b344ee6865"},
		{TypeJA4, "T13D1516H2_8DAAF6152771_B186095E22B6", "t13d1516h2_8daaf6152771_b186095e22b6"},
		{TypeJA4, "t13d1516h2_8daaf6152771", "!not a JA4"},
		{TypeUserAgent, "  curl/8.0  ", "curl/8.0"},
		{"ip", "192.0.2.1", "!not an indicator type"},
		{TypeIPv4, "   ", "!is empty"},
	} {
		got, err := Normalize(tc.t, tc.in)
		switch {
		case strings.HasPrefix(tc.want, "!"):
			var fe *FieldError
			if err == nil || !errors.As(err, &fe) || !strings.Contains(fe.Reason, tc.want[1:]) || !errors.Is(err, ErrInvalid) {
				t.Errorf("%s %q: got %q, %v; want a FieldError with %q", tc.t, tc.in, got, err, tc.want[1:])
			}
		case err != nil || got != tc.want:
			t.Errorf("%s %q: got %q, %v; want %q", tc.t, tc.in, got, err, tc.want)
		}
		if err == nil {
			// Normalization is idempotent.
			again, err := Normalize(tc.t, got)
			if err != nil || again != got {
				t.Errorf("%s %q: normalizing %q again gives %q, %v", tc.t, tc.in, got, again, err)
			}
		}
	}
}

func TestDetectType(t *testing.T) {
	for in, want := range map[string]Type{
		"192.0.2.1": TypeIPv4, "2001:db8::1": TypeIPv6, "192.0.2.0/24": TypeCIDR, "https://x.example/a": TypeURL,
		"x.example/a": TypeURL, "a@x.example": TypeEmail, "d41d8cd98f00b204e9800998ecf8427e": TypeMD5,
		"7c4a8d09ca3762af61e59520943dc26494f8941b": TypeSHA1, strings.Repeat("a", 64): TypeSHA256,
		"t13d1516h2_8daaf6152771_b186095e22b6": TypeJA4, "evil.example": TypeDomain, "abc123": "", "hello world": "",
	} {
		got, ok := DetectType(in)
		if got != want || ok != (want != "") {
			t.Errorf("DetectType(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	if !slices.Contains(Types, TypeJA4) || Type("nope").Valid() {
		t.Error("Types")
	}
}

func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"192.0.2.1", "2001:db8::1", "10.0.0.0/8", "Evil.Example.", "bücher.example",
		"HTTP://x.example:80/%7e?a=%zz#f", "http://[::1]:8080/", "a@b.example", "D41D8CD98F00B204E9800998ECF8427E",
		"t13d1516h2_8daaf6152771_b186095e22b6", "%", "http://%41/", "xn--", "ｘ.example"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, typ := range Types {
			v, err := Normalize(typ, s)
			if err != nil {
				var fe *FieldError
				if !errors.As(err, &fe) {
					t.Fatalf("%s %q: error is not a FieldError: %v", typ, s, err)
				}
				continue
			}
			again, err := Normalize(typ, v)
			if err != nil || again != v {
				t.Fatalf("%s %q: not idempotent: %q -> %q, %v", typ, s, v, again, err)
			}
		}
		if u, err := parseURL(s); err == nil {
			_ = u.String()
		}
		_, _ = DetectType(s)
	})
}

func FuzzParsePattern(f *testing.F) {
	for _, s := range []string{`[ipv4-addr:value = '1.2.3.4']`, `[a:b = 'x' OR c:d = 'y'] OR ([e:f = 'z'])`,
		`[file:hashes.'SHA-256' = 'ab'] REPEATS 5 TIMES`, `[x:y IN ('a', 'b')]`, `[a:b = t'2026-01-01T00:00:00Z']`, `[`, `'`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		alts, err := ParsePattern(s)
		if err != nil {
			var pe *PatternError
			if !errors.As(err, &pe) {
				t.Fatalf("%q: error is not a PatternError: %v", s, err)
			}
			return
		}
		for _, a := range alts {
			if !a.Type.Valid() {
				t.Fatalf("%q: invalid type %q", s, a.Type)
			}
		}
	})
}

func FuzzImporters(f *testing.F) {
	for _, name := range []string{"stix_bundle.json", "misp_event.json", "indicators.csv", "list.txt"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, fm := range []Format{FormatSTIX, FormatMISP, FormatCSV, FormatPlain} {
			p, err := Parse(fm, "fuzz", data)
			if err != nil {
				continue
			}
			for _, c := range p.Indicators {
				if v, err := Normalize(c.Type, c.Value); err != nil || v != c.Value {
					t.Fatalf("%s: candidate %s %q is not normalized (%q, %v)", fm, c.Type, c.Value, v, err)
				}
			}
		}
	})
}
