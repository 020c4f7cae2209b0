// Package config loads the agent's local settings: the few values an
// operator sets at install time (server URL, enrollment key, data
// directory, TLS trust). Everything else the agent does is decided by the
// server and arrives as a wire.Config.
//
// Sources, later ones winning: the JSON file (agent_config.json), then the
// environment (EVENTSEC_API_URL, EVENTSEC_ENROLLMENT_KEY,
// EVENTSEC_AGENT_INTERVAL, EVENTSEC_AGENT_DATA_DIR). EVENTSEC_AGENT_CONFIG
// names the file.
package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// Environment variables understood by the agent.
const (
	EnvConfig        = "EVENTSEC_AGENT_CONFIG"
	EnvAPIURL        = "EVENTSEC_API_URL"
	EnvEnrollmentKey = "EVENTSEC_ENROLLMENT_KEY"
	EnvInterval      = "EVENTSEC_AGENT_INTERVAL"
	EnvDataDir       = "EVENTSEC_AGENT_DATA_DIR"
)

// FileName is the config file's conventional name.
const FileName = "agent_config.json"

// Config is the agent's local configuration.
type Config struct {
	// APIURL is the server's base URL, e.g. https://siem.example.com.
	APIURL string `json:"api_url"`
	// EnrollmentKey is needed only until the agent has enrolled.
	EnrollmentKey string `json:"enrollment_key,omitempty"`
	// Interval, when set, overrides the server's heartbeat interval and the
	// action long-poll wait; small values make tests fast.
	Interval Duration `json:"interval,omitempty"`
	// DataDir holds the credential, spool, offsets and baselines.
	DataDir string `json:"data_dir,omitempty"`
	// Name is an optional display name sent at enrollment.
	Name string `json:"name,omitempty"`
	// TLS configures trust in the server.
	TLS TLS `json:"tls"`
	// AllowInsecureHTTP permits plain http to a non-loopback server; the
	// credential then crosses the network in clear text.
	AllowInsecureHTTP bool `json:"allow_insecure_http,omitempty"`
	// LogLevel is debug, info, warn or error (default info).
	LogLevel string `json:"log_level,omitempty"`

	// Path is the file the configuration was read from (or will be saved to).
	Path string `json:"-"`
}

// TLS configures how the agent trusts the server.
type TLS struct {
	// CAFile is a PEM bundle added to the system roots.
	CAFile string `json:"ca_file,omitempty"`
	// Insecure skips certificate verification (labs only).
	Insecure bool `json:"insecure,omitempty"`
	// ServerName overrides the name checked in the server certificate.
	ServerName string `json:"server_name,omitempty"`
}

// Duration is a time.Duration that reads JSON numbers as seconds (the
// seed's format) and strings in Go syntax ("30s", "1m").
type Duration time.Duration

// UnmarshalJSON accepts 30, "30" and "30s".
func (d *Duration) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		v, err := ParseDuration(s)
		if err != nil {
			return err
		}
		*d = Duration(v)
		return nil
	}
	var secs float64
	if err := json.Unmarshal(b, &secs); err != nil {
		return fmt.Errorf("want seconds or a duration string: %w", err)
	}
	if secs < 0 {
		return errors.New("must not be negative")
	}
	*d = Duration(time.Duration(secs * float64(time.Second)))
	return nil
}

// MarshalJSON writes the Go duration syntax.
func (d Duration) MarshalJSON() ([]byte, error) {
	return json.Marshal(time.Duration(d).String())
}

// ParseDuration reads "30", "30s" or "1m30s".
func ParseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	if secs, err := strconv.ParseFloat(s, 64); err == nil {
		if secs < 0 {
			return 0, errors.New("must not be negative")
		}
		return time.Duration(secs * float64(time.Second)), nil
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("want seconds or a duration such as 30s: %w", err)
	}
	if v < 0 {
		return 0, errors.New("must not be negative")
	}
	return v, nil
}

// DefaultPath is where the config file lives when nothing names it.
func DefaultPath() string {
	return filepath.Join(defaultBaseDir(), FileName)
}

// DefaultDataDir is the data directory when the config leaves it empty.
func DefaultDataDir() string {
	switch runtime.GOOS {
	case "windows", "darwin":
		return filepath.Join(defaultBaseDir(), "data")
	default:
		return "/var/lib/eventsec-agent"
	}
}

func defaultBaseDir() string {
	switch runtime.GOOS {
	case "windows":
		pd := os.Getenv("ProgramData")
		if pd == "" {
			pd = `C:\ProgramData`
		}
		return filepath.Join(pd, "EventSec")
	case "darwin":
		return "/Library/Application Support/EventSec"
	default:
		return "/etc/eventsec"
	}
}

// ResolvePath picks the config file: the explicit flag value, then
// EVENTSEC_AGENT_CONFIG, then ./agent_config.json when present (as the
// seed did), then the OS default.
func ResolvePath(flag string, getenv func(string) string) string {
	if flag != "" {
		return flag
	}
	if p := getenv(EnvConfig); p != "" {
		return p
	}
	if _, err := os.Stat(FileName); err == nil {
		if abs, err := filepath.Abs(FileName); err == nil {
			return abs
		}
	}
	return DefaultPath()
}

// Load reads the file at path (a missing file is an empty config), applies
// the environment and fills defaults. It does not validate: call Validate
// once prompting had its chance.
func Load(path string, getenv func(string) string) (*Config, error) {
	c := &Config{Path: path}
	data, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return nil, fmt.Errorf("cannot read config %s: %w", path, err)
	default:
		if err := Parse(data, c); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
	}
	if err := c.applyEnv(getenv); err != nil {
		return nil, err
	}
	if c.DataDir == "" {
		c.DataDir = DefaultDataDir()
	}
	return c, nil
}

// Parse decodes a config file strictly: unknown fields and type mismatches
// are errors naming the field and its line and column.
func Parse(data []byte, c *Config) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(c); err != nil {
		return describeJSONError(data, err)
	}
	if dec.More() {
		line, col := position(data, dec.InputOffset())
		return fmt.Errorf("%w: line %d, column %d: unexpected data after the object", ErrInvalid, line, col)
	}
	return nil
}

func describeJSONError(data []byte, err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		// Offset counts the bytes read, the offending one included.
		line, col := position(data, max(syn.Offset-1, 0))
		return fmt.Errorf("%w: line %d, column %d: %s", ErrInvalid, line, col, syn.Error())
	case errors.As(err, &typ):
		line, col := position(data, valueStart(data, typ.Offset))
		return fmt.Errorf("%w: field %q: line %d, column %d: want %s, got %s", ErrInvalid, typ.Field, line, col, typ.Type, typ.Value)
	case errors.Is(err, io.EOF):
		return fmt.Errorf("%w: the file is empty", ErrInvalid)
	}
	msg := err.Error()
	// encoding/json reports unknown fields as `json: unknown field "x"`
	// without an offset; name the field plainly.
	if strings.HasPrefix(msg, "json: unknown field ") {
		field := strings.TrimPrefix(msg, "json: unknown field ")
		line, col := findKey(data, strings.Trim(field, `"`))
		if line > 0 {
			return fmt.Errorf("%w: unknown field %s at line %d, column %d", ErrInvalid, field, line, col)
		}
		return fmt.Errorf("%w: unknown field %s", ErrInvalid, field)
	}
	// Errors from Duration.UnmarshalJSON arrive wrapped without the field.
	return fmt.Errorf("%w: %s", ErrInvalid, strings.TrimPrefix(msg, "json: "))
}

// position turns a byte offset into a 1-based line and column.
func position(data []byte, off int64) (line, col int) {
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	line, col = 1, 1
	for _, b := range data[:off] {
		if b == '\n' {
			line++
			col = 1
		} else {
			col++
		}
	}
	return line, col
}

// valueStart walks back from the end of a JSON value (where encoding/json
// reports type errors) to its first byte.
func valueStart(data []byte, end int64) int64 {
	i := min(end, int64(len(data))) - 1
	if i < 0 {
		return 0
	}
	if data[i] == '"' {
		for i--; i > 0; i-- {
			if data[i] == '"' && data[i-1] != '\\' {
				return i
			}
		}
		return 0
	}
	for i > 0 && !strings.ContainsRune(":,[{ \t\r\n", rune(data[i-1])) {
		i--
	}
	return i
}

func findKey(data []byte, key string) (int, int) {
	i := bytes.Index(data, []byte(`"`+key+`"`))
	if i < 0 {
		return 0, 0
	}
	return position(data, int64(i))
}

func (c *Config) applyEnv(getenv func(string) string) error {
	if v := getenv(EnvAPIURL); v != "" {
		c.APIURL = v
	}
	if v := getenv(EnvEnrollmentKey); v != "" {
		c.EnrollmentKey = v
	}
	if v := getenv(EnvDataDir); v != "" {
		c.DataDir = v
	}
	if v := getenv(EnvInterval); v != "" {
		d, err := ParseDuration(v)
		if err != nil {
			return fmt.Errorf("%w: %s=%q: %w", ErrInvalid, EnvInterval, v, err)
		}
		c.Interval = Duration(d)
	}
	return nil
}

// Missing names the settings still needed: api_url always, enrollment_key
// only while the agent has no credential.
func (c *Config) Missing(enrolled bool) []string {
	var m []string
	if strings.TrimSpace(c.APIURL) == "" {
		m = append(m, "api_url")
	}
	if !enrolled && strings.TrimSpace(c.EnrollmentKey) == "" {
		m = append(m, "enrollment_key")
	}
	return m
}

// MissingError explains how to supply the missing settings.
func MissingError(path string, fields []string) error {
	var hints []string
	for _, f := range fields {
		switch f {
		case "api_url":
			hints = append(hints, fmt.Sprintf("api_url (in %s or %s)", path, EnvAPIURL))
		case "enrollment_key":
			hints = append(hints, fmt.Sprintf("enrollment_key (in %s or %s)", path, EnvEnrollmentKey))
		default:
			hints = append(hints, f)
		}
	}
	return fmt.Errorf("%w: %s", ErrMissing, strings.Join(hints, ", "))
}

// Validate checks the values and normalizes the URL.
func (c *Config) Validate() error {
	u, err := url.Parse(strings.TrimSpace(c.APIURL))
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return fmt.Errorf("%w: api_url %q: want http(s)://host[:port]", ErrInvalid, c.APIURL)
	}
	if u.Scheme == "http" && !c.AllowInsecureHTTP && !isLoopback(u.Hostname()) {
		return fmt.Errorf("%w: api_url %q: plain http is only allowed to a loopback address; use https or set allow_insecure_http", ErrInvalid, c.APIURL)
	}
	u.Path = strings.TrimRight(u.Path, "/")
	c.APIURL = u.String()
	if c.TLS.CAFile != "" {
		if _, err := os.Stat(c.TLS.CAFile); err != nil {
			return fmt.Errorf("%w: tls.ca_file: %w", ErrInvalid, err)
		}
	}
	switch c.LogLevel {
	case "", "debug", "info", "warn", "error":
	default:
		return fmt.Errorf("%w: log_level %q: want debug, info, warn or error", ErrInvalid, c.LogLevel)
	}
	if c.DataDir == "" {
		return fmt.Errorf("%w: data_dir is empty", ErrInvalid)
	}
	return nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Save writes the config to c.Path (0600: it may hold the enrollment key).
func (c *Config) Save() error {
	data, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return fmt.Errorf("cannot encode config: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(c.Path), 0o755); err != nil {
		return fmt.Errorf("cannot create config directory: %w", err)
	}
	tmp := c.Path + ".tmp"
	if err := os.WriteFile(tmp, append(data, '\n'), 0o600); err != nil {
		return fmt.Errorf("cannot write config: %w", err)
	}
	if err := os.Rename(tmp, c.Path); err != nil {
		return fmt.Errorf("cannot write config: %w", err)
	}
	return nil
}
