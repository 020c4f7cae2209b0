package intel

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// csvColumns are the columns a CSV import reads (case-insensitive); type
// and value are required ("indicator" is read as value; an empty type is
// detected from the value).
var csvColumns = []string{"type", "value", "confidence", "severity", "tags", "description", "exact_only",
	"first_seen", "last_seen", "expires_at"}

// parseCSV reads header-driven CSV.
func parseCSV(name string, data []byte) (Parsed, error) {
	var p Parsed
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))))
	r.FieldsPerRecord = -1
	r.Comment = '#'
	r.TrimLeadingSpace = true
	header, err := r.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return p, fmt.Errorf("%w: %s is empty: a CSV import starts with a header such as type,value", ErrInvalid, name)
		}
		return p, fmt.Errorf("%w: %s: cannot read the CSV header: %v", ErrInvalid, name, err)
	}
	col := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(h))
		if h == "indicator" {
			h = "value"
		}
		known := false
		for _, c := range csvColumns {
			if c == h {
				known = true
			}
		}
		if !known {
			p.Warnings = append(p.Warnings, fmt.Sprintf("column %q is not read (columns: %s)", header[i], strings.Join(csvColumns, ", ")))
			continue
		}
		if _, dup := col[h]; dup {
			return p, fmt.Errorf("%w: %s: column %q appears twice", ErrInvalid, name, h)
		}
		col[h] = i
	}
	if _, ok := col["value"]; !ok {
		return p, fmt.Errorf("%w: %s: the header has no value column (it has: %s)", ErrInvalid, name, strings.Join(header, ","))
	}
	record := 0
	for {
		row, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		record++
		line, _ := r.FieldPos(0)
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				line = pe.Line
				if pe.Err == csv.ErrFieldCount {
					continue
				}
			}
			p.fail(RecordError{File: name, Record: record, Line: line, Field: "row", Reason: err.Error()})
			if !errors.As(err, &pe) {
				break
			}
			continue
		}
		get := func(c string) string {
			if i, ok := col[c]; ok && i < len(row) {
				return strings.TrimSpace(row[i])
			}
			return ""
		}
		fail := func(field, format string, args ...any) {
			p.fail(RecordError{File: name, Record: record, Line: line, Field: field, Reason: fmt.Sprintf(format, args...)})
		}
		value := refang(get("value"))
		if value == "" {
			fail("value", "is empty")
			continue
		}
		c := Candidate{Confidence: -1, Record: record, Description: get("description"), Tags: splitTags(get("tags"))}
		t := Type(strings.ToLower(get("type")))
		if t == "" {
			dt, ok := DetectType(value)
			if !ok {
				fail("type", "empty, and %q is not a value whose type can be told", value)
				continue
			}
			t = dt
		} else if a, ok := typeAliases[string(t)]; ok {
			t = a
			if dt, ok := DetectType(value); ok && t == TypeIPv4 && (dt == TypeIPv6 || dt == TypeCIDR) {
				t = dt // "ip" columns hold either family, and blocks
			}
		}
		if !t.Valid() {
			fail("type", "%q is not an indicator type (one of %s)", string(t), typeList())
			continue
		}
		v, err := Normalize(t, value)
		if err != nil {
			fail("value", "%s", reason(err))
			continue
		}
		c.Type, c.Value = t, v
		if s := get("confidence"); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil || n < 0 || n > 100 {
				fail("confidence", "%q is not a number from 0 to 100", s)
				continue
			}
			c.Confidence = n
		}
		if s := strings.ToLower(get("severity")); s != "" {
			if SeverityRank(s) < 0 {
				fail("severity", "%q is not one of %s", s, strings.Join(Severities, ", "))
				continue
			}
			c.Severity = s
		}
		if s := strings.ToLower(get("exact_only")); s != "" {
			b, err := strconv.ParseBool(s)
			if err != nil {
				fail("exact_only", "%q is not true or false", s)
				continue
			}
			c.ExactOnly = b
		}
		bad := false
		for _, tf := range []struct {
			name string
			dst  *time.Time
		}{{"first_seen", &c.FirstSeen}, {"last_seen", &c.LastSeen}} {
			if s := get(tf.name); s != "" {
				tm, err := parseTime(s)
				if err != nil {
					fail(tf.name, "%q is not a date or RFC 3339 time", s)
					bad = true
					break
				}
				*tf.dst = tm
			}
		}
		if bad {
			continue
		}
		if s := get("expires_at"); s != "" {
			tm, err := parseTime(s)
			if err != nil {
				fail("expires_at", "%q is not a date or RFC 3339 time", s)
				continue
			}
			c.ExpiresAt = &tm
		}
		p.Indicators = append(p.Indicators, c)
	}
	return p, nil
}

// typeAliases are other names for types, as other tools write them.
var typeAliases = map[string]Type{
	"ip": TypeIPv4, "ipv4-addr": TypeIPv4, "ipv6-addr": TypeIPv6, "ip-src": TypeIPv4, "ip-dst": TypeIPv4,
	"domain-name": TypeDomain, "hostname": TypeDomain, "uri": TypeURL, "sha-1": TypeSHA1, "sha-256": TypeSHA256,
	"email-addr": TypeEmail, "email-src": TypeEmail, "file": TypeFilename, "file_name": TypeFilename,
	"user-agent": TypeUserAgent, "useragent": TypeUserAgent, "ja3-fingerprint-md5": TypeJA3, "network": TypeCIDR,
}

func parseTime(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, errors.New("bad time")
}

// parsePlain reads one value per line; '#' starts a comment (a whole line,
// or after whitespace); blank lines are skipped. Values are refanged and
// their type detected unless force is set.
func parsePlain(name string, data []byte, force Type) (Parsed, error) {
	var p Parsed
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	line := 0
	for sc.Scan() {
		line++
		s := sc.Text()
		if line == 1 {
			s = strings.TrimPrefix(s, "\xef\xbb\xbf")
		}
		if i := strings.Index(s, "#"); i == 0 || i > 0 && (s[i-1] == ' ' || s[i-1] == '\t') {
			s = s[:i]
		}
		s = strings.TrimSpace(s)
		if s == "" || strings.HasPrefix(s, ";") || strings.HasPrefix(s, "//") {
			continue
		}
		s = refang(s)
		t := force
		if t == "" {
			dt, ok := DetectType(s)
			if !ok {
				p.fail(RecordError{File: name, Record: line, Line: line, Field: "value",
					Reason: fmt.Sprintf("cannot tell the type of %q (an IP, CIDR, domain, URL, e-mail, MD5/SHA-1/SHA-256 or JA4)", s)})
				continue
			}
			t = dt
		}
		v, err := Normalize(t, s)
		if err != nil {
			p.fail(RecordError{File: name, Record: line, Line: line, Field: "value", Reason: reason(err)})
			continue
		}
		p.Indicators = append(p.Indicators, Candidate{Type: t, Value: v, Confidence: -1, Record: line})
	}
	if err := sc.Err(); err != nil {
		return p, fmt.Errorf("%w: %s: line %d: %v", ErrInvalid, name, line+1, err)
	}
	return p, nil
}
