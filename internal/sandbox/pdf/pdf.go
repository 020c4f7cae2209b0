// Package pdf scans PDF files for active content without rendering them:
// it counts the objects and the name keys that make a PDF act on its own
// (/JavaScript, /OpenAction, /AA, /Launch, /EmbeddedFile, /URI, /AcroForm,
// /XFA, /ObjStm), inflates FlateDecode streams within a budget so
// JavaScript hidden in compressed streams and object streams is found, and
// extracts URIs and script text.
package pdf

import (
	"bytes"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"

	"github.com/eventsec/eventsec/internal/sandbox/finding"
)

// ErrNotPDF is returned for data without a %PDF- header.
var ErrNotPDF = errors.New("not a PDF file")

// Limits.
const (
	maxStreams        = 20_000
	maxStreamInflate  = 8 << 20
	maxTotalInflate   = 64 << 20
	maxJSKept         = 64 << 10
	maxURIs           = 1000
	maxScripts        = 50
	maxNestedInflates = 1
)

// Info is the result of Analyze.
type Info struct {
	Version         string         `json:"version"`
	Objects         int            `json:"objects"`
	Streams         int            `json:"streams"`
	InflatedStreams int            `json:"inflated_streams"`
	InflatedBytes   int64          `json:"inflated_bytes"`
	Keywords        map[string]int `json:"keywords"`
	URIs            []string       `json:"uris,omitempty"`
	JavaScript      []string       `json:"javascript,omitempty"`
	EmbeddedFiles   int            `json:"embedded_files"`
	Encrypted       bool           `json:"encrypted"`
	Errors          []string       `json:"errors,omitempty"`
	// Findings are the suspicious traits found, each with its weight.
	Findings []finding.Finding `json:"-"`
}

// keys are the names counted. Names may be obfuscated with #xx hex escapes
// (/J#61vaScript); they are normalised before counting.
var keys = []string{
	"/JavaScript", "/JS", "/OpenAction", "/AA", "/Launch", "/EmbeddedFile", "/URI", "/AcroForm", "/XFA",
	"/ObjStm", "/RichMedia", "/SubmitForm", "/ImportData", "/GoToR", "/GoToE", "/Encrypt", "/JBIG2Decode", "/Page",
}

var (
	objRe     = regexp.MustCompile(`\d+\s+\d+\s+obj\b`)
	nameRe    = regexp.MustCompile(`/[A-Za-z0-9#_.\-]+`)
	streamRe  = regexp.MustCompile(`stream\r?\n`)
	uriRe     = regexp.MustCompile(`/URI\s*\(((?:\\.|[^\\)])*)\)`)
	jsStrRe   = regexp.MustCompile(`/JS\s*\(((?:\\.|[^\\)])+)\)`)
	jsHexRe   = regexp.MustCompile(`/JS\s*<([0-9A-Fa-f\s]{2,})>`)
	versionRe = regexp.MustCompile(`%PDF-(\d\.\d)`)
	jsHintRe  = regexp.MustCompile(`\b(?:app\.|this\.exportDataObject|util\.printf|eval\s*\(|unescape\s*\(|String\.fromCharCode|getAnnots|spell\.customDictionaryOpen|Collab\.collectEmailInfo|media\.newPlayer|submitForm|launchURL)`)
)

// Analyze scans data.
func Analyze(data []byte) (*Info, error) {
	i := bytes.Index(data[:min(len(data), 1024)], []byte("%PDF-"))
	if i < 0 {
		return nil, ErrNotPDF
	}
	info := &Info{Keywords: map[string]int{}}
	if m := versionRe.FindSubmatch(data[i:min(len(data), i+16)]); m != nil {
		info.Version = string(m[1])
	}
	var budget int64 = maxTotalInflate
	info.scan(data, &budget, 0)
	info.judge()
	return info, nil
}

// scan counts names and objects in b and recurses once into inflated
// streams (object streams hold more objects).
func (info *Info) scan(b []byte, budget *int64, depth int) {
	info.Objects += len(objRe.FindAllIndex(b, -1))
	for _, m := range nameRe.FindAll(b, -1) {
		n := normalizeName(m)
		for _, k := range keys {
			if n == k {
				info.Keywords[k]++
				break
			}
		}
	}
	for _, m := range uriRe.FindAllSubmatch(b, maxURIs) {
		if len(info.URIs) < maxURIs {
			info.URIs = appendUnique(info.URIs, string(unescapeString(m[1])))
		}
	}
	for _, m := range jsStrRe.FindAllSubmatch(b, maxScripts) {
		info.addJS(unescapeString(m[1]))
	}
	for _, m := range jsHexRe.FindAllSubmatch(b, maxScripts) {
		info.addJS(hexString(m[1]))
	}
	if depth > maxNestedInflates {
		return
	}
	for _, loc := range streamRe.FindAllIndex(b, maxStreams) {
		info.Streams++
		start := loc[1]
		end := bytes.Index(b[start:], []byte("endstream"))
		if end < 0 {
			end = len(b) - start
		}
		raw := b[start : start+end]
		dictStart := max(0, loc[0]-1024)
		dict := b[dictStart:loc[0]]
		if k := bytes.LastIndex(dict, []byte("obj")); k >= 0 {
			dict = dict[k:]
		}
		if !bytes.Contains(dict, []byte("/FlateDecode")) && !bytes.Contains(dict, []byte("/Fl ")) && !bytes.Contains(dict, []byte("/Fl]")) {
			if bytes.Contains(dict, []byte("/JavaScript")) || bytes.Contains(dict, []byte("/JS")) {
				info.addJS(raw)
			}
			continue
		}
		if *budget <= 0 {
			info.addError("inflate budget exhausted; remaining streams not decoded")
			return
		}
		out, err := inflate(raw, min(int64(maxStreamInflate), *budget))
		*budget -= int64(len(out))
		if err != nil && len(out) == 0 {
			info.addError(fmt.Sprintf("cannot inflate stream at %d: %v", start, err))
			continue
		}
		info.InflatedStreams++
		info.InflatedBytes += int64(len(out))
		if jsHintRe.Match(out) && !bytes.Contains(out, []byte("BT")) {
			info.addJS(out)
		}
		info.scan(out, budget, depth+1)
	}
}

func (info *Info) addError(s string) {
	for _, e := range info.Errors {
		if e == s {
			return
		}
	}
	if len(info.Errors) < 20 {
		info.Errors = append(info.Errors, s)
	}
}

func (info *Info) addJS(b []byte) {
	if len(info.JavaScript) >= maxScripts || len(bytes.TrimSpace(b)) == 0 {
		return
	}
	if len(b) > maxJSKept {
		b = b[:maxJSKept]
	}
	info.JavaScript = appendUnique(info.JavaScript, string(b))
}

func appendUnique(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

func inflate(raw []byte, limit int64) ([]byte, error) {
	zr, err := zlib.NewReader(bytes.NewReader(raw))
	if err != nil {
		return nil, err
	}
	defer zr.Close()
	var buf bytes.Buffer
	_, err = io.Copy(&buf, io.LimitReader(zr, limit))
	if errors.Is(err, io.ErrUnexpectedEOF) {
		err = nil // streams often lack a clean zlib trailer
	}
	return buf.Bytes(), err
}

// normalizeName decodes #xx escapes in a PDF name.
func normalizeName(n []byte) string {
	if bytes.IndexByte(n, '#') < 0 {
		return string(n)
	}
	var out []byte
	for i := 0; i < len(n); i++ {
		if n[i] == '#' && i+2 < len(n) {
			if v, ok := hexByte(n[i+1], n[i+2]); ok {
				out = append(out, v)
				i += 2
				continue
			}
		}
		out = append(out, n[i])
	}
	return string(out)
}

func hexByte(a, b byte) (byte, bool) {
	h := func(c byte) (byte, bool) {
		switch {
		case c >= '0' && c <= '9':
			return c - '0', true
		case c >= 'a' && c <= 'f':
			return c - 'a' + 10, true
		case c >= 'A' && c <= 'F':
			return c - 'A' + 10, true
		}
		return 0, false
	}
	x, ok1 := h(a)
	y, ok2 := h(b)
	return x<<4 | y, ok1 && ok2
}

// unescapeString decodes a PDF literal string body.
func unescapeString(s []byte) []byte {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 >= len(s) {
			out = append(out, c)
			continue
		}
		i++
		switch s[i] {
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case '\r', '\n':
			// line continuation
		default:
			if s[i] >= '0' && s[i] <= '7' {
				v, n := 0, 0
				for n < 3 && i < len(s) && s[i] >= '0' && s[i] <= '7' {
					v = v*8 + int(s[i]-'0')
					i++
					n++
				}
				i--
				out = append(out, byte(v))
				continue
			}
			out = append(out, s[i])
		}
	}
	return out
}

func hexString(h []byte) []byte {
	var digits []byte
	for _, c := range h {
		if c != ' ' && c != '\n' && c != '\r' && c != '\t' {
			digits = append(digits, c)
		}
	}
	if len(digits)%2 == 1 {
		digits = append(digits, '0')
	}
	out := make([]byte, 0, len(digits)/2)
	for i := 0; i+1 < len(digits); i += 2 {
		if v, ok := hexByte(digits[i], digits[i+1]); ok {
			out = append(out, v)
		}
	}
	return out
}

func (info *Info) judge() {
	k := info.Keywords
	add := func(code string, weight int, msg, ev string) {
		info.Findings = append(info.Findings, finding.New(code, weight, msg, ev))
	}
	js := k["/JavaScript"] + k["/JS"]
	auto := k["/OpenAction"] + k["/AA"]
	if js > 0 || len(info.JavaScript) > 0 {
		add("pdf.javascript", 25, "PDF contains JavaScript", fmt.Sprintf("%d /JS or /JavaScript keys", js))
	}
	if auto > 0 {
		add("pdf.auto_action", 10, "PDF runs an action automatically (/OpenAction or /AA)", fmt.Sprintf("%d", auto))
	}
	if auto > 0 && (js > 0 || len(info.JavaScript) > 0) {
		add("pdf.auto_javascript", 30, "JavaScript runs automatically when the PDF is opened", "")
	}
	if k["/Launch"] > 0 {
		add("pdf.launch", 40, "PDF launches an external program (/Launch)", fmt.Sprintf("%d", k["/Launch"]))
	}
	if k["/EmbeddedFile"] > 0 {
		info.EmbeddedFiles = k["/EmbeddedFile"]
		add("pdf.embedded_file", 15, "PDF carries embedded files", fmt.Sprintf("%d", k["/EmbeddedFile"]))
	}
	if k["/XFA"] > 0 {
		add("pdf.xfa", 10, "PDF uses XFA forms (scriptable)", "")
	}
	if k["/RichMedia"] > 0 {
		add("pdf.richmedia", 15, "PDF embeds rich media (Flash)", "")
	}
	if k["/SubmitForm"]+k["/ImportData"]+k["/GoToR"]+k["/GoToE"] > 0 {
		add("pdf.remote_actions", 10, "PDF submits forms or opens remote documents", "")
	}
	if k["/JBIG2Decode"] > 0 {
		add("pdf.jbig2", 5, "JBIG2 stream (historically exploited decoder)", "")
	}
	if k["/Encrypt"] > 0 {
		info.Encrypted = true
		add("pdf.encrypted", 5, "PDF is encrypted (content may be hidden from scanners)", "")
	}
	if k["/ObjStm"] > 0 && (js > 0 || auto > 0) {
		add("pdf.objstm_active", 5, "active content hidden in object streams", fmt.Sprintf("%d /ObjStm", k["/ObjStm"]))
	}
	if k["/Page"] <= 1 && (js > 0 || k["/Launch"] > 0) {
		add("pdf.single_page_active", 5, "one-page PDF with active content (common in malicious PDFs)", "")
	}
	var hints []string
	for _, s := range info.JavaScript {
		for _, m := range jsHintRe.FindAllString(s, 10) {
			hints = appendUnique(hints, strings.TrimSpace(m))
		}
	}
	sort.Strings(hints)
	if len(hints) > 0 {
		add("pdf.javascript_suspicious", 15, "JavaScript uses functions seen in PDF exploits and droppers", strings.Join(hints, ", "))
	}
}
