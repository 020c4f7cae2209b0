package intel

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"github.com/eventsec/eventsec/internal/spreadsheet"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/eventsec/eventsec/internal/store"
)

// stixEscape escapes a string for a STIX pattern literal.
func stixEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s)
}

// PatternOf writes the STIX pattern of an indicator; ParsePattern reads it
// back to the same type and value.
func PatternOf(t Type, value string) string {
	v := stixEscape(value)
	switch t {
	case TypeIPv4:
		return "[ipv4-addr:value = '" + v + "']"
	case TypeIPv6:
		return "[ipv6-addr:value = '" + v + "']"
	case TypeCIDR:
		if strings.Contains(value, ":") {
			return "[ipv6-addr:value ISSUBSET '" + v + "']"
		}
		return "[ipv4-addr:value ISSUBSET '" + v + "']"
	case TypeDomain:
		return "[domain-name:value = '" + v + "']"
	case TypeURL:
		return "[url:value = '" + v + "']"
	case TypeMD5:
		return "[file:hashes.MD5 = '" + v + "']"
	case TypeSHA1:
		return "[file:hashes.'SHA-1' = '" + v + "']"
	case TypeSHA256:
		return "[file:hashes.'SHA-256' = '" + v + "']"
	case TypeEmail:
		return "[email-addr:value = '" + v + "']"
	case TypeFilename:
		return "[file:name = '" + v + "']"
	case TypeUserAgent:
		return "[network-traffic:extensions.'http-request-ext'.request_header.'User-Agent' = '" + v + "']"
	}
	// JA3/JA4 have no STIX object: a custom one, which this importer reads.
	return "[x-eventsec-fingerprint:" + string(t) + " = '" + v + "']"
}

// stixID turns an indicator ID into a STIX identifier (a UUID is kept;
// anything else gets a stable name-based UUID).
func stixID(id string) string {
	if u, err := uuid.Parse(id); err == nil {
		return "indicator--" + u.String()
	}
	return "indicator--" + uuid.NewSHA1(uuid.NameSpaceURL, []byte("eventsec:indicator:"+id)).String()
}

func stixTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// ExportSTIX writes indicators as a STIX 2.1 bundle.
func ExportSTIX(w io.Writer, ins []store.Indicator) error {
	objs := make([]map[string]any, 0, len(ins))
	for _, in := range ins {
		o := map[string]any{
			"type": "indicator", "spec_version": "2.1", "id": stixID(in.ID),
			"created": stixTime(in.CreatedAt), "modified": stixTime(in.UpdatedAt),
			"name": in.Value, "pattern": PatternOf(Type(in.Type), in.Value), "pattern_type": "stix", "pattern_version": "2.1",
			"valid_from": stixTime(in.FirstSeen), "confidence": in.Confidence, "indicator_types": []string{"malicious-activity"},
		}
		if in.Description != "" {
			o["description"] = in.Description
		}
		if len(in.Tags) > 0 {
			o["labels"] = in.Tags
		}
		if in.ExpiresAt != nil {
			until := *in.ExpiresAt
			if !until.After(in.FirstSeen) {
				until = in.FirstSeen.Add(time.Millisecond) // valid_until must follow valid_from
			}
			o["valid_until"] = stixTime(until)
		}
		objs = append(objs, o)
	}
	bundle := map[string]any{"type": "bundle", "id": "bundle--" + uuid.NewString(), "objects": objs}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(bundle); err != nil {
		return fmt.Errorf("cannot write STIX bundle: %w", err)
	}
	return nil
}

// CSVHeader is the header of ExportCSV; parseCSV reads it back.
var CSVHeader = []string{"type", "value", "confidence", "severity", "tags", "description", "exact_only",
	"first_seen", "last_seen", "expires_at", "source", "sightings", "last_sighting_at", "id"}

// ExportCSV writes indicators as CSV with CSVHeader.
func ExportCSV(w io.Writer, ins []store.Indicator) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(CSVHeader); err != nil {
		return fmt.Errorf("cannot write CSV: %w", err)
	}
	opt := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.UTC().Format(time.RFC3339)
	}
	for _, in := range ins {
		rec := []string{in.Type, in.Value, strconv.Itoa(in.Confidence), in.Severity, spreadsheet.Cell(strings.Join(in.Tags, ";")),
			spreadsheet.Cell(in.Description), strconv.FormatBool(in.ExactOnly), in.FirstSeen.UTC().Format(time.RFC3339),
			in.LastSeen.UTC().Format(time.RFC3339), opt(in.ExpiresAt), spreadsheet.Cell(in.Source), strconv.FormatInt(in.Sightings, 10),
			opt(in.LastSightingAt), in.ID}
		if err := cw.Write(rec); err != nil {
			return fmt.Errorf("cannot write CSV: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("cannot write CSV: %w", err)
	}
	return nil
}
