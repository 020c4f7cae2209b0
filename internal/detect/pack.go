package detect

import (
	"context"
	"fmt"
	"io/fs"
	"strings"
)

// BuiltinPack is the name of EventSec's own rule pack.
const BuiltinPack = "eventsec"

// ReadFS reads the rule files of a file system (the embedded pack).
func ReadFS(fsys fs.FS) ([]ImportFile, error) {
	var files []ImportFile
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			// Test cases live beside the rules; they are not rules.
			if d.Name() == "tests" {
				return fs.SkipDir
			}
			return nil
		}
		if _, ok := ruleFile(p); !ok || strings.HasPrefix(d.Name(), ".") {
			return nil
		}
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		files = append(files, ImportFile{Name: p, Source: b})
		return nil
	})
	return files, err
}

// InstallBuiltin installs the built-in pack (Options.Builtin) into an org.
func (s *Service) InstallBuiltin(ctx context.Context, orgID string) (ImportReport, error) {
	return s.InstallPack(ctx, orgID, s.o.Builtin)
}

// InstallPack installs (or updates) the built-in pack into an org, once
// per pack version: a rule the org deleted stays deleted until the pack
// itself changes, and rules the org edited are never overwritten.
func (s *Service) InstallPack(ctx context.Context, orgID string, files []ImportFile) (ImportReport, error) {
	if len(files) == 0 {
		return ImportReport{}, nil
	}
	var all strings.Builder
	for _, f := range files {
		all.WriteString(f.Name)
		all.Write(f.Source)
	}
	version := SourceHash(all.String())[:16]
	mark := "rulepack:" + BuiltinPack + ":" + orgID
	// The checkpoint table keeps a number: the version's first 15 hex
	// digits as an integer identify it.
	var v int64
	fmt.Sscanf(version[:15], "%x", &v)
	have, err := s.o.Store.Checkpoints().Get(ctx, mark)
	if err != nil {
		return ImportReport{}, err
	}
	if have == v {
		return ImportReport{}, nil
	}
	a := Actor{OrgID: orgID, UserID: "system", Email: "eventsec rule pack"}
	rep, err := s.Import(ctx, a, files, ImportOptions{Pack: BuiltinPack})
	if err != nil {
		return rep, err
	}
	if len(rep.Failed) > 0 {
		s.o.Logger.Warn("detection: built-in rules failed to load", "org", orgID, "failed", len(rep.Failed), "first", rep.Failed[0].Error())
	}
	return rep, s.o.Store.Checkpoints().Set(ctx, mark, v, s.o.Now())
}
