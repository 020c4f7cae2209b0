package correlate

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// sigmaData is the SigmaHQ rule set shared by the project, relative to
// this package.
const sigmaData = "../../../../shared/data/sigma"

// TestSigmaCorpus parses every correlation document of the SigmaHQ rule
// folders and loads them into one engine.
func TestSigmaCorpus(t *testing.T) {
	if _, err := os.Stat(sigmaData); err != nil {
		t.Skipf("Sigma rule set not found at %s: %v", sigmaData, err)
	}
	var files, docs, correlations int
	e := New(Options{})
	for _, dir := range []string{"rules", "rules-emerging-threats", "rules-threat-hunting"} {
		err := filepath.WalkDir(filepath.Join(sigmaData, dir), func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() || !(strings.HasSuffix(path, ".yml") || strings.HasSuffix(path, ".yaml")) {
				return nil
			}
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			files++
			dec := yaml.NewDecoder(bytes.NewReader(data))
			for {
				var doc yaml.Node
				if err := dec.Decode(&doc); err != nil {
					if errors.Is(err, io.EOF) {
						break
					}
					t.Errorf("%s: %v", path, err)
					break
				}
				docs++
				if !IsCorrelation(&doc) {
					continue
				}
				correlations++
				r, err := Parse(&doc, path)
				if err != nil {
					t.Errorf("%v", err)
					continue
				}
				if err := e.Add(r); err != nil {
					t.Errorf("%s: %v", path, err)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("%d files, %d YAML documents, %d correlation rules parsed and loaded", files, docs, correlations)
	if files < 1000 {
		t.Errorf("only %d rule files found; the data set looks incomplete", files)
	}
}
