// Package email analyses e-mail messages for phishing and malware: it parses
// RFC 5322 + MIME messages (.eml), reads their delivery path and
// authentication results, extracts links and attachments, weighs what it
// finds into a verdict with every reason, keeps suspicious messages in a
// per-org quarantine and polls mailboxes (IMAP, Gmail, Microsoft Graph) for
// new messages to analyse.
package email

import "time"

// Header is one header field as it appeared, in order. Value is unfolded
// and its RFC 2047 encoded words decoded; Raw keeps the unfolded text.
type Header struct {
	Name  string `json:"name"`
	Value string `json:"value"`
	Raw   string `json:"raw,omitempty"`
}

// Address is a mailbox: a display name and an address.
type Address struct {
	Name    string `json:"name,omitempty"`
	Address string `json:"address"`
	// Domain is the address's domain, lower-cased.
	Domain string `json:"domain,omitempty"`
}

// Hop is one Received header: a relay the message went through. Hops are
// listed oldest first (the bottom Received header first).
type Hop struct {
	Index int `json:"index"`
	// From is the sending side as the receiver recorded it: the name the
	// sender announced, and the reverse-DNS name and IP address it saw.
	From     string `json:"from,omitempty"`
	FromHost string `json:"from_host,omitempty"`
	FromIP   string `json:"from_ip,omitempty"`
	// IPClass is public, private, loopback, link-local, cgnat, reserved or
	// "" when no IP was recorded.
	IPClass string     `json:"ip_class,omitempty"`
	By      string     `json:"by,omitempty"`
	With    string     `json:"with,omitempty"`
	ID      string     `json:"id,omitempty"`
	For     string     `json:"for,omitempty"`
	Time    *time.Time `json:"time,omitempty"`
	// DelaySeconds is the time since the previous hop (nil for the first
	// hop, or when either time is missing). Negative delays mean a clock is
	// wrong, or the header was forged.
	DelaySeconds *float64 `json:"delay_seconds,omitempty"`
	Raw          string   `json:"raw"`
}

// AuthResult is one method's result in an Authentication-Results header
// (RFC 8601), e.g. dkim=pass header.d=example.com.
type AuthResult struct {
	Method string `json:"method"`
	Result string `json:"result"`
	Reason string `json:"reason,omitempty"`
	// Props are the method's properties ("header.from", "smtp.mailfrom",
	// "header.d", ...).
	Props map[string]string `json:"props,omitempty"`
}

// AuthResults is one Authentication-Results header.
type AuthResults struct {
	// AuthServID names the server that evaluated the message.
	AuthServID string       `json:"authserv_id"`
	Results    []AuthResult `json:"results"`
}

// ReceivedSPF is a Received-SPF header (RFC 7208 section 9.1).
type ReceivedSPF struct {
	Result string            `json:"result"`
	Props  map[string]string `json:"props,omitempty"`
	Raw    string            `json:"raw"`
}

// Auth summarises SPF, DKIM and DMARC as the receiving server recorded
// them. Only the topmost Authentication-Results header is believed: the
// ones below it may have been written by the sender.
type Auth struct {
	// SPF, DKIM and DMARC are the results ("pass", "fail", "softfail",
	// "neutral", "none", "temperror", "permerror"), "" when not recorded.
	SPF   string `json:"spf"`
	DKIM  string `json:"dkim"`
	DMARC string `json:"dmarc"`
	// Headers are every Authentication-Results header, topmost first.
	Headers     []AuthResults `json:"headers"`
	ReceivedSPF *ReceivedSPF  `json:"received_spf,omitempty"`
}

// Link is a URL found in the message.
type Link struct {
	URL string `json:"url"`
	// Host is the URL's host, lower-cased.
	Host string `json:"host,omitempty"`
	// Source is "text", "html" (an <a href>), "form" (a <form action>) or
	// "image".
	Source string `json:"source"`
	// Text is what the reader sees for an HTML link.
	Text string `json:"text,omitempty"`
	// TextHost is the host the text shows, when the text looks like a URL
	// or a domain name.
	TextHost string `json:"text_host,omitempty"`
	// Mismatch: the text shows one site and the link goes to another.
	Mismatch bool `json:"mismatch"`
}

// Attachment is a non-body MIME part: a file, an inline image, an attached
// message.
type Attachment struct {
	// Part is the MIME part path, e.g. "2" or "1.3".
	Part     string `json:"part"`
	Filename string `json:"filename"`
	// ContentType is what the message declares; SniffedType and
	// SniffedMIME what the content is.
	ContentType string `json:"content_type"`
	SniffedType string `json:"sniffed_type"`
	SniffedMIME string `json:"sniffed_mime,omitempty"`
	Disposition string `json:"disposition,omitempty"`
	Size        int64  `json:"size"`
	MD5         string `json:"md5"`
	SHA1        string `json:"sha1"`
	SHA256      string `json:"sha256"`
	// Message is set for an attached message (message/rfc822).
	Message *Message `json:"message,omitempty"`
	data    []byte
}

// Data returns the decoded content of the attachment.
func (a *Attachment) Data() []byte { return a.data }

// Message is a parsed e-mail message.
type Message struct {
	Headers    []Header   `json:"headers"`
	From       *Address   `json:"from,omitempty"`
	Sender     *Address   `json:"sender,omitempty"`
	ReplyTo    []Address  `json:"reply_to,omitempty"`
	To         []Address  `json:"to,omitempty"`
	Cc         []Address  `json:"cc,omitempty"`
	ReturnPath string     `json:"return_path,omitempty"`
	Subject    string     `json:"subject"`
	MessageID  string     `json:"message_id,omitempty"`
	Date       *time.Time `json:"date,omitempty"`
	DateRaw    string     `json:"date_raw,omitempty"`
	Received   []Hop      `json:"received"`
	Auth       Auth       `json:"auth"`
	// Text and HTML are the bodies, decoded to UTF-8 (each part appended;
	// cut at the parse options' MaxBodyText).
	Text        string       `json:"text"`
	HTML        string       `json:"html"`
	Links       []Link       `json:"links"`
	Attachments []Attachment `json:"attachments"`
	// Size is the raw message's length in bytes; SHA256 its digest.
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
	// Problems are what was malformed; the parser reads past them.
	Problems []string `json:"problems,omitempty"`
	// visible is the HTML body's visible text, for the language checks.
	visible string
}

// Header returns the first header with the name (case-insensitive), "".
func (m *Message) Header(name string) string {
	for _, h := range m.Headers {
		if equalFold(h.Name, name) {
			return h.Value
		}
	}
	return ""
}

// HeaderValues returns every header with the name, in order.
func (m *Message) HeaderValues(name string) []string {
	var out []string
	for _, h := range m.Headers {
		if equalFold(h.Name, name) {
			out = append(out, h.Value)
		}
	}
	return out
}

func equalFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		ca, cb := a[i], b[i]
		if 'A' <= ca && ca <= 'Z' {
			ca += 'a' - 'A'
		}
		if 'A' <= cb && cb <= 'Z' {
			cb += 'a' - 'A'
		}
		if ca != cb {
			return false
		}
	}
	return true
}
