package detect

import (
	"archive/zip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode"

	"github.com/eventsec/eventsec/internal/store"
)

// ManifestName is the file of a rule export that describes its rules:
// their packs and the state that is not part of a rule's source.
const ManifestName = "manifest.json"

// ManifestVersion is the version of the manifest's shape: 2 added each
// rule's exceptions. An import reads versions 1 and 2.
const ManifestVersion = 2

// Manifest is manifest.json of a rule export.
type Manifest struct {
	Version    int            `json:"version"`
	ExportedAt time.Time      `json:"exported_at"`
	Filter     string         `json:"filter"`
	Rules      []ManifestRule `json:"rules"`
}

// ManifestRule is one exported rule: where its source is in the archive,
// and its state in the org, which an import of the archive restores.
type ManifestRule struct {
	ID     string `json:"id"`
	Title  string `json:"title"`
	Pack   string `json:"pack"`
	Format string `json:"format"`
	Kind   string `json:"kind"`
	// Enabled is a pointer so that an entry written by hand without it
	// is told from one that says false.
	Enabled          *bool     `json:"enabled"`
	File             string    `json:"file"`
	UpdatedAt        time.Time `json:"updated_at"`
	SeverityOverride string    `json:"severity_override,omitempty"`
	AlertGroupBy     []string  `json:"alert_group_by,omitempty"`
	// AlertWindowMinutes: 0 is detection's default fold window.
	AlertWindowMinutes int64 `json:"alert_window_minutes,omitempty"`
	// Exceptions are the rule's tuning: an import adds those the rule
	// does not have yet (the same conditions, reason and expiry).
	Exceptions []ManifestException `json:"exceptions,omitempty"`
}

// ManifestException is an exception of an exported rule. Owner is the
// user ID on the exporting server and OwnerEmail that user's address: an
// import keeps the owner when the organisation has that user (by ID, then
// by address), else the importing user owns the exception.
type ManifestException struct {
	Conditions []store.ExceptionCondition `json:"conditions"`
	Reason     string                     `json:"reason"`
	Owner      string                     `json:"owner,omitempty"`
	OwnerEmail string                     `json:"owner_email,omitempty"`
	ExpiresAt  *time.Time                 `json:"expires_at,omitempty"`
	CreatedAt  time.Time                  `json:"created_at"`
}

// ExportException is an exception as WriteExport takes it: the stored
// exception and its owner's address (empty when unknown).
type ExportException struct {
	store.RuleException
	OwnerEmail string
}

// maxSlug bounds the title part of an exported file's name, well below
// the 255 bytes file systems allow, leaving room for an id.
const maxSlug = 80

// slug is a title as a portable file name: ASCII letters and digits,
// lower case, words joined by "_" (no spaces, no characters Windows or a
// shell treat specially, no leading dot).
func slug(title string) string {
	var b strings.Builder
	sep := false
	for _, r := range strings.ToLower(title) {
		if r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			if sep && b.Len() > 0 {
				if b.Len()+2 > maxSlug {
					break // no room for another word
				}
				b.WriteByte('_')
			}
			sep = false
			if b.Len() >= maxSlug {
				break // one very long word
			}
			b.WriteRune(r)
			continue
		}
		sep = true
	}
	return strings.TrimRight(b.String(), "_")
}

// safeID is an id made fit for a file name (ids are UUIDs in practice,
// but a JSON rule's id is whatever its author wrote).
func safeID(id string) string {
	var b strings.Builder
	for _, r := range id {
		if r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == '_') {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	return strings.Trim(b.String(), "_")
}

// exportExt is the extension of a rule's file; the import reads the
// format back from it (.kql.json: a scheduled KQL rule).
func exportExt(format string) string {
	switch format {
	case FormatJSON:
		return ".json"
	case FormatKQL:
		return ".kql.json"
	}
	return ".yml"
}

// ExportNames gives every rule its file in an export: PACK/TITLE.EXT,
// the title made file-system safe. Rules of a pack whose titles give the
// same name are all named TITLE_ID, so that a name depends on the rules
// exported and not on their order. The result is indexed like rules.
func ExportNames(rules []store.Rule) []string {
	base := make([]string, len(rules))
	count := map[string]int{}
	for i, r := range rules {
		pack := safeID(r.Pack)
		if pack == "" {
			pack = "custom"
		}
		s := slug(r.Title)
		if s == "" {
			s = "rule"
		}
		base[i] = pack + "/" + s
		count[strings.ToLower(base[i]+exportExt(r.Format))]++
	}
	out := make([]string, len(rules))
	used := map[string]bool{}
	for i, r := range rules {
		name := base[i] + exportExt(r.Format)
		if count[strings.ToLower(name)] > 1 {
			name = base[i] + "_" + safeID(r.ID) + exportExt(r.Format)
		}
		// Two ids that differ only in characters safeID replaces: number
		// the later ones (rules are in a stable order).
		for n := 2; used[strings.ToLower(name)]; n++ {
			name = fmt.Sprintf("%s_%s_%d%s", base[i], safeID(r.ID), n, exportExt(r.Format))
		}
		used[strings.ToLower(name)] = true
		out[i] = name
	}
	return out
}

// WriteExport writes rules as a ZIP: manifest.json, then each rule's
// source as stored, one file per rule (ExportNames). Entries carry the
// rule's last change as their time, so the same rules export to the same
// bytes but for the manifest's export time. filter describes the
// selection, for the manifest. The manifest lists each rule's exceptions
// among exc (those of other rules are left out).
func WriteExport(w io.Writer, rules []store.Rule, exc []ExportException, filter string, now time.Time) error {
	rules = slices.Clone(rules)
	sort.SliceStable(rules, func(i, j int) bool {
		if rules[i].Pack != rules[j].Pack {
			return rules[i].Pack < rules[j].Pack
		}
		if rules[i].Title != rules[j].Title {
			return rules[i].Title < rules[j].Title
		}
		return rules[i].ID < rules[j].ID
	})
	names := ExportNames(rules)
	m := Manifest{Version: ManifestVersion, ExportedAt: now.UTC(), Filter: filter, Rules: make([]ManifestRule, len(rules))}
	byRule := map[string][]ManifestException{}
	for _, x := range exc {
		me := ManifestException{Conditions: x.Conditions, Reason: x.Reason, Owner: x.Owner, OwnerEmail: x.OwnerEmail, CreatedAt: x.CreatedAt.UTC()}
		if x.ExpiresAt != nil {
			t := x.ExpiresAt.UTC()
			me.ExpiresAt = &t
		}
		byRule[x.RuleID] = append(byRule[x.RuleID], me)
	}
	for _, l := range byRule {
		// The same exceptions export to the same bytes.
		sort.SliceStable(l, func(i, j int) bool { return l[i].CreatedAt.Before(l[j].CreatedAt) })
	}
	for i, r := range rules {
		enabled := r.Enabled
		m.Rules[i] = ManifestRule{ID: r.ID, Title: r.Title, Pack: r.Pack, Format: r.Format, Kind: r.Kind, Enabled: &enabled, File: names[i],
			UpdatedAt: r.UpdatedAt.UTC(), SeverityOverride: r.SeverityOverride, AlertGroupBy: r.AlertGroupBy,
			AlertWindowMinutes: int64(r.AlertWindow / time.Minute), Exceptions: byRule[r.ID]}
	}
	zw := zip.NewWriter(w)
	mw, err := zw.CreateHeader(&zip.FileHeader{Name: ManifestName, Method: zip.Deflate, Modified: now.UTC()})
	if err != nil {
		return fmt.Errorf("cannot write %s: %w", ManifestName, err)
	}
	enc := json.NewEncoder(mw)
	enc.SetIndent("", "  ")
	if err := enc.Encode(m); err != nil {
		return fmt.Errorf("cannot write %s: %w", ManifestName, err)
	}
	for i, r := range rules {
		fw, err := zw.CreateHeader(&zip.FileHeader{Name: names[i], Method: zip.Deflate, Modified: r.UpdatedAt.UTC()})
		if err != nil {
			return fmt.Errorf("cannot write rule %s: %w", r.ID, err)
		}
		if _, err := io.WriteString(fw, r.Source); err != nil {
			return fmt.Errorf("cannot write rule %s: %w", r.ID, err)
		}
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("cannot write the archive: %w", err)
	}
	return nil
}

// readManifest parses an export's manifest and checks each entry, by the
// file it describes.
func readManifest(src []byte) (map[string]ManifestRule, error) {
	dec := json.NewDecoder(strings.NewReader(string(src)))
	dec.DisallowUnknownFields()
	var m Manifest
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrPack, ManifestName, strings.TrimPrefix(err.Error(), "json: "))
	}
	if m.Version < 1 || m.Version > ManifestVersion {
		return nil, fmt.Errorf("%w: %s: version %d is not one this server reads (1 to %d)", ErrPack, ManifestName, m.Version, ManifestVersion)
	}
	out := make(map[string]ManifestRule, len(m.Rules))
	for i, e := range m.Rules {
		bad := func(format string, args ...any) error {
			return fmt.Errorf("%w: %s: rules[%d]: %s", ErrPack, ManifestName, i, fmt.Sprintf(format, args...))
		}
		switch {
		case e.File == "":
			return nil, bad("file is required")
		case e.ID == "":
			return nil, bad("id is required")
		case !slices.Contains(Packs, e.Pack):
			return nil, bad("pack must be one of %s (got %q)", strings.Join(Packs, ", "), e.Pack)
		case e.Format != "" && e.Format != FormatSigma && e.Format != FormatJSON && e.Format != FormatKQL:
			return nil, bad("format must be sigma, json or kql (got %q)", e.Format)
		}
		if _, dup := out[e.File]; dup {
			return nil, bad("file %s is described twice", e.File)
		}
		w := time.Duration(e.AlertWindowMinutes) * time.Minute
		p := RulePatch{SeverityOverride: &e.SeverityOverride, AlertGroupBy: &e.AlertGroupBy, AlertWindow: &w}
		if e.AlertWindowMinutes < 0 || e.AlertWindowMinutes > int64(MaxAlertWindow/time.Minute) {
			return nil, bad("alert_window_minutes must be from 0 to %d", int64(MaxAlertWindow/time.Minute))
		}
		if err := p.check(); err != nil {
			return nil, bad("%s", strings.TrimPrefix(err.Error(), ErrInvalid.Error()+": "))
		}
		for j, x := range e.Exceptions {
			conds, err := ExceptionInput{Conditions: x.Conditions}.CheckConditions()
			if err == nil {
				_, err = compileException(store.RuleException{Conditions: conds})
			}
			if err != nil {
				return nil, bad("exceptions[%d]: %s", j, strings.TrimPrefix(err.Error(), ErrInvalid.Error()+": "))
			}
			if strings.TrimSpace(x.Reason) == "" {
				return nil, bad("exceptions[%d]: reason is required", j)
			}
			e.Exceptions[j].Conditions, e.Exceptions[j].Reason = conds, strings.TrimSpace(x.Reason)
		}
		out[e.File] = e
	}
	return out, nil
}

// applyState gives a rule the state a manifest entry records, and says
// whether that changed it.
func (e ManifestRule) applyState(r *store.Rule) bool {
	before := *r
	if e.Enabled != nil {
		r.Enabled = *e.Enabled
	}
	r.SeverityOverride = e.SeverityOverride
	r.AlertGroupBy = nil
	if len(e.AlertGroupBy) > 0 {
		r.AlertGroupBy = slices.Clone(e.AlertGroupBy)
	}
	r.AlertWindow = time.Duration(e.AlertWindowMinutes) * time.Minute
	return before.Enabled != r.Enabled || before.SeverityOverride != r.SeverityOverride ||
		!slices.Equal(before.AlertGroupBy, r.AlertGroupBy) || before.AlertWindow != r.AlertWindow
}

// ExportExceptions reads the org's exceptions of rules for WriteExport,
// each with its owner's address (so that an import on another server can
// find the owner there).
func ExportExceptions(ctx context.Context, st store.Store, orgID string, rules []store.Rule) ([]ExportException, error) {
	all, err := st.Rules().Exceptions(ctx, orgID, "")
	if err != nil {
		return nil, fmt.Errorf("cannot list exceptions: %w", err)
	}
	want := make(map[string]bool, len(rules))
	for _, r := range rules {
		want[r.ID] = true
	}
	emails := map[string]string{}
	var out []ExportException
	for _, x := range all {
		if !want[x.RuleID] {
			continue
		}
		email, ok := emails[x.Owner]
		if !ok {
			if u, err := st.Users().Get(ctx, orgID, x.Owner); err == nil {
				email = u.Email
			}
			emails[x.Owner] = email
		}
		out = append(out, ExportException{RuleException: x, OwnerEmail: email})
	}
	return out, nil
}
