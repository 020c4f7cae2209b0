package intel

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// flexString reads a JSON string, number or boolean as text: MISP writes
// numbers and flags either way depending on its version.
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexString(s)
		return nil
	}
	if string(b) == "null" {
		*f = ""
		return nil
	}
	*f = flexString(b)
	return nil
}

func (f flexString) bool() bool {
	switch strings.ToLower(string(f)) {
	case "1", "true":
		return true
	}
	return false
}

type mispTag struct {
	Name string `json:"name"`
}

type mispAttribute struct {
	Type      string     `json:"type"`
	Category  string     `json:"category"`
	Value     string     `json:"value"`
	Comment   string     `json:"comment"`
	ToIDS     flexString `json:"to_ids"`
	Deleted   flexString `json:"deleted"`
	Timestamp flexString `json:"timestamp"`
	FirstSeen string     `json:"first_seen"`
	LastSeen  string     `json:"last_seen"`
	Tag       []mispTag  `json:"Tag"`
}

type mispEvent struct {
	Info          string          `json:"info"`
	UUID          string          `json:"uuid"`
	ThreatLevelID flexString      `json:"threat_level_id"`
	Timestamp     flexString      `json:"timestamp"`
	Attribute     []mispAttribute `json:"Attribute"`
	Object        []struct {
		Name      string          `json:"name"`
		Attribute []mispAttribute `json:"Attribute"`
	} `json:"Object"`
	Tag []mispTag `json:"Tag"`
}

// mispSeverity maps threat_level_id (1 high, 2 medium, 3 low, 4 undefined).
func mispSeverity(id flexString) string {
	switch string(id) {
	case "1":
		return "high"
	case "2":
		return "medium"
	case "3":
		return "low"
	}
	return ""
}

// parseMISP reads MISP event JSON: {"Event": {...}}, a bare event, a list
// of either, or a REST search response {"response": [...]}.
func parseMISP(name string, data []byte) (Parsed, error) {
	var p Parsed
	trimmed := bytes.TrimSpace(data)
	var wrappers []json.RawMessage
	if len(trimmed) > 0 && trimmed[0] == '[' {
		if err := json.Unmarshal(trimmed, &wrappers); err != nil {
			return p, fmt.Errorf("%w: %s is not JSON: %v", ErrInvalid, name, err)
		}
	} else {
		var top map[string]json.RawMessage
		if err := json.Unmarshal(trimmed, &top); err != nil {
			return p, fmt.Errorf("%w: %s is not JSON: %v", ErrInvalid, name, err)
		}
		if resp, ok := top["response"]; ok {
			if err := json.Unmarshal(resp, &wrappers); err != nil {
				return p, fmt.Errorf("%w: %s: response must be a list of events", ErrInvalid, name)
			}
		} else {
			wrappers = []json.RawMessage{trimmed}
		}
	}
	record := 0
	for i, w := range wrappers {
		var top map[string]json.RawMessage
		if err := json.Unmarshal(w, &top); err != nil {
			p.fail(RecordError{File: name, Record: record + 1, Field: fmt.Sprintf("[%d]", i), Reason: "not a MISP event object"})
			continue
		}
		raw := w
		prefix := "Event"
		if ev, ok := top["Event"]; ok {
			raw = ev
		} else if _, ok := top["Attribute"]; !ok {
			p.fail(RecordError{File: name, Record: record + 1, Field: fmt.Sprintf("[%d]", i), Reason: "not a MISP event (no Event or Attribute)"})
			continue
		}
		if len(wrappers) > 1 {
			prefix = fmt.Sprintf("[%d].Event", i)
		}
		var ev mispEvent
		if err := json.Unmarshal(raw, &ev); err != nil {
			p.fail(RecordError{File: name, Record: record + 1, Field: prefix, Reason: fmt.Sprintf("not a MISP event: %v", err)})
			continue
		}
		p.mispEvent(name, prefix, &ev, &record)
	}
	return p, nil
}

// ParseMISPEvent reads one MISP event document (a feed's <uuid>.json).
func ParseMISPEvent(name string, data []byte) (Parsed, error) { return parseMISP(name, data) }

func (p *Parsed) mispEvent(file, prefix string, ev *mispEvent, record *int) {
	var evTags []string
	for _, t := range ev.Tag {
		evTags = append(evTags, t.Name)
	}
	sev := mispSeverity(ev.ThreatLevelID)
	evTime := unixText(ev.Timestamp)
	attr := func(field string, a mispAttribute) {
		*record++
		fail := func(sub, format string, args ...any) {
			p.fail(RecordError{File: file, Record: *record, Field: field + "." + sub, Reason: fmt.Sprintf(format, args...)})
		}
		if a.Deleted.bool() {
			p.skip("deleted MISP attributes")
			return
		}
		if a.ToIDS != "" && !a.ToIDS.bool() {
			p.skip("MISP attributes not for detection (to_ids false)")
			return
		}
		c := Candidate{Confidence: -1, Severity: sev, Record: *record, Tags: append([]string(nil), evTags...),
			Description: strings.Join(nonEmpty(ev.Info, a.Comment), ": ")}
		for _, t := range a.Tag {
			c.Tags = append(c.Tags, t.Name)
		}
		if t := unixText(a.Timestamp); !t.IsZero() {
			c.LastSeen = t
		} else {
			c.LastSeen = evTime
		}
		if a.FirstSeen != "" {
			t, err := time.Parse(time.RFC3339Nano, a.FirstSeen)
			if err != nil {
				fail("first_seen", "%q is not an RFC 3339 timestamp", a.FirstSeen)
				return
			}
			c.FirstSeen = t.UTC()
		}
		type tv struct {
			t     Type
			v     string
			exact bool
		}
		var vals []tv
		value := strings.TrimSpace(a.Value)
		ipType := func(v string) Type {
			if strings.Contains(v, "/") {
				return TypeCIDR
			}
			if ad, err := netip.ParseAddr(v); err == nil && !ad.Unmap().Is4() {
				return TypeIPv6
			}
			return TypeIPv4
		}
		switch a.Type {
		case "ip-src", "ip-dst":
			vals = []tv{{ipType(value), value, false}}
		case "ip-src|port", "ip-dst|port":
			ip, _, _ := strings.Cut(value, "|")
			vals = []tv{{ipType(ip), ip, false}}
		case "domain":
			vals = []tv{{TypeDomain, value, false}}
		case "hostname":
			vals = []tv{{TypeDomain, value, true}}
		case "domain|ip":
			d, ip, ok := strings.Cut(value, "|")
			if !ok {
				fail("value", "a domain|ip value is written domain|address, not %q", value)
				return
			}
			vals = []tv{{TypeDomain, d, false}, {ipType(ip), ip, false}}
		case "url":
			vals = []tv{{TypeURL, value, false}}
		case "md5", "sha1", "sha256":
			vals = []tv{{Type(a.Type), value, false}}
		case "filename|md5", "filename|sha1", "filename|sha256":
			// The hash identifies the file; its name alone would match
			// every file so named.
			fn, h, ok := strings.Cut(value, "|")
			if !ok {
				fail("value", "a %s value is written name|hash, not %q", a.Type, value)
				return
			}
			c.Description = strings.Join(nonEmpty(c.Description, "file name "+fn), "; ")
			vals = []tv{{Type(strings.TrimPrefix(a.Type, "filename|")), h, false}}
		case "email-src", "email", "email-reply-to":
			vals = []tv{{TypeEmail, value, false}}
		case "filename":
			vals = []tv{{TypeFilename, value, false}}
		case "ja3-fingerprint-md5":
			vals = []tv{{TypeJA3, value, false}}
		case "user-agent":
			vals = []tv{{TypeUserAgent, value, false}}
		case "":
			fail("type", "missing")
			return
		default:
			p.skip("MISP " + a.Type + " attributes (no indicator type)")
			return
		}
		for _, x := range vals {
			v, err := Normalize(x.t, x.v)
			if err != nil {
				fail("value", "%s", reason(err))
				continue
			}
			y := c
			y.Type, y.Value, y.ExactOnly = x.t, v, x.exact
			p.Indicators = append(p.Indicators, y)
		}
	}
	for i, a := range ev.Attribute {
		attr(fmt.Sprintf("%s.Attribute[%d]", prefix, i), a)
	}
	for i, o := range ev.Object {
		for j, a := range o.Attribute {
			attr(fmt.Sprintf("%s.Object[%d].Attribute[%d]", prefix, i, j), a)
		}
	}
}

func unixText(f flexString) time.Time {
	n, err := strconv.ParseInt(string(f), 10, 64)
	if err != nil || n <= 0 {
		return time.Time{}
	}
	return time.Unix(n, 0).UTC()
}

// MISPManifest is a MISP feed's manifest.json: event UUID to summary.
type MISPManifest map[string]struct {
	Info          string     `json:"info"`
	Timestamp     flexString `json:"timestamp"`
	ThreatLevelID flexString `json:"threat_level_id"`
}

// ParseMISPManifest reads a feed manifest and returns its event UUIDs.
func ParseMISPManifest(data []byte) ([]string, error) {
	var m MISPManifest
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("%w: manifest.json is not a MISP feed manifest: %v", ErrInvalid, err)
	}
	ids := make([]string, 0, len(m))
	for id := range m {
		if !validUUID(id) {
			return nil, fmt.Errorf("%w: manifest.json: %q is not an event UUID", ErrInvalid, id)
		}
		ids = append(ids, id)
	}
	return ids, nil
}

func validUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if i == 8 || i == 13 || i == 18 || i == 23 {
			if c != '-' {
				return false
			}
			continue
		}
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}
