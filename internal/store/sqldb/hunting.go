package sqldb

import (
	"context"
	"fmt"

	"github.com/eventsec/eventsec/internal/store"
)

type hunts struct{ repos }

func (s hunts) AddRun(ctx context.Context, r store.QueryRun, keep int) error {
	_, err := s.exec(ctx, `INSERT INTO query_history (id, org_id, user_id, query, ran_at, row_count, elapsed_ms, error)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, r.ID, r.OrgID, r.UserID, r.Query, ms(r.RanAt), r.Rows, r.ElapsedMs, r.Error)
	if err != nil {
		return fmt.Errorf("cannot record query run: %w", err)
	}
	if keep > 0 {
		// Drop what is older than the user's keep-th newest run.
		_, err = s.exec(ctx, `DELETE FROM query_history WHERE org_id = ? AND user_id = ? AND id NOT IN (
			SELECT id FROM query_history WHERE org_id = ? AND user_id = ? ORDER BY ran_at DESC, id DESC LIMIT ?)`,
			r.OrgID, r.UserID, r.OrgID, r.UserID, keep)
		if err != nil {
			return fmt.Errorf("cannot trim query history: %w", err)
		}
	}
	return nil
}

func (s hunts) Runs(ctx context.Context, orgID, userID string, limit int) ([]store.QueryRun, error) {
	if limit <= 0 {
		limit = 50
	}
	rows, err := s.query(ctx, `SELECT id, org_id, user_id, query, ran_at, row_count, elapsed_ms, error FROM query_history
		WHERE org_id = ? AND user_id = ? ORDER BY ran_at DESC, id DESC LIMIT ?`, orgID, userID, limit)
	if err != nil {
		return nil, fmt.Errorf("cannot list query history: %w", err)
	}
	defer rows.Close()
	var out []store.QueryRun
	for rows.Next() {
		var r store.QueryRun
		var at int64
		if err := rows.Scan(&r.ID, &r.OrgID, &r.UserID, &r.Query, &at, &r.Rows, &r.ElapsedMs, &r.Error); err != nil {
			return nil, fmt.Errorf("cannot read query history: %w", err)
		}
		r.RanAt = fromMs(at)
		out = append(out, r)
	}
	return out, rows.Err()
}

const savedColumns = `id, org_id, name, description, language, query, settings, created_by, created_at, updated_at`

func scanSaved(sc interface{ Scan(...any) error }) (store.SavedQuery, error) {
	var q store.SavedQuery
	var c, u int64
	err := sc.Scan(&q.ID, &q.OrgID, &q.Name, &q.Description, &q.Language, &q.Query, &q.Settings, &q.CreatedBy, &c, &u)
	q.CreatedAt, q.UpdatedAt = fromMs(c), fromMs(u)
	return q, err
}

func (s hunts) CreateSaved(ctx context.Context, q store.SavedQuery) error {
	_, err := s.exec(ctx, `INSERT INTO saved_queries (`+savedColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		q.ID, q.OrgID, q.Name, q.Description, q.Language, q.Query, q.Settings, q.CreatedBy, ms(q.CreatedAt), ms(q.UpdatedAt))
	if err != nil {
		return fmt.Errorf("cannot save query: %w", err)
	}
	return nil
}

func (s hunts) GetSaved(ctx context.Context, orgID, id string) (store.SavedQuery, error) {
	q, err := scanSaved(s.queryRow(ctx, `SELECT `+savedColumns+` FROM saved_queries WHERE org_id = ? AND id = ?`, orgID, id))
	if err != nil {
		return q, fmt.Errorf("cannot get saved query: %w", notFound(err))
	}
	return q, nil
}

func (s hunts) ListSaved(ctx context.Context, orgID string) ([]store.SavedQuery, error) {
	rows, err := s.query(ctx, `SELECT `+savedColumns+` FROM saved_queries WHERE org_id = ? ORDER BY name, id`, orgID)
	if err != nil {
		return nil, fmt.Errorf("cannot list saved queries: %w", err)
	}
	defer rows.Close()
	var out []store.SavedQuery
	for rows.Next() {
		q, err := scanSaved(rows)
		if err != nil {
			return nil, fmt.Errorf("cannot read saved query: %w", err)
		}
		out = append(out, q)
	}
	return out, rows.Err()
}

func (s hunts) UpdateSaved(ctx context.Context, q store.SavedQuery) error {
	if err := s.execOne(ctx, `UPDATE saved_queries SET name = ?, description = ?, query = ?, settings = ?, updated_at = ? WHERE org_id = ? AND id = ?`,
		q.Name, q.Description, q.Query, q.Settings, ms(q.UpdatedAt), q.OrgID, q.ID); err != nil {
		return fmt.Errorf("cannot update saved query: %w", err)
	}
	return nil
}

func (s hunts) DeleteSaved(ctx context.Context, orgID, id string) error {
	if err := s.execOne(ctx, `DELETE FROM saved_queries WHERE org_id = ? AND id = ?`, orgID, id); err != nil {
		return fmt.Errorf("cannot delete saved query: %w", err)
	}
	return nil
}
