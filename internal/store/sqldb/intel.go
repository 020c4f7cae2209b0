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

type intelRepo struct{ repos }

const indicatorColumns = `id, org_id, type, value, confidence, severity, source, feed_id, tags, description, exact_only,
	first_seen, last_seen, expires_at, created_by, created_at, updated_at, feed_seen_at, sightings, last_sighting_at,
	retro_status, retro_hits, retro_at`

func scanIndicator(sc interface{ Scan(...any) error }) (store.Indicator, error) {
	var in store.Indicator
	var tags string
	var first, last, created, updated int64
	var expires, feedSeen, lastSighting, retroAt sql.NullInt64
	err := sc.Scan(&in.ID, &in.OrgID, &in.Type, &in.Value, &in.Confidence, &in.Severity, &in.Source, &in.FeedID, &tags,
		&in.Description, &in.ExactOnly, &first, &last, &expires, &in.CreatedBy, &created, &updated, &feedSeen,
		&in.Sightings, &lastSighting, &in.RetroStatus, &in.RetroHits, &retroAt)
	if err != nil {
		return in, err
	}
	if err := json.Unmarshal([]byte(tags), &in.Tags); err != nil {
		return in, fmt.Errorf("cannot decode indicator tags: %w", err)
	}
	in.FirstSeen, in.LastSeen, in.CreatedAt, in.UpdatedAt = fromMs(first), fromMs(last), fromMs(created), fromMs(updated)
	in.ExpiresAt, in.FeedSeenAt, in.LastSightingAt, in.RetroAt = fromNullMs(expires), fromNullMs(feedSeen), fromNullMs(lastSighting), fromNullMs(retroAt)
	return in, nil
}

func (s intelRepo) CreateIndicator(ctx context.Context, in store.Indicator) error {
	_, err := s.exec(ctx, `INSERT INTO intel_indicators (`+indicatorColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		in.ID, in.OrgID, in.Type, in.Value, in.Confidence, in.Severity, in.Source, in.FeedID, strList(in.Tags), in.Description,
		in.ExactOnly, ms(in.FirstSeen), ms(in.LastSeen), nullMs(in.ExpiresAt), in.CreatedBy, ms(in.CreatedAt), ms(in.UpdatedAt),
		nullMs(in.FeedSeenAt), in.Sightings, nullMs(in.LastSightingAt), in.RetroStatus, in.RetroHits, nullMs(in.RetroAt))
	if err != nil {
		return fmt.Errorf("cannot create indicator: %w", err)
	}
	return nil
}

func (s intelRepo) GetIndicator(ctx context.Context, orgID, id string) (store.Indicator, error) {
	in, err := scanIndicator(s.queryRow(ctx, `SELECT `+indicatorColumns+` FROM intel_indicators WHERE org_id = ? AND id = ?`, orgID, id))
	if err != nil {
		return in, fmt.Errorf("cannot get indicator: %w", notFound(err))
	}
	return in, nil
}

func (s intelRepo) FindIndicator(ctx context.Context, orgID, source, typ, value string) (store.Indicator, error) {
	in, err := scanIndicator(s.queryRow(ctx, `SELECT `+indicatorColumns+` FROM intel_indicators
		WHERE org_id = ? AND source = ? AND type = ? AND value = ?`, orgID, source, typ, value))
	if err != nil {
		return in, fmt.Errorf("cannot find indicator: %w", notFound(err))
	}
	return in, nil
}

func (s intelRepo) ListIndicators(ctx context.Context, orgID string, f store.IndicatorFilter) ([]store.Indicator, int, error) {
	where := []string{"org_id = ?"}
	args := []any{orgID}
	eq := func(col, v string) {
		if v != "" {
			where = append(where, col+" = ?")
			args = append(args, v)
		}
	}
	eq("type", f.Type)
	eq("source", f.Source)
	eq("feed_id", f.FeedID)
	eq("severity", f.Severity)
	if f.Tag != "" {
		// Tags are a JSON list; the quoted tag is a whole element.
		where = append(where, `tags LIKE ? ESCAPE '\'`)
		args = append(args, "%"+likeEscape(jsonText(f.Tag))+"%")
	}
	if f.Query != "" {
		q := "%" + likeEscape(strings.ToLower(f.Query)) + "%"
		where = append(where, `(LOWER(value) LIKE ? ESCAPE '\' OR LOWER(description) LIKE ? ESCAPE '\')`)
		args = append(args, q, q)
	}
	if f.Active != nil {
		if *f.Active {
			where = append(where, "(expires_at IS NULL OR expires_at > ?)")
		} else {
			where = append(where, "expires_at IS NOT NULL AND expires_at <= ?")
		}
		args = append(args, ms(f.Now))
	}
	cond := strings.Join(where, " AND ")
	var total int
	if err := s.queryRow(ctx, `SELECT COUNT(*) FROM intel_indicators WHERE `+cond, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("cannot count indicators: %w", err)
	}
	order := "updated_at DESC, id DESC"
	switch f.Sort {
	case "value":
		order = "value, id"
	case "sightings":
		order = "sightings DESC, id DESC"
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 50
	}
	rows, err := s.query(ctx, `SELECT `+indicatorColumns+` FROM intel_indicators WHERE `+cond+` ORDER BY `+order+` LIMIT ? OFFSET ?`,
		append(args, limit, max(f.Offset, 0))...)
	if err != nil {
		return nil, 0, fmt.Errorf("cannot list indicators: %w", err)
	}
	defer rows.Close()
	var out []store.Indicator
	for rows.Next() {
		in, err := scanIndicator(rows)
		if err != nil {
			return nil, 0, fmt.Errorf("cannot read indicator: %w", err)
		}
		out = append(out, in)
	}
	return out, total, rows.Err()
}

func (s intelRepo) UpdateIndicator(ctx context.Context, in store.Indicator) error {
	err := s.execOne(ctx, `UPDATE intel_indicators SET type = ?, value = ?, confidence = ?, severity = ?, source = ?, feed_id = ?,
		tags = ?, description = ?, exact_only = ?, first_seen = ?, last_seen = ?, expires_at = ?, updated_at = ?, feed_seen_at = ?,
		retro_status = ?, retro_hits = ?, retro_at = ?
		WHERE org_id = ? AND id = ?`,
		in.Type, in.Value, in.Confidence, in.Severity, in.Source, in.FeedID, strList(in.Tags), in.Description, in.ExactOnly,
		ms(in.FirstSeen), ms(in.LastSeen), nullMs(in.ExpiresAt), ms(in.UpdatedAt), nullMs(in.FeedSeenAt),
		in.RetroStatus, in.RetroHits, nullMs(in.RetroAt), in.OrgID, in.ID)
	if err != nil {
		return fmt.Errorf("cannot update indicator: %w", err)
	}
	return nil
}

func (s intelRepo) DeleteIndicators(ctx context.Context, orgID string, ids []string) (int, error) {
	n := 0
	// In chunks: both backends bound the parameters of one statement.
	for len(ids) > 0 {
		chunk := ids[:min(len(ids), 500)]
		ids = ids[len(chunk):]
		ph := strings.TrimSuffix(strings.Repeat("?, ", len(chunk)), ", ")
		args := []any{orgID}
		for _, id := range chunk {
			args = append(args, id)
		}
		if _, err := s.exec(ctx, `DELETE FROM intel_sightings WHERE org_id = ? AND indicator_id IN (`+ph+`)`, args...); err != nil {
			return n, fmt.Errorf("cannot delete sightings: %w", err)
		}
		res, err := s.exec(ctx, `DELETE FROM intel_indicators WHERE org_id = ? AND id IN (`+ph+`)`, args...)
		if err != nil {
			return n, fmt.Errorf("cannot delete indicators: %w", err)
		}
		c, err := res.RowsAffected()
		if err != nil {
			return n, fmt.Errorf("cannot delete indicators: %w", err)
		}
		n += int(c)
	}
	return n, nil
}

func (s intelRepo) EachIndicator(ctx context.Context, now time.Time, fn func(store.Indicator) error) error {
	rows, err := s.query(ctx, `SELECT `+indicatorColumns+` FROM intel_indicators WHERE expires_at IS NULL OR expires_at > ?`, ms(now))
	if err != nil {
		return fmt.Errorf("cannot read indicators: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		in, err := scanIndicator(rows)
		if err != nil {
			return fmt.Errorf("cannot read indicator: %w", err)
		}
		if err := fn(in); err != nil {
			return err
		}
	}
	return rows.Err()
}

func (s intelRepo) CountIndicators(ctx context.Context, orgID string, now time.Time) (map[string]int64, error) {
	rows, err := s.query(ctx, `SELECT type, COUNT(*) FROM intel_indicators WHERE org_id = ? AND (expires_at IS NULL OR expires_at > ?)
		GROUP BY type`, orgID, ms(now))
	if err != nil {
		return nil, fmt.Errorf("cannot count indicators: %w", err)
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var t string
		var n int64
		if err := rows.Scan(&t, &n); err != nil {
			return nil, fmt.Errorf("cannot count indicators: %w", err)
		}
		out[t] = n
	}
	return out, rows.Err()
}

func (s intelRepo) ExpireFeedIndicators(ctx context.Context, orgID, feedID string, seenBefore, now time.Time) ([]string, error) {
	cond := `org_id = ? AND feed_id = ? AND (feed_seen_at IS NULL OR feed_seen_at < ?) AND (expires_at IS NULL OR expires_at > ?)`
	rows, err := s.query(ctx, `SELECT id FROM intel_indicators WHERE `+cond, orgID, feedID, ms(seenBefore), ms(now))
	if err != nil {
		return nil, fmt.Errorf("cannot find expired feed indicators: %w", err)
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, fmt.Errorf("cannot find expired feed indicators: %w", err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("cannot find expired feed indicators: %w", err)
	}
	if len(ids) == 0 {
		return nil, nil
	}
	if _, err := s.exec(ctx, `UPDATE intel_indicators SET expires_at = ?, updated_at = ? WHERE `+cond,
		ms(now), ms(now), orgID, feedID, ms(seenBefore), ms(now)); err != nil {
		return nil, fmt.Errorf("cannot expire feed indicators: %w", err)
	}
	return ids, nil
}

func (s intelRepo) SetRetro(ctx context.Context, orgID, id, status string, hits int64, at time.Time) error {
	if err := s.execOne(ctx, `UPDATE intel_indicators SET retro_status = ?, retro_hits = ?, retro_at = ? WHERE org_id = ? AND id = ?`,
		status, hits, ms(at), orgID, id); err != nil {
		return fmt.Errorf("cannot record retro-hunt: %w", err)
	}
	return nil
}

func (s intelRepo) AddSightings(ctx context.Context, ss []store.Sighting) (int, error) {
	type agg struct {
		org  string
		n    int64
		last int64
	}
	per := map[string]*agg{}
	added := 0
	for _, x := range ss {
		// The indicator may have been deleted since the event matched:
		// the row is then skipped, not an error that fails the batch.
		res, err := s.exec(ctx, `INSERT INTO intel_sightings (id, org_id, indicator_id, event_id, event_time, field, value, match_type,
			origin, seen_at, indicator_type, indicator_value)
			SELECT CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS BIGINT), CAST(? AS TEXT),
				CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS BIGINT), CAST(? AS TEXT), CAST(? AS TEXT)
			WHERE EXISTS (SELECT 1 FROM intel_indicators WHERE org_id = ? AND id = ?)
			ON CONFLICT (indicator_id, event_id) DO NOTHING`,
			x.ID, x.OrgID, x.IndicatorID, x.EventID, ms(x.EventTime), x.Field, x.Value, x.MatchType, x.Origin, ms(x.SeenAt),
			x.IndicatorType, x.IndicatorValue, x.OrgID, x.IndicatorID)
		if err != nil {
			return added, fmt.Errorf("cannot add sighting: %w", err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return added, fmt.Errorf("cannot add sighting: %w", err)
		}
		if n == 0 {
			continue
		}
		added++
		a := per[x.IndicatorID]
		if a == nil {
			a = &agg{org: x.OrgID}
			per[x.IndicatorID] = a
		}
		a.n++
		a.last = max(a.last, ms(x.EventTime))
	}
	for id, a := range per {
		if _, err := s.exec(ctx, `UPDATE intel_indicators SET sightings = sightings + ?,
			last_sighting_at = CASE WHEN last_sighting_at IS NULL OR last_sighting_at < ? THEN ? ELSE last_sighting_at END
			WHERE org_id = ? AND id = ?`, a.n, a.last, a.last, a.org, id); err != nil {
			return added, fmt.Errorf("cannot count sightings: %w", err)
		}
	}
	return added, nil
}

const sightingColumns = `id, org_id, indicator_id, event_id, event_time, field, value, match_type, origin, seen_at, indicator_type, indicator_value`

func (s intelRepo) ListSightings(ctx context.Context, orgID string, f store.SightingFilter) ([]store.Sighting, int, error) {
	where := []string{"org_id = ?"}
	args := []any{orgID}
	if f.IndicatorID != "" {
		where, args = append(where, "indicator_id = ?"), append(args, f.IndicatorID)
	}
	if f.Origin != "" {
		where, args = append(where, "origin = ?"), append(args, f.Origin)
	}
	if !f.Since.IsZero() {
		where, args = append(where, "seen_at >= ?"), append(args, ms(f.Since))
	}
	cond := strings.Join(where, " AND ")
	var total int
	if err := s.queryRow(ctx, `SELECT COUNT(*) FROM intel_sightings WHERE `+cond, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("cannot count sightings: %w", err)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 50
	}
	rows, err := s.query(ctx, `SELECT `+sightingColumns+` FROM intel_sightings WHERE `+cond+
		` ORDER BY seen_at DESC, event_time DESC, id DESC LIMIT ? OFFSET ?`, append(args, limit, max(f.Offset, 0))...)
	if err != nil {
		return nil, 0, fmt.Errorf("cannot list sightings: %w", err)
	}
	defer rows.Close()
	var out []store.Sighting
	for rows.Next() {
		var x store.Sighting
		var et, seen int64
		if err := rows.Scan(&x.ID, &x.OrgID, &x.IndicatorID, &x.EventID, &et, &x.Field, &x.Value, &x.MatchType, &x.Origin, &seen,
			&x.IndicatorType, &x.IndicatorValue); err != nil {
			return nil, 0, fmt.Errorf("cannot read sighting: %w", err)
		}
		x.EventTime, x.SeenAt = fromMs(et), fromMs(seen)
		out = append(out, x)
	}
	return out, total, rows.Err()
}

const feedColumns = `id, org_id, name, url, format, interval_seconds, enabled, confidence, severity, tags, etag, last_modified,
	last_run_at, last_success_at, last_error, last_count, failures, next_run_at, created_by, created_at, updated_at`

func scanFeed(sc interface{ Scan(...any) error }) (store.Feed, error) {
	var f store.Feed
	var tags string
	var next, created, updated int64
	var lastRun, lastOK sql.NullInt64
	err := sc.Scan(&f.ID, &f.OrgID, &f.Name, &f.URL, &f.Format, &f.IntervalSeconds, &f.Enabled, &f.Confidence, &f.Severity, &tags,
		&f.ETag, &f.LastModified, &lastRun, &lastOK, &f.LastError, &f.LastCount, &f.Failures, &next, &f.CreatedBy, &created, &updated)
	if err != nil {
		return f, err
	}
	if err := json.Unmarshal([]byte(tags), &f.Tags); err != nil {
		return f, fmt.Errorf("cannot decode feed tags: %w", err)
	}
	f.LastRunAt, f.LastSuccessAt = fromNullMs(lastRun), fromNullMs(lastOK)
	f.NextRunAt, f.CreatedAt, f.UpdatedAt = fromMs(next), fromMs(created), fromMs(updated)
	return f, nil
}

func (s intelRepo) CreateFeed(ctx context.Context, f store.Feed) error {
	_, err := s.exec(ctx, `INSERT INTO intel_feeds (`+feedColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		f.ID, f.OrgID, f.Name, f.URL, f.Format, f.IntervalSeconds, f.Enabled, f.Confidence, f.Severity, strList(f.Tags), f.ETag,
		f.LastModified, nullMs(f.LastRunAt), nullMs(f.LastSuccessAt), f.LastError, f.LastCount, f.Failures, ms(f.NextRunAt),
		f.CreatedBy, ms(f.CreatedAt), ms(f.UpdatedAt))
	if err != nil {
		return fmt.Errorf("cannot create feed: %w", err)
	}
	return nil
}

func (s intelRepo) GetFeed(ctx context.Context, orgID, id string) (store.Feed, error) {
	f, err := scanFeed(s.queryRow(ctx, `SELECT `+feedColumns+` FROM intel_feeds WHERE org_id = ? AND id = ?`, orgID, id))
	if err != nil {
		return f, fmt.Errorf("cannot get feed: %w", notFound(err))
	}
	return f, nil
}

func (s intelRepo) listFeeds(ctx context.Context, query string, args ...any) ([]store.Feed, error) {
	rows, err := s.query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("cannot list feeds: %w", err)
	}
	defer rows.Close()
	var out []store.Feed
	for rows.Next() {
		f, err := scanFeed(rows)
		if err != nil {
			return nil, fmt.Errorf("cannot read feed: %w", err)
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

func (s intelRepo) ListFeeds(ctx context.Context, orgID string) ([]store.Feed, error) {
	return s.listFeeds(ctx, `SELECT `+feedColumns+` FROM intel_feeds WHERE org_id = ? ORDER BY name, id`, orgID)
}

func (s intelRepo) DueFeeds(ctx context.Context, now time.Time) ([]store.Feed, error) {
	return s.listFeeds(ctx, `SELECT `+feedColumns+` FROM intel_feeds WHERE enabled = ? AND next_run_at <= ? ORDER BY next_run_at, id`,
		true, ms(now))
}

func (s intelRepo) UpdateFeed(ctx context.Context, f store.Feed) error {
	err := s.execOne(ctx, `UPDATE intel_feeds SET name = ?, url = ?, format = ?, interval_seconds = ?, enabled = ?, confidence = ?,
		severity = ?, tags = ?, etag = ?, last_modified = ?, last_run_at = ?, last_success_at = ?, last_error = ?, last_count = ?,
		failures = ?, next_run_at = ?, updated_at = ? WHERE org_id = ? AND id = ?`,
		f.Name, f.URL, f.Format, f.IntervalSeconds, f.Enabled, f.Confidence, f.Severity, strList(f.Tags), f.ETag, f.LastModified,
		nullMs(f.LastRunAt), nullMs(f.LastSuccessAt), f.LastError, f.LastCount, f.Failures, ms(f.NextRunAt), ms(f.UpdatedAt),
		f.OrgID, f.ID)
	if err != nil {
		return fmt.Errorf("cannot update feed: %w", err)
	}
	return nil
}

func (s intelRepo) DeleteFeed(ctx context.Context, orgID, id string) error {
	if err := s.execOne(ctx, `DELETE FROM intel_feeds WHERE org_id = ? AND id = ?`, orgID, id); err != nil {
		return fmt.Errorf("cannot delete feed: %w", err)
	}
	return nil
}
