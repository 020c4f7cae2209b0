package duckdb

import (
	"encoding/binary"
	"math"
	"math/bits"
	"unicode/utf8"

	"github.com/eventsec/eventsec/internal/query/lucene"
)

// The token index: every partition's rows are cut, in seq order, into
// blocks of up to Options.BlockRows rows, and each block gets a bloom
// filter of the words of its messages and raw originals (lucene.Words) and
// of its events' (org, id) keys. A search for words skips the blocks whose
// filter lacks one of them, and a lookup by ID (Get, Append's dedupe) only
// looks at the blocks whose filter has it. Sealed blocks are stored in
// es_blocks, in the same transaction as their last rows.

const (
	// bloomK probes per key with 12-24 bits per key (folding halves
	// the size while at least bitsPerKey remain): 0.005-0.3% false
	// positives, so that a needle search over 2,000 blocks reads a few
	// blocks too many, not twenty.
	bloomK     = 8
	bitsPerKey = 12
	// openBloomBits sizes the filter of a block being filled.
	openBloomBits = 1 << 20
	minBloomBits  = 1 << 10
)

// hashBytes is FNV-1a with a final mix, stable across processes (blooms
// are stored) and fast enough for every word of every event.
func hashBytes(h uint64, s string) uint64 {
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

const fnvOffset = 14695981039346656037

func mix(h uint64) uint64 {
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	h *= 0xc4ceb9fe1a85ec53
	h ^= h >> 33
	return h
}

// wordKey is the filter key of a word (any case).
func wordKey(w string) uint64 {
	h := uint64(fnvOffset)
	ascii := true
	for i := 0; i < len(w); i++ {
		c := w[i]
		if c >= utf8.RuneSelf {
			ascii = false
			break
		}
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		h ^= uint64(c)
		h *= 1099511628211
	}
	if !ascii {
		h = hashBytes(fnvOffset, lucene.Lower(w))
	}
	return mix(h)
}

// idKey is the filter key of an event's identity.
func idKey(org, id string) uint64 {
	h := hashBytes(fnvOffset, "\x00id\x00")
	h = hashBytes(h, org)
	h = hashBytes(h^0xff, id)
	return mix(h)
}

// addWordKeys appends the keys of the words of s to keys, splitting and
// hashing in one pass; it must agree with lucene.EachWord and wordKey,
// which TestAddWordKeys checks.
func addWordKeys(keys []uint64, s string) []uint64 {
	h := uint64(fnvOffset)
	start, ascii := -1, true
	for i := 0; i < len(s); i++ {
		c := s[i]
		if lucene.IsWordByte(c) {
			if start < 0 {
				start, ascii, h = i, true, fnvOffset
			}
			switch {
			case c >= utf8.RuneSelf:
				ascii = false
			case c >= 'A' && c <= 'Z':
				c += 'a' - 'A'
			}
			h = (h ^ uint64(c)) * 1099511628211
			continue
		}
		if start >= 0 {
			keys = append(keys, wordKeyOf(s[start:i], h, ascii))
			start = -1
		}
	}
	if start >= 0 {
		keys = append(keys, wordKeyOf(s[start:], h, ascii))
	}
	return keys
}

func wordKeyOf(w string, h uint64, ascii bool) uint64 {
	if ascii {
		return mix(h)
	}
	return wordKey(w)
}

// bloom is a bloom filter over 64-bit keys; its size is a power of two so
// that it can be folded in half.
type bloom []uint64

func newBloom(nbits int) bloom { return make(bloom, nbits/64) }

func (b bloom) probes(key uint64, fn func(bit uint64) bool) bool {
	mask := uint64(len(b))*64 - 1
	h1, h2 := key, key>>32|key<<32|1
	for i := uint64(0); i < bloomK; i++ {
		if !fn((h1 + i*h2) & mask) {
			return false
		}
	}
	return true
}

func (b bloom) add(key uint64) {
	b.probes(key, func(bit uint64) bool {
		b[bit>>6] |= 1 << (bit & 63)
		return true
	})
}

func (b bloom) has(key uint64) bool {
	return b.probes(key, func(bit uint64) bool { return b[bit>>6]&(1<<(bit&63)) != 0 })
}

// count estimates how many distinct keys were added.
func (b bloom) count() float64 {
	set := 0
	for _, w := range b {
		set += bits.OnesCount64(w)
	}
	m := float64(len(b) * 64)
	if set >= len(b)*64 {
		return m
	}
	return -m / bloomK * math.Log(1-float64(set)/m)
}

// fold halves the filter as long as it keeps bitsPerKey bits per key: a
// probe position p of the big filter is p mod size of the small one, so
// OR-ing the halves keeps every key.
func (b bloom) fold() bloom {
	n := b.count()
	for len(b)*64 > minBloomBits && float64(len(b)*64/2) >= n*bitsPerKey {
		half := len(b) / 2
		small := make(bloom, half)
		for i := range small {
			small[i] = b[i] | b[i+half]
		}
		b = small
	}
	return b
}

func (b bloom) bytes() []byte {
	out := make([]byte, 8*len(b))
	for i, w := range b {
		binary.LittleEndian.PutUint64(out[8*i:], w)
	}
	return out
}

func bloomFromBytes(p []byte) bloom {
	n := len(p) / 8
	if n == 0 || n&(n-1) != 0 {
		return nil // not a filter we wrote: treat the block as "maybe"
	}
	b := make(bloom, n)
	for i := range b {
		b[i] = binary.LittleEndian.Uint64(p[8*i:])
	}
	return b
}

// block is a sealed block: immutable once published.
type block struct {
	seqLo, seqHi int64
	tsLo, tsHi   int64 // µs since the epoch
	rows         int
	filter       bloom
}

// mayHave reports whether every key may be in the block.
func (b *block) mayHave(keys []uint64) bool {
	if b.filter == nil {
		return true
	}
	for _, k := range keys {
		if !b.filter.has(k) {
			return false
		}
	}
	return true
}

// openBlock is the block being filled; only the writer touches it.
type openBlock struct {
	seqLo, seqHi int64
	tsLo, tsHi   int64
	rows         int
	filter       bloom
}

func newOpenBlock() *openBlock {
	return &openBlock{tsLo: math.MaxInt64, tsHi: math.MinInt64, filter: newBloom(openBloomBits)}
}

func (o *openBlock) add(seq, ts int64, keys []uint64) {
	if o.rows == 0 {
		o.seqLo = seq
	}
	o.seqHi = seq
	o.tsLo = min(o.tsLo, ts)
	o.tsHi = max(o.tsHi, ts)
	o.rows++
	for _, k := range keys {
		o.filter.add(k)
	}
}

func (o *openBlock) seal() *block {
	return &block{seqLo: o.seqLo, seqHi: o.seqHi, tsLo: o.tsLo, tsHi: o.tsHi, rows: o.rows, filter: o.filter.fold()}
}

// seqRange is an inclusive range of seqs.
type seqRange struct{ lo, hi int64 }

// maxRanges bounds the seq ranges of one partition's condition.
const maxRanges = 64

// mergeRanges joins sorted ranges that touch, then the ones with the
// smallest gaps until at most maxRanges remain (reading a gap costs less
// than a long condition).
func mergeRanges(rs []seqRange) []seqRange {
	out := rs[:0:0]
	for _, r := range rs {
		if n := len(out); n > 0 && out[n-1].hi+1 >= r.lo {
			out[n-1].hi = max(out[n-1].hi, r.hi)
			continue
		}
		out = append(out, r)
	}
	for len(out) > maxRanges {
		best := 1
		for i := 2; i < len(out); i++ {
			if out[i].lo-out[i-1].hi < out[best].lo-out[best-1].hi {
				best = i
			}
		}
		out[best-1].hi = out[best].hi
		out = append(out[:best], out[best+1:]...)
	}
	return out
}
