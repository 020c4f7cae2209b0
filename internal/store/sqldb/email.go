package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/eventsec/eventsec/internal/store"
)

type emailRepo struct{ repos }

const emailReportColumns = `id, org_id, message_id, subject, from_addr, from_name, verdict, score, source, mailbox_id, sha256, size,
	report, created_by, created_at`

func scanEmailReport(sc interface{ Scan(...any) error }) (store.EmailReport, error) {
	var r store.EmailReport
	var report string
	var created int64
	err := sc.Scan(&r.ID, &r.OrgID, &r.MessageID, &r.Subject, &r.FromAddr, &r.FromName, &r.Verdict, &r.Score, &r.Source,
		&r.MailboxID, &r.SHA256, &r.Size, &report, &r.CreatedBy, &created)
	if err != nil {
		return r, err
	}
	r.CreatedAt = fromMs(created)
	if report != "" {
		r.Report = []byte(report)
	}
	return r, nil
}

func (s emailRepo) CreateReport(ctx context.Context, r store.EmailReport) error {
	_, err := s.exec(ctx, `INSERT INTO email_reports (`+emailReportColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.ID, r.OrgID, r.MessageID, r.Subject, r.FromAddr, r.FromName, r.Verdict, r.Score, r.Source, r.MailboxID, r.SHA256, r.Size,
		string(r.Report), r.CreatedBy, ms(r.CreatedAt))
	if err != nil {
		return fmt.Errorf("cannot create e-mail report: %w", err)
	}
	return nil
}

func (s emailRepo) GetReport(ctx context.Context, orgID, id string) (store.EmailReport, error) {
	r, err := scanEmailReport(s.queryRow(ctx, `SELECT `+emailReportColumns+` FROM email_reports WHERE org_id = ? AND id = ?`, orgID, id))
	if err != nil {
		return r, fmt.Errorf("cannot get e-mail report: %w", notFound(err))
	}
	return r, nil
}

func (s emailRepo) ListReports(ctx context.Context, orgID string, f store.EmailReportFilter) ([]store.EmailReport, int, error) {
	where := []string{"org_id = ?"}
	args := []any{orgID}
	if f.Verdict != "" {
		where = append(where, "verdict = ?")
		args = append(args, f.Verdict)
	}
	if f.MailboxID != "" {
		where = append(where, "mailbox_id = ?")
		args = append(args, f.MailboxID)
	}
	if f.Query != "" {
		q := "%" + likeEscape(strings.ToLower(f.Query)) + "%"
		where = append(where, `(LOWER(subject) LIKE ? ESCAPE '\' OR LOWER(from_addr) LIKE ? ESCAPE '\' OR LOWER(from_name) LIKE ? ESCAPE '\')`)
		args = append(args, q, q, q)
	}
	cond := strings.Join(where, " AND ")
	var total int
	if err := s.queryRow(ctx, `SELECT COUNT(*) FROM email_reports WHERE `+cond, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("cannot count e-mail reports: %w", err)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 50
	}
	// The report JSON stays behind: lists do not show it.
	cols := strings.Replace(emailReportColumns, "report,", "'' AS report,", 1)
	rows, err := s.query(ctx, `SELECT `+cols+` FROM email_reports WHERE `+cond+` ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?`,
		append(args, limit, max(f.Offset, 0))...)
	if err != nil {
		return nil, 0, fmt.Errorf("cannot list e-mail reports: %w", err)
	}
	defer rows.Close()
	var out []store.EmailReport
	for rows.Next() {
		r, err := scanEmailReport(rows)
		if err != nil {
			return nil, 0, fmt.Errorf("cannot read e-mail report: %w", err)
		}
		out = append(out, r)
	}
	return out, total, rows.Err()
}

const quarantineColumns = `id, org_id, report_id, sha256, size, subject, from_addr, recipients, verdict, score, mailbox_id, status,
	released_by, released_at, created_at`

func scanQuarantine(sc interface{ Scan(...any) error }) (store.QuarantineItem, error) {
	var q store.QuarantineItem
	var recips string
	var released sql.NullInt64
	var created int64
	err := sc.Scan(&q.ID, &q.OrgID, &q.ReportID, &q.SHA256, &q.Size, &q.Subject, &q.FromAddr, &recips, &q.Verdict, &q.Score,
		&q.MailboxID, &q.Status, &q.ReleasedBy, &released, &created)
	if err != nil {
		return q, err
	}
	if err := json.Unmarshal([]byte(recips), &q.Recipients); err != nil {
		return q, fmt.Errorf("quarantine item %s: bad recipients: %w", q.ID, err)
	}
	q.Recipients = nilIfEmpty(q.Recipients)
	q.ReleasedAt, q.CreatedAt = fromNullMs(released), fromMs(created)
	return q, nil
}

func (s emailRepo) CreateQuarantine(ctx context.Context, q store.QuarantineItem) error {
	_, err := s.exec(ctx, `INSERT INTO email_quarantine (`+quarantineColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		q.ID, q.OrgID, q.ReportID, q.SHA256, q.Size, q.Subject, q.FromAddr, strList(q.Recipients), q.Verdict, q.Score, q.MailboxID,
		q.Status, q.ReleasedBy, nullMs(q.ReleasedAt), ms(q.CreatedAt))
	if err != nil {
		return fmt.Errorf("cannot quarantine message: %w", err)
	}
	return nil
}

func (s emailRepo) GetQuarantine(ctx context.Context, orgID, id string) (store.QuarantineItem, error) {
	q, err := scanQuarantine(s.queryRow(ctx, `SELECT `+quarantineColumns+` FROM email_quarantine WHERE org_id = ? AND id = ?`, orgID, id))
	if err != nil {
		return q, fmt.Errorf("cannot get quarantined message: %w", notFound(err))
	}
	return q, nil
}

func (s emailRepo) ListQuarantine(ctx context.Context, orgID string, f store.QuarantineFilter) ([]store.QuarantineItem, int, error) {
	cond, args := "org_id = ?", []any{orgID}
	if f.Status != "" {
		cond += " AND status = ?"
		args = append(args, f.Status)
	}
	var total int
	if err := s.queryRow(ctx, `SELECT COUNT(*) FROM email_quarantine WHERE `+cond, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("cannot count quarantined messages: %w", err)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 50
	}
	rows, err := s.query(ctx, `SELECT `+quarantineColumns+` FROM email_quarantine WHERE `+cond+` ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?`,
		append(args, limit, max(f.Offset, 0))...)
	if err != nil {
		return nil, 0, fmt.Errorf("cannot list quarantined messages: %w", err)
	}
	defer rows.Close()
	var out []store.QuarantineItem
	for rows.Next() {
		q, err := scanQuarantine(rows)
		if err != nil {
			return nil, 0, fmt.Errorf("cannot read quarantined message: %w", err)
		}
		out = append(out, q)
	}
	return out, total, rows.Err()
}

func (s emailRepo) ReleaseQuarantine(ctx context.Context, orgID, id, by string, at time.Time) error {
	err := s.execOne(ctx, `UPDATE email_quarantine SET status = ?, released_by = ?, released_at = ? WHERE org_id = ? AND id = ? AND status = ?`,
		store.QuarantineReleased, by, ms(at), orgID, id, store.QuarantineHeld)
	if errors.Is(err, store.ErrNotFound) {
		if _, gerr := s.GetQuarantine(ctx, orgID, id); gerr == nil {
			return fmt.Errorf("cannot release quarantined message: %w: already released", store.ErrConflict)
		}
	}
	if err != nil {
		return fmt.Errorf("cannot release quarantined message: %w", err)
	}
	return nil
}

func (s emailRepo) DeleteQuarantine(ctx context.Context, orgID, id string) error {
	if err := s.execOne(ctx, `DELETE FROM email_quarantine WHERE org_id = ? AND id = ?`, orgID, id); err != nil {
		return fmt.Errorf("cannot delete quarantined message: %w", err)
	}
	return nil
}

func (s emailRepo) CountQuarantineBlob(ctx context.Context, orgID, sha256 string) (int, error) {
	var n int
	if err := s.queryRow(ctx, `SELECT COUNT(*) FROM email_quarantine WHERE org_id = ? AND sha256 = ?`, orgID, sha256).Scan(&n); err != nil {
		return 0, fmt.Errorf("cannot count quarantined copies: %w", err)
	}
	return n, nil
}

const mailboxColumns = `id, org_id, name, kind, enabled, config, interval_seconds, uid_validity, last_uid, poll_cursor, last_poll_at,
	last_error, last_count, next_poll_at, created_at, updated_at`

func scanMailbox(sc interface{ Scan(...any) error }) (store.Mailbox, error) {
	var m store.Mailbox
	var config string
	var uidv, last int64
	var lastPoll sql.NullInt64
	var next, created, updated int64
	err := sc.Scan(&m.ID, &m.OrgID, &m.Name, &m.Kind, &m.Enabled, &config, &m.IntervalSeconds, &uidv, &last, &m.Cursor, &lastPoll,
		&m.LastError, &m.LastCount, &next, &created, &updated)
	if err != nil {
		return m, err
	}
	m.Config = []byte(config)
	m.UIDValidity, m.LastUID = uint32(uidv), uint32(last)
	m.LastPollAt, m.NextPollAt, m.CreatedAt, m.UpdatedAt = fromNullMs(lastPoll), fromMs(next), fromMs(created), fromMs(updated)
	return m, nil
}

func (s emailRepo) CreateMailbox(ctx context.Context, m store.Mailbox) error {
	_, err := s.exec(ctx, `INSERT INTO email_mailboxes (`+mailboxColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		m.ID, m.OrgID, m.Name, m.Kind, m.Enabled, configText(m.Config), m.IntervalSeconds, int64(m.UIDValidity), int64(m.LastUID), m.Cursor,
		nullMs(m.LastPollAt), m.LastError, m.LastCount, ms(m.NextPollAt), ms(m.CreatedAt), ms(m.UpdatedAt))
	if err != nil {
		return fmt.Errorf("cannot create mailbox: %w", err)
	}
	return nil
}

func (s emailRepo) GetMailbox(ctx context.Context, orgID, id string) (store.Mailbox, error) {
	m, err := scanMailbox(s.queryRow(ctx, `SELECT `+mailboxColumns+` FROM email_mailboxes WHERE org_id = ? AND id = ?`, orgID, id))
	if err != nil {
		return m, fmt.Errorf("cannot get mailbox: %w", notFound(err))
	}
	return m, nil
}

func (s emailRepo) mailboxes(ctx context.Context, query string, args ...any) ([]store.Mailbox, error) {
	rows, err := s.query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("cannot list mailboxes: %w", err)
	}
	defer rows.Close()
	var out []store.Mailbox
	for rows.Next() {
		m, err := scanMailbox(rows)
		if err != nil {
			return nil, fmt.Errorf("cannot read mailbox: %w", err)
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

func (s emailRepo) ListMailboxes(ctx context.Context, orgID string) ([]store.Mailbox, error) {
	return s.mailboxes(ctx, `SELECT `+mailboxColumns+` FROM email_mailboxes WHERE org_id = ? ORDER BY name, id`, orgID)
}

func (s emailRepo) UpdateMailbox(ctx context.Context, m store.Mailbox) error {
	err := s.execOne(ctx, `UPDATE email_mailboxes SET name = ?, kind = ?, enabled = ?, config = ?, interval_seconds = ?, next_poll_at = ?,
		updated_at = ? WHERE org_id = ? AND id = ?`,
		m.Name, m.Kind, m.Enabled, configText(m.Config), m.IntervalSeconds, ms(m.NextPollAt), ms(m.UpdatedAt), m.OrgID, m.ID)
	if err != nil {
		return fmt.Errorf("cannot update mailbox: %w", err)
	}
	return nil
}

func (s emailRepo) ResetMailboxState(ctx context.Context, orgID, id string) error {
	err := s.execOne(ctx, `UPDATE email_mailboxes SET uid_validity = 0, last_uid = 0, poll_cursor = '' WHERE org_id = ? AND id = ?`, orgID, id)
	if err != nil {
		return fmt.Errorf("cannot reset mailbox: %w", err)
	}
	return nil
}

func (s emailRepo) DeleteMailbox(ctx context.Context, orgID, id string) error {
	if err := s.execOne(ctx, `DELETE FROM email_mailboxes WHERE org_id = ? AND id = ?`, orgID, id); err != nil {
		return fmt.Errorf("cannot delete mailbox: %w", err)
	}
	return nil
}

func (s emailRepo) SaveMailboxState(ctx context.Context, orgID, id string, st store.MailboxState) error {
	err := s.execOne(ctx, `UPDATE email_mailboxes SET uid_validity = ?, last_uid = ?, poll_cursor = ?, last_poll_at = ?, last_error = ?,
		last_count = ?, next_poll_at = ? WHERE org_id = ? AND id = ?`,
		int64(st.UIDValidity), int64(st.LastUID), st.Cursor, ms(st.LastPollAt), st.LastError, st.LastCount, ms(st.NextPollAt), orgID, id)
	if err != nil {
		return fmt.Errorf("cannot save mailbox state: %w", err)
	}
	return nil
}

func (s emailRepo) DueMailboxes(ctx context.Context, now time.Time, limit int) ([]store.Mailbox, error) {
	if limit <= 0 {
		limit = 100
	}
	return s.mailboxes(ctx, `SELECT `+mailboxColumns+` FROM email_mailboxes WHERE enabled AND next_poll_at <= ? ORDER BY next_poll_at, id LIMIT ?`,
		ms(now), limit)
}

func (s emailRepo) Policy(ctx context.Context, orgID string) ([]byte, error) {
	var p string
	err := s.queryRow(ctx, `SELECT policy FROM email_policies WHERE org_id = ?`, orgID).Scan(&p)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("cannot read e-mail policy: %w", err)
	}
	return []byte(p), nil
}

func (s emailRepo) PutPolicy(ctx context.Context, orgID string, policy []byte, at time.Time) error {
	_, err := s.exec(ctx, `INSERT INTO email_policies (org_id, policy, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (org_id) DO UPDATE SET policy = excluded.policy, updated_at = excluded.updated_at`, orgID, string(policy), ms(at))
	if err != nil {
		return fmt.Errorf("cannot save e-mail policy: %w", err)
	}
	return nil
}
