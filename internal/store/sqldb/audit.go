package sqldb

import (
	"context"
	"fmt"
	"strings"

	"github.com/eventsec/eventsec/internal/audit"
	"github.com/eventsec/eventsec/internal/store"
)

type auditLog struct{ repos }

const auditColumns = `org_id, seq, time, actor_id, actor_email, action, target_type, target_id, summary,
	client_ip, request_id, prev_hash, hash`

func scanAudit(sc interface{ Scan(...any) error }) (store.AuditEntry, error) {
	var e store.AuditEntry
	var t int64
	err := sc.Scan(&e.OrgID, &e.Seq, &t, &e.ActorID, &e.ActorEmail, &e.Action, &e.TargetType, &e.TargetID,
		&e.Summary, &e.ClientIP, &e.RequestID, &e.PrevHash, &e.Hash)
	e.Time = fromMs(t)
	return e, err
}

func (s auditLog) Append(ctx context.Context, e store.AuditEntry) (store.AuditEntry, error) {
	// Bumping the head row locks it until commit (PostgreSQL) or runs on
	// the single writer (SQLite): appends to one org's chain are serialised.
	if _, err := s.exec(ctx, `INSERT INTO audit_heads (org_id, seq, hash) VALUES (?, 0, '') ON CONFLICT (org_id) DO NOTHING`, e.OrgID); err != nil {
		return e, fmt.Errorf("cannot append audit entry: %w", err)
	}
	var prev string
	err := s.w.QueryRowContext(ctx, s.q(`UPDATE audit_heads SET seq = seq + 1 WHERE org_id = ? RETURNING seq, hash`), e.OrgID).Scan(&e.Seq, &prev)
	if err != nil {
		return e, fmt.Errorf("cannot append audit entry: %w", err)
	}
	if prev == "" {
		prev = audit.Genesis
	}
	e.PrevHash = prev
	e.Time = fromMs(ms(e.Time)) // the stored precision, so the hash verifies
	e.Hash = audit.Hash(e)
	if _, err := s.exec(ctx, `UPDATE audit_heads SET hash = ? WHERE org_id = ?`, e.Hash, e.OrgID); err != nil {
		return e, fmt.Errorf("cannot append audit entry: %w", err)
	}
	_, err = s.exec(ctx, `INSERT INTO audit_log (`+auditColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.OrgID, e.Seq, ms(e.Time), e.ActorID, e.ActorEmail, e.Action, e.TargetType, e.TargetID, e.Summary,
		e.ClientIP, e.RequestID, e.PrevHash, e.Hash)
	if err != nil {
		return e, fmt.Errorf("cannot append audit entry: %w", err)
	}
	return e, nil
}

func (s auditLog) List(ctx context.Context, orgID string, f store.AuditFilter) ([]store.AuditEntry, error) {
	where := []string{"org_id = ?"}
	args := []any{orgID}
	if f.Actor != "" {
		where = append(where, "(actor_id = ? OR actor_email = ?)")
		args = append(args, f.Actor, strings.ToLower(f.Actor))
	}
	if f.Action != "" {
		if strings.HasSuffix(f.Action, ".") {
			where = append(where, "action LIKE ? ESCAPE '\\'")
			args = append(args, likeEscape(f.Action)+"%")
		} else {
			where = append(where, "action = ?")
			args = append(args, f.Action)
		}
	}
	if f.TargetType != "" {
		where = append(where, "target_type = ?")
		args = append(args, f.TargetType)
	}
	if f.TargetID != "" {
		where = append(where, "target_id = ?")
		args = append(args, f.TargetID)
	}
	if f.Since != nil {
		where = append(where, "time >= ?")
		args = append(args, ms(*f.Since))
	}
	if f.Until != nil {
		where = append(where, "time < ?")
		args = append(args, ms(*f.Until))
	}
	if f.BeforeSeq > 0 {
		where = append(where, "seq < ?")
		args = append(args, f.BeforeSeq)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 50
	}
	rows, err := s.query(ctx, `SELECT `+auditColumns+` FROM audit_log WHERE `+strings.Join(where, " AND ")+
		` ORDER BY seq DESC LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("cannot list audit entries: %w", err)
	}
	defer rows.Close()
	var out []store.AuditEntry
	for rows.Next() {
		e, err := scanAudit(rows)
		if err != nil {
			return nil, fmt.Errorf("cannot read audit entry: %w", err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

func (s auditLog) Walk(ctx context.Context, orgID string, fn func(store.AuditEntry) error) error {
	// Page through the chain so a long log never sits in memory at once.
	const page = 1000
	var after int64
	for {
		rows, err := s.query(ctx, `SELECT `+auditColumns+` FROM audit_log WHERE org_id = ? AND seq > ? ORDER BY seq LIMIT ?`, orgID, after, page)
		if err != nil {
			return fmt.Errorf("cannot walk audit log: %w", err)
		}
		var batch []store.AuditEntry
		for rows.Next() {
			e, err := scanAudit(rows)
			if err != nil {
				rows.Close()
				return fmt.Errorf("cannot read audit entry: %w", err)
			}
			batch = append(batch, e)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return fmt.Errorf("cannot walk audit log: %w", err)
		}
		for _, e := range batch {
			if err := fn(e); err != nil {
				return err
			}
			after = e.Seq
		}
		if len(batch) < page {
			return nil
		}
	}
}

func (s auditLog) Head(ctx context.Context, orgID string) (int64, string, error) {
	var seq int64
	var hash string
	err := s.queryRow(ctx, `SELECT seq, hash FROM audit_heads WHERE org_id = ?`, orgID).Scan(&seq, &hash)
	if err != nil {
		if notFound(err) == store.ErrNotFound {
			return 0, "", nil
		}
		return 0, "", fmt.Errorf("cannot read audit head: %w", err)
	}
	return seq, hash, nil
}
