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

// chunk splits ids so an IN list stays far below every backend's limit on
// bound parameters.
func chunk(ids []string, n int) [][]string {
	var out [][]string
	for len(ids) > n {
		out = append(out, ids[:n])
		ids = ids[n:]
	}
	if len(ids) > 0 {
		out = append(out, ids)
	}
	return out
}

func placeholders(n int) string { return strings.TrimSuffix(strings.Repeat("?, ", n), ", ") }

// indexEntities records the alert's hosts, users and IPs in alert_entities
// (idempotent: a folded repeat only moves last_seen).
func (s alerts) indexEntities(ctx context.Context, a store.Alert) error {
	add := func(kind string, vals []string) error {
		for _, v := range vals {
			if v == "" || len(v) > 512 {
				continue
			}
			_, err := s.exec(ctx, `INSERT INTO alert_entities (org_id, kind, value, alert_id, last_seen) VALUES (?, ?, ?, ?, ?)
				ON CONFLICT (org_id, kind, value, alert_id) DO UPDATE SET last_seen = excluded.last_seen`,
				a.OrgID, kind, strings.ToLower(v), a.ID, ms(a.LastSeen))
			if err != nil {
				return fmt.Errorf("cannot index alert entities: %w", err)
			}
		}
		return nil
	}
	if err := add("host", a.Entities.Hosts); err != nil {
		return err
	}
	if err := add("user", a.Entities.Users); err != nil {
		return err
	}
	return add("ip", a.Entities.IPs)
}

func (s alerts) ListByIDs(ctx context.Context, orgID string, ids []string) ([]store.Alert, error) {
	var out []store.Alert
	for _, part := range chunk(ids, 500) {
		args := []any{orgID}
		for _, id := range part {
			args = append(args, id)
		}
		rows, err := s.query(ctx, `SELECT `+alertColumns+` FROM alerts WHERE org_id = ? AND id IN (`+placeholders(len(part))+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("cannot list alerts: %w", err)
		}
		for rows.Next() {
			a, err := scanAlert(rows)
			if err != nil {
				rows.Close()
				return nil, fmt.Errorf("cannot read alert: %w", err)
			}
			out = append(out, a)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("cannot list alerts: %w", err)
		}
	}
	return out, nil
}

func (s alerts) BulkSet(ctx context.Context, orgID string, ids []string, set store.AlertBulkSet) (int64, error) {
	var sets []string
	var args []any
	str := func(col string, v *string) {
		if v != nil {
			sets, args = append(sets, col+" = ?"), append(args, *v)
		}
	}
	str("status", set.Status)
	str("verdict", set.Verdict)
	str("assignee", set.Assignee)
	str("assignee_group", set.AssigneeGroup)
	if set.Escalation != nil {
		sets, args = append(sets, "escalation = ?"), append(args, escalationText(set.Escalation))
	}
	if set.AcknowledgedAt != nil {
		sets, args = append(sets, "acknowledged_at = COALESCE(acknowledged_at, ?)"), append(args, ms(*set.AcknowledgedAt))
	}
	if set.ResolvedAt != nil {
		sets, args = append(sets, "resolved_at = COALESCE(resolved_at, ?)"), append(args, ms(*set.ResolvedAt))
	}
	if set.Delete {
		sets, args = append(sets, "deleted_at = ?", "deleted_by = ?"), append(args, ms(set.UpdatedAt), set.DeletedBy)
	}
	if set.Restore {
		sets = append(sets, "deleted_at = NULL", "deleted_by = ''")
	}
	sets, args = append(sets, "updated_at = ?"), append(args, ms(set.UpdatedAt))
	var n int64
	for _, part := range chunk(ids, 500) {
		a := append(append([]any{}, args...), orgID)
		for _, id := range part {
			a = append(a, id)
		}
		res, err := s.exec(ctx, `UPDATE alerts SET `+strings.Join(sets, ", ")+` WHERE org_id = ? AND id IN (`+placeholders(len(part))+`)`, a...)
		if err != nil {
			return n, fmt.Errorf("cannot update alerts: %w", err)
		}
		c, _ := res.RowsAffected()
		n += c
	}
	return n, nil
}

func (s alerts) Related(ctx context.Context, orgID, id string, window time.Duration, limit int) ([]store.RelatedAlert, error) {
	a, err := s.Get(ctx, orgID, id)
	if err != nil {
		return nil, err
	}
	rows, err := s.query(ctx, `SELECT o.alert_id, o.kind, o.value FROM alert_entities e
		JOIN alert_entities o ON o.org_id = e.org_id AND o.kind = e.kind AND o.value = e.value AND o.alert_id <> e.alert_id
		WHERE e.org_id = ? AND e.alert_id = ? AND o.last_seen >= ? AND o.last_seen <= ?
		ORDER BY o.last_seen DESC LIMIT ?`, orgID, id, ms(a.FirstSeen.Add(-window)), ms(a.LastSeen.Add(window)), limit*8)
	if err != nil {
		return nil, fmt.Errorf("cannot find related alerts: %w", err)
	}
	shared := map[string][]store.Entity{}
	var order []string
	for rows.Next() {
		var aid string
		var e store.Entity
		if err := rows.Scan(&aid, &e.Kind, &e.Value); err != nil {
			rows.Close()
			return nil, fmt.Errorf("cannot read related alerts: %w", err)
		}
		if _, ok := shared[aid]; !ok {
			if len(order) >= limit {
				continue
			}
			order = append(order, aid)
		}
		shared[aid] = append(shared[aid], e)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("cannot read related alerts: %w", err)
	}
	list, err := s.ListByIDs(ctx, orgID, order)
	if err != nil {
		return nil, err
	}
	byID := map[string]store.Alert{}
	for _, x := range list {
		byID[x.ID] = x
	}
	out := []store.RelatedAlert{}
	for _, aid := range order {
		if x, ok := byID[aid]; ok && x.DeletedAt == nil {
			out = append(out, store.RelatedAlert{Alert: x, Shared: shared[aid]})
		}
	}
	return out, nil
}

func (s alerts) SharedEntities(ctx context.Context, orgID string, since time.Time, limit int) ([]store.EntityGroup, error) {
	rows, err := s.query(ctx, `SELECT e.kind, e.value, e.alert_id FROM alert_entities e
		JOIN alerts a ON a.org_id = e.org_id AND a.id = e.alert_id
		WHERE e.org_id = ? AND e.last_seen >= ? AND a.incident_id = '' AND a.deleted_at IS NULL
		  AND a.status NOT IN ('resolved', 'closed')
		ORDER BY e.kind, e.value, e.last_seen DESC`, orgID, ms(since))
	if err != nil {
		return nil, fmt.Errorf("cannot group alerts by entity: %w", err)
	}
	defer rows.Close()
	var out []store.EntityGroup
	for rows.Next() {
		var e store.Entity
		var id string
		if err := rows.Scan(&e.Kind, &e.Value, &id); err != nil {
			return nil, fmt.Errorf("cannot read alert entities: %w", err)
		}
		if n := len(out); n > 0 && out[n-1].Entity == e {
			out[n-1].AlertIDs = append(out[n-1].AlertIDs, id)
			continue
		}
		out = append(out, store.EntityGroup{Entity: e, AlertIDs: []string{id}})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("cannot read alert entities: %w", err)
	}
	groups := out[:0]
	for _, g := range out {
		if len(g.AlertIDs) >= 2 {
			groups = append(groups, g)
		}
	}
	if len(groups) > limit {
		groups = groups[:limit]
	}
	return groups, nil
}

func (s alerts) CountByEntity(ctx context.Context, orgID, kind, value string) (int64, error) {
	var n int64
	err := s.queryRow(ctx, `SELECT COUNT(*) FROM alert_entities e JOIN alerts a ON a.org_id = e.org_id AND a.id = e.alert_id
		WHERE e.org_id = ? AND e.kind = ? AND e.value = ? AND a.deleted_at IS NULL`, orgID, kind, strings.ToLower(value)).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("cannot count alerts by entity: %w", err)
	}
	return n, nil
}

func (s alerts) Timings(ctx context.Context, orgID string, from, to time.Time) ([]store.AlertTiming, error) {
	rows, err := s.query(ctx, `SELECT severity, status, verdict, assignee, assignee_group, created_at, acknowledged_at, resolved_at
		FROM alerts WHERE org_id = ? AND created_at >= ? AND created_at < ? AND deleted_at IS NULL`, orgID, ms(from), ms(to))
	if err != nil {
		return nil, fmt.Errorf("cannot read alert timings: %w", err)
	}
	defer rows.Close()
	var out []store.AlertTiming
	for rows.Next() {
		var t store.AlertTiming
		var created int64
		var acked, resolved sql.NullInt64
		if err := rows.Scan(&t.Severity, &t.Status, &t.Verdict, &t.Assignee, &t.AssigneeGroup, &created, &acked, &resolved); err != nil {
			return nil, fmt.Errorf("cannot read alert timings: %w", err)
		}
		t.CreatedAt, t.AcknowledgedAt, t.ResolvedAt = fromMs(created), fromNullMs(acked), fromNullMs(resolved)
		out = append(out, t)
	}
	return out, rows.Err()
}

func (s alerts) PurgeDeleted(ctx context.Context, before time.Time) (int64, error) {
	if _, err := s.exec(ctx, `DELETE FROM alert_entities WHERE alert_id IN (SELECT id FROM alerts WHERE deleted_at IS NOT NULL AND deleted_at < ?)`, ms(before)); err != nil {
		return 0, fmt.Errorf("cannot purge deleted alerts: %w", err)
	}
	res, err := s.exec(ctx, `DELETE FROM alerts WHERE deleted_at IS NOT NULL AND deleted_at < ?`, ms(before))
	if err != nil {
		return 0, fmt.Errorf("cannot purge deleted alerts: %w", err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}

// --- incidents ---

type incidents struct{ repos }

const incidentColumns = `id, org_id, number, title, description, severity, status, verdict, owner, grp, tags, playbook_id,
	created_by, created_at, updated_at, acknowledged_at, resolved_at, closed_at, deleted_at`

func scanIncident(sc interface{ Scan(...any) error }) (store.Incident, error) {
	var in store.Incident
	var tags string
	var created, updated int64
	var acked, resolved, closed, deleted sql.NullInt64
	err := sc.Scan(&in.ID, &in.OrgID, &in.Number, &in.Title, &in.Description, &in.Severity, &in.Status, &in.Verdict,
		&in.Owner, &in.Group, &tags, &in.PlaybookID, &in.CreatedBy, &created, &updated, &acked, &resolved, &closed, &deleted)
	if err != nil {
		return in, err
	}
	in.CreatedAt, in.UpdatedAt = fromMs(created), fromMs(updated)
	in.AcknowledgedAt, in.ResolvedAt, in.ClosedAt, in.DeletedAt = fromNullMs(acked), fromNullMs(resolved), fromNullMs(closed), fromNullMs(deleted)
	if err := json.Unmarshal([]byte(tags), &in.Tags); err != nil {
		return in, fmt.Errorf("incident %s: bad stored tags: %w", in.ID, err)
	}
	return in, nil
}

func (s incidents) Create(ctx context.Context, in store.Incident) (store.Incident, error) {
	// The number is the org's next one; two creators racing on PostgreSQL
	// collide on the unique index and the loser retries.
	for attempt := 0; ; attempt++ {
		if err := s.queryRow(ctx, `SELECT COALESCE(MAX(number), 0) + 1 FROM incidents WHERE org_id = ?`, in.OrgID).Scan(&in.Number); err != nil {
			return in, fmt.Errorf("cannot number incident: %w", err)
		}
		_, err := s.exec(ctx, `INSERT INTO incidents (`+incidentColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			in.ID, in.OrgID, in.Number, in.Title, in.Description, in.Severity, in.Status, in.Verdict, in.Owner, in.Group,
			strList(in.Tags), in.PlaybookID, in.CreatedBy, ms(in.CreatedAt), ms(in.UpdatedAt), nullMs(in.AcknowledgedAt),
			nullMs(in.ResolvedAt), nullMs(in.ClosedAt), nullMs(in.DeletedAt))
		if err == nil {
			return in, nil
		}
		if !errors.Is(err, store.ErrConflict) || attempt >= 5 {
			return in, fmt.Errorf("cannot create incident: %w", err)
		}
	}
}

func (s incidents) Get(ctx context.Context, orgID, id string) (store.Incident, error) {
	in, err := scanIncident(s.queryRow(ctx, `SELECT `+incidentColumns+` FROM incidents WHERE org_id = ? AND id = ? AND deleted_at IS NULL`+s.forUpdate(), orgID, id))
	if err != nil {
		return in, fmt.Errorf("cannot get incident: %w", notFound(err))
	}
	return in, nil
}

func (s incidents) Update(ctx context.Context, in store.Incident) error {
	err := s.execOne(ctx, `UPDATE incidents SET title = ?, description = ?, severity = ?, status = ?, verdict = ?, owner = ?,
		grp = ?, tags = ?, playbook_id = ?, updated_at = ?, acknowledged_at = ?, resolved_at = ?, closed_at = ?, deleted_at = ?
		WHERE org_id = ? AND id = ?`, in.Title, in.Description, in.Severity, in.Status, in.Verdict, in.Owner, in.Group,
		strList(in.Tags), in.PlaybookID, ms(in.UpdatedAt), nullMs(in.AcknowledgedAt), nullMs(in.ResolvedAt),
		nullMs(in.ClosedAt), nullMs(in.DeletedAt), in.OrgID, in.ID)
	if err != nil {
		return fmt.Errorf("cannot update incident: %w", err)
	}
	return nil
}

func (s incidents) List(ctx context.Context, orgID string, f store.IncidentFilter) ([]store.Incident, int64, error) {
	where := []string{"org_id = ?", "deleted_at IS NULL"}
	args := []any{orgID}
	where, args = inList(where, args, "status", f.Statuses)
	where, args = inList(where, args, "severity", f.Severities)
	switch {
	case f.Unowned:
		where = append(where, "owner = ''")
	case f.Owner != "":
		where, args = append(where, "owner = ?"), append(args, f.Owner)
	}
	if f.Group != "" {
		where, args = append(where, "grp = ?"), append(args, f.Group)
	}
	if f.Query != "" {
		where = append(where, `(LOWER(title) LIKE ? ESCAPE '\' OR LOWER(description) LIKE ? ESCAPE '\')`)
		q := "%" + likeEscape(strings.ToLower(f.Query)) + "%"
		args = append(args, q, q)
	}
	var total int64
	if err := s.queryRow(ctx, `SELECT COUNT(*) FROM incidents WHERE `+strings.Join(where, " AND "), args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("cannot count incidents: %w", err)
	}
	if !f.AfterAt.IsZero() {
		where = append(where, "(updated_at < ? OR (updated_at = ? AND id < ?))")
		args = append(args, ms(f.AfterAt), ms(f.AfterAt), f.AfterID)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 50
	}
	rows, err := s.query(ctx, `SELECT `+incidentColumns+` FROM incidents WHERE `+strings.Join(where, " AND ")+
		` ORDER BY updated_at DESC, id DESC LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, 0, fmt.Errorf("cannot list incidents: %w", err)
	}
	defer rows.Close()
	var out []store.Incident
	for rows.Next() {
		in, err := scanIncident(rows)
		if err != nil {
			return nil, 0, fmt.Errorf("cannot read incident: %w", err)
		}
		out = append(out, in)
	}
	return out, total, rows.Err()
}

func (s incidents) AlertCounts(ctx context.Context, orgID string, ids []string) (map[string]int64, error) {
	out := map[string]int64{}
	for _, part := range chunk(ids, 500) {
		args := []any{orgID}
		for _, id := range part {
			args = append(args, id)
		}
		rows, err := s.query(ctx, `SELECT incident_id, COUNT(*) FROM alerts WHERE org_id = ? AND deleted_at IS NULL
			AND incident_id IN (`+placeholders(len(part))+`) GROUP BY incident_id`, args...)
		if err != nil {
			return nil, fmt.Errorf("cannot count incident alerts: %w", err)
		}
		for rows.Next() {
			var id string
			var n int64
			if err := rows.Scan(&id, &n); err != nil {
				rows.Close()
				return nil, fmt.Errorf("cannot count incident alerts: %w", err)
			}
			out[id] = n
		}
		rows.Close()
	}
	return out, nil
}

func (s incidents) AddTimeline(ctx context.Context, e store.TimelineEntry) error {
	_, err := s.exec(ctx, `INSERT INTO timeline (id, org_id, incident_id, at, kind, actor, message, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		e.ID, e.OrgID, e.IncidentID, ms(e.At), e.Kind, e.Actor, e.Message, e.Detail)
	if err != nil {
		return fmt.Errorf("cannot add timeline entry: %w", err)
	}
	return nil
}

func (s incidents) Timeline(ctx context.Context, orgID, incidentID string) ([]store.TimelineEntry, error) {
	rows, err := s.query(ctx, `SELECT id, org_id, incident_id, at, kind, actor, message, detail FROM timeline
		WHERE org_id = ? AND incident_id = ? ORDER BY at, id`, orgID, incidentID)
	if err != nil {
		return nil, fmt.Errorf("cannot read timeline: %w", err)
	}
	defer rows.Close()
	var out []store.TimelineEntry
	for rows.Next() {
		var e store.TimelineEntry
		var at int64
		if err := rows.Scan(&e.ID, &e.OrgID, &e.IncidentID, &at, &e.Kind, &e.Actor, &e.Message, &e.Detail); err != nil {
			return nil, fmt.Errorf("cannot read timeline: %w", err)
		}
		e.At = fromMs(at)
		out = append(out, e)
	}
	return out, rows.Err()
}

func (s incidents) AddObservable(ctx context.Context, o store.Observable) error {
	_, err := s.exec(ctx, `INSERT INTO observables (id, org_id, incident_id, type, value, description, ioc, created_by, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, o.ID, o.OrgID, o.IncidentID, o.Type, o.Value, o.Description, o.IOC, o.CreatedBy, ms(o.CreatedAt))
	if err != nil {
		return fmt.Errorf("cannot add observable: %w", err)
	}
	return nil
}

func (s incidents) Observables(ctx context.Context, orgID, incidentID string) ([]store.Observable, error) {
	rows, err := s.query(ctx, `SELECT id, org_id, incident_id, type, value, description, ioc, created_by, created_at FROM observables
		WHERE org_id = ? AND incident_id = ? ORDER BY created_at, id`, orgID, incidentID)
	if err != nil {
		return nil, fmt.Errorf("cannot read observables: %w", err)
	}
	defer rows.Close()
	var out []store.Observable
	for rows.Next() {
		var o store.Observable
		var at int64
		if err := rows.Scan(&o.ID, &o.OrgID, &o.IncidentID, &o.Type, &o.Value, &o.Description, &o.IOC, &o.CreatedBy, &at); err != nil {
			return nil, fmt.Errorf("cannot read observables: %w", err)
		}
		o.CreatedAt = fromMs(at)
		out = append(out, o)
	}
	return out, rows.Err()
}

func (s incidents) DeleteObservable(ctx context.Context, orgID, incidentID, id string) error {
	if err := s.execOne(ctx, `DELETE FROM observables WHERE org_id = ? AND incident_id = ? AND id = ?`, orgID, incidentID, id); err != nil {
		return fmt.Errorf("cannot delete observable: %w", err)
	}
	return nil
}

func (s incidents) Timings(ctx context.Context, orgID string, from, to time.Time) ([]store.Incident, error) {
	rows, err := s.query(ctx, `SELECT `+incidentColumns+` FROM incidents WHERE org_id = ? AND deleted_at IS NULL
		AND created_at >= ? AND created_at < ?`, orgID, ms(from), ms(to))
	if err != nil {
		return nil, fmt.Errorf("cannot read incident timings: %w", err)
	}
	defer rows.Close()
	var out []store.Incident
	for rows.Next() {
		in, err := scanIncident(rows)
		if err != nil {
			return nil, fmt.Errorf("cannot read incident: %w", err)
		}
		out = append(out, in)
	}
	return out, rows.Err()
}

// --- tasks ---

type tasks struct{ repos }

const taskColumns = `id, org_id, incident_id, workplan_id, title, description, status, assignee, due_at, position,
	playbook_step, action, created_by, created_at, updated_at, completed_at`

func scanTask(sc interface{ Scan(...any) error }) (store.Task, error) {
	var t store.Task
	var due, completed, step sql.NullInt64
	var created, updated int64
	err := sc.Scan(&t.ID, &t.OrgID, &t.IncidentID, &t.WorkplanID, &t.Title, &t.Description, &t.Status, &t.Assignee, &due,
		&t.Position, &step, &t.Action, &t.CreatedBy, &created, &updated, &completed)
	if err != nil {
		return t, err
	}
	t.DueAt, t.CompletedAt = fromNullMs(due), fromNullMs(completed)
	t.CreatedAt, t.UpdatedAt = fromMs(created), fromMs(updated)
	if step.Valid {
		n := int(step.Int64)
		t.PlaybookStep = &n
	}
	return t, nil
}

func nullInt(p *int) any {
	if p == nil {
		return nil
	}
	return *p
}

func (s tasks) Create(ctx context.Context, t store.Task) error {
	_, err := s.exec(ctx, `INSERT INTO tasks (`+taskColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		t.ID, t.OrgID, t.IncidentID, t.WorkplanID, t.Title, t.Description, t.Status, t.Assignee, nullMs(t.DueAt), t.Position,
		nullInt(t.PlaybookStep), t.Action, t.CreatedBy, ms(t.CreatedAt), ms(t.UpdatedAt), nullMs(t.CompletedAt))
	if err != nil {
		return fmt.Errorf("cannot create task: %w", err)
	}
	return nil
}

func (s tasks) Get(ctx context.Context, orgID, id string) (store.Task, error) {
	t, err := scanTask(s.queryRow(ctx, `SELECT `+taskColumns+` FROM tasks WHERE org_id = ? AND id = ?`+s.forUpdate(), orgID, id))
	if err != nil {
		return t, fmt.Errorf("cannot get task: %w", notFound(err))
	}
	return t, nil
}

func (s tasks) Update(ctx context.Context, t store.Task) error {
	err := s.execOne(ctx, `UPDATE tasks SET title = ?, description = ?, status = ?, assignee = ?, due_at = ?, position = ?,
		updated_at = ?, completed_at = ? WHERE org_id = ? AND id = ?`, t.Title, t.Description, t.Status, t.Assignee,
		nullMs(t.DueAt), t.Position, ms(t.UpdatedAt), nullMs(t.CompletedAt), t.OrgID, t.ID)
	if err != nil {
		return fmt.Errorf("cannot update task: %w", err)
	}
	return nil
}

func (s tasks) Delete(ctx context.Context, orgID, id string) error {
	if err := s.execOne(ctx, `DELETE FROM tasks WHERE org_id = ? AND id = ?`, orgID, id); err != nil {
		return fmt.Errorf("cannot delete task: %w", err)
	}
	return nil
}

func (s tasks) List(ctx context.Context, orgID string, f store.TaskFilter) ([]store.Task, error) {
	where := []string{"org_id = ?"}
	args := []any{orgID}
	if f.IncidentID != "" {
		where, args = append(where, "incident_id = ?"), append(args, f.IncidentID)
	}
	if f.WorkplanID != "" {
		where, args = append(where, "workplan_id = ?"), append(args, f.WorkplanID)
	}
	if f.Assignee != "" {
		where, args = append(where, "assignee = ?"), append(args, f.Assignee)
	}
	where, args = inList(where, args, "status", f.Statuses)
	rows, err := s.query(ctx, `SELECT `+taskColumns+` FROM tasks WHERE `+strings.Join(where, " AND ")+` ORDER BY position, created_at, id`, args...)
	if err != nil {
		return nil, fmt.Errorf("cannot list tasks: %w", err)
	}
	defer rows.Close()
	var out []store.Task
	for rows.Next() {
		t, err := scanTask(rows)
		if err != nil {
			return nil, fmt.Errorf("cannot read task: %w", err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// --- workplans ---

type workplans struct{ repos }

const workplanColumns = `id, org_id, title, description, owner, grp, status, due_at, links, created_by, created_at, updated_at`

func scanWorkplan(sc interface{ Scan(...any) error }) (store.Workplan, error) {
	var w store.Workplan
	var due sql.NullInt64
	var links string
	var created, updated int64
	if err := sc.Scan(&w.ID, &w.OrgID, &w.Title, &w.Description, &w.Owner, &w.Group, &w.Status, &due, &links, &w.CreatedBy, &created, &updated); err != nil {
		return w, err
	}
	w.DueAt, w.CreatedAt, w.UpdatedAt = fromNullMs(due), fromMs(created), fromMs(updated)
	if err := json.Unmarshal([]byte(links), &w.Links); err != nil {
		return w, fmt.Errorf("workplan %s: bad stored links: %w", w.ID, err)
	}
	return w, nil
}

func linksText(l []store.WorkplanLink) string {
	if l == nil {
		l = []store.WorkplanLink{}
	}
	return jsonText(l)
}

func (s workplans) Create(ctx context.Context, w store.Workplan) error {
	_, err := s.exec(ctx, `INSERT INTO workplans (`+workplanColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		w.ID, w.OrgID, w.Title, w.Description, w.Owner, w.Group, w.Status, nullMs(w.DueAt), linksText(w.Links), w.CreatedBy, ms(w.CreatedAt), ms(w.UpdatedAt))
	if err != nil {
		return fmt.Errorf("cannot create workplan: %w", err)
	}
	return nil
}

func (s workplans) Get(ctx context.Context, orgID, id string) (store.Workplan, error) {
	w, err := scanWorkplan(s.queryRow(ctx, `SELECT `+workplanColumns+` FROM workplans WHERE org_id = ? AND id = ?`+s.forUpdate(), orgID, id))
	if err != nil {
		return w, fmt.Errorf("cannot get workplan: %w", notFound(err))
	}
	return w, nil
}

func (s workplans) Update(ctx context.Context, w store.Workplan) error {
	err := s.execOne(ctx, `UPDATE workplans SET title = ?, description = ?, owner = ?, grp = ?, status = ?, due_at = ?, links = ?,
		updated_at = ? WHERE org_id = ? AND id = ?`, w.Title, w.Description, w.Owner, w.Group, w.Status, nullMs(w.DueAt),
		linksText(w.Links), ms(w.UpdatedAt), w.OrgID, w.ID)
	if err != nil {
		return fmt.Errorf("cannot update workplan: %w", err)
	}
	return nil
}

func (s workplans) Delete(ctx context.Context, orgID, id string) error {
	if _, err := s.exec(ctx, `DELETE FROM tasks WHERE org_id = ? AND workplan_id = ?`, orgID, id); err != nil {
		return fmt.Errorf("cannot delete workplan tasks: %w", err)
	}
	if err := s.execOne(ctx, `DELETE FROM workplans WHERE org_id = ? AND id = ?`, orgID, id); err != nil {
		return fmt.Errorf("cannot delete workplan: %w", err)
	}
	return nil
}

func (s workplans) List(ctx context.Context, orgID string) ([]store.Workplan, error) {
	rows, err := s.query(ctx, `SELECT `+workplanColumns+` FROM workplans WHERE org_id = ? ORDER BY updated_at DESC, id`, orgID)
	if err != nil {
		return nil, fmt.Errorf("cannot list workplans: %w", err)
	}
	defer rows.Close()
	var out []store.Workplan
	for rows.Next() {
		w, err := scanWorkplan(rows)
		if err != nil {
			return nil, fmt.Errorf("cannot read workplan: %w", err)
		}
		out = append(out, w)
	}
	return out, rows.Err()
}

// --- notes and attachments ---

type notes struct{ repos }

const noteColumns = `id, org_id, object_type, object_id, author, body, mentions, created_at, updated_at`

func scanNote(sc interface{ Scan(...any) error }) (store.Note, error) {
	var n store.Note
	var mentions string
	var created, updated int64
	if err := sc.Scan(&n.ID, &n.OrgID, &n.ObjectType, &n.ObjectID, &n.Author, &n.Body, &mentions, &created, &updated); err != nil {
		return n, err
	}
	n.CreatedAt, n.UpdatedAt = fromMs(created), fromMs(updated)
	if err := json.Unmarshal([]byte(mentions), &n.Mentions); err != nil {
		return n, fmt.Errorf("note %s: bad stored mentions: %w", n.ID, err)
	}
	return n, nil
}

func (s notes) Create(ctx context.Context, n store.Note) error {
	_, err := s.exec(ctx, `INSERT INTO notes (`+noteColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		n.ID, n.OrgID, n.ObjectType, n.ObjectID, n.Author, n.Body, strList(n.Mentions), ms(n.CreatedAt), ms(n.UpdatedAt))
	if err != nil {
		return fmt.Errorf("cannot create note: %w", err)
	}
	return nil
}

func (s notes) Get(ctx context.Context, orgID, id string) (store.Note, error) {
	n, err := scanNote(s.queryRow(ctx, `SELECT `+noteColumns+` FROM notes WHERE org_id = ? AND id = ?`, orgID, id))
	if err != nil {
		return n, fmt.Errorf("cannot get note: %w", notFound(err))
	}
	return n, nil
}

func (s notes) Update(ctx context.Context, n store.Note) error {
	if err := s.execOne(ctx, `UPDATE notes SET body = ?, mentions = ?, updated_at = ? WHERE org_id = ? AND id = ?`,
		n.Body, strList(n.Mentions), ms(n.UpdatedAt), n.OrgID, n.ID); err != nil {
		return fmt.Errorf("cannot update note: %w", err)
	}
	return nil
}

func (s notes) Delete(ctx context.Context, orgID, id string) error {
	if err := s.execOne(ctx, `DELETE FROM notes WHERE org_id = ? AND id = ?`, orgID, id); err != nil {
		return fmt.Errorf("cannot delete note: %w", err)
	}
	if _, err := s.exec(ctx, `UPDATE attachments SET note_id = '' WHERE org_id = ? AND note_id = ?`, orgID, id); err != nil {
		return fmt.Errorf("cannot detach note attachments: %w", err)
	}
	return nil
}

func (s notes) List(ctx context.Context, orgID, objectType, objectID string) ([]store.Note, error) {
	rows, err := s.query(ctx, `SELECT `+noteColumns+` FROM notes WHERE org_id = ? AND object_type = ? AND object_id = ?
		ORDER BY created_at, id`, orgID, objectType, objectID)
	if err != nil {
		return nil, fmt.Errorf("cannot list notes: %w", err)
	}
	defer rows.Close()
	var out []store.Note
	for rows.Next() {
		n, err := scanNote(rows)
		if err != nil {
			return nil, fmt.Errorf("cannot read note: %w", err)
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

func (s notes) Rooms(ctx context.Context, orgID string, limit int) ([]store.NoteRoom, error) {
	rows, err := s.query(ctx, `SELECT object_type, object_id, COUNT(*), MAX(created_at) FROM notes WHERE org_id = ?
		GROUP BY object_type, object_id ORDER BY 4 DESC LIMIT ?`, orgID, limit)
	if err != nil {
		return nil, fmt.Errorf("cannot list rooms: %w", err)
	}
	defer rows.Close()
	var out []store.NoteRoom
	for rows.Next() {
		var r store.NoteRoom
		var last int64
		if err := rows.Scan(&r.ObjectType, &r.ObjectID, &r.Count, &last); err != nil {
			return nil, fmt.Errorf("cannot read rooms: %w", err)
		}
		r.LastAt = fromMs(last)
		out = append(out, r)
	}
	return out, rows.Err()
}

const attachmentColumns = `id, org_id, object_type, object_id, note_id, name, content_type, size, sha256, uploaded_by, created_at`

func scanAttachment(sc interface{ Scan(...any) error }) (store.Attachment, error) {
	var a store.Attachment
	var created int64
	err := sc.Scan(&a.ID, &a.OrgID, &a.ObjectType, &a.ObjectID, &a.NoteID, &a.Name, &a.ContentType, &a.Size, &a.SHA256, &a.UploadedBy, &created)
	a.CreatedAt = fromMs(created)
	return a, err
}

func (s notes) CreateAttachment(ctx context.Context, a store.Attachment) error {
	_, err := s.exec(ctx, `INSERT INTO attachments (`+attachmentColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		a.ID, a.OrgID, a.ObjectType, a.ObjectID, a.NoteID, a.Name, a.ContentType, a.Size, a.SHA256, a.UploadedBy, ms(a.CreatedAt))
	if err != nil {
		return fmt.Errorf("cannot create attachment: %w", err)
	}
	return nil
}

func (s notes) GetAttachment(ctx context.Context, orgID, id string) (store.Attachment, error) {
	a, err := scanAttachment(s.queryRow(ctx, `SELECT `+attachmentColumns+` FROM attachments WHERE org_id = ? AND id = ?`, orgID, id))
	if err != nil {
		return a, fmt.Errorf("cannot get attachment: %w", notFound(err))
	}
	return a, nil
}

func (s notes) Attachments(ctx context.Context, orgID, objectType, objectID string) ([]store.Attachment, error) {
	rows, err := s.query(ctx, `SELECT `+attachmentColumns+` FROM attachments WHERE org_id = ? AND object_type = ? AND object_id = ?
		ORDER BY created_at, id`, orgID, objectType, objectID)
	if err != nil {
		return nil, fmt.Errorf("cannot list attachments: %w", err)
	}
	defer rows.Close()
	var out []store.Attachment
	for rows.Next() {
		a, err := scanAttachment(rows)
		if err != nil {
			return nil, fmt.Errorf("cannot read attachment: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

func (s notes) LinkAttachments(ctx context.Context, orgID, objectType, objectID, noteID string, ids []string) error {
	for _, id := range ids {
		if err := s.execOne(ctx, `UPDATE attachments SET note_id = ? WHERE org_id = ? AND object_type = ? AND object_id = ? AND id = ?`,
			noteID, orgID, objectType, objectID, id); err != nil {
			return fmt.Errorf("cannot link attachment %s: %w", id, err)
		}
	}
	return nil
}

// --- playbooks ---

type playbooks struct{ repos }

const playbookColumns = `id, org_id, name, description, category, severity_hint, steps, created_by, created_at, updated_at`

func scanPlaybook(sc interface{ Scan(...any) error }) (store.Playbook, error) {
	var p store.Playbook
	var steps string
	var created, updated int64
	if err := sc.Scan(&p.ID, &p.OrgID, &p.Name, &p.Description, &p.Category, &p.SeverityHint, &steps, &p.CreatedBy, &created, &updated); err != nil {
		return p, err
	}
	p.CreatedAt, p.UpdatedAt = fromMs(created), fromMs(updated)
	if err := json.Unmarshal([]byte(steps), &p.Steps); err != nil {
		return p, fmt.Errorf("playbook %s: bad stored steps: %w", p.ID, err)
	}
	return p, nil
}

func (s playbooks) Create(ctx context.Context, p store.Playbook) error {
	_, err := s.exec(ctx, `INSERT INTO playbooks (`+playbookColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		p.ID, p.OrgID, p.Name, p.Description, p.Category, p.SeverityHint, jsonText(p.Steps), p.CreatedBy, ms(p.CreatedAt), ms(p.UpdatedAt))
	if err != nil {
		return fmt.Errorf("cannot create playbook: %w", err)
	}
	return nil
}

func (s playbooks) Get(ctx context.Context, orgID, id string) (store.Playbook, error) {
	p, err := scanPlaybook(s.queryRow(ctx, `SELECT `+playbookColumns+` FROM playbooks WHERE org_id = ? AND id = ?`+s.forUpdate(), orgID, id))
	if err != nil {
		return p, fmt.Errorf("cannot get playbook: %w", notFound(err))
	}
	return p, nil
}

func (s playbooks) Update(ctx context.Context, p store.Playbook) error {
	err := s.execOne(ctx, `UPDATE playbooks SET name = ?, description = ?, category = ?, severity_hint = ?, steps = ?, updated_at = ?
		WHERE org_id = ? AND id = ?`, p.Name, p.Description, p.Category, p.SeverityHint, jsonText(p.Steps), ms(p.UpdatedAt), p.OrgID, p.ID)
	if err != nil {
		return fmt.Errorf("cannot update playbook: %w", err)
	}
	return nil
}

func (s playbooks) Delete(ctx context.Context, orgID, id string) error {
	if err := s.execOne(ctx, `DELETE FROM playbooks WHERE org_id = ? AND id = ?`, orgID, id); err != nil {
		return fmt.Errorf("cannot delete playbook: %w", err)
	}
	return nil
}

func (s playbooks) List(ctx context.Context, orgID string) ([]store.Playbook, error) {
	rows, err := s.query(ctx, `SELECT `+playbookColumns+` FROM playbooks WHERE org_id = ? ORDER BY name, id`, orgID)
	if err != nil {
		return nil, fmt.Errorf("cannot list playbooks: %w", err)
	}
	defer rows.Close()
	var out []store.Playbook
	for rows.Next() {
		p, err := scanPlaybook(rows)
		if err != nil {
			return nil, fmt.Errorf("cannot read playbook: %w", err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// --- response actions ---

type responses struct{ repos }

const responseColumns = `id, org_id, type, target, params, reason, alert_id, incident_id, status, result, external_id, actor, created_at, updated_at`

func scanResponse(sc interface{ Scan(...any) error }) (store.ResponseAction, error) {
	var a store.ResponseAction
	var created, updated int64
	err := sc.Scan(&a.ID, &a.OrgID, &a.Type, &a.Target, &a.Params, &a.Reason, &a.AlertID, &a.IncidentID, &a.Status, &a.Result,
		&a.ExternalID, &a.Actor, &created, &updated)
	a.CreatedAt, a.UpdatedAt = fromMs(created), fromMs(updated)
	return a, err
}

func (s responses) Create(ctx context.Context, a store.ResponseAction) error {
	_, err := s.exec(ctx, `INSERT INTO response_actions (`+responseColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		a.ID, a.OrgID, a.Type, a.Target, a.Params, a.Reason, a.AlertID, a.IncidentID, a.Status, a.Result, a.ExternalID, a.Actor,
		ms(a.CreatedAt), ms(a.UpdatedAt))
	if err != nil {
		return fmt.Errorf("cannot create response action: %w", err)
	}
	return nil
}

func (s responses) Get(ctx context.Context, orgID, id string) (store.ResponseAction, error) {
	a, err := scanResponse(s.queryRow(ctx, `SELECT `+responseColumns+` FROM response_actions WHERE org_id = ? AND id = ?`, orgID, id))
	if err != nil {
		return a, fmt.Errorf("cannot get response action: %w", notFound(err))
	}
	return a, nil
}

func (s responses) Update(ctx context.Context, a store.ResponseAction) error {
	if err := s.execOne(ctx, `UPDATE response_actions SET status = ?, result = ?, external_id = ?, updated_at = ? WHERE org_id = ? AND id = ?`,
		a.Status, a.Result, a.ExternalID, ms(a.UpdatedAt), a.OrgID, a.ID); err != nil {
		return fmt.Errorf("cannot update response action: %w", err)
	}
	return nil
}

func (s responses) List(ctx context.Context, orgID, alertID, incidentID string, limit int) ([]store.ResponseAction, error) {
	where := []string{"org_id = ?"}
	args := []any{orgID}
	if alertID != "" {
		where, args = append(where, "alert_id = ?"), append(args, alertID)
	}
	if incidentID != "" {
		where, args = append(where, "incident_id = ?"), append(args, incidentID)
	}
	if limit <= 0 {
		limit = 100
	}
	rows, err := s.query(ctx, `SELECT `+responseColumns+` FROM response_actions WHERE `+strings.Join(where, " AND ")+
		` ORDER BY created_at DESC, id DESC LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("cannot list response actions: %w", err)
	}
	defer rows.Close()
	var out []store.ResponseAction
	for rows.Next() {
		a, err := scanResponse(rows)
		if err != nil {
			return nil, fmt.Errorf("cannot read response action: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

func (s responses) ByExternalID(ctx context.Context, orgID, externalID string) (store.ResponseAction, error) {
	a, err := scanResponse(s.queryRow(ctx, `SELECT `+responseColumns+` FROM response_actions WHERE org_id = ? AND external_id = ?`, orgID, externalID))
	if err != nil {
		return a, fmt.Errorf("cannot get response action: %w", notFound(err))
	}
	return a, nil
}

// --- handovers ---

type handovers struct{ repos }

const handoverColumns = `id, org_id, grp, author, subject, body, recipients, channel_id, status, error, snapshot, sent_at, created_at, updated_at`

func scanHandover(sc interface{ Scan(...any) error }) (store.Handover, error) {
	var h store.Handover
	var recipients string
	var sent sql.NullInt64
	var created, updated int64
	if err := sc.Scan(&h.ID, &h.OrgID, &h.Group, &h.Author, &h.Subject, &h.Body, &recipients, &h.ChannelID, &h.Status, &h.Error,
		&h.Snapshot, &sent, &created, &updated); err != nil {
		return h, err
	}
	h.SentAt, h.CreatedAt, h.UpdatedAt = fromNullMs(sent), fromMs(created), fromMs(updated)
	if err := json.Unmarshal([]byte(recipients), &h.Recipients); err != nil {
		return h, fmt.Errorf("handover %s: bad stored recipients: %w", h.ID, err)
	}
	return h, nil
}

func (s handovers) Create(ctx context.Context, h store.Handover) error {
	_, err := s.exec(ctx, `INSERT INTO handovers (`+handoverColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		h.ID, h.OrgID, h.Group, h.Author, h.Subject, h.Body, strList(h.Recipients), h.ChannelID, h.Status, h.Error,
		orJSON(h.Snapshot), nullMs(h.SentAt), ms(h.CreatedAt), ms(h.UpdatedAt))
	if err != nil {
		return fmt.Errorf("cannot create handover: %w", err)
	}
	return nil
}

func orJSON(s string) string {
	if s == "" {
		return "{}"
	}
	return s
}

func (s handovers) Get(ctx context.Context, orgID, id string) (store.Handover, error) {
	h, err := scanHandover(s.queryRow(ctx, `SELECT `+handoverColumns+` FROM handovers WHERE org_id = ? AND id = ?`, orgID, id))
	if err != nil {
		return h, fmt.Errorf("cannot get handover: %w", notFound(err))
	}
	return h, nil
}

func (s handovers) Update(ctx context.Context, h store.Handover) error {
	err := s.execOne(ctx, `UPDATE handovers SET grp = ?, subject = ?, body = ?, recipients = ?, channel_id = ?, status = ?, error = ?,
		snapshot = ?, sent_at = ?, updated_at = ? WHERE org_id = ? AND id = ?`, h.Group, h.Subject, h.Body, strList(h.Recipients),
		h.ChannelID, h.Status, h.Error, orJSON(h.Snapshot), nullMs(h.SentAt), ms(h.UpdatedAt), h.OrgID, h.ID)
	if err != nil {
		return fmt.Errorf("cannot update handover: %w", err)
	}
	return nil
}

func (s handovers) List(ctx context.Context, orgID string, limit int) ([]store.Handover, error) {
	if limit <= 0 {
		limit = 100
	}
	rows, err := s.query(ctx, `SELECT `+handoverColumns+` FROM handovers WHERE org_id = ? ORDER BY created_at DESC, id DESC LIMIT ?`, orgID, limit)
	if err != nil {
		return nil, fmt.Errorf("cannot list handovers: %w", err)
	}
	defer rows.Close()
	var out []store.Handover
	for rows.Next() {
		h, err := scanHandover(rows)
		if err != nil {
			return nil, fmt.Errorf("cannot read handover: %w", err)
		}
		out = append(out, h)
	}
	return out, rows.Err()
}

// --- object history ---

type history struct{ repos }

func (s history) Add(ctx context.Context, entries ...store.HistoryEntry) error {
	const per = 100 // rows per INSERT: 8 parameters each
	for len(entries) > 0 {
		n := min(per, len(entries))
		part := entries[:n]
		entries = entries[n:]
		args := make([]any, 0, n*8)
		for _, e := range part {
			args = append(args, e.ID, e.OrgID, e.ObjectType, e.ObjectID, ms(e.At), e.Actor, e.Action, e.Detail)
		}
		_, err := s.exec(ctx, `INSERT INTO object_history (id, org_id, object_type, object_id, at, actor, action, detail) VALUES `+
			strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, ?, ?, ?, ?), ", n), ", "), args...)
		if err != nil {
			return fmt.Errorf("cannot record history: %w", err)
		}
	}
	return nil
}

func (s history) List(ctx context.Context, orgID, objectType, objectID string) ([]store.HistoryEntry, error) {
	rows, err := s.query(ctx, `SELECT id, org_id, object_type, object_id, at, actor, action, detail FROM object_history
		WHERE org_id = ? AND object_type = ? AND object_id = ? ORDER BY at, id`, orgID, objectType, objectID)
	if err != nil {
		return nil, fmt.Errorf("cannot read history: %w", err)
	}
	defer rows.Close()
	var out []store.HistoryEntry
	for rows.Next() {
		var e store.HistoryEntry
		var at int64
		if err := rows.Scan(&e.ID, &e.OrgID, &e.ObjectType, &e.ObjectID, &at, &e.Actor, &e.Action, &e.Detail); err != nil {
			return nil, fmt.Errorf("cannot read history: %w", err)
		}
		e.At = fromMs(at)
		out = append(out, e)
	}
	return out, rows.Err()
}

// --- SLA policies ---

type slaPolicies struct{ repos }

func (s slaPolicies) Get(ctx context.Context, orgID string) ([]store.SLAPolicy, error) {
	rows, err := s.query(ctx, `SELECT severity, ack_minutes, resolve_minutes FROM sla_policies WHERE org_id = ? ORDER BY severity`, orgID)
	if err != nil {
		return nil, fmt.Errorf("cannot read SLA policies: %w", err)
	}
	defer rows.Close()
	var out []store.SLAPolicy
	for rows.Next() {
		var p store.SLAPolicy
		if err := rows.Scan(&p.Severity, &p.AckMinutes, &p.ResolveMinutes); err != nil {
			return nil, fmt.Errorf("cannot read SLA policies: %w", err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

func (s slaPolicies) Put(ctx context.Context, orgID string, ps []store.SLAPolicy) error {
	if _, err := s.exec(ctx, `DELETE FROM sla_policies WHERE org_id = ?`, orgID); err != nil {
		return fmt.Errorf("cannot write SLA policies: %w", err)
	}
	for _, p := range ps {
		if _, err := s.exec(ctx, `INSERT INTO sla_policies (org_id, severity, ack_minutes, resolve_minutes) VALUES (?, ?, ?, ?)`,
			orgID, p.Severity, p.AckMinutes, p.ResolveMinutes); err != nil {
			return fmt.Errorf("cannot write SLA policies: %w", err)
		}
	}
	return nil
}
