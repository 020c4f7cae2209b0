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
	var org, format, serverURL, apiKey string
	cfg, paths, err := loadConfig(env, "import", args, config.LoadOptions{Only: append(slices.Clone(eventStorage), eventTimes...), Args: "FILE...",
		Summary: "Import NDJSON, log lines or Windows .evtx files (gzip too) as events, with a progress bar and a summary.\n" +
			"Without --url it writes to the event store directly (the server must be stopped);\n" +
			"with --url and --api-key it sends each file to a running server, whose timestamp_* settings then apply.",
		Extra: func(fs *flag.FlagSet) {
			fs.StringVar(&org, "org", "", "organisation (ID or name) the events belong to; needed when there are several (direct mode)")
			fs.StringVar(&format, "format", "auto", "format of text lines: auto, json, ndjson, syslog, cef, leef, kv or plain")
			fs.StringVar(&serverURL, "url", "", "send the files to this running server (e.g. http://localhost:8080)")
			fs.StringVar(&apiKey, "api-key", "", "API key with the ingest role, for --url (or EVENTSEC_API_KEY)")
		}})
	if err != nil {
		return err
	}
	if len(paths) == 0 {
		return usageError{"name at least one file to import (eventsec import --help)"}
	}
	for _, p := range paths {
		if st, err := os.Stat(p); err != nil || st.IsDir() {
			return usageError{fmt.Sprintf("cannot import %s: not a readable file", p)}
		}
	}
	if serverURL != "" {
		if apiKey == "" {
			apiKey = env.Getenv("EVENTSEC_API_KEY")
		}
		if apiKey == "" {
			return usageError{"--url needs --api-key (an API key with the ingest role) or EVENTSEC_API_KEY"}
		}
		return importRemote(ctx, env, serverURL, apiKey, format, paths)
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
	sum, err := file.Import(ctx, paths, file.Options{Pipeline: pipe, OrgID: o.ID, Format: normalize.Format(format),
		Progress: env.Stderr, ProgressLines: !tty.Is(env.Stderr), OldBefore: cutoff})
	fmt.Fprint(env.Stdout, sum.String())
	if sum.Old > 0 {
		fmt.Fprintf(env.Stdout, "  note:       %d of them are dated before %s: organisation %q keeps %d days of events,\n"+
			"              and the next retention run (daily, or eventsec retention) deletes them. To keep\n"+
			"              them, raise the retention (Administration → Settings, or PATCH /api/v1/settings).\n",
			sum.Old, cutoff.UTC().Format(time.DateOnly), o.Name, o.RetentionDays)
	}
	if err != nil {
		return err
	}
	if sum.FailedFiles > 0 {
		return fmt.Errorf("%d file(s) could not be read", sum.FailedFiles)
	}
	return nil
}

// progressReader reports upload progress to w.
type progressReader struct {
	r     io.Reader
	w     io.Writer
	name  string
	total int64
	done  int64
	last  time.Time
}

func (p *progressReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	p.done += int64(n)
	if time.Since(p.last) > 200*time.Millisecond || err == io.EOF {
		p.last = time.Now()
		pct := 100.0
		if p.total > 0 {
			pct = float64(p.done) * 100 / float64(p.total)
		}
		fmt.Fprintf(p.w, "\rsending %s: %5.1f%% (%d / %d bytes)", p.name, pct, p.done, p.total)
	}
	return n, err
}

func importRemote(ctx context.Context, env Env, base, key, format string, paths []string) error {
	u, err := url.Parse(strings.TrimRight(base, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return usageError{fmt.Sprintf("--url %q is not an http(s) URL", base)}
	}
	client := &http.Client{Timeout: 0}
	failed := 0
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		st, _ := f.Stat()
		q := url.Values{"name": {filepath.Base(p)}, "format": {format}}
		pr := &progressReader{r: f, w: env.Stderr, name: filepath.Base(p), total: st.Size()}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String()+"/api/v1/events/import?"+q.Encode(), pr)
		if err != nil {
			f.Close()
			return err
		}
		req.ContentLength = st.Size()
		req.Header.Set("Authorization", "Bearer "+key)
		req.Header.Set("Content-Type", "application/octet-stream")
		fmt.Fprintf(env.Stderr, "sending %s ...", filepath.Base(p))
		resp, err := client.Do(req)
		f.Close()
		fmt.Fprintln(env.Stderr)
		if err != nil {
			return fmt.Errorf("cannot send %s: %w", p, err)
		}
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			var e struct {
				Error struct{ Code, Message string } `json:"error"`
			}
			if json.Unmarshal(body, &e) == nil && e.Error.Message != "" {
				return fmt.Errorf("%s: the server refused it (%d %s): %s", p, resp.StatusCode, e.Error.Code, e.Error.Message)
			}
			return fmt.Errorf("%s: the server answered %d", p, resp.StatusCode)
		}
		var sum struct {
			Summary string `json:"summary"`
			Failed  int    `json:"failed"`
		}
		if err := json.Unmarshal(body, &sum); err != nil {
			return errors.New("the server's answer is not an import summary")
		}
		fmt.Fprintf(env.Stdout, "%s:\n%s\n", p, sum.Summary)
		failed += sum.Failed
	}
	return nil
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
