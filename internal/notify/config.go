package notify

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/mail"
	"net/textproto"
	"net/url"
	"strings"
)

// Config is a channel kind's settings. The concrete types are
// *EmailConfig, *SlackConfig, *TeamsConfig, *PagerDutyConfig and
// *WebhookConfig.
type Config interface {
	Kind() Kind
	// Validate returns a *FieldError naming the first bad field.
	Validate() error
	// Redacted returns a copy with the secrets blanked.
	Redacted() Config
	// keepSecrets returns a copy whose blank secrets are prev's.
	keepSecrets(prev Config) Config
}

// DecodeConfig decodes a kind's JSON settings strictly (unknown fields are
// refused) and applies the defaults. It does not validate.
func DecodeConfig(kind Kind, raw []byte) (Config, error) {
	var cfg Config
	switch kind {
	case KindEmail:
		cfg = &EmailConfig{}
	case KindSlack:
		cfg = &SlackConfig{}
	case KindTeams:
		cfg = &TeamsConfig{}
	case KindPagerDuty:
		cfg = &PagerDutyConfig{}
	case KindWebhook:
		cfg = &WebhookConfig{}
	default:
		return nil, fmt.Errorf("%w: %q", ErrUnknownKind, kind)
	}
	raw = bytes.TrimSpace(raw)
	if len(raw) > 0 && !bytes.Equal(raw, []byte("null")) {
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(cfg); err != nil {
			return nil, configDecodeError(err)
		}
		if _, err := dec.Token(); !errors.Is(err, io.EOF) {
			return nil, fieldErr("config", "has data after the JSON object")
		}
	}
	if d, ok := cfg.(interface{ defaults() }); ok {
		d.defaults()
	}
	return cfg, nil
}

// configDecodeError names the field the JSON decoder tripped on.
func configDecodeError(err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		return fieldErr("config."+te.Field, "must be a JSON %s", te.Type.Kind())
	}
	msg := err.Error()
	if f, ok := strings.CutPrefix(msg, "json: unknown field "); ok {
		return fieldErr("config."+strings.Trim(f, `"`), "is not a setting of this kind")
	}
	return fieldErr("config", "is not valid JSON: %v", err)
}

// checkURL accepts absolute http and https URLs only.
func checkURL(field, raw string) error {
	if strings.TrimSpace(raw) == "" {
		return fieldErr(field, "is required")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return fieldErr(field, "is not a URL")
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fieldErr(field, "must be an http or https URL")
	}
	if u.Host == "" || u.Hostname() == "" {
		return fieldErr(field, "has no host")
	}
	return nil
}

// EmailConfig sends through an SMTP relay.
type EmailConfig struct {
	Host     string   `json:"host"`
	Port     int      `json:"port"`
	Username string   `json:"username,omitempty"`
	Password string   `json:"password,omitempty"`
	From     string   `json:"from"`
	To       []string `json:"to"`
	// Security is "starttls" (default; the server must offer it), "tls"
	// (implicit TLS, port 465) or "none".
	Security string `json:"security"`
	// SkipVerify accepts any server certificate. Off by default; for
	// relays with self-signed certificates only.
	SkipVerify bool `json:"skip_verify"`
}

// Email security modes.
const (
	SecurityStartTLS = "starttls"
	SecurityTLS      = "tls"
	SecurityNone     = "none"
)

// Kind implements Config.
func (*EmailConfig) Kind() Kind { return KindEmail }

func (c *EmailConfig) defaults() {
	c.Security = strings.ToLower(strings.TrimSpace(c.Security))
	if c.Security == "" {
		c.Security = SecurityStartTLS
	}
	if c.Port == 0 {
		switch c.Security {
		case SecurityTLS:
			c.Port = 465
		case SecurityNone:
			c.Port = 25
		default:
			c.Port = 587
		}
	}
}

// Validate implements Config.
func (c *EmailConfig) Validate() error {
	host := strings.TrimSpace(c.Host)
	if host == "" {
		return fieldErr("config.host", "is required")
	}
	if strings.ContainsAny(host, " /\t\r\n") {
		return fieldErr("config.host", "must be a host name or IP address")
	}
	if c.Port < 1 || c.Port > 65535 {
		return fieldErr("config.port", "must be between 1 and 65535")
	}
	switch c.Security {
	case SecurityStartTLS, SecurityTLS, SecurityNone:
	default:
		return fieldErr("config.security", `must be "starttls", "tls" or "none"`)
	}
	if c.Password != "" && c.Username == "" {
		return fieldErr("config.username", "is required with a password")
	}
	if c.Username != "" && c.Password == "" {
		return fieldErr("config.password", "is required with a username")
	}
	if c.Username != "" && c.Security == SecurityNone && !isLoopback(host) {
		// The password would cross the network in clear text.
		return fieldErr("config.security", `must be "starttls" or "tls" to log in to a remote server`)
	}
	if strings.ContainsAny(c.Username+c.Password, "\r\n") {
		return fieldErr("config.username", "must not contain line breaks")
	}
	if _, err := mail.ParseAddress(c.From); err != nil {
		return fieldErr("config.from", "is not an e-mail address")
	}
	if len(c.To) == 0 {
		return fieldErr("config.to", "needs at least one address")
	}
	if len(c.To) > 100 {
		return fieldErr("config.to", "has more than 100 addresses")
	}
	for i, to := range c.To {
		if _, err := mail.ParseAddress(to); err != nil {
			return fieldErr(fmt.Sprintf("config.to[%d]", i), "is not an e-mail address")
		}
	}
	return nil
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}

// Redacted implements Config.
func (c *EmailConfig) Redacted() Config {
	r := *c
	r.To = append([]string(nil), c.To...)
	r.Password = ""
	return &r
}

func (c *EmailConfig) keepSecrets(prev Config) Config {
	r := *c
	if p, ok := prev.(*EmailConfig); ok && r.Password == "" && r.Username == p.Username {
		r.Password = p.Password
	}
	return &r
}

// SlackConfig posts to a Slack incoming webhook. The URL is a secret:
// whoever has it can post to the channel.
type SlackConfig struct {
	WebhookURL string `json:"webhook_url"`
}

// Kind implements Config.
func (*SlackConfig) Kind() Kind { return KindSlack }

// Validate implements Config.
func (c *SlackConfig) Validate() error { return checkURL("config.webhook_url", c.WebhookURL) }

// Redacted implements Config.
func (c *SlackConfig) Redacted() Config { return &SlackConfig{} }

func (c *SlackConfig) keepSecrets(prev Config) Config {
	r := *c
	if p, ok := prev.(*SlackConfig); ok && r.WebhookURL == "" {
		r.WebhookURL = p.WebhookURL
	}
	return &r
}

// TeamsConfig posts to a Microsoft Teams workflow ("Post to a channel when
// a webhook request is received") or incoming webhook. The URL is a secret.
type TeamsConfig struct {
	WebhookURL string `json:"webhook_url"`
}

// Kind implements Config.
func (*TeamsConfig) Kind() Kind { return KindTeams }

// Validate implements Config.
func (c *TeamsConfig) Validate() error { return checkURL("config.webhook_url", c.WebhookURL) }

// Redacted implements Config.
func (c *TeamsConfig) Redacted() Config { return &TeamsConfig{} }

func (c *TeamsConfig) keepSecrets(prev Config) Config {
	r := *c
	if p, ok := prev.(*TeamsConfig); ok && r.WebhookURL == "" {
		r.WebhookURL = p.WebhookURL
	}
	return &r
}

// DefaultPagerDutyURL is the Events API v2 endpoint.
const DefaultPagerDutyURL = "https://events.pagerduty.com/v2/enqueue"

// PagerDutyConfig sends Events API v2 events to one service integration.
type PagerDutyConfig struct {
	// RoutingKey is the integration key (32 characters); a secret.
	RoutingKey string `json:"routing_key"`
	// URL defaults to DefaultPagerDutyURL (EU accounts may use
	// https://events.eu.pagerduty.com/v2/enqueue).
	URL string `json:"url"`
}

// Kind implements Config.
func (*PagerDutyConfig) Kind() Kind { return KindPagerDuty }

func (c *PagerDutyConfig) defaults() {
	c.RoutingKey = strings.TrimSpace(c.RoutingKey)
	if strings.TrimSpace(c.URL) == "" {
		c.URL = DefaultPagerDutyURL
	}
}

// Validate implements Config.
func (c *PagerDutyConfig) Validate() error {
	if c.RoutingKey == "" {
		return fieldErr("config.routing_key", "is required")
	}
	if len(c.RoutingKey) != 32 {
		return fieldErr("config.routing_key", "must be 32 characters (the service's integration key)")
	}
	for _, r := range c.RoutingKey {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return fieldErr("config.routing_key", "must be letters and digits only")
		}
	}
	return checkURL("config.url", c.URL)
}

// Redacted implements Config.
func (c *PagerDutyConfig) Redacted() Config { return &PagerDutyConfig{URL: c.URL} }

func (c *PagerDutyConfig) keepSecrets(prev Config) Config {
	r := *c
	if p, ok := prev.(*PagerDutyConfig); ok && r.RoutingKey == "" {
		r.RoutingKey = p.RoutingKey
	}
	return &r
}

// WebhookConfig posts EventSec's JSON (WebhookPayload) to any URL.
type WebhookConfig struct {
	URL string `json:"url"`
	// Secret, when set, signs each request (see Sign).
	Secret string `json:"secret,omitempty"`
	// Headers are added to each request (e.g. an Authorization token).
	Headers map[string]string `json:"headers,omitempty"`
}

// Kind implements Config.
func (*WebhookConfig) Kind() Kind { return KindWebhook }

// reservedHeaders are set by EventSec or by HTTP itself.
var reservedHeaders = []string{"Content-Type", "Content-Length", "Host", "Transfer-Encoding", "Connection",
	"User-Agent"}

// Validate implements Config.
func (c *WebhookConfig) Validate() error {
	if err := checkURL("config.url", c.URL); err != nil {
		return err
	}
	if len(c.Headers) > 50 {
		return fieldErr("config.headers", "has more than 50 headers")
	}
	for name, v := range c.Headers {
		f := "config.headers." + name
		if !validHeaderName(name) {
			return fieldErr(f, "is not a valid header name")
		}
		canon := textproto.CanonicalMIMEHeaderKey(name)
		for _, r := range reservedHeaders {
			if canon == r {
				return fieldErr(f, "is set by EventSec")
			}
		}
		if strings.HasPrefix(canon, "X-Eventsec-") {
			return fieldErr(f, "is set by EventSec")
		}
		if strings.ContainsAny(v, "\r\n\x00") {
			return fieldErr(f, "must not contain line breaks")
		}
	}
	return nil
}

// validHeaderName: an RFC 9110 token.
func validHeaderName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0 {
			continue
		}
		return false
	}
	return true
}

// Redacted implements Config. Header values are blanked too: they usually
// carry tokens.
func (c *WebhookConfig) Redacted() Config {
	r := WebhookConfig{URL: c.URL}
	if c.Headers != nil {
		r.Headers = make(map[string]string, len(c.Headers))
		for k := range c.Headers {
			r.Headers[k] = ""
		}
	}
	return &r
}

func (c *WebhookConfig) keepSecrets(prev Config) Config {
	r := *c
	p, ok := prev.(*WebhookConfig)
	if !ok {
		return &r
	}
	if r.Secret == "" {
		r.Secret = p.Secret
	}
	if len(r.Headers) > 0 {
		h := make(map[string]string, len(r.Headers))
		for k, v := range r.Headers {
			if v == "" {
				v = p.Headers[k]
			}
			h[k] = v
		}
		r.Headers = h
	}
	return &r
}
