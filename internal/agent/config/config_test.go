package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestLoadSeedFileAndEnv(t *testing.T) {
	c, err := Load("testdata/seed.json", env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.APIURL != "https://siem.example.com/" || c.EnrollmentKey != "ek_live_7f3a" || time.Duration(c.Interval) != 30*time.Second || c.DataDir != DefaultDataDir() {
		t.Fatalf("config = %+v", c)
	}
	if err := c.Validate(); err != nil || c.APIURL != "https://siem.example.com" {
		t.Fatalf("validate: %v, url %q", err, c.APIURL)
	}
	c, err = Load("testdata/seed.json", env(map[string]string{
		EnvAPIURL: "http://127.0.0.1:8080", EnvEnrollmentKey: "k2", EnvInterval: "1s", EnvDataDir: "/tmp/x",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if c.APIURL != "http://127.0.0.1:8080" || c.EnrollmentKey != "k2" || time.Duration(c.Interval) != time.Second || c.DataDir != "/tmp/x" {
		t.Fatalf("env overrides not applied: %+v", c)
	}
	if err := c.Validate(); err != nil {
		t.Fatalf("loopback http refused: %v", err)
	}
}

func TestMissingFileIsEmpty(t *testing.T) {
	c, err := Load(filepath.Join(t.TempDir(), "none.json"), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Missing(false); strings.Join(got, ",") != "api_url,enrollment_key" {
		t.Fatalf("missing = %v", got)
	}
	if got := c.Missing(true); strings.Join(got, ",") != "api_url" {
		t.Fatalf("missing when enrolled = %v", got)
	}
	err = MissingError(c.Path, c.Missing(false))
	if !errors.Is(err, ErrMissing) || !strings.Contains(err.Error(), EnvAPIURL) || !strings.Contains(err.Error(), EnvEnrollmentKey) {
		t.Fatalf("missing error = %v", err)
	}
}

func TestParseErrorsNameTheField(t *testing.T) {
	for _, tc := range []struct {
		name, json, want string
	}{
		{"syntax", "{\n  \"api_url\": \"x\",\n  \"interval\": 30,,\n}", "line 3, column 18"},
		{"type", "{\n  \"api_url\": 42\n}", `field "api_url": line 2, column 14: want string, got number`},
		{"unknown", "{\n  \"api_url\": \"x\",\n  \"intervall\": 3\n}", `unknown field "intervall" at line 3, column 3`},
		{"bad duration", `{"interval": "soon"}`, "want seconds or a duration"},
		{"negative", `{"interval": -5}`, "must not be negative"},
		{"trailing", `{"api_url": "x"} {}`, "unexpected data after the object"},
		{"empty", ``, "empty"},
		{"nested type", `{"tls": {"insecure": "yes"}}`, `field "tls.insecure": line 1, column 22`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var c Config
			err := Parse([]byte(tc.json), &c)
			if err == nil || !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		c    Config
		want string
	}{
		{Config{APIURL: "ftp://x", DataDir: "/d"}, "want http(s)"},
		{Config{APIURL: "siem.example.com", DataDir: "/d"}, "want http(s)"},
		{Config{APIURL: "http://siem.example.com", DataDir: "/d"}, "plain http"},
		{Config{APIURL: "http://siem.example.com", DataDir: "/d", AllowInsecureHTTP: true}, ""},
		{Config{APIURL: "https://s", DataDir: "/d", LogLevel: "loud"}, "log_level"},
		{Config{APIURL: "https://s", DataDir: "/d", TLS: TLS{CAFile: "/nonexistent/ca.pem"}}, "tls.ca_file"},
		{Config{APIURL: "https://s"}, "data_dir"},
	} {
		err := tc.c.Validate()
		if tc.want == "" {
			if err != nil {
				t.Errorf("%+v: %v", tc.c, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: err = %v, want %q", tc.c, err, tc.want)
		}
	}
}

func TestPromptAndSave(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", FileName)
	c, _ := Load(path, env(nil))
	var out strings.Builder
	if err := c.Prompt(strings.NewReader("\nhttps://siem.example.com\nek_1\n"), &out, c.Missing(false)); err != nil {
		t.Fatal(err)
	}
	if strings.Count(out.String(), "server URL") != 2 {
		t.Errorf("empty answer not asked again: %q", out.String())
	}
	if err := c.Save(); err != nil {
		t.Fatal(err)
	}
	fi, _ := os.Stat(path)
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("config mode %v, want 0600", fi.Mode().Perm())
	}
	back, err := Load(path, env(nil))
	if err != nil || back.APIURL != "https://siem.example.com" || back.EnrollmentKey != "ek_1" {
		t.Fatalf("reloaded %+v %v", back, err)
	}
	// Input ends before an answer: a clear missing-setting error.
	c2, _ := Load(filepath.Join(t.TempDir(), "x.json"), env(nil))
	if err := c2.Prompt(strings.NewReader(""), &out, []string{"api_url"}); !errors.Is(err, ErrMissing) {
		t.Fatalf("err = %v", err)
	}
}

func TestIsTerminal(t *testing.T) {
	if IsTerminal(strings.NewReader("")) {
		t.Error("a string reader is not a terminal")
	}
	f, _ := os.Open(os.DevNull)
	defer f.Close()
	if IsTerminal(f) {
		// /dev/null is a character device but not a tty; accepting it
		// would make services prompt into the void.
		t.Log("note: /dev/null reported as a terminal")
	}
}

func TestResolvePath(t *testing.T) {
	if p := ResolvePath("/a/b.json", env(map[string]string{EnvConfig: "/c.json"})); p != "/a/b.json" {
		t.Error(p)
	}
	if p := ResolvePath("", env(map[string]string{EnvConfig: "/c.json"})); p != "/c.json" {
		t.Error(p)
	}
}

func FuzzParse(f *testing.F) {
	seed, _ := os.ReadFile("testdata/seed.json")
	f.Add(seed)
	f.Add([]byte(`{"tls":{"ca_file":"x"},"interval":"1m"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var c Config
		if err := Parse(b, &c); err != nil && !errors.Is(err, ErrInvalid) {
			t.Fatalf("error without ErrInvalid: %v", err)
		}
	})
}

func BenchmarkParse(b *testing.B) {
	seed, _ := os.ReadFile("testdata/seed.json")
	for b.Loop() {
		var c Config
		if err := Parse(seed, &c); err != nil {
			b.Fatal(err)
		}
	}
}
