package external

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/time/rate"
)

// VirusTotal looks values up in the VirusTotal v3 API (x-apikey header).
// The free public API allows 4 requests a minute: the default bucket.
type VirusTotal struct{ base }

var _ Client = (*VirusTotal)(nil)

// NewVirusTotal returns a VirusTotal client.
func NewVirusTotal(c Config) *VirusTotal {
	return &VirusTotal{newBase("virustotal", "https://www.virustotal.com", rate.Every(15*time.Second), 4, c)}
}

// Name implements Client.
func (v *VirusTotal) Name() string { return v.name }

// Supports implements Client: every kind.
func (v *VirusTotal) Supports(k Kind) bool {
	switch k {
	case KindHash, KindURL, KindDomain, KindIP:
		return true
	}
	return false
}

// vtObject is the part of a v3 object answer the verdict needs.
type vtObject struct {
	Data struct {
		ID         string `json:"id"`
		Type       string `json:"type"`
		Attributes struct {
			Stats struct {
				Harmless   int `json:"harmless"`
				Malicious  int `json:"malicious"`
				Suspicious int `json:"suspicious"`
				Undetected int `json:"undetected"`
				Timeout    int `json:"timeout"`
			} `json:"last_analysis_stats"`
			Reputation       int    `json:"reputation"`
			MeaningfulName   string `json:"meaningful_name"`
			LastAnalysisDate int64  `json:"last_analysis_date"`
		} `json:"attributes"`
	} `json:"data"`
}

// Check implements Client.
func (v *VirusTotal) Check(ctx context.Context, k Kind, value string) (Verdict, error) {
	var path, gui string
	switch k {
	case KindHash:
		if hashKind(value) == "" {
			return Verdict{}, fmt.Errorf("cannot query virustotal: %w: not an MD5, SHA-1 or SHA-256", ErrInvalid)
		}
		value = strings.ToLower(value)
		path, gui = "/api/v3/files/"+value, "file/"+value
	case KindURL:
		// A URL's identifier is its unpadded URL-safe base64.
		id := base64.RawURLEncoding.EncodeToString([]byte(value))
		path, gui = "/api/v3/urls/"+id, "url/"+id
	case KindDomain:
		path, gui = "/api/v3/domains/"+url.PathEscape(value), "domain/"+url.PathEscape(value)
	case KindIP:
		path, gui = "/api/v3/ip_addresses/"+url.PathEscape(value), "ip-address/"+url.PathEscape(value)
	default:
		return Verdict{}, fmt.Errorf("cannot query virustotal for %s: %w", k, ErrUnsupported)
	}
	return v.lookup(ctx, k, value, func(ctx context.Context) (Verdict, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, v.baseURL+path, nil)
		if err != nil {
			return Verdict{}, fmt.Errorf("cannot build virustotal request: %w", err)
		}
		req.Header.Set("x-apikey", v.key)
		var obj vtObject
		status, err := v.do(req, &obj)
		if err != nil {
			return Verdict{}, err
		}
		link := "https://www.virustotal.com/gui/" + gui
		if status == http.StatusNotFound {
			return Verdict{Status: StatusUnknown, Summary: "VirusTotal has no record of it", Link: link}, nil
		}
		s := obj.Data.Attributes.Stats
		total := s.Harmless + s.Malicious + s.Suspicious + s.Undetected
		out := Verdict{Link: link, Score: pct(s.Malicious, total), Details: map[string]any{
			"malicious": s.Malicious, "suspicious": s.Suspicious, "harmless": s.Harmless, "undetected": s.Undetected,
			"reputation": obj.Data.Attributes.Reputation}}
		if n := obj.Data.Attributes.MeaningfulName; n != "" {
			out.Details["name"] = n
		}
		switch {
		case total == 0:
			out.Status, out.Summary = StatusUnknown, "VirusTotal knows it but has no analysis yet"
		case s.Malicious >= 3:
			out.Status = StatusMalicious
		case s.Malicious+s.Suspicious > 0:
			out.Status = StatusSuspicious
		default:
			out.Status = StatusHarmless
		}
		if out.Summary == "" {
			out.Summary = fmt.Sprintf("%d of %d engines flag it malicious, %d suspicious", s.Malicious, total, s.Suspicious)
		}
		return out, nil
	})
}
