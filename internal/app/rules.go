package app

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/eventsec/eventsec/internal/config"
	"github.com/eventsec/eventsec/internal/detect"
	"github.com/eventsec/eventsec/internal/tty"
)

const rulesUsage = `Usage: eventsec rules <subcommand> [flags]

Subcommands:
  import PATH...   import Sigma (.yml) and JSON rules from directories, ZIP files or single files
  export -o FILE   export an organisation's rules (all, or those the filters select) as a ZIP
  list             list an organisation's rules

Run "eventsec rules <subcommand> --help" for its flags.
`

func rulesCmd(ctx context.Context, env Env, args []string) error {
	if len(args) == 0 || args[0] == "--help" || args[0] == "-h" || args[0] == "help" {
		fmt.Fprint(env.Stdout, rulesUsage)
		if len(args) == 0 {
			return usageError{"rules needs a subcommand"}
		}
		return nil
	}
	switch args[0] {
	case "import":
		return rulesImport(ctx, env, args[1:])
	case "export":
		return rulesExport(ctx, env, args[1:])
	case "list":
		return rulesList(ctx, env, args[1:])
	}
	fmt.Fprint(env.Stderr, rulesUsage)
	return usageError{fmt.Sprintf("unknown rules subcommand %q", args[0])}
}

// readRulePaths reads the rule files of each path: a directory, a ZIP or
// one rule file.
func readRulePaths(paths []string) ([]detect.ImportFile, []detect.Skipped, error) {
	var files []detect.ImportFile
	var skipped []detect.Skipped
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, nil, usageError{fmt.Sprintf("cannot read %s: %v", p, err)}
		}
		var f []detect.ImportFile
		var s []detect.Skipped
		if st.IsDir() {
			f, s, err = detect.ReadDir(p)
		} else {
			if st.Size() > 512<<20 {
				return nil, nil, usageError{fmt.Sprintf("%s is larger than 512 MiB", p)}
			}
			var b []byte
			if b, err = os.ReadFile(p); err == nil {
				f, s, err = detect.ReadZip(b, filepath.Base(p))
			}
		}
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", p, err)
		}
		files = append(files, f...)
		skipped = append(skipped, s...)
	}
	return files, skipped, nil
}

func printImportReport(env Env, rep detect.ImportReport, disabled bool) {
	out := env.Stdout
	state := ""
	if disabled && rep.Loaded > 0 {
		state = " (disabled)"
	}
	fmt.Fprintf(out, "%d new%s, %d updated, %d unchanged, %d conflicts, %d failed, %d stored but not runnable, %d skipped (%d ms)\n",
		rep.Loaded, state, rep.Updated, rep.Unchanged, len(rep.Conflicts), failedFiles(rep), len(rep.NotRunnable), len(rep.Skipped), rep.ElapsedMs)
	if rep.ExceptionsRestored > 0 {
		fmt.Fprintf(out, "  %d exceptions restored\n", rep.ExceptionsRestored)
	}
	for _, u := range rep.UpdatedRules {
		fmt.Fprintf(out, "  updated: %s: %s (%s)\n", u.File, u.Title, u.ID)
	}
	for _, c := range rep.Conflicts {
		fmt.Fprintf(out, "  conflict: %s: %s\n", c.File, c.Message)
	}
	if len(rep.Conflicts) > 0 {
		fmt.Fprintln(out, "  (run again with --overwrite to replace the conflicting rules with the files' versions)")
	}
	for _, f := range rep.Failed {
		fmt.Fprintf(out, "  failed:  %s\n", f.Error())
	}
	for _, f := range rep.NotRunnable {
		fmt.Fprintf(out, "  not runnable: %s: %s (%s): %s\n", f.File, f.Title, f.ID, f.Message)
	}
	if rep.OtherNotRunnable > 0 {
		fmt.Fprintf(out, "  %d other rules of the organisation cannot run either (not part of this import)\n", rep.OtherNotRunnable)
	}
	// Skipped files by reason: a whole SigmaHQ checkout skips hundreds of
	// test files for the same two reasons, which would bury the rest.
	const shown = 5
	var reasons []string
	byReason := map[string][]string{}
	for _, s := range rep.Skipped {
		if _, ok := byReason[s.Reason]; !ok {
			reasons = append(reasons, s.Reason)
		}
		byReason[s.Reason] = append(byReason[s.Reason], s.File)
	}
	for _, r := range reasons {
		files := byReason[r]
		for _, f := range files[:min(len(files), shown)] {
			fmt.Fprintf(out, "  skipped: %s: %s\n", f, r)
		}
		if len(files) > shown {
			fmt.Fprintf(out, "  skipped: %d more files: %s\n", len(files)-shown, r)
		}
	}
}

func rulesImport(ctx context.Context, env Env, args []string) error {
	var org, pack string
	var remote remoteFlags
	var disabled, overwrite bool
	cfg, paths, err := loadConfig(env, "rules import", args, config.LoadOptions{Only: storageOnly, Args: "PATH...",
		Summary: "Import Sigma rules (.yml/.yaml; correlations and filters too) and JSON rules (.json) from\n" +
			"directories, ZIP archives or single files. Every file is reported: loaded, updated, unchanged,\n" +
			"conflict, failed (with file:line:column and the reason) or skipped. A rule written or edited in\n" +
			"EventSec whose source differs from the file's is a conflict and left as it is, unless --overwrite.\n" +
			"An export (eventsec rules export) brings back the rules' state and exceptions too. Without --url\n" +
			"the rules are written to the state store (a running server loads them at its next start); with\n" +
			"--url and --api-key they go to a running server and take effect at once.\n\n" +
			"Exit status: 0 when every rule file was imported, updated, unchanged or skipped; 3 when the\n" +
			"import ran but at least one file failed or was a conflict (the report lists them; the other\n" +
			"files are imported);\n" +
			"2 for a usage error; 1 when nothing could be imported (the store or server was unreachable,\n" +
			"the server refused the request).",
		Extra: func(fs *flag.FlagSet) {
			fs.StringVar(&org, "org", "", "organisation ID or name (needed when there are several)")
			fs.StringVar(&pack, "pack", "custom", "the pack the rules belong to: custom, sigmahq or eventsec")
			remote.register(fs, "send the rules to this running server", "API key of an admin or analyst, for --url (or EVENTSEC_API_KEY)")
			fs.BoolVar(&disabled, "disabled", false, "import rules new to the organisation disabled (updated rules keep their state)")
			fs.BoolVar(&overwrite, "overwrite", false, "replace rules written or edited in EventSec whose source differs from the file's\n(without it they are reported as conflicts and kept)")
		}})
	if err != nil {
		return err
	}
	if len(paths) == 0 {
		return usageError{"rules import needs at least one directory, ZIP or rule file"}
	}
	switch pack {
	case "custom", "sigmahq", "eventsec":
	default:
		return usageError{"--pack must be custom, sigmahq or eventsec"}
	}
	files, skipped, err := readRulePaths(paths)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return usageError{"no rule files (.yml, .yaml, .json) under " + strings.Join(paths, ", ")}
	}
	base, key, client, err := remote.endpoint(env)
	if err != nil {
		return err
	}
	if base != "" {
		return rulesImportRemote(ctx, env, client, base, key, importRequest{pack: pack, origin: importOrigin(paths), disabled: disabled, overwrite: overwrite}, files, skipped)
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
	det, err := detect.New(ctx, detect.Options{Store: c.s, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return err
	}
	last := -1
	progress := func(done, total int) {
		if !tty.Is(env.Stderr) {
			// A log or a pipe: one line, not a percentage redrawn in place.
			if done == 0 {
				fmt.Fprintf(env.Stderr, "importing %d rule files\n", total)
			}
			return
		}
		pct := done * 100 / max(total, 1)
		if pct != last || done == total {
			fmt.Fprintf(env.Stderr, "\rimporting %d rule files: %3d%%", total, pct)
			last = pct
		}
		if done == total {
			fmt.Fprintln(env.Stderr)
		}
	}
	rep, err := det.Import(ctx, detect.Actor{OrgID: o.ID, UserID: "system", Email: "eventsec rules import"}, files,
		detect.ImportOptions{Pack: pack, Disabled: disabled, Overwrite: overwrite, Origin: importOrigin(paths), Skipped: skipped, Progress: progress})
	if err != nil {
		return err
	}
	printImportReport(env, rep, disabled)
	fmt.Fprintf(env.Stdout, "Organisation %q. A running server loads imported rules at its next start.\n", o.Name)
	return importOutcome(rep)
}

// importOrigin names what an import reads, for its rules' imported_from:
// the one directory or file given ("" for several: the rules' file names
// are then all that is recorded).
func importOrigin(paths []string) string {
	if len(paths) != 1 {
		return ""
	}
	return filepath.Base(filepath.Clean(paths[0]))
}

// importRequest is how rules are imported, as the CLI's flags say.
type importRequest struct {
	pack, origin        string
	disabled, overwrite bool
}

// partialError is an import that ran but failed some files: exit code 3,
// so that a script tells it from a clean import (0) and from one that
// could not run at all (1).
type partialError struct{ failed int }

func (e partialError) Error() string {
	if e.failed == 1 {
		return "1 rule was not imported (see the report above)"
	}
	return fmt.Sprintf("%d rules were not imported (see the report above)", e.failed)
}

func importOutcome(rep detect.ImportReport) error {
	if n := failedFiles(rep) + len(rep.Conflicts); n > 0 {
		return partialError{n}
	}
	return nil
}

// failedFiles counts the files that failed (a file may have several
// problems).
func failedFiles(rep detect.ImportReport) int {
	seen := map[string]bool{}
	for _, f := range rep.Failed {
		seen[f.File] = true
	}
	return len(seen)
}

func rulesImportRemote(ctx context.Context, env Env, client *http.Client, base, key string, in importRequest, files []detect.ImportFile, skipped []detect.Skipped) error {
	// The server takes one archive: pack the files into a ZIP.
	var zbuf bytes.Buffer
	zw := zip.NewWriter(&zbuf)
	for _, f := range files {
		w, err := zw.Create(f.Name)
		if err != nil {
			return err
		}
		if _, err := w.Write(f.Source); err != nil {
			return err
		}
	}
	if err := zw.Close(); err != nil {
		return err
	}
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	// The archive is named after what was read: the server records it
	// as where the rules came from.
	name := "rules.zip"
	if in.origin != "" {
		name = in.origin
		if !strings.HasSuffix(strings.ToLower(name), ".zip") {
			name += ".zip"
		}
	}
	fw, err := mw.CreateFormFile("file", name)
	if err != nil {
		return err
	}
	fw.Write(zbuf.Bytes())
	mw.WriteField("pack", in.pack)
	if in.disabled {
		mw.WriteField("disabled", "true")
	}
	if in.overwrite {
		mw.WriteField("overwrite", "true")
	}
	mw.Close()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/api/v1/rules/import", &body)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	fmt.Fprintf(env.Stderr, "sending %d rule files (%d bytes) ...\n", len(files), zbuf.Len())
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("cannot reach %s: %w", base, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Error struct{ Code, Message string } `json:"error"`
		}
		if json.Unmarshal(b, &e) == nil && e.Error.Message != "" {
			return fmt.Errorf("the server refused the rules (%d %s): %s", resp.StatusCode, e.Error.Code, e.Error.Message)
		}
		return fmt.Errorf("the server answered %d", resp.StatusCode)
	}
	var rep detect.ImportReport
	if err := json.Unmarshal(b, &rep); err != nil {
		return fmt.Errorf("the server's answer is not an import report")
	}
	rep.Skipped = append(skipped, rep.Skipped...)
	printImportReport(env, rep, in.disabled)
	return importOutcome(rep)
}

func rulesList(ctx context.Context, env Env, args []string) error {
	var org string
	cfg, _, err := loadConfig(env, "rules list", args, config.LoadOptions{Only: storageOnly, Summary: "List an organisation's detection rules.",
		Extra: func(fs *flag.FlagSet) {
			fs.StringVar(&org, "org", "", "organisation ID or name (needed when there are several)")
		}})
	if err != nil {
		return err
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
	rules, err := c.s.Rules().List(ctx, o.ID)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "TITLE\tLEVEL\tKIND\tPACK\tENABLED\tID")
	for _, r := range rules {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%v\t%s\n", r.Title, r.Level, r.Kind, r.Pack, r.Enabled, r.ID)
	}
	fmt.Fprintf(tw, "\n%d rules\n", len(rules))
	return tw.Flush()
}

func rulesExport(ctx context.Context, env Env, args []string) error {
	var org, output, enabled string
	var remote remoteFlags
	var f detect.RuleFilter
	cfg, _, err := loadConfig(env, "rules export", args, config.LoadOptions{Only: storageOnly,
		Summary: "Export an organisation's detection rules as a ZIP: one file per rule, its source as stored, under its\n" +
			"pack (eventsec/, sigmahq/, custom/; Sigma .yml, JSON rules .json, scheduled KQL rules .kql.json), and\n" +
			"manifest.json with each rule's pack, enabled state, severity override and alert grouping. \"eventsec\n" +
			"rules import FILE.zip\" (or Rules → Import pack) restores the rules into their packs with that state.\n" +
			"The filters select rules as the rules list does. Without --url the rules are read from the state\n" +
			"store; with --url and --api-key from a running server.\n\n" +
			"Exit status: 0 when the archive was written; 2 for a usage error (a bad filter value, no -o);\n" +
			"1 when nothing could be exported (the store or server was unreachable, the file could not be written).",
		Extra: func(fs *flag.FlagSet) {
			fs.StringVar(&output, "o", "", "write the ZIP to this file (- for standard output); required")
			fs.StringVar(&output, "output", "", "the same as -o")
			fs.StringVar(&org, "org", "", "organisation ID or name (needed when there are several)")
			remote.register(fs, "read the rules from this running server", "API key of a role that may read rules, for --url (or EVENTSEC_API_KEY)")
			fs.StringVar(&f.Query, "q", "", "filter: substring of title, description, id or tags")
			fs.StringVar(&f.Status, "status", "", "filter: stable, test, experimental, deprecated or unsupported")
			fs.StringVar(&f.Level, "level", "", "filter: informational, low, medium, high or critical")
			fs.StringVar(&f.Pack, "pack", "", "filter: custom, sigmahq or eventsec")
			fs.StringVar(&f.Tactic, "tactic", "", "filter: ATT&CK tactic ID or shortname (TA0002, execution)")
			fs.StringVar(&f.Technique, "technique", "", "filter: ATT&CK technique ID, its sub-techniques included (T1059)")
			fs.StringVar(&f.Kind, "kind", "", "filter: detection, correlation, threshold, filter or scheduled")
			fs.StringVar(&f.Product, "product", "", "filter: log source product")
			fs.StringVar(&f.Category, "category", "", "filter: log source category")
			fs.StringVar(&f.Service, "service", "", "filter: log source service")
			fs.StringVar(&enabled, "enabled", "", "filter: true (enabled rules) or false (disabled rules)")
		}})
	if err != nil {
		return err
	}
	if output == "" {
		return usageError{"rules export needs -o FILE.zip (or -o - for standard output)"}
	}
	switch enabled {
	case "":
	case "true", "false":
		b := enabled == "true"
		f.Enabled = &b
	default:
		return usageError{"--enabled must be true or false"}
	}
	write := func(fill func(io.Writer) error) error { return writeOutput(env, output, fill) }
	base, key, client, err := remote.endpoint(env)
	if err != nil {
		return err
	}
	if base != "" {
		return rulesExportRemote(ctx, env, client, base, key, f, enabled, output, write)
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
	rules, err := c.s.Rules().List(ctx, o.ID)
	if err != nil {
		return err
	}
	if err := f.Check(rules); err != nil {
		return filterFlagError(err)
	}
	var hits = rules[:0]
	for _, r := range rules {
		if f.Match(r) {
			hits = append(hits, r)
		}
	}
	exc, err := detect.ExportExceptions(ctx, c.s, o.ID, hits)
	if err != nil {
		return err
	}
	if err := write(func(w io.Writer) error { return detect.WriteExport(w, hits, exc, f.String(), time.Now()) }); err != nil {
		return err
	}
	fmt.Fprintf(env.Stderr, "exported %d rules of organisation %q to %s\n", len(hits), o.Name, outputName(output))
	return nil
}

// filterFlagError says which flag holds a filter value no rule can have.
func filterFlagError(err error) error {
	var fe *detect.FilterError
	if errors.As(err, &fe) {
		return usageError{fmt.Sprintf("--%s: %s", fe.Field, fe.Msg)}
	}
	return err
}

func outputName(output string) string {
	if output == "-" {
		return "standard output"
	}
	return output
}

// writeOutput writes a file whole or not at all: into a temporary file
// beside it, renamed over it once complete, so that a failed export never
// leaves a truncated archive where a good one was.
func writeOutput(env Env, output string, fill func(io.Writer) error) error {
	if output == "-" {
		return fill(env.Stdout)
	}
	tmp, err := os.CreateTemp(filepath.Dir(output), "."+filepath.Base(output)+".*")
	if err != nil {
		return fmt.Errorf("cannot write %s: %w", output, err)
	}
	defer os.Remove(tmp.Name())
	if err := fill(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("cannot write %s: %w", output, err)
	}
	if err := os.Rename(tmp.Name(), output); err != nil {
		return fmt.Errorf("cannot write %s: %w", output, err)
	}
	return nil
}

func rulesExportRemote(ctx context.Context, env Env, client *http.Client, base, key string, f detect.RuleFilter, enabled, output string, write func(func(io.Writer) error) error) error {
	q := url.Values{}
	for k, v := range map[string]string{"q": f.Query, "status": f.Status, "level": f.Level, "pack": f.Pack, "tactic": f.Tactic,
		"technique": f.Technique, "kind": f.Kind, "product": f.Product, "category": f.Category, "service": f.Service, "enabled": enabled} {
		if v != "" {
			q.Set(k, v)
		}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/v1/rules/export?"+q.Encode(), nil)
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
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		var e struct {
			Error struct{ Code, Message, Field string } `json:"error"`
		}
		if json.Unmarshal(b, &e) == nil && e.Error.Message != "" {
			if resp.StatusCode == http.StatusBadRequest && e.Error.Field != "" {
				return usageError{fmt.Sprintf("--%s: %s", e.Error.Field, e.Error.Message)}
			}
			return fmt.Errorf("the server refused the export (%d %s): %s", resp.StatusCode, e.Error.Code, e.Error.Message)
		}
		return fmt.Errorf("the server answered %d", resp.StatusCode)
	}
	var n int64
	err = write(func(w io.Writer) error {
		var err error
		if n, err = io.Copy(w, resp.Body); err != nil {
			return fmt.Errorf("the export from %s was interrupted: %w", base, err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stderr, "exported %s rules (%d bytes) to %s\n", resp.Header.Get("X-Rule-Count"), n, outputName(output))
	return nil
}
