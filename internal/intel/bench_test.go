package intel

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/eventsec/eventsec/bench/events/eventgen"
)

// benchRefs returns n indicators of mixed types (see bench/intel).
func benchRefs(n int) []*Ref {
	r := rand.New(rand.NewPCG(7, 11))
	word := func() string {
		b := make([]byte, 5+r.IntN(8))
		for i := range b {
			b[i] = byte('a' + r.IntN(26))
		}
		return string(b)
	}
	refs := make([]*Ref, 0, n)
	for i := 0; i < n; i++ {
		ref := &Ref{ID: fmt.Sprintf("%032x", i), Severity: "high"}
		switch p := r.IntN(100); {
		case p < 40:
			ref.Type, ref.Value = TypeIPv4, fmt.Sprintf("%d.%d.%d.%d", 100+r.IntN(20), r.IntN(256), r.IntN(256), 1+r.IntN(254))
		case p < 45:
			ref.Type, ref.Value = TypeCIDR, fmt.Sprintf("%d.%d.%d.0/%d", 130+r.IntN(20), r.IntN(256), r.IntN(256), 16+r.IntN(9))
		case p < 70:
			ref.Type, ref.Value = TypeDomain, word()+"."+word()+".com"
		case p < 80:
			ref.Type, ref.Value = TypeURL, "http://"+word()+".net/"+word()+".php"
		default:
			ref.Type, ref.Value = TypeSHA256, fmt.Sprintf("%064x", r.Uint64())
		}
		ref.Value, _ = Normalize(ref.Type, ref.Value)
		refs = append(refs, ref)
	}
	return refs
}

// BenchmarkMatch is one event looked up against 200,000 indicators
// (bench/intel measures 1,000,000 and the pipeline).
func BenchmarkMatch(b *testing.B) {
	m := NewMatcher(benchRefs(200_000))
	events := eventgen.New(eventgen.Options{Count: 10_000}).Batch(10_000)
	now := time.Now()
	var buf []Match
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		buf = m.Match(&events[i%len(events)], now, buf[:0])
	}
}

func BenchmarkNormalizeURL(b *testing.B) {
	for i := 0; i < b.N; i++ {
		_, _ = NormalizeURL("HTTP://Evil.Example:80/a%2fb/%7euser/?q=%e2%82%ac#frag")
	}
}
