package endpoint

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"path"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/eventsec/eventsec/internal/agent/wire"
	"github.com/eventsec/eventsec/internal/store"
)

// Settings are an org's agent settings: what its agents collect and what
// remote actions may do. They become the wire.Config every agent fetches.
type Settings struct {
	HeartbeatSeconds   int            `json:"heartbeat_seconds"`
	InventorySeconds   int            `json:"inventory_seconds"`
	MetricsSeconds     int            `json:"metrics_seconds"`
	LogFiles           []wire.LogFile `json:"log_files"`
	Journald           bool           `json:"journald"`
	EventLogChannels   []string       `json:"eventlog_channels"`
	FIM                wire.FIMConfig `json:"fim"`
	SCAIntervalSeconds int            `json:"sca_interval_seconds"`
	SCAPolicies        []string       `json:"sca_policies"`
	// CommandAllowList: run_command's argv[0] must equal one of these
	// (checked by the server when the action is queued, and by the agent).
	CommandAllowList []string `json:"command_allow_list"`
	// CollectPaths: collect_file's path must be under one of these.
	CollectPaths    []string    `json:"collect_paths"`
	CollectMaxBytes int64       `json:"collect_max_bytes"`
	Limits          wire.Limits `json:"limits"`
	SpoolMaxBytes   int64       `json:"spool_max_bytes"`
}

// defaultSettings are an org's settings until an admin changes them.
func defaultSettings() Settings {
	return Settings{
		HeartbeatSeconds: 30, InventorySeconds: 3600, MetricsSeconds: 30,
		LogFiles: []wire.LogFile{{Path: "/var/log/auth.log", Format: "auth"}, {Path: "/var/log/secure", Format: "auth"},
			{Path: "/var/log/nginx/access.log", Format: "access"}, {Path: "/var/log/apache2/access.log", Format: "access"}},
		Journald:         true,
		EventLogChannels: []string{"Security", "System", "Microsoft-Windows-Sysmon/Operational", "Microsoft-Windows-PowerShell/Operational"},
		FIM: wire.FIMConfig{Paths: []string{"/etc", "/usr/bin", "/usr/sbin", "/bin", "/sbin", `C:\Windows\System32\drivers\etc`},
			Exclude: []string{"/etc/mtab", "*.swp", "*~"}, ScanSeconds: 3600, MaxFileBytes: 50 << 20},
		SCAIntervalSeconds: 86400,
		CommandAllowList:   []string{"hostname", "uptime", "whoami", "id", "ps", "ss", "netstat", "ip", "df", "ipconfig", "tasklist", "systeminfo"},
		CollectPaths:       []string{"/var/log/", "/tmp/", "/home/", "/root/", `C:\Users\`, `C:\Windows\Temp\`, `C:\ProgramData\`},
		CollectMaxBytes:    50 << 20,
		Limits:             wire.Limits{CPUPercent: 5, MemoryMB: 64},
		SpoolMaxBytes:      256 << 20,
	}
}

// validate checks settings an admin submits.
func (st *Settings) validate() error {
	rangeCheck := func(field string, v, lo, hi int) error {
		if v < lo || v > hi {
			return invalid(field, "%s must be between %d and %d", field, lo, hi)
		}
		return nil
	}
	for _, c := range []struct {
		field     string
		v, lo, hi int
	}{{"heartbeat_seconds", st.HeartbeatSeconds, 5, 3600}, {"inventory_seconds", st.InventorySeconds, 60, 7 * 86400},
		{"metrics_seconds", st.MetricsSeconds, 5, 3600}, {"sca_interval_seconds", st.SCAIntervalSeconds, 0, 30 * 86400},
		{"fim.scan_seconds", st.FIM.ScanSeconds, 0, 30 * 86400}} {
		if err := rangeCheck(c.field, c.v, c.lo, c.hi); err != nil {
			return err
		}
	}
	lists := []struct {
		field string
		items []string
		abs   bool
	}{{"eventlog_channels", st.EventLogChannels, false}, {"fim.paths", st.FIM.Paths, true}, {"fim.exclude", st.FIM.Exclude, false},
		{"sca_policies", st.SCAPolicies, false}, {"command_allow_list", st.CommandAllowList, false}, {"collect_paths", st.CollectPaths, true}}
	for _, l := range lists {
		if len(l.items) > 200 {
			return invalid(l.field, "at most 200 entries")
		}
		for i, v := range l.items {
			f := fmt.Sprintf("%s[%d]", l.field, i)
			if strings.TrimSpace(v) == "" || len(v) > 1024 || !utf8.ValidString(v) || strings.ContainsAny(v, "\x00\n\r") {
				return invalid(f, "must be 1 to 1024 characters on one line")
			}
			if l.abs && !isAbsPath(v) {
				return invalid(f, "%q is not an absolute path", v)
			}
		}
	}
	if len(st.LogFiles) > 200 {
		return invalid("log_files", "at most 200 entries")
	}
	for i, lf := range st.LogFiles {
		if !isAbsPath(lf.Path) || len(lf.Path) > 1024 || strings.ContainsAny(lf.Path, "\x00\n\r") {
			return invalid(fmt.Sprintf("log_files[%d].path", i), "%q is not an absolute path", lf.Path)
		}
		if !slices.Contains([]string{"", "syslog", "json", "auth", "access", "lines"}, lf.Format) {
			return invalid(fmt.Sprintf("log_files[%d].format", i), "format must be syslog, json, auth, access, lines or empty")
		}
	}
	if st.CollectMaxBytes < 0 || st.CollectMaxBytes > 1<<30 || st.FIM.MaxFileBytes < 0 || st.SpoolMaxBytes < 0 || st.SpoolMaxBytes > 64<<30 {
		return invalid("collect_max_bytes", "sizes must be between 0 and 1 GiB (spool: 64 GiB)")
	}
	if st.Limits.CPUPercent < 0 || st.Limits.CPUPercent > 100 || st.Limits.MemoryMB < 0 || st.Limits.MemoryMB > 65536 {
		return invalid("limits", "cpu_percent must be 0-100 and memory_mb 0-65536")
	}
	return nil
}

// isAbsPath accepts Unix and Windows absolute paths.
func isAbsPath(p string) bool {
	if strings.HasPrefix(p, "/") {
		return true
	}
	return len(p) >= 3 && (p[0]|0x20 >= 'a' && p[0]|0x20 <= 'z') && p[1] == ':' && (p[2] == '\\' || p[2] == '/')
}

// cachedConfig is an org's settings as last read.
type cachedConfig struct {
	version  int64
	settings Settings
	blocks   []store.BlockEntry
	at       time.Time
}

// configTTL bounds how long an org's configuration is served from memory
// (changes made by this server drop it at once).
const configTTL = 30 * time.Second

// orgConfig returns the org's settings and block list.
func (s *Service) orgConfig(ctx context.Context, orgID string) (*cachedConfig, error) {
	if v, ok := s.cfgCache.Load(orgID); ok {
		c := v.(*cachedConfig)
		if s.o.Now().Sub(c.at) < configTTL {
			return c, nil
		}
	}
	c := &cachedConfig{settings: defaultSettings(), at: s.o.Now()}
	row, err := s.st.Endpoints().Settings().Get(ctx, orgID)
	switch {
	case errors.Is(err, store.ErrNotFound):
	case err != nil:
		return nil, err
	default:
		c.version = row.Version
		if len(bytes.TrimSpace(row.Settings)) > 2 {
			if err := json.Unmarshal(row.Settings, &c.settings); err != nil {
				return nil, fmt.Errorf("cannot read endpoint settings of org %s: %w", orgID, err)
			}
		}
	}
	if c.blocks, err = s.st.Endpoints().BlockList().List(ctx, orgID); err != nil {
		return nil, err
	}
	s.mu.Lock()
	if c.version > s.cfgVersions[orgID] {
		s.cfgVersions[orgID] = c.version
	}
	s.mu.Unlock()
	s.cfgCache.Store(orgID, c)
	return c, nil
}

// changed records an org's new configuration version.
func (s *Service) changed(orgID string, version int64) {
	s.mu.Lock()
	if version > s.cfgVersions[orgID] {
		s.cfgVersions[orgID] = version
	}
	s.mu.Unlock()
	s.cfgCache.Delete(orgID)
}

// GetSettings returns the org's agent settings and their version.
func (s *Service) GetSettings(ctx context.Context, orgID string) (Settings, int64, error) {
	c, err := s.orgConfig(ctx, orgID)
	if err != nil {
		return Settings{}, 0, err
	}
	return c.settings, c.version, nil
}

// PutSettings replaces the org's agent settings; agents fetch them at
// their next heartbeat.
func (s *Service) PutSettings(ctx context.Context, a Actor, st Settings) (int64, error) {
	if err := st.validate(); err != nil {
		return 0, err
	}
	body, err := json.Marshal(st)
	if err != nil {
		return 0, err
	}
	var v int64
	err = s.st.Tx(ctx, func(r store.Repos) error {
		if v, err = r.Endpoints().Settings().Put(ctx, store.EndpointSettings{OrgID: a.OrgID, Settings: body, UpdatedBy: a.UserID,
			UpdatedAt: s.o.Now()}); err != nil {
			return err
		}
		return s.audit(ctx, r, a, "endpoint.settings.update", "endpoint_settings", a.OrgID, fmt.Sprintf("changed agent settings (version %d)", v))
	})
	if err != nil {
		return 0, err
	}
	s.changed(a.OrgID, v)
	return v, nil
}

// AgentConfig is the configuration an agent of the org fetches.
func (s *Service) AgentConfig(ctx context.Context, orgID string) (wire.Config, error) {
	c, err := s.orgConfig(ctx, orgID)
	if err != nil {
		return wire.Config{}, err
	}
	st := c.settings
	cfg := wire.Config{Version: c.version, HeartbeatSeconds: st.HeartbeatSeconds, InventorySeconds: st.InventorySeconds,
		MetricsSeconds: st.MetricsSeconds, LogFiles: st.LogFiles, Journald: st.Journald, EventLogChannels: st.EventLogChannels,
		FIM: st.FIM, SCAIntervalSeconds: st.SCAIntervalSeconds, SCAPolicies: st.SCAPolicies, CommandAllowList: st.CommandAllowList,
		CollectPaths: st.CollectPaths, CollectMaxBytes: st.CollectMaxBytes, Limits: st.Limits, SpoolMaxBytes: st.SpoolMaxBytes,
		BlockList: wire.BlockList{Version: c.version, IPs: []string{}, Domains: []string{}}}
	now := s.o.Now()
	for _, e := range c.blocks {
		if e.ExpiresAt != nil && !now.Before(*e.ExpiresAt) {
			continue
		}
		switch e.Kind {
		case store.BlockIP:
			cfg.BlockList.IPs = append(cfg.BlockList.IPs, e.Value)
		case store.BlockDomain:
			cfg.BlockList.Domains = append(cfg.BlockList.Domains, e.Value)
		case store.BlockURL:
			// Agents watch connections, not URLs: the URL's host is blocked.
			if u, err := url.Parse(e.Value); err == nil && u.Hostname() != "" {
				if a, err := netip.ParseAddr(u.Hostname()); err == nil {
					cfg.BlockList.IPs = append(cfg.BlockList.IPs, a.String())
				} else {
					cfg.BlockList.Domains = append(cfg.BlockList.Domains, strings.ToLower(u.Hostname()))
				}
			}
		}
	}
	slices.Sort(cfg.BlockList.IPs)
	cfg.BlockList.IPs = slices.Compact(cfg.BlockList.IPs)
	slices.Sort(cfg.BlockList.Domains)
	cfg.BlockList.Domains = slices.Compact(cfg.BlockList.Domains)
	return cfg, nil
}

// BlockEntry is one blocked indicator.
type BlockEntry = store.BlockEntry

// ParseBlockValue checks and canonicalises a block-list value of a kind:
// an IP address or CIDR, a domain, an http(s) URL, or an e-mail sender
// (address or @domain).
func ParseBlockValue(kind, v string) (string, error) {
	v = strings.TrimSpace(v)
	if v == "" || len(v) > 2048 || !utf8.ValidString(v) || strings.ContainsAny(v, " \t\r\n\x00") {
		return "", invalid("value", "value must be 1 to 2048 characters without spaces")
	}
	switch kind {
	case store.BlockIP:
		if strings.Contains(v, "/") {
			p, err := netip.ParsePrefix(v)
			if err != nil {
				return "", invalid("value", "%q is not an IP address or CIDR", v)
			}
			p = p.Masked()
			if p.Bits() == 0 {
				return "", invalid("value", "blocking %s would block every address", p)
			}
			if p.IsSingleIP() {
				return p.Addr().String(), nil
			}
			return p.String(), nil
		}
		a, err := netip.ParseAddr(v)
		if err != nil {
			return "", invalid("value", "%q is not an IP address or CIDR", v)
		}
		return a.Unmap().WithZone("").String(), nil
	case store.BlockDomain:
		d := strings.TrimSuffix(strings.ToLower(v), ".")
		if !validDomain(d) {
			return "", invalid("value", "%q is not a domain name", v)
		}
		return d, nil
	case store.BlockURL:
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return "", invalid("value", "%q is not an http or https URL", v)
		}
		u.Scheme, u.Host, u.Fragment = strings.ToLower(u.Scheme), strings.ToLower(u.Host), ""
		return u.String(), nil
	case store.BlockEmail:
		e := strings.ToLower(v)
		local, domain, ok := strings.Cut(e, "@")
		if !ok || strings.Contains(domain, "@") || !validDomain(domain) || strings.ContainsAny(local, "<>()[],;:\"") {
			return "", invalid("value", "%q is not an e-mail address or @domain", v)
		}
		return e, nil
	}
	return "", invalid("kind", "kind must be ip, domain, url or email")
}

func validDomain(d string) bool {
	if len(d) == 0 || len(d) > 253 || !strings.Contains(d, ".") {
		return false
	}
	for _, label := range strings.Split(d, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, c := range label {
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '*' && label == "*") {
				return false
			}
		}
	}
	return true
}

// AddBlock adds an entry to the org's block list; agents receive it with
// their next configuration (the version is bumped).
func (s *Service) AddBlock(ctx context.Context, orgID string, a Actor, e BlockEntry) (BlockEntry, error) {
	a.OrgID = orgID
	val, err := ParseBlockValue(e.Kind, e.Value)
	if err != nil {
		return BlockEntry{}, err
	}
	e.Reason = strings.TrimSpace(e.Reason)
	if e.Reason == "" || utf8.RuneCountInString(e.Reason) > 1000 {
		return BlockEntry{}, invalid("reason", "reason is required (at most 1000 characters)")
	}
	now := s.o.Now()
	if e.ExpiresAt != nil && !e.ExpiresAt.After(now) {
		return BlockEntry{}, invalid("expires_at", "expires_at must be in the future")
	}
	e.ID, e.OrgID, e.Value, e.CreatedBy, e.CreatedAt = newID(), orgID, val, a.UserID, now
	var v int64
	err = s.st.Tx(ctx, func(r store.Repos) error {
		if err := r.Endpoints().BlockList().Add(ctx, e); err != nil {
			return err
		}
		if v, err = r.Endpoints().Settings().Bump(ctx, orgID, now); err != nil {
			return err
		}
		return s.audit(ctx, r, a, "endpoint.block.add", "block", e.ID, fmt.Sprintf("blocked %s %s: %s", e.Kind, e.Value, e.Reason))
	})
	if err != nil {
		return BlockEntry{}, err
	}
	s.changed(orgID, v)
	return e, nil
}

// ListBlocks returns the org's block list, newest first.
func (s *Service) ListBlocks(ctx context.Context, orgID string) ([]BlockEntry, error) {
	return s.st.Endpoints().BlockList().List(ctx, orgID)
}

// DeleteBlock removes an entry from the org's block list.
func (s *Service) DeleteBlock(ctx context.Context, a Actor, id string) error {
	var v int64
	err := s.st.Tx(ctx, func(r store.Repos) error {
		e, err := r.Endpoints().BlockList().Get(ctx, a.OrgID, id)
		if err != nil {
			return err
		}
		if err := r.Endpoints().BlockList().Delete(ctx, a.OrgID, id); err != nil {
			return err
		}
		if v, err = r.Endpoints().Settings().Bump(ctx, a.OrgID, s.o.Now()); err != nil {
			return err
		}
		return s.audit(ctx, r, a, "endpoint.block.delete", "block", id, fmt.Sprintf("unblocked %s %s", e.Kind, e.Value))
	})
	if err != nil {
		return err
	}
	s.changed(a.OrgID, v)
	return nil
}

// underPrefix reports whether p is inside one of the directory prefixes
// (Windows paths compared case-insensitively, with either separator).
func underPrefix(p string, prefixes []string) bool {
	win := !strings.HasPrefix(p, "/")
	norm := func(x string) string {
		if win {
			x = strings.ToLower(strings.ReplaceAll(x, `\`, "/"))
		}
		return x
	}
	clean := path.Clean(norm(p))
	for _, pre := range prefixes {
		if strings.HasPrefix(pre, "/") == win {
			continue
		}
		cp := path.Clean(norm(pre))
		if clean == cp || strings.HasPrefix(clean, strings.TrimSuffix(cp, "/")+"/") {
			return true
		}
	}
	return false
}
