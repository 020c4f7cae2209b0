package external

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/time/rate"
)

// URLhaus looks URLs, hosts and payload hashes up in abuse.ch URLhaus
// (form-encoded POSTs, Auth-Key header). abuse.ch publishes no hard limit;
// the default bucket is 1 request a second with a burst of 5.
type URLhaus struct{ base }

var _ Client = (*URLhaus)(nil)

// NewURLhaus returns a URLhaus client.
func NewURLhaus(c Config) *URLhaus {
	return &URLhaus{newBase("urlhaus", "https://urlhaus-api.abuse.ch", rate.Every(time.Second), 5, c)}
}

// Name implements Client.
func (u *URLhaus) Name() string { return u.name }

// Supports implements Client: URLs, domains and IPs (as hosts), and MD5
// or SHA-256 payload hashes.
func (u *URLhaus) Supports(k Kind) bool {
	switch k {
	case KindHash, KindURL, KindDomain, KindIP:
		return true
	}
	return false
}

type urlhausAnswer struct {
	QueryStatus string `json:"query_status"`
	// /url/
	Threat      string   `json:"threat"`
	URLStatus   string   `json:"url_status"`
	Tags        []string `json:"tags"`
	Reference   string   `json:"urlhaus_reference"`
	ID          string   `json:"id"`
	DateAdded   string   `json:"date_added"`
	Blacklists  any      `json:"blacklists"`
	URLCount    any      `json:"url_count"`
	URLs        []any    `json:"urls"`
	Signature   string   `json:"signature"`
	FileType    string   `json:"file_type"`
	FirstSeen   string   `json:"firstseen"`
	LastSeen    string   `json:"lastseen"`
	SHA256      string   `json:"sha256_hash"`
	Submissions []any    `json:"submissions"`
}

// Check implements Client.
func (u *URLhaus) Check(ctx context.Context, k Kind, value string) (Verdict, error) {
	var path string
	form := url.Values{}
	switch k {
	case KindURL:
		path = "/v1/url/"
		form.Set("url", value)
	case KindDomain, KindIP:
		path = "/v1/host/"
		form.Set("host", value)
	case KindHash:
		path = "/v1/payload/"
		switch hashKind(value) {
		case "md5":
			form.Set("md5_hash", strings.ToLower(value))
		case "sha256":
			form.Set("sha256_hash", strings.ToLower(value))
		default:
			return Verdict{}, fmt.Errorf("cannot query urlhaus: %w: payloads are looked up by MD5 or SHA-256", ErrUnsupported)
		}
	default:
		return Verdict{}, fmt.Errorf("cannot query urlhaus for %s: %w", k, ErrUnsupported)
	}
	return u.lookup(ctx, k, value, func(ctx context.Context) (Verdict, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.baseURL+path, strings.NewReader(form.Encode()))
		if err != nil {
			return Verdict{}, fmt.Errorf("cannot build urlhaus request: %w", err)
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Auth-Key", u.key)
		var a urlhausAnswer
		status, err := u.do(req, &a)
		if err != nil {
			return Verdict{}, err
		}
		if status == http.StatusNotFound {
			a.QueryStatus = "no_results"
		}
		switch a.QueryStatus {
		case "ok":
		case "no_results":
			return Verdict{Status: StatusUnknown, Summary: "URLhaus has no record of it"}, nil
		case "unknown_auth_key", "invalid_auth_key":
			return Verdict{}, fmt.Errorf("cannot query urlhaus: %w (%s)", ErrUnauthorized, a.QueryStatus)
		case "":
			return Verdict{}, fmt.Errorf("cannot query urlhaus: %w: no query_status", ErrUpstream)
		default:
			// invalid_url, invalid_host, invalid_md5_hash, ...
			return Verdict{}, fmt.Errorf("cannot query urlhaus: %w (%s)", ErrInvalid, a.QueryStatus)
		}
		out := Verdict{Link: a.Reference, Details: map[string]any{}}
		switch k {
		case KindURL:
			out.Status, out.Score = StatusMalicious, 100
			out.Summary = fmt.Sprintf("listed by URLhaus as %s (%s)", orDash(a.Threat), orDash(a.URLStatus))
			out.Details["threat"], out.Details["url_status"], out.Details["tags"] = a.Threat, a.URLStatus, a.Tags
		case KindDomain, KindIP:
			n := len(a.URLs)
			out.Status, out.Score = StatusMalicious, min(100, 50+n*10)
			out.Summary = fmt.Sprintf("host of %d malware URLs in URLhaus", n)
			out.Details["urls"] = n
		case KindHash:
			out.Status, out.Score = StatusMalicious, 100
			out.Summary = fmt.Sprintf("payload known to URLhaus (%s, %s)", orDash(a.Signature), orDash(a.FileType))
			out.Details["signature"], out.Details["file_type"], out.Details["urls"] = a.Signature, a.FileType, len(a.URLs)
			if out.Link == "" && a.SHA256 != "" {
				out.Link = "https://urlhaus.abuse.ch/browse.php?search=" + a.SHA256
			}
		}
		return out, nil
	})
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
