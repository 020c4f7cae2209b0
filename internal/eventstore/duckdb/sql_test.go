package duckdb

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// TestNeedlePiecesHoldForEverySubstring checks needFilter's rules on
// random texts: for every substring of a text, lowercased, the pieces
// it yields are in the text's word column (as substrings) and its whole
// words are in the text's token keys. Texts mix what makes words and
// KQL terms differ: '_', non-ASCII letters, the long s, the Kelvin sign,
// the dotted capital I, CJK, digits and punctuation.
func TestNeedlePiecesHoldForEverySubstring(t *testing.T) {
	alphabet := []rune("aAbBsSdDkK_0129 .-\\[]=:/éſ\u212AİΣσ東")
	r := rand.New(rand.NewPCG(1, 2))
	checked := 0
	for range 3000 {
		n := 1 + r.IntN(14)
		var b strings.Builder
		for range n {
			b.WriteRune(alphabet[r.IntN(len(alphabet))])
		}
		text := b.String()
		words := joinedWords(text)
		keys := addWordKeys(nil, text)
		low := strings.ToLower(text)
		for i := 0; i < len(low); {
			_, size := utf8.DecodeRuneInString(low[i:])
			for j := i + size; j <= len(low); {
				needle := low[i:j]
				subs, whole := needlePieces(needle)
				for _, s := range subs {
					if !strings.Contains(words, s) {
						t.Fatalf("text %q, needle %q: piece %q is not in the words %q", text, needle, s, words)
					}
				}
				for _, w := range whole {
					if !slices.Contains(keys, wordKey(w)) {
						t.Fatalf("text %q, needle %q: word %q is not among the text's keys", text, needle, w)
					}
				}
				checked++
				if j == len(low) {
					break
				}
				_, s := utf8.DecodeRuneInString(low[j:])
				j += s
			}
			i += size
		}
	}
	if checked < 10000 {
		t.Fatalf("only %d needles checked", checked)
	}
}

// TestPartColumnsNameCompression: every short text column of a partition
// names its compression method, so that DuckDB's checkpoints do not try
// them all (see textCompression).
func TestPartColumnsNameCompression(t *testing.T) {
	ddl := createPartitionSQL("ev_x", partColumns())
	for _, c := range partColumns() {
		if !strings.HasPrefix(c.sqlType, "VARCHAR") || freeText[c.name] {
			continue
		}
		if c.compression == "" {
			t.Errorf("text column %s names no compression", c.name)
		}
		if want := c.name + " " + c.sqlType + " USING COMPRESSION " + c.compression; !strings.Contains(ddl, want) {
			t.Errorf("CREATE TABLE lacks %q", want)
		}
	}
}
