// Package evtx reads Windows event log files (.evtx) record by record,
// with Velocidex's parser, into the map shape normalize.NormalizeWindows
// maps: {"Event": {"System": {...}, "EventData": {...}}}.
//
// A damaged file is read as far as it can be: a chunk that is truncated,
// has a bad signature, checksum or header, or makes the parser fail is
// counted and described in Stats, and reading goes on with the next one.
package evtx

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"slices"

	"github.com/Velocidex/ordereddict"
	velo "www.velocidex.com/golang/evtx"
)

// ErrNotEVTX is returned when a file does not start with an evtx header.
var ErrNotEVTX = errors.New("not an evtx file")

const (
	fileMagic  = "ElfFile\x00"
	chunkMagic = "ElfChnk\x00"
	chunkSize  = 0x10000
	// chunkHeaderSize is where a chunk's records start.
	chunkHeaderSize = 0x200
	// maxRecordsPerChunk bounds a chunk header's record count: a record
	// takes at least 24 bytes of a 64 KiB chunk. A corrupt header with a
	// larger count would otherwise make the parser loop for ever.
	maxRecordsPerChunk = (chunkSize - chunkHeaderSize) / 24
	// maxProblems bounds Stats.Problems.
	maxProblems = 100
)

// Stats say what was read.
type Stats struct {
	Chunks        int // chunks with a valid signature
	Records       int // records passed to fn
	CorruptChunks int // chunks skipped in whole or in part
	// BadChecksums counts chunks whose stored CRC32 does not match: their
	// records are still read (a log copied while Windows was writing it
	// often has a stale checksum), but they may be incomplete.
	BadChecksums int
	// Problems describe each corrupt chunk (at most 100).
	Problems []string
}

func (s *Stats) problem(format string, args ...any) {
	if len(s.Problems) < maxProblems {
		s.Problems = append(s.Problems, fmt.Sprintf(format, args...))
	}
}

// Read calls fn with every record of the evtx file r, in file order. It
// fails only when r is not an evtx file, cannot be read, or fn fails
// (then with fn's error, wrapped); corrupt chunks are skipped and counted.
func Read(r io.ReaderAt, fn func(rec map[string]any) error) (Stats, error) {
	var st Stats
	var hdr [128]byte
	if n, err := r.ReadAt(hdr[:], 0); n < len(hdr) {
		if err == nil || err == io.EOF {
			return st, fmt.Errorf("cannot read evtx header: %w: %d bytes", ErrNotEVTX, n)
		}
		return st, fmt.Errorf("cannot read evtx header: %w", err)
	}
	if string(hdr[:8]) != fileMagic {
		return st, fmt.Errorf("cannot read evtx header: %w: bad signature", ErrNotEVTX)
	}
	major := binary.LittleEndian.Uint16(hdr[0x26:])
	if major != 3 {
		return st, fmt.Errorf("cannot read evtx header: %w: version %d", ErrNotEVTX, major)
	}
	first := int64(binary.LittleEndian.Uint16(hdr[0x28:]))
	if first < 128 || first > chunkSize {
		first = 4096
	}
	buf := make([]byte, chunkSize)
	for off := first; ; off += chunkSize {
		n, err := r.ReadAt(buf, off)
		if n == 0 {
			if err != nil && err != io.EOF {
				return st, fmt.Errorf("cannot read evtx chunk at %d: %w", off, err)
			}
			return st, nil
		}
		if n < chunkSize {
			if !allZero(buf[:n]) {
				st.CorruptChunks++
				st.problem("chunk at offset %d: truncated (%d of %d bytes)", off, n, chunkSize)
			}
			if err != nil && err != io.EOF {
				return st, fmt.Errorf("cannot read evtx chunk at %d: %w", off, err)
			}
			return st, nil
		}
		if err := readChunk(&st, buf, off, fn); err != nil {
			return st, err
		}
	}
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// readChunk parses one 64 KiB chunk. Only fn's error is returned.
func readChunk(st *Stats, buf []byte, off int64, fn func(map[string]any) error) error {
	if string(buf[:8]) != chunkMagic {
		// Pre-allocated, never written chunks are all zeros.
		if !allZero(buf[:8]) {
			st.CorruptChunks++
			st.problem("chunk at offset %d: bad signature", off)
		}
		return nil
	}
	st.Chunks++
	firstNum := binary.LittleEndian.Uint64(buf[8:])
	lastNum := binary.LittleEndian.Uint64(buf[16:])
	freeOff := binary.LittleEndian.Uint32(buf[0x30:])
	if lastNum < firstNum || lastNum-firstNum >= maxRecordsPerChunk || freeOff < chunkHeaderSize || freeOff > chunkSize {
		st.CorruptChunks++
		st.problem("chunk at offset %d: bad header (records %d-%d, free space at %d)", off, firstNum, lastNum, freeOff)
		return nil
	}
	want := int(lastNum - firstNum + 1)
	headerSum := crc32.ChecksumIEEE(append(append([]byte(nil), buf[:0x78]...), buf[0x80:chunkHeaderSize]...))
	dataSum := crc32.ChecksumIEEE(buf[chunkHeaderSize:freeOff])
	if headerSum != binary.LittleEndian.Uint32(buf[0x7c:]) || dataSum != binary.LittleEndian.Uint32(buf[0x34:]) {
		st.BadChecksums++
	}
	// Check the records before the parser sees them: it trusts counts and
	// lengths found in the data, and a garbled one can make it allocate
	// gigabytes. The parser is told to stop before the first bad record.
	valid, why, retyped := checkRecords(buf, want)
	if valid == 0 {
		st.CorruptChunks++
		st.problem("chunk at offset %d: read 0 of %d records: %s", off, want, why)
		return nil
	}
	if valid < want {
		buf = slices.Clone(buf)
		binary.LittleEndian.PutUint64(buf[16:], firstNum+uint64(valid)-1)
	}
	records, perr := parseChunk(buf)
	seen := make(map[uint64]bool, len(records))
	got := 0
	for _, rec := range records {
		id := rec.Header.RecordID
		if seen[id] || rec.Header.Size < 24 || rec.Header.Size > chunkSize {
			continue // the parser re-reads a record whose size is bad
		}
		seen[id] = true
		d, ok := rec.Event.(*ordereddict.Dict)
		if !ok {
			continue
		}
		m, ok := toMap(d, 0, retyped).(map[string]any)
		if !ok {
			continue
		}
		if _, ok := m["Event"].(map[string]any); !ok {
			continue
		}
		got++
		st.Records++
		if err := fn(m); err != nil {
			return fmt.Errorf("cannot handle evtx record %d: %w", id, err)
		}
	}
	if perr != nil || got < want {
		st.CorruptChunks++
		reason := fmt.Sprintf("read %d of %d records", got, want)
		if perr != nil {
			reason += ": " + perr.Error()
		} else if why != "" {
			reason += ": " + why
		}
		st.problem("chunk at offset %d: %s", off, reason)
	}
	return nil
}

// parseChunk runs Velocidex's parser on one chunk; a panic inside it
// (it trusts offsets found in the data) becomes an error.
func parseChunk(buf []byte) (records []*velo.EventRecord, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("parser failed: %v", r)
		}
	}()
	c, err := velo.NewChunk(bytes.NewReader(buf), 0)
	if err != nil {
		return nil, fmt.Errorf("cannot read chunk header: %w", err)
	}
	return c.Parse(0)
}

// maxDepth bounds the conversion of nested values.
const maxDepth = 64

// toMap converts the parser's ordered dictionaries to plain maps, and
// decodes the values checkRecords handed to the parser as binary (see
// retype): such a value is a slice of the parser's chunk buffer, so its
// capacity says where in the chunk it lies, and retyped what it was.
func toMap(v any, depth int, retyped map[int]byte) any {
	if depth > maxDepth {
		return nil
	}
	switch x := v.(type) {
	case *ordereddict.Dict:
		m := make(map[string]any, x.Len())
		for _, k := range x.Keys() {
			e, _ := x.Get(k)
			m[k] = toMap(e, depth+1, retyped)
		}
		return m
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = toMap(e, depth+1, retyped)
		}
		return out
	case []byte:
		if len(x) == 0 {
			return ""
		}
		if typ, ok := retyped[chunkSize-cap(x)]; ok {
			return decodeValue(typ, x)
		}
	}
	return v
}

// checkRecords walks the chunk's records and the template-instance
// headers the parser will read, mirroring its logic, and returns how many
// leading records are sound (and why the next is not). On the way it
// retypes, in buf, the substitution values the parser would decode
// wrongly (see retype), and returns their types by offset in the chunk.
func checkRecords(buf []byte, want int) (int, string, map[int]byte) {
	known := make(map[uint32]bool, 16)
	retyped := make(map[int]byte)
	off := chunkHeaderSize
	for i := 0; i < want; i++ {
		if off+28 > len(buf) || string(buf[off:off+4]) != "\x2a\x2a\x00\x00" {
			return i, fmt.Sprintf("record %d: bad signature", i), retyped
		}
		size := int(binary.LittleEndian.Uint32(buf[off+4:]))
		if size < 28 || off+size > len(buf) {
			return i, fmt.Sprintf("record %d: bad size %d", i, size), retyped
		}
		p := off + 24
		end := off + size - 4 // a copy of the size ends the record
		if p < end && buf[p] == 0x0f {
			p += 4 // fragment header
		}
		if !checkInstance(buf, p, end, known, retyped, 0) {
			return i, fmt.Sprintf("record %d: bad template instance", i), retyped
		}
		off += size
	}
	return want, "", retyped
}

// checkInstance checks a template instance at p (if there is one): its
// substitution count and lengths must fit before end; BinXML
// substitutions are checked in turn. Values of the types retype names are
// marked binary in buf, and their offsets and types noted in retyped.
func checkInstance(buf []byte, p, end int, known map[uint32]bool, retyped map[int]byte, depth int) bool {
	if depth > 8 {
		return false
	}
	if p+14 > end || buf[p] != 0x0c || buf[p+1] != 0x01 {
		return true // not a template instance: the parser reads it token by token
	}
	u32 := func(i int) int { return int(binary.LittleEndian.Uint32(buf[i:])) }
	id := binary.LittleEndian.Uint32(buf[p+2:])
	q := p + 10
	count := u32(q)
	q += 4
	if !known[id] {
		// The definition follows inline: GUID, body length, body.
		if q+20 > end {
			return false
		}
		q += 16
		bodyLen := u32(q)
		q += 4
		if bodyLen < 0 || q+bodyLen+4 > end {
			return false
		}
		q += bodyLen
		known[id] = true
		count = u32(q)
		q += 4
	}
	if count < 0 || count > (end-q)/4 {
		return false
	}
	data := q + 4*count
	for i := 0; i < count; i++ {
		n := int(binary.LittleEndian.Uint16(buf[q+4*i:]))
		typ := buf[q+4*i+2]
		if data+n > end {
			return false
		}
		if typ == 0x21 && !checkInstance(buf, data+boolToInt(n > 0 && buf[data] == 0x0f)*4, data+n, known, retyped, depth+1) {
			return false
		}
		if retype(typ) {
			buf[q+4*i+2] = typeBinary
			// An empty value needs no decoding, and its offset may be
			// that of the next value.
			if n > 0 {
				retyped[data] = typ
			}
		}
		data += n
	}
	return true
}

func boolToInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
