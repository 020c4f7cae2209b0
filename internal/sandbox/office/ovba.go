package office

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// ErrCompressedContainer is returned for data that is not an MS-OVBA
// CompressedContainer.
var ErrCompressedContainer = errors.New("invalid MS-OVBA compressed container")

const chunkSize = 4096

// Decompress decompresses an MS-OVBA CompressedContainer (MS-OVBA 2.4.1):
// a 0x01 signature byte followed by chunks of at most 4096 decompressed
// bytes, each either raw or a sequence of flag bytes and literal/copy
// tokens. Output stops at limit bytes (0 = no limit); a truncated or corrupt
// trailing chunk ends decompression with what was recovered and an error.
func Decompress(in []byte, limit int) ([]byte, error) {
	if len(in) == 0 || in[0] != 0x01 {
		return nil, ErrCompressedContainer
	}
	out := make([]byte, 0, min(len(in)*3, 1<<20))
	pos := 1
	for pos < len(in) {
		if limit > 0 && len(out) >= limit {
			return out[:limit], nil
		}
		if pos+2 > len(in) {
			return out, fmt.Errorf("%w: truncated chunk header at %d", ErrCompressedContainer, pos)
		}
		header := binary.LittleEndian.Uint16(in[pos:])
		size := int(header&0x0fff) + 3 // whole chunk, header included
		if (header>>12)&0x7 != 0x3 {
			return out, fmt.Errorf("%w: bad chunk signature at %d", ErrCompressedContainer, pos)
		}
		compressed := header&0x8000 != 0
		end := min(pos+size, len(in))
		data := in[pos+2 : end]
		pos = end
		if !compressed {
			// A raw chunk always holds 4096 bytes.
			n := min(len(data), chunkSize)
			out = append(out, data[:n]...)
			continue
		}
		var err error
		out, err = decompressChunk(out, data)
		if err != nil {
			return out, err
		}
	}
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// decompressChunk appends the decompressed tokens of one chunk to out.
func decompressChunk(out, data []byte) ([]byte, error) {
	start := len(out)
	i := 0
	for i < len(data) {
		flags := data[i]
		i++
		for bit := 0; bit < 8 && i < len(data); bit++ {
			if len(out)-start >= chunkSize {
				return out, nil
			}
			if flags&(1<<bit) == 0 {
				out = append(out, data[i])
				i++
				continue
			}
			if i+2 > len(data) {
				return out, fmt.Errorf("%w: truncated copy token", ErrCompressedContainer)
			}
			token := binary.LittleEndian.Uint16(data[i:])
			i += 2
			diff := len(out) - start
			bitCount := copyTokenBits(diff)
			lengthMask := uint16(0xffff) >> bitCount
			length := int(token&lengthMask) + 3
			offset := int(token>>(16-bitCount)) + 1
			if offset > diff {
				return out, fmt.Errorf("%w: copy token reaches before the chunk", ErrCompressedContainer)
			}
			src := len(out) - offset
			for k := 0; k < length; k++ {
				// Byte by byte: the copy may overlap its own output.
				out = append(out, out[src+k])
			}
		}
	}
	return out, nil
}

// copyTokenBits is the number of offset bits of a copy token at decompressed
// position diff within the chunk: the smallest n >= 4 with 2^n >= diff.
func copyTokenBits(diff int) uint {
	n := uint(4)
	for (1 << n) < diff {
		n++
	}
	return min(n, 12)
}

// Compress produces an MS-OVBA CompressedContainer for data, with real copy
// tokens (greedy longest match inside each 4096-byte chunk). It exists so
// tests and fixtures can build VBA projects the way Office does.
func Compress(data []byte) []byte {
	out := []byte{0x01}
	for off := 0; off < len(data); off += chunkSize {
		chunk := data[off:min(off+chunkSize, len(data))]
		body := compressChunk(chunk)
		if len(body) > chunkSize && len(chunk) == chunkSize {
			// Incompressible full chunk: store it raw.
			out = binary.LittleEndian.AppendUint16(out, uint16(0x3000|(chunkSize+2-3)))
			out = append(out, chunk...)
		} else {
			out = binary.LittleEndian.AppendUint16(out, uint16(0x8000|0x3000|(len(body)+2-3)))
			out = append(out, body...)
		}
	}
	return out
}

func compressChunk(chunk []byte) []byte {
	var out []byte
	pos := 0
	for pos < len(chunk) {
		flagIdx := len(out)
		out = append(out, 0)
		for bit := 0; bit < 8 && pos < len(chunk); bit++ {
			bitCount := copyTokenBits(pos)
			maxLen := int(uint16(0xffff)>>bitCount) + 3
			maxOff := 1 << bitCount
			bestLen, bestOff := 0, 0
			for cand := pos - 1; cand >= 0 && pos-cand <= maxOff; cand-- {
				l := 0
				for pos+l < len(chunk) && l < maxLen && chunk[cand+l] == chunk[pos+l] {
					l++
				}
				if l > bestLen {
					bestLen, bestOff = l, pos-cand
				}
			}
			if bestLen >= 3 {
				token := uint16(bestOff-1)<<(16-bitCount) | uint16(bestLen-3)
				out = binary.LittleEndian.AppendUint16(out, token)
				out[flagIdx] |= 1 << bit
				pos += bestLen
			} else {
				out = append(out, chunk[pos])
				pos++
			}
		}
	}
	return out
}
