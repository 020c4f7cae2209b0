// Package strs extracts printable strings (ASCII and UTF-16LE) from binary
// data and measures Shannon entropy, the two cheapest signals of what a sample
// carries and whether parts of it are packed or encrypted.
package strs

import (
	"math"
)

// Encoding names the byte encoding a string was found in.
type Encoding string

// Encodings reported by Extract.
const (
	ASCII   Encoding = "ascii"
	UTF16LE Encoding = "utf16le"
)

// String is one printable run found in the data.
type String struct {
	Value    string   `json:"value"`
	Offset   int64    `json:"offset"`
	Encoding Encoding `json:"encoding"`
}

// Options bound the extraction.
type Options struct {
	// MinLen is the shortest run kept (default 5).
	MinLen int
	// MaxLen truncates longer runs (default 4096) so one huge run cannot
	// dominate memory.
	MaxLen int
	// MaxCount stops the scan once this many strings were found (default 100,000).
	MaxCount int
}

func (o Options) withDefaults() Options {
	if o.MinLen <= 0 {
		o.MinLen = 5
	}
	if o.MaxLen <= 0 {
		o.MaxLen = 4096
	}
	if o.MaxCount <= 0 {
		o.MaxCount = 100_000
	}
	return o
}

// printable reports whether b is a byte we keep in a string: visible ASCII,
// space and tab.
func printable(b byte) bool {
	return (b >= 0x20 && b < 0x7f) || b == '\t'
}

// Extract returns the ASCII strings, then the UTF-16LE strings, of data, and
// whether the scan stopped at MaxCount.
func Extract(data []byte, opts Options) (out []String, truncated bool) {
	opts = opts.withDefaults()
	out = extractASCII(data, opts, out)
	if len(out) >= opts.MaxCount {
		return out[:opts.MaxCount], true
	}
	out = extractUTF16(data, opts, out)
	if len(out) >= opts.MaxCount {
		return out[:opts.MaxCount], true
	}
	return out, false
}

func extractASCII(data []byte, opts Options, out []String) []String {
	start := -1
	flush := func(end int) {
		if start >= 0 && end-start >= opts.MinLen {
			e := end
			if e-start > opts.MaxLen {
				e = start + opts.MaxLen
			}
			out = append(out, String{Value: string(data[start:e]), Offset: int64(start), Encoding: ASCII})
		}
		start = -1
	}
	for i, b := range data {
		if printable(b) {
			if start < 0 {
				start = i
			}
			continue
		}
		flush(i)
		if len(out) >= opts.MaxCount {
			return out
		}
	}
	flush(len(data))
	return out
}

// extractUTF16 finds runs of printable ASCII characters encoded as UTF-16LE
// (char, 0x00), which is how Windows binaries store most of their strings.
// Both byte alignments are scanned.
func extractUTF16(data []byte, opts Options, out []String) []String {
	for align := 0; align < 2; align++ {
		start := -1
		var buf []byte
		flush := func(end int) {
			if start >= 0 && len(buf) >= opts.MinLen {
				v := buf
				if len(v) > opts.MaxLen {
					v = v[:opts.MaxLen]
				}
				out = append(out, String{Value: string(v), Offset: int64(start), Encoding: UTF16LE})
			}
			start = -1
			buf = buf[:0]
		}
		for i := align; i+1 < len(data); i += 2 {
			if data[i+1] == 0 && printable(data[i]) {
				if start < 0 {
					start = i
				}
				if len(buf) <= opts.MaxLen {
					buf = append(buf, data[i])
				}
				continue
			}
			flush(i)
			if len(out) >= opts.MaxCount {
				return out
			}
		}
		flush(len(data))
	}
	return out
}

// Entropy returns the Shannon entropy of data in bits per byte (0..8).
func Entropy(data []byte) float64 {
	if len(data) == 0 {
		return 0
	}
	var counts [256]int
	for _, b := range data {
		counts[b]++
	}
	return entropyOf(&counts, len(data))
}

func entropyOf(counts *[256]int, n int) float64 {
	var h float64
	fn := float64(n)
	for _, c := range counts {
		if c == 0 {
			continue
		}
		p := float64(c) / fn
		h -= p * math.Log2(p)
	}
	// Round to 3 decimals so reports are stable and readable.
	return math.Round(h*1000) / 1000
}

// Chunk is the entropy of one fixed-size window of the data.
type Chunk struct {
	Offset  int64   `json:"offset"`
	Size    int     `json:"size"`
	Entropy float64 `json:"entropy"`
}

// ChunkEntropy splits data into at most maxChunks windows of equal size (at
// least minChunk bytes each) and returns the entropy of each, which shows
// where encrypted or compressed regions sit inside a file.
func ChunkEntropy(data []byte, maxChunks, minChunk int) []Chunk {
	if len(data) == 0 || maxChunks <= 0 {
		return nil
	}
	if minChunk <= 0 {
		minChunk = 256
	}
	size := (len(data) + maxChunks - 1) / maxChunks
	if size < minChunk {
		size = minChunk
	}
	var out []Chunk
	for off := 0; off < len(data); off += size {
		end := min(off+size, len(data))
		out = append(out, Chunk{Offset: int64(off), Size: end - off, Entropy: Entropy(data[off:end])})
	}
	return out
}
