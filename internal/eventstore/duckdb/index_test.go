package duckdb

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/eventsec/eventsec/internal/query/lucene"
)

func TestAddWordKeys(t *testing.T) {
	inputs := []string{
		"", "a", "Failed password for ROOT from 10.0.0.5 port 22", `C:\Windows\System32\cmd.exe /c`, "__init__ x_y",
		"ÉTÉ naïve café", "ascii then é then ascii", "abc\xffdef", "trailing word", "日本語 テキスト", "x-é-y",
	}
	r := rand.New(rand.NewPCG(1, 2))
	alphabet := []string{"a", "B", "7", "_", " ", ".", "-", "é", "Ü", "\xff", "語", "\t"}
	for range 2000 {
		var b []byte
		for range r.IntN(30) {
			b = append(b, alphabet[r.IntN(len(alphabet))]...)
		}
		inputs = append(inputs, string(b))
	}
	for _, s := range inputs {
		var want []uint64
		for _, w := range lucene.Words(s) {
			want = append(want, wordKey(w))
		}
		if got := addWordKeys(nil, s); !slices.Equal(got, want) {
			t.Fatalf("addWordKeys(%q) = %v, want %v (words %q)", s, got, want, lucene.Words(s))
		}
	}
	for _, s := range inputs {
		var distinct []string
		for _, w := range lucene.Words(s) {
			if !slices.Contains(distinct, w) {
				distinct = append(distinct, w)
			}
		}
		want := ""
		if len(distinct) > 0 {
			want = lucene.ListSep + strings.Join(distinct, lucene.ListSep) + lucene.ListSep
		}
		if got := joinedWords(s); got != want {
			t.Fatalf("joinedWords(%q) = %q, want %q", s, got, want)
		}
	}
	if wordKey("FAILED") != wordKey("failed") || wordKey("ÉTÉ") != wordKey("été") {
		t.Fatal("word keys must not depend on case")
	}
}

func TestBloom(t *testing.T) {
	b := newBloom(openBloomBits)
	const n = 10_000
	for i := range n {
		b.add(wordKey(fmt.Sprint("key", i)))
	}
	if c := b.count(); c < n*0.95 || c > n*1.05 {
		t.Fatalf("count estimate %.0f, want about %d", c, n)
	}
	f := b.fold()
	if len(f)*64 < n*bitsPerKey || len(f)*64 >= 2*n*bitsPerKey*2 {
		t.Fatalf("folded to %d bits for %d keys", len(f)*64, n)
	}
	g := bloomFromBytes(f.bytes())
	for i := range n {
		if !g.has(wordKey(fmt.Sprint("key", i))) {
			t.Fatalf("key %d lost", i)
		}
	}
	fp := 0
	for i := range 100_000 {
		if g.has(wordKey(fmt.Sprint("other", i))) {
			fp++
		}
	}
	if rate := float64(fp) / 100_000; rate > 0.02 {
		t.Fatalf("false positive rate %.3f", rate)
	}
	if bloomFromBytes([]byte{1, 2, 3}) != nil {
		t.Fatal("a truncated filter must read as none")
	}
}

func BenchmarkAddWordKeys(b *testing.B) {
	s := `{"EventID":4624,"Channel":"Security","Computer":"WS-0025.corp.example.com","TimeCreated":"2026-11-16T00:00:03.294Z","EventData":{"SubjectUserSid":"S-1-5-18","TargetUserName":"akumar","TargetDomainName":"CORP","LogonType":"5","IpAddress":"10.10.0.14","IpPort":"56305"}}`
	keys := make([]uint64, 0, 128)
	b.SetBytes(int64(len(s)))
	for b.Loop() {
		keys = addWordKeys(keys[:0], s)
	}
}
