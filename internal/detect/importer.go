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
	"maps"
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
	Loaded    int `json:"loaded"`
	Updated   int `json:"updated"`
	Unchanged int `json:"unchanged"`
	// UpdatedRules are the rules counted in Updated: stored rules whose
	// source the import replaced (or, from an export, whose state it
	// restored).
	UpdatedRules []ImportedRule `json:"updated_rules"`
	// Conflicts are rules the import would have replaced but did not: a
	// rule written or edited in EventSec whose source differs from the
	// file's. Importing with Overwrite replaces them.
	Conflicts []ImportConflict `json:"conflicts"`
	Failed    []RuleError      `json:"failed"`
	// NotRunnable are rules of this import, stored, that the org's engine
	// cannot run as they are, with the reason: a Sigma placeholder without
	// values in the org (Rules → Placeholders), a correlation whose rules
	// are missing. They run once the reason is gone. OtherNotRunnable
	// counts the org's other rules that cannot run.
	NotRunnable      []NotRunnable `json:"not_runnable"`
	OtherNotRunnable int           `json:"other_not_runnable"`
	// ExceptionsRestored counts the exceptions an export's manifest gave
	// that the import added to its rules.
	ExceptionsRestored int       `json:"exceptions_restored"`
	Skipped            []Skipped `json:"skipped"`
	ElapsedMs          int64     `json:"elapsed_ms"`
}

// ImportedRule names a rule of an import and the file it came from.
type ImportedRule struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	File  string `json:"file"`
}

// ImportConflict is a stored rule an import left as it was: its source
// differs from the file's and it is the org's own (written or edited in
// EventSec). Pack is the stored rule's.
type ImportConflict struct {
	ID      string `json:"id"`
	Title   string `json:"title"`
	File    string `json:"file"`
	Pack    string `json:"pack"`
	Message string `json:"message"`
}

// NotRunnable is a rule of an import that is stored but cannot run, and
// why.
type NotRunnable struct {
	ID      string `json:"id"`
	Title   string `json:"title"`
	File    string `json:"file"`
	Message string `json:"message"`
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
	// Overwrite replaces rules written or edited in EventSec whose source
	// differs from the file's; without it they are conflicts.
	Overwrite bool
	// Origin names what was imported (an uploaded archive's name, a
	// directory): a rule's ImportedFrom is Origin:FILE ("" gives FILE).
	Origin string
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
// already stored with the same source is left alone (unchanged). A rule
// of the pack the org has not edited is updated to the file's version. A
// rule the org wrote or edited (pack "custom") whose source differs from
// the file's is a conflict, reported and left as it is, unless
// o.Overwrite: an import never silently replaces the org's own work. A
// rule whose id, or Sigma name, belongs to a rule of another pack fails:
// an import never takes a rule from another pack. Every file is reported;
// one bad rule never stops the others.
//
// An export (WriteExport) is a pack whose manifest.json says each file's
// pack and the rule's state (enabled, severity override, alert grouping
// and window) and exceptions: its rules go back to their packs with that
// state, the exceptions they lack are added, and a rule whose source and
// state are as stored is unchanged. Files the manifest does not describe
// are imported into o.Pack as usual.
func (s *Service) Import(ctx context.Context, a Actor, files []ImportFile, o ImportOptions) (ImportReport, error) {
	start := time.Now()
	defaultPack := o.Pack
	if defaultPack == "" {
		defaultPack = "custom"
	}
	rep := ImportReport{UpdatedRules: []ImportedRule{}, Conflicts: []ImportConflict{}, Failed: []RuleError{}, NotRunnable: []NotRunnable{},
		Skipped: append([]Skipped{}, o.Skipped...)}
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
	// stored are the rules of this import that are stored once it is
	// done (new, updated or unchanged), by id; restore the exceptions
	// the manifest gives them.
	stored := map[string]ImportedRule{}
	restore := map[string][]ManifestException{}
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
		r := storeRule(a.OrgID, u)
		// A rule an import wrote that nobody edited since (its source is
		// still the one imported) is the file's to update.
		editedHere := old.ImportedHash == "" || old.ImportedHash != old.SourceHash
		if had && old.Pack == "custom" && old.SourceHash != r.SourceHash && editedHere && !o.Overwrite {
			// The org's own rule (written here, or a pack's rule it
			// edited): replacing it would lose that work.
			msg := fmt.Sprintf("rule %s differs from the stored rule %q, which was written or edited in EventSec; it was left as it is (import with overwrite to replace it)", u.ID, old.Title)
			rep.Conflicts = append(rep.Conflicts, ImportConflict{ID: u.ID, Title: old.Title, File: f.Name, Pack: old.Pack, Message: msg})
			// Its id and names stay the stored rule's: a later file of
			// this import that has them is a clash, as with any rule.
			for _, x := range refs {
				inImport[x.value] = f.Name
			}
			continue
		}
		for _, x := range refs {
			inImport[x.value] = f.Name
		}
		from := f.Name
		if o.Origin != "" && o.Origin != f.Name {
			from = o.Origin + ":" + f.Name
		}
		this := ImportedRule{ID: u.ID, Title: u.Title, File: f.Name}
		switch {
		case had && old.SourceHash == r.SourceHash && old.Pack == pack:
			stored[u.ID] = this
			if described {
				// The source is as stored; the state may not be.
				st := old
				if entry.applyState(&st) {
					st.UpdatedAt = now
					r = st
					changes = append(changes, change{st, u, true})
					rep.Updated++
					rep.UpdatedRules = append(rep.UpdatedRules, this)
					break
				}
			}
			rep.Unchanged++
			continue
		case had && old.SourceHash == r.SourceHash && !described:
			stored[u.ID] = this
			rep.Unchanged++
			continue
		case had:
			r.Enabled, r.SeverityOverride, r.CreatedBy, r.CreatedAt = old.Enabled, old.SeverityOverride, old.CreatedBy, old.CreatedAt
			r.AlertGroupBy, r.AlertWindow = old.AlertGroupBy, old.AlertWindow
			if described {
				entry.applyState(&r)
			}
			r.Pack, r.UpdatedAt, r.ImportedFrom, r.ImportedHash = pack, now, from, r.SourceHash
			changes = append(changes, change{r, u, true})
			rep.Updated++
			rep.UpdatedRules = append(rep.UpdatedRules, this)
		default:
			r.Enabled, r.Pack, r.CreatedBy, r.CreatedAt, r.UpdatedAt, r.ImportedFrom, r.ImportedHash = true, pack, a.UserID, now, now, from, r.SourceHash
			if described {
				entry.applyState(&r)
			}
			// Disabled is the importer's explicit wish for new rules: it
			// wins over an export's state.
			r.Enabled = r.Enabled && !o.Disabled
			changes = append(changes, change{r, u, false})
			rep.Loaded++
		}
		stored[u.ID] = this
		for _, x := range refs {
			owner[x.value] = u.ID
		}
		existing[u.ID] = r
	}
	if o.Progress != nil {
		o.Progress(len(files), len(files))
	}
	for name, entry := range manifest {
		if _, ok := stored[entry.ID]; ok && len(entry.Exceptions) > 0 && stored[entry.ID].File == name {
			restore[entry.ID] = entry.Exceptions
		}
	}
	added, err := s.exceptionsToRestore(ctx, a, restore)
	if err != nil {
		return rep, err
	}
	rep.ExceptionsRestored = len(added)
	if len(changes) > 0 || len(failedFiles) > 0 || len(rep.Conflicts) > 0 || len(added) > 0 {
		var created, updated, conflicts []string
		for _, c := range changes {
			name := fmt.Sprintf("%q (%s)", c.rule.Title, c.rule.ID)
			if c.update {
				updated = append(updated, name)
			} else {
				created = append(created, name)
			}
		}
		for _, c := range rep.Conflicts {
			conflicts = append(conflicts, fmt.Sprintf("%q (%s)", c.Title, c.ID))
		}
		what, target := fmt.Sprintf("pack %q", defaultPack), defaultPack
		if manifest != nil {
			// The rules went to the packs the manifest names.
			what, target = "a rule export ("+ManifestName+")", "export"
		}
		if o.Origin != "" {
			what += " from " + o.Origin
		}
		summary := fmt.Sprintf("imported %s: %d new, %d updated, %d unchanged, %d conflicts, %d failed, %d skipped",
			what, rep.Loaded, rep.Updated, rep.Unchanged, len(rep.Conflicts), len(failedFiles), len(rep.Skipped))
		if o.Disabled && rep.Loaded > 0 {
			summary += " (new rules disabled)"
		}
		if o.Overwrite {
			summary += " (overwrite)"
		}
		if len(added) > 0 {
			summary += fmt.Sprintf(", %d exceptions restored", len(added))
		}
		summary += auditList("new", created) + auditList("updated", updated) + auditList("conflicts", conflicts) + auditList("failed", failedFiles)
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
			for _, x := range added {
				if err := rp.Rules().CreateException(ctx, x.RuleException); err != nil {
					return fmt.Errorf("exception of rule %s: %w", x.RuleID, err)
				}
			}
			return s.audit(ctx, rp, a, "rule.import", "rule", target, summary)
		})
		if err != nil {
			return rep, err
		}
	}
	if len(changes) > 0 || len(added) > 0 {
		e.mu.Lock()
		for _, c := range changes {
			e.units[c.rule.ID] = &loaded{rule: c.rule, unit: c.unit}
		}
		for _, x := range added {
			e.exceptions[x.RuleID] = append(e.exceptions[x.RuleID], x)
		}
		if len(added) > 0 {
			e.gen++ // engines built for tests and alert event lists copied the old exceptions
		}
		if len(changes) > 0 {
			e.rebuild()
		}
		e.mu.Unlock()
	}
	// What cannot run, of this import's rules; the rest of the org's are
	// counted, so that the report is about this import.
	problems := s.Problems(a.OrgID)
	for id, msg := range problems {
		if r, ok := stored[id]; ok {
			rep.NotRunnable = append(rep.NotRunnable, NotRunnable{ID: id, Title: r.Title, File: r.File, Message: msg})
		} else {
			rep.OtherNotRunnable++
		}
	}
	sort.Slice(rep.NotRunnable, func(i, j int) bool { return rep.NotRunnable[i].File < rep.NotRunnable[j].File })
	rep.ElapsedMs = time.Since(start).Milliseconds()
	return rep, nil
}

// exceptionsToRestore returns the exceptions of an export's manifest
// that their rules lack (the same conditions, reason and expiry), as
// exceptions to store, compiled. An owner the org does not have (by ID,
// then by address) gives way to the importing user.
func (s *Service) exceptionsToRestore(ctx context.Context, a Actor, byRule map[string][]ManifestException) ([]*exception, error) {
	if len(byRule) == 0 {
		return nil, nil
	}
	have, err := s.o.Store.Rules().Exceptions(ctx, a.OrgID, "")
	if err != nil {
		return nil, err
	}
	key := func(ruleID string, conds []store.ExceptionCondition, reason string, exp *time.Time) string {
		b, _ := json.Marshal(conds)
		k := ruleID + "\x00" + string(b) + "\x00" + reason + "\x00"
		if exp != nil {
			k += exp.UTC().Format(time.RFC3339Nano)
		}
		return k
	}
	seen := map[string]bool{}
	for _, x := range have {
		seen[key(x.RuleID, x.Conditions, x.Reason, x.ExpiresAt)] = true
	}
	owners := map[string]string{} // exported owner (id or address) -> user of this org
	ownerOf := func(x ManifestException) string {
		k := x.Owner + "\x00" + x.OwnerEmail
		if id, ok := owners[k]; ok {
			return id
		}
		id := a.UserID
		if u, err := s.o.Store.Users().Get(ctx, a.OrgID, x.Owner); x.Owner != "" && err == nil {
			id = u.ID
		} else if u, err := s.o.Store.Users().GetByEmail(ctx, x.OwnerEmail); x.OwnerEmail != "" && err == nil && u.OrgID == a.OrgID {
			id = u.ID
		}
		owners[k] = id
		return id
	}
	ids := slices.Sorted(maps.Keys(byRule))
	var out []*exception
	for _, rid := range ids {
		for _, x := range byRule[rid] {
			k := key(rid, x.Conditions, x.Reason, x.ExpiresAt)
			if seen[k] {
				continue
			}
			seen[k] = true
			created := x.CreatedAt
			if created.IsZero() {
				created = s.o.Now()
			}
			cx, err := compileException(store.RuleException{ID: newID(), OrgID: a.OrgID, RuleID: rid, Conditions: x.Conditions,
				Reason: x.Reason, Owner: ownerOf(x), ExpiresAt: x.ExpiresAt, CreatedAt: created})
			if err != nil {
				// readManifest compiled it already.
				return nil, fmt.Errorf("cannot restore an exception of rule %s: %w", rid, err)
			}
			out = append(out, cx)
		}
	}
	return out, nil
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
