package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/eventsec/eventsec/internal/store"
)

type notifyRepo struct{ repos }

const channelColumns = `id, org_id, name, kind, enabled, min_severity, events, group_ids, config,
	created_by, created_at, updated_at`

func scanChannel(sc interface{ Scan(...any) error }) (store.NotifyChannel, error) {
	var c store.NotifyChannel
	var events, groups, config string
	var created, updated int64
	err := sc.Scan(&c.ID, &c.OrgID, &c.Name, &c.Kind, &c.Enabled, &c.MinSeverity, &events, &groups, &config,
		&c.CreatedBy, &created, &updated)
	if err != nil {
		return c, err
	}
	c.CreatedAt, c.UpdatedAt = fromMs(created), fromMs(updated)
	if err := json.Unmarshal([]byte(events), &c.Events); err != nil {
		return c, fmt.Errorf("channel %s: bad events: %w", c.ID, err)
	}
	if err := json.Unmarshal([]byte(groups), &c.Groups); err != nil {
		return c, fmt.Errorf("channel %s: bad groups: %w", c.ID, err)
	}
	c.Events, c.Groups = nilIfEmpty(c.Events), nilIfEmpty(c.Groups)
	c.Config = []byte(config)
	return c, nil
}

// configText stores an absent configuration as an empty object.
func configText(b []byte) string {
	if len(b) == 0 {
		return "{}"
	}
	return string(b)
}

func (s notifyRepo) Create(ctx context.Context, c store.NotifyChannel) error {
	_, err := s.exec(ctx, `INSERT INTO notify_channels (`+channelColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.ID, c.OrgID, c.Name, c.Kind, c.Enabled, c.MinSeverity, strList(c.Events), strList(c.Groups),
		configText(c.Config), c.CreatedBy, ms(c.CreatedAt), ms(c.UpdatedAt))
	if err != nil {
		return fmt.Errorf("cannot create notification channel: %w", err)
	}
	return nil
}

func (s notifyRepo) Get(ctx context.Context, orgID, id string) (store.NotifyChannel, error) {
	c, err := scanChannel(s.queryRow(ctx, `SELECT `+channelColumns+` FROM notify_channels WHERE org_id = ? AND id = ?`, orgID, id))
	if err != nil {
		return c, fmt.Errorf("cannot get notification channel: %w", notFound(err))
	}
	return c, nil
}

func (s notifyRepo) List(ctx context.Context, orgID string) ([]store.NotifyChannel, error) {
	rows, err := s.query(ctx, `SELECT `+channelColumns+` FROM notify_channels WHERE org_id = ? ORDER BY name, id`, orgID)
	if err != nil {
		return nil, fmt.Errorf("cannot list notification channels: %w", err)
	}
	defer rows.Close()
	var out []store.NotifyChannel
	for rows.Next() {
		c, err := scanChannel(rows)
		if err != nil {
			return nil, fmt.Errorf("cannot read notification channel: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

func (s notifyRepo) Update(ctx context.Context, c store.NotifyChannel) error {
	err := s.execOne(ctx, `UPDATE notify_channels SET name = ?, kind = ?, enabled = ?, min_severity = ?, events = ?,
		group_ids = ?, config = ?, updated_at = ? WHERE org_id = ? AND id = ?`,
		c.Name, c.Kind, c.Enabled, c.MinSeverity, strList(c.Events), strList(c.Groups), configText(c.Config),
		ms(c.UpdatedAt), c.OrgID, c.ID)
	if err != nil {
		return fmt.Errorf("cannot update notification channel: %w", err)
	}
	return nil
}

func (s notifyRepo) Delete(ctx context.Context, orgID, id string) error {
	if err := s.execOne(ctx, `DELETE FROM notify_channels WHERE org_id = ? AND id = ?`, orgID, id); err != nil {
		return fmt.Errorf("cannot delete notification channel: %w", err)
	}
	return nil
}

const deliveryColumns = `id, org_id, channel_id, channel_name, kind, adhoc_config, event, title, severity, ref_id,
	payload, status, attempts, last_error, response_code, next_attempt_at, created_at, updated_at, sent_at`

func scanDelivery(sc interface{ Scan(...any) error }) (store.NotifyDelivery, error) {
	var d store.NotifyDelivery
	var adhoc sql.NullString
	var payload string
	var next, created, updated int64
	var sent sql.NullInt64
	err := sc.Scan(&d.ID, &d.OrgID, &d.ChannelID, &d.ChannelName, &d.Kind, &adhoc, &d.Event, &d.Title, &d.Severity,
		&d.RefID, &payload, &d.Status, &d.Attempts, &d.LastError, &d.ResponseCode, &next, &created, &updated, &sent)
	if err != nil {
		return d, err
	}
	if adhoc.Valid {
		d.AdHocConfig = []byte(adhoc.String)
	}
	d.Payload = []byte(payload)
	d.NextAttemptAt, d.CreatedAt, d.UpdatedAt, d.SentAt = fromMs(next), fromMs(created), fromMs(updated), fromNullMs(sent)
	return d, nil
}

func nullText(b []byte) any {
	if b == nil {
		return nil
	}
	return string(b)
}

// deliveryBatch bounds the rows of one INSERT (19 parameters each; SQLite
// allows 32,766 per statement, PostgreSQL 65,535).
const deliveryBatch = 500

func (s notifyRepo) CreateDeliveries(ctx context.Context, ds []store.NotifyDelivery) error {
	// One multi-row INSERT per batch: atomic without a transaction, and one
	// commit (one fsync in SQLite) for all of an alert's deliveries.
	const row = `(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	for start := 0; start < len(ds); start += deliveryBatch {
		batch := ds[start:min(start+deliveryBatch, len(ds))]
		args := make([]any, 0, len(batch)*19)
		for _, d := range batch {
			args = append(args, d.ID, d.OrgID, d.ChannelID, d.ChannelName, d.Kind, nullText(d.AdHocConfig), d.Event,
				d.Title, d.Severity, d.RefID, string(d.Payload), d.Status, d.Attempts, d.LastError, d.ResponseCode,
				ms(d.NextAttemptAt), ms(d.CreatedAt), ms(d.UpdatedAt), nullMs(d.SentAt))
		}
		q := `INSERT INTO notify_deliveries (` + deliveryColumns + `) VALUES ` + row + strings.Repeat(", "+row, len(batch)-1)
		if _, err := s.exec(ctx, q, args...); err != nil {
			return fmt.Errorf("cannot create notification deliveries: %w", err)
		}
	}
	return nil
}

func (s notifyRepo) Claim(ctx context.Context, r store.ClaimRequest) ([]store.NotifyDelivery, error) {
	if r.Limit <= 0 {
		return nil, nil
	}
	perChannel := r.PerChannel
	if perChannel <= 0 {
		perChannel = r.Limit
	}
	now := ms(r.Now)
	inner := `SELECT id, next_attempt_at, ROW_NUMBER() OVER (PARTITION BY channel_id ORDER BY next_attempt_at, id) AS rn
		FROM notify_deliveries WHERE status = 'pending' AND next_attempt_at <= ?`
	args := []any{ms(r.Until), ms(r.Now), now, now}
	if len(r.SkipChannels) > 0 {
		inner += ` AND channel_id NOT IN (?` + strings.Repeat(", ?", len(r.SkipChannels)-1) + `)`
		for _, c := range r.SkipChannels {
			args = append(args, c)
		}
	}
	args = append(args, perChannel, r.Limit)
	// The outer conditions are repeated so that, in PostgreSQL, an UPDATE
	// that waited for a concurrent claimer's row lock re-checks the row's
	// new values and skips it instead of claiming it twice. RETURNING runs
	// on the writer: SQLite (3.35+) and PostgreSQL both have it.
	rows, err := s.w.QueryContext(ctx, s.q(`UPDATE notify_deliveries SET next_attempt_at = ?, updated_at = ?
		WHERE status = 'pending' AND next_attempt_at <= ? AND id IN (
			SELECT id FROM (`+inner+`) due WHERE rn <= ? ORDER BY next_attempt_at, id LIMIT ?)
		RETURNING `+deliveryColumns), args...)
	if err != nil {
		return nil, fmt.Errorf("cannot claim notification deliveries: %w", err)
	}
	defer rows.Close()
	var out []store.NotifyDelivery
	for rows.Next() {
		d, err := scanDelivery(rows)
		if err != nil {
			return nil, fmt.Errorf("cannot read notification delivery: %w", err)
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("cannot claim notification deliveries: %w", err)
	}
	// RETURNING has no order; oldest first is what a queue promises.
	sort.Slice(out, func(i, j int) bool {
		if !out[i].CreatedAt.Equal(out[j].CreatedAt) {
			return out[i].CreatedAt.Before(out[j].CreatedAt)
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}

func (s notifyRepo) UpdateDelivery(ctx context.Context, d store.NotifyDelivery) error {
	err := s.execOne(ctx, `UPDATE notify_deliveries SET status = ?, attempts = ?, last_error = ?, response_code = ?,
		next_attempt_at = ?, updated_at = ?, sent_at = ? WHERE org_id = ? AND id = ?`,
		d.Status, d.Attempts, d.LastError, d.ResponseCode, ms(d.NextAttemptAt), ms(d.UpdatedAt), nullMs(d.SentAt),
		d.OrgID, d.ID)
	if err != nil {
		return fmt.Errorf("cannot update notification delivery: %w", err)
	}
	return nil
}

func (s notifyRepo) GetDelivery(ctx context.Context, orgID, id string) (store.NotifyDelivery, error) {
	d, err := scanDelivery(s.queryRow(ctx, `SELECT `+deliveryColumns+` FROM notify_deliveries WHERE org_id = ? AND id = ?`, orgID, id))
	if err != nil {
		return d, fmt.Errorf("cannot get notification delivery: %w", notFound(err))
	}
	return d, nil
}

// maxDeliveryPage bounds one page of the delivery log.
const maxDeliveryPage = 1000

func (s notifyRepo) Deliveries(ctx context.Context, orgID string, f store.DeliveryFilter) ([]store.NotifyDelivery, error) {
	q := `SELECT ` + deliveryColumns + ` FROM notify_deliveries WHERE org_id = ?`
	args := []any{orgID}
	if f.ChannelID != "" {
		q += ` AND channel_id = ?`
		args = append(args, f.ChannelID)
	}
	if f.Status != "" {
		q += ` AND status = ?`
		args = append(args, f.Status)
	}
	if f.RefID != "" {
		q += ` AND ref_id = ?`
		args = append(args, f.RefID)
	}
	if !f.BeforeCreated.IsZero() {
		q += ` AND (created_at < ? OR (created_at = ? AND id < ?))`
		args = append(args, ms(f.BeforeCreated), ms(f.BeforeCreated), f.BeforeID)
	}
	limit := f.Limit
	if limit <= 0 || limit > maxDeliveryPage {
		limit = maxDeliveryPage
	}
	q += ` ORDER BY created_at DESC, id DESC LIMIT ?`
	args = append(args, limit)
	rows, err := s.query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("cannot list notification deliveries: %w", err)
	}
	defer rows.Close()
	var out []store.NotifyDelivery
	for rows.Next() {
		d, err := scanDelivery(rows)
		if err != nil {
			return nil, fmt.Errorf("cannot read notification delivery: %w", err)
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

func (s notifyRepo) Backlog(ctx context.Context, now time.Time) (pending, due int64, err error) {
	err = s.queryRow(ctx, `SELECT COUNT(*), COALESCE(SUM(CASE WHEN next_attempt_at <= ? THEN 1 ELSE 0 END), 0)
		FROM notify_deliveries WHERE status = 'pending'`, ms(now)).Scan(&pending, &due)
	if err != nil {
		return 0, 0, fmt.Errorf("cannot count pending notification deliveries: %w", err)
	}
	return pending, due, nil
}

func (s notifyRepo) PruneDeliveries(ctx context.Context, before time.Time) (int64, error) {
	res, err := s.exec(ctx, `DELETE FROM notify_deliveries WHERE status <> 'pending' AND created_at < ?`, ms(before))
	if err != nil {
		return 0, fmt.Errorf("cannot prune notification deliveries: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("cannot prune notification deliveries: %w", err)
	}
	return n, nil
}
