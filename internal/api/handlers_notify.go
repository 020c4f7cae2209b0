package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/eventsec/eventsec/internal/auth"
	"github.com/eventsec/eventsec/internal/notify"
	"github.com/eventsec/eventsec/internal/store"
)

var errNoNotify = &HTTPError{Status: http.StatusServiceUnavailable, Code: "unavailable", Msg: "notifications are not running on this server"}

func (s *Server) notifyRoutes() []route {
	const tag = "Notifications"
	return []route{
		{Method: "GET", Path: "/api/v1/notifications/channels", Perm: auth.PermNotifyRead, Tag: tag, Summary: "Notification channels (secrets blanked)",
			Response: "ChannelList", Status: 200, Handle: s.listChannels},
		{Method: "POST", Path: "/api/v1/notifications/channels", Perm: auth.PermNotifyWrite, Tag: tag, Summary: "Create a channel: e-mail (SMTP), Slack, Teams, PagerDuty or webhook",
			Request: "Channel", Response: "Channel", Status: 201, Handle: s.createChannel},
		{Method: "GET", Path: "/api/v1/notifications/channels/{id}", Perm: auth.PermNotifyRead, Tag: tag, Summary: "Get a channel (secrets blanked)",
			Response: "Channel", Status: 200, Handle: s.getChannel},
		{Method: "PATCH", Path: "/api/v1/notifications/channels/{id}", Perm: auth.PermNotifyWrite, Tag: tag, Summary: "Replace a channel; secrets sent blank are kept",
			Request: "Channel", Response: "Channel", Status: 200, Handle: s.updateChannel},
		{Method: "DELETE", Path: "/api/v1/notifications/channels/{id}", Perm: auth.PermNotifyWrite, Tag: tag, Summary: "Delete a channel",
			Status: 204, Handle: s.deleteChannel},
		{Method: "POST", Path: "/api/v1/notifications/channels/{id}/test", Perm: auth.PermNotifyWrite, Tag: tag, Summary: "Send a test message now and report the endpoint's answer",
			Response: "ChannelTest", Status: 200, Handle: s.testChannel},
		{Method: "GET", Path: "/api/v1/notifications/deliveries", Perm: auth.PermNotifyRead, Tag: tag, Summary: "The delivery log, newest first",
			Response: "DeliveryList", Status: 200, Handle: s.listDeliveries, Query: []queryParam{{"channel", "string", "channel id"},
				{"status", "string", "pending, sent or failed"}, {"limit", "integer", "1 to 500, default 100"}, {"cursor", "string", "next_cursor of the previous page"}}},
		{Method: "POST", Path: "/api/v1/notifications/deliveries/{id}/retry", Perm: auth.PermNotifyWrite, Tag: tag, Summary: "Retry a failed delivery now",
			Status: 204, Handle: s.retryDelivery},
	}
}

func (s *Server) notifier() (*notify.Dispatcher, error) {
	if s.o.Notify == nil {
		return nil, errNoNotify
	}
	return s.o.Notify, nil
}

// notifyErr maps the notify package's field errors.
func notifyErr(err error) error {
	var fe *notify.FieldError
	if errors.As(err, &fe) {
		return badRequest("validation_failed", fe.Field, "%s", fe.Error())
	}
	return err
}

func (s *Server) auditNotify(r *http.Request, c *call, rp store.Repos, action, id, summary string) error {
	_, err := rp.Audit().Append(r.Context(), store.AuditEntry{OrgID: c.principal.OrgID, Time: s.o.Now(), ActorID: c.principal.UserID,
		ActorEmail: c.principal.Email, Action: "notify_channel." + action, TargetType: "notify_channel", TargetID: id, Summary: summary,
		ClientIP: c.meta.IP, RequestID: c.meta.RequestID})
	return err
}

func (s *Server) listChannels(w http.ResponseWriter, r *http.Request, c *call) error {
	list, err := s.o.Store.Notify().List(r.Context(), c.principal.OrgID)
	if err != nil {
		return err
	}
	out := make([]notify.Channel, 0, len(list))
	for _, sc := range list {
		ch, err := notify.FromStore(sc)
		if err != nil {
			return err
		}
		out = append(out, ch.Redacted())
	}
	writeJSON(w, http.StatusOK, map[string]any{"channels": out})
	return nil
}

func decodeChannel(w http.ResponseWriter, r *http.Request) (notify.Channel, error) {
	var ch notify.Channel
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 64<<10))
	if err != nil {
		return ch, &HTTPError{Status: http.StatusRequestEntityTooLarge, Code: "too_large", Msg: "a channel is at most 64 KiB of JSON"}
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return ch, badRequest("validation_failed", "", "send the channel as a JSON object")
	}
	if err := json.Unmarshal(body, &ch); err != nil {
		var fe *notify.FieldError
		if errors.As(err, &fe) {
			return ch, notifyErr(err)
		}
		return ch, badRequest("invalid_json", "", "%v", err)
	}
	return ch, nil
}

func (s *Server) createChannel(w http.ResponseWriter, r *http.Request, c *call) error {
	ch, err := decodeChannel(w, r)
	if err != nil {
		return err
	}
	now := s.o.Now().UTC()
	ch.ID, ch.OrgID, ch.CreatedBy, ch.CreatedAt, ch.UpdatedAt = uuid.NewString(), c.principal.OrgID, c.principal.UserID, now, now
	if err := ch.Validate(); err != nil {
		return notifyErr(err)
	}
	sc, err := ch.ToStore()
	if err != nil {
		return notifyErr(err)
	}
	err = s.o.Store.Tx(r.Context(), func(rp store.Repos) error {
		if err := rp.Notify().Create(r.Context(), sc); err != nil {
			if errors.Is(err, store.ErrConflict) {
				return &HTTPError{Status: http.StatusConflict, Code: "conflict", Field: "name", Msg: "a channel with this name exists"}
			}
			return err
		}
		return s.auditNotify(r, c, rp, "create", ch.ID, "channel "+ch.Name+" ("+string(ch.Kind)+") created")
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, ch.Redacted())
	return nil
}

func (s *Server) getChannel(w http.ResponseWriter, r *http.Request, c *call) error {
	sc, err := s.o.Store.Notify().Get(r.Context(), c.principal.OrgID, r.PathValue("id"))
	if err != nil {
		return err
	}
	ch, err := notify.FromStore(sc)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, ch.Redacted())
	return nil
}

func (s *Server) updateChannel(w http.ResponseWriter, r *http.Request, c *call) error {
	sc, err := s.o.Store.Notify().Get(r.Context(), c.principal.OrgID, r.PathValue("id"))
	if err != nil {
		return err
	}
	prev, err := notify.FromStore(sc)
	if err != nil {
		return err
	}
	ch, err := decodeChannel(w, r)
	if err != nil {
		return err
	}
	ch = ch.KeepSecrets(prev)
	ch.ID, ch.OrgID, ch.CreatedBy, ch.CreatedAt, ch.UpdatedAt = prev.ID, prev.OrgID, prev.CreatedBy, prev.CreatedAt, s.o.Now().UTC()
	if err := ch.Validate(); err != nil {
		return notifyErr(err)
	}
	next, err := ch.ToStore()
	if err != nil {
		return notifyErr(err)
	}
	err = s.o.Store.Tx(r.Context(), func(rp store.Repos) error {
		if err := rp.Notify().Update(r.Context(), next); err != nil {
			if errors.Is(err, store.ErrConflict) {
				return &HTTPError{Status: http.StatusConflict, Code: "conflict", Field: "name", Msg: "a channel with this name exists"}
			}
			return err
		}
		return s.auditNotify(r, c, rp, "update", ch.ID, "channel "+ch.Name+" changed")
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, ch.Redacted())
	return nil
}

func (s *Server) deleteChannel(w http.ResponseWriter, r *http.Request, c *call) error {
	err := s.o.Store.Tx(r.Context(), func(rp store.Repos) error {
		sc, err := rp.Notify().Get(r.Context(), c.principal.OrgID, r.PathValue("id"))
		if err != nil {
			return err
		}
		if err := rp.Notify().Delete(r.Context(), c.principal.OrgID, sc.ID); err != nil {
			return err
		}
		return s.auditNotify(r, c, rp, "delete", sc.ID, "channel "+sc.Name+" deleted")
	})
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) testChannel(w http.ResponseWriter, r *http.Request, c *call) error {
	d, err := s.notifier()
	if err != nil {
		return err
	}
	sc, err := s.o.Store.Notify().Get(r.Context(), c.principal.OrgID, r.PathValue("id"))
	if err != nil {
		return err
	}
	ch, err := notify.FromStore(sc)
	if err != nil {
		return err
	}
	res, sendErr := d.Test(r.Context(), ch)
	out := map[string]any{"ok": sendErr == nil, "status": res.Code, "detail": res.Detail, "duration_ms": res.Duration.Milliseconds()}
	if sendErr != nil {
		out["error"] = sendErr.Error()
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) listDeliveries(w http.ResponseWriter, r *http.Request, c *call) error {
	q := r.URL.Query()
	f := store.DeliveryFilter{ChannelID: q.Get("channel"), Status: q.Get("status")}
	switch f.Status {
	case "", store.DeliveryPending, store.DeliverySent, store.DeliveryFailed:
	default:
		return badRequest("validation_failed", "status", "status must be pending, sent or failed")
	}
	var err error
	if f.Limit, err = queryInt(q, "limit", 100, 1, 500); err != nil {
		return err
	}
	if cur := q.Get("cursor"); cur != "" {
		var ok bool
		if f.BeforeCreated, f.BeforeID, ok = parseAlertCursor(cur); !ok {
			return badRequest("validation_failed", "cursor", "cursor must be the next_cursor of a previous page")
		}
	}
	ds, err := s.o.Store.Notify().Deliveries(r.Context(), c.principal.OrgID, f)
	if err != nil {
		return err
	}
	type view struct {
		ID            string     `json:"id"`
		ChannelID     string     `json:"channel_id"`
		ChannelName   string     `json:"channel_name"`
		Kind          string     `json:"kind"`
		Event         string     `json:"event"`
		Title         string     `json:"title"`
		Severity      string     `json:"severity"`
		RefID         string     `json:"ref_id"`
		Status        string     `json:"status"`
		Attempts      int        `json:"attempts"`
		LastError     string     `json:"last_error"`
		ResponseCode  int        `json:"response_code"`
		NextAttemptAt *time.Time `json:"next_attempt_at"`
		CreatedAt     time.Time  `json:"created_at"`
		SentAt        *time.Time `json:"sent_at"`
	}
	out := make([]view, 0, len(ds))
	for _, d := range ds {
		d = notify.RedactDelivery(d)
		v := view{ID: d.ID, ChannelID: d.ChannelID, ChannelName: d.ChannelName, Kind: d.Kind, Event: d.Event, Title: d.Title, Severity: d.Severity,
			RefID: d.RefID, Status: d.Status, Attempts: d.Attempts, LastError: d.LastError, ResponseCode: d.ResponseCode, CreatedAt: d.CreatedAt, SentAt: d.SentAt}
		if d.Status == store.DeliveryPending {
			t := d.NextAttemptAt
			v.NextAttemptAt = &t
		}
		out = append(out, v)
	}
	next := ""
	if len(ds) == f.Limit {
		last := ds[len(ds)-1]
		next = strconv.FormatInt(last.CreatedAt.UnixMilli(), 10) + "_" + last.ID
	}
	writeJSON(w, http.StatusOK, map[string]any{"deliveries": out, "next_cursor": next})
	return nil
}

func (s *Server) retryDelivery(w http.ResponseWriter, r *http.Request, c *call) error {
	d, err := s.notifier()
	if err != nil {
		return err
	}
	if err := d.Retry(r.Context(), c.principal.OrgID, r.PathValue("id")); err != nil {
		if errors.Is(err, notify.ErrNotRetryable) {
			return &HTTPError{Status: http.StatusConflict, Code: "not_retryable", Msg: "only a failed delivery can be retried"}
		}
		return notifyErr(err)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func notifySchemas() map[string]schema {
	tKind := schema{"type": "string", "enum": []string{"email", "slack", "teams", "pagerduty", "webhook"}}
	return map[string]schema{
		"Channel": obj([]string{"name", "kind", "config"}, map[string]any{"id": tStr, "org_id": tStr, "name": strMax(200), "kind": tKind,
			"enabled": tBool, "min_severity": tStr, "events": arr(tStr), "groups": arr(tStr), "created_by": tStr, "created_at": tTime, "updated_at": tTime,
			"config": schema{"type": "object", "description": "email: host, port, username, password, from, to[], security (starttls|tls|none), skip_verify; " +
				"slack/teams: webhook_url; pagerduty: routing_key, url; webhook: url, secret, headers. Secrets come back blank; send them blank to keep them."}}),
		"ChannelList": obj([]string{"channels"}, map[string]any{"channels": arr(ref("Channel"))}),
		"ChannelTest": obj(nil, map[string]any{"ok": tBool, "status": tInt, "detail": tStr, "duration_ms": tInt, "error": tStr}),
		"DeliveryList": obj([]string{"deliveries", "next_cursor"}, map[string]any{"deliveries": arr(obj(nil, map[string]any{"id": tStr,
			"channel_id": tStr, "channel_name": tStr, "kind": tStr, "event": tStr, "title": tStr, "severity": tStr, "ref_id": tStr,
			"status": schema{"type": "string", "enum": []string{"pending", "sent", "failed"}}, "attempts": tInt, "last_error": tStr,
			"response_code": tInt, "next_attempt_at": tTimeNull, "created_at": tTime, "sent_at": tTimeNull})), "next_cursor": tStr}),
	}
}
