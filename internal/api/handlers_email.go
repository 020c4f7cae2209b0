package api

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/eventsec/eventsec/internal/auth"
	"github.com/eventsec/eventsec/internal/email"
	"github.com/eventsec/eventsec/internal/store"
)

var errNoEmail = &HTTPError{Status: http.StatusServiceUnavailable, Code: "unavailable", Msg: "e-mail analysis is not running on this server"}

// emailRoutes are the e-mail analysis routes: upload and reports, the
// quarantine, and the polled mailboxes.
func (s *Server) emailRoutes() []route {
	const tag = "E-mail analysis"
	page := []queryParam{{"limit", "integer", "1 to 500, default 50"}, {"offset", "integer", "default 0"}}
	return []route{
		{Method: "POST", Path: "/api/v1/email/analyze", Perm: auth.PermIncidentsWrite, Tag: tag,
			Summary: "Analyse an .eml (multipart field file, or the raw message as a message/rfc822 body); the report is stored and suspicious messages quarantined",
			Body:    "Upload", Response: "EmailAnalysis", Status: 201, Handle: s.analyzeEmail},
		{Method: "GET", Path: "/api/v1/email/reports", Perm: auth.PermIncidentsRead, Tag: tag, Summary: "Analysed messages, newest first",
			Response: "EmailReportList", Status: 200, Handle: s.listEmailReports, Query: append([]queryParam{
				{"verdict", "string", "clean, suspicious, phishing or malicious"}, {"mailbox_id", "string", "messages polled from one mailbox"},
				{"q", "string", "substring of the subject or sender"}}, page...)},
		{Method: "GET", Path: "/api/v1/email/reports/{id}", Perm: auth.PermIncidentsRead, Tag: tag,
			Summary:  "A message's report: verdict, score and reasons, headers, Received chain, authentication, links and attachments",
			Response: "EmailAnalysis", Status: 200, Handle: s.getEmailReport},
		{Method: "GET", Path: "/api/v1/email/quarantine", Perm: auth.PermIncidentsRead, Tag: tag, Summary: "Quarantined messages, newest first",
			Response: "QuarantineList", Status: 200, Handle: s.listQuarantine, Query: append([]queryParam{{"status", "string", "quarantined or released"}}, page...)},
		{Method: "POST", Path: "/api/v1/email/quarantine/{id}/release", Perm: auth.PermResponse, Tag: tag,
			Summary: "Release a quarantined message (audited)", Response: "QuarantineItem", Status: 200, Handle: s.releaseQuarantine},
		{Method: "DELETE", Path: "/api/v1/email/quarantine/{id}", Perm: auth.PermResponse, Tag: tag,
			Summary: "Delete a quarantined message and its stored copy (audited)", Status: 204, Handle: s.deleteQuarantine},
		{Method: "GET", Path: "/api/v1/email/quarantine/{id}/raw", Perm: auth.PermIncidentsRead, Tag: tag,
			Summary: "Download the quarantined message as .eml (message/rfc822, as an attachment)", Status: 200, Handle: s.rawQuarantine},
		{Method: "GET", Path: "/api/v1/email/mailboxes", Perm: auth.PermSettingsRead, Tag: tag,
			Summary:  "E-mail settings (own domains, protected brands, executives, quarantine) and the polled mailboxes, secrets redacted",
			Response: "EmailSettings", Status: 200, Handle: s.getEmailSettings},
		{Method: "PUT", Path: "/api/v1/email/mailboxes", Perm: auth.PermSettingsWrite, Tag: tag,
			Summary: "Replace the e-mail settings and mailboxes (missing ones are deleted; empty secrets keep their stored values)",
			Request: "EmailSettingsInput", Response: "EmailSettings", Status: 200, Handle: s.putEmailSettings},
		{Method: "POST", Path: "/api/v1/email/mailboxes/{id}/poll", Perm: auth.PermIncidentsWrite, Tag: tag,
			Summary: "Poll a mailbox now and answer with what the poll did", Response: "MailboxPoll", Status: 200, Handle: s.pollMailbox},
	}
}

func (s *Server) emailSvc() (*email.Service, error) {
	if s.o.Email == nil {
		return nil, errNoEmail
	}
	return s.o.Email, nil
}

func emailActor(c *call) email.Actor {
	return email.Actor{OrgID: c.principal.OrgID, UserID: c.principal.UserID, Email: c.principal.Email, ClientIP: c.meta.IP,
		RequestID: c.meta.RequestID}
}

// emailError maps the e-mail service's errors to the API's.
func emailError(err error) error {
	if err == nil {
		return nil
	}
	var fe *email.FieldError
	switch {
	case errors.As(err, &fe):
		return &HTTPError{Status: http.StatusBadRequest, Code: "validation_failed", Field: fe.Field, Msg: fe.Msg}
	case errors.Is(err, email.ErrTooLarge):
		return &HTTPError{Status: http.StatusRequestEntityTooLarge, Code: "body_too_large", Field: "file", Msg: "the message is over the size limit"}
	case errors.Is(err, email.ErrNotMessage):
		return badRequest("not_email", "file", "the file is not an e-mail message: it has no header fields")
	case errors.Is(err, email.ErrBusy):
		return &HTTPError{Status: http.StatusConflict, Code: "mailbox_busy", Msg: email.ErrBusy.Error()}
	case errors.Is(err, email.ErrInvalid):
		return badRequest("validation_failed", "", "%s", strings.TrimPrefix(err.Error(), "invalid: "))
	case errors.Is(err, store.ErrConflict):
		return &HTTPError{Status: http.StatusConflict, Code: "conflict", Msg: "the message was released already"}
	}
	return err
}

func (s *Server) analyzeEmail(w http.ResponseWriter, r *http.Request, c *call) error {
	svc, err := s.emailSvc()
	if err != nil {
		return err
	}
	limit := svc.MaxSize()
	// Multipart framing adds a little around the message itself.
	r.Body = http.MaxBytesReader(w, r.Body, limit+64<<10)
	tooLarge := &HTTPError{Status: http.StatusRequestEntityTooLarge, Code: "body_too_large", Field: "file",
		Msg: fmt.Sprintf("a message may be at most %d bytes", limit)}
	readErr := func(err error) error {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return tooLarge
		}
		return badRequest("upload_failed", "file", "the upload was interrupted")
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	var raw []byte
	switch ct {
	case "multipart/form-data":
		mr, err := r.MultipartReader()
		if err != nil {
			return badRequest("validation_failed", "file", "cannot read the multipart body")
		}
		for {
			part, err := mr.NextPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				return readErr(err)
			}
			if part.FormName() == "file" {
				if raw, err = io.ReadAll(io.LimitReader(part, limit+1)); err != nil {
					return readErr(err)
				}
				break
			}
		}
		if raw == nil {
			return badRequest("validation_failed", "file", "send the .eml in the form field \"file\"")
		}
	case "application/json", "application/x-www-form-urlencoded":
		return badRequest("validation_failed", "file", "send the .eml as the multipart field \"file\" or as a message/rfc822 body")
	default:
		if raw, err = io.ReadAll(r.Body); err != nil {
			return readErr(err)
		}
	}
	if int64(len(raw)) > limit {
		return tooLarge
	}
	if len(strings.TrimSpace(string(raw))) == 0 {
		return badRequest("validation_failed", "file", "the message is empty")
	}
	an, err := svc.Analyze(r.Context(), emailActor(c), raw, email.Source{Kind: "upload"})
	if err != nil {
		return emailError(err)
	}
	writeJSON(w, http.StatusCreated, viewAnalysis(an))
	return nil
}

type analysisView struct {
	ID           string        `json:"id"`
	Source       string        `json:"source"`
	MailboxID    string        `json:"mailbox_id"`
	CreatedBy    string        `json:"created_by"`
	CreatedAt    time.Time     `json:"created_at"`
	QuarantineID string        `json:"quarantine_id"`
	Report       *email.Report `json:"report"`
}

func viewAnalysis(a email.Analysis) analysisView {
	return analysisView{ID: a.ID, Source: a.Source, MailboxID: a.MailboxID, CreatedBy: a.CreatedBy, CreatedAt: a.CreatedAt.UTC(),
		QuarantineID: a.QuarantineID, Report: a.Report}
}

type emailReportView struct {
	ID        string    `json:"id"`
	MessageID string    `json:"message_id"`
	Subject   string    `json:"subject"`
	From      string    `json:"from"`
	FromName  string    `json:"from_name"`
	Verdict   string    `json:"verdict"`
	Score     int       `json:"score"`
	Source    string    `json:"source"`
	MailboxID string    `json:"mailbox_id"`
	SHA256    string    `json:"sha256"`
	Size      int64     `json:"size"`
	CreatedAt time.Time `json:"created_at"`
}

type quarantineView struct {
	ID         string     `json:"id"`
	ReportID   string     `json:"report_id"`
	SHA256     string     `json:"sha256"`
	Size       int64      `json:"size"`
	Subject    string     `json:"subject"`
	From       string     `json:"from"`
	Recipients []string   `json:"recipients"`
	Verdict    string     `json:"verdict"`
	Score      int        `json:"score"`
	MailboxID  string     `json:"mailbox_id"`
	Status     string     `json:"status"`
	ReleasedBy string     `json:"released_by"`
	ReleasedAt *time.Time `json:"released_at"`
	CreatedAt  time.Time  `json:"created_at"`
}

func viewQuarantine(q store.QuarantineItem) quarantineView {
	rs := q.Recipients
	if rs == nil {
		rs = []string{}
	}
	return quarantineView{ID: q.ID, ReportID: q.ReportID, SHA256: q.SHA256, Size: q.Size, Subject: q.Subject, From: q.FromAddr,
		Recipients: rs, Verdict: q.Verdict, Score: q.Score, MailboxID: q.MailboxID, Status: q.Status, ReleasedBy: q.ReleasedBy,
		ReleasedAt: utcPtr(q.ReleasedAt), CreatedAt: q.CreatedAt.UTC()}
}

// pageParams reads limit (1..500, default 50) and offset.
func pageParams(r *http.Request) (int, int, error) {
	limit, offset := 50, 0
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 500 {
			return 0, 0, badRequest("validation_failed", "limit", "limit must be a number from 1 to 500")
		}
		limit = n
	}
	if v := r.URL.Query().Get("offset"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return 0, 0, badRequest("validation_failed", "offset", "offset must be a number of 0 or more")
		}
		offset = n
	}
	return limit, offset, nil
}

func (s *Server) listEmailReports(w http.ResponseWriter, r *http.Request, c *call) error {
	svc, err := s.emailSvc()
	if err != nil {
		return err
	}
	limit, offset, err := pageParams(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	items, total, err := svc.ListReports(r.Context(), c.principal.OrgID, store.EmailReportFilter{Verdict: q.Get("verdict"),
		MailboxID: q.Get("mailbox_id"), Query: strings.TrimSpace(searchText(q)), Limit: limit, Offset: offset})
	if err != nil {
		return emailError(err)
	}
	out := make([]emailReportView, 0, len(items))
	for _, x := range items {
		out = append(out, emailReportView{ID: x.ID, MessageID: x.MessageID, Subject: x.Subject, From: x.FromAddr, FromName: x.FromName,
			Verdict: x.Verdict, Score: x.Score, Source: x.Source, MailboxID: x.MailboxID, SHA256: x.SHA256, Size: x.Size, CreatedAt: x.CreatedAt.UTC()})
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": out, "total": total})
	return nil
}

func (s *Server) getEmailReport(w http.ResponseWriter, r *http.Request, c *call) error {
	svc, err := s.emailSvc()
	if err != nil {
		return err
	}
	an, err := svc.GetReport(r.Context(), c.principal.OrgID, r.PathValue("id"))
	if err != nil {
		return emailError(err)
	}
	writeJSON(w, http.StatusOK, viewAnalysis(an))
	return nil
}

func (s *Server) listQuarantine(w http.ResponseWriter, r *http.Request, c *call) error {
	svc, err := s.emailSvc()
	if err != nil {
		return err
	}
	limit, offset, err := pageParams(r)
	if err != nil {
		return err
	}
	items, total, err := svc.ListQuarantine(r.Context(), c.principal.OrgID, store.QuarantineFilter{Status: r.URL.Query().Get("status"),
		Limit: limit, Offset: offset})
	if err != nil {
		return emailError(err)
	}
	out := make([]quarantineView, 0, len(items))
	for _, q := range items {
		out = append(out, viewQuarantine(q))
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": out, "total": total})
	return nil
}

func (s *Server) releaseQuarantine(w http.ResponseWriter, r *http.Request, c *call) error {
	svc, err := s.emailSvc()
	if err != nil {
		return err
	}
	q, err := svc.Release(r.Context(), emailActor(c), r.PathValue("id"))
	if err != nil {
		return emailError(err)
	}
	writeJSON(w, http.StatusOK, viewQuarantine(q))
	return nil
}

func (s *Server) deleteQuarantine(w http.ResponseWriter, r *http.Request, c *call) error {
	svc, err := s.emailSvc()
	if err != nil {
		return err
	}
	if err := svc.DeleteQuarantine(r.Context(), emailActor(c), r.PathValue("id")); err != nil {
		return emailError(err)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) rawQuarantine(w http.ResponseWriter, r *http.Request, c *call) error {
	svc, err := s.emailSvc()
	if err != nil {
		return err
	}
	q, rc, err := svc.OpenRaw(r.Context(), c.principal.OrgID, r.PathValue("id"))
	if err != nil {
		return emailError(err)
	}
	defer rc.Close()
	// An attachment with a fixed name: the browser never renders it.
	w.Header().Set("Content-Type", "message/rfc822")
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": "quarantine-" + q.ID + ".eml"}))
	w.Header().Set("Content-Length", strconv.FormatInt(q.Size, 10))
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	_, _ = io.Copy(w, rc)
	return nil
}

func (s *Server) getEmailSettings(w http.ResponseWriter, r *http.Request, c *call) error {
	svc, err := s.emailSvc()
	if err != nil {
		return err
	}
	v, err := svc.GetSettings(r.Context(), c.principal.OrgID)
	if err != nil {
		return emailError(err)
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

func (s *Server) putEmailSettings(w http.ResponseWriter, r *http.Request, c *call) error {
	svc, err := s.emailSvc()
	if err != nil {
		return err
	}
	var in email.SettingsInput
	if err := decodeJSON(w, r, s.o.MaxBodyBytes, &in); err != nil {
		return err
	}
	v, err := svc.PutSettings(r.Context(), emailActor(c), in)
	if err != nil {
		return emailError(err)
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

func (s *Server) pollMailbox(w http.ResponseWriter, r *http.Request, c *call) error {
	svc, err := s.emailSvc()
	if err != nil {
		return err
	}
	res, err := svc.PollNow(r.Context(), emailActor(c), r.PathValue("id"))
	if err != nil {
		return emailError(err)
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}
