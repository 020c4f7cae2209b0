package sca

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// Bounds on what one evaluation reads: configuration files are small, and a
// rule pointed at a huge file must not stall the agent.
const (
	maxFileBytes = 16 << 20
	maxLineBytes = 1 << 20
	maxIncludes  = 8 // nesting depth of include directives
	maxLinkHops  = 40
)

// rootFS reads paths of the assessed tree. With root "/" it reads the host;
// with another root it behaves like a chroot: absolute symbolic links are
// resolved inside the root, so a mounted image or a test tree never leads
// the evaluator to the host's own files.
type rootFS struct {
	root     string
	resolved map[string]string   // policy path -> host path, for roots other than "/"
	lines    map[string][]string // by host path; one read per evaluation
	users    map[string]uint32   // loaded from <root>/etc/passwd on first use
	grps     map[string]uint32   // loaded from <root>/etc/group on first use
}

func newRootFS(root string) *rootFS {
	if root == "" {
		root = "/"
	}
	return &rootFS{root: filepath.Clean(root), lines: map[string][]string{}, resolved: map[string]string{}}
}

func (f *rootFS) isHost() bool { return f.root == "/" || f.root == string(filepath.Separator) }

// hostPath maps an absolute policy path to the path to open on this machine.
func (f *rootFS) hostPath(p string) (string, error) {
	p = path.Clean("/" + p)
	if f.isHost() {
		return filepath.FromSlash(p), nil
	}
	if hp, ok := f.resolved[p]; ok {
		return hp, nil
	}
	hp, err := f.resolve(p)
	if err == nil {
		f.resolved[p] = hp
	}
	return hp, err
}

// resolve walks p inside the root, following links as if the root were "/".
func (f *rootFS) resolve(p string) (string, error) {
	resolved := "/"
	rest := strings.Split(strings.TrimPrefix(p, "/"), "/")
	hops := 0
	for len(rest) > 0 {
		c := rest[0]
		rest = rest[1:]
		switch c {
		case "", ".":
			continue
		case "..":
			resolved = path.Dir(resolved)
			continue
		}
		next := path.Join(resolved, c)
		fi, err := os.Lstat(filepath.Join(f.root, filepath.FromSlash(next)))
		if err != nil || fi.Mode()&fs.ModeSymlink == 0 {
			// A missing component is left for the caller's open to report.
			resolved = next
			continue
		}
		if hops++; hops > maxLinkHops {
			return "", fmt.Errorf("cannot resolve %s: too many levels of symbolic links", p)
		}
		target, err := os.Readlink(filepath.Join(f.root, filepath.FromSlash(next)))
		if err != nil {
			return "", fmt.Errorf("cannot read link %s: %w", next, err)
		}
		if path.IsAbs(target) {
			resolved = "/"
		}
		rest = append(strings.Split(target, "/"), rest...)
	}
	return filepath.Join(f.root, filepath.FromSlash(resolved)), nil
}

func (f *rootFS) stat(p string) (fs.FileInfo, error) {
	hp, err := f.hostPath(p)
	if err != nil {
		return nil, err
	}
	return os.Stat(hp)
}

// readLines returns the lines of a file, cached for the evaluation.
func (f *rootFS) readLines(p string) ([]string, error) {
	hp, err := f.hostPath(p)
	if err != nil {
		return nil, err
	}
	if ls, ok := f.lines[hp]; ok {
		return ls, nil
	}
	file, err := os.Open(hp)
	if err != nil {
		return nil, err
	}
	defer file.Close()
	ls, err := splitLines(io.LimitReader(file, maxFileBytes+1))
	if err != nil {
		return nil, fmt.Errorf("cannot read %s: %w", p, err)
	}
	f.lines[hp] = ls
	return ls, nil
}

var errTooLarge = errors.New("larger than the evaluator reads")

func splitLines(r io.Reader) ([]string, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), maxLineBytes)
	var ls []string
	n := 0
	for sc.Scan() {
		n += len(sc.Bytes()) + 1
		if n > maxFileBytes {
			return nil, errTooLarge
		}
		ls = append(ls, strings.TrimSuffix(sc.Text(), "\r"))
	}
	return ls, sc.Err()
}

// readDir lists the regular files (after following links) of a directory,
// sorted by name.
func (f *rootFS) readDir(p string) ([]string, error) {
	hp, err := f.hostPath(p)
	if err != nil {
		return nil, err
	}
	entries, err := os.ReadDir(hp)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		if fi, err := f.stat(path.Join(p, e.Name())); err == nil && fi.Mode().IsRegular() {
			names = append(names, e.Name())
		}
	}
	return names, nil
}

// glob expands a pattern of policy paths inside the root.
func (f *rootFS) glob(pattern string) ([]string, error) {
	dir, base := path.Split(path.Clean(pattern))
	if strings.ContainsAny(dir, "*?[") {
		// Globs in directory parts are rare in configuration includes;
		// expanding them with filepath.Glob would not resolve links inside
		// the root, so they are refused rather than half supported.
		return nil, fmt.Errorf("cannot expand %s: patterns are only supported in the last path element", pattern)
	}
	if !strings.ContainsAny(base, "*?[") {
		if _, err := f.stat(pattern); err != nil {
			return nil, nil
		}
		return []string{path.Clean(pattern)}, nil
	}
	if _, err := path.Match(base, ""); err != nil {
		return nil, fmt.Errorf("cannot expand %s: %w", pattern, err)
	}
	names, err := f.readDir(dir)
	if err != nil {
		return nil, nil // a missing include directory is no error for sshd either
	}
	var out []string
	for _, n := range names {
		if ok, _ := path.Match(base, n); ok {
			out = append(out, path.Join(dir, n))
		}
	}
	return out, nil
}

// srcLine is one line of content with where it came from.
type srcLine struct {
	file string // policy path; empty for command output
	num  int
	text string
}

// content reads a file as the matcher sees it: include directives expanded
// in place, reading of each file stopped at the stop pattern.
func (f *rootFS) content(p string, m *matcher) ([]srcLine, error) {
	var out []srcLine
	var walk func(p string, depth int) error
	walk = func(p string, depth int) error {
		ls, err := f.readLines(p)
		if err != nil {
			return err
		}
		for i, l := range ls {
			if m.stop != nil && m.stop.MatchString(l) {
				break
			}
			if m.include != nil {
				if sm := m.include.FindStringSubmatch(l); sm != nil && len(sm) > 1 {
					if depth >= maxIncludes {
						return fmt.Errorf("cannot read %s: includes nested more than %d deep", p, maxIncludes)
					}
					for _, g := range strings.Fields(sm[1]) {
						if !path.IsAbs(g) {
							g = path.Join(path.Dir(p), g)
						}
						files, err := f.glob(g)
						if err != nil {
							return err
						}
						for _, inc := range files {
							if err := walk(inc, depth+1); err != nil && !errors.Is(err, fs.ErrNotExist) {
								return err
							}
						}
					}
					continue
				}
			}
			out = append(out, srcLine{file: p, num: i + 1, text: l})
		}
		return nil
	}
	return out, walk(path.Clean(p), 0)
}

// ids maps user or group names to ids from a passwd-style file of the root.
func (f *rootFS) ids(file string) map[string]uint32 {
	out := map[string]uint32{}
	ls, err := f.readLines(file)
	if err != nil {
		return out // names then simply do not resolve; numeric ids still work
	}
	for _, l := range ls {
		parts := strings.Split(l, ":")
		if len(parts) < 3 || strings.HasPrefix(parts[0], "#") {
			continue
		}
		if id, err := strconv.ParseUint(parts[2], 10, 32); err == nil {
			if _, dup := out[parts[0]]; !dup {
				out[parts[0]] = uint32(id)
			}
		}
	}
	return out
}

func (f *rootFS) userIDs() map[string]uint32 {
	if f.users == nil {
		f.users = f.ids("/etc/passwd")
	}
	return f.users
}

func (f *rootFS) groupIDs() map[string]uint32 {
	if f.grps == nil {
		f.grps = f.ids("/etc/group")
	}
	return f.grps
}

// nameOf renders an id with its name from the root's database, "root(0)".
func nameOf(names map[string]uint32, id uint32) string {
	var matches []string
	for n, i := range names {
		if i == id {
			matches = append(matches, n)
		}
	}
	if len(matches) == 0 {
		return strconv.FormatUint(uint64(id), 10)
	}
	slices.Sort(matches)
	return matches[0] + "(" + strconv.FormatUint(uint64(id), 10) + ")"
}

// idMatches reports whether id is one of the wanted names or numbers.
func idMatches(names map[string]uint32, id uint32, want []string) bool {
	for _, w := range want {
		if n, err := strconv.ParseUint(w, 10, 32); err == nil {
			if uint32(n) == id {
				return true
			}
			continue
		}
		if i, ok := names[w]; ok && i == id {
			return true
		}
	}
	return false
}

// isPermission tells permission problems apart so reasons can say the agent
// lacks rights rather than that the configuration is wrong.
func isPermission(err error) bool {
	return errors.Is(err, fs.ErrPermission)
}

// trimLine tidies and shortens a line shown in a reason.
func trimLine(s string) string {
	// Runs of blanks (tabs in login.defs) are shown as one space.
	s = strings.Join(strings.Fields(s), " ")
	const limit = 160
	if r := []rune(s); len(r) > limit {
		return string(r[:limit]) + "…"
	}
	return s
}
