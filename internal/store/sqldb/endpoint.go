package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/eventsec/eventsec/internal/store"
)

type endpoints struct{ repos }

func (e endpoints) Keys() store.EnrollmentKeyStore        { return enrollKeys(e) }
func (e endpoints) Agents() store.AgentStore              { return agentsRepo(e) }
func (e endpoints) Inventory() store.InventoryStore       { return inventoryRepo(e) }
func (e endpoints) Metrics() store.MetricStore            { return metricsRepo(e) }
func (e endpoints) SCA() store.SCAStore                   { return scaRepo(e) }
func (e endpoints) Actions() store.AgentActionStore       { return actionsRepo(e) }
func (e endpoints) Settings() store.EndpointSettingsStore { return settingsRepo(e) }
func (e endpoints) BlockList() store.BlockListStore       { return blockRepo(e) }
func (rp repos) writeQuery(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return rp.w.QueryContext(ctx, rp.q(query), args...)
}

type scanner interface{ Scan(...any) error }

// --- enrollment keys ---

type enrollKeys endpoints

const enrollKeyColumns = `id, org_id, name, prefix, hash, created_by, created_at, expires_at, revoked_at, last_used_at, uses`

func scanEnrollKey(sc scanner) (store.EnrollmentKey, error) {
	var k store.EnrollmentKey
	var created int64
	var exp, rev, used sql.NullInt64
	err := sc.Scan(&k.ID, &k.OrgID, &k.Name, &k.Prefix, &k.Hash, &k.CreatedBy, &created, &exp, &rev, &used, &k.Uses)
	k.CreatedAt, k.ExpiresAt, k.RevokedAt, k.LastUsedAt = fromMs(created), fromNullMs(exp), fromNullMs(rev), fromNullMs(used)
	return k, err
}

func (s enrollKeys) Create(ctx context.Context, k store.EnrollmentKey) error {
	_, err := s.exec(ctx, `INSERT INTO enrollment_keys (`+enrollKeyColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		k.ID, k.OrgID, k.Name, k.Prefix, k.Hash, k.CreatedBy, ms(k.CreatedAt), nullMs(k.ExpiresAt), nullMs(k.RevokedAt),
		nullMs(k.LastUsedAt), k.Uses)
	if err != nil {
		return fmt.Errorf("cannot create enrollment key: %w", err)
	}
	return nil
}

func (s enrollKeys) Get(ctx context.Context, orgID, id string) (store.EnrollmentKey, error) {
	k, err := scanEnrollKey(s.queryRow(ctx, `SELECT `+enrollKeyColumns+` FROM enrollment_keys WHERE org_id = ? AND id = ?`, orgID, id))
	if err != nil {
		return k, fmt.Errorf("cannot get enrollment key: %w", notFound(err))
	}
	return k, nil
}

func (s enrollKeys) GetByHash(ctx context.Context, hash string) (store.EnrollmentKey, error) {
	k, err := scanEnrollKey(s.queryRow(ctx, `SELECT `+enrollKeyColumns+` FROM enrollment_keys WHERE hash = ?`, hash))
	if err != nil {
		return k, fmt.Errorf("cannot get enrollment key: %w", notFound(err))
	}
	return k, nil
}

func (s enrollKeys) List(ctx context.Context, orgID string) ([]store.EnrollmentKey, error) {
	rows, err := s.query(ctx, `SELECT `+enrollKeyColumns+` FROM enrollment_keys WHERE org_id = ? ORDER BY created_at DESC, id DESC`, orgID)
	if err != nil {
		return nil, fmt.Errorf("cannot list enrollment keys: %w", err)
	}
	defer rows.Close()
	var out []store.EnrollmentKey
	for rows.Next() {
		k, err := scanEnrollKey(rows)
		if err != nil {
			return nil, fmt.Errorf("cannot read enrollment key: %w", err)
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

func (s enrollKeys) Revoke(ctx context.Context, orgID, id string, at time.Time) error {
	if err := s.execOne(ctx, `UPDATE enrollment_keys SET revoked_at = COALESCE(revoked_at, ?) WHERE org_id = ? AND id = ?`, ms(at), orgID, id); err != nil {
		return fmt.Errorf("cannot revoke enrollment key: %w", err)
	}
	return nil
}

func (s enrollKeys) Used(ctx context.Context, orgID, id string, at time.Time) error {
	if err := s.execOne(ctx, `UPDATE enrollment_keys SET uses = uses + 1, last_used_at = ? WHERE org_id = ? AND id = ?`, ms(at), orgID, id); err != nil {
		return fmt.Errorf("cannot count enrollment key use: %w", err)
	}
	return nil
}

// --- agents ---

type agentsRepo endpoints

const agentColumns = `id, org_id, name, hostname, os, platform, platform_version, arch, agent_version, facts,
	token_prefix, token_hash, enrollment_key_id, owner, location, grp, tags, isolated, config_version, health,
	last_seen, last_ip, enrolled_at, updated_at, revoked_at`

func scanAgent(sc scanner) (store.Agent, error) {
	var a store.Agent
	var tags string
	var seen, revoked sql.NullInt64
	var enrolled, updated int64
	err := sc.Scan(&a.ID, &a.OrgID, &a.Name, &a.Hostname, &a.OS, &a.Platform, &a.PlatformVersion, &a.Arch, &a.AgentVersion,
		&a.Facts, &a.TokenPrefix, &a.TokenHash, &a.EnrollmentKeyID, &a.Owner, &a.Location, &a.Group, &tags, &a.Isolated,
		&a.ConfigVersion, &a.Health, &seen, &a.LastIP, &enrolled, &updated, &revoked)
	if err != nil {
		return a, err
	}
	a.LastSeen, a.RevokedAt, a.EnrolledAt, a.UpdatedAt = fromNullMs(seen), fromNullMs(revoked), fromMs(enrolled), fromMs(updated)
	if err := json.Unmarshal([]byte(tags), &a.Tags); err != nil {
		return a, fmt.Errorf("agent %s: bad tags: %w", a.ID, err)
	}
	a.Tags = nilIfEmpty(a.Tags)
	return a, nil
}

func (s agentsRepo) Create(ctx context.Context, a store.Agent) error {
	_, err := s.exec(ctx, `INSERT INTO agents (`+agentColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		a.ID, a.OrgID, a.Name, strings.ToLower(a.Hostname), a.OS, a.Platform, a.PlatformVersion, a.Arch, a.AgentVersion,
		emptyObject(a.Facts), a.TokenPrefix, a.TokenHash, a.EnrollmentKeyID, a.Owner, a.Location, a.Group, strList(a.Tags),
		a.Isolated, a.ConfigVersion, emptyObject(a.Health), nullMs(a.LastSeen), a.LastIP, ms(a.EnrolledAt), ms(a.UpdatedAt),
		nullMs(a.RevokedAt))
	if err != nil {
		return fmt.Errorf("cannot create agent: %w", err)
	}
	return nil
}

func emptyObject(s string) string {
	if s == "" {
		return "{}"
	}
	return s
}

func (s agentsRepo) Get(ctx context.Context, orgID, id string) (store.Agent, error) {
	a, err := scanAgent(s.queryRow(ctx, `SELECT `+agentColumns+` FROM agents WHERE org_id = ? AND id = ?`, orgID, id))
	if err != nil {
		return a, fmt.Errorf("cannot get agent: %w", notFound(err))
	}
	return a, nil
}

func (s agentsRepo) GetByTokenPrefix(ctx context.Context, prefix string) (store.Agent, error) {
	a, err := scanAgent(s.queryRow(ctx, `SELECT `+agentColumns+` FROM agents WHERE token_prefix = ?`, prefix))
	if err != nil {
		return a, fmt.Errorf("cannot get agent: %w", notFound(err))
	}
	return a, nil
}

func (s agentsRepo) List(ctx context.Context, orgID string, f store.AgentFilter) ([]store.Agent, int, error) {
	where := []string{"org_id = ?"}
	args := []any{orgID}
	if f.OS != "" {
		where, args = append(where, "os = ?"), append(args, f.OS)
	}
	if f.Group != "" {
		where, args = append(where, "grp = ?"), append(args, f.Group)
	}
	if f.Query != "" {
		like := "%" + likeEscape(strings.ToLower(f.Query)) + "%"
		where = append(where, `(LOWER(name) LIKE ? ESCAPE '\' OR hostname LIKE ? ESCAPE '\' OR LOWER(owner) LIKE ? ESCAPE '\'
			OR LOWER(location) LIKE ? ESCAPE '\' OR id = ?)`)
		args = append(args, like, like, like, like, f.Query)
	}
	if f.Revoked != nil {
		if *f.Revoked {
			where = append(where, "revoked_at IS NOT NULL")
		} else {
			where = append(where, "revoked_at IS NULL")
		}
	}
	if f.SeenSince != nil {
		where, args = append(where, "last_seen >= ?"), append(args, ms(*f.SeenSince))
	}
	if f.SeenBefore != nil {
		where, args = append(where, "(last_seen IS NULL OR last_seen < ?)"), append(args, ms(*f.SeenBefore))
	}
	cond := strings.Join(where, " AND ")
	var total int
	if err := s.queryRow(ctx, `SELECT COUNT(*) FROM agents WHERE `+cond, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("cannot count agents: %w", err)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 50
	}
	rows, err := s.query(ctx, `SELECT `+agentColumns+` FROM agents WHERE `+cond+` ORDER BY LOWER(name), id LIMIT ? OFFSET ?`,
		append(args, limit, max(f.Offset, 0))...)
	if err != nil {
		return nil, 0, fmt.Errorf("cannot list agents: %w", err)
	}
	defer rows.Close()
	var out []store.Agent
	for rows.Next() {
		a, err := scanAgent(rows)
		if err != nil {
			return nil, 0, fmt.Errorf("cannot read agent: %w", err)
		}
		out = append(out, a)
	}
	return out, total, rows.Err()
}

func (s agentsRepo) ByHostname(ctx context.Context, orgID, host string) ([]store.Agent, error) {
	rows, err := s.query(ctx, `SELECT `+agentColumns+` FROM agents WHERE org_id = ? AND hostname = ?
		ORDER BY CASE WHEN revoked_at IS NULL THEN 0 ELSE 1 END, COALESCE(last_seen, 0) DESC, id`, orgID, strings.ToLower(host))
	if err != nil {
		return nil, fmt.Errorf("cannot find agents by host: %w", err)
	}
	defer rows.Close()
	var out []store.Agent
	for rows.Next() {
		a, err := scanAgent(rows)
		if err != nil {
			return nil, fmt.Errorf("cannot read agent: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

func (s agentsRepo) Update(ctx context.Context, a store.Agent) error {
	err := s.execOne(ctx, `UPDATE agents SET name = ?, hostname = ?, os = ?, platform = ?, platform_version = ?, arch = ?,
		agent_version = ?, facts = ?, owner = ?, location = ?, grp = ?, tags = ?, updated_at = ? WHERE org_id = ? AND id = ?`,
		a.Name, strings.ToLower(a.Hostname), a.OS, a.Platform, a.PlatformVersion, a.Arch, a.AgentVersion, emptyObject(a.Facts),
		a.Owner, a.Location, a.Group, strList(a.Tags), ms(a.UpdatedAt), a.OrgID, a.ID)
	if err != nil {
		return fmt.Errorf("cannot update agent: %w", err)
	}
	return nil
}

func (s agentsRepo) Seen(ctx context.Context, seen []store.AgentSeen) error {
	for _, x := range seen {
		_, err := s.exec(ctx, `UPDATE agents SET last_seen = ?, last_ip = ?, agent_version = CASE WHEN ? = '' THEN agent_version ELSE ? END,
			isolated = ?, config_version = ?, health = ? WHERE org_id = ? AND id = ?`,
			ms(x.At), x.IP, x.AgentVersion, x.AgentVersion, x.Isolated, x.ConfigVersion, emptyObject(x.Health), x.OrgID, x.ID)
		if err != nil {
			return fmt.Errorf("cannot record heartbeat: %w", err)
		}
	}
	return nil
}

func (s agentsRepo) Revoke(ctx context.Context, orgID, id string, at time.Time) error {
	if err := s.execOne(ctx, `UPDATE agents SET revoked_at = COALESCE(revoked_at, ?), updated_at = ? WHERE org_id = ? AND id = ?`,
		ms(at), ms(at), orgID, id); err != nil {
		return fmt.Errorf("cannot revoke agent: %w", err)
	}
	return nil
}

func (s agentsRepo) Count(ctx context.Context, orgID string, seenSince time.Time) (store.AgentCounts, error) {
	c := store.AgentCounts{ByOS: map[string]int{}, ByGroup: map[string]int{}}
	rows, err := s.query(ctx, `SELECT os, grp, CASE WHEN revoked_at IS NULL THEN 0 ELSE 1 END,
		CASE WHEN last_seen >= ? THEN 1 ELSE 0 END, COUNT(*) FROM agents WHERE org_id = ? GROUP BY 1, 2, 3, 4`, ms(seenSince), orgID)
	if err != nil {
		return c, fmt.Errorf("cannot count agents: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var os, grp string
		var revoked, online, n int
		if err := rows.Scan(&os, &grp, &revoked, &online, &n); err != nil {
			return c, fmt.Errorf("cannot count agents: %w", err)
		}
		if revoked == 1 {
			c.Revoked += n
			continue
		}
		c.Active += n
		if online == 1 {
			c.Online += n
		}
		c.ByOS[os] += n
		if grp != "" {
			c.ByGroup[grp] += n
		}
	}
	return c, rows.Err()
}

// --- inventory ---

type inventoryRepo endpoints

func (s inventoryRepo) Put(ctx context.Context, inv store.Inventory) error {
	res, err := s.exec(ctx, `UPDATE agent_inventory SET collected_at = ?, received_at = ?, snapshot = ? WHERE org_id = ? AND agent_id = ?`,
		ms(inv.CollectedAt), ms(inv.ReceivedAt), string(inv.Snapshot), inv.OrgID, inv.AgentID)
	if err != nil {
		return fmt.Errorf("cannot store inventory: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		if _, err := s.exec(ctx, `INSERT INTO agent_inventory (agent_id, org_id, collected_at, received_at, snapshot) VALUES (?, ?, ?, ?, ?)`,
			inv.AgentID, inv.OrgID, ms(inv.CollectedAt), ms(inv.ReceivedAt), string(inv.Snapshot)); err != nil {
			return fmt.Errorf("cannot store inventory: %w", err)
		}
	}
	if _, err := s.exec(ctx, `DELETE FROM agent_software WHERE org_id = ? AND agent_id = ?`, inv.OrgID, inv.AgentID); err != nil {
		return fmt.Errorf("cannot replace software list: %w", err)
	}
	// Multi-row inserts: a workstation has a few thousand packages.
	const per = 100
	for lo := 0; lo < len(inv.Software); lo += per {
		chunk := inv.Software[lo:min(lo+per, len(inv.Software))]
		var b strings.Builder
		b.WriteString(`INSERT INTO agent_software (org_id, agent_id, name, name_lower, version, source, source_name, arch, vendor) VALUES `)
		args := make([]any, 0, len(chunk)*9)
		for i, p := range chunk {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("(?, ?, ?, ?, ?, ?, ?, ?, ?)")
			args = append(args, inv.OrgID, inv.AgentID, p.Name, strings.ToLower(p.Name), p.Version, p.Source, p.SourceName, p.Arch, p.Vendor)
		}
		if _, err := s.exec(ctx, b.String(), args...); err != nil {
			return fmt.Errorf("cannot store software list: %w", err)
		}
	}
	return nil
}

func (s inventoryRepo) Get(ctx context.Context, orgID, agentID string) (store.Inventory, error) {
	inv := store.Inventory{OrgID: orgID, AgentID: agentID}
	var collected, received int64
	var snap string
	err := s.queryRow(ctx, `SELECT collected_at, received_at, snapshot FROM agent_inventory WHERE org_id = ? AND agent_id = ?`,
		orgID, agentID).Scan(&collected, &received, &snap)
	if err != nil {
		return inv, fmt.Errorf("cannot get inventory: %w", notFound(err))
	}
	inv.CollectedAt, inv.ReceivedAt, inv.Snapshot = fromMs(collected), fromMs(received), []byte(snap)
	return inv, nil
}

func (s inventoryRepo) Software(ctx context.Context, orgID string, f store.SoftwareFilter) ([]store.Software, error) {
	where := []string{"org_id = ?"}
	args := []any{orgID}
	if f.AgentID != "" {
		where, args = append(where, "agent_id = ?"), append(args, f.AgentID)
	}
	if f.Name != "" {
		where, args = append(where, "name_lower = ?"), append(args, strings.ToLower(f.Name))
	}
	if f.Query != "" {
		where, args = append(where, `name_lower LIKE ? ESCAPE '\'`), append(args, "%"+likeEscape(strings.ToLower(f.Query))+"%")
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 10000
	}
	rows, err := s.query(ctx, `SELECT org_id, agent_id, name, version, source, source_name, arch, vendor FROM agent_software
		WHERE `+strings.Join(where, " AND ")+` ORDER BY name_lower, version, agent_id LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("cannot list software: %w", err)
	}
	defer rows.Close()
	var out []store.Software
	for rows.Next() {
		var p store.Software
		if err := rows.Scan(&p.OrgID, &p.AgentID, &p.Name, &p.Version, &p.Source, &p.SourceName, &p.Arch, &p.Vendor); err != nil {
			return nil, fmt.Errorf("cannot read software: %w", err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// --- metrics ---

type metricsRepo endpoints

const metricColumns = `agent_id, resolution, at, org_id, cpu_percent, mem_used_bytes, mem_total_bytes, disk_used_bytes,
	disk_total, net_rx_bytes, net_tx_bytes, load1`

func (s metricsRepo) Add(ctx context.Context, samples []store.MetricSample) error {
	const per = 50
	for lo := 0; lo < len(samples); lo += per {
		chunk := samples[lo:min(lo+per, len(samples))]
		var b strings.Builder
		b.WriteString(`INSERT INTO agent_metrics (` + metricColumns + `) VALUES `)
		args := make([]any, 0, len(chunk)*12)
		for i, m := range chunk {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
			args = append(args, m.AgentID, m.Resolution, ms(m.At), m.OrgID, m.CPUPercent, m.MemUsedBytes, m.MemTotalBytes,
				m.DiskUsedBytes, m.DiskTotal, m.NetRxBytes, m.NetTxBytes, m.Load1)
		}
		b.WriteString(` ON CONFLICT (agent_id, resolution, at) DO NOTHING`)
		if _, err := s.exec(ctx, b.String(), args...); err != nil {
			return fmt.Errorf("cannot store metrics: %w", err)
		}
	}
	return nil
}

func (s metricsRepo) Range(ctx context.Context, orgID, agentID string, resolution int, from, to time.Time) ([]store.MetricSample, error) {
	rows, err := s.query(ctx, `SELECT `+metricColumns+` FROM agent_metrics WHERE agent_id = ? AND resolution = ? AND at >= ? AND at < ?
		AND org_id = ? ORDER BY at`, agentID, resolution, ms(from), ms(to), orgID)
	if err != nil {
		return nil, fmt.Errorf("cannot read metrics: %w", err)
	}
	defer rows.Close()
	var out []store.MetricSample
	for rows.Next() {
		var m store.MetricSample
		var at int64
		if err := rows.Scan(&m.AgentID, &m.Resolution, &at, &m.OrgID, &m.CPUPercent, &m.MemUsedBytes, &m.MemTotalBytes,
			&m.DiskUsedBytes, &m.DiskTotal, &m.NetRxBytes, &m.NetTxBytes, &m.Load1); err != nil {
			return nil, fmt.Errorf("cannot read metrics: %w", err)
		}
		m.At = fromMs(at)
		out = append(out, m)
	}
	return out, rows.Err()
}

func (s metricsRepo) Rollup(ctx context.Context, from, to int, before time.Time) (int64, error) {
	if from < 0 || to <= 0 {
		return 0, fmt.Errorf("cannot roll metrics up: bad resolutions %d → %d", from, to)
	}
	// The resolutions are integers of ours, not input: written into the
	// SQL so that PostgreSQL types the bucket expression the same way in
	// the select list and the grouping.
	step := strconv.FormatInt(int64(to)*1000, 10)
	cut := ms(before) / (int64(to) * 1000) * (int64(to) * 1000) // whole buckets only
	_, err := s.exec(ctx, `INSERT INTO agent_metrics (`+metricColumns+`)
		SELECT agent_id, `+strconv.Itoa(to)+`, b, MIN(org_id), AVG(cpu_percent), CAST(AVG(mem_used_bytes) AS BIGINT),
			CAST(AVG(mem_total_bytes) AS BIGINT), CAST(AVG(disk_used_bytes) AS BIGINT), CAST(AVG(disk_total) AS BIGINT),
			MAX(net_rx_bytes), MAX(net_tx_bytes), AVG(load1)
		FROM (SELECT agent_id, org_id, (at / `+step+`) * `+step+` AS b, cpu_percent, mem_used_bytes, mem_total_bytes,
			disk_used_bytes, disk_total, net_rx_bytes, net_tx_bytes, load1
			FROM agent_metrics WHERE resolution = `+strconv.Itoa(from)+` AND at < ?) x
		GROUP BY agent_id, b
		ON CONFLICT (agent_id, resolution, at) DO NOTHING`, cut)
	if err != nil {
		return 0, fmt.Errorf("cannot roll metrics up: %w", err)
	}
	return s.DeleteBefore(ctx, from, time.UnixMilli(cut))
}

func (s metricsRepo) DeleteBefore(ctx context.Context, resolution int, before time.Time) (int64, error) {
	res, err := s.exec(ctx, `DELETE FROM agent_metrics WHERE resolution = ? AND at < ?`, resolution, ms(before))
	if err != nil {
		return 0, fmt.Errorf("cannot delete old metrics: %w", err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}

// --- SCA ---

type scaRepo endpoints

const scaColumns = `agent_id, policy_id, org_id, policy_name, finished_at, received_at, hash, score, passed, failed, not_applicable`

func scanSCA(sc scanner, withReport bool) (store.SCAResult, error) {
	var r store.SCAResult
	var fin, rec int64
	dst := []any{&r.AgentID, &r.PolicyID, &r.OrgID, &r.PolicyName, &fin, &rec, &r.Hash, &r.Score, &r.Passed, &r.Failed, &r.NotApplicable}
	var report string
	if withReport {
		dst = append(dst, &report)
	}
	err := sc.Scan(dst...)
	r.FinishedAt, r.ReceivedAt = fromMs(fin), fromMs(rec)
	if withReport {
		r.Report = []byte(report)
	}
	return r, err
}

func (s scaRepo) Put(ctx context.Context, r store.SCAResult) error {
	res, err := s.exec(ctx, `UPDATE sca_results SET policy_name = ?, finished_at = ?, received_at = ?, hash = ?, score = ?, passed = ?,
		failed = ?, not_applicable = ?, report = ? WHERE org_id = ? AND agent_id = ? AND policy_id = ?`,
		r.PolicyName, ms(r.FinishedAt), ms(r.ReceivedAt), r.Hash, r.Score, r.Passed, r.Failed, r.NotApplicable, string(r.Report),
		r.OrgID, r.AgentID, r.PolicyID)
	if err != nil {
		return fmt.Errorf("cannot store assessment: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		_, err := s.exec(ctx, `INSERT INTO sca_results (`+scaColumns+`, report) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			r.AgentID, r.PolicyID, r.OrgID, r.PolicyName, ms(r.FinishedAt), ms(r.ReceivedAt), r.Hash, r.Score, r.Passed, r.Failed,
			r.NotApplicable, string(r.Report))
		if err != nil {
			return fmt.Errorf("cannot store assessment: %w", err)
		}
	}
	_, err = s.exec(ctx, `INSERT INTO sca_history (org_id, agent_id, policy_id, finished_at, score, passed, failed) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		r.OrgID, r.AgentID, r.PolicyID, ms(r.FinishedAt), r.Score, r.Passed, r.Failed)
	if err != nil {
		return fmt.Errorf("cannot store assessment history: %w", err)
	}
	return nil
}

func (s scaRepo) Latest(ctx context.Context, orgID, agentID string) ([]store.SCAResult, error) {
	rows, err := s.query(ctx, `SELECT `+scaColumns+` FROM sca_results WHERE org_id = ? AND agent_id = ? ORDER BY policy_name, policy_id`, orgID, agentID)
	if err != nil {
		return nil, fmt.Errorf("cannot list assessments: %w", err)
	}
	defer rows.Close()
	var out []store.SCAResult
	for rows.Next() {
		r, err := scanSCA(rows, false)
		if err != nil {
			return nil, fmt.Errorf("cannot read assessment: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

func (s scaRepo) Get(ctx context.Context, orgID, agentID, policyID string) (store.SCAResult, error) {
	r, err := scanSCA(s.queryRow(ctx, `SELECT `+scaColumns+`, report FROM sca_results WHERE org_id = ? AND agent_id = ? AND policy_id = ?`,
		orgID, agentID, policyID), true)
	if err != nil {
		return r, fmt.Errorf("cannot get assessment: %w", notFound(err))
	}
	return r, nil
}

func (s scaRepo) History(ctx context.Context, orgID, agentID string, limit int) ([]store.SCAScore, error) {
	if limit <= 0 {
		limit = 500
	}
	rows, err := s.query(ctx, `SELECT policy_id, finished_at, score, passed, failed FROM sca_history WHERE org_id = ? AND agent_id = ?
		ORDER BY finished_at DESC LIMIT ?`, orgID, agentID, limit)
	if err != nil {
		return nil, fmt.Errorf("cannot read assessment history: %w", err)
	}
	defer rows.Close()
	var out []store.SCAScore
	for rows.Next() {
		var h store.SCAScore
		var fin int64
		if err := rows.Scan(&h.PolicyID, &fin, &h.Score, &h.Passed, &h.Failed); err != nil {
			return nil, fmt.Errorf("cannot read assessment history: %w", err)
		}
		h.FinishedAt = fromMs(fin)
		out = append(out, h)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out, nil
}

// --- actions ---

type actionsRepo endpoints

const actionColumns = `id, org_id, agent_id, type, params, reason, state, created_by, created_at, expires_at, delivered_at,
	finished_at, exit_code, output, error, file, file_sha256, file_size`

func scanAction(sc scanner) (store.AgentAction, error) {
	var a store.AgentAction
	var created, expires int64
	var delivered, finished sql.NullInt64
	err := sc.Scan(&a.ID, &a.OrgID, &a.AgentID, &a.Type, &a.Params, &a.Reason, &a.State, &a.CreatedBy, &created, &expires,
		&delivered, &finished, &a.ExitCode, &a.Output, &a.Error, &a.File, &a.FileSHA256, &a.FileSize)
	a.CreatedAt, a.ExpiresAt, a.DeliveredAt, a.FinishedAt = fromMs(created), fromMs(expires), fromNullMs(delivered), fromNullMs(finished)
	return a, err
}

func (s actionsRepo) collect(rows *sql.Rows, err error) ([]store.AgentAction, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.AgentAction
	for rows.Next() {
		a, err := scanAction(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

func (s actionsRepo) Create(ctx context.Context, a store.AgentAction) error {
	_, err := s.exec(ctx, `INSERT INTO agent_actions (`+actionColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		a.ID, a.OrgID, a.AgentID, a.Type, emptyObject(a.Params), a.Reason, a.State, a.CreatedBy, ms(a.CreatedAt), ms(a.ExpiresAt),
		nullMs(a.DeliveredAt), nullMs(a.FinishedAt), a.ExitCode, a.Output, a.Error, a.File, a.FileSHA256, a.FileSize)
	if err != nil {
		return fmt.Errorf("cannot create action: %w", err)
	}
	return nil
}

func (s actionsRepo) Get(ctx context.Context, orgID, id string) (store.AgentAction, error) {
	a, err := scanAction(s.queryRow(ctx, `SELECT `+actionColumns+` FROM agent_actions WHERE org_id = ? AND id = ?`, orgID, id))
	if err != nil {
		return a, fmt.Errorf("cannot get action: %w", notFound(err))
	}
	return a, nil
}

func (s actionsRepo) List(ctx context.Context, orgID, agentID string, limit int) ([]store.AgentAction, error) {
	if limit <= 0 {
		limit = 100
	}
	out, err := s.collect(s.query(ctx, `SELECT `+actionColumns+` FROM agent_actions WHERE org_id = ? AND agent_id = ?
		ORDER BY created_at DESC, id DESC LIMIT ?`, orgID, agentID, limit))
	if err != nil {
		return nil, fmt.Errorf("cannot list actions: %w", err)
	}
	return out, nil
}

func (s actionsRepo) Deliver(ctx context.Context, orgID, agentID string, now time.Time, limit int) ([]store.AgentAction, error) {
	if limit <= 0 {
		limit = 10
	}
	// One statement moves the rows and returns them: two concurrent polls
	// of the same agent cannot both receive an action.
	out, err := s.collect(s.writeQuery(ctx, `UPDATE agent_actions SET state = 'delivered', delivered_at = ?
		WHERE state = 'queued' AND id IN (SELECT id FROM agent_actions WHERE org_id = ? AND agent_id = ? AND state = 'queued'
			AND expires_at > ? ORDER BY created_at, id LIMIT ?)
		RETURNING `+actionColumns, ms(now), orgID, agentID, ms(now), limit))
	if err != nil {
		return nil, fmt.Errorf("cannot deliver actions: %w", err)
	}
	sortActions(out)
	return out, nil
}

func sortActions(as []store.AgentAction) {
	for i := 1; i < len(as); i++ {
		for j := i; j > 0 && (as[j].CreatedAt.Before(as[j-1].CreatedAt) || as[j].CreatedAt.Equal(as[j-1].CreatedAt) && as[j].ID < as[j-1].ID); j-- {
			as[j], as[j-1] = as[j-1], as[j]
		}
	}
}

func (s actionsRepo) Finish(ctx context.Context, a store.AgentAction) error {
	res, err := s.exec(ctx, `UPDATE agent_actions SET state = ?, finished_at = ?, exit_code = ?, output = ?, error = ?
		WHERE org_id = ? AND agent_id = ? AND id = ? AND state = 'delivered'`,
		a.State, nullMs(a.FinishedAt), a.ExitCode, a.Output, a.Error, a.OrgID, a.AgentID, a.ID)
	if err != nil {
		return fmt.Errorf("cannot finish action: %w", err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 1 {
		return nil
	}
	var state string
	if err := s.queryRow(ctx, `SELECT state FROM agent_actions WHERE org_id = ? AND agent_id = ? AND id = ?`, a.OrgID, a.AgentID, a.ID).Scan(&state); err != nil {
		return fmt.Errorf("cannot finish action: %w", notFound(err))
	}
	return fmt.Errorf("cannot finish action in state %s: %w", state, store.ErrConflict)
}

func (s actionsRepo) SetFile(ctx context.Context, orgID, agentID, id, file, sha string, size int64) error {
	if err := s.execOne(ctx, `UPDATE agent_actions SET file = ?, file_sha256 = ?, file_size = ?
		WHERE org_id = ? AND agent_id = ? AND id = ? AND state IN ('delivered', 'done', 'failed')`, file, sha, size, orgID, agentID, id); err != nil {
		return fmt.Errorf("cannot record collected file: %w", err)
	}
	return nil
}

func (s actionsRepo) Expire(ctx context.Context, now, staleBefore time.Time) ([]store.AgentAction, error) {
	expired, err := s.collect(s.writeQuery(ctx, `UPDATE agent_actions SET state = 'expired', finished_at = ?, error = ?
		WHERE state = 'queued' AND expires_at <= ? RETURNING `+actionColumns,
		ms(now), "the agent did not collect the action before it expired", ms(now)))
	if err != nil {
		return nil, fmt.Errorf("cannot expire actions: %w", err)
	}
	stale, err := s.collect(s.writeQuery(ctx, `UPDATE agent_actions SET state = 'failed', finished_at = ?, error = ?
		WHERE state = 'delivered' AND delivered_at < ? RETURNING `+actionColumns,
		ms(now), "the agent received the action but never reported a result", ms(staleBefore)))
	if err != nil {
		return nil, fmt.Errorf("cannot expire actions: %w", err)
	}
	return append(expired, stale...), nil
}

func (s actionsRepo) Pending(ctx context.Context, orgID, agentID string) (int, error) {
	var n int
	if err := s.queryRow(ctx, `SELECT COUNT(*) FROM agent_actions WHERE org_id = ? AND agent_id = ? AND state = 'queued'`,
		orgID, agentID).Scan(&n); err != nil {
		return 0, fmt.Errorf("cannot count actions: %w", err)
	}
	return n, nil
}

// --- settings ---

type settingsRepo endpoints

func (s settingsRepo) Get(ctx context.Context, orgID string) (store.EndpointSettings, error) {
	st := store.EndpointSettings{OrgID: orgID}
	var settings string
	var at int64
	err := s.queryRow(ctx, `SELECT version, settings, updated_by, updated_at FROM endpoint_settings WHERE org_id = ?`, orgID).
		Scan(&st.Version, &settings, &st.UpdatedBy, &at)
	if err != nil {
		return st, fmt.Errorf("cannot get endpoint settings: %w", notFound(err))
	}
	st.Settings, st.UpdatedAt = []byte(settings), fromMs(at)
	return st, nil
}

func (s settingsRepo) Put(ctx context.Context, st store.EndpointSettings) (int64, error) {
	var v int64
	err := s.writeRow(ctx, `INSERT INTO endpoint_settings (org_id, version, settings, updated_by, updated_at) VALUES (?, 1, ?, ?, ?)
		ON CONFLICT (org_id) DO UPDATE SET version = endpoint_settings.version + 1, settings = excluded.settings,
		updated_by = excluded.updated_by, updated_at = excluded.updated_at RETURNING version`,
		st.OrgID, emptyObject(string(st.Settings)), st.UpdatedBy, ms(st.UpdatedAt)).Scan(&v)
	if err != nil {
		return 0, fmt.Errorf("cannot store endpoint settings: %w", err)
	}
	return v, nil
}

func (s settingsRepo) Bump(ctx context.Context, orgID string, at time.Time) (int64, error) {
	var v int64
	err := s.writeRow(ctx, `INSERT INTO endpoint_settings (org_id, version, settings, updated_by, updated_at) VALUES (?, 1, '{}', '', ?)
		ON CONFLICT (org_id) DO UPDATE SET version = endpoint_settings.version + 1 RETURNING version`, orgID, ms(at)).Scan(&v)
	if err != nil {
		return 0, fmt.Errorf("cannot bump endpoint settings version: %w", err)
	}
	return v, nil
}

func (s settingsRepo) Versions(ctx context.Context) (map[string]int64, error) {
	rows, err := s.query(ctx, `SELECT org_id, version FROM endpoint_settings`)
	if err != nil {
		return nil, fmt.Errorf("cannot read endpoint settings versions: %w", err)
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var org string
		var v int64
		if err := rows.Scan(&org, &v); err != nil {
			return nil, fmt.Errorf("cannot read endpoint settings versions: %w", err)
		}
		out[org] = v
	}
	return out, rows.Err()
}

func (rp repos) writeRow(ctx context.Context, query string, args ...any) *sql.Row {
	return rp.w.QueryRowContext(ctx, rp.q(query), args...)
}

// --- block list ---

type blockRepo endpoints

const blockColumns = `id, org_id, kind, value, reason, created_by, created_at, expires_at`

func scanBlock(sc scanner) (store.BlockEntry, error) {
	var e store.BlockEntry
	var created int64
	var exp sql.NullInt64
	err := sc.Scan(&e.ID, &e.OrgID, &e.Kind, &e.Value, &e.Reason, &e.CreatedBy, &created, &exp)
	e.CreatedAt, e.ExpiresAt = fromMs(created), fromNullMs(exp)
	return e, err
}

func (s blockRepo) Add(ctx context.Context, e store.BlockEntry) error {
	_, err := s.exec(ctx, `INSERT INTO block_list (`+blockColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		e.ID, e.OrgID, e.Kind, e.Value, e.Reason, e.CreatedBy, ms(e.CreatedAt), nullMs(e.ExpiresAt))
	if err != nil {
		return fmt.Errorf("cannot add block list entry: %w", err)
	}
	return nil
}

func (s blockRepo) List(ctx context.Context, orgID string) ([]store.BlockEntry, error) {
	rows, err := s.query(ctx, `SELECT `+blockColumns+` FROM block_list WHERE org_id = ? ORDER BY created_at DESC, id DESC`, orgID)
	if err != nil {
		return nil, fmt.Errorf("cannot list block list: %w", err)
	}
	defer rows.Close()
	var out []store.BlockEntry
	for rows.Next() {
		e, err := scanBlock(rows)
		if err != nil {
			return nil, fmt.Errorf("cannot read block list entry: %w", err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

func (s blockRepo) Get(ctx context.Context, orgID, id string) (store.BlockEntry, error) {
	e, err := scanBlock(s.queryRow(ctx, `SELECT `+blockColumns+` FROM block_list WHERE org_id = ? AND id = ?`, orgID, id))
	if err != nil {
		return e, fmt.Errorf("cannot get block list entry: %w", notFound(err))
	}
	return e, nil
}

func (s blockRepo) Delete(ctx context.Context, orgID, id string) error {
	if err := s.execOne(ctx, `DELETE FROM block_list WHERE org_id = ? AND id = ?`, orgID, id); err != nil {
		return fmt.Errorf("cannot delete block list entry: %w", err)
	}
	return nil
}
