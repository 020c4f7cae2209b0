package api

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/eventsec/eventsec/internal/ingest/file"
	"github.com/eventsec/eventsec/internal/normalize"
)

// maxImportBytes bounds one uploaded file.
const maxImportBytes = 4 << 30

// importFile receives one file (raw body) and imports it like `eventsec
// import` does locally: NDJSON, log lines or .evtx, gzip too. It answers
// with the import's summary once every stored record is durable.
func (s *Server) importFile(w http.ResponseWriter, r *http.Request, c *call) error {
	if s.o.Importer == nil {
		return errNoEventStore
	}
	name := filepath.Base(r.URL.Query().Get("name"))
	if name == "." || name == "/" || len(name) > 255 {
		name = "upload"
	}
	format := normalize.Format(r.URL.Query().Get("format"))
	switch format {
	case "", normalize.FormatAuto, normalize.FormatJSON, "ndjson", normalize.FormatSyslog, normalize.FormatCEF, normalize.FormatLEEF, normalize.FormatKV, normalize.FormatPlain:
	default:
		return badRequest("validation_failed", "format", "format must be auto, json, ndjson, syslog, cef, leef, kv or plain")
	}
	if format == "" {
		format = normalize.FormatAuto
	}
	// modified is the file's modification time on the sender's disk: it
	// dates the file's records that have no time of their own, so that
	// importing the same file again stores nothing twice.
	var modified time.Time
	if v := r.URL.Query().Get("modified"); v != "" {
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			return badRequest("validation_failed", "modified", "modified must be an RFC 3339 time, e.g. 2026-11-25T08:00:00Z")
		}
		modified = t
	}
	// .evtx needs random access, so the upload is spooled to a temporary
	// file named like the original (gzip and .evtx are told by content).
	dir, err := os.MkdirTemp("", "eventsec-import-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, name)
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	n, err := io.Copy(f, http.MaxBytesReader(w, r.Body, maxImportBytes))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return &HTTPError{Status: http.StatusRequestEntityTooLarge, Code: "body_too_large", Msg: fmt.Sprintf("a file may be at most %d bytes", int64(maxImportBytes))}
		}
		return badRequest("upload_failed", "", "the upload was interrupted: %v", err)
	}
	if n == 0 {
		return badRequest("validation_failed", "", "the file is empty")
	}
	if !modified.IsZero() {
		if err := os.Chtimes(path, modified, modified); err != nil {
			return err
		}
	}
	// Events older than the org's retention are stored, and deleted by
	// the next retention run: the answer says how many, so that whoever
	// imports an archive learns it before they vanish.
	o, err := s.o.Auth.OrgSettings(r.Context(), c.principal.OrgID)
	if err != nil {
		return err
	}
	var oldBefore time.Time
	if o.RetentionDays > 0 {
		oldBefore = s.o.Now().AddDate(0, 0, -o.RetentionDays)
	}
	sum, err := s.o.Importer(r.Context(), []string{path}, c.principal.OrgID, format, oldBefore)
	if err != nil {
		return err
	}
	var first, last, cutoff any
	if sum.Stored > 0 {
		first, last = sum.First.UTC(), sum.Last.UTC()
	}
	if !oldBefore.IsZero() {
		cutoff = oldBefore.UTC()
	}
	// The spool file's path means nothing to the sender: name the file.
	reasons := map[string]int{}
	for k, v := range sum.Reasons {
		reasons[strings.ReplaceAll(k, path, name)] += v
	}
	warnings := []string{}
	for _, w := range sum.Warnings {
		warnings = append(warnings, strings.ReplaceAll(w, path, name))
	}
	failures := make([]file.Failure, len(sum.Failures))
	for i, f := range sum.Failures {
		f.File = name
		failures[i] = f
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"file": name, "bytes": n, "read": sum.Read, "stored": sum.Stored, "duplicates": sum.Duplicates,
		"parse_errors": sum.ParseErrors, "failed": sum.Failed, "failed_files": sum.FailedFiles,
		"reasons": reasons, "failures": failures, "warnings": warnings, "elapsed_ms": sum.Elapsed.Milliseconds(),
		"first": first, "last": last, "old": sum.Old, "old_before": cutoff, "retention_days": o.RetentionDays,
		"summary": strings.ReplaceAll(strings.TrimSpace(sum.String()), path, name),
	})
	return nil
}
