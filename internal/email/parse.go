package email

import (
	"bytes"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"mime"
	"net/mail"
	"path"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding/htmlindex"

	"github.com/eventsec/eventsec/internal/sandbox/filetype"
)

// DefaultMaxSize is the largest message parsed unless ParseOptions say
// otherwise (25 MiB, a common relay limit).
const DefaultMaxSize = 25 << 20

// ParseOptions bound the work one message may cause. Zero values take the
// documented defaults.
type ParseOptions struct {
	// MaxSize is the largest raw message accepted (default 25 MiB).
	MaxSize int64
	// MaxParts bounds the MIME parts read (default 1,000).
	MaxParts int
	// MaxDepth bounds multipart and attached-message nesting (default 16).
	MaxDepth int
	// MaxHeaders bounds the header fields kept per entity (default 1,000).
	MaxHeaders int
	// MaxBodyText bounds the text and the HTML kept (each, default 2 MiB).
	MaxBodyText int
	// MaxLinks bounds the links extracted (default 1,000).
	MaxLinks int
}

func (o ParseOptions) withDefaults() ParseOptions {
	if o.MaxSize <= 0 {
		o.MaxSize = DefaultMaxSize
	}
	if o.MaxParts <= 0 {
		o.MaxParts = 1000
	}
	if o.MaxDepth <= 0 {
		o.MaxDepth = 16
	}
	if o.MaxHeaders <= 0 {
		o.MaxHeaders = 1000
	}
	if o.MaxBodyText <= 0 {
		o.MaxBodyText = 2 << 20
	}
	if o.MaxLinks <= 0 {
		o.MaxLinks = 1000
	}
	return o
}

// parser holds the budget shared by a message and everything nested in it.
type parser struct {
	o     ParseOptions
	parts int
	dec   *mime.WordDecoder
}

// Parse reads a raw RFC 5322 message. It never fails on malformed
// content: what it cannot read is listed in Message.Problems. It fails only
// when the input is over the size limit (ErrTooLarge) or has no header
// field at all (ErrNotMessage).
func Parse(raw []byte, o ParseOptions) (*Message, error) {
	o = o.withDefaults()
	if int64(len(raw)) > o.MaxSize {
		return nil, fmt.Errorf("cannot parse message: %w (%d > %d bytes)", ErrTooLarge, len(raw), o.MaxSize)
	}
	p := &parser{o: o, dec: &mime.WordDecoder{CharsetReader: charsetReader}}
	m := p.message(raw, 0)
	if len(m.Headers) == 0 {
		return nil, fmt.Errorf("cannot parse message: %w: no header fields", ErrNotMessage)
	}
	sum := sha256.Sum256(raw)
	m.SHA256 = hex.EncodeToString(sum[:])
	return m, nil
}

// message parses one message (the top one or an attached one).
func (p *parser) message(raw []byte, depth int) *Message {
	m := &Message{Size: int64(len(raw)), Received: []Hop{}, Links: []Link{}, Attachments: []Attachment{}}
	hs, body, probs := p.headers(raw)
	m.Problems = append(m.Problems, probs...)
	m.Headers = hs
	p.envelope(m)
	p.entity(m, hs, body, depth, "")
	m.Links = extractLinks(m, p.o.MaxLinks)
	if len(m.Problems) > 50 {
		m.Problems = append(m.Problems[:50], fmt.Sprintf("and %d more problems", len(m.Problems)-50))
	}
	return m
}

// headers splits raw into its header fields (unfolded, words decoded) and
// the body after the empty line.
func (p *parser) headers(raw []byte) (hs []Header, body []byte, probs []string) {
	hs = []Header{}
	pos, lineNo := 0, 0
	var cur *Header
	var curRaw strings.Builder
	flush := func() {
		if cur == nil {
			return
		}
		cur.Raw = strings.TrimSpace(curRaw.String())
		cur.Value = p.decodeHeader(cur.Raw)
		if len(hs) < p.o.MaxHeaders {
			hs = append(hs, *cur)
		} else if len(hs) == p.o.MaxHeaders {
			probs = append(probs, fmt.Sprintf("more than %d header fields; the rest were ignored", p.o.MaxHeaders))
		}
		cur = nil
		curRaw.Reset()
	}
	for pos < len(raw) {
		end := bytes.IndexByte(raw[pos:], '\n')
		next := len(raw)
		line := raw[pos:]
		if end >= 0 {
			line = raw[pos : pos+end]
			next = pos + end + 1
		}
		line = bytes.TrimSuffix(line, []byte("\r"))
		lineNo++
		if len(line) == 0 {
			flush()
			return hs, raw[next:], probs
		}
		switch {
		case line[0] == ' ' || line[0] == '\t':
			if cur == nil {
				probs = append(probs, fmt.Sprintf("header line %d continues no field", lineNo))
			} else {
				curRaw.WriteByte(' ')
				curRaw.Write(bytes.TrimSpace(line))
			}
		case lineNo == 1 && bytes.HasPrefix(line, []byte("From ")):
			// An mbox separator line left on the message.
		default:
			colon := bytes.IndexByte(line, ':')
			if colon <= 0 || !validFieldName(line[:colon]) {
				if len(hs) > 0 || cur != nil {
					// Senders that forget the empty line start the body
					// here; so do the MTAs that read such messages.
					flush()
					probs = append(probs, fmt.Sprintf("header line %d is not a field; the body starts there", lineNo))
					return hs, raw[pos:], probs
				}
				probs = append(probs, fmt.Sprintf("header line %d is not a field", lineNo))
				if lineNo > 20 {
					return hs, nil, probs
				}
				break
			}
			flush()
			cur = &Header{Name: string(line[:colon])}
			curRaw.Write(bytes.TrimSpace(line[colon+1:]))
		}
		pos = next
	}
	flush()
	if len(hs) > 0 {
		probs = append(probs, "the message has no body (no empty line after the header)")
	}
	return hs, nil, probs
}

func validFieldName(b []byte) bool {
	if len(b) > 200 {
		return false
	}
	for _, c := range b {
		if c <= ' ' || c > '~' {
			return false
		}
	}
	return true
}

// decodeHeader decodes RFC 2047 encoded words; undecodable words stay as
// they are. The result is valid UTF-8.
func (p *parser) decodeHeader(s string) string {
	if strings.Contains(s, "=?") {
		if d, err := p.dec.DecodeHeader(s); err == nil {
			s = d
		}
	}
	return toUTF8(s)
}

func toUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}

// charsetReader decodes a named charset (WHATWG labels: windows-1252,
// iso-8859-x, koi8-r, shift_jis, gb18030, ...).
func charsetReader(label string, r io.Reader) (io.Reader, error) {
	enc, err := htmlindex.Get(strings.ToLower(strings.TrimSpace(label)))
	if err != nil {
		return nil, fmt.Errorf("cannot decode charset %q: %w", label, err)
	}
	return enc.NewDecoder().Reader(r), nil
}

// decodeText converts body bytes in charset to UTF-8.
func decodeText(charset string, b []byte) (string, error) {
	cs := strings.ToLower(strings.TrimSpace(charset))
	switch cs {
	case "", "utf-8", "utf8", "us-ascii", "ascii":
		return toUTF8(string(b)), nil
	}
	r, err := charsetReader(cs, bytes.NewReader(b))
	if err != nil {
		return toUTF8(string(b)), err
	}
	out, err := io.ReadAll(r)
	if err != nil {
		return toUTF8(string(b)), err
	}
	return toUTF8(string(out)), nil
}

// envelope fills the originator and identification fields.
func (p *parser) envelope(m *Message) {
	raw := func(name string) string {
		for _, h := range m.Headers {
			if equalFold(h.Name, name) {
				return h.Raw
			}
		}
		return ""
	}
	if v := raw("From"); v != "" {
		if as := p.addresses(m, "From", v); len(as) > 0 {
			m.From = &as[0]
		}
	}
	if v := raw("Sender"); v != "" {
		if as := p.addresses(m, "Sender", v); len(as) > 0 {
			m.Sender = &as[0]
		}
	}
	if v := raw("Reply-To"); v != "" {
		m.ReplyTo = p.addresses(m, "Reply-To", v)
	}
	if v := raw("To"); v != "" {
		m.To = p.addresses(m, "To", v)
	}
	if v := raw("Cc"); v != "" {
		m.Cc = p.addresses(m, "Cc", v)
	}
	if rps := m.HeaderValues("Return-Path"); len(rps) > 0 {
		m.ReturnPath = strings.Trim(strings.TrimSpace(rps[0]), "<>")
	}
	m.Subject = m.Header("Subject")
	m.MessageID = strings.TrimSpace(m.Header("Message-ID"))
	if d := strings.TrimSpace(m.Header("Date")); d != "" {
		m.DateRaw = d
		if t, ok := parseDate(d); ok {
			m.Date = &t
		} else {
			m.Problems = append(m.Problems, "the Date header is not a date: "+clip(d, 80))
		}
	}
	hops, probs := parseReceived(m.HeaderValues("Received"))
	m.Received = hops
	m.Problems = append(m.Problems, probs...)
	m.Auth = parseAuth(m.HeaderValues("Authentication-Results"), m.HeaderValues("Received-SPF"))
}

var looseAddr = regexp.MustCompile(`[^\s<>()\[\]",;:@]+@[^\s<>()\[\]",;:@]+`)

// addresses parses an address list; malformed lists are read leniently.
func (p *parser) addresses(m *Message, field, v string) []Address {
	ap := mail.AddressParser{WordDecoder: p.dec}
	list, err := ap.ParseList(v)
	var out []Address
	if err == nil {
		for _, a := range list {
			out = append(out, newAddress(toUTF8(a.Name), a.Address))
		}
		return out
	}
	m.Problems = append(m.Problems, fmt.Sprintf("the %s header is not a valid address list", field))
	// Lenient: every address-looking token, the text before the first one
	// as its display name.
	dv := p.decodeHeader(v)
	locs := looseAddr.FindAllStringIndex(dv, 20)
	for i, l := range locs {
		a := newAddress("", dv[l[0]:l[1]])
		if i == 0 {
			a.Name = strings.Trim(strings.TrimSpace(dv[:l[0]]), `"<' `)
		}
		out = append(out, a)
	}
	if len(out) == 0 && strings.TrimSpace(dv) != "" {
		out = append(out, Address{Name: strings.TrimSpace(dv)})
	}
	return out
}

func newAddress(name, addr string) Address {
	a := Address{Name: strings.TrimSpace(name), Address: strings.TrimSpace(addr)}
	if i := strings.LastIndexByte(a.Address, '@'); i >= 0 {
		a.Domain = strings.ToLower(strings.TrimSuffix(a.Address[i+1:], "."))
	}
	return a
}

// parseDate reads RFC 5322 dates and the common deviations from them.
func parseDate(s string) (time.Time, bool) {
	s = stripComments(s)
	if t, err := mail.ParseDate(s); err == nil {
		return t, true
	}
	for _, l := range []string{time.RFC1123Z, time.RFC1123, time.RFC850, time.ANSIC, time.RFC3339,
		"Mon, 2 Jan 2006 15:04:05 -0700 (MST)", "2 Jan 2006 15:04:05 -0700", "Mon, 2 Jan 2006 15:04 -0700", "Mon, 02 Jan 2006 15:04:05 MST"} {
		if t, err := time.Parse(l, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// stripComments removes parenthesised comments (RFC 5322 CFWS) and squeezes
// white space.
func stripComments(s string) string {
	var b strings.Builder
	depth := 0
	inQuote := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s):
			if depth == 0 {
				b.WriteByte(c)
				b.WriteByte(s[i+1])
			}
			i++
			continue
		case c == '"' && depth == 0:
			inQuote = !inQuote
		case c == '(' && !inQuote:
			depth++
			continue
		case c == ')' && !inQuote && depth > 0:
			depth--
			b.WriteByte(' ')
			continue
		}
		if depth == 0 {
			b.WriteByte(c)
		}
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

// mediaType parses a Content-Type or Content-Disposition value, leniently
// when it is malformed.
func mediaType(v string) (string, map[string]string) {
	v = strings.TrimSpace(v)
	if v == "" {
		return "", map[string]string{}
	}
	mt, params, err := mime.ParseMediaType(v)
	if err == nil {
		return strings.ToLower(mt), params
	}
	// mime.ParseMediaType refuses the whole value for one bad parameter;
	// mail clients read what they can.
	parts := strings.Split(v, ";")
	mt = strings.ToLower(strings.TrimSpace(parts[0]))
	params = map[string]string{}
	for _, part := range parts[1:] {
		k, val, ok := strings.Cut(part, "=")
		if !ok {
			continue
		}
		k = strings.ToLower(strings.TrimSpace(k))
		val = strings.Trim(strings.TrimSpace(val), `"`)
		if k != "" {
			params[k] = val
		}
	}
	return mt, params
}

// partHeader finds a field in an entity's header.
func partHeader(hs []Header, name string) string {
	for _, h := range hs {
		if equalFold(h.Name, name) {
			return h.Raw
		}
	}
	return ""
}

// entity reads one MIME entity's body into the message: a multipart's
// parts, a text body, an attachment, or an attached message.
func (p *parser) entity(m *Message, hs []Header, body []byte, depth int, partPath string) {
	p.parts++
	if p.parts > p.o.MaxParts {
		if p.parts == p.o.MaxParts+1 {
			m.Problems = append(m.Problems, fmt.Sprintf("more than %d MIME parts; the rest were not read", p.o.MaxParts))
		}
		return
	}
	ct, params := mediaType(partHeader(hs, "Content-Type"))
	if ct == "" || !strings.Contains(ct, "/") {
		ct = "text/plain"
	}
	if strings.HasPrefix(ct, "multipart/") {
		boundary := params["boundary"]
		if boundary == "" {
			m.Problems = append(m.Problems, fmt.Sprintf("part %s is %s without a boundary; read as text", displayPath(partPath), ct))
			ct = "text/plain"
		} else if depth >= p.o.MaxDepth {
			m.Problems = append(m.Problems, fmt.Sprintf("part %s is nested deeper than %d levels; not read", displayPath(partPath), p.o.MaxDepth))
			return
		} else {
			parts, closed := splitMultipart(body, boundary)
			if !closed {
				m.Problems = append(m.Problems, fmt.Sprintf("multipart %s has no closing boundary", displayPath(partPath)))
			}
			for i, raw := range parts {
				phs, pbody, probs := p.headers(raw)
				if len(phs) == 0 && pbody == nil {
					// A part with no header and no empty line is all body.
					pbody, probs = raw, nil
				}
				for _, pr := range probs {
					if !strings.Contains(pr, "no body") {
						m.Problems = append(m.Problems, "part "+childPath(partPath, i+1)+": "+pr)
					}
				}
				p.entity(m, phs, pbody, depth+1, childPath(partPath, i+1))
			}
			return
		}
	}
	data, err := decodeTransfer(partHeader(hs, "Content-Transfer-Encoding"), body)
	if err != "" {
		m.Problems = append(m.Problems, fmt.Sprintf("part %s: %s", displayPath(partPath), err))
	}
	disp, dparams := mediaType(partHeader(hs, "Content-Disposition"))
	name := dparams["filename"]
	if name == "" {
		name = params["name"]
	}
	name = p.decodeHeader(name)
	if name != "" {
		name = path.Base(strings.ReplaceAll(name, `\`, "/"))
	}
	isBody := (ct == "text/plain" || ct == "text/html") && disp != "attachment" && name == ""
	if isBody {
		text, derr := decodeText(params["charset"], data)
		if derr != nil {
			m.Problems = append(m.Problems, fmt.Sprintf("part %s: unknown charset %q", displayPath(partPath), params["charset"]))
		}
		if ct == "text/html" {
			m.HTML = appendCapped(m.HTML, text, p.o.MaxBodyText)
		} else {
			m.Text = appendCapped(m.Text, text, p.o.MaxBodyText)
		}
		return
	}
	a := newAttachment(displayPath(partPath), name, ct, disp, data)
	if ct == "message/rfc822" || ct == "message/global" {
		if depth >= p.o.MaxDepth {
			m.Problems = append(m.Problems, fmt.Sprintf("attached message %s is nested deeper than %d levels; not read", displayPath(partPath), p.o.MaxDepth))
		} else {
			nested := p.message(data, depth+1)
			if len(nested.Headers) > 0 {
				sum := sha256.Sum256(data)
				nested.SHA256 = hex.EncodeToString(sum[:])
				a.Message = nested
				a.SniffedType, a.SniffedMIME = "eml", "message/rfc822"
				if a.Filename == "" {
					a.Filename = "attached-message.eml"
				}
			}
		}
	}
	m.Attachments = append(m.Attachments, a)
}

func newAttachment(part, name, ct, disp string, data []byte) Attachment {
	md := md5.Sum(data)
	s1 := sha1.Sum(data)
	s2 := sha256.Sum256(data)
	t := filetype.Detect(data, name)
	return Attachment{Part: part, Filename: name, ContentType: ct, Disposition: disp, Size: int64(len(data)),
		SniffedType: string(t.ID), SniffedMIME: t.MIME,
		MD5: hex.EncodeToString(md[:]), SHA1: hex.EncodeToString(s1[:]), SHA256: hex.EncodeToString(s2[:]), data: data}
}

func childPath(parent string, i int) string {
	if parent == "" {
		return strconv.Itoa(i)
	}
	return parent + "." + strconv.Itoa(i)
}

func displayPath(p string) string {
	if p == "" {
		return "1"
	}
	return p
}

func appendCapped(dst, s string, limit int) string {
	if len(dst) >= limit {
		return dst
	}
	if dst != "" {
		dst += "\n"
	}
	if len(dst)+len(s) > limit {
		s = s[:limit-len(dst)]
		s = strings.ToValidUTF8(s, "")
	}
	return dst + s
}

// splitMultipart returns the parts between the boundary delimiter lines and
// whether the closing delimiter was found.
func splitMultipart(body []byte, boundary string) (parts [][]byte, closed bool) {
	delim := []byte("--" + boundary)
	start := -1 // the current part's first byte
	pos := 0
	for pos <= len(body) {
		end := bytes.IndexByte(body[pos:], '\n')
		lineEnd, next := len(body), len(body)+1
		if end >= 0 {
			lineEnd, next = pos+end, pos+end+1
		}
		line := bytes.TrimRight(body[pos:lineEnd], " \t\r")
		if bytes.HasPrefix(line, delim) {
			rest := line[len(delim):]
			isClose := bytes.Equal(rest, []byte("--"))
			if len(rest) == 0 || isClose {
				if start >= 0 {
					// The line break before the delimiter belongs to it.
					partEnd := pos
					if partEnd > start && body[partEnd-1] == '\n' {
						partEnd--
						if partEnd > start && body[partEnd-1] == '\r' {
							partEnd--
						}
					}
					parts = append(parts, body[start:partEnd])
				}
				if isClose {
					return parts, true
				}
				start = min(next, len(body))
			}
		}
		pos = next
	}
	if start >= 0 && start < len(body) {
		parts = append(parts, body[start:])
	}
	return parts, false
}

// decodeTransfer undoes a Content-Transfer-Encoding. It never fails: it
// returns what it could decode and a problem to report ("" for none).
func decodeTransfer(cte string, body []byte) ([]byte, string) {
	switch strings.ToLower(strings.TrimSpace(cte)) {
	case "base64":
		return decodeBase64(body)
	case "quoted-printable":
		return decodeQP(body), ""
	case "", "7bit", "8bit", "binary":
		return body, ""
	default:
		return body, "unknown transfer encoding " + strconv.Quote(clip(cte, 40))
	}
}

// decodeBase64 decodes leniently: characters outside the alphabet (line
// breaks, stray spaces) are skipped and a truncated tail is dropped.
func decodeBase64(b []byte) ([]byte, string) {
	clean := make([]byte, 0, len(b))
	bad := 0
	for _, c := range b {
		switch {
		case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9', c == '+', c == '/':
			clean = append(clean, c)
		case c == '=' || c == '\r' || c == '\n' || c == ' ' || c == '\t':
		default:
			bad++
		}
	}
	problem := ""
	if len(clean)%4 == 1 {
		clean = clean[:len(clean)-1]
		problem = "base64 content is truncated"
	}
	if bad > 0 {
		problem = fmt.Sprintf("base64 content has %d characters outside the alphabet", bad)
	}
	out := make([]byte, base64.RawStdEncoding.DecodedLen(len(clean)))
	n, err := base64.RawStdEncoding.Decode(out, clean)
	if err != nil && problem == "" {
		problem = "base64 content is corrupt"
	}
	return out[:n], problem
}

// decodeQP decodes quoted-printable leniently: a malformed escape is kept
// as it is, as mail clients do.
func decodeQP(b []byte) []byte {
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c != '=' {
			out = append(out, c)
			continue
		}
		switch {
		case i+1 < len(b) && b[i+1] == '\n':
			i++
		case i+2 < len(b) && b[i+1] == '\r' && b[i+2] == '\n':
			i += 2
		case i+2 < len(b) && isHex(b[i+1]) && isHex(b[i+2]):
			out = append(out, unhex(b[i+1])<<4|unhex(b[i+2]))
			i += 2
		default:
			// Soft line break with trailing white space, or a bare "=".
			j := i + 1
			for j < len(b) && (b[j] == ' ' || b[j] == '\t') {
				j++
			}
			if j < len(b) && (b[j] == '\n' || b[j] == '\r') {
				if b[j] == '\r' && j+1 < len(b) && b[j+1] == '\n' {
					j++
				}
				i = j
				continue
			}
			out = append(out, c)
		}
	}
	return out
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case '0' <= c && c <= '9':
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "…"
}
