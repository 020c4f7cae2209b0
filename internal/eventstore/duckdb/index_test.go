package duckdb

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/eventsec/eventsec/internal/event"
	"github.com/eventsec/eventsec/internal/eventstore"
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
	// Long messages: joinedWords keeps a set of its words past a
	// kilobyte; repeats before and after that point must go the same way.
	for range 50 {
		var b []byte
		for range r.IntN(3000) {
			if r.IntN(4) == 0 {
				b = append(b, alphabet[r.IntN(len(alphabet))]...)
				continue
			}
			b = append(b, fmt.Sprintf(" W%dé ", r.IntN(400))...)
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
			if !slices.Contains(distinct, w) && !lucene.IsNumber(w) {
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

// TestIndexNarrowsNeedles: a word in one event of 20 blocks leaves one
// block (and no unindexed tail) to read; a common word, all of them.
func TestIndexNarrowsNeedles(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, Options{Dir: t.TempDir(), BlockRows: 100})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	evs := make([]event.Event, 2000)
	for i := range evs {
		msg := fmt.Sprintf("common text %d from host-%d", i, i%7)
		if i == 1234 {
			msg += " zq9needle"
		}
		if i >= 500 && i < 507 {
			msg += " pq7seven"
		}
		evs[i] = event.Event{ID: fmt.Sprint(i), OrgID: "a", Timestamp: time.Date(2026, 11, 20, 0, 0, i, 0, time.UTC), Raw: msg, Fields: event.Fields{"message": msg}}
	}
	if _, err := s.Append(ctx, evs); err != nil {
		t.Fatal(err)
	}
	if err := s.sealIdleNow(ctx); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		q        string
		max      int64
		bounded  bool
		wantHits int64
	}{
		{"zq9needle", 100, true, 1},
		{"message:zq9needle AND common", 100, true, 1},
		{"zq9needle OR nothingsuch", 100, true, 1},
		{"common", 0, false, 2000},
		{"zq9needle OR host.name:x", 0, false, 1},
		{"NOT zq9needle", 0, false, 1999},
	} {
		pl, err := s.plan(ctx, "a", eventstore.Query{Text: tc.q})
		if err != nil {
			t.Fatal(err)
		}
		n, ok := pl.scanRows()
		if ok != tc.bounded || ok && n > tc.max {
			t.Errorf("%q: scan of %d rows (bounded %v), want at most %d (bounded %v)", tc.q, n, ok, tc.max, tc.bounded)
		}
		p, err := s.Search(ctx, "a", eventstore.Query{Text: tc.q})
		if err != nil || p.Total != tc.wantHits {
			t.Errorf("%q: %d hits %v, want %d", tc.q, p.Total, err, tc.wantHits)
		}
	}
	// A needle's pages, in both orders: every page counts all matches,
	// the last one without a cursor; a page that holds them all is its
	// own count.
	for _, tc := range []struct {
		order eventstore.Order
		want  string
	}{
		{"", "506,505,504,503,502,501,500"},
		{eventstore.NewestFirst, "506,505,504,503,502,501,500"},
		{eventstore.OldestFirst, "500,501,502,503,504,505,506"},
	} {
		var got []string
		cursor := ""
		for page := 1; ; page++ {
			q := eventstore.Query{Text: "pq7seven", Size: 3, Cursor: cursor, Order: tc.order}
			if pl, err := s.plan(ctx, "a", q); err != nil {
				t.Fatal(err)
			} else if n, ok := pl.scanRows(); !ok || n > smallScan {
				t.Fatalf("%q: the needle does not take the index's path (%d rows, bounded %v)", tc.order, n, ok)
			}
			p, err := s.Search(ctx, "a", q)
			if err != nil || p.Total != 7 {
				t.Fatalf("%q page %d: total %d, %v", tc.order, page, p.Total, err)
			}
			for _, ev := range p.Events {
				got = append(got, ev.ID)
			}
			if cursor = p.NextCursor; cursor == "" {
				break
			}
			if page > 3 {
				t.Fatal("more than three pages of 3 for 7 matches")
			}
		}
		if strings.Join(got, ",") != tc.want {
			t.Errorf("%q: pages hold %v, want %s", tc.order, got, tc.want)
		}
		p, err := s.Search(ctx, "a", eventstore.Query{Text: "pq7seven", Size: 7, Order: tc.order})
		if err != nil || p.Total != 7 || len(p.Events) != 7 || p.NextCursor != "" {
			t.Errorf("%q: one page of 7: total %d, %d events, cursor %q, %v", tc.order, p.Total, len(p.Events), p.NextCursor, err)
		}
		if len(p.Events) > 0 && p.Events[0].ID != strings.Split(tc.want, ",")[0] {
			t.Errorf("%q: one page of 7 starts with %s", tc.order, p.Events[0].ID)
		}
	}
	// Without a query (the top-N path) and with a common word, the
	// first and last events of both orders.
	for _, text := range []string{"", "common"} {
		for _, tc := range []struct {
			order       eventstore.Order
			first, last string
		}{{eventstore.NewestFirst, "1999", "0"}, {eventstore.OldestFirst, "0", "1999"}} {
			var got []string
			cursor := ""
			for {
				p, err := s.Search(ctx, "a", eventstore.Query{Text: text, Size: 700, Cursor: cursor, Order: tc.order})
				if err != nil || p.Total != 2000 {
					t.Fatalf("%q %q: total %d, %v", text, tc.order, p.Total, err)
				}
				for _, ev := range p.Events {
					got = append(got, ev.ID)
				}
				if cursor = p.NextCursor; cursor == "" {
					break
				}
			}
			if len(got) != 2000 || got[0] != tc.first || got[1999] != tc.last {
				t.Errorf("%q %q: %d events from %s to %s", text, tc.order, len(got), got[0], got[len(got)-1])
			}
		}
	}
}

// BenchmarkJoinedWordsLong: a message of 40,000 distinct words (about
// 460 KB; messages are kept up to normalize.MaxRaw). Linear time: the
// scan for repeats alone made it 6.5 s.
func BenchmarkJoinedWordsLong(b *testing.B) {
	var sb strings.Builder
	for i := range 40000 {
		fmt.Fprintf(&sb, "w%dx ", i*7919)
	}
	s := sb.String()
	for b.Loop() {
		joinedWords(s)
	}
}
