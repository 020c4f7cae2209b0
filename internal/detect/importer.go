package detect

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/eventsec/eventsec/internal/detect/jsonrule"
	"github.com/eventsec/eventsec/internal/store"
	"gopkg.in/yaml.v3"
)

// Limits of a rule pack.
const (
	MaxPackFiles = 50_000
	MaxPackBytes = 256 << 20 // uncompressed, all files
)

// ImportFile is one file of a rule pack.
type ImportFile struct {
	Name   string
	Source []byte
}

// Skipped is a pack entry that was not read as a rule.
type Skipped struct {
	File   string `json:"file"`
	Reason string `json:"reason"`
}

// ImportReport says what an import did.
type ImportReport struct {
	Loaded    int         `json:"loaded"`
	Updated   int         `json:"updated"`
	Unchanged int         `json:"unchanged"`
	Failed    []RuleError `json:"failed"`
	// NotRunnable are rules stored and enabled that the org's engine
	// cannot run yet, with the reason: a Sigma placeholder without values
	// in the org (Rules → Placeholders), a correlation whose rules are
	// missing. They run once the reason is gone.
	NotRunnable []RuleError `json:"not_runnable"`
	Skipped     []Skipped   `json:"skipped"`
	ElapsedMs   int64       `json:"elapsed_ms"`
}

// ErrPack is a pack that cannot be read at all.
var ErrPack = errors.New("bad rule pack")

func ruleFile(name string) (format string, ok bool) {
	if strings.HasSuffix(strings.ToLower(name), ".kql.json") {
		// A scheduled KQL rule, as an export names it: its JSON has a
		// query, which a JSON rule's has not.
		return FormatKQL, true
	}
	switch strings.ToLower(path.Ext(name)) {
	case ".yml", ".yaml":
		return FormatSigma, true
	case ".json":
		return FormatJSON, true
	}
	return "", false
}

// notARule says why a pack's file is no rule at all, to skip it rather
// than fail it: a JSON document with none of a rule's keys (an event, as
// in SigmaHQ's regression_data), or YAML none of whose documents has a
// Sigma rule's (test metadata such as regression_data's info.yml). A file
// that does not parse is left to Compile, which says where.
func notARule(format string, src []byte) string {
	if format == FormatJSON || format == FormatKQL {
		// The first value only: event files often hold several.
		var obj map[string]json.RawMessage
		if err := json.NewDecoder(bytes.NewReader(src)).Decode(&obj); err != nil {
			var arr []json.RawMessage
			if json.NewDecoder(bytes.NewReader(src)).Decode(&arr) == nil {
				return "not a rule: a JSON array (events?); a JSON rule is an object with conditions or a query"
			}
			return ""
		}
		for _, k := range []string{"conditions", "query", "aggregation", "detection", "name", "title"} {
			if _, ok := obj[k]; ok {
				return ""
			}
		}
		return "not a rule: a JSON object without name, conditions or query (an event?)"
	}
	dec := yaml.NewDecoder(bytes.NewReader(src))
	docs := 0
	for {
		var doc map[string]any
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return ""
		}
		docs++
		for _, k := range []string{"title", "detection", "correlation", "filter", "logsource", "action"} {
			if _, ok := doc[k]; ok {
				return ""
			}
		}
	}
	if docs == 0 {
		return ""
	}
	return "not a Sigma rule: no title, logsource, detection, correlation or filter (test data or metadata?)"
}

// safeName rejects absolute paths and parent references (zip slip).
func safeName(name string) bool {
	if name == "" || strings.HasPrefix(name, "/") || strings.HasPrefix(name, `\`) || strings.Contains(name, `:\`) {
		return false
	}
	for _, part := range strings.FieldsFunc(name, func(r rune) bool { return r == '/' || r == '\\' }) {
		if part == ".." {
			return false
		}
	}
	return true
}

func hidden(name string) bool {
	for _, part := range strings.Split(name, "/") {
		if strings.HasPrefix(part, ".") || part == "__MACOSX" {
			return true
		}
	}
	return false
}

// ReadZip reads the rule files of a ZIP archive, defending against zip
// bombs (sizes are enforced while reading, not trusted from the header)
// and path traversal. A single YAML or JSON file is accepted too.
func ReadZip(data []byte, name string) ([]ImportFile, []Skipped, error) {
	if !bytes.HasPrefix(data, []byte("PK")) {
		if _, ok := ruleFile(name); ok || name == "" {
			if len(data) > MaxSourceBytes {
				return nil, nil, fmt.Errorf("%w: %s is %d bytes; a rule may be at most %d", ErrPack, name, len(data), MaxSourceBytes)
			}
			if name == "" {
				name = "rule.yml"
			}
			return []ImportFile{{Name: name, Source: data}}, nil, nil
		}
		return nil, nil, fmt.Errorf("%w: not a ZIP archive, a .yml or a .json file", ErrPack)
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %v", ErrPack, err)
	}
	if len(zr.File) > MaxPackFiles {
		return nil, nil, fmt.Errorf("%w: %d entries; at most %d", ErrPack, len(zr.File), MaxPackFiles)
	}
	var files []ImportFile
	var skipped []Skipped
	var total int64
	for _, f := range zr.File {
		n := f.Name
		if f.FileInfo().IsDir() {
			continue
		}
		if !safeName(n) {
			skipped = append(skipped, Skipped{n, "unsafe path (absolute or with ..): not read"})
			continue
		}
		if hidden(n) {
			continue
		}
		if _, ok := ruleFile(n); !ok {
			skipped = append(skipped, Skipped{n, "not a rule file (.yml, .yaml or .json)"})
			continue
		}
		if f.UncompressedSize64 > MaxSourceBytes {
			skipped = append(skipped, Skipped{n, fmt.Sprintf("%d bytes; a rule may be at most %d", f.UncompressedSize64, MaxSourceBytes)})
			continue
		}
		rc, err := f.Open()
		if err != nil {
			skipped = append(skipped, Skipped{n, "cannot read: " + err.Error()})
			continue
		}
		b, err := io.ReadAll(io.LimitReader(rc, MaxSourceBytes+1))
		rc.Close()
		if err != nil {
			skipped = append(skipped, Skipped{n, "cannot read: " + err.Error()})
			continue
		}
		if len(b) > MaxSourceBytes {
			skipped = append(skipped, Skipped{n, fmt.Sprintf("more than %d bytes uncompressed (the header said %d)", MaxSourceBytes, f.UncompressedSize64)})
			continue
		}
		total += int64(len(b))
		if total > MaxPackBytes {
			return nil, nil, fmt.Errorf("%w: more than %d bytes uncompressed", ErrPack, MaxPackBytes)
		}
		files = append(files, ImportFile{Name: n, Source: b})
	}
	return files, skipped, nil
}

// ReadDir reads the rule files under a directory (or one file).
func ReadDir(root string) ([]ImportFile, []Skipped, error) {
	var files []ImportFile
	var skipped []Skipped
	var total int64
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		if rel == "." {
			rel = filepath.Base(p)
		}
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if p != root && strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir
			}
			return nil
		}
		if _, ok := ruleFile(p); !ok || strings.HasPrefix(d.Name(), ".") {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		if info.Size() > MaxSourceBytes {
			skipped = append(skipped, Skipped{rel, fmt.Sprintf("%d bytes; a rule may be at most %d", info.Size(), MaxSourceBytes)})
			return nil
		}
		b, err := readFile(p)
		if err != nil {
			return err
		}
		total += int64(len(b))
		if total > MaxPackBytes || len(files) >= MaxPackFiles {
			return fmt.Errorf("%w: more than %d files or %d bytes", ErrPack, MaxPackFiles, MaxPackBytes)
		}
		files = append(files, ImportFile{Name: rel, Source: b})
		return nil
	})
	return files, skipped, err
}

var readFile = os.ReadFile

// ImportOptions say how to import a pack.
type ImportOptions struct {
	// Pack the rules belong to ("" is custom).
	Pack string
	// Disabled imports the rules new to the org disabled (rules updated
	// keep their state).
	Disabled bool
	// Skipped are the entries the reader of the pack (ReadZip, ReadDir)
	// did not read as rules: the report and the audit log count them.
	Skipped []Skipped
	// Progress, when set, is called after each file.
	Progress func(done, total int)
}

// maxAuditNames bounds how many rules an import's audit entry names per
// outcome; the rest are counted.
const maxAuditNames = 10

// Import adds and updates the pack's rules in the actor's org. A rule
// already stored with the same source is left alone; one the org edited
// (pack "custom" while importing another pack) is kept and reported as
// skipped. A rule whose id, or Sigma name, belongs to a rule of another
// pack fails: an import never takes a rule from another pack. Every file
// is reported; one bad rule never stops the others.
//
// An export (WriteExport) is a pack whose manifest.json says each file's
// pack and the rule's state (enabled, severity override, alert grouping
// and window): its rules go back to their packs with that state, and a
// rule whose source and state are as stored is unchanged. Files the
// manifest does not describe are imported into o.Pack as usual.
func (s *Service) Import(ctx context.Context, a Actor, files []ImportFile, o ImportOptions) (ImportReport, error) {
	start := time.Now()
	defaultPack := o.Pack
	if defaultPack == "" {
		defaultPack = "custom"
	}
	rep := ImportReport{Failed: []RuleError{}, NotRunnable: []RuleError{}, Skipped: append([]Skipped{}, o.Skipped...)}
	var manifest map[string]ManifestRule
	if i := slices.IndexFunc(files, func(f ImportFile) bool { return f.Name == ManifestName }); i >= 0 {
		m, err := readManifest(files[i].Source)
		if err != nil {
			return rep, err
		}
		manifest = m
		files = slices.Delete(slices.Clone(files), i, i+1)
	}
	sort.Slice(files, func(i, j int) bool { return files[i].Name < files[j].Name })
	s.changeMu.Lock()
	defer s.changeMu.Unlock()
	e := s.engine(a.OrgID, true)
	type change struct {
		rule   store.Rule
		unit   *Unit
		update bool
	}
	var changes []change
	e.mu.RLock()
	owner := map[string]string{} // document ID or Sigma name -> stored rule ID, stored and in this import
	existing := map[string]store.Rule{}
	for rid, l := range e.units {
		for _, r := range unitRefs(l.unit) {
			owner[r.value] = rid
		}
		owner[rid] = rid
		existing[rid] = l.rule
	}
	e.mu.RUnlock()
	now := s.o.Now()
	inImport := map[string]string{} // document ID or name -> file, in this import
	var failedFiles []string
	// channels are the org's notification channels, read at the first
	// JSON rule with actions.
	var channels []jsonrule.Channel
	var err error
	for i, f := range files {
		if o.Progress != nil {
			o.Progress(i, len(files))
		}
		if ctx.Err() != nil {
			return rep, ctx.Err()
		}
		format, _ := ruleFile(f.Name)
		if format == FormatSigma && GuessFormat(string(f.Source)) == FormatJSON {
			format = FormatJSON
		}
		pack := defaultPack
		entry, described := manifest[f.Name]
		if described {
			pack = entry.Pack
			if entry.Format != "" {
				format = entry.Format
			}
		}
		if why := notARule(format, f.Source); why != "" {
			rep.Skipped = append(rep.Skipped, Skipped{f.Name, why})
			continue
		}
		fail := func(status string, problems ...RuleError) {
			for _, p := range problems {
				p.Status = status
				rep.Failed = append(rep.Failed, p)
			}
			failedFiles = append(failedFiles, f.Name)
		}
		u, problems := Compile(format, string(f.Source), f.Name)
		if len(problems) > 0 {
			fail(FailedUnreadable, problems...)
			continue
		}
		if described && entry.ID != u.ID {
			fail(FailedUnreadable, RuleError{File: f.Name, Line: 1, Column: 1, Message: fmt.Sprintf("%s says the rule's id is %s; the file's is %s", ManifestName, entry.ID, u.ID)})
			continue
		}
		// A clash is reported at the id: or name: that clashes.
		clash, at := "", u.ID
		refs := unitRefs(u)
		for _, r := range refs {
			if other, ok := inImport[r.value]; ok {
				clash, at = fmt.Sprintf("%s: also in %s", describeRef(r), other), r.value
				break
			}
		}
		for _, r := range refs {
			if clash != "" {
				break
			}
			if o, ok := owner[r.value]; ok && o != u.ID {
				other := existing[o]
				clash, at = fmt.Sprintf("%s: already used by rule %q (%s) of pack %s", describeRef(r), other.Title, o, other.Pack), r.value
				break
			}
		}
		old, had := existing[u.ID]
		// An export says a rule is the org's own (custom) when the org
		// edited a pack's rule: restoring it takes the rule over from
		// the pack, as the edit did.
		restoresEdit := described && pack == "custom"
		if clash == "" && had && old.Pack != pack && old.Pack != "custom" && !restoresEdit {
			// The id is another pack's rule (a built-in one imported into
			// custom, say): taking it over would change that rule's source
			// and pack behind its back.
			clash = fmt.Sprintf("duplicate rule id %s: already used by rule %q of pack %s; import it into pack %s to update it, or give this rule a new id",
				u.ID, old.Title, old.Pack, old.Pack)
		}
		if clash != "" {
			fail(FailedRefused, u.refError(f.Name, at, clash))
			continue
		}
		if u.JSON != nil && len(u.JSON.Actions) > 0 {
			if channels == nil {
				if channels, err = s.orgChannels(ctx, a.OrgID); err != nil {
					return rep, err
				}
			}
			if errs, _ := actionProblems(u, channels, f.Name); len(errs) > 0 {
				fail(FailedRefused, errs...)
				continue
			}
		}
		for _, r := range refs {
			inImport[r.value] = f.Name
		}
		r := storeRule(a.OrgID, u)
		switch {
		case had && old.SourceHash == r.SourceHash && old.Pack == pack:
			if described {
				// The source is as stored; the state may not be.
				st := old
				if entry.applyState(&st) {
					st.UpdatedAt = now
					r = st
					changes = append(changes, change{st, u, true})
					rep.Updated++
					break
				}
			}
			rep.Unchanged++
			continue
		case had && old.SourceHash == r.SourceHash && !described:
			rep.Unchanged++
			continue
		case had && old.Pack == "custom" && pack != "custom":
			rep.Skipped = append(rep.Skipped, Skipped{f.Name, fmt.Sprintf("rule %s was edited in EventSec; the pack's version was not applied", u.ID)})
			continue
		case had:
			r.Enabled, r.SeverityOverride, r.CreatedBy, r.CreatedAt = old.Enabled, old.SeverityOverride, old.CreatedBy, old.CreatedAt
			r.AlertGroupBy, r.AlertWindow = old.AlertGroupBy, old.AlertWindow
			if described {
				entry.applyState(&r)
			}
			r.Pack, r.UpdatedAt = pack, now
			changes = append(changes, change{r, u, true})
			rep.Updated++
		default:
			r.Enabled, r.Pack, r.CreatedBy, r.CreatedAt, r.UpdatedAt = true, pack, a.UserID, now, now
			if described {
				entry.applyState(&r)
			}
			// Disabled is the importer's explicit wish for new rules: it
			// wins over an export's state.
			r.Enabled = r.Enabled && !o.Disabled
			changes = append(changes, change{r, u, false})
			rep.Loaded++
		}
		for _, x := range refs {
			owner[x.value] = u.ID
		}
		existing[u.ID] = r
	}
	if o.Progress != nil {
		o.Progress(len(files), len(files))
	}
	if len(changes) > 0 || len(failedFiles) > 0 {
		var created, updated []string
		for _, c := range changes {
			name := fmt.Sprintf("%q (%s)", c.rule.Title, c.rule.ID)
			if c.update {
				updated = append(updated, name)
			} else {
				created = append(created, name)
			}
		}
		what, target := fmt.Sprintf("pack %q", defaultPack), defaultPack
		if manifest != nil {
			// The rules went to the packs the manifest names.
			what, target = "a rule export ("+ManifestName+")", "export"
		}
		summary := fmt.Sprintf("imported %s: %d new, %d updated, %d unchanged, %d failed, %d skipped",
			what, rep.Loaded, rep.Updated, rep.Unchanged, len(failedFiles), len(rep.Skipped))
		if o.Disabled && rep.Loaded > 0 {
			summary += " (new rules disabled)"
		}
		summary += auditList("new", created) + auditList("updated", updated) + auditList("failed", failedFiles)
		err := s.o.Store.Tx(ctx, func(rp store.Repos) error {
			for _, c := range changes {
				var err error
				if c.update {
					err = rp.Rules().Update(ctx, c.rule)
				} else {
					err = rp.Rules().Create(ctx, c.rule)
				}
				if err != nil {
					return fmt.Errorf("rule %s: %w", c.rule.ID, err)
				}
			}
			return s.audit(ctx, rp, a, "rule.import", "rule", target, summary)
		})
		if err != nil {
			return rep, err
		}
	}
	if len(changes) > 0 {
		e.mu.Lock()
		for _, c := range changes {
			e.units[c.rule.ID] = &loaded{rule: c.rule, unit: c.unit}
		}
		rep.NotRunnable = append(rep.NotRunnable, e.rebuild()...)
		e.mu.Unlock()
	}
	rep.ElapsedMs = time.Since(start).Milliseconds()
	return rep, nil
}

// describeRef names an id or a Sigma name in a clash.
func describeRef(r ref) string {
	if r.name {
		return fmt.Sprintf("duplicate name %q (Sigma names must be unique: correlations reference rules by them)", r.value)
	}
	return "duplicate rule id " + r.value
}

// auditList is "; what: a, b, c and 4 more" for an audit entry, at most
// maxAuditNames names ("" for none).
func auditList(what string, names []string) string {
	if len(names) == 0 {
		return ""
	}
	shown := names[:min(len(names), maxAuditNames)]
	out := "; " + what + ": " + strings.Join(shown, ", ")
	if n := len(names) - len(shown); n > 0 {
		out += fmt.Sprintf(" and %d more", n)
	}
	return out
}
