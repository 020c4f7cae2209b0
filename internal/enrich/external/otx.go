package external

import (
	"context"
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"golang.org/x/time/rate"
)

// OTX looks values up in AlienVault OTX (X-OTX-API-KEY header). OTX allows
// about 10,000 requests an hour: the default bucket is 2 a second.
type OTX struct{ base }

var _ Client = (*OTX)(nil)

// NewOTX returns an AlienVault OTX client.
func NewOTX(c Config) *OTX {
	return &OTX{newBase("otx", "https://otx.alienvault.com", rate.Every(500*time.Millisecond), 10, c)}
}

// Name implements Client.
func (o *OTX) Name() string { return o.name }

// Supports implements Client: every kind.
func (o *OTX) Supports(k Kind) bool {
	switch k {
	case KindHash, KindURL, KindDomain, KindIP:
		return true
	}
	return false
}

type otxGeneral struct {
	PulseInfo struct {
		Count  int `json:"count"`
		Pulses []struct {
			Name string   `json:"name"`
			Tags []string `json:"tags"`
		} `json:"pulses"`
	} `json:"pulse_info"`
}

// Check implements Client.
func (o *OTX) Check(ctx context.Context, k Kind, value string) (Verdict, error) {
	var typ, gui string
	switch k {
	case KindHash:
		if hashKind(value) == "" {
			return Verdict{}, fmt.Errorf("cannot query otx: %w: not an MD5, SHA-1 or SHA-256", ErrInvalid)
		}
		typ, gui = "file", "file"
	case KindURL:
		typ, gui = "url", "url"
	case KindDomain:
		typ, gui = "domain", "domain"
	case KindIP:
		a, err := netip.ParseAddr(value)
		if err != nil {
			return Verdict{}, fmt.Errorf("cannot query otx: %w: not an IP address", ErrInvalid)
		}
		typ, gui = "IPv4", "ip"
		if a.Is6() && !a.Is4In6() {
			typ = "IPv6"
		}
	default:
		return Verdict{}, fmt.Errorf("cannot query otx for %s: %w", k, ErrUnsupported)
	}
	return o.lookup(ctx, k, value, func(ctx context.Context) (Verdict, error) {
		// The URL type takes the whole URL as one path segment.
		u := o.baseURL + "/api/v1/indicators/" + typ + "/" + url.PathEscape(value) + "/general"
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			return Verdict{}, fmt.Errorf("cannot build otx request: %w", err)
		}
		req.Header.Set("X-OTX-API-KEY", o.key)
		var g otxGeneral
		status, err := o.do(req, &g)
		if err != nil {
			return Verdict{}, err
		}
		link := "https://otx.alienvault.com/indicator/" + gui + "/" + url.PathEscape(value)
		n := g.PulseInfo.Count
		if status == http.StatusNotFound || n == 0 {
			return Verdict{Status: StatusUnknown, Summary: "in no OTX pulse", Link: link}, nil
		}
		var names []string
		for i, p := range g.PulseInfo.Pulses {
			if i == 3 {
				break
			}
			names = append(names, p.Name)
		}
		out := Verdict{Link: link, Score: min(100, n*10), Details: map[string]any{"pulses": n, "pulse_names": names}}
		// Pulses are reports that mention the value, not convictions: a
		// few make it suspicious, many malicious.
		out.Status = StatusSuspicious
		if n >= 5 {
			out.Status = StatusMalicious
		}
		out.Summary = fmt.Sprintf("in %d OTX pulses", n)
		if len(names) > 0 {
			out.Summary += ": " + strings.Join(names, "; ")
		}
		return out, nil
	})
}
