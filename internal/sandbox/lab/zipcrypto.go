package lab

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"crypto/rand"
	"fmt"
	"hash/crc32"
	"io"
	"time"
)

// ZipPassword is the password of every sample archive: the malware
// analysts' convention, so that a sample is never one click from running
// and mail scanners leave the archive alone.
const ZipPassword = "infected"

// zipCrypto is the traditional PKWARE encryption (APPNOTE.TXT 6.1). It is
// weak cryptography on purpose: the archive's point is to defuse the
// sample, and ZipCrypto is what every unzip tool and analyst toolkit opens.
type zipCrypto struct {
	k0, k1, k2 uint32
}

func newZipCrypto(password []byte) *zipCrypto {
	z := &zipCrypto{k0: 0x12345678, k1: 0x23456789, k2: 0x34567890}
	for _, c := range password {
		z.update(c)
	}
	return z
}

// crc32Step is one byte of the CRC-32 used by the key schedule.
func crc32Step(crc uint32, b byte) uint32 {
	return crc32.IEEETable[byte(crc)^b] ^ (crc >> 8)
}

func (z *zipCrypto) update(p byte) {
	z.k0 = crc32Step(z.k0, p)
	z.k1 = (z.k1+(z.k0&0xff))*134775813 + 1
	z.k2 = crc32Step(z.k2, byte(z.k1>>24))
}

// stream is the next key-stream byte.
func (z *zipCrypto) stream() byte {
	t := uint16(z.k2 | 2)
	return byte((uint32(t) * uint32(t^1)) >> 8)
}

// encrypt encrypts buf in place.
func (z *zipCrypto) encrypt(buf []byte) {
	for i, p := range buf {
		c := p ^ z.stream()
		z.update(p)
		buf[i] = c
	}
}

// decrypt decrypts buf in place.
func (z *zipCrypto) decrypt(buf []byte) {
	for i, c := range buf {
		p := c ^ z.stream()
		z.update(p)
		buf[i] = p
	}
}

// WriteEncryptedZip writes a ZIP archive holding data as name, deflated
// and encrypted with ZipCrypto under password.
func WriteEncryptedZip(w io.Writer, name string, data []byte, password string, modified time.Time) error {
	var comp bytes.Buffer
	fw, err := flate.NewWriter(&comp, flate.DefaultCompression)
	if err != nil {
		return fmt.Errorf("cannot compress sample: %w", err)
	}
	if _, err := fw.Write(data); err != nil {
		return fmt.Errorf("cannot compress sample: %w", err)
	}
	if err := fw.Close(); err != nil {
		return fmt.Errorf("cannot compress sample: %w", err)
	}
	crc := crc32.ChecksumIEEE(data)
	// The 12-byte encryption header: 11 random bytes and a check byte,
	// the CRC's high byte (no data descriptor follows, APPNOTE 6.1.6).
	hdr := make([]byte, 12)
	if _, err := rand.Read(hdr[:11]); err != nil {
		return fmt.Errorf("cannot make encryption header: %w", err)
	}
	hdr[11] = byte(crc >> 24)
	payload := append(hdr, comp.Bytes()...)
	newZipCrypto([]byte(password)).encrypt(payload)

	zw := zip.NewWriter(w)
	fh := &zip.FileHeader{
		Name:               name,
		Method:             zip.Deflate,
		Flags:              0x1, // encrypted
		CRC32:              crc,
		CompressedSize64:   uint64(len(payload)),
		UncompressedSize64: uint64(len(data)),
		Modified:           modified,
	}
	raw, err := zw.CreateRaw(fh)
	if err != nil {
		return fmt.Errorf("cannot write archive: %w", err)
	}
	if _, err := raw.Write(payload); err != nil {
		return fmt.Errorf("cannot write archive: %w", err)
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("cannot write archive: %w", err)
	}
	return nil
}

// ReadEncryptedZip returns the content of the archive's only member,
// decrypting it with password. It is the reader of what
// WriteEncryptedZip writes (tests, and analysts re-importing a download).
func ReadEncryptedZip(r io.ReaderAt, size int64, password string) (name string, data []byte, err error) {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return "", nil, fmt.Errorf("cannot read archive: %w", err)
	}
	if len(zr.File) != 1 {
		return "", nil, fmt.Errorf("cannot read archive: %d members, want 1", len(zr.File))
	}
	f := zr.File[0]
	rc, err := f.OpenRaw()
	if err != nil {
		return "", nil, fmt.Errorf("cannot read archive member: %w", err)
	}
	payload, err := io.ReadAll(io.LimitReader(rc, int64(f.CompressedSize64)))
	if err != nil {
		return "", nil, fmt.Errorf("cannot read archive member: %w", err)
	}
	if f.Flags&0x1 != 0 {
		if len(payload) < 12 {
			return "", nil, fmt.Errorf("cannot decrypt archive member: %w", ErrBadArchive)
		}
		newZipCrypto([]byte(password)).decrypt(payload)
		check := byte(f.CRC32 >> 24)
		if f.Flags&0x8 != 0 {
			check = byte(f.ModifiedTime >> 8)
		}
		if payload[11] != check {
			return "", nil, fmt.Errorf("cannot decrypt archive member: %w", ErrWrongPassword)
		}
		payload = payload[12:]
	}
	switch f.Method {
	case zip.Store:
		data = payload
	case zip.Deflate:
		if data, err = io.ReadAll(io.LimitReader(flate.NewReader(bytes.NewReader(payload)), int64(f.UncompressedSize64)+1)); err != nil {
			return "", nil, fmt.Errorf("cannot inflate archive member: %w", err)
		}
	default:
		return "", nil, fmt.Errorf("cannot read archive member: %w: method %d", ErrBadArchive, f.Method)
	}
	if crc32.ChecksumIEEE(data) != f.CRC32 {
		return "", nil, fmt.Errorf("cannot read archive member: %w: CRC mismatch", ErrBadArchive)
	}
	return f.Name, data, nil
}
