package attack

import (
	"bufio"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// sigmaData is the SigmaHQ rule corpus, relative to this package directory.
const sigmaData = "../../../../shared/data/sigma"

// sigmaAttackTags returns every distinct "- attack.*" list entry of the rules
// under sigmaData/rules*, mapped to one file that uses it. It is a line scan,
// not a YAML parse: Sigma writes tags one per line in a block list.
func sigmaAttackTags(t *testing.T) map[string]string {
	t.Helper()
	dirs, err := filepath.Glob(filepath.Join(sigmaData, "rules*"))
	if err != nil {
		t.Fatalf("cannot list %s: %v", sigmaData, err)
	}
	if len(dirs) == 0 {
		t.Skipf("Sigma rules not found under %s (shared test data is not checked out); skipping corpus check", sigmaData)
	}
	tags := map[string]string{}
	files := 0
	for _, dir := range dirs {
		err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() || !(strings.HasSuffix(path, ".yml") || strings.HasSuffix(path, ".yaml")) {
				return nil
			}
			files++
			return scanTags(path, tags)
		})
		if err != nil {
			t.Fatalf("cannot scan %s: %v", dir, err)
		}
	}
	t.Logf("scanned %d rule files, %d distinct attack.* tags", files, len(tags))
	return tags
}

func scanTags(path string, tags map[string]string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for line := 1; sc.Scan(); line++ {
		rest, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "- ")
		if !ok {
			continue
		}
		tag := strings.Trim(strings.TrimSpace(rest), `'"`)
		if i := strings.IndexAny(tag, " \t#"); i >= 0 {
			tag = tag[:i]
		}
		if !strings.HasPrefix(strings.ToLower(tag), "attack.") {
			continue
		}
		if _, seen := tags[tag]; !seen {
			tags[tag] = path + ":" + strconv.Itoa(line)
		}
	}
	return sc.Err()
}

// TestSigmaCorpusTags resolves every ATT&CK tag used by the SigmaHQ rules:
// each attack.tNNNN(.NNN) must be a known technique and each other attack.*
// tag a known tactic or an accepted group/software/data-source reference.
// This is the completeness check for the table.
func TestSigmaCorpusTags(t *testing.T) {
	tags := sigmaAttackTags(t)
	keys := make([]string, 0, len(tags))
	for k := range tags {
		keys = append(keys, k)
	}
	sort.Strings(keys)

	var techniques, tactics, other, retired int
	for _, tag := range keys {
		rest := strings.TrimPrefix(strings.ToLower(tag), "attack.")
		gotTactics, gotTechniques, unknown := ParseTags([]string{tag})
		switch {
		case isTechniqueID(rest):
			techniques++
			if len(gotTechniques) != 1 {
				t.Errorf("%s (%s): technique not in the table", tag, tags[tag])
				continue
			}
			if tech := gotTechniques[0]; tech.Status != Active {
				retired++
				t.Logf("%s (%s): %s, replaced by %q", tag, tags[tag], tech.Status, tech.ReplacedBy)
			}
		case len(unknown) == 0 && len(gotTactics) == 1:
			tactics++
			if _, ok := TacticByShortname(rest); !ok {
				t.Errorf("%s (%s): TacticByShortname does not resolve it", tag, tags[tag])
			}
		case len(unknown) == 0 && isOtherReference(rest):
			other++
		default:
			t.Errorf("%s (%s): unknown ATT&CK tag", tag, tags[tag])
		}
	}
	t.Logf("checked %d distinct technique IDs (%d retired), %d distinct tactic tags, %d group/software/data-source tags",
		techniques, retired, tactics, other)
	if techniques == 0 || tactics == 0 {
		t.Fatalf("found %d technique and %d tactic tags: the scan is not reading the corpus", techniques, tactics)
	}
}
