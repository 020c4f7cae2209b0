package config

import (
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestDefaults(t *testing.T) {
	c, _, err := Load("serve", nil, env(nil), io.Discard, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if c.DataDir != "./data" || c.HTTPAddr != ":8080" || c.AccessTokenTTL != 15*time.Minute || c.MaxBodyBytes != 1<<20 ||
		c.AdminPassword != "" || c.SecureCookies() || c.SQLitePath() != filepath.Join("data", "eventsec.db") {
		t.Fatalf("defaults: %+v", c)
	}
}

// The syslog connection limits: on by default, the idle timeout off
// (quiet forwarders keep their connections), and settable.
func TestSyslogConnectionSettings(t *testing.T) {
	c, _, err := Load("serve", nil, env(nil), io.Discard, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if c.SyslogMaxConnections != 1000 || c.SyslogMaxConnectionsPerSource != 100 || c.SyslogIdleTimeout != 0 {
		t.Fatalf("defaults: %d, %d, %s", c.SyslogMaxConnections, c.SyslogMaxConnectionsPerSource, c.SyslogIdleTimeout)
	}
	c, _, err = Load("serve", []string{"--syslog-max-connections", "5000", "--syslog-max-connections-per-source=20", "--syslog-idle-timeout", "2h"},
		env(nil), io.Discard, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if c.SyslogMaxConnections != 5000 || c.SyslogMaxConnectionsPerSource != 20 || c.SyslogIdleTimeout != 2*time.Hour {
		t.Fatalf("set: %d, %d, %s", c.SyslogMaxConnections, c.SyslogMaxConnectionsPerSource, c.SyslogIdleTimeout)
	}
	c, _, err = Load("serve", nil, env(map[string]string{"EVENTSEC_SYSLOG_IDLE_TIMEOUT": "off"}), io.Discard, LoadOptions{})
	if err != nil || c.SyslogIdleTimeout != 0 {
		t.Fatalf("off: %v, %s", err, c.SyslogIdleTimeout)
	}
}

// TestTimestampSettings: how events' own times are read.
func TestTimestampSettings(t *testing.T) {
	c, _, err := Load("serve", nil, env(nil), io.Discard, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if c.TimestampLocation != time.UTC || c.TimestampMaxAge != 87600*time.Hour || c.TimestampMaxSkew != 24*time.Hour ||
		len(c.TimestampLayouts) != 0 || c.TimestampFields[0] != "@timestamp" {
		t.Fatalf("defaults: %+v", c)
	}
	c, _, err = Load("serve", []string{"--timestamp-formats", " %d/%m/%Y %H:%M:%S | 2006.01.02 15:04 ", "--timestamp-fields", "logged_at, event.created ,"},
		env(map[string]string{"EVENTSEC_TIMESTAMP_TIMEZONE": "Europe/Berlin", "EVENTSEC_TIMESTAMP_MAX_AGE": "200000h"}), io.Discard, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if c.TimestampLocation.String() != "Europe/Berlin" || c.TimestampMaxAge != 200000*time.Hour ||
		strings.Join(c.TimestampLayouts, "|") != "02/01/2006 15:04:05|2006.01.02 15:04" ||
		strings.Join(c.TimestampFields, "|") != "logged_at|event.created" {
		t.Fatalf("set: %+v", c)
	}
	c, _, err = Load("serve", []string{"--timestamp-timezone-sources", "10.0.0.0/8=Asia/Tokyo,fw-*=America/New_York"}, env(nil), io.Discard, LoadOptions{})
	if err != nil || len(c.TimestampZones) != 2 || c.TimestampZones[0].Net.String() != "10.0.0.0/8" || c.TimestampZones[1].Host != "fw-*" ||
		c.TimestampZones[1].Loc.String() != "America/New_York" {
		t.Fatalf("sources: %+v %v", c, err)
	}
	c, _, err = Load("serve", []string{"--syslog-org-sources", " 10.1.0.0/16=acme , 192.0.2.7=Globex Inc,"}, env(nil), io.Discard, LoadOptions{})
	if err != nil || len(c.SyslogOrgSources) != 2 || c.SyslogOrgSources[0].Net.String() != "10.1.0.0/16" || c.SyslogOrgSources[1].Net.String() != "192.0.2.7/32" ||
		c.SyslogOrgSources[1].Org != "Globex Inc" {
		t.Fatalf("syslog org sources: %+v %v", c.SyslogOrgSources, err)
	}
	// Routes by client certificate need mutual TLS on the syslog TLS
	// listener.
	tlsArgs := []string{"--tls-cert", "c.pem", "--tls-key", "k.pem", "--syslog-tls-addr", ":6514"}
	c, _, err = Load("serve", append([]string{"--syslog-org-sources", "cert:*.Acme.example=acme, 10.0.0.0/8=globex", "--syslog-tls-client-ca", "ca.pem",
		"--syslog-tls-client-cert-required"}, tlsArgs...), env(nil), io.Discard, LoadOptions{})
	if err != nil || len(c.SyslogOrgSources) != 2 || c.SyslogOrgSources[0].Cert != "*.acme.example" || c.SyslogOrgSources[0].Source() != "cert:*.acme.example" ||
		c.SyslogTLSClientCA != "ca.pem" || !c.SyslogTLSClientAuth {
		t.Fatalf("certificate routes: %+v %v", c.SyslogOrgSources, err)
	}
	for args, want := range map[string]string{
		"--syslog-org-sources cert:fw.acme=acme --syslog-tls-addr :6514":     "entry 1 cert:fw.acme=acme routes by certificate: it needs syslog_tls_client_ca",
		"--syslog-tls-client-ca ca.pem":                                      "syslog_tls_client_ca needs syslog_tls_addr",
		"--syslog-tls-client-cert-required --syslog-tls-addr :6514":          "syslog_tls_client_cert_required needs syslog_tls_client_ca",
		"--syslog-org-sources cert:=acme --syslog-tls-client-ca ca.pem":      "entry 1",
		"--syslog-org-sources cert:fw[1]=acme --syslog-tls-client-ca ca.pem": "entry 1",
	} {
		a := strings.Fields(args)
		if strings.Contains(args, "syslog-tls-addr") {
			a = append(a, "--tls-cert", "c.pem", "--tls-key", "k.pem")
		}
		if _, _, err := Load("serve", a, env(nil), io.Discard, LoadOptions{}); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", args, err, want)
		}
	}
	// Syslog over TLS has a certificate of its own, or the web server's.
	c, _, err = Load("serve", []string{"--syslog-tls-addr", ":6514", "--syslog-tls-cert", "syslog.pem"},
		env(map[string]string{"EVENTSEC_SYSLOG_TLS_KEY": "syslog.key"}), io.Discard, LoadOptions{})
	if err != nil || c.TLSCert != "" || c.PublicURL() != "http://localhost:8080" {
		t.Fatalf("syslog certificate without HTTPS: %v %+v", err, c)
	}
	if cert, key, cs, ks := c.SyslogTLSKeyPair(); cert != "syslog.pem" || key != "syslog.key" || cs != "syslog_tls_cert" || ks != "syslog_tls_key" {
		t.Fatalf("SyslogTLSKeyPair: %s %s %s %s", cert, key, cs, ks)
	}
	yamlFile := filepath.Join(t.TempDir(), "eventsec.yaml")
	if err := os.WriteFile(yamlFile, []byte("syslog_tls_addr: \":6514\"\nsyslog_tls_cert: /etc/s.pem\nsyslog_tls_key: /etc/s.key\ntls_cert: w.pem\ntls_key: w.key\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, _, err = Load("serve", []string{"--config", yamlFile}, env(nil), io.Discard, LoadOptions{})
	if cert, key, _, _ := c.SyslogTLSKeyPair(); err != nil || cert != "/etc/s.pem" || key != "/etc/s.key" {
		t.Fatalf("syslog certificate from the file: %v %s %s", err, cert, key)
	}
	c, _, err = Load("serve", tlsArgs, env(nil), io.Discard, LoadOptions{})
	if cert, key, cs, ks := c.SyslogTLSKeyPair(); err != nil || cert != "c.pem" || key != "k.pem" || cs != "tls_cert" || ks != "tls_key" {
		t.Fatalf("falling back to tls_cert: %v %s %s %s %s", err, cert, key, cs, ks)
	}
	for args, want := range map[string]string{
		"--syslog-tls-addr :6514":                                     "syslog_tls_addr needs a certificate: set syslog_tls_cert and syslog_tls_key",
		"--syslog-tls-addr :6514 --syslog-tls-cert s.pem":             "syslog_tls_cert and syslog_tls_key must be set together",
		"--syslog-tls-addr :6514 --syslog-tls-key s.key":              "syslog_tls_cert and syslog_tls_key must be set together",
		"--syslog-tls-cert s.pem --syslog-tls-key s.key":              "syslog_tls_cert needs syslog_tls_addr",
		"--syslog-tls-addr :6514 --tls-cert c.pem --syslog-tls-key k": "syslog_tls_cert and syslog_tls_key must be set together",
	} {
		if _, _, err := Load("serve", strings.Fields(args), env(nil), io.Discard, LoadOptions{}); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", args, err, want)
		}
	}
	for _, bad := range []string{"10.0.0.0/8", "fw-1=acme", "10.0.0.0/8=", "10.0.0.0/33=acme"} {
		if _, _, err := Load("serve", []string{"--syslog-org-sources", bad}, env(nil), io.Discard, LoadOptions{}); err == nil || !strings.Contains(err.Error(), "entry 1") {
			t.Errorf("syslog_org_sources %q: %v", bad, err)
		}
	}
	_, _, err = Load("serve", nil, env(map[string]string{"EVENTSEC_TIMESTAMP_TIMEZONE_SOURCES": "10.0.0.0/8"}), io.Discard, LoadOptions{})
	if err == nil || !strings.Contains(err.Error(), "EVENTSEC_TIMESTAMP_TIMEZONE_SOURCES: entry 1") || !strings.Contains(err.Error(), "SOURCE=ZONE") {
		t.Errorf("bad sources: %v", err)
	}
}

// TestPrecedence: flags beat the environment, which beats the file, which
// beats the defaults.
func TestPrecedence(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "eventsec.yaml")
	if err := os.WriteFile(file, []byte("data_dir: /from/file\nhttp_addr: file:1\nlog_level: debug\naccess_token_ttl: 5m\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, _, err := Load("serve", []string{"--http-addr", "flag:3", "--config", file}, env(map[string]string{
		"EVENTSEC_HTTP_ADDR": "env:2", "EVENTSEC_DATA_DIR": "/from/env",
	}), io.Discard, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if c.HTTPAddr != "flag:3" || c.DataDir != "/from/env" || c.LogLevel != "debug" || c.AccessTokenTTL != 5*time.Minute {
		t.Fatalf("precedence: %+v", c)
	}
	// The file can also come from EVENTSEC_CONFIG.
	c, _, err = Load("serve", nil, env(map[string]string{"EVENTSEC_CONFIG": file}), io.Discard, LoadOptions{})
	if err != nil || c.DataDir != "/from/file" {
		t.Fatalf("EVENTSEC_CONFIG: %+v %v", c, err)
	}
}

func TestSecretFromFile(t *testing.T) {
	pw := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(pw, []byte("S3cret-Passw0rd!x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, _, err := Load("serve", nil, env(map[string]string{"EVENTSEC_ADMIN_PASSWORD_FILE": pw}), io.Discard, LoadOptions{})
	if err != nil || c.AdminPassword != "S3cret-Passw0rd!x" {
		t.Fatalf("secret file: %q %v", c.AdminPassword, err)
	}
	_, _, err = Load("serve", nil, env(map[string]string{"EVENTSEC_ADMIN_PASSWORD_FILE": pw, "EVENTSEC_ADMIN_PASSWORD": "x"}), io.Discard, LoadOptions{})
	if err == nil || !strings.Contains(err.Error(), "use one") {
		t.Fatalf("both set: %v", err)
	}
	_, _, err = Load("serve", nil, env(map[string]string{"EVENTSEC_DATABASE_FILE": filepath.Join(t.TempDir(), "missing")}), io.Discard, LoadOptions{})
	if err == nil || !strings.Contains(err.Error(), "EVENTSEC_DATABASE_FILE") {
		t.Fatalf("missing file: %v", err)
	}
	// Non-secret settings have no _FILE variant.
	c, _, err = Load("serve", nil, env(map[string]string{"EVENTSEC_HTTP_ADDR_FILE": pw}), io.Discard, LoadOptions{})
	if err != nil || c.HTTPAddr != ":8080" {
		t.Fatalf("non-secret _FILE must be ignored: %+v %v", c, err)
	}
}

func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	cases := []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"unknown flag", []string{"--nope"}, nil, "flag provided but not defined"},
		{"bad duration", []string{"--access-token-ttl", "soon"}, nil, "--access-token-ttl: want a positive duration"},
		{"bad env bool", nil, map[string]string{"EVENTSEC_TLS_CLIENT_CERT_REQUIRED": "maybe"}, "EVENTSEC_TLS_CLIENT_CERT_REQUIRED: want true or false"},
		{"bad log level", []string{"--log-level", "loud"}, nil, "log_level must be"},
		{"cert without key", []string{"--tls-cert", "c.pem"}, nil, "tls_cert and tls_key must be set together"},
		{"client auth without CA", []string{"--tls-client-cert-required"}, nil, "needs tls_client_ca"},
		{"bad database", []string{"--database", "mysql://x"}, nil, "postgres:// URL"},
		{"stray argument", []string{"extra"}, nil, `unexpected argument "extra"`},
		{"unknown yaml key", []string{"--config", write("a.yaml", "data_dir: x\nlisten: y\n")}, nil, `a.yaml:2:1: unknown setting "listen"`},
		{"yaml list value", []string{"--config", write("b.yaml", "data_dir:\n  - a\n")}, nil, "b.yaml:2:3: data_dir must be a single value"},
		{"yaml syntax", []string{"--config", write("c.yaml", "data_dir: [\n")}, nil, "cannot parse config file"},
		{"yaml bad value", []string{"--config", write("d.yaml", "max_body_bytes: -1\n")}, nil, "d.yaml:1:17: max_body_bytes: want a positive number"},
		{"unknown time zone", []string{"--timestamp-timezone", "Mars/Base"}, nil, "--timestamp-timezone: want an IANA zone name"},
		{"Local time zone", nil, map[string]string{"EVENTSEC_TIMESTAMP_TIMEZONE": "Local"}, "EVENTSEC_TIMESTAMP_TIMEZONE: want an IANA zone name such as Europe/Berlin, not Local"},
		{"bad time format", []string{"--timestamp-formats", "%Y-%m-%d %H|%d.%m.%Y %H:%Q"}, nil, "--timestamp-formats: format 2: column 13: unknown directive %Q"},
		{"yaml bad time format", []string{"--config", write("e.yaml", "timestamp_formats: \"%H:%M\"\n")}, nil, "e.yaml:1:20: timestamp_formats: format 1: \"%H:%M\" has no date"},
		{"no syslog connections", []string{"--syslog-max-connections", "0"}, nil, "--syslog-max-connections: want a whole number from 1"},
		{"bad syslog idle timeout", nil, map[string]string{"EVENTSEC_SYSLOG_IDLE_TIMEOUT": "-1m"}, "EVENTSEC_SYSLOG_IDLE_TIMEOUT: want a duration such as 30m or 2h, or off"},
		{"negative max age", []string{"--timestamp-max-age", "-5h"}, nil, "--timestamp-max-age: want a positive duration"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := Load("serve", tc.args, env(tc.env), io.Discard, LoadOptions{})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

func TestHelpListsEverySetting(t *testing.T) {
	var out strings.Builder
	_, _, err := Load("serve", []string{"--help"}, env(nil), &out, LoadOptions{})
	if !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("--help: %v", err)
	}
	// Help texts are wrapped at 90 columns; no line is wider than its row.
	flat := strings.Join(strings.Fields(out.String()), " ")
	var c Config
	keyW := 0
	for _, s := range c.settings() {
		for _, want := range []string{s.key, "--" + s.flagName(), s.envName(), s.help} {
			if !strings.Contains(flat, want) {
				t.Errorf("--help lacks %q", want)
			}
		}
		keyW = max(keyW, len(s.key+" / --"+s.flagName()))
	}
	for _, line := range strings.Split(out.String(), "\n") {
		if strings.HasPrefix(line, "      ") && len(line) > 6+90 {
			t.Errorf("help line of %d characters: %q", len(line), line)
		}
	}
	// The columns are as wide as the widest key, not as the help texts.
	head := strings.SplitN(out.String()[strings.Index(out.String(), "  yaml key / flag"):], "\n", 2)[0]
	if got := strings.Index(head, "environment"); got != 2+keyW+2 {
		t.Errorf("environment column at %d, want %d: %q", got, 2+keyW+2, head)
	}
}

func TestOnlyAndExtra(t *testing.T) {
	var email string
	c, rest, err := Load("user create", []string{"--email", "a@b.c", "--data-dir", "/d"}, env(nil), io.Discard, LoadOptions{
		Only:  []string{"data_dir", "database"},
		Extra: func(fs *flag.FlagSet) { fs.StringVar(&email, "email", "", "e-mail") },
	})
	if err != nil || email != "a@b.c" || c.DataDir != "/d" || len(rest) != 0 {
		t.Fatalf("extra flags: %q %+v %v", email, c, err)
	}
	if _, _, err := Load("user create", []string{"--http-addr", ":1"}, env(nil), io.Discard, LoadOptions{Only: []string{"data_dir"}}); err == nil {
		t.Fatal("a setting outside Only must not be a flag")
	}
}
