// Package config loads the server's configuration from, in order of
// precedence: command-line flags, EVENTSEC_* environment variables, an
// optional YAML file (--config / EVENTSEC_CONFIG), and built-in defaults.
// Every secret setting can also be read from a file named by the
// EVENTSEC_<NAME>_FILE variable.
package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/eventsec/eventsec/internal/normalize"
	"github.com/eventsec/eventsec/internal/timefmt"
)

// Config is the server's configuration.
type Config struct {
	ConfigFile string

	DataDir  string
	Database string // "" = SQLite under DataDir; postgres://... = PostgreSQL

	HTTPAddr string
	// PublicURL is how users reach the UI (links in e-mails); derived from
	// HTTPAddr when unset.
	PublicURLSetting string
	TLSCert          string
	TLSKey           string
	TLSClientCA      string
	TLSClientAuth    bool // require a client certificate signed by TLSClientCA
	CookieSecure     string
	MaxBodyBytes     int64
	TrustedProxies   string // comma-separated CIDRs whose X-Forwarded-For is believed

	JWTKeyFile      string
	AccessTokenTTL  time.Duration
	RefreshTokenTTL time.Duration

	OrgName       string
	AdminEmail    string
	AdminPassword string

	LogLevel  string
	LogFormat string

	EventsDir     string
	GeoIPCityDB   string
	GeoIPASNDB    string
	SyslogUDPAddr string
	SyslogTCPAddr string
	SyslogTLSAddr string
	// SyslogTLSCert and SyslogTLSKey are the syslog TLS listener's own
	// certificate and key; unset, it presents TLSCert and TLSKey (see
	// SyslogTLSKeyPair).
	SyslogTLSCert string
	SyslogTLSKey  string
	// SyslogTLSClientCA verifies syslog senders' certificates (mutual TLS
	// on syslog_tls_addr); SyslogTLSClientAuth refuses senders without one.
	SyslogTLSClientCA   string
	SyslogTLSClientAuth bool
	SyslogOrg           string
	// SyslogOrgSources route senders to organisations (syslog_org_sources).
	SyslogOrgSources []SourceOrg
	// Stream (TCP and TLS) syslog connections: the bounds on open ones,
	// in all and per sender address, and the silence after which one is
	// closed (0: never).
	SyslogMaxConnections          int64
	SyslogMaxConnectionsPerSource int64
	SyslogIdleTimeout             time.Duration
	ESBulkAddr                    string
	IngestMaxInFlight             int64
	// SandboxEncryptSamples encrypts stored sandbox samples (AES-256-GCM,
	// key file in the data dir).
	SandboxEncryptSamples bool
	// DetectionEvalSampleEvery: one event in this many has its rules timed
	// one by one (the rules' own evaluation time); 0 turns it off.
	DetectionEvalSampleEvery int64

	// How events' own times are read (normalize.Options).
	TimestampFields []string
	// TimestampFormats are the users' formats as written; TimestampLayouts
	// the Go layouts they became.
	TimestampFormats  []string
	TimestampLayouts  []string
	TimestampLocation *time.Location
	// TimestampZones are the per-source zones (timestamp_timezone_sources).
	TimestampZones   []normalize.SourceZone
	TimestampMaxAge  time.Duration
	TimestampMaxSkew time.Duration
}

// setting binds one configuration value to its flag, variable and YAML key.
type setting struct {
	key    string // YAML key and flag name (with - for _)
	help   string
	secret bool // may come from EVENTSEC_<NAME>_FILE; never printed
	def    string
	isBool bool // a flag that may stand alone (--x means --x=true)
	set    func(string) error
}

// flagValue records a flag's raw value; it is applied after the file and
// environment so that flags win.
type flagValue struct {
	val    string
	isBool bool
}

func (f *flagValue) String() string     { return f.val }
func (f *flagValue) Set(v string) error { f.val = v; return nil }
func (f *flagValue) IsBoolFlag() bool   { return f.isBool }

func (s setting) flagName() string { return strings.ReplaceAll(s.key, "_", "-") }
func (s setting) envName() string  { return "EVENTSEC_" + strings.ToUpper(s.key) }

func str(p *string) func(string) error {
	return func(v string) error { *p = v; return nil }
}

func boolean(p *bool) func(string) error {
	return func(v string) error {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("want true or false, got %q", v)
		}
		*p = b
		return nil
	}
}

// durationOrOff is a duration where 0 or "off" turns the thing off.
func durationOrOff(p *time.Duration) func(string) error {
	return func(v string) error {
		if v == "off" || v == "0" {
			*p = 0
			return nil
		}
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			return fmt.Errorf("want a duration such as 30m or 2h, or off, got %q", v)
		}
		*p = d
		return nil
	}
}

func duration(p *time.Duration) func(string) error {
	return func(v string) error {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return fmt.Errorf("want a positive duration such as 15m or 168h, got %q", v)
		}
		*p = d
		return nil
	}
}

// list splits a value on sep, trimming blanks and dropping empty items.
func list(p *[]string, sep string) func(string) error {
	return func(v string) error {
		var out []string
		for _, x := range strings.Split(v, sep) {
			if x = strings.TrimSpace(x); x != "" {
				out = append(out, x)
			}
		}
		*p = out
		return nil
	}
}

func timestampFormats(c *Config) func(string) error {
	return func(v string) error {
		var formats []string
		if err := list(&formats, "|")(v); err != nil {
			return err
		}
		layouts, err := timefmt.Layouts(formats)
		if err != nil {
			return err
		}
		c.TimestampFormats, c.TimestampLayouts = formats, layouts
		return nil
	}
}

func timezone(p **time.Location) func(string) error {
	return func(v string) error {
		if v == "" || strings.EqualFold(v, "UTC") {
			*p = time.UTC
			return nil
		}
		if strings.EqualFold(v, "Local") {
			return fmt.Errorf("want an IANA zone name such as Europe/Berlin, not Local (the server's zone may change)")
		}
		loc, err := time.LoadLocation(v)
		if err != nil {
			return fmt.Errorf("want an IANA zone name such as Europe/Berlin or America/New_York, got %q", v)
		}
		*p = loc
		return nil
	}
}

// SourceOrg routes syslog senders to the organisation Org (a name or an
// ID, looked up at start and again while none has that name): those sending from the addresses
// in Net, or, when Cert is set, those whose TLS client certificate has a
// subject common name or DNS name matching Cert (lower case; * matches
// any run of characters).
type SourceOrg struct {
	Net  netip.Prefix
	Cert string
	Org  string
}

// Source is the entry's SOURCE as written in the setting.
func (r SourceOrg) Source() string {
	if r.Cert != "" {
		return "cert:" + r.Cert
	}
	return r.Net.String()
}

func sourceOrgs(p *[]SourceOrg) func(string) error {
	return func(v string) error {
		var out []SourceOrg
		for i, item := range strings.Split(v, ",") {
			item = strings.TrimSpace(item)
			if item == "" {
				continue
			}
			src, org, ok := strings.Cut(item, "=")
			src, org = strings.TrimSpace(src), strings.TrimSpace(org)
			if !ok || src == "" || org == "" {
				return fmt.Errorf("entry %d %q: want SOURCE=ORG, e.g. 10.1.0.0/16=acme or cert:*.acme.example=acme", i+1, item)
			}
			if len(src) >= 5 && strings.EqualFold(src[:5], "cert:") {
				pat := strings.ToLower(strings.TrimSpace(src[5:]))
				if pat == "" || strings.ContainsAny(pat, "?[]\\/") {
					return fmt.Errorf("entry %d %q: want cert: followed by a certificate name, where * matches any run of characters", i+1, item)
				}
				out = append(out, SourceOrg{Cert: pat, Org: org})
				continue
			}
			n, ok := normalize.SourcePrefix(src)
			if !ok {
				return fmt.Errorf("entry %d %q: %q is not an IP address, a CIDR block or cert:NAME", i+1, item, src)
			}
			out = append(out, SourceOrg{Net: n, Org: org})
		}
		*p = out
		return nil
	}
}

func sourceZones(p *[]normalize.SourceZone) func(string) error {
	return func(v string) error {
		z, err := normalize.ParseSourceZones(v)
		if err != nil {
			return err
		}
		*p = z
		return nil
	}
}

func size(p *int64) func(string) error {
	return func(v string) error {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			return fmt.Errorf("want a positive number of bytes, got %q", v)
		}
		*p = n
		return nil
	}
}

func positive(p *int64) func(string) error {
	return func(v string) error {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 || n > 1<<30 {
			return fmt.Errorf("want a whole number from 1 to %d, got %q", 1<<30, v)
		}
		*p = n
		return nil
	}
}

func count(p *int64) func(string) error {
	return func(v string) error {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 || n > 1<<30 {
			return fmt.Errorf("want a whole number from 0 to %d, got %q", 1<<30, v)
		}
		*p = n
		return nil
	}
}

func (c *Config) settings() []setting {
	return []setting{
		{key: "data_dir", def: "./data", set: str(&c.DataDir), help: "directory for the embedded databases, keys and blobs"},
		{key: "database", secret: true, set: str(&c.Database), help: "state store: empty for SQLite in the data dir, or postgres://user:pass@host/db"},
		{key: "http_addr", def: ":8080", set: str(&c.HTTPAddr), help: "address the web UI and API listen on"},
		{key: "public_url", set: str(&c.PublicURLSetting), help: "the address users open the UI at (used in links in e-mails and notifications), e.g. https://siem.example.com"},
		{key: "tls_cert", set: str(&c.TLSCert), help: "TLS certificate file (PEM); enables HTTPS with tls_key"},
		{key: "tls_key", secret: true, set: str(&c.TLSKey), help: "TLS private key file (PEM)"},
		{key: "tls_client_ca", set: str(&c.TLSClientCA), help: "CA bundle (PEM) that client certificates are verified against (mTLS)"},
		{key: "tls_client_cert_required", def: "false", isBool: true, set: boolean(&c.TLSClientAuth), help: "require a client certificate signed by tls_client_ca"},
		{key: "cookie_secure", def: "auto", set: str(&c.CookieSecure), help: "mark session cookies Secure: auto (when TLS is on), true or false (set true behind a TLS proxy)"},
		{key: "max_body_bytes", def: "1048576", set: size(&c.MaxBodyBytes), help: "largest accepted API request body"},
		{key: "trusted_proxies", set: str(&c.TrustedProxies), help: "comma-separated CIDRs of reverse proxies whose X-Forwarded-For is trusted"},
		{key: "jwt_key_file", set: str(&c.JWTKeyFile), help: "file holding the access-token signing key; generated in the data dir when unset"},
		{key: "access_token_ttl", def: "15m", set: duration(&c.AccessTokenTTL), help: "lifetime of access tokens"},
		{key: "refresh_token_ttl", def: "168h", set: duration(&c.RefreshTokenTTL), help: "lifetime of an unused session (refresh token)"},
		{key: "org_name", def: "Default", set: str(&c.OrgName), help: "name of the first organisation, created on first start"},
		{key: "admin_email", def: "admin@eventsec.local", set: str(&c.AdminEmail), help: "e-mail of the first admin, created on first start"},
		{key: "admin_password", secret: true, set: str(&c.AdminPassword), help: "password of the first admin; generated and printed once when unset"},
		{key: "events_dir", set: str(&c.EventsDir), help: "directory of the event store (DuckDB); <data_dir>/events when unset"},
		{key: "geoip_city_db", set: str(&c.GeoIPCityDB), help: "MaxMind City or Country database (.mmdb) for GeoIP enrichment; without it locations stay unknown"},
		{key: "geoip_asn_db", set: str(&c.GeoIPASNDB), help: "MaxMind ASN database (.mmdb) for autonomous-system enrichment"},
		{key: "syslog_udp_addr", def: ":5514", set: str(&c.SyslogUDPAddr), help: "syslog over UDP (RFC 3164 and 5424); \"off\" to disable"},
		{key: "syslog_tcp_addr", def: ":5514", set: str(&c.SyslogTCPAddr), help: "syslog over TCP (newline or octet-counting framing); \"off\" to disable"},
		{key: "syslog_tls_addr", def: "off", set: str(&c.SyslogTLSAddr), help: "syslog over TLS, with syslog_tls_cert and syslog_tls_key, or else tls_cert and tls_key (6514 is the standard port); \"off\" to disable"},
		{key: "syslog_tls_cert", set: str(&c.SyslogTLSCert), help: "TLS certificate file (PEM) of the syslog TLS listener, with syslog_tls_key; tls_cert when unset. Syslog over TLS without HTTPS for the web UI and API"},
		{key: "syslog_tls_key", secret: true, set: str(&c.SyslogTLSKey), help: "TLS private key file (PEM) of the syslog TLS listener; tls_key when unset"},
		{key: "syslog_tls_client_ca", set: str(&c.SyslogTLSClientCA), help: "CA bundle (PEM) that syslog senders' TLS client certificates are verified against (mutual TLS on syslog_tls_addr; lets syslog_org_sources route by certificate)"},
		{key: "syslog_tls_client_cert_required", def: "false", isBool: true, set: boolean(&c.SyslogTLSClientAuth), help: "refuse syslog TLS senders without a certificate signed by syslog_tls_client_ca"},
		{key: "syslog_org", set: str(&c.SyslogOrg), help: "organisation (name or ID) that syslog events belong to; the first organisation when unset"},
		{key: "syslog_org_sources", set: sourceOrgs(&c.SyslogOrgSources), help: "organisations of some syslog senders, as SOURCE=ORG separated by commas; SOURCE is an IP address or CIDR block, or cert:NAME for a TLS client certificate's common name or DNS name (* matches any run of characters); ORG a name or ID (the others go to syslog_org): 10.1.0.0/16=acme,cert:*.globex.example=globex"},
		{key: "syslog_max_connections", def: "1000", set: positive(&c.SyslogMaxConnections), help: "open syslog TCP connections per listener (TCP and TLS each); at the bound a newcomer closes the connection silent longest (if silent for 10 s), else it is refused"},
		{key: "syslog_max_connections_per_source", def: "100", set: positive(&c.SyslogMaxConnectionsPerSource), help: "open syslog TCP connections from one sender address per listener, so that one host cannot take every slot"},
		{key: "syslog_idle_timeout", def: "off", set: durationOrOff(&c.SyslogIdleTimeout), help: "close a syslog TCP connection silent for this long (e.g. 1h); off keeps quiet forwarders' connections open (idle ones are closed when slots run out)"},
		{key: "esbulk_addr", def: "off", set: str(&c.ESBulkAddr), help: "extra listener for the Elasticsearch-compatible _bulk API at its root (e.g. :9200), for shippers that cannot set a path; it is always served under /es on http_addr"},
		{key: "ingest_max_in_flight", def: "200000", set: size(&c.IngestMaxInFlight), help: "events accepted but not yet durable before senders are told to back off (429/503, TCP stops reading)"},
		{key: "sandbox_encrypt_samples", def: "false", isBool: true, set: boolean(&c.SandboxEncryptSamples), help: "encrypt sandbox samples at rest (AES-256-GCM; the key is generated in the data dir as sandbox-samples.key)"},
		{key: "detection_eval_sample_every", def: "1024", set: count(&c.DetectionEvalSampleEvery), help: "time each rule on one event in this many, for the rules' own evaluation time (0: never)"},
		{key: "timestamp_fields", def: strings.Join(normalize.DefaultTimestampFields, ","), set: list(&c.TimestampFields, ","), help: "JSON keys tried, in order, for an event's own time (dotted keys reach into objects: event.created)"},
		{key: "timestamp_formats", set: timestampFormats(c), help: "extra time formats, separated by |, tried before the built-in ones (RFC 3339, unix seconds and milliseconds, common log formats): strftime-style (%d/%m/%Y %H:%M:%S) or a Go layout"},
		{key: "timestamp_timezone", def: "UTC", set: timezone(&c.TimestampLocation), help: "time zone (IANA name, e.g. Europe/Berlin) of times written without one: RFC 3164 syslog, RFC 5424 syslog without a zone, formats without %z"},
		{key: "timestamp_timezone_sources", set: sourceZones(&c.TimestampZones), help: "time zones of the sources whose clocks differ from timestamp_timezone, as SOURCE=ZONE separated by commas; SOURCE is the sender's IP or CIDR block, or the host name in its syslog header (* matches anything): 10.20.0.0/16=America/New_York,fw-tokyo-*=Asia/Tokyo"},
		{key: "timestamp_max_age", def: "87600h", set: duration(&c.TimestampMaxAge), help: "an event time older than this is replaced by the time received (and counted); raise it to import old archives"},
		{key: "timestamp_max_future", def: "24h", set: duration(&c.TimestampMaxSkew), help: "an event time further ahead than this is replaced by the time received (and counted)"},
		{key: "log_level", def: "info", set: str(&c.LogLevel), help: "debug, info, warn or error"},
		{key: "log_format", def: "json", set: str(&c.LogFormat), help: "json or text"},
	}
}

// LoadOptions tailors Load to a subcommand.
type LoadOptions struct {
	// Only, when set, limits the flags (and --help) to these settings;
	// environment variables and the file still apply to every setting.
	Only []string
	// Extra registers the subcommand's own flags.
	Extra func(fs *flag.FlagSet)
	// Summary is the first line of --help.
	Summary string
	// Args, when set, is the synopsis of positional arguments; without it
	// positional arguments are refused.
	Args string
}

// Load builds the configuration from args (flags after the subcommand),
// getenv and the optional YAML file, then validates it. With --help it
// prints usage and returns flag.ErrHelp. It returns the positional
// arguments when LoadOptions.Args allows them.
func Load(name string, args []string, getenv func(string) string, stderr io.Writer, lo LoadOptions) (*Config, []string, error) {
	c := &Config{}
	settings := c.settings()
	for _, s := range settings {
		if s.def != "" {
			if err := s.set(s.def); err != nil {
				return nil, nil, fmt.Errorf("default of %s: %w", s.key, err)
			}
		}
	}

	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	flagVals := map[string]*flagValue{}
	var shown []setting
	for _, s := range settings {
		if len(lo.Only) > 0 && !slices.Contains(lo.Only, s.key) {
			continue
		}
		shown = append(shown, s)
		flagVals[s.key] = &flagValue{isBool: s.isBool}
		fs.Var(flagVals[s.key], s.flagName(), s.help)
	}
	configFile := fs.String("config", "", "YAML configuration file")
	var extra []string
	if lo.Extra != nil {
		before := map[string]bool{}
		fs.VisitAll(func(f *flag.Flag) { before[f.Name] = true })
		lo.Extra(fs)
		fs.VisitAll(func(f *flag.Flag) {
			if !before[f.Name] {
				extra = append(extra, f.Name)
			}
		})
	}
	fs.Usage = func() { usage(stderr, name, lo, shown, fs, extra) }
	if err := fs.Parse(args); err != nil {
		return nil, nil, err
	}
	if fs.NArg() > 0 && lo.Args == "" {
		return nil, nil, fmt.Errorf("unexpected argument %q (run eventsec %s --help)", fs.Arg(0), name)
	}
	setFlags := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { setFlags[f.Name] = true })

	c.ConfigFile = *configFile
	if c.ConfigFile == "" {
		c.ConfigFile = getenv("EVENTSEC_CONFIG")
	}
	if c.ConfigFile != "" {
		if err := c.loadFile(c.ConfigFile, settings); err != nil {
			return nil, nil, err
		}
	}
	for _, s := range settings {
		v := getenv(s.envName())
		if s.secret {
			if file := getenv(s.envName() + "_FILE"); file != "" {
				if v != "" {
					return nil, nil, fmt.Errorf("both %s and %s_FILE are set: use one", s.envName(), s.envName())
				}
				b, err := os.ReadFile(file)
				if err != nil {
					return nil, nil, fmt.Errorf("cannot read %s_FILE: %w", s.envName(), err)
				}
				v = strings.TrimRight(string(b), "\r\n")
				if v == "" {
					return nil, nil, fmt.Errorf("%s_FILE names an empty file (%s)", s.envName(), file)
				}
			}
		}
		if v != "" {
			if err := s.set(v); err != nil {
				return nil, nil, fmt.Errorf("%s: %w", s.envName(), err)
			}
		}
	}
	for _, s := range settings {
		if fv := flagVals[s.key]; fv != nil && setFlags[s.flagName()] {
			if err := s.set(fv.val); err != nil {
				return nil, nil, fmt.Errorf("--%s: %w", s.flagName(), err)
			}
		}
	}
	return c, fs.Args(), c.validate()
}

// loadFile applies a YAML file; unknown keys are errors with their line.
func (c *Config) loadFile(path string, settings []setting) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("cannot read config file: %w", err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return fmt.Errorf("cannot parse config file %s: %w", path, err)
	}
	if len(doc.Content) == 0 {
		return nil
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return fmt.Errorf("%s:%d:%d: the config file must be a mapping of settings", path, root.Line, root.Column)
	}
	byKey := map[string]setting{}
	for _, s := range settings {
		byKey[s.key] = s
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		s, ok := byKey[k.Value]
		if !ok {
			return fmt.Errorf("%s:%d:%d: unknown setting %q (see eventsec serve --help)", path, k.Line, k.Column, k.Value)
		}
		if v.Kind != yaml.ScalarNode {
			return fmt.Errorf("%s:%d:%d: %s must be a single value", path, v.Line, v.Column, k.Value)
		}
		if err := s.set(v.Value); err != nil {
			return fmt.Errorf("%s:%d:%d: %s: %w", path, v.Line, v.Column, k.Value, err)
		}
	}
	return nil
}

func (c *Config) validate() error {
	var errs []error
	if c.DataDir == "" {
		errs = append(errs, errors.New("data_dir must not be empty"))
	}
	if c.Database != "" && !strings.HasPrefix(c.Database, "postgres://") && !strings.HasPrefix(c.Database, "postgresql://") {
		errs = append(errs, errors.New("database must be empty (embedded SQLite) or a postgres:// URL"))
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		errs = append(errs, errors.New("tls_cert and tls_key must be set together"))
	}
	if c.TLSClientAuth && c.TLSClientCA == "" {
		errs = append(errs, errors.New("tls_client_cert_required needs tls_client_ca"))
	}
	if c.TLSClientCA != "" && c.TLSCert == "" {
		errs = append(errs, errors.New("tls_client_ca needs tls_cert and tls_key (mTLS runs over TLS)"))
	}
	if (c.SyslogTLSCert == "") != (c.SyslogTLSKey == "") {
		errs = append(errs, errors.New("syslog_tls_cert and syslog_tls_key must be set together"))
	}
	if c.SyslogTLSCert != "" && !Enabled(c.SyslogTLSAddr) {
		errs = append(errs, errors.New("syslog_tls_cert needs syslog_tls_addr (the certificate is the syslog TLS listener's)"))
	}
	if Enabled(c.SyslogTLSAddr) && c.SyslogTLSCert == "" && c.SyslogTLSKey == "" && c.TLSCert == "" {
		errs = append(errs, errors.New("syslog_tls_addr needs a certificate: set syslog_tls_cert and syslog_tls_key (or tls_cert and tls_key, which also serve the web UI and API over HTTPS)"))
	}
	if c.SyslogTLSClientAuth && c.SyslogTLSClientCA == "" {
		errs = append(errs, errors.New("syslog_tls_client_cert_required needs syslog_tls_client_ca"))
	}
	if c.SyslogTLSClientCA != "" && !Enabled(c.SyslogTLSAddr) {
		errs = append(errs, errors.New("syslog_tls_client_ca needs syslog_tls_addr (client certificates are asked for over TLS)"))
	}
	for i, r := range c.SyslogOrgSources {
		if r.Cert != "" && c.SyslogTLSClientCA == "" {
			errs = append(errs, fmt.Errorf("syslog_org_sources: entry %d %s=%s routes by certificate: it needs syslog_tls_client_ca", i+1, r.Source(), r.Org))
		}
	}
	switch c.CookieSecure {
	case "auto", "true", "false":
	default:
		errs = append(errs, fmt.Errorf("cookie_secure must be auto, true or false, got %q", c.CookieSecure))
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Errorf("log_level must be debug, info, warn or error, got %q", c.LogLevel))
	}
	switch c.LogFormat {
	case "json", "text":
	default:
		errs = append(errs, fmt.Errorf("log_format must be json or text, got %q", c.LogFormat))
	}
	return errors.Join(errs...)
}

// SQLitePath is where the embedded state database lives.
func (c *Config) SQLitePath() string { return filepath.Join(c.DataDir, "eventsec.db") }

// EventStoreDir is where the event store lives.
func (c *Config) EventStoreDir() string {
	if c.EventsDir != "" {
		return c.EventsDir
	}
	return filepath.Join(c.DataDir, "events")
}

// SyslogTLSKeyPair is the certificate and key files the syslog TLS
// listener presents, and the names of the settings they come from (for
// error messages): syslog_tls_cert and syslog_tls_key when set, else
// tls_cert and tls_key.
func (c *Config) SyslogTLSKeyPair() (cert, key, certSetting, keySetting string) {
	if c.SyslogTLSCert != "" || c.SyslogTLSKey != "" {
		return c.SyslogTLSCert, c.SyslogTLSKey, "syslog_tls_cert", "syslog_tls_key"
	}
	return c.TLSCert, c.TLSKey, "tls_cert", "tls_key"
}

// Enabled reports whether a listener address is set (not "off" or empty).
func Enabled(addr string) bool { return addr != "" && addr != "off" }

// KeyFile is the access-token signing key file.
func (c *Config) KeyFile() string {
	if c.JWTKeyFile != "" {
		return c.JWTKeyFile
	}
	return filepath.Join(c.DataDir, "jwt.key")
}

// PublicURL is the UI's address for links sent out of EventSec.
func (c *Config) PublicURL() string {
	if c.PublicURLSetting != "" {
		return strings.TrimRight(c.PublicURLSetting, "/")
	}
	scheme := "http"
	if c.TLSCert != "" {
		scheme = "https"
	}
	host, port, err := net.SplitHostPort(c.HTTPAddr)
	if err != nil {
		return scheme + "://localhost"
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "localhost"
	}
	return scheme + "://" + net.JoinHostPort(host, port)
}

// SecureCookies reports whether session cookies get the Secure attribute.
func (c *Config) SecureCookies() bool {
	if c.CookieSecure == "auto" {
		return c.TLSCert != ""
	}
	return c.CookieSecure == "true"
}

// usage prints the subcommand's settings with their flag, variable, YAML
// key and default, then its own flags.
func usage(w io.Writer, name string, lo LoadOptions, shown []setting, fs *flag.FlagSet, extra []string) {
	if lo.Summary != "" {
		fmt.Fprintf(w, "%s\n\n", lo.Summary)
	}
	fmt.Fprintf(w, "Usage: eventsec %s [flags] %s\n", name, lo.Args)
	if len(extra) > 0 {
		fmt.Fprintln(w, "\nFlags:")
		for _, n := range extra {
			f := fs.Lookup(n)
			def := ""
			if f.DefValue != "" && f.DefValue != "false" {
				def = " (default " + f.DefValue + ")"
			}
			fmt.Fprintf(w, "  --%s\n      %s%s\n", n, f.Usage, def)
		}
	}
	fmt.Fprintln(w, "\nSettings come from, highest precedence first: flags, environment variables,")
	fmt.Fprintln(w, "the YAML file given by --config or EVENTSEC_CONFIG (keys as in the first column),")
	fmt.Fprintln(w, "then the defaults. Settings marked (secret) can also be read from a file named")
	fmt.Fprintln(w, "by the variable with _FILE appended, e.g. EVENTSEC_ADMIN_PASSWORD_FILE.")
	fmt.Fprintln(w)
	// Each setting is a row (key and flag, variable, default) with its
	// help on the line below; the help does not widen the columns.
	type row struct{ key, env, def, help string }
	rows := []row{{"--config", "EVENTSEC_CONFIG", "-", "YAML configuration file"}}
	for _, s := range shown {
		r := row{s.key + " / --" + s.flagName(), s.envName(), s.def, s.help}
		if r.def == "" {
			r.def = "-"
		}
		if s.secret {
			r.help += " (secret)"
		}
		rows = append(rows, r)
	}
	keyW, envW := len("yaml key / flag"), len("environment")
	for _, r := range rows {
		keyW, envW = max(keyW, len(r.key)), max(envW, len(r.env))
	}
	fmt.Fprintf(w, "  %-*s  %-*s  %s\n", keyW, "yaml key / flag", envW, "environment", "default")
	for _, r := range rows {
		fmt.Fprintf(w, "  %-*s  %-*s  %s\n", keyW, r.key, envW, r.env, r.def)
		line := ""
		for _, word := range strings.Fields(r.help) {
			if line != "" && len(line)+1+len(word) > 90 {
				fmt.Fprintf(w, "      %s\n", line)
				line = ""
			}
			line = strings.TrimPrefix(line+" "+word, " ")
		}
		fmt.Fprintf(w, "      %s\n", line)
	}
}
