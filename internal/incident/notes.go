package incident

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"

	"github.com/eventsec/eventsec/internal/store"
)

// NoteView is a war-room note as the API shows it.
type NoteView struct {
	ID          string           `json:"id"`
	ObjectType  string           `json:"object_type"`
	ObjectID    string           `json:"object_id"`
	Author      string           `json:"author"`
	AuthorEmail string           `json:"author_email"`
	Body        string           `json:"body"`
	BodyHTML    string           `json:"body_html"`
	Mentions    []MentionView    `json:"mentions"`
	Attachments []AttachmentView `json:"attachments"`
	CreatedAt   time.Time        `json:"created_at"`
	UpdatedAt   time.Time        `json:"updated_at"`
}

// MentionView is a mentioned user.
type MentionView struct {
	UserID string `json:"user_id"`
	Email  string `json:"email"`
}

// AttachmentView is an attachment's metadata.
type AttachmentView struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	SHA256      string    `json:"sha256"`
	NoteID      string    `json:"note_id"`
	UploadedBy  string    `json:"uploaded_by"`
	CreatedAt   time.Time `json:"created_at"`
	URL         string    `json:"url"`
}

func attachmentView(a store.Attachment) AttachmentView {
	return AttachmentView{ID: a.ID, Name: a.Name, ContentType: a.ContentType, Size: a.Size, SHA256: a.SHA256, NoteID: a.NoteID,
		UploadedBy: a.UploadedBy, CreatedAt: a.CreatedAt, URL: "/api/v1/attachments/" + a.ID}
}

// markdown renders without raw HTML (goldmark's default drops it) and the
// result is sanitized again, so a note can never carry script.
var (
	md     = goldmark.New(goldmark.WithExtensions(extension.GFM))
	policy = func() *bluemonday.Policy {
		p := bluemonday.UGCPolicy()
		p.RequireNoFollowOnLinks(true)
		p.AddTargetBlankToFullyQualifiedLinks(true)
		p.AllowURLSchemes("http", "https", "mailto")
		return p
	}()
)

// RenderMarkdown turns a note's Markdown into safe HTML.
func RenderMarkdown(src string) string {
	var buf bytes.Buffer
	if err := md.Convert([]byte(src), &buf); err != nil {
		return policy.Sanitize("<p>" + strings.ReplaceAll(src, "<", "&lt;") + "</p>")
	}
	return policy.Sanitize(buf.String())
}

var mentionRe = regexp.MustCompile(`(?:^|[\s(])@([A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,})`)

// mentions finds @user@example.com mentions of the org's users.
func mentions(ctx context.Context, r store.Repos, orgID, body string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	for _, m := range mentionRe.FindAllStringSubmatch(body, 50) {
		email := strings.ToLower(strings.TrimRight(m[1], "."))
		if seen[email] {
			continue
		}
		seen[email] = true
		u, err := r.Users().GetByEmail(ctx, email)
		if errors.Is(err, store.ErrNotFound) || (err == nil && u.OrgID != orgID) {
			continue // not one of ours: left as plain text
		}
		if err != nil {
			return nil, err
		}
		out = append(out, u.ID)
	}
	return out, nil
}

func (s *Service) noteView(dir *Directory, n store.Note, att []store.Attachment) NoteView {
	v := NoteView{ID: n.ID, ObjectType: n.ObjectType, ObjectID: n.ObjectID, Author: n.Author, AuthorEmail: dir.Email(n.Author),
		Body: n.Body, BodyHTML: RenderMarkdown(n.Body), Mentions: []MentionView{}, Attachments: []AttachmentView{},
		CreatedAt: n.CreatedAt, UpdatedAt: n.UpdatedAt}
	for _, m := range n.Mentions {
		v.Mentions = append(v.Mentions, MentionView{UserID: m, Email: dir.Email(m)})
	}
	for _, a := range att {
		if a.NoteID == n.ID {
			v.Attachments = append(v.Attachments, attachmentView(a))
		}
	}
	return v
}

// checkObject makes sure a note's object exists in the org.
func checkObject(ctx context.Context, r store.Repos, orgID, typ, id string) (title string, err error) {
	switch typ {
	case "alert":
		al, err := r.Alerts().Get(ctx, orgID, id)
		if err != nil {
			return "", err
		}
		if al.DeletedAt != nil {
			return "", store.ErrNotFound
		}
		return al.Title, nil
	case "incident":
		in, err := r.Incidents().Get(ctx, orgID, id)
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("INC-%04d %s", in.Number, in.Title), nil
	}
	return "", fieldErr("object_type", "must be alert or incident")
}

// MaxNoteBytes bounds a note.
const MaxNoteBytes = 100_000

func (s *Service) addNote(ctx context.Context, r store.Repos, a Actor, typ, id, body string, attachmentIDs []string) (store.Note, error) {
	if strings.TrimSpace(body) == "" && len(attachmentIDs) == 0 {
		return store.Note{}, fieldErr("body", "is required")
	}
	if len(body) > MaxNoteBytes {
		return store.Note{}, fieldErr("body", "must be at most %d bytes", MaxNoteBytes)
	}
	ms, err := mentions(ctx, r, a.OrgID, body)
	if err != nil {
		return store.Note{}, err
	}
	now := s.now()
	n := store.Note{ID: newID(), OrgID: a.OrgID, ObjectType: typ, ObjectID: id, Author: a.UserID, Body: body, Mentions: ms, CreatedAt: now, UpdatedAt: now}
	if err := r.Notes().Create(ctx, n); err != nil {
		return n, err
	}
	if len(attachmentIDs) > 0 {
		if err := r.Notes().LinkAttachments(ctx, a.OrgID, typ, id, n.ID, attachmentIDs); err != nil {
			if isNotFound(err) {
				return n, fieldErr("attachment_ids", "every attachment must be uploaded to the same %s first", typ)
			}
			return n, err
		}
	}
	if typ == "incident" {
		if err := s.timeline(ctx, r, a, id, "auto", "Note added by "+a.Email, n.ID); err != nil {
			return n, err
		}
	}
	return n, s.change(ctx, r, a, typ, id, "note", fmt.Sprintf("note added to %s %s", typ, id))
}

// Notes lists an object's notes, oldest first.
func (s *Service) Notes(ctx context.Context, orgID, typ, id string) ([]NoteView, error) {
	if _, err := checkObject(ctx, s.o.Store, orgID, typ, id); err != nil {
		return nil, err
	}
	ns, err := s.o.Store.Notes().List(ctx, orgID, typ, id)
	if err != nil {
		return nil, err
	}
	att, err := s.o.Store.Notes().Attachments(ctx, orgID, typ, id)
	if err != nil {
		return nil, err
	}
	dir, err := s.Directory(ctx, orgID)
	if err != nil {
		return nil, err
	}
	out := make([]NoteView, 0, len(ns))
	for _, n := range ns {
		out = append(out, s.noteView(dir, n, att))
	}
	return out, nil
}

// AddNote adds a war-room note and pushes it to everyone watching.
func (s *Service) AddNote(ctx context.Context, a Actor, typ, id, body string, attachmentIDs []string) (NoteView, error) {
	var n store.Note
	err := s.tx(ctx, func(r store.Repos) error {
		if _, err := checkObject(ctx, r, a.OrgID, typ, id); err != nil {
			return err
		}
		var err error
		n, err = s.addNote(ctx, r, a, typ, id, body, attachmentIDs)
		return err
	})
	if err != nil {
		return NoteView{}, err
	}
	return s.notePublished(ctx, a.OrgID, n, "note_added")
}

func (s *Service) notePublished(ctx context.Context, orgID string, n store.Note, typ string) (NoteView, error) {
	att, err := s.o.Store.Notes().Attachments(ctx, orgID, n.ObjectType, n.ObjectID)
	if err != nil {
		return NoteView{}, err
	}
	dir, err := s.Directory(ctx, orgID)
	if err != nil {
		return NoteView{}, err
	}
	v := s.noteView(dir, n, att)
	s.publish(orgID, "incidents", typ, v)
	return v, nil
}

// EditNote changes a note's text (its author only).
func (s *Service) EditNote(ctx context.Context, a Actor, noteID, body string) (NoteView, error) {
	if strings.TrimSpace(body) == "" {
		return NoteView{}, fieldErr("body", "is required")
	}
	if len(body) > MaxNoteBytes {
		return NoteView{}, fieldErr("body", "must be at most %d bytes", MaxNoteBytes)
	}
	var n store.Note
	err := s.tx(ctx, func(r store.Repos) error {
		var err error
		if n, err = r.Notes().Get(ctx, a.OrgID, noteID); err != nil {
			return err
		}
		if n.Author != a.UserID {
			return ErrForbidden
		}
		if n.Mentions, err = mentions(ctx, r, a.OrgID, body); err != nil {
			return err
		}
		n.Body, n.UpdatedAt = body, s.now()
		if err := r.Notes().Update(ctx, n); err != nil {
			return err
		}
		return s.change(ctx, r, a, n.ObjectType, n.ObjectID, "note_edited", "note "+noteID+" edited")
	})
	if err != nil {
		return NoteView{}, err
	}
	return s.notePublished(ctx, a.OrgID, n, "note_updated")
}

// DeleteNote removes a note (its author or an admin).
func (s *Service) DeleteNote(ctx context.Context, a Actor, noteID string) error {
	var n store.Note
	err := s.tx(ctx, func(r store.Repos) error {
		var err error
		if n, err = r.Notes().Get(ctx, a.OrgID, noteID); err != nil {
			return err
		}
		if n.Author != a.UserID && !a.Admin {
			return ErrForbidden
		}
		if err := r.Notes().Delete(ctx, a.OrgID, noteID); err != nil {
			return err
		}
		return s.change(ctx, r, a, n.ObjectType, n.ObjectID, "note_deleted", "note "+noteID+" deleted")
	})
	if err == nil {
		s.publish(a.OrgID, "incidents", "note_deleted", map[string]string{"id": noteID, "object_type": n.ObjectType, "object_id": n.ObjectID})
	}
	return err
}

// RoomView is one war room: an object with notes, or an open incident.
type RoomView struct {
	ObjectType string     `json:"object_type"`
	ObjectID   string     `json:"object_id"`
	Title      string     `json:"title"`
	Severity   string     `json:"severity"`
	Status     string     `json:"status"`
	NoteCount  int64      `json:"note_count"`
	LastNoteAt *time.Time `json:"last_note_at"`
}

// Rooms lists the war rooms: objects with notes plus open incidents, most
// recent activity first.
func (s *Service) Rooms(ctx context.Context, orgID string) ([]RoomView, error) {
	rooms, err := s.o.Store.Notes().Rooms(ctx, orgID, 200)
	if err != nil {
		return nil, err
	}
	out := []RoomView{}
	seen := map[string]bool{}
	for _, r := range rooms {
		v := RoomView{ObjectType: r.ObjectType, ObjectID: r.ObjectID, NoteCount: r.Count}
		last := r.LastAt
		v.LastNoteAt = &last
		switch r.ObjectType {
		case "alert":
			al, err := s.o.Store.Alerts().Get(ctx, orgID, r.ObjectID)
			if err != nil || al.DeletedAt != nil {
				continue
			}
			v.Title, v.Severity, v.Status = al.Title, al.Severity, al.Status
		case "incident":
			in, err := s.o.Store.Incidents().Get(ctx, orgID, r.ObjectID)
			if err != nil {
				continue
			}
			v.Title, v.Severity, v.Status = fmt.Sprintf("INC-%04d %s", in.Number, in.Title), in.Severity, in.Status
		}
		seen[r.ObjectType+r.ObjectID] = true
		out = append(out, v)
	}
	open, _, err := s.o.Store.Incidents().List(ctx, orgID, store.IncidentFilter{
		Statuses: []string{store.IncidentOpen, store.IncidentInProgress, store.IncidentContained}, Limit: 100})
	if err != nil {
		return nil, err
	}
	for _, in := range open {
		if seen["incident"+in.ID] {
			continue
		}
		out = append(out, RoomView{ObjectType: "incident", ObjectID: in.ID, Title: fmt.Sprintf("INC-%04d %s", in.Number, in.Title),
			Severity: in.Severity, Status: in.Status})
	}
	return out, nil
}

// AllowedAttachmentTypes maps accepted extensions to the content types
// sniffed from their bytes that may go with them.
var AllowedAttachmentTypes = map[string][]string{
	".png":  {"image/png"},
	".jpg":  {"image/jpeg"},
	".jpeg": {"image/jpeg"},
	".gif":  {"image/gif"},
	".webp": {"image/webp"},
	".pdf":  {"application/pdf"},
	".txt":  {"text/plain"},
	".log":  {"text/plain"},
	".csv":  {"text/plain", "text/csv"},
	".json": {"text/plain", "application/json"},
	".eml":  {"text/plain", "message/rfc822"},
	".zip":  {"application/zip"},
	".pcap": {"application/octet-stream", "application/vnd.tcpdump.pcap"},
}

// Upload stores an attachment for an alert or incident. The bytes are
// kept content-addressed under BlobDir; the type is decided by content,
// not by what the client claims.
func (s *Service) Upload(ctx context.Context, a Actor, typ, id, name string, body io.Reader) (AttachmentView, error) {
	if s.o.BlobDir == "" {
		return AttachmentView{}, fmt.Errorf("%w: attachments need a data directory", ErrUnavailable)
	}
	name = filepath.Base(strings.ReplaceAll(strings.TrimSpace(name), `\`, "/"))
	if name == "" || name == "." || name == "/" || len(name) > 255 {
		return AttachmentView{}, fieldErr("file", "the file needs a name of at most 255 characters")
	}
	ext := strings.ToLower(filepath.Ext(name))
	allowed, ok := AllowedAttachmentTypes[ext]
	if !ok {
		return AttachmentView{}, fieldErr("file", "%s files are not accepted; allowed: png, jpg, gif, webp, pdf, txt, log, csv, json, eml, zip, pcap", orNone(ext))
	}
	if _, err := checkObject(ctx, s.o.Store, a.OrgID, typ, id); err != nil {
		return AttachmentView{}, err
	}
	tmpDir := filepath.Join(s.o.BlobDir, "tmp")
	if err := os.MkdirAll(tmpDir, 0o700); err != nil {
		return AttachmentView{}, fmt.Errorf("cannot create blob directory: %w", err)
	}
	tmp, err := os.CreateTemp(tmpDir, "upload-*")
	if err != nil {
		return AttachmentView{}, fmt.Errorf("cannot store attachment: %w", err)
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	h := sha256.New()
	head := make([]byte, 0, 512)
	n, err := io.Copy(io.MultiWriter(tmp, h, &headWriter{b: &head}), io.LimitReader(body, s.o.MaxAttachmentBytes+1))
	if err != nil {
		return AttachmentView{}, fieldErr("file", "cannot read the upload: %v", err)
	}
	if n > s.o.MaxAttachmentBytes {
		return AttachmentView{}, fieldErr("file", "is larger than %d MiB", s.o.MaxAttachmentBytes>>20)
	}
	if n == 0 {
		return AttachmentView{}, fieldErr("file", "is empty")
	}
	sniffed := strings.SplitN(http.DetectContentType(head), ";", 2)[0]
	if !contains(allowed, sniffed) {
		return AttachmentView{}, fieldErr("file", "the content is %s, which does not match a %s file", sniffed, ext)
	}
	if err := tmp.Sync(); err != nil {
		return AttachmentView{}, fmt.Errorf("cannot store attachment: %w", err)
	}
	sum := hex.EncodeToString(h.Sum(nil))
	dst := s.blobPath(sum)
	if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
		return AttachmentView{}, fmt.Errorf("cannot store attachment: %w", err)
	}
	if _, err := os.Stat(dst); err != nil {
		if err := os.Rename(tmp.Name(), dst); err != nil {
			return AttachmentView{}, fmt.Errorf("cannot store attachment: %w", err)
		}
	}
	ctype := allowed[0]
	att := store.Attachment{ID: newID(), OrgID: a.OrgID, ObjectType: typ, ObjectID: id, Name: name, ContentType: ctype, Size: n,
		SHA256: sum, UploadedBy: a.UserID, CreatedAt: s.now()}
	err = s.tx(ctx, func(r store.Repos) error {
		if err := r.Notes().CreateAttachment(ctx, att); err != nil {
			return err
		}
		if typ == "incident" {
			if err := s.timeline(ctx, r, a, id, "auto", fmt.Sprintf("Attachment %s (%d bytes) uploaded", name, n), att.ID); err != nil {
				return err
			}
		}
		return s.change(ctx, r, a, typ, id, "attachment", fmt.Sprintf("attachment %s sha256:%s", name, sum))
	})
	if err != nil {
		return AttachmentView{}, err
	}
	return attachmentView(att), nil
}

type headWriter struct{ b *[]byte }

func (w *headWriter) Write(p []byte) (int, error) {
	if room := 512 - len(*w.b); room > 0 {
		*w.b = append(*w.b, p[:min(room, len(p))]...)
	}
	return len(p), nil
}

func (s *Service) blobPath(sum string) string {
	return filepath.Join(s.o.BlobDir, sum[:2], sum)
}

// OpenAttachment returns an attachment's metadata and its bytes.
func (s *Service) OpenAttachment(ctx context.Context, orgID, id string) (AttachmentView, *os.File, error) {
	a, err := s.o.Store.Notes().GetAttachment(ctx, orgID, id)
	if err != nil {
		return AttachmentView{}, nil, err
	}
	f, err := os.Open(s.blobPath(a.SHA256))
	if err != nil {
		return AttachmentView{}, nil, fmt.Errorf("cannot open attachment %s: %w", id, err)
	}
	return attachmentView(a), f, nil
}
