package app

import (
	"archive/zip"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/eventsec/eventsec/internal/config"
	"github.com/eventsec/eventsec/internal/store"
	"github.com/eventsec/eventsec/internal/vuln/vulnsvc"
)

// vulnDir is where the vulnerability database is kept.
func vulnDir(cfg *config.Config) string { return filepath.Join(cfg.DataDir, "vulndb") }

// startVulns builds the vulnerability service over the state store and
// loads the database saved in <data_dir>/vulndb. The caller runs its
// background work (Run: picks up imports made by the CLI) and passes it
// to the endpoint service (as its VulnMatcher) and to the API.
func startVulns(ctx context.Context, cfg *config.Config, st store.Store, log *slog.Logger) (*vulnsvc.Service, error) {
	svc, err := vulnsvc.New(ctx, vulnsvc.Options{Store: st, Dir: vulnDir(cfg), Logger: log})
	if err != nil {
		return nil, err
	}
	return svc, nil
}

const vulnsUsage = `Usage: eventsec vulns <subcommand> [flags]

Subcommands:
  import PATH...   import OSV vulnerability data: .json records or arrays, osv.dev .zip archives, directories of them
  stats            describe the vulnerability database: records per ecosystem, last import

Run "eventsec vulns <subcommand> --help" for its flags.
`

func vulnsCmd(ctx context.Context, env Env, args []string) error {
	if len(args) == 0 || args[0] == "--help" || args[0] == "-h" || args[0] == "help" {
		fmt.Fprint(env.Stdout, vulnsUsage)
		if len(args) == 0 {
			return usageError{"vulns needs a subcommand"}
		}
		return nil
	}
	switch args[0] {
	case "import":
		return vulnsImport(ctx, env, args[1:])
	case "stats":
		return vulnsStats(ctx, env, args[1:])
	}
	fmt.Fprint(env.Stderr, vulnsUsage)
	return usageError{fmt.Sprintf("unknown vulns subcommand %q", args[0])}
}

func vulnsImport(ctx context.Context, env Env, args []string) error {
	var remote remoteFlags
	cfg, paths, err := loadConfig(env, "vulns import", args, config.LoadOptions{Only: []string{"data_dir"}, Args: "PATH...",
		Summary: "Import OSV vulnerability records (https://osv.dev): .json files holding a record or an array of records,\n" +
			"the .zip archives osv.dev publishes per ecosystem (e.g. Debian/all.zip), or directories of them.\n" +
			"Each file is reported: records added, updated, withdrawn, and every error with its location.\n" +
			"Without --url the database in <data_dir>/vulndb is updated directly (a running server picks the new\n" +
			"file up within a minute); with --url and --api-key (an admin or team lead) the files go to a\n" +
			"running server and take effect at once.",
		Extra: func(fs *flag.FlagSet) { remote.register(fs, "send the files to this running server", "") }})
	if err != nil {
		return err
	}
	if len(paths) == 0 {
		return usageError{"vulns import needs at least one file or directory"}
	}
	for _, p := range paths {
		if _, err := os.Stat(p); err != nil {
			return usageError{fmt.Sprintf("cannot read %s: %v", p, err)}
		}
	}
	base, key, client, err := remote.endpoint(env)
	if err != nil {
		return err
	}
	if base != "" {
		return vulnsImportRemote(ctx, env, client, base, key, paths)
	}
	svc, err := vulnsvc.New(ctx, vulnsvc.Options{Dir: vulnDir(cfg), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return err
	}
	files := make([]vulnsvc.ImportFile, 0, len(paths))
	for _, p := range paths {
		files = append(files, vulnsvc.ImportFile{Name: p, Path: p})
	}
	fmt.Fprintf(env.Stderr, "importing %d path(s) into %s ...\n", len(paths), vulnDir(cfg))
	res, err := svc.Import(ctx, files)
	if err != nil {
		return err
	}
	reports := make([]cliFileReport, 0, len(res.Files))
	for _, f := range res.Files {
		r := cliFileReport{Name: f.Name, Records: f.Records, Added: f.Added, Updated: f.Updated, Unchanged: f.Unchanged,
			Older: f.Older, Withdrawn: f.Withdrawn, Removed: f.Removed, Skipped: f.Skipped, ErrorsDropped: f.ErrorsDropped,
			WarningsDropped: f.WarningsDropped, DurationMs: f.Duration.Milliseconds(), Error: f.Error}
		for _, e := range f.Errors {
			r.Errors = append(r.Errors, cliFileError{Message: e.String()})
		}
		for _, e := range f.Warnings {
			r.Warnings = append(r.Warnings, cliFileError{Message: e.String()})
		}
		reports = append(reports, r)
	}
	printVulnReports(env.Stdout, reports)
	in := svc.Info()
	fmt.Fprintf(env.Stdout, "Database: %d advisories (%s), saved in %s.\n", in.Advisories, ecosystemList(in.Ecosystems), vulnDir(cfg))
	if res.Records == 0 {
		return errors.New("no OSV record could be imported")
	}
	return nil
}

// cliFileReport is one file's report as the API sends it.
type cliFileReport struct {
	Name            string         `json:"name"`
	Records         int            `json:"records"`
	Added           int            `json:"added"`
	Updated         int            `json:"updated"`
	Unchanged       int            `json:"unchanged"`
	Older           int            `json:"older"`
	Withdrawn       int            `json:"withdrawn"`
	Removed         int            `json:"removed"`
	Skipped         int            `json:"skipped"`
	Errors          []cliFileError `json:"errors"`
	Warnings        []cliFileError `json:"warnings"`
	ErrorsDropped   int            `json:"errors_dropped"`
	WarningsDropped int            `json:"warnings_dropped"`
	DurationMs      int64          `json:"duration_ms"`
	Error           string         `json:"error"`
}

type cliFileError struct {
	Message string `json:"message"`
}

// printVulnReports prints each file's counts, its errors, and the first
// warnings (a big archive can have thousands).
func printVulnReports(w io.Writer, reports []cliFileReport) {
	for _, r := range reports {
		fmt.Fprintf(w, "%s: %d records: %d new, %d updated, %d unchanged, %d older kept, %d withdrawn, %d removed; %d skipped, %d errors, %d warnings (%d ms)\n",
			r.Name, r.Records, r.Added, r.Updated, r.Unchanged, r.Older, r.Withdrawn, r.Removed, r.Skipped,
			len(r.Errors)+r.ErrorsDropped, len(r.Warnings)+r.WarningsDropped, r.DurationMs)
		for _, e := range r.Errors {
			fmt.Fprintf(w, "  error:   %s\n", e.Message)
		}
		if r.ErrorsDropped > 0 {
			fmt.Fprintf(w, "  ... and %d more errors\n", r.ErrorsDropped)
		}
		for i, e := range r.Warnings {
			if i == 20 {
				fmt.Fprintf(w, "  ... and %d more warnings\n", len(r.Warnings)-20+r.WarningsDropped)
				break
			}
			fmt.Fprintf(w, "  warning: %s\n", e.Message)
		}
	}
}

func ecosystemList(m map[string]int) string {
	if len(m) == 0 {
		return "empty"
	}
	type kv struct {
		k string
		v int
	}
	var list []kv
	for k, v := range m {
		list = append(list, kv{k, v})
	}
	slices.SortFunc(list, func(a, b kv) int { return cmp.Or(cmp.Compare(b.v, a.v), strings.Compare(a.k, b.k)) })
	parts := make([]string, 0, len(list))
	for _, e := range list {
		parts = append(parts, fmt.Sprintf("%s %d", e.k, e.v))
	}
	return strings.Join(parts, ", ")
}

// vulnsImportRemote streams the files to a running server in one
// multipart request: files as they are, and each directory as one ZIP
// of its .json files (the server imports an archive in one pass, where
// thousands of separate files would each rebuild the index); .zip files
// inside a directory are sent as themselves.
func vulnsImportRemote(ctx context.Context, env Env, client *http.Client, base, key string, paths []string) error {
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() { pw.CloseWithError(writeVulnParts(mw, paths)) }()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/api/v1/vulnerabilities/import", pr)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	fmt.Fprintf(env.Stderr, "sending %d path(s) to %s ...\n", len(paths), base)
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("cannot reach %s: %w", base, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	var rep struct {
		Files    []cliFileReport `json:"files"`
		Database struct {
			Advisories int            `json:"advisories"`
			Ecosystems map[string]int `json:"ecosystems"`
		} `json:"database"`
	}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Error struct {
				Code    string          `json:"code"`
				Message string          `json:"message"`
				Details json.RawMessage `json:"details"`
			} `json:"error"`
		}
		if json.Unmarshal(b, &e) == nil && e.Error.Message != "" {
			if len(e.Error.Details) > 0 && json.Unmarshal(e.Error.Details, &rep) == nil {
				printVulnReports(env.Stdout, rep.Files)
			}
			return fmt.Errorf("the server refused the import (%d %s): %s", resp.StatusCode, e.Error.Code, e.Error.Message)
		}
		return fmt.Errorf("the server answered %d", resp.StatusCode)
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		return errors.New("the server's answer is not an import report")
	}
	printVulnReports(env.Stdout, rep.Files)
	fmt.Fprintf(env.Stdout, "Database on %s: %d advisories (%s).\n", base, rep.Database.Advisories, ecosystemList(rep.Database.Ecosystems))
	return nil
}

func writeVulnParts(mw *multipart.Writer, paths []string) error {
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil {
			return err
		}
		if !fi.IsDir() {
			if err := copyPart(mw, p, filepath.Base(p)); err != nil {
				return err
			}
			continue
		}
		w, err := mw.CreateFormFile("file", filepath.Base(filepath.Clean(p))+".zip")
		if err != nil {
			return err
		}
		zw := zip.NewWriter(w)
		var zips []string
		err = filepath.WalkDir(p, func(fp string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			lower := strings.ToLower(fp)
			switch {
			case strings.HasSuffix(lower, ".zip"):
				zips = append(zips, fp)
				return nil
			case !strings.HasSuffix(lower, ".json"):
				return nil
			}
			rel, err := filepath.Rel(p, fp)
			if err != nil {
				return err
			}
			zf, err := zw.CreateHeader(&zip.FileHeader{Name: filepath.ToSlash(rel), Method: zip.Deflate, Modified: time.Now()})
			if err != nil {
				return err
			}
			f, err := os.Open(fp)
			if err != nil {
				return err
			}
			defer f.Close()
			_, err = io.Copy(zf, f)
			return err
		})
		if err != nil {
			return err
		}
		if err := zw.Close(); err != nil {
			return err
		}
		for _, z := range zips {
			if err := copyPart(mw, z, filepath.Base(z)); err != nil {
				return err
			}
		}
	}
	return mw.Close()
}

func copyPart(mw *multipart.Writer, path, name string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	w, err := mw.CreateFormFile("file", name)
	if err != nil {
		return err
	}
	_, err = io.Copy(w, f)
	return err
}

func vulnsStats(ctx context.Context, env Env, args []string) error {
	var remote remoteFlags
	cfg, _, err := loadConfig(env, "vulns stats", args, config.LoadOptions{Only: []string{"data_dir"},
		Summary: "Describe the vulnerability database: advisories, affected packages per ecosystem, the last import.",
		Extra:   func(fs *flag.FlagSet) { remote.register(fs, "ask this running server", "") }})
	if err != nil {
		return err
	}
	base, key, client, err := remote.endpoint(env)
	if err != nil {
		return err
	}
	var info struct {
		Advisories       int            `json:"advisories"`
		AffectedPackages int            `json:"affected_packages"`
		Ecosystems       map[string]int `json:"ecosystems"`
		Unmatchable      int            `json:"unmatchable"`
		LastModified     *time.Time     `json:"last_modified"`
		LastImport       *struct {
			At      time.Time `json:"at"`
			Records int       `json:"records"`
			Errors  int       `json:"errors"`
			Files   []struct {
				Name    string `json:"name"`
				Records int    `json:"records"`
			} `json:"files"`
		} `json:"last_import"`
	}
	where := vulnDir(cfg)
	if base != "" {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/v1/vulnerabilities/db", nil)
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Bearer "+key)
		resp, err := client.Do(req)
		if err != nil {
			return fmt.Errorf("cannot reach %s: %w", base, err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("the server answered %d", resp.StatusCode)
		}
		if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&info); err != nil {
			return errors.New("the server's answer is not a database description")
		}
		where = base
	} else {
		svc, err := vulnsvc.New(ctx, vulnsvc.Options{Dir: where, Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			return err
		}
		in := svc.Info()
		b, _ := json.Marshal(map[string]any{"advisories": in.Advisories, "affected_packages": in.AffectedPackages,
			"ecosystems": in.Ecosystems, "unmatchable": in.Unmatchable, "last_modified": in.LastModified, "last_import": in.LastImport})
		if err := json.Unmarshal(b, &info); err != nil {
			return err
		}
	}
	out := env.Stdout
	fmt.Fprintf(out, "Vulnerability database (%s): %d advisories, %d affected packages", where, info.Advisories, info.AffectedPackages)
	if info.Unmatchable > 0 {
		fmt.Fprintf(out, " (%d can never match an installed version)", info.Unmatchable)
	}
	fmt.Fprintln(out)
	if info.Advisories == 0 {
		fmt.Fprintln(out, "No data yet: run eventsec vulns import with OSV files (e.g. https://osv-vulnerabilities.storage.googleapis.com/Debian/all.zip).")
		return nil
	}
	fmt.Fprintf(out, "  ecosystems:    %s\n", ecosystemList(info.Ecosystems))
	if info.LastModified != nil && !info.LastModified.IsZero() {
		fmt.Fprintf(out, "  newest record: %s\n", info.LastModified.UTC().Format(time.RFC3339))
	}
	if l := info.LastImport; l != nil {
		names := make([]string, 0, len(l.Files))
		for _, f := range l.Files {
			names = append(names, fmt.Sprintf("%s (%d)", f.Name, f.Records))
		}
		fmt.Fprintf(out, "  last import:   %s, %d records, %d errors: %s\n", l.At.UTC().Format(time.RFC3339), l.Records, l.Errors, strings.Join(names, ", "))
	}
	return nil
}
