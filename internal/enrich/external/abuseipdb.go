package external

import (
	"context"
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"time"

	"golang.org/x/time/rate"
)

// AbuseIPDB looks IP addresses up in AbuseIPDB v2 (Key header). The free
// tier allows 1,000 checks a day: the default bucket refills one token
// every 90 seconds with a burst of 10.
type AbuseIPDB struct{ base }

var _ Client = (*AbuseIPDB)(nil)

// NewAbuseIPDB returns an AbuseIPDB client.
func NewAbuseIPDB(c Config) *AbuseIPDB {
	return &AbuseIPDB{newBase("abuseipdb", "https://api.abuseipdb.com", rate.Every(90*time.Second), 10, c)}
}

// Name implements Client.
func (a *AbuseIPDB) Name() string { return a.name }

// Supports implements Client: IP addresses only.
func (a *AbuseIPDB) Supports(k Kind) bool { return k == KindIP }

type abuseCheck struct {
	Data struct {
		IPAddress            string `json:"ipAddress"`
		IsPublic             bool   `json:"isPublic"`
		IsWhitelisted        bool   `json:"isWhitelisted"`
		AbuseConfidenceScore int    `json:"abuseConfidenceScore"`
		CountryCode          string `json:"countryCode"`
		UsageType            string `json:"usageType"`
		ISP                  string `json:"isp"`
		TotalReports         int    `json:"totalReports"`
		LastReportedAt       string `json:"lastReportedAt"`
	} `json:"data"`
}

// Check implements Client.
func (a *AbuseIPDB) Check(ctx context.Context, k Kind, value string) (Verdict, error) {
	if k != KindIP {
		return Verdict{}, fmt.Errorf("cannot query abuseipdb for %s: %w", k, ErrUnsupported)
	}
	if _, err := netip.ParseAddr(value); err != nil {
		return Verdict{}, fmt.Errorf("cannot query abuseipdb: %w: not an IP address", ErrInvalid)
	}
	return a.lookup(ctx, k, value, func(ctx context.Context) (Verdict, error) {
		q := url.Values{"ipAddress": {value}, "maxAgeInDays": {"90"}}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, a.baseURL+"/api/v2/check?"+q.Encode(), nil)
		if err != nil {
			return Verdict{}, fmt.Errorf("cannot build abuseipdb request: %w", err)
		}
		req.Header.Set("Key", a.key)
		var c abuseCheck
		status, err := a.do(req, &c)
		if err != nil {
			return Verdict{}, err
		}
		link := "https://www.abuseipdb.com/check/" + url.PathEscape(value)
		if status == http.StatusNotFound {
			return Verdict{Status: StatusUnknown, Summary: "AbuseIPDB has no record of it", Link: link}, nil
		}
		d := c.Data
		out := Verdict{Link: link, Score: min(max(d.AbuseConfidenceScore, 0), 100), Details: map[string]any{
			"abuse_confidence_score": d.AbuseConfidenceScore, "total_reports": d.TotalReports, "country_code": d.CountryCode,
			"isp": d.ISP, "usage_type": d.UsageType, "whitelisted": d.IsWhitelisted}}
		switch {
		case d.TotalReports == 0 && d.AbuseConfidenceScore == 0:
			out.Status = StatusUnknown
		case d.AbuseConfidenceScore >= 75:
			out.Status = StatusMalicious
		case d.AbuseConfidenceScore >= 25:
			out.Status = StatusSuspicious
		default:
			out.Status = StatusHarmless
		}
		out.Summary = fmt.Sprintf("abuse confidence %d%% from %d reports", d.AbuseConfidenceScore, d.TotalReports)
		return out, nil
	})
}
