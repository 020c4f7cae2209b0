package lab

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/eventsec/eventsec/internal/enrich/external"
	"github.com/eventsec/eventsec/internal/store"
)

// ServiceConfig is one external service's configuration in an org.
type ServiceConfig struct {
	Enabled        bool   `json:"enabled"`
	APIKey         string `json:"api_key"`
	BaseURL        string `json:"base_url,omitempty"`
	TimeoutSeconds int    `json:"timeout_seconds,omitempty"`
}

// settings is the stored document.
type settings struct {
	Services map[string]ServiceConfig `json:"services"`
}

// ServiceView is a service's configuration as clients see it: the key is
// never shown, only its last four characters.
type ServiceView struct {
	Name           string          `json:"name"`
	Title          string          `json:"title"`
	Kinds          []external.Kind `json:"kinds"`
	Enabled        bool            `json:"enabled"`
	Configured     bool            `json:"configured"`
	KeyHint        string          `json:"key_hint"`
	BaseURL        string          `json:"base_url"`
	DefaultURL     string          `json:"default_url"`
	TimeoutSeconds int             `json:"timeout_seconds"`
}

// SettingsView is an org's sandbox settings as clients see them.
type SettingsView struct {
	Services  []ServiceView `json:"services"`
	UpdatedBy string        `json:"updated_by"`
	UpdatedAt *time.Time    `json:"updated_at"`
}

// ServiceUpdate changes one service; nil fields stay. An empty APIKey
// removes the key (and so disables the service).
type ServiceUpdate struct {
	Enabled        *bool
	APIKey         *string
	BaseURL        *string
	TimeoutSeconds *int
}

func (s *Service) loadSettings(ctx context.Context, orgID string) (settings, store.SandboxSettings, error) {
	var out settings
	raw, err := s.o.Store.Sandbox().GetSettings(ctx, orgID)
	if errors.Is(err, store.ErrNotFound) {
		return settings{Services: map[string]ServiceConfig{}}, raw, nil
	}
	if err != nil {
		return out, raw, err
	}
	if err := json.Unmarshal(raw.Data, &out); err != nil {
		return out, raw, fmt.Errorf("cannot decode sandbox settings: %w", err)
	}
	if out.Services == nil {
		out.Services = map[string]ServiceConfig{}
	}
	return out, raw, nil
}

func viewOf(st settings, raw store.SandboxSettings) SettingsView {
	v := SettingsView{Services: []ServiceView{}, UpdatedBy: raw.UpdatedBy}
	if !raw.UpdatedAt.IsZero() {
		t := raw.UpdatedAt.UTC()
		v.UpdatedAt = &t
	}
	for _, info := range external.Services() {
		c := st.Services[info.Name]
		sv := ServiceView{Name: info.Name, Title: info.Title, Kinds: info.Kinds, Enabled: c.Enabled && c.APIKey != "",
			Configured: c.APIKey != "", BaseURL: c.BaseURL, DefaultURL: info.DefaultURL, TimeoutSeconds: c.TimeoutSeconds}
		if sv.TimeoutSeconds == 0 {
			sv.TimeoutSeconds = 15
		}
		if c.APIKey != "" {
			sv.KeyHint = "••••"
			if len(c.APIKey) >= 12 {
				sv.KeyHint += c.APIKey[len(c.APIKey)-4:]
			}
		}
		v.Services = append(v.Services, sv)
	}
	return v
}

// Settings returns the org's settings with keys redacted.
func (s *Service) Settings(ctx context.Context, orgID string) (SettingsView, error) {
	st, raw, err := s.loadSettings(ctx, orgID)
	if err != nil {
		return SettingsView{}, err
	}
	return viewOf(st, raw), nil
}

// UpdateSettings changes the services named in up.
func (s *Service) UpdateSettings(ctx context.Context, orgID string, a Actor, up map[string]ServiceUpdate) (SettingsView, error) {
	known := map[string]bool{}
	for _, info := range external.Services() {
		known[info.Name] = true
	}
	var view SettingsView
	err := s.o.Store.Tx(ctx, func(r store.Repos) error {
		st, _, err := s.loadSettings(ctx, orgID)
		if err != nil {
			return err
		}
		var changed []string
		for name, u := range up {
			field := "services." + name
			if !known[name] {
				return fieldErr(field, "unknown service: use virustotal, otx, abuseipdb or urlhaus")
			}
			c := st.Services[name]
			if u.APIKey != nil {
				k := strings.TrimSpace(*u.APIKey)
				if len(k) > 512 || strings.ContainsAny(k, "\r\n") {
					return fieldErr(field+".api_key", "the API key must be one line of at most 512 characters")
				}
				if k != "" && c.APIKey == "" && u.Enabled == nil {
					c.Enabled = true // entering a key turns the service on
				}
				c.APIKey = k
			}
			if u.Enabled != nil {
				c.Enabled = *u.Enabled
			}
			if u.BaseURL != nil {
				b := strings.TrimSpace(*u.BaseURL)
				if b != "" {
					pu, err := url.Parse(b)
					if err != nil || (pu.Scheme != "https" && pu.Scheme != "http") || pu.Host == "" {
						return fieldErr(field+".base_url", "the base URL must be an http(s) URL")
					}
				}
				c.BaseURL = b
			}
			if u.TimeoutSeconds != nil {
				if *u.TimeoutSeconds < 1 || *u.TimeoutSeconds > 120 {
					return fieldErr(field+".timeout_seconds", "the timeout must be 1 to 120 seconds")
				}
				c.TimeoutSeconds = *u.TimeoutSeconds
			}
			if c.Enabled && c.APIKey == "" {
				return fieldErr(field+".api_key", "enter the service's API key to enable it")
			}
			st.Services[name] = c
			changed = append(changed, name)
		}
		body, err := json.Marshal(st)
		if err != nil {
			return fmt.Errorf("cannot encode sandbox settings: %w", err)
		}
		raw := store.SandboxSettings{OrgID: orgID, Data: body, UpdatedBy: a.UserID, UpdatedAt: s.o.Now()}
		if err := r.Sandbox().PutSettings(ctx, raw); err != nil {
			return err
		}
		view = viewOf(st, raw)
		// Never the keys themselves: the audit log is widely readable.
		return s.audit(ctx, r, orgID, a, "sandbox.settings.update", orgID, "changed external services: "+strings.Join(changed, ", "))
	})
	return view, err
}

// ExternalVerdict is one service's answer, or its failure in Error.
type ExternalVerdict struct {
	external.Verdict
	Error string `json:"error,omitempty"`
}

// externalKind maps a submission kind to a lookup kind.
func externalKind(kind string) (external.Kind, bool) {
	switch kind {
	case KindFile, KindHash:
		return external.KindHash, true
	case KindURL:
		return external.KindURL, true
	case KindDomain:
		return external.KindDomain, true
	case KindIP:
		return external.KindIP, true
	}
	return "", false
}

// client returns the shared client of a service configuration, so that
// its rate limit and cache last across lookups.
func (s *Service) client(name string, c ServiceConfig) (external.Client, error) {
	cfg := s.o.External
	cfg.APIKey = c.APIKey
	if c.BaseURL != "" {
		cfg.BaseURL = c.BaseURL
	}
	if c.TimeoutSeconds > 0 {
		cfg.Timeout = time.Duration(c.TimeoutSeconds) * time.Second
		if cfg.HTTPClient != nil {
			hc := *cfg.HTTPClient
			hc.Timeout = cfg.Timeout
			cfg.HTTPClient = &hc
		}
	}
	key := fmt.Sprintf("%s\x00%s\x00%s\x00%d", name, c.APIKey, cfg.BaseURL, cfg.Timeout)
	s.mu.Lock()
	defer s.mu.Unlock()
	if cl, ok := s.clients[key]; ok {
		return cl, nil
	}
	cl, err := external.New(name, cfg)
	if err != nil {
		return nil, err
	}
	if len(s.clients) > 1000 {
		clear(s.clients) // keys rotated many times; start afresh
	}
	s.clients[key] = cl
	return cl, nil
}

// Check asks every external service the org enabled about a value (kind
// file or hash: a file hash; url, domain, ip). Failures are verdicts with
// Error set; no enabled service gives an empty list.
func (s *Service) Check(ctx context.Context, orgID, kind, value string) []ExternalVerdict {
	return s.checkConfigured(ctx, orgID, kind, value)
}

func (s *Service) checkConfigured(ctx context.Context, orgID, kind, value string) []ExternalVerdict {
	k, ok := externalKind(kind)
	if !ok || value == "" {
		return nil
	}
	st, _, err := s.loadSettings(ctx, orgID)
	if err != nil {
		s.log.Warn("cannot load sandbox settings", "org", orgID, "err", err)
		return nil
	}
	var out []ExternalVerdict
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, info := range external.Services() {
		c := st.Services[info.Name]
		if !c.Enabled || c.APIKey == "" {
			continue
		}
		cl, err := s.client(info.Name, c)
		if err != nil || !cl.Supports(k) {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			defer cancel()
			v, err := cl.Check(cctx, k, value)
			ev := ExternalVerdict{Verdict: v}
			if err != nil {
				ev = ExternalVerdict{Verdict: external.Verdict{Source: info.Name, Kind: k, Value: value, Status: "error",
					CheckedAt: s.o.Now().UTC()}, Error: externalErrMsg(err)}
			}
			mu.Lock()
			out = append(out, ev)
			mu.Unlock()
		}()
	}
	wg.Wait()
	order := map[string]int{}
	for i, info := range external.Services() {
		order[info.Name] = i
	}
	sortVerdicts(out, order)
	return out
}

func sortVerdicts(v []ExternalVerdict, order map[string]int) {
	for i := 1; i < len(v); i++ {
		for j := i; j > 0 && order[v[j].Source] < order[v[j-1].Source]; j-- {
			v[j], v[j-1] = v[j-1], v[j]
		}
	}
}

// externalErrMsg says what went wrong in a client's words, never the key.
func externalErrMsg(err error) string {
	switch {
	case errors.Is(err, external.ErrUnauthorized):
		return "unauthorized: the service refused the API key"
	case errors.Is(err, external.ErrQuota):
		return "quota exhausted: the service refuses more requests for now"
	case errors.Is(err, external.ErrRateLimited):
		return "rate limited: the free tier's request budget is used up; try again later"
	case errors.Is(err, external.ErrInvalid):
		return "invalid: the service rejected the value"
	case errors.Is(err, external.ErrUnsupported):
		return "unsupported: the service does not look up this kind of value"
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout: the service did not answer in time"
	}
	return "failed: " + err.Error()
}

// TestResult is the outcome of a service's test lookup.
type TestResult struct {
	Service string            `json:"service"`
	OK      bool              `json:"ok"`
	Message string            `json:"message"`
	Verdict *external.Verdict `json:"verdict,omitempty"`
}

// TestService looks a harmless value up with a service, with apiKey when
// given (before saving it) or the stored key.
func (s *Service) TestService(ctx context.Context, orgID, name, apiKey string) (TestResult, error) {
	var info *external.ServiceInfo
	for _, i := range external.Services() {
		if i.Name == name {
			info = &i
			break
		}
	}
	if info == nil {
		return TestResult{}, fieldErr("service", "unknown service: use virustotal, otx, abuseipdb or urlhaus")
	}
	st, _, err := s.loadSettings(ctx, orgID)
	if err != nil {
		return TestResult{}, err
	}
	c := st.Services[name]
	if k := strings.TrimSpace(apiKey); k != "" {
		c.APIKey = k
	}
	if c.APIKey == "" {
		return TestResult{}, fieldErr("api_key", "enter the service's API key first")
	}
	cl, err := s.client(name, c)
	if err != nil {
		return TestResult{}, err
	}
	cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	v, err := cl.Check(cctx, info.TestKind, info.TestValue)
	if err != nil {
		return TestResult{Service: name, Message: externalErrMsg(err)}, nil
	}
	return TestResult{Service: name, OK: true, Message: fmt.Sprintf("%s answered for %s: %s", info.Title, info.TestValue, v.Summary), Verdict: &v}, nil
}
