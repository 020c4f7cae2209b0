package app

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/eventsec/eventsec/internal/config"
	"github.com/eventsec/eventsec/internal/enrich"
	"github.com/eventsec/eventsec/internal/eventstore"
	"github.com/eventsec/eventsec/internal/ingest"
	"github.com/eventsec/eventsec/internal/ingest/file"
	"github.com/eventsec/eventsec/internal/normalize"
	"github.com/eventsec/eventsec/internal/tty"
)

// eventStorage are the settings the offline event commands need.
var eventStorage = []string{"data_dir", "database", "events_dir", "geoip_city_db", "geoip_asn_db"}

// eventTimes are the settings of how events' own times are read: flags of
// a direct import too (with --url the server's settings apply).
var eventTimes = []string{"timestamp_fields", "timestamp_formats", "timestamp_timezone", "timestamp_timezone_sources", "timestamp_max_age", "timestamp_max_future"}

// openEventStoreCLI opens the event store for a command run beside (not
// inside) the server, explaining the one failure people will meet.
func openEventStoreCLI(ctx context.Context, cfg *config.Config) (eventstore.Store, error) {
	ev, err := openEventStore(ctx, cfg, newLogger(cfg, io.Discard))
	if err != nil && strings.Contains(strings.ToLower(err.Error()), "lock") {
		return nil, fmt.Errorf("the event store in %s is in use by a running eventsec server: stop it, or import through the server with --url and --api-key (%w)", cfg.EventStoreDir(), err)
	}
	return ev, err
}

func importCmd(ctx context.Context, env Env, args []string) error {
	var org, format string
	var remote remoteFlags
	cfg, paths, err := loadConfig(env, "import", args, config.LoadOptions{Only: append(slices.Clone(eventStorage), eventTimes...), Args: "FILE|DIR...",
		Summary: "Import NDJSON, log lines or Windows .evtx files (gzip too) as events, with a progress bar and a summary.\n" +
			"A directory contributes its log, JSON and .evtx files, recursively.\n" +
			"Without --url it writes to the event store directly (the server must be stopped);\n" +
			"with --url and --api-key it sends each file to a running server, whose timestamp_* settings then apply.",
		Extra: func(fs *flag.FlagSet) {
			fs.StringVar(&org, "org", "", "organisation (ID or name) the events belong to; needed when there are several (direct mode)")
			fs.StringVar(&format, "format", "auto", "format of text lines: auto, json, ndjson, syslog, cef, leef, kv or plain")
			remote.register(fs, "send the files to this running server", "API key with the ingest role, for --url (or EVENTSEC_API_KEY)")
		}})
	if err != nil {
		return err
	}
	if len(paths) == 0 {
		return usageError{"name at least one file or directory to import (eventsec import --help)"}
	}
	base, key, client, err := remote.endpoint(env)
	if err != nil {
		return err
	}
	paths, skipped, err := importPaths(paths)
	if err != nil {
		return err
	}
	if len(skipped) > 0 {
		fmt.Fprintf(env.Stderr, "not importing %d file(s) of other types found in the directories: %s\n", len(skipped), listSome(skipped, 5))
	}
	if base != "" {
		return importRemote(ctx, env, client, base, key, format, paths)
	}

	c, err := openCLI(ctx, cfg)
	if err != nil {
		return err
	}
	defer c.st.Close()
	o, err := c.resolveOrg(ctx, org)
	if err != nil {
		return err
	}
	ev, err := openEventStoreCLI(ctx, cfg)
	if err != nil {
		return err
	}
	defer ev.Close()
	en := &enrich.Enricher{}
	if cfg.GeoIPCityDB != "" || cfg.GeoIPASNDB != "" {
		g, err := enrich.OpenGeoIP(cfg.GeoIPCityDB, cfg.GeoIPASNDB)
		if err != nil {
			return err
		}
		defer g.Close()
		en.GeoIP = g
	}
	pipe, err := ingest.New(ingest.Options{Sink: ev, Normalizer: normalize.New(normalizerOptions(cfg)), Enricher: en,
		MaxFuture: cfg.TimestampMaxSkew, MaxPast: cfg.TimestampMaxAge})
	if err != nil {
		return err
	}
	var cutoff time.Time
	if o.RetentionDays > 0 {
		cutoff = time.Now().AddDate(0, 0, -o.RetentionDays)
	}
	ledger, _ := ev.(eventstore.ImportLedger)
	sum, err := file.Import(ctx, paths, file.Options{Pipeline: pipe, OrgID: o.ID, Format: normalize.Format(format),
		Progress: env.Stderr, ProgressLines: !tty.Is(env.Stderr), OldBefore: cutoff, Ledger: ledger})
	fmt.Fprint(env.Stdout, sum.String())
	if sum.Old > 0 {
		fmt.Fprint(env.Stdout, file.RetentionNote(sum.Old, cutoff, o.RetentionDays, o.Name))
	}
	if err != nil {
		return err
	}
	if sum.FailedFiles > 0 {
		return fmt.Errorf("%d file(s) could not be read", sum.FailedFiles)
	}
	return nil
}

// progressReader reports one file's upload progress to w: rewritten in
// place on a terminal, a plain line every ten seconds otherwise (a log
// file or a pipe, where "\r" piles up).
type progressReader struct {
	r      io.Reader
	w      io.Writer
	label  string
	total  int64
	done   int64
	last   time.Time
	lines  bool
	shown  bool
	closed bool
	width  int // of the longest line drawn
}

func (p *progressReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	p.done += int64(n)
	every := 200 * time.Millisecond
	if p.lines {
		every = 10 * time.Second
	}
	if time.Since(p.last) >= every || (err == io.EOF && !p.lines) {
		p.last = time.Now()
		pct := 100.0
		if p.total > 0 {
			pct = float64(p.done) * 100 / float64(p.total)
		}
		switch {
		case p.lines:
			fmt.Fprintf(p.w, "sending %s: %.1f%% (%d / %d bytes)\n", p.label, pct, p.done, p.total)
		case err == io.EOF:
			p.draw(fmt.Sprintf("sending %s: %5.1f%% (%d / %d bytes), the server is importing it...", p.label, pct, p.done, p.total))
		default:
			p.draw(fmt.Sprintf("sending %s: %5.1f%% (%d / %d bytes)", p.label, pct, p.done, p.total))
		}
	}
	return n, err
}

// draw rewrites the terminal's progress line, erasing a longer one.
func (p *progressReader) draw(line string) {
	fmt.Fprintf(p.w, "\r%-*s", p.width, line)
	p.width = max(p.width, len(line))
	p.shown = true
}

// end finishes the terminal's progress line.
func (p *progressReader) end() {
	if p.shown && !p.closed {
		fmt.Fprintln(p.w)
		p.closed = true
	}
}

// finish ends the terminal's progress line with the server's counts of
// the file, as its summary counts them.
func (p *progressReader) finish(r remoteImport) {
	if p.shown && !p.closed {
		p.draw(fmt.Sprintf("sent %s: %d bytes, %d records: %d stored, %d duplicates, %d failed",
			p.label, p.done, r.Read, r.Stored, r.Duplicates, r.Failed))
	}
	p.end()
}

// remoteImport is the server's answer to POST /api/v1/events/import.
type remoteImport struct {
	Bytes         int64          `json:"bytes"`
	Read          int            `json:"read"`
	Stored        int            `json:"stored"`
	Duplicates    int            `json:"duplicates"`
	ParseErrors   int            `json:"parse_errors"`
	Failed        int            `json:"failed"`
	FailedFiles   int            `json:"failed_files"`
	Reasons       map[string]int `json:"reasons"`
	Failures      []file.Failure `json:"failures"`
	Warnings      []string       `json:"warnings"`
	First         *time.Time     `json:"first"`
	Last          *time.Time     `json:"last"`
	Old           int            `json:"old"`
	OldBefore     *time.Time     `json:"old_before"`
	RetentionDays int            `json:"retention_days"`
	Summary       *string        `json:"summary"`
}

// add folds the answer for the file at path into the total; order holds
// each path's position.
func (r remoteImport) add(s *file.Summary, path string, order map[string]int) {
	s.Bytes += r.Bytes
	s.Read += r.Read
	s.Stored += r.Stored
	s.Duplicates += r.Duplicates
	s.ParseErrors += r.ParseErrors
	s.Failed += r.Failed
	s.FailedFiles += r.FailedFiles
	for k, n := range r.Reasons {
		if s.Reasons == nil {
			s.Reasons = map[string]int{}
		}
		s.Reasons[k] += n
	}
	// The server names the file by its base name: the summary, by the
	// path given.
	for i := range r.Failures {
		r.Failures[i].File = path
	}
	s.AddFailures(order, r.Failures...)
	if r.First != nil && (s.First.IsZero() || r.First.Before(s.First)) {
		s.First = *r.First
	}
	if r.Last != nil && r.Last.After(s.Last) {
		s.Last = *r.Last
	}
	s.Old += r.Old
}

// importRemote sends each file to a running server, one request per file,
// and prints a line per file and the total, as a direct import does.
func importRemote(ctx context.Context, env Env, client *http.Client, base, key, format string, paths []string) error {
	order := make(map[string]int, len(paths))
	for i, p := range paths {
		order[p] = i
	}
	lines := !tty.Is(env.Stderr)
	var total file.Summary
	var last remoteImport
	start := time.Now()
	for i, p := range paths {
		r, err := sendImport(ctx, env, client, base, key, format, p, fmt.Sprintf("%s (%d/%d)", filepath.Base(p), i+1, len(paths)), lines)
		total.Files++
		var refused *importRefused
		switch {
		case errors.As(err, &refused) && refused.perFile:
			// This file is refused (empty, too large, unreadable): the
			// others are still sent.
			total.FailedFiles++
			total.Warnings = append(total.Warnings, fmt.Sprintf("%s: %s", p, refused.msg))
			fmt.Fprintf(env.Stdout, "%s: not imported: %s\n", p, refused.msg)
			continue
		case err != nil:
			return err
		}
		last = r
		r.add(&total, p, order)
		fmt.Fprintf(env.Stdout, "%s: read %d, stored %d, duplicates %d, failed %d\n", p, r.Read, r.Stored, r.Duplicates, r.Failed+r.FailedFiles)
		for _, w := range r.Warnings {
			total.Warnings = append(total.Warnings, fmt.Sprintf("%s: %s", p, w))
		}
	}
	total.Elapsed = time.Since(start)
	fmt.Fprint(env.Stdout, total.String())
	if total.Old > 0 && last.OldBefore != nil {
		fmt.Fprint(env.Stdout, file.RetentionNote(total.Old, *last.OldBefore, last.RetentionDays, ""))
	}
	if total.FailedFiles > 0 {
		return fmt.Errorf("%d file(s) could not be imported", total.FailedFiles)
	}
	return nil
}

// importRefused is the server's refusal of an import; perFile when it
// concerns this file only (the next may be sent).
type importRefused struct {
	msg     string
	perFile bool
}

func (e *importRefused) Error() string { return e.msg }

// sendImport sends one file and reads the server's summary of it.
func sendImport(ctx context.Context, env Env, client *http.Client, base, key, format, p, label string, lines bool) (remoteImport, error) {
	f, err := os.Open(p)
	if err != nil {
		return remoteImport{}, &importRefused{msg: err.Error(), perFile: true}
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return remoteImport{}, &importRefused{msg: err.Error(), perFile: true}
	}
	q := url.Values{"name": {filepath.Base(p)}, "format": {format}, "modified": {st.ModTime().UTC().Format(time.RFC3339Nano)}}
	pr := &progressReader{r: f, w: env.Stderr, label: label, total: st.Size(), lines: lines}
	if lines {
		pr.last = time.Now() // the first line is the one below
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/api/v1/events/import?"+q.Encode(), pr)
	if err != nil {
		return remoteImport{}, err
	}
	req.ContentLength = st.Size()
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/octet-stream")
	if lines {
		fmt.Fprintf(env.Stderr, "sending %s, %d bytes\n", label, st.Size())
	}
	resp, err := client.Do(req)
	if err != nil {
		pr.end()
		return remoteImport{}, fmt.Errorf("cannot send %s: %w", p, err)
	}
	defer pr.end()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Error struct{ Code, Message string } `json:"error"`
		}
		msg := fmt.Sprintf("the server answered %d", resp.StatusCode)
		if json.Unmarshal(body, &e) == nil && e.Error.Message != "" {
			msg = fmt.Sprintf("the server refused it (%d %s): %s", resp.StatusCode, e.Error.Code, e.Error.Message)
		}
		// A bad request or a file too large concerns this file; anything
		// else (credentials, permissions, a server in trouble) all of them.
		perFile := resp.StatusCode == http.StatusBadRequest || resp.StatusCode == http.StatusRequestEntityTooLarge
		if !perFile {
			msg = p + ": " + msg
		}
		return remoteImport{}, &importRefused{msg: msg, perFile: perFile}
	}
	var r remoteImport
	if err := json.Unmarshal(body, &r); err != nil || r.Summary == nil {
		return remoteImport{}, fmt.Errorf("%s: the server's answer is not an import summary", p)
	}
	pr.finish(r)
	return r, nil
}

func retentionCmd(ctx context.Context, env Env, args []string) error {
	cfg, _, err := loadConfig(env, "retention", args, config.LoadOptions{Only: eventStorage,
		Summary: "Delete every organisation's events older than its retention (Administration → Settings), now.\n" +
			"The server also does this every hour; run this with the server stopped."})
	if err != nil {
		return err
	}
	c, err := openCLI(ctx, cfg)
	if err != nil {
		return err
	}
	defer c.st.Close()
	ev, err := openEventStoreCLI(ctx, cfg)
	if err != nil {
		return err
	}
	defer ev.Close()
	return applyRetention(ctx, c.s, ev, time.Now(), env.Stdout, nil)
}
