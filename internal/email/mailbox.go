package email

import (
	"encoding/json"
	"fmt"
	"net"
	"net/url"
	"strings"
)

// Mailbox kinds.
const (
	KindIMAP  = "imap"
	KindGmail = "gmail"
	KindGraph = "graph"
)

// Poll interval bounds, in seconds.
const (
	MinPollInterval     = 30
	DefaultPollInterval = 300
	MaxPollInterval     = 86400
)

// IMAPConfig reaches a mailbox folder over IMAP.
type IMAPConfig struct {
	Host string `json:"host"`
	Port int    `json:"port"`
	// Security is "tls" (implicit TLS, port 993), "starttls" (port 143) or
	// "none" (plain text, for a server on the same host only).
	Security string `json:"security"`
	Username string `json:"username"`
	Password string `json:"password,omitempty"`
	// Folder is polled (default INBOX).
	Folder string `json:"folder"`
	// MoveTo, when set, is where processed messages go.
	MoveTo string `json:"move_to,omitempty"`
	// MarkSeen flags processed messages \Seen.
	MarkSeen bool `json:"mark_seen"`
	// InsecureSkipVerify accepts any server certificate (testing only).
	InsecureSkipVerify bool `json:"insecure_skip_verify,omitempty"`
}

// GmailConfig reaches a Gmail mailbox through the Gmail API with OAuth 2.0:
// a refresh token (with the client's ID and secret) or an access token.
type GmailConfig struct {
	// User is the mailbox ("me" for the token's owner).
	User string `json:"user"`
	// Query narrows the messages (Gmail search syntax; default in:inbox).
	Query        string `json:"query,omitempty"`
	ClientID     string `json:"client_id,omitempty"`
	ClientSecret string `json:"client_secret,omitempty"`
	RefreshToken string `json:"refresh_token,omitempty"`
	AccessToken  string `json:"access_token,omitempty"`
	// BaseURL and TokenURL default to Google's.
	BaseURL  string `json:"base_url,omitempty"`
	TokenURL string `json:"token_url,omitempty"`
}

// GraphConfig reaches a Microsoft 365 mailbox through Microsoft Graph with
// an app registration's client credentials.
type GraphConfig struct {
	TenantID     string `json:"tenant_id"`
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret,omitempty"`
	// User is the mailbox's user ID or principal name.
	User string `json:"user"`
	// Folder is a well-known folder name or ID (default inbox).
	Folder string `json:"folder,omitempty"`
	// BaseURL and LoginURL default to Microsoft's.
	BaseURL  string `json:"base_url,omitempty"`
	LoginURL string `json:"login_url,omitempty"`
}

// MailboxConfig is a mailbox's connection settings: the one matching its
// kind is set.
type MailboxConfig struct {
	IMAP  *IMAPConfig  `json:"imap,omitempty"`
	Gmail *GmailConfig `json:"gmail,omitempty"`
	Graph *GraphConfig `json:"graph,omitempty"`
}

// secretsSet names the secrets the configuration holds.
func (c MailboxConfig) secretsSet() []string {
	var out []string
	if c.IMAP != nil && c.IMAP.Password != "" {
		out = append(out, "password")
	}
	if c.Gmail != nil {
		if c.Gmail.ClientSecret != "" {
			out = append(out, "client_secret")
		}
		if c.Gmail.RefreshToken != "" {
			out = append(out, "refresh_token")
		}
		if c.Gmail.AccessToken != "" {
			out = append(out, "access_token")
		}
	}
	if c.Graph != nil && c.Graph.ClientSecret != "" {
		out = append(out, "client_secret")
	}
	return out
}

// redacted returns a copy with every secret blanked.
func (c MailboxConfig) redacted() MailboxConfig {
	if c.IMAP != nil {
		x := *c.IMAP
		x.Password = ""
		c.IMAP = &x
	}
	if c.Gmail != nil {
		x := *c.Gmail
		x.ClientSecret, x.RefreshToken, x.AccessToken = "", "", ""
		c.Gmail = &x
	}
	if c.Graph != nil {
		x := *c.Graph
		x.ClientSecret = ""
		c.Graph = &x
	}
	return c
}

// keepSecrets fills the secrets left empty in c with old's, so that a
// client that received redacted settings can send them back unchanged.
func (c *MailboxConfig) keepSecrets(old MailboxConfig) {
	if c.IMAP != nil && old.IMAP != nil && c.IMAP.Password == "" {
		c.IMAP.Password = old.IMAP.Password
	}
	if c.Gmail != nil && old.Gmail != nil {
		if c.Gmail.ClientSecret == "" {
			c.Gmail.ClientSecret = old.Gmail.ClientSecret
		}
		if c.Gmail.RefreshToken == "" {
			c.Gmail.RefreshToken = old.Gmail.RefreshToken
		}
		if c.Gmail.AccessToken == "" {
			c.Gmail.AccessToken = old.Gmail.AccessToken
		}
	}
	if c.Graph != nil && old.Graph != nil && c.Graph.ClientSecret == "" {
		c.Graph.ClientSecret = old.Graph.ClientSecret
	}
}

// validate checks the configuration of a mailbox of kind, at field prefix p.
func (c *MailboxConfig) validate(kind, p string) error {
	switch kind {
	case KindIMAP:
		x := c.IMAP
		if x == nil {
			return fieldErr(p+".imap", "an IMAP mailbox needs its imap settings")
		}
		c.Gmail, c.Graph = nil, nil
		x.Host = strings.TrimSpace(x.Host)
		if x.Host == "" || strings.ContainsAny(x.Host, "/ @") {
			return fieldErr(p+".imap.host", "give the IMAP server's host name or address")
		}
		switch x.Security {
		case "":
			x.Security = "tls"
		case "tls", "starttls", "none":
		default:
			return fieldErr(p+".imap.security", "security must be tls, starttls or none")
		}
		if x.Port == 0 {
			x.Port = 993
			if x.Security != "tls" {
				x.Port = 143
			}
		}
		if x.Port < 1 || x.Port > 65535 {
			return fieldErr(p+".imap.port", "port must be 1 to 65535")
		}
		if x.Username == "" {
			return fieldErr(p+".imap.username", "give the user name to log in with")
		}
		if x.Folder == "" {
			x.Folder = "INBOX"
		}
	case KindGmail:
		x := c.Gmail
		if x == nil {
			return fieldErr(p+".gmail", "a Gmail mailbox needs its gmail settings")
		}
		c.IMAP, c.Graph = nil, nil
		if x.User == "" {
			x.User = "me"
		}
		if x.Query == "" {
			x.Query = "in:inbox"
		}
		if x.AccessToken == "" && (x.RefreshToken == "" || x.ClientID == "" || x.ClientSecret == "") {
			return fieldErr(p+".gmail.refresh_token", "give a refresh token with the OAuth client's ID and secret, or an access token")
		}
		for f, u := range map[string]string{"base_url": x.BaseURL, "token_url": x.TokenURL} {
			if err := checkURL(u); err != nil {
				return fieldErr(p+".gmail."+f, "%v", err)
			}
		}
	case KindGraph:
		x := c.Graph
		if x == nil {
			return fieldErr(p+".graph", "a Microsoft 365 mailbox needs its graph settings")
		}
		c.IMAP, c.Gmail = nil, nil
		switch {
		case x.TenantID == "" || strings.ContainsAny(x.TenantID, "/?# "):
			return fieldErr(p+".graph.tenant_id", "give the directory (tenant) ID")
		case x.ClientID == "":
			return fieldErr(p+".graph.client_id", "give the app registration's client ID")
		case x.ClientSecret == "":
			return fieldErr(p+".graph.client_secret", "give the app registration's client secret")
		case x.User == "" || strings.ContainsAny(x.User, "/?# "):
			return fieldErr(p+".graph.user", "give the mailbox's user ID or principal name")
		}
		if x.Folder == "" {
			x.Folder = "inbox"
		}
		for f, u := range map[string]string{"base_url": x.BaseURL, "login_url": x.LoginURL} {
			if err := checkURL(u); err != nil {
				return fieldErr(p+".graph."+f, "%v", err)
			}
		}
	default:
		return fieldErr(p+".kind", "kind must be imap, gmail or graph")
	}
	return nil
}

func checkURL(u string) error {
	if u == "" {
		return nil
	}
	x, err := url.Parse(u)
	if err != nil || (x.Scheme != "https" && x.Scheme != "http") || x.Host == "" {
		return fmt.Errorf("must be an http(s) URL")
	}
	return nil
}

func (c IMAPConfig) addr() string { return net.JoinHostPort(c.Host, fmt.Sprint(c.Port)) }

func decodeConfig(b []byte) (MailboxConfig, error) {
	var c MailboxConfig
	if len(b) == 0 {
		return c, nil
	}
	if err := json.Unmarshal(b, &c); err != nil {
		return c, fmt.Errorf("cannot read mailbox settings: %w", err)
	}
	return c, nil
}
