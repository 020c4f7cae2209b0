package kql

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the expected output of golden files under testdata/")

// goldenCase is one case of a .test file:
//
//	=== name
//	query text, any number of lines
//	---
//	expected output (a Dump, or "error L:C: message")
type goldenCase struct {
	name, query, want string
}

func readGolden(t *testing.T, path string) []goldenCase {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var cases []goldenCase
	for _, block := range strings.Split("\n"+string(data), "\n=== ")[1:] {
		head, rest, _ := strings.Cut(block, "\n")
		query, want, ok := strings.Cut(rest, "\n---\n")
		if !ok {
			query, want = strings.TrimSuffix(rest, "\n---"), ""
		}
		cases = append(cases, goldenCase{name: strings.TrimSpace(head), query: query, want: strings.TrimSpace(want)})
	}
	return cases
}

func writeGolden(t *testing.T, path string, cases []goldenCase) {
	t.Helper()
	var b strings.Builder
	for i, c := range cases {
		if i > 0 {
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "=== %s\n%s\n---\n%s\n", c.name, c.query, c.want)
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

func parseResult(src string) string {
	q, err := Parse(src)
	if err != nil {
		e, ok := AsError(err)
		if !ok {
			return "NOT AN *Error: " + err.Error()
		}
		return fmt.Sprintf("error %d:%d: %s", e.Line, e.Column, e.Message)
	}
	return Dump(q)
}

// TestGoldenParse runs testdata/parse/*.test: each query's Dump or error
// (with line:column) must match, and every query that parses must
// survive a Format round trip.
func TestGoldenParse(t *testing.T) {
	files, _ := filepath.Glob("testdata/parse/*.test")
	if len(files) == 0 {
		t.Fatal("no golden files under testdata/parse")
	}
	for _, file := range files {
		cases := readGolden(t, file)
		changed := false
		for i, c := range cases {
			got := parseResult(c.query)
			if got != c.want {
				if *update {
					cases[i].want = got
					changed = true
					continue
				}
				t.Errorf("%s: %s:\n query: %s\n   got: %s\n  want: %s", filepath.Base(file), c.name, c.query, got, c.want)
			}
			roundTrip(t, filepath.Base(file)+": "+c.name, c.query)
		}
		if changed {
			writeGolden(t, file, cases)
		}
	}
}
