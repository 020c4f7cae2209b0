package app

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestImportPathsExpandsDirectories(t *testing.T) {
	dir := t.TempDir()
	write := func(rel string) string {
		p := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("x\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	want := []string{
		write("logs/a.evtx"), write("logs/auth.log"), write("logs/auth.log.1"), write("logs/auth.log.2.gz"),
		write("logs/deep/events.NDJSON"), write("logs/messages"), write("logs/x.jsonl.gz"),
	}
	skip := []string{write("logs/README.md"), write("logs/LICENSE.GPL"), write("logs/pic.png")}
	write("logs/.hidden.log")
	write("logs/.git/objects.log")
	single := write("notes.md") // named on the command line: taken whatever its name

	files, skipped, err := importPaths([]string{filepath.Join(dir, "logs"), single})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(want)
	if got := files[:len(files)-1]; !slices.Equal(got, want) || files[len(files)-1] != single {
		t.Fatalf("files:\n got %q\nwant %q then %q", files, want, single)
	}
	slices.Sort(skip)
	slices.Sort(skipped)
	if !slices.Equal(skipped, skip) {
		t.Fatalf("skipped: got %q, want %q", skipped, skip)
	}

	// A directory with nothing to import, a missing path: usage errors
	// that name the path.
	empty := filepath.Join(dir, "docs")
	write("docs/guide.pdf")
	for _, c := range []struct{ path, want string }{
		{empty, "no files to import under " + empty},
		{filepath.Join(dir, "missing"), "cannot import " + filepath.Join(dir, "missing") + ": no such file or directory"},
	} {
		_, _, err := importPaths([]string{c.path})
		if _, ok := err.(usageError); !ok || !strings.Contains(err.Error(), c.want) {
			t.Fatalf("%s: %v, want a usage error with %q", c.path, err, c.want)
		}
	}
	if got := listSome([]string{"a", "b", "c"}, 2); got != "a, b and 1 more" {
		t.Fatalf("listSome: %q", got)
	}
}
