package samplegen

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"hash/crc32"
)

// ZipBomb returns a small ZIP whose single member inflates to mib MiB of
// zeros, with honest sizes and CRC in its headers. The deflate stream is a
// 1 MiB block of zeros repeated: each repeat is byte-aligned (sync flush)
// and only refers back to zeros, so it decodes anywhere after the first.
func ZipBomb(name string, mib int) []byte {
	var z bytes.Buffer
	fw, _ := flate.NewWriter(&z, flate.BestCompression)
	zeros := make([]byte, 1<<20)
	_, _ = fw.Write(zeros)
	_ = fw.Flush()
	first := append([]byte(nil), z.Bytes()...)
	z.Reset()
	_, _ = fw.Write(zeros)
	_ = fw.Flush()
	block := append([]byte(nil), z.Bytes()...)
	z.Reset()
	_ = fw.Close()
	tail := append([]byte(nil), z.Bytes()...)

	var raw bytes.Buffer
	raw.Write(first)
	for i := 1; i < mib; i++ {
		raw.Write(block)
	}
	raw.Write(tail)
	crc := uint32(0)
	for i := 0; i < mib; i++ {
		crc = crc32.Update(crc, crc32.IEEETable, zeros)
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	w, _ := zw.CreateRaw(&zip.FileHeader{
		Name:               name,
		Method:             zip.Deflate,
		CRC32:              crc,
		CompressedSize64:   uint64(raw.Len()),
		UncompressedSize64: uint64(mib) << 20,
	})
	_, _ = w.Write(raw.Bytes())
	_ = zw.Close()
	return out.Bytes()
}
