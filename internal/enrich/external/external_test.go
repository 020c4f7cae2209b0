package external_test

import (
	"context"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/eventsec/eventsec/internal/enrich/external"
)

const (
	sha256Hex = "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f"
	md5Hex    = "44d88612fea8a8f36de82e1278abb02f"
	apiKey    = "test-key-0123456789"
)

// service is an httptest server speaking one service's wire format: it
// checks the key header and answers per path from the table.
func service(t *testing.T, header string, answers map[string]func(w http.ResponseWriter, r *http.Request)) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set("Content-Type", "application/json")
		if got := r.Header.Get(header); got != apiKey {
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = io.WriteString(w, `{"error":{"code":"WrongCredentialsError","message":"Wrong API key"}}`)
			return
		}
		key := r.Method + " " + r.URL.EscapedPath()
		if r.URL.RawQuery != "" {
			key += "?" + r.URL.RawQuery
		}
		if r.Method == http.MethodPost {
			if err := r.ParseForm(); err != nil {
				t.Errorf("form: %v", err)
			}
			key += " " + r.PostForm.Encode()
		}
		h, ok := answers[key]
		if !ok {
			t.Errorf("unexpected request %s", key)
			w.WriteHeader(http.StatusTeapot)
			return
		}
		h(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

func answer(status int, body string) func(w http.ResponseWriter, r *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}
}

func cfg(srv *httptest.Server, key string) external.Config {
	return external.Config{APIKey: key, BaseURL: srv.URL, Rate: rate.Inf, Timeout: 5 * time.Second}
}

func TestVirusTotal(t *testing.T) {
	urlID := base64.RawURLEncoding.EncodeToString([]byte("http://evil.example/a?b=1"))
	stats := func(mal, sus, harm, und int) string {
		return `{"data":{"id":"x","type":"file","attributes":{"last_analysis_stats":{"harmless":` + itoa(harm) + `,"malicious":` + itoa(mal) +
			`,"suspicious":` + itoa(sus) + `,"undetected":` + itoa(und) + `,"timeout":0},"reputation":-12,"meaningful_name":"eicar.com"}}}`
	}
	srv, hits := service(t, "x-apikey", map[string]func(http.ResponseWriter, *http.Request){
		"GET /api/v3/files/" + sha256Hex:   answer(200, stats(60, 2, 0, 10)),
		"GET /api/v3/files/" + md5Hex:      answer(404, `{"error":{"code":"NotFoundError","message":"File not found"}}`),
		"GET /api/v3/urls/" + urlID:        answer(200, stats(1, 0, 70, 3)),
		"GET /api/v3/domains/example.com":  answer(200, stats(0, 0, 66, 20)),
		"GET /api/v3/ip_addresses/1.2.3.4": answer(429, `{"error":{"code":"QuotaExceededError","message":"Quota exceeded"}}`),
	})
	vt := external.NewVirusTotal(cfg(srv, apiKey))
	ctx := context.Background()
	for _, tc := range []struct {
		kind    external.Kind
		value   string
		status  string
		score   int
		summary string
		err     error
	}{
		{external.KindHash, strings.ToUpper(sha256Hex), external.StatusMalicious, 84, "60 of 72 engines flag it malicious, 2 suspicious", nil},
		{external.KindHash, md5Hex, external.StatusUnknown, 0, "VirusTotal has no record of it", nil},
		{external.KindURL, "http://evil.example/a?b=1", external.StatusSuspicious, 2, "1 of 74 engines", nil},
		{external.KindDomain, "example.com", external.StatusHarmless, 0, "0 of 86", nil},
		{external.KindIP, "1.2.3.4", "", 0, "", external.ErrQuota},
		{external.KindHash, "nothex", "", 0, "", external.ErrInvalid},
	} {
		v, err := vt.Check(ctx, tc.kind, tc.value)
		if tc.err != nil {
			if !errors.Is(err, tc.err) {
				t.Errorf("%s %s: err %v, want %v", tc.kind, tc.value, err, tc.err)
			}
			continue
		}
		if err != nil || v.Status != tc.status || v.Score != tc.score || !strings.Contains(v.Summary, tc.summary) || v.Source != "virustotal" {
			t.Errorf("%s %s: %v %+v", tc.kind, tc.value, err, v)
		}
		if v.Malicious != (tc.status == external.StatusMalicious) || v.Link == "" {
			t.Errorf("%s: malicious/link: %+v", tc.value, v)
		}
	}
	// Cached: no second request.
	before := hits.Load()
	v, err := vt.Check(ctx, external.KindHash, sha256Hex)
	if err != nil || !v.Cached || hits.Load() != before {
		t.Errorf("cache: %v %+v hits %d→%d", err, v, before, hits.Load())
	}
	// Errors are not cached.
	if _, err := vt.Check(ctx, external.KindIP, "1.2.3.4"); !errors.Is(err, external.ErrQuota) || hits.Load() != before+1 {
		t.Errorf("quota again: %v", err)
	}
	bad := external.NewVirusTotal(cfg(srv, "wrong"))
	if _, err := bad.Check(ctx, external.KindDomain, "example.com"); !errors.Is(err, external.ErrUnauthorized) {
		t.Errorf("wrong key: %v", err)
	}
}

func TestOTX(t *testing.T) {
	srv, _ := service(t, "X-OTX-API-KEY", map[string]func(http.ResponseWriter, *http.Request){
		"GET /api/v1/indicators/IPv4/203.0.113.9/general": answer(200, `{"indicator":"203.0.113.9","type":"IPv4","pulse_info":{"count":7,
			"pulses":[{"name":"Mirai C2","tags":["mirai"]},{"name":"SSH brute force","tags":[]}]},"reputation":0}`),
		"GET /api/v1/indicators/IPv6/2001:db8::1/general":                                    answer(200, `{"pulse_info":{"count":0,"pulses":[]}}`),
		"GET /api/v1/indicators/domain/evil.example/general":                                 answer(200, `{"pulse_info":{"count":2,"pulses":[{"name":"Phishing kit"},{"name":"x"}]}}`),
		"GET /api/v1/indicators/file/" + md5Hex + "/general":                                 answer(404, `{"detail":"Not found."}`),
		"GET /api/v1/indicators/url/" + url.PathEscape("http://evil.example/x") + "/general": answer(200, `{"pulse_info":{"count":1,"pulses":[{"name":"Dropper"}]}}`),
	})
	o := external.NewOTX(cfg(srv, apiKey))
	ctx := context.Background()
	for _, tc := range []struct {
		kind    external.Kind
		value   string
		status  string
		summary string
	}{
		{external.KindIP, "203.0.113.9", external.StatusMalicious, "in 7 OTX pulses: Mirai C2; SSH brute force"},
		{external.KindIP, "2001:db8::1", external.StatusUnknown, "in no OTX pulse"},
		{external.KindDomain, "evil.example", external.StatusSuspicious, "in 2 OTX pulses"},
		{external.KindHash, md5Hex, external.StatusUnknown, "in no OTX pulse"},
		{external.KindURL, "http://evil.example/x", external.StatusSuspicious, "in 1 OTX pulses: Dropper"},
	} {
		v, err := o.Check(ctx, tc.kind, tc.value)
		if err != nil || v.Status != tc.status || !strings.HasPrefix(v.Summary, tc.summary) {
			t.Errorf("%s %s: %v %+v", tc.kind, tc.value, err, v)
		}
	}
	if _, err := external.NewOTX(cfg(srv, "")).Check(ctx, external.KindIP, "203.0.113.9"); !errors.Is(err, external.ErrUnauthorized) {
		t.Errorf("no key: %v", err)
	}
}

func TestAbuseIPDB(t *testing.T) {
	q := func(ip string) string {
		return "GET /api/v2/check?" + url.Values{"ipAddress": {ip}, "maxAgeInDays": {"90"}}.Encode()
	}
	srv, _ := service(t, "Key", map[string]func(http.ResponseWriter, *http.Request){
		q("118.25.6.39"): answer(200, `{"data":{"ipAddress":"118.25.6.39","isPublic":true,"ipVersion":4,"isWhitelisted":false,
			"abuseConfidenceScore":100,"countryCode":"CN","usageType":"Data Center/Web Hosting/Transit","isp":"Tencent Cloud Computing",
			"domain":"tencent.com","hostnames":[],"totalReports":1,"numDistinctUsers":1,"lastReportedAt":"2018-12-20T20:55:14+00:00"}}`),
		q("8.8.8.8"):  answer(200, `{"data":{"ipAddress":"8.8.8.8","isWhitelisted":true,"abuseConfidenceScore":0,"totalReports":12}}`),
		q("10.0.0.1"): answer(200, `{"data":{"ipAddress":"10.0.0.1","isPublic":false,"abuseConfidenceScore":0,"totalReports":0}}`),
		q("1.1.1.1"):  answer(429, `{"errors":[{"detail":"Daily rate limit of 1000 requests exceeded for this endpoint.","status":429}]}`),
	})
	a := external.NewAbuseIPDB(cfg(srv, apiKey))
	ctx := context.Background()
	for _, tc := range []struct {
		ip, status string
		score      int
	}{{"118.25.6.39", external.StatusMalicious, 100}, {"8.8.8.8", external.StatusHarmless, 0}, {"10.0.0.1", external.StatusUnknown, 0}} {
		v, err := a.Check(ctx, external.KindIP, tc.ip)
		if err != nil || v.Status != tc.status || v.Score != tc.score {
			t.Errorf("%s: %v %+v", tc.ip, err, v)
		}
	}
	if _, err := a.Check(ctx, external.KindIP, "1.1.1.1"); !errors.Is(err, external.ErrQuota) {
		t.Errorf("quota: %v", err)
	}
	if _, err := a.Check(ctx, external.KindDomain, "example.com"); !errors.Is(err, external.ErrUnsupported) || a.Supports(external.KindDomain) {
		t.Errorf("domain: %v", err)
	}
}

func TestURLhaus(t *testing.T) {
	post := func(path string, form url.Values) string { return "POST " + path + " " + form.Encode() }
	srv, _ := service(t, "Auth-Key", map[string]func(http.ResponseWriter, *http.Request){
		post("/v1/url/", url.Values{"url": {"http://evil.example/bin.sh"}}): answer(200, `{"query_status":"ok","id":"105821",
			"urlhaus_reference":"https://urlhaus.abuse.ch/url/105821/","url":"http://evil.example/bin.sh","url_status":"online",
			"host":"evil.example","date_added":"2019-01-19 01:33:26 UTC","threat":"malware_download","blacklists":{"spamhaus_dbl":"not listed"},
			"tags":["elf","mirai"],"payloads":[]}`),
		post("/v1/url/", url.Values{"url": {"http://fine.example/"}}): answer(200, `{"query_status":"no_results"}`),
		post("/v1/url/", url.Values{"url": {"not a url"}}):            answer(200, `{"query_status":"invalid_url"}`),
		post("/v1/host/", url.Values{"host": {"evil.example"}}): answer(200, `{"query_status":"ok","urlhaus_reference":"https://urlhaus.abuse.ch/host/evil.example/",
			"host":"evil.example","firstseen":"2019-01-19 01:33:26 UTC","url_count":"2","blacklists":{},"urls":[{"id":"1"},{"id":"2"}]}`),
		post("/v1/host/", url.Values{"host": {"192.0.2.1"}}): answer(200, `{"query_status":"no_results"}`),
		post("/v1/payload/", url.Values{"sha256_hash": {sha256Hex}}): answer(200, `{"query_status":"ok","md5_hash":"`+md5Hex+`",
			"sha256_hash":"`+sha256Hex+`","file_type":"exe","file_size":"68","signature":"EICAR","firstseen":"2019-01-19","urls":[{"url_id":"1"}]}`),
		post("/v1/payload/", url.Values{"md5_hash": {md5Hex}}): answer(200, `{"query_status":"no_results"}`),
	})
	u := external.NewURLhaus(cfg(srv, apiKey))
	ctx := context.Background()
	for _, tc := range []struct {
		kind    external.Kind
		value   string
		status  string
		summary string
	}{
		{external.KindURL, "http://evil.example/bin.sh", external.StatusMalicious, "listed by URLhaus as malware_download (online)"},
		{external.KindURL, "http://fine.example/", external.StatusUnknown, "URLhaus has no record of it"},
		{external.KindDomain, "evil.example", external.StatusMalicious, "host of 2 malware URLs in URLhaus"},
		{external.KindIP, "192.0.2.1", external.StatusUnknown, "URLhaus has no record of it"},
		{external.KindHash, sha256Hex, external.StatusMalicious, "payload known to URLhaus (EICAR, exe)"},
		{external.KindHash, md5Hex, external.StatusUnknown, "URLhaus has no record of it"},
	} {
		v, err := u.Check(ctx, tc.kind, tc.value)
		if err != nil || v.Status != tc.status || v.Summary != tc.summary {
			t.Errorf("%s %s: %v %+v", tc.kind, tc.value, err, v)
		}
	}
	if _, err := u.Check(ctx, external.KindURL, "not a url"); !errors.Is(err, external.ErrInvalid) {
		t.Errorf("invalid url: %v", err)
	}
	if _, err := u.Check(ctx, external.KindHash, strings.Repeat("a", 40)); !errors.Is(err, external.ErrUnsupported) {
		t.Errorf("sha1: %v", err)
	}
	if _, err := external.NewURLhaus(cfg(srv, "nope")).Check(ctx, external.KindURL, "http://x.example/"); !errors.Is(err, external.ErrUnauthorized) {
		t.Errorf("wrong key: %v", err)
	}
}

// TestRateLimit: with an empty bucket and a short deadline the request is
// never sent and the error says so.
func TestRateLimit(t *testing.T) {
	srv, hits := service(t, "x-apikey", map[string]func(http.ResponseWriter, *http.Request){
		"GET /api/v3/domains/a.example": answer(200, `{"data":{"attributes":{"last_analysis_stats":{"harmless":1}}}}`),
		"GET /api/v3/domains/b.example": answer(200, `{"data":{"attributes":{"last_analysis_stats":{"harmless":1}}}}`),
	})
	c := cfg(srv, apiKey)
	c.Rate, c.Burst = rate.Every(time.Hour), 1
	vt := external.NewVirusTotal(c)
	if _, err := vt.Check(context.Background(), external.KindDomain, "a.example"); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if _, err := vt.Check(ctx, external.KindDomain, "b.example"); !errors.Is(err, external.ErrRateLimited) {
		t.Fatalf("second call: %v", err)
	}
	if hits.Load() != 1 {
		t.Fatalf("hits %d", hits.Load())
	}
}

// TestCacheTTL: an answer is reused until its TTL passes.
func TestCacheTTL(t *testing.T) {
	srv, hits := service(t, "x-apikey", map[string]func(http.ResponseWriter, *http.Request){
		"GET /api/v3/domains/a.example": answer(200, `{"data":{"attributes":{"last_analysis_stats":{"harmless":1}}}}`),
	})
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c := cfg(srv, apiKey)
	c.CacheTTL, c.Now = time.Minute, func() time.Time { return now }
	vt := external.NewVirusTotal(c)
	ctx := context.Background()
	for range 3 {
		if _, err := vt.Check(ctx, external.KindDomain, "a.example"); err != nil {
			t.Fatal(err)
		}
	}
	now = now.Add(2 * time.Minute)
	if _, err := vt.Check(ctx, external.KindDomain, "a.example"); err != nil {
		t.Fatal(err)
	}
	if hits.Load() != 2 {
		t.Fatalf("hits %d, want 2", hits.Load())
	}
}

func TestNew(t *testing.T) {
	for _, s := range external.Services() {
		c, err := external.New(s.Name, external.Config{})
		if err != nil || c.Name() != s.Name {
			t.Errorf("%s: %v", s.Name, err)
		}
		for _, k := range s.Kinds {
			if !c.Supports(k) {
				t.Errorf("%s does not support %s", s.Name, k)
			}
		}
	}
	if _, err := external.New("nope", external.Config{}); !errors.Is(err, external.ErrUnknownService) {
		t.Error(err)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
