package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/eventsec/eventsec/internal/store"
)

type orgs struct{ repos }

func (s orgs) Create(ctx context.Context, o store.Org) error {
	if o.RetentionDays == 0 {
		o.RetentionDays = store.DefaultRetentionDays
	}
	_, err := s.exec(ctx, `INSERT INTO orgs (id, name, created_at, retention_days) VALUES (?, ?, ?, ?)`,
		o.ID, o.Name, ms(o.CreatedAt), o.RetentionDays)
	if err != nil {
		return fmt.Errorf("cannot create org: %w", err)
	}
	return nil
}

func scanOrg(sc interface{ Scan(...any) error }) (store.Org, error) {
	var o store.Org
	var created int64
	err := sc.Scan(&o.ID, &o.Name, &created, &o.RetentionDays)
	o.CreatedAt = fromMs(created)
	return o, err
}

func (s orgs) Get(ctx context.Context, id string) (store.Org, error) {
	o, err := scanOrg(s.queryRow(ctx, `SELECT id, name, created_at, retention_days FROM orgs WHERE id = ?`, id))
	if err != nil {
		return o, fmt.Errorf("cannot get org: %w", notFound(err))
	}
	return o, nil
}

func (s orgs) List(ctx context.Context) ([]store.Org, error) {
	rows, err := s.query(ctx, `SELECT id, name, created_at, retention_days FROM orgs ORDER BY created_at, id`)
	if err != nil {
		return nil, fmt.Errorf("cannot list orgs: %w", err)
	}
	defer rows.Close()
	var out []store.Org
	for rows.Next() {
		o, err := scanOrg(rows)
		if err != nil {
			return nil, fmt.Errorf("cannot read org: %w", err)
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

func (s orgs) Update(ctx context.Context, o store.Org) error {
	if err := s.execOne(ctx, `UPDATE orgs SET name = ?, retention_days = ? WHERE id = ?`, o.Name, o.RetentionDays, o.ID); err != nil {
		return fmt.Errorf("cannot update org: %w", err)
	}
	return nil
}

type users struct{ repos }

const userColumns = `id, org_id, email, name, role, team, manager, computer, mobile_phone,
	password_hash, disabled, platform_admin, failed_logins, locked_until, last_login_at,
	password_changed_at, created_at, updated_at`

func scanUser(sc interface{ Scan(...any) error }) (store.User, error) {
	var u store.User
	var locked, lastLogin sql.NullInt64
	var pwChanged, created, updated int64
	err := sc.Scan(&u.ID, &u.OrgID, &u.Email, &u.Name, &u.Role, &u.Team, &u.Manager, &u.Computer, &u.MobilePhone,
		&u.PasswordHash, &u.Disabled, &u.PlatformAdmin, &u.FailedLogins, &locked, &lastLogin,
		&pwChanged, &created, &updated)
	if err != nil {
		return u, err
	}
	u.LockedUntil = fromNullMs(locked)
	u.LastLoginAt = fromNullMs(lastLogin)
	u.PasswordChangedAt = fromMs(pwChanged)
	u.CreatedAt = fromMs(created)
	u.UpdatedAt = fromMs(updated)
	return u, nil
}

func (s users) Create(ctx context.Context, u store.User) error {
	_, err := s.exec(ctx, `INSERT INTO users (`+userColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		u.ID, u.OrgID, u.Email, u.Name, u.Role, u.Team, u.Manager, u.Computer, u.MobilePhone,
		u.PasswordHash, u.Disabled, u.PlatformAdmin, u.FailedLogins, nullMs(u.LockedUntil), nullMs(u.LastLoginAt),
		ms(u.PasswordChangedAt), ms(u.CreatedAt), ms(u.UpdatedAt))
	if err != nil {
		return fmt.Errorf("cannot create user: %w", err)
	}
	return nil
}

func (s users) Get(ctx context.Context, orgID, id string) (store.User, error) {
	u, err := scanUser(s.queryRow(ctx, `SELECT `+userColumns+` FROM users WHERE org_id = ? AND id = ?`+s.forUpdate(), orgID, id))
	if err != nil {
		return u, fmt.Errorf("cannot get user: %w", notFound(err))
	}
	return u, nil
}

func (s users) GetAny(ctx context.Context, id string) (store.User, error) {
	u, err := scanUser(s.queryRow(ctx, `SELECT `+userColumns+` FROM users WHERE id = ?`, id))
	if err != nil {
		return u, fmt.Errorf("cannot get user: %w", notFound(err))
	}
	return u, nil
}

func (s users) GetByEmail(ctx context.Context, email string) (store.User, error) {
	u, err := scanUser(s.queryRow(ctx, `SELECT `+userColumns+` FROM users WHERE email = ?`, strings.ToLower(email)))
	if err != nil {
		return u, fmt.Errorf("cannot get user by e-mail: %w", notFound(err))
	}
	return u, nil
}

func (s users) List(ctx context.Context, orgID string, f store.UserFilter) ([]store.User, int, error) {
	where := []string{"org_id = ?"}
	args := []any{orgID}
	if f.Query != "" {
		where = append(where, "(LOWER(email) LIKE ? ESCAPE '\\' OR LOWER(name) LIKE ? ESCAPE '\\')")
		pat := "%" + likeEscape(strings.ToLower(f.Query)) + "%"
		args = append(args, pat, pat)
	}
	if f.Role != "" {
		where = append(where, "role = ?")
		args = append(args, f.Role)
	}
	if f.Disabled != nil {
		where = append(where, "disabled = ?")
		args = append(args, *f.Disabled)
	}
	cond := strings.Join(where, " AND ")
	var total int
	if err := s.queryRow(ctx, `SELECT COUNT(*) FROM users WHERE `+cond, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("cannot count users: %w", err)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 50
	}
	rows, err := s.query(ctx, `SELECT `+userColumns+` FROM users WHERE `+cond+` ORDER BY email LIMIT ? OFFSET ?`,
		append(args, limit, f.Offset)...)
	if err != nil {
		return nil, 0, fmt.Errorf("cannot list users: %w", err)
	}
	defer rows.Close()
	var out []store.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, 0, fmt.Errorf("cannot read user: %w", err)
		}
		out = append(out, u)
	}
	return out, total, rows.Err()
}

func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

func (s users) Update(ctx context.Context, u store.User) error {
	err := s.execOne(ctx, `UPDATE users SET email = ?, name = ?, role = ?, team = ?, manager = ?, computer = ?,
		mobile_phone = ?, password_hash = ?, disabled = ?, platform_admin = ?, failed_logins = ?,
		locked_until = ?, last_login_at = ?, password_changed_at = ?, updated_at = ?
		WHERE org_id = ? AND id = ?`,
		u.Email, u.Name, u.Role, u.Team, u.Manager, u.Computer, u.MobilePhone, u.PasswordHash, u.Disabled,
		u.PlatformAdmin, u.FailedLogins, nullMs(u.LockedUntil), nullMs(u.LastLoginAt), ms(u.PasswordChangedAt),
		ms(u.UpdatedAt), u.OrgID, u.ID)
	if err != nil {
		return fmt.Errorf("cannot update user: %w", err)
	}
	return nil
}

func (s users) Delete(ctx context.Context, orgID, id string) error {
	if err := s.execOne(ctx, `DELETE FROM users WHERE org_id = ? AND id = ?`, orgID, id); err != nil {
		return fmt.Errorf("cannot delete user: %w", err)
	}
	return nil
}

func (s users) CountActiveAdmins(ctx context.Context, orgID string) (int, error) {
	var n int
	err := s.queryRow(ctx, `SELECT COUNT(*) FROM users WHERE org_id = ? AND role = 'admin' AND disabled = ?`, orgID, false).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("cannot count admins: %w", err)
	}
	return n, nil
}

func (s users) CountAll(ctx context.Context) (int, error) {
	var n int
	if err := s.queryRow(ctx, `SELECT COUNT(*) FROM users`).Scan(&n); err != nil {
		return 0, fmt.Errorf("cannot count users: %w", err)
	}
	return n, nil
}

type groups struct{ repos }

func (s groups) Create(ctx context.Context, g store.Group) error {
	_, err := s.exec(ctx, `INSERT INTO work_groups (id, org_id, name, description, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?)`, g.ID, g.OrgID, g.Name, g.Description, ms(g.CreatedAt), ms(g.UpdatedAt))
	if err != nil {
		return fmt.Errorf("cannot create group: %w", err)
	}
	return nil
}

func (s groups) Get(ctx context.Context, orgID, id string) (store.Group, error) {
	var g store.Group
	var created, updated int64
	err := s.queryRow(ctx, `SELECT id, org_id, name, description, created_at, updated_at
		FROM work_groups WHERE org_id = ? AND id = ?`+s.forUpdate(), orgID, id).
		Scan(&g.ID, &g.OrgID, &g.Name, &g.Description, &created, &updated)
	if err != nil {
		return g, fmt.Errorf("cannot get group: %w", notFound(err))
	}
	g.CreatedAt, g.UpdatedAt = fromMs(created), fromMs(updated)
	members, err := s.members(ctx, orgID, []string{id})
	if err != nil {
		return g, err
	}
	g.Members = members[id]
	return g, nil
}

func (s groups) List(ctx context.Context, orgID string) ([]store.Group, error) {
	rows, err := s.query(ctx, `SELECT id, org_id, name, description, created_at, updated_at
		FROM work_groups WHERE org_id = ? ORDER BY name`, orgID)
	if err != nil {
		return nil, fmt.Errorf("cannot list groups: %w", err)
	}
	defer rows.Close()
	var out []store.Group
	var ids []string
	for rows.Next() {
		var g store.Group
		var created, updated int64
		if err := rows.Scan(&g.ID, &g.OrgID, &g.Name, &g.Description, &created, &updated); err != nil {
			return nil, fmt.Errorf("cannot read group: %w", err)
		}
		g.CreatedAt, g.UpdatedAt = fromMs(created), fromMs(updated)
		out = append(out, g)
		ids = append(ids, g.ID)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("cannot list groups: %w", err)
	}
	rows.Close()
	members, err := s.members(ctx, orgID, ids)
	if err != nil {
		return nil, err
	}
	for i := range out {
		out[i].Members = members[out[i].ID]
	}
	return out, nil
}

// members loads the members of the org's groups (all of them when ids is
// long; one query either way).
func (s groups) members(ctx context.Context, orgID string, ids []string) (map[string][]store.GroupMember, error) {
	out := map[string][]store.GroupMember{}
	if len(ids) == 0 {
		return out, nil
	}
	query := `SELECT m.group_id, u.id, u.email, u.name, u.role FROM work_group_members m
		JOIN users u ON u.id = m.user_id WHERE m.org_id = ?`
	args := []any{orgID}
	if len(ids) == 1 {
		query += ` AND m.group_id = ?`
		args = append(args, ids[0])
	}
	rows, err := s.query(ctx, query+` ORDER BY u.email`, args...)
	if err != nil {
		return nil, fmt.Errorf("cannot list group members: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var gid string
		var m store.GroupMember
		if err := rows.Scan(&gid, &m.UserID, &m.Email, &m.Name, &m.Role); err != nil {
			return nil, fmt.Errorf("cannot read group member: %w", err)
		}
		out[gid] = append(out[gid], m)
	}
	return out, rows.Err()
}

func (s groups) Update(ctx context.Context, g store.Group) error {
	err := s.execOne(ctx, `UPDATE work_groups SET name = ?, description = ?, updated_at = ? WHERE org_id = ? AND id = ?`,
		g.Name, g.Description, ms(g.UpdatedAt), g.OrgID, g.ID)
	if err != nil {
		return fmt.Errorf("cannot update group: %w", err)
	}
	return nil
}

func (s groups) Delete(ctx context.Context, orgID, id string) error {
	if err := s.execOne(ctx, `DELETE FROM work_groups WHERE org_id = ? AND id = ?`, orgID, id); err != nil {
		return fmt.Errorf("cannot delete group: %w", err)
	}
	return nil
}

func (s groups) AddMember(ctx context.Context, orgID, groupID, userID string) error {
	// Both the group and the user must belong to the org: the INSERT selects
	// from the two rows, so a foreign ID inserts nothing.
	res, err := s.exec(ctx, `INSERT INTO work_group_members (group_id, user_id, org_id)
		SELECT g.id, u.id, g.org_id FROM work_groups g, users u
		WHERE g.org_id = ? AND g.id = ? AND u.org_id = ? AND u.id = ?`, orgID, groupID, orgID, userID)
	if err != nil {
		return fmt.Errorf("cannot add group member: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return fmt.Errorf("cannot add group member: %w", store.ErrNotFound)
	}
	return nil
}

func (s groups) RemoveMember(ctx context.Context, orgID, groupID, userID string) error {
	err := s.execOne(ctx, `DELETE FROM work_group_members WHERE org_id = ? AND group_id = ? AND user_id = ?`, orgID, groupID, userID)
	if err != nil {
		return fmt.Errorf("cannot remove group member: %w", err)
	}
	return nil
}

type apiKeys struct{ repos }

const apiKeyColumns = `id, org_id, name, role, prefix, hash, created_by, created_at, last_used_at, expires_at, revoked_at`

func scanAPIKey(sc interface{ Scan(...any) error }) (store.APIKey, error) {
	var k store.APIKey
	var created int64
	var lastUsed, expires, revoked sql.NullInt64
	if err := sc.Scan(&k.ID, &k.OrgID, &k.Name, &k.Role, &k.Prefix, &k.Hash, &k.CreatedBy, &created, &lastUsed, &expires, &revoked); err != nil {
		return k, err
	}
	k.CreatedAt = fromMs(created)
	k.LastUsedAt, k.ExpiresAt, k.RevokedAt = fromNullMs(lastUsed), fromNullMs(expires), fromNullMs(revoked)
	return k, nil
}

func (s apiKeys) Create(ctx context.Context, k store.APIKey) error {
	_, err := s.exec(ctx, `INSERT INTO api_keys (`+apiKeyColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		k.ID, k.OrgID, k.Name, k.Role, k.Prefix, k.Hash, k.CreatedBy, ms(k.CreatedAt),
		nullMs(k.LastUsedAt), nullMs(k.ExpiresAt), nullMs(k.RevokedAt))
	if err != nil {
		return fmt.Errorf("cannot create API key: %w", err)
	}
	return nil
}

func (s apiKeys) Get(ctx context.Context, orgID, id string) (store.APIKey, error) {
	k, err := scanAPIKey(s.queryRow(ctx, `SELECT `+apiKeyColumns+` FROM api_keys WHERE org_id = ? AND id = ?`, orgID, id))
	if err != nil {
		return k, fmt.Errorf("cannot get API key: %w", notFound(err))
	}
	return k, nil
}

func (s apiKeys) List(ctx context.Context, orgID string) ([]store.APIKey, error) {
	rows, err := s.query(ctx, `SELECT `+apiKeyColumns+` FROM api_keys WHERE org_id = ? ORDER BY created_at DESC, id`, orgID)
	if err != nil {
		return nil, fmt.Errorf("cannot list API keys: %w", err)
	}
	defer rows.Close()
	var out []store.APIKey
	for rows.Next() {
		k, err := scanAPIKey(rows)
		if err != nil {
			return nil, fmt.Errorf("cannot read API key: %w", err)
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

func (s apiKeys) GetByHash(ctx context.Context, hash string) (store.APIKey, error) {
	k, err := scanAPIKey(s.queryRow(ctx, `SELECT `+apiKeyColumns+` FROM api_keys WHERE hash = ?`, hash))
	if err != nil {
		return k, fmt.Errorf("cannot get API key: %w", notFound(err))
	}
	return k, nil
}

func (s apiKeys) Revoke(ctx context.Context, orgID, id string, at time.Time) error {
	err := s.execOne(ctx, `UPDATE api_keys SET revoked_at = ? WHERE org_id = ? AND id = ? AND revoked_at IS NULL`, ms(at), orgID, id)
	if err != nil {
		return fmt.Errorf("cannot revoke API key: %w", err)
	}
	return nil
}

func (s apiKeys) TouchLastUsed(ctx context.Context, id string, at time.Time) error {
	if _, err := s.exec(ctx, `UPDATE api_keys SET last_used_at = ? WHERE id = ?`, ms(at), id); err != nil {
		return fmt.Errorf("cannot record API key use: %w", err)
	}
	return nil
}

type sessions struct{ repos }

func (s sessions) Create(ctx context.Context, t store.RefreshToken) error {
	_, err := s.exec(ctx, `INSERT INTO refresh_tokens (id, org_id, user_id, family_id, hash, created_at, expires_at,
		rotated_at, revoked_at, user_agent, client_ip) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		t.ID, t.OrgID, t.UserID, t.FamilyID, t.Hash, ms(t.CreatedAt), ms(t.ExpiresAt),
		nullMs(t.RotatedAt), nullMs(t.RevokedAt), t.UserAgent, t.ClientIP)
	if err != nil {
		return fmt.Errorf("cannot create refresh token: %w", err)
	}
	return nil
}

func (s sessions) GetByHash(ctx context.Context, hash string) (store.RefreshToken, error) {
	var t store.RefreshToken
	var created, expires int64
	var rotated, revoked sql.NullInt64
	err := s.queryRow(ctx, `SELECT id, org_id, user_id, family_id, hash, created_at, expires_at, rotated_at, revoked_at,
		user_agent, client_ip FROM refresh_tokens WHERE hash = ?`, hash).
		Scan(&t.ID, &t.OrgID, &t.UserID, &t.FamilyID, &t.Hash, &created, &expires, &rotated, &revoked, &t.UserAgent, &t.ClientIP)
	if err != nil {
		return t, fmt.Errorf("cannot get refresh token: %w", notFound(err))
	}
	t.CreatedAt, t.ExpiresAt = fromMs(created), fromMs(expires)
	t.RotatedAt, t.RevokedAt = fromNullMs(rotated), fromNullMs(revoked)
	return t, nil
}

func (s sessions) MarkRotated(ctx context.Context, id string, at time.Time) error {
	err := s.execOne(ctx, `UPDATE refresh_tokens SET rotated_at = ? WHERE id = ? AND rotated_at IS NULL AND revoked_at IS NULL`, ms(at), id)
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			err = store.ErrConflict
		}
		return fmt.Errorf("cannot rotate refresh token: %w", err)
	}
	return nil
}

func (s sessions) RevokeFamily(ctx context.Context, familyID string, at time.Time) error {
	if _, err := s.exec(ctx, `UPDATE refresh_tokens SET revoked_at = ? WHERE family_id = ? AND revoked_at IS NULL`, ms(at), familyID); err != nil {
		return fmt.Errorf("cannot revoke session: %w", err)
	}
	return nil
}

func (s sessions) RevokeUser(ctx context.Context, orgID, userID string, at time.Time) error {
	if _, err := s.exec(ctx, `UPDATE refresh_tokens SET revoked_at = ? WHERE org_id = ? AND user_id = ? AND revoked_at IS NULL`, ms(at), orgID, userID); err != nil {
		return fmt.Errorf("cannot revoke sessions: %w", err)
	}
	return nil
}
