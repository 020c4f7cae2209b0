package sqldb

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/eventsec/eventsec/internal/store"
)

type sandboxRepo struct{ repos }

const submissionColumns = `id, org_id, kind, target, sha256, size, status, stage, progress, verdict, score, report, external,
	error, source, submitted_by, created_at, updated_at, started_at, finished_at`

// submissionListColumns leaves the reports out: lists never show them and
// they may be large.
const submissionListColumns = `id, org_id, kind, target, sha256, size, status, stage, progress, verdict, score, '', '',
	error, source, submitted_by, created_at, updated_at, started_at, finished_at`

func scanSubmission(sc interface{ Scan(...any) error }) (store.SandboxSubmission, error) {
	var s store.SandboxSubmission
	var report, external string
	var created, updated int64
	var started, finished sql.NullInt64
	err := sc.Scan(&s.ID, &s.OrgID, &s.Kind, &s.Target, &s.SHA256, &s.Size, &s.Status, &s.Stage, &s.Progress, &s.Verdict,
		&s.Score, &report, &external, &s.Error, &s.Source, &s.SubmittedBy, &created, &updated, &started, &finished)
	if err != nil {
		return s, err
	}
	if report != "" {
		s.Report = []byte(report)
	}
	if external != "" {
		s.External = []byte(external)
	}
	s.CreatedAt, s.UpdatedAt = fromMs(created), fromMs(updated)
	s.StartedAt, s.FinishedAt = fromNullMs(started), fromNullMs(finished)
	return s, nil
}

func (s sandboxRepo) CreateSubmission(ctx context.Context, in store.SandboxSubmission) error {
	_, err := s.exec(ctx, `INSERT INTO sandbox_submissions (`+submissionColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		in.ID, in.OrgID, in.Kind, in.Target, in.SHA256, in.Size, in.Status, in.Stage, in.Progress, in.Verdict, in.Score,
		string(in.Report), string(in.External), in.Error, in.Source, in.SubmittedBy, ms(in.CreatedAt), ms(in.UpdatedAt),
		nullMs(in.StartedAt), nullMs(in.FinishedAt))
	if err != nil {
		return fmt.Errorf("cannot create sandbox submission: %w", err)
	}
	return nil
}

func (s sandboxRepo) GetSubmission(ctx context.Context, orgID, id string) (store.SandboxSubmission, error) {
	out, err := scanSubmission(s.queryRow(ctx, `SELECT `+submissionColumns+` FROM sandbox_submissions WHERE org_id = ? AND id = ?`, orgID, id))
	if err != nil {
		return out, fmt.Errorf("cannot get sandbox submission: %w", notFound(err))
	}
	return out, nil
}

func (s sandboxRepo) FindBySHA256(ctx context.Context, orgID, sha256 string) (store.SandboxSubmission, error) {
	out, err := scanSubmission(s.queryRow(ctx, `SELECT `+submissionColumns+` FROM sandbox_submissions
		WHERE org_id = ? AND sha256 = ? AND kind = 'file' AND status <> ? ORDER BY created_at DESC, id DESC LIMIT 1`,
		orgID, sha256, store.SandboxFailed))
	if err != nil {
		return out, fmt.Errorf("cannot find sandbox submission: %w", notFound(err))
	}
	return out, nil
}

func (s sandboxRepo) ListSubmissions(ctx context.Context, orgID string, f store.SandboxFilter) ([]store.SandboxSubmission, int, error) {
	where := []string{"org_id = ?"}
	args := []any{orgID}
	eq := func(col, v string) {
		if v != "" {
			where = append(where, col+" = ?")
			args = append(args, v)
		}
	}
	eq("kind", f.Kind)
	eq("verdict", f.Verdict)
	eq("status", f.Status)
	if f.Query != "" {
		q := "%" + likeEscape(strings.ToLower(f.Query)) + "%"
		where = append(where, `(LOWER(target) LIKE ? ESCAPE '\' OR sha256 LIKE ? ESCAPE '\')`)
		args = append(args, q, q)
	}
	cond := strings.Join(where, " AND ")
	var total int
	if err := s.queryRow(ctx, `SELECT COUNT(*) FROM sandbox_submissions WHERE `+cond, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("cannot count sandbox submissions: %w", err)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 50
	}
	rows, err := s.query(ctx, `SELECT `+submissionListColumns+` FROM sandbox_submissions WHERE `+cond+
		` ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?`, append(args, limit, max(f.Offset, 0))...)
	if err != nil {
		return nil, 0, fmt.Errorf("cannot list sandbox submissions: %w", err)
	}
	defer rows.Close()
	out := []store.SandboxSubmission{}
	for rows.Next() {
		sub, err := scanSubmission(rows)
		if err != nil {
			return nil, 0, fmt.Errorf("cannot read sandbox submission: %w", err)
		}
		out = append(out, sub)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("cannot list sandbox submissions: %w", err)
	}
	return out, total, nil
}

func (s sandboxRepo) UpdateSubmission(ctx context.Context, in store.SandboxSubmission) error {
	err := s.execOne(ctx, `UPDATE sandbox_submissions SET status = ?, stage = ?, progress = ?, verdict = ?, score = ?,
		report = ?, external = ?, error = ?, started_at = ?, finished_at = ?, updated_at = ? WHERE org_id = ? AND id = ?`,
		in.Status, in.Stage, in.Progress, in.Verdict, in.Score, string(in.Report), string(in.External), in.Error,
		nullMs(in.StartedAt), nullMs(in.FinishedAt), ms(in.UpdatedAt), in.OrgID, in.ID)
	if err != nil {
		return fmt.Errorf("cannot update sandbox submission: %w", err)
	}
	return nil
}

func (s sandboxRepo) DeleteSubmission(ctx context.Context, orgID, id string) error {
	if err := s.execOne(ctx, `DELETE FROM sandbox_submissions WHERE org_id = ? AND id = ?`, orgID, id); err != nil {
		return fmt.Errorf("cannot delete sandbox submission: %w", err)
	}
	return nil
}

func (s sandboxRepo) CountBySHA256(ctx context.Context, orgID, sha256 string) (int, error) {
	var n int
	if err := s.queryRow(ctx, `SELECT COUNT(*) FROM sandbox_submissions WHERE org_id = ? AND sha256 = ?`, orgID, sha256).Scan(&n); err != nil {
		return 0, fmt.Errorf("cannot count sandbox submissions: %w", err)
	}
	return n, nil
}

func (s sandboxRepo) CountSHA256AllOrgs(ctx context.Context, sha256 string) (int, error) {
	var n int
	if err := s.queryRow(ctx, `SELECT COUNT(*) FROM sandbox_submissions WHERE sha256 = ?`, sha256).Scan(&n); err != nil {
		return 0, fmt.Errorf("cannot count sandbox submissions: %w", err)
	}
	return n, nil
}

func (s sandboxRepo) Unfinished(ctx context.Context, limit int) ([]store.SandboxSubmission, error) {
	if limit <= 0 {
		limit = 1000
	}
	rows, err := s.query(ctx, `SELECT `+submissionListColumns+` FROM sandbox_submissions WHERE status IN (?, ?)
		ORDER BY created_at, id LIMIT ?`, store.SandboxQueued, store.SandboxRunning, limit)
	if err != nil {
		return nil, fmt.Errorf("cannot list unfinished sandbox submissions: %w", err)
	}
	defer rows.Close()
	var out []store.SandboxSubmission
	for rows.Next() {
		sub, err := scanSubmission(rows)
		if err != nil {
			return nil, fmt.Errorf("cannot read sandbox submission: %w", err)
		}
		out = append(out, sub)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("cannot list unfinished sandbox submissions: %w", err)
	}
	return out, nil
}

const sandboxRuleColumns = `id, org_id, name, description, source, enabled, created_by, created_at, updated_at`

func scanSandboxRule(sc interface{ Scan(...any) error }) (store.SandboxRule, error) {
	var r store.SandboxRule
	var created, updated int64
	if err := sc.Scan(&r.ID, &r.OrgID, &r.Name, &r.Description, &r.Source, &r.Enabled, &r.CreatedBy, &created, &updated); err != nil {
		return r, err
	}
	r.CreatedAt, r.UpdatedAt = fromMs(created), fromMs(updated)
	return r, nil
}

func (s sandboxRepo) CreateRule(ctx context.Context, r store.SandboxRule) error {
	_, err := s.exec(ctx, `INSERT INTO sandbox_rules (`+sandboxRuleColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.ID, r.OrgID, r.Name, r.Description, r.Source, r.Enabled, r.CreatedBy, ms(r.CreatedAt), ms(r.UpdatedAt))
	if err != nil {
		return fmt.Errorf("cannot create YARA rule: %w", err)
	}
	return nil
}

func (s sandboxRepo) GetRule(ctx context.Context, orgID, id string) (store.SandboxRule, error) {
	r, err := scanSandboxRule(s.queryRow(ctx, `SELECT `+sandboxRuleColumns+` FROM sandbox_rules WHERE org_id = ? AND id = ?`, orgID, id))
	if err != nil {
		return r, fmt.Errorf("cannot get YARA rule: %w", notFound(err))
	}
	return r, nil
}

func (s sandboxRepo) ListRules(ctx context.Context, orgID string, enabledOnly bool) ([]store.SandboxRule, error) {
	q := `SELECT ` + sandboxRuleColumns + ` FROM sandbox_rules WHERE org_id = ?`
	args := []any{orgID}
	if enabledOnly {
		q += ` AND enabled = ?`
		args = append(args, true)
	}
	rows, err := s.query(ctx, q+` ORDER BY name, id`, args...)
	if err != nil {
		return nil, fmt.Errorf("cannot list YARA rules: %w", err)
	}
	defer rows.Close()
	out := []store.SandboxRule{}
	for rows.Next() {
		r, err := scanSandboxRule(rows)
		if err != nil {
			return nil, fmt.Errorf("cannot read YARA rule: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("cannot list YARA rules: %w", err)
	}
	return out, nil
}

func (s sandboxRepo) UpdateRule(ctx context.Context, r store.SandboxRule) error {
	err := s.execOne(ctx, `UPDATE sandbox_rules SET name = ?, description = ?, source = ?, enabled = ?, updated_at = ?
		WHERE org_id = ? AND id = ?`, r.Name, r.Description, r.Source, r.Enabled, ms(r.UpdatedAt), r.OrgID, r.ID)
	if err != nil {
		return fmt.Errorf("cannot update YARA rule: %w", err)
	}
	return nil
}

func (s sandboxRepo) DeleteRule(ctx context.Context, orgID, id string) error {
	if err := s.execOne(ctx, `DELETE FROM sandbox_rules WHERE org_id = ? AND id = ?`, orgID, id); err != nil {
		return fmt.Errorf("cannot delete YARA rule: %w", err)
	}
	return nil
}

func (s sandboxRepo) GetSettings(ctx context.Context, orgID string) (store.SandboxSettings, error) {
	var out store.SandboxSettings
	var data string
	var updated int64
	err := s.queryRow(ctx, `SELECT org_id, data, updated_by, updated_at FROM sandbox_settings WHERE org_id = ?`, orgID).
		Scan(&out.OrgID, &data, &out.UpdatedBy, &updated)
	if err != nil {
		return out, fmt.Errorf("cannot get sandbox settings: %w", notFound(err))
	}
	out.Data, out.UpdatedAt = []byte(data), fromMs(updated)
	return out, nil
}

func (s sandboxRepo) PutSettings(ctx context.Context, in store.SandboxSettings) error {
	_, err := s.exec(ctx, `INSERT INTO sandbox_settings (org_id, data, updated_by, updated_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (org_id) DO UPDATE SET data = excluded.data, updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
		in.OrgID, string(in.Data), in.UpdatedBy, ms(in.UpdatedAt))
	if err != nil {
		return fmt.Errorf("cannot save sandbox settings: %w", err)
	}
	return nil
}
