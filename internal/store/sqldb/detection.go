package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/eventsec/eventsec/internal/store"
)

type rules struct{ repos }

const ruleColumns = `id, org_id, title, description, author, format, kind, source, source_hash,
	status, level, severity_override, enabled, pack, product, category, service, tags, refs,
	falsepositives, created_by, created_at, updated_at, alert_group_by, alert_window_s, imported_from, imported_hash`

// jsonText encodes a list or map for a TEXT column.
func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return "null"
	}
	return string(b)
}

func strList(v []string) string {
	if v == nil {
		v = []string{}
	}
	return jsonText(v)
}

// decodeStrList reads what strList wrote. A list of plain strings (no
// escapes: event IDs, ATT&CK IDs) is split directly; anything else goes
// through encoding/json. An alert's 100 event IDs are read on every
// folded repeat, where reflection cost 6 µs a list.
func decodeStrList(text string, dst *[]string) error {
	inner, ok := strings.CutPrefix(text, "[")
	if inner, ok2 := strings.CutSuffix(inner, "]"); ok && ok2 && !strings.ContainsRune(inner, '\\') {
		if inner == "" {
			*dst = []string{}
			return nil
		}
		out := make([]string, 0, strings.Count(inner, ",")+1)
		for inner != "" {
			rest, ok := strings.CutPrefix(inner, `"`)
			if !ok {
				return json.Unmarshal([]byte(text), dst)
			}
			end := strings.IndexByte(rest, '"')
			if end < 0 {
				return json.Unmarshal([]byte(text), dst)
			}
			out = append(out, rest[:end])
			inner = rest[end+1:]
			if inner != "" {
				if inner, ok = strings.CutPrefix(inner, ","); !ok || inner == "" {
					return json.Unmarshal([]byte(text), dst)
				}
			}
		}
		*dst = out
		return nil
	}
	return json.Unmarshal([]byte(text), dst)
}

func scanRule(sc interface{ Scan(...any) error }) (store.Rule, error) {
	var r store.Rule
	var tags, refs, fps, groupBy string
	var created, updated, window int64
	err := sc.Scan(&r.ID, &r.OrgID, &r.Title, &r.Description, &r.Author, &r.Format, &r.Kind, &r.Source,
		&r.SourceHash, &r.Status, &r.Level, &r.SeverityOverride, &r.Enabled, &r.Pack, &r.Product,
		&r.Category, &r.Service, &tags, &refs, &fps, &r.CreatedBy, &created, &updated, &groupBy, &window, &r.ImportedFrom, &r.ImportedHash)
	if err != nil {
		return r, err
	}
	r.CreatedAt, r.UpdatedAt = fromMs(created), fromMs(updated)
	r.AlertWindow = time.Duration(window) * time.Second
	if err := decodeStrList(groupBy, &r.AlertGroupBy); err != nil {
		return r, fmt.Errorf("rule %s: bad alert_group_by: %w", r.ID, err)
	}
	r.AlertGroupBy = nilIfEmpty(r.AlertGroupBy)
	if err := json.Unmarshal([]byte(tags), &r.Tags); err != nil {
		return r, fmt.Errorf("rule %s: bad tags: %w", r.ID, err)
	}
	if err := json.Unmarshal([]byte(refs), &r.References); err != nil {
		return r, fmt.Errorf("rule %s: bad references: %w", r.ID, err)
	}
	if err := json.Unmarshal([]byte(fps), &r.FalsePositives); err != nil {
		return r, fmt.Errorf("rule %s: bad falsepositives: %w", r.ID, err)
	}
	r.Tags, r.References, r.FalsePositives = nilIfEmpty(r.Tags), nilIfEmpty(r.References), nilIfEmpty(r.FalsePositives)
	return r, nil
}

func (s rules) Create(ctx context.Context, r store.Rule) error {
	_, err := s.exec(ctx, `INSERT INTO rules (`+ruleColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.ID, r.OrgID, r.Title, r.Description, r.Author, r.Format, r.Kind, r.Source, r.SourceHash,
		r.Status, r.Level, r.SeverityOverride, r.Enabled, r.Pack, r.Product, r.Category, r.Service,
		strList(r.Tags), strList(r.References), strList(r.FalsePositives), r.CreatedBy, ms(r.CreatedAt), ms(r.UpdatedAt),
		strList(r.AlertGroupBy), int64(r.AlertWindow/time.Second), r.ImportedFrom, r.ImportedHash)
	if err != nil {
		return fmt.Errorf("cannot create rule: %w", err)
	}
	return nil
}

func (s rules) Get(ctx context.Context, orgID, id string) (store.Rule, error) {
	r, err := scanRule(s.queryRow(ctx, `SELECT `+ruleColumns+` FROM rules WHERE org_id = ? AND id = ?`+s.forUpdate(), orgID, id))
	if err != nil {
		return r, fmt.Errorf("cannot get rule: %w", notFound(err))
	}
	return r, nil
}

func (s rules) List(ctx context.Context, orgID string) ([]store.Rule, error) {
	rows, err := s.query(ctx, `SELECT `+ruleColumns+` FROM rules WHERE org_id = ? ORDER BY title, id`, orgID)
	if err != nil {
		return nil, fmt.Errorf("cannot list rules: %w", err)
	}
	defer rows.Close()
	var out []store.Rule
	for rows.Next() {
		r, err := scanRule(rows)
		if err != nil {
			return nil, fmt.Errorf("cannot read rule: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

func (s rules) Update(ctx context.Context, r store.Rule) error {
	err := s.execOne(ctx, `UPDATE rules SET title = ?, description = ?, author = ?, format = ?, kind = ?,
		source = ?, source_hash = ?, status = ?, level = ?, severity_override = ?, enabled = ?, pack = ?,
		product = ?, category = ?, service = ?, tags = ?, refs = ?, falsepositives = ?, updated_at = ?,
		alert_group_by = ?, alert_window_s = ?, imported_from = ?, imported_hash = ?
		WHERE org_id = ? AND id = ?`,
		r.Title, r.Description, r.Author, r.Format, r.Kind, r.Source, r.SourceHash, r.Status, r.Level,
		r.SeverityOverride, r.Enabled, r.Pack, r.Product, r.Category, r.Service, strList(r.Tags),
		strList(r.References), strList(r.FalsePositives), ms(r.UpdatedAt), strList(r.AlertGroupBy),
		int64(r.AlertWindow/time.Second), r.ImportedFrom, r.ImportedHash, r.OrgID, r.ID)
	if err != nil {
		return fmt.Errorf("cannot update rule: %w", err)
	}
	return nil
}

func (s rules) Delete(ctx context.Context, orgID, id string) error {
	if err := s.execOne(ctx, `DELETE FROM rules WHERE org_id = ? AND id = ?`, orgID, id); err != nil {
		return fmt.Errorf("cannot delete rule: %w", err)
	}
	if _, err := s.exec(ctx, `DELETE FROM rule_exceptions WHERE org_id = ? AND rule_id = ?`, orgID, id); err != nil {
		return fmt.Errorf("cannot delete rule exceptions: %w", err)
	}
	if _, err := s.exec(ctx, `DELETE FROM rule_stats WHERE org_id = ? AND rule_id = ?`, orgID, id); err != nil {
		return fmt.Errorf("cannot delete rule statistics: %w", err)
	}
	return nil
}

func (s rules) CreateException(ctx context.Context, e store.RuleException) error {
	if len(e.Conditions) == 0 {
		return fmt.Errorf("cannot create rule exception: no condition")
	}
	conds, err := json.Marshal(e.Conditions)
	if err != nil {
		return fmt.Errorf("cannot encode rule exception conditions: %w", err)
	}
	field, op, value := legacyCondition(e.Conditions)
	_, err = s.exec(ctx, `INSERT INTO rule_exceptions (id, org_id, rule_id, field, operator, value, conditions, reason, owner, expires_at, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.ID, e.OrgID, e.RuleID, field, op, value, string(conds), e.Reason, e.Owner, nullMs(e.ExpiresAt), ms(e.CreatedAt))
	if err != nil {
		return fmt.Errorf("cannot create rule exception: %w", err)
	}
	return nil
}

// legacyOperators are those of the single-condition exceptions that
// releases before migration 0015 read from the field, operator and value
// columns.
var legacyOperators = map[string]bool{"equals": true, "contains": true, "startswith": true, "endswith": true, "regex": true, "cidr": true}

// legacyCondition is what the field, operator and value columns hold: a
// single condition those releases understand, or operator "conditions",
// which they never match: read by them, a wider exception would suppress
// alerts it should not.
func legacyCondition(cs []store.ExceptionCondition) (field, op, value string) {
	if len(cs) == 1 && legacyOperators[cs[0].Operator] {
		return cs[0].Field, cs[0].Operator, cs[0].Value
	}
	return cs[0].Field, "conditions", ""
}

func (s rules) Exceptions(ctx context.Context, orgID, ruleID string) ([]store.RuleException, error) {
	q := `SELECT id, org_id, rule_id, field, operator, value, conditions, reason, owner, expires_at, created_at
		FROM rule_exceptions WHERE org_id = ?`
	args := []any{orgID}
	if ruleID != "" {
		q += ` AND rule_id = ?`
		args = append(args, ruleID)
	}
	rows, err := s.query(ctx, q+` ORDER BY created_at, id`, args...)
	if err != nil {
		return nil, fmt.Errorf("cannot list rule exceptions: %w", err)
	}
	defer rows.Close()
	var out []store.RuleException
	for rows.Next() {
		var e store.RuleException
		var field, op, value, conds string
		var exp sql.NullInt64
		var created int64
		if err := rows.Scan(&e.ID, &e.OrgID, &e.RuleID, &field, &op, &value, &conds, &e.Reason, &e.Owner, &exp, &created); err != nil {
			return nil, fmt.Errorf("cannot read rule exception: %w", err)
		}
		if conds == "" {
			// Written before migration 0015: one condition.
			e.Conditions = []store.ExceptionCondition{{Field: field, Operator: op, Value: value}}
		} else if err := json.Unmarshal([]byte(conds), &e.Conditions); err != nil {
			return nil, fmt.Errorf("cannot read rule exception %s conditions: %w", e.ID, err)
		}
		e.ExpiresAt, e.CreatedAt = fromNullMs(exp), fromMs(created)
		out = append(out, e)
	}
	return out, rows.Err()
}

func (s rules) DeleteException(ctx context.Context, orgID, ruleID, id string) error {
	if err := s.execOne(ctx, `DELETE FROM rule_exceptions WHERE org_id = ? AND rule_id = ? AND id = ?`, orgID, ruleID, id); err != nil {
		return fmt.Errorf("cannot delete rule exception: %w", err)
	}
	return nil
}

func (s rules) AddStats(ctx context.Context, orgID string, st store.RuleStats) error {
	res, err := s.exec(ctx, `UPDATE rule_stats SET matches = matches + ?, alerts = alerts + ?,
		last_match_at = COALESCE(?, last_match_at), eval_ns = eval_ns + ?, eval_samples = eval_samples + ?
		WHERE org_id = ? AND rule_id = ?`,
		st.Matches, st.Alerts, nullMs(st.LastMatchAt), st.EvalNanos, st.EvalSamples, orgID, st.RuleID)
	if err != nil {
		return fmt.Errorf("cannot update rule statistics: %w", err)
	}
	if n, err := res.RowsAffected(); err == nil && n > 0 {
		return nil
	}
	_, err = s.exec(ctx, `INSERT INTO rule_stats (org_id, rule_id, matches, alerts, last_match_at, eval_ns, eval_samples)
		VALUES (?, ?, ?, ?, ?, ?, ?)`,
		orgID, st.RuleID, st.Matches, st.Alerts, nullMs(st.LastMatchAt), st.EvalNanos, st.EvalSamples)
	if err != nil {
		return fmt.Errorf("cannot create rule statistics: %w", err)
	}
	return nil
}

func (s rules) Stats(ctx context.Context, orgID string) ([]store.RuleStats, error) {
	rows, err := s.query(ctx, `SELECT rule_id, matches, alerts, last_match_at, eval_ns, eval_samples FROM rule_stats WHERE org_id = ?`, orgID)
	if err != nil {
		return nil, fmt.Errorf("cannot read rule statistics: %w", err)
	}
	defer rows.Close()
	var out []store.RuleStats
	for rows.Next() {
		var st store.RuleStats
		var last sql.NullInt64
		if err := rows.Scan(&st.RuleID, &st.Matches, &st.Alerts, &last, &st.EvalNanos, &st.EvalSamples); err != nil {
			return nil, fmt.Errorf("cannot read rule statistics: %w", err)
		}
		st.LastMatchAt = fromNullMs(last)
		out = append(out, st)
	}
	return out, rows.Err()
}

func (s rules) Placeholders(ctx context.Context, orgID string) ([]store.Placeholder, error) {
	rows, err := s.query(ctx, `SELECT name, vals, updated_by, updated_at FROM detection_placeholders
		WHERE org_id = ? ORDER BY name`, orgID)
	if err != nil {
		return nil, fmt.Errorf("cannot list placeholders: %w", err)
	}
	defer rows.Close()
	var out []store.Placeholder
	for rows.Next() {
		var p store.Placeholder
		var vals string
		var updated int64
		if err := rows.Scan(&p.Name, &vals, &p.UpdatedBy, &updated); err != nil {
			return nil, fmt.Errorf("cannot read placeholder: %w", err)
		}
		if err := json.Unmarshal([]byte(vals), &p.Values); err != nil {
			return nil, fmt.Errorf("placeholder %s: bad values: %w", p.Name, err)
		}
		p.UpdatedAt = fromMs(updated)
		out = append(out, p)
	}
	return out, rows.Err()
}

func (s rules) SetPlaceholders(ctx context.Context, orgID string, ps []store.Placeholder) error {
	if _, err := s.exec(ctx, `DELETE FROM detection_placeholders WHERE org_id = ?`, orgID); err != nil {
		return fmt.Errorf("cannot replace placeholders: %w", err)
	}
	for _, p := range ps {
		_, err := s.exec(ctx, `INSERT INTO detection_placeholders (org_id, name, vals, updated_by, updated_at) VALUES (?, ?, ?, ?, ?)`,
			orgID, p.Name, strList(p.Values), p.UpdatedBy, ms(p.UpdatedAt))
		if err != nil {
			return fmt.Errorf("cannot store placeholder %s: %w", p.Name, err)
		}
	}
	return nil
}

func nilIfEmpty(v []string) []string {
	if len(v) == 0 {
		return nil
	}
	return v
}

type alerts struct{ repos }

const alertColumns = `id, org_id, rule_id, rule_title, rule_kind, severity, status, title, description,
	tactics, techniques, entities, grp, event_ids, count, dedup_key, assignee, first_seen, last_seen,
	created_at, updated_at, assignee_group, verdict, escalation, incident_id, acknowledged_at, resolved_at,
	deleted_at, deleted_by, rule_document_id, rule_name`

func scanAlert(sc interface{ Scan(...any) error }) (store.Alert, error) {
	var a store.Alert
	var tactics, techniques, entities, grp, eventIDs string
	var first, last, created, updated int64
	var escalation string
	var acked, resolved, deleted sql.NullInt64
	// NULL for alerts stored before documents were recorded (0016).
	var docID, docName sql.NullString
	err := sc.Scan(&a.ID, &a.OrgID, &a.RuleID, &a.RuleTitle, &a.RuleKind, &a.Severity, &a.Status, &a.Title,
		&a.Description, &tactics, &techniques, &entities, &grp, &eventIDs, &a.Count, &a.DedupKey, &a.Assignee,
		&first, &last, &created, &updated, &a.AssigneeGroup, &a.Verdict, &escalation, &a.IncidentID,
		&acked, &resolved, &deleted, &a.DeletedBy, &docID, &docName)
	if err != nil {
		return a, err
	}
	a.RuleDocumentID, a.RuleName = docID.String, docName.String
	a.FirstSeen, a.LastSeen, a.CreatedAt, a.UpdatedAt = fromMs(first), fromMs(last), fromMs(created), fromMs(updated)
	a.AcknowledgedAt, a.ResolvedAt, a.DeletedAt = fromNullMs(acked), fromNullMs(resolved), fromNullMs(deleted)
	if escalation != "" {
		a.Escalation = new(store.Escalation)
		if err := json.Unmarshal([]byte(escalation), a.Escalation); err != nil {
			return a, fmt.Errorf("alert %s: bad stored escalation: %w", a.ID, err)
		}
	}
	for _, f := range []struct {
		text string
		dst  *[]string
	}{{tactics, &a.Tactics}, {techniques, &a.Techniques}, {eventIDs, &a.EventIDs}} {
		if err := decodeStrList(f.text, f.dst); err != nil {
			return a, fmt.Errorf("alert %s: bad stored value: %w", a.ID, err)
		}
	}
	for _, f := range []struct {
		text string
		dst  any
	}{{entities, &a.Entities}, {grp, &a.Group}} {
		if err := json.Unmarshal([]byte(f.text), f.dst); err != nil {
			return a, fmt.Errorf("alert %s: bad stored value: %w", a.ID, err)
		}
	}
	return a, nil
}

func groupText(g map[string]string) string {
	if g == nil {
		g = map[string]string{}
	}
	return jsonText(g)
}

func escalationText(e *store.Escalation) string {
	if e == nil {
		return ""
	}
	return jsonText(e)
}

func (s alerts) Create(ctx context.Context, a store.Alert) error {
	_, err := s.exec(ctx, `INSERT INTO alerts (`+alertColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		a.ID, a.OrgID, a.RuleID, a.RuleTitle, a.RuleKind, a.Severity, a.Status, a.Title, a.Description,
		strList(a.Tactics), strList(a.Techniques), jsonText(a.Entities), groupText(a.Group), strList(a.EventIDs),
		a.Count, a.DedupKey, a.Assignee, ms(a.FirstSeen), ms(a.LastSeen), ms(a.CreatedAt), ms(a.UpdatedAt),
		a.AssigneeGroup, a.Verdict, escalationText(a.Escalation), a.IncidentID, nullMs(a.AcknowledgedAt),
		nullMs(a.ResolvedAt), nullMs(a.DeletedAt), a.DeletedBy, nullStr(a.RuleDocumentID), nullStr(a.RuleName))
	if err != nil {
		return fmt.Errorf("cannot create alert: %w", err)
	}
	return s.indexEntities(ctx, a)
}

func (s alerts) Get(ctx context.Context, orgID, id string) (store.Alert, error) {
	a, err := scanAlert(s.queryRow(ctx, `SELECT `+alertColumns+` FROM alerts WHERE org_id = ? AND id = ?`+s.forUpdate(), orgID, id))
	if err != nil {
		return a, fmt.Errorf("cannot get alert: %w", notFound(err))
	}
	return a, nil
}

func (s alerts) Update(ctx context.Context, a store.Alert) error {
	err := s.execOne(ctx, `UPDATE alerts SET rule_title = ?, severity = ?, status = ?, title = ?, description = ?,
		tactics = ?, techniques = ?, entities = ?, grp = ?, event_ids = ?, count = ?, assignee = ?,
		first_seen = ?, last_seen = ?, updated_at = ?, assignee_group = ?, verdict = ?, escalation = ?,
		incident_id = ?, acknowledged_at = ?, resolved_at = ?, deleted_at = ?, deleted_by = ?
		WHERE org_id = ? AND id = ?`,
		a.RuleTitle, a.Severity, a.Status, a.Title, a.Description, strList(a.Tactics), strList(a.Techniques),
		jsonText(a.Entities), groupText(a.Group), strList(a.EventIDs), a.Count, a.Assignee,
		ms(a.FirstSeen), ms(a.LastSeen), ms(a.UpdatedAt), a.AssigneeGroup, a.Verdict, escalationText(a.Escalation),
		a.IncidentID, nullMs(a.AcknowledgedAt), nullMs(a.ResolvedAt), nullMs(a.DeletedAt), a.DeletedBy, a.OrgID, a.ID)
	if err != nil {
		return fmt.Errorf("cannot update alert: %w", err)
	}
	return s.indexEntities(ctx, a)
}

func (s alerts) Fold(ctx context.Context, a store.Alert, added store.AlertEntities) error {
	err := s.execOne(ctx, `UPDATE alerts SET count = ?, first_seen = ?, last_seen = ?, event_ids = ?, entities = ?, description = ?, updated_at = ?
		WHERE org_id = ? AND id = ?`,
		a.Count, ms(a.FirstSeen), ms(a.LastSeen), strList(a.EventIDs), jsonText(a.Entities), a.Description, ms(a.UpdatedAt), a.OrgID, a.ID)
	if err != nil {
		return fmt.Errorf("cannot fold into alert: %w", err)
	}
	if _, err := s.exec(ctx, `UPDATE alert_entities SET last_seen = ? WHERE org_id = ? AND alert_id = ? AND last_seen < ?`,
		ms(a.LastSeen), a.OrgID, a.ID, ms(a.LastSeen)); err != nil {
		return fmt.Errorf("cannot index alert entities: %w", err)
	}
	added.Processes, added.Files, added.Domains = nil, nil, nil
	return s.indexEntities(ctx, store.Alert{ID: a.ID, OrgID: a.OrgID, LastSeen: a.LastSeen, Entities: added})
}

// inList appends "col IN (?, ?...)" for vals.
func inList(where []string, args []any, col string, vals []string) ([]string, []any) {
	if len(vals) == 0 {
		return where, args
	}
	where = append(where, col+" IN ("+strings.TrimSuffix(strings.Repeat("?, ", len(vals)), ", ")+")")
	for _, v := range vals {
		args = append(args, v)
	}
	return where, args
}

func (s alerts) filter(orgID string, f store.AlertFilter) ([]string, []any) {
	where := []string{"org_id = ?"}
	args := []any{orgID}
	where, args = inList(where, args, "status", f.Statuses)
	where, args = inList(where, args, "severity", f.Severities)
	if f.RuleID != "" {
		where, args = append(where, "rule_id = ?"), append(args, f.RuleID)
	}
	if f.Deleted {
		where = append(where, "deleted_at IS NOT NULL")
	} else {
		where = append(where, "deleted_at IS NULL")
	}
	switch {
	case f.Unassigned:
		where = append(where, "assignee = ''")
	case f.Assignee != "":
		where, args = append(where, "assignee = ?"), append(args, f.Assignee)
	}
	if f.Group != "" {
		where, args = append(where, "assignee_group = ?"), append(args, f.Group)
	}
	where, args = inList(where, args, "verdict", f.Verdicts)
	switch {
	case f.NoIncident:
		where = append(where, "incident_id = ''")
	case f.IncidentID != "":
		where, args = append(where, "incident_id = ?"), append(args, f.IncidentID)
	}
	if f.Query != "" {
		// The title, the rule's title, the ATT&CK techniques (T1110 finds
		// T1110.001) and the entities (a JSON object of lists: the values
		// hosts, users, IPs... are searched in its text, with its key
		// names taken out so that "hosts" or "ip" does not find every
		// alert). A quoted phrase is the phrase.
		q := strings.ToLower(strings.TrimSpace(f.Query))
		if len(q) >= 2 && q[0] == '"' && q[len(q)-1] == '"' {
			q = q[1 : len(q)-1]
		}
		if s.d.Name == "postgres" {
			// strpos, not LIKE '%q%': PostgreSQL estimates how many titles
			// a LIKE pattern matches, underestimates common words, and then
			// scans and sorts the whole table instead of walking the
			// (org, last_seen) index until a page is full. A function call
			// gets the default estimate, which keeps the index walk.
			where = append(where, "(strpos(LOWER(title), ?) > 0 OR strpos(LOWER(rule_title), ?) > 0 OR strpos(LOWER(techniques), ?) > 0 OR strpos("+entityValuesSQL+", ?) > 0)")
			args = append(args, q, q, q, inJSONString(q))
		} else {
			where = append(where, `(LOWER(title) LIKE ? ESCAPE '\' OR LOWER(rule_title) LIKE ? ESCAPE '\' OR LOWER(techniques) LIKE ? ESCAPE '\' OR `+entityValuesSQL+` LIKE ? ESCAPE '\')`)
			args = append(args, "%"+likeEscape(q)+"%", "%"+likeEscape(q)+"%", "%"+likeEscape(q)+"%", "%"+likeEscape(inJSONString(q))+"%")
		}
	}
	timeCol := timeColumn(f.TimeField)
	if !f.From.IsZero() {
		where, args = append(where, timeCol+" >= ?"), append(args, ms(f.From))
	}
	if !f.To.IsZero() {
		where, args = append(where, timeCol+" < ?"), append(args, ms(f.To))
	}
	return where, args
}

// timeColumn is the column of an alert time (store.AlertTime*); the
// default is last_seen.
func timeColumn(t string) string {
	switch t {
	case store.AlertTimeCreated:
		return "created_at"
	case store.AlertTimeFirstSeen:
		return "first_seen"
	}
	return "last_seen"
}

func (s alerts) MatchingIDs(ctx context.Context, orgID string, f store.AlertFilter, limit int) ([]string, error) {
	where, args := s.filter(orgID, f)
	rows, err := s.query(ctx, `SELECT id FROM alerts WHERE `+strings.Join(where, " AND ")+` LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("cannot list alert ids: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("cannot read alert id: %w", err)
		}
		out = append(out, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("cannot list alert ids: %w", err)
	}
	return out, nil
}

func (s alerts) Count(ctx context.Context, orgID string, f store.AlertFilter) (int64, error) {
	where, args := s.filter(orgID, f)
	var n int64
	if err := s.queryRow(ctx, `SELECT COUNT(*) FROM alerts WHERE `+strings.Join(where, " AND "), args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("cannot count alerts: %w", err)
	}
	return n, nil
}

func (s alerts) List(ctx context.Context, orgID string, f store.AlertFilter) ([]store.Alert, int64, error) {
	// The total is counted up to AlertCountCap+1: an exact count of a
	// million-alert queue costs more than the page itself.
	cw, cargs := s.filter(orgID, f)
	var total int64
	if err := s.queryRow(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM alerts WHERE `+strings.Join(cw, " AND ")+` LIMIT ?) c`,
		append(cargs, store.AlertCountCap+1)...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("cannot count alerts: %w", err)
	}
	col := timeColumn(f.Sort)
	// One index range per status (and per severity when both are asked
	// for), each already in (last_seen, id) or (created_at, id) order,
	// merged: no backend can sort an IN list's ranges by the next index
	// column, and a million-row queue must not be sorted.
	type branch struct{ status, severity string }
	var branches []branch
	if col != "first_seen" && (len(f.Statuses) > 1 || len(f.Statuses) == 1 && len(f.Severities) > 1) {
		for _, st := range f.Statuses {
			if len(f.Severities) == 0 {
				branches = append(branches, branch{status: st})
			}
			for _, sv := range f.Severities {
				branches = append(branches, branch{st, sv})
			}
		}
	}
	perStatus := len(branches) > 0
	base := f
	if perStatus {
		base.Statuses = nil
		if len(f.Severities) > 0 {
			base.Severities = nil
		}
	}
	where, args := s.filter(orgID, base)
	if !f.AfterSeen.IsZero() {
		where = append(where, "("+col+" < ? OR ("+col+" = ? AND id < ?))")
		args = append(args, ms(f.AfterSeen), ms(f.AfterSeen), f.AfterID)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 50
	}
	query := `SELECT ` + alertColumns + ` FROM alerts WHERE ` + strings.Join(where, " AND ") + ` ORDER BY ` + col + ` DESC, id DESC LIMIT ?`
	qargs := append(args, limit)
	if perStatus {
		var parts []string
		qargs = nil
		for i, b := range branches {
			cond, bargs := "status = ?", []any{b.status}
			if b.severity != "" {
				cond, bargs = cond+" AND severity = ?", append(bargs, b.severity)
			}
			parts = append(parts, fmt.Sprintf(`SELECT * FROM (SELECT %s FROM alerts WHERE %s AND %s ORDER BY %s DESC, id DESC LIMIT ?) b%d`,
				alertColumns, strings.Join(where, " AND "), cond, col, i))
			qargs = append(append(append(qargs, args...), bargs...), limit)
		}
		query = strings.Join(parts, " UNION ALL ") + ` ORDER BY ` + col + ` DESC, id DESC LIMIT ?`
		qargs = append(qargs, limit)
	}
	rows, err := s.query(ctx, query, qargs...)
	if err != nil {
		return nil, 0, fmt.Errorf("cannot list alerts: %w", err)
	}
	defer rows.Close()
	var out []store.Alert
	for rows.Next() {
		a, err := scanAlert(rows)
		if err != nil {
			return nil, 0, fmt.Errorf("cannot read alert: %w", err)
		}
		out = append(out, a)
	}
	return out, total, rows.Err()
}

func (s alerts) OpenByDedupKey(ctx context.Context, orgID, key string, from, to time.Time) (store.Alert, error) {
	where, args := "", []any{orgID, key}
	if !from.IsZero() {
		where, args = where+" AND last_seen >= ?", append(args, ms(from))
	}
	if !to.IsZero() {
		where, args = where+" AND first_seen <= ?", append(args, ms(to))
	}
	a, err := scanAlert(s.queryRow(ctx, `SELECT `+alertColumns+` FROM alerts
		WHERE org_id = ? AND dedup_key = ? AND status NOT IN ('resolved', 'closed') AND deleted_at IS NULL`+where+`
		ORDER BY last_seen DESC, id DESC LIMIT 1`+s.forUpdate(), args...))
	if err != nil {
		return a, fmt.Errorf("cannot find open alert: %w", notFound(err))
	}
	return a, nil
}

func (s alerts) counts(ctx context.Context, query string, args ...any) ([]store.AlertCount, error) {
	rows, err := s.query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("cannot count alerts: %w", err)
	}
	defer rows.Close()
	var out []store.AlertCount
	for rows.Next() {
		var c store.AlertCount
		if err := rows.Scan(&c.Key, &c.Title, &c.Count); err != nil {
			return nil, fmt.Errorf("cannot read alert counts: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

func (s alerts) Stats(ctx context.Context, orgID string, f store.AlertFilter) (store.AlertStats, error) {
	var st store.AlertStats
	f.AfterSeen, f.AfterID, f.Limit = time.Time{}, "", 0
	where, args := s.filter(orgID, f)
	w := strings.Join(where, " AND ")
	err := s.queryRow(ctx, `SELECT COUNT(*), COALESCE(SUM(CASE WHEN status IN ('resolved', 'closed') THEN 0 ELSE 1 END), 0)
		FROM alerts WHERE `+w, args...).Scan(&st.Total, &st.Open)
	if err != nil {
		return st, fmt.Errorf("cannot count alerts: %w", err)
	}
	if st.BySeverity, err = s.counts(ctx, `SELECT severity, '', COUNT(*) FROM alerts WHERE `+w+` GROUP BY severity ORDER BY 3 DESC, 1`, args...); err != nil {
		return st, err
	}
	if st.ByStatus, err = s.counts(ctx, `SELECT status, '', COUNT(*) FROM alerts WHERE `+w+` GROUP BY status ORDER BY 3 DESC, 1`, args...); err != nil {
		return st, err
	}
	st.TopRules, err = s.counts(ctx, `SELECT rule_id, MAX(rule_title), COUNT(*) FROM alerts WHERE `+w+` GROUP BY rule_id ORDER BY 3 DESC, 1 LIMIT 10`, args...)
	return st, err
}

type checkpoints struct{ repos }

func (s checkpoints) Get(ctx context.Context, name string) (int64, error) {
	var seq int64
	err := s.queryRow(ctx, `SELECT seq FROM checkpoints WHERE name = ?`, name).Scan(&seq)
	if err == sql.ErrNoRows {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("cannot read checkpoint %s: %w", name, err)
	}
	return seq, nil
}

func (s checkpoints) Set(ctx context.Context, name string, seq int64, at time.Time) error {
	res, err := s.exec(ctx, `UPDATE checkpoints SET seq = ?, updated_at = ? WHERE name = ?`, seq, ms(at), name)
	if err != nil {
		return fmt.Errorf("cannot write checkpoint %s: %w", name, err)
	}
	if n, err := res.RowsAffected(); err == nil && n > 0 {
		return nil
	}
	if _, err := s.exec(ctx, `INSERT INTO checkpoints (name, seq, updated_at) VALUES (?, ?, ?)`, name, seq, ms(at)); err != nil {
		return fmt.Errorf("cannot write checkpoint %s: %w", name, err)
	}
	return nil
}

// inJSONString is s as it stands inside a JSON string (the entities
// column holds JSON): a Windows user CORP\alice is stored as CORP\\alice.
// entityValuesSQL is an alert's entities JSON, lowered, without its key
// names: what the queue's search looks in. The keys are store.AlertEntities'
// JSON names; a value that happens to equal one stays, since its key is
// removed only with the quote and colon that follow a key.
var entityValuesSQL = func() string {
	expr := "LOWER(entities)"
	for _, k := range []string{"hosts", "users", "ips", "processes", "files", "domains", "user_domains"} {
		expr = "REPLACE(" + expr + `, '"` + k + `":', '')`
	}
	return expr
}()

func inJSONString(s string) string {
	b, _ := json.Marshal(s)
	return string(b[1 : len(b)-1])
}
