package app

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// importExts are the file names a directory given to `eventsec import`
// contributes (after a trailing .gz): logs, JSON and .evtx. A file named
// on the command line is imported whatever its name.
var importExts = map[string]bool{
	".evtx": true, ".json": true, ".ndjson": true, ".jsonl": true, ".log": true, ".txt": true,
	".syslog": true, ".cef": true, ".leef": true, ".kv": true,
}

// rotated matches a rotated log's suffix: auth.log.1, syslog.2.gz.
var rotated = regexp.MustCompile(`\.[0-9]+$`)

// importable says whether a file found in a directory is one to import.
func importable(name string) bool {
	base := strings.TrimSuffix(strings.ToLower(name), ".gz")
	if rotated.MatchString(base) {
		return true
	}
	ext := filepath.Ext(base)
	return ext == "" || importExts[ext]
}

// importPaths expands the command line's paths into the files to import:
// a file is taken as named; a directory contributes, in name order and
// recursively, its importable files (hidden files and directories left
// out). skipped lists the other files the directories held, so the user
// sees what was not sent.
func importPaths(paths []string) (files, skipped []string, err error) {
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, nil, usageError{fmt.Sprintf("cannot import %s: %v", p, unwrapPathError(err))}
		}
		if !st.IsDir() {
			if !st.Mode().IsRegular() {
				return nil, nil, usageError{fmt.Sprintf("cannot import %s: not a regular file or directory", p)}
			}
			files = append(files, p)
			continue
		}
		n := len(files)
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if path != p && strings.HasPrefix(d.Name(), ".") {
				if d.IsDir() {
					return filepath.SkipDir
				}
				return nil
			}
			if d.IsDir() {
				return nil
			}
			// A link is followed to what it names; anything but a regular
			// file (a socket, a device) is not read.
			if st, err := os.Stat(path); err != nil || !st.Mode().IsRegular() {
				skipped = append(skipped, path)
				return nil
			}
			if importable(d.Name()) {
				files = append(files, path)
			} else {
				skipped = append(skipped, path)
			}
			return nil
		})
		if err != nil {
			return nil, nil, usageError{fmt.Sprintf("cannot read the directory %s: %v", p, unwrapPathError(err))}
		}
		if len(files) == n {
			return nil, nil, usageError{fmt.Sprintf("no files to import under %s (a directory contributes .evtx, .json, .ndjson, .jsonl, .log, .txt, .syslog, .cef, .leef and .kv files, rotated logs such as auth.log.1, files without an extension, and any of them gzipped)", p)}
		}
	}
	return files, skipped, nil
}

// unwrapPathError drops the path an *fs.PathError repeats.
func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// listSome names the first n of l, and how many more there are.
func listSome(l []string, n int) string {
	if len(l) <= n {
		return strings.Join(l, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(l[:n], ", "), len(l)-n)
}
