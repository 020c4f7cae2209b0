package ingest

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/klauspost/compress/s2"
	"github.com/klauspost/compress/zstd"
)

// DefaultMaxBody is the default limit of a request body, after
// decompression.
const DefaultMaxBody = 10 << 20

// LimitText says a body limit for an error message: "10485760 bytes
// (10 MiB)", so that the sender can size its batches without guessing
// whether a megabyte is 10^6 or 2^20 bytes.
func LimitText(max int64) string {
	switch {
	case max >= 1<<20 && max%(1<<20) == 0:
		return fmt.Sprintf("%d bytes (%d MiB)", max, max>>20)
	case max >= 1<<10 && max%(1<<10) == 0:
		return fmt.Sprintf("%d bytes (%d KiB)", max, max>>10)
	}
	return fmt.Sprintf("%d bytes", max)
}

// ReadBody reads a request body of at most max bytes after decompression
// (gzip, x-gzip, deflate, zstd, snappy or identity Content-Encoding). It fails with
// ErrBodyTooLarge or ErrBadEncoding (wrapped), or the read error.
func ReadBody(r *http.Request, max int64) ([]byte, error) {
	body := &limitReader{r: r.Body, left: max}
	var src io.Reader = body
	enc := strings.ToLower(strings.TrimSpace(r.Header.Get("Content-Encoding")))
	switch enc {
	case "", "identity":
	case "gzip", "x-gzip":
		zr, err := gzip.NewReader(body)
		if err != nil {
			return nil, fmt.Errorf("%w: gzip: %v", ErrBadEncoding, err)
		}
		defer zr.Close()
		src = zr
	case "deflate":
		// HTTP's "deflate" is zlib-wrapped; some clients send raw deflate.
		br := bufioPeek{r: body}
		head, _ := br.peek(2)
		if len(head) == 2 && head[0]&0x0f == 8 && (uint16(head[0])<<8|uint16(head[1]))%31 == 0 {
			zr, err := zlib.NewReader(&br)
			if err != nil {
				return nil, fmt.Errorf("%w: deflate: %v", ErrBadEncoding, err)
			}
			defer zr.Close()
			src = zr
		} else {
			fr := flate.NewReader(&br)
			defer fr.Close()
			src = fr
		}
	case "zstd":
		// Vector's sinks send it. The window is bounded so that a frame
		// cannot make the decoder hold more memory than a body may have.
		window := uint64(64 << 20)
		if uint64(max) < window {
			window = uint64(max)
		}
		if window < zstd.MinWindowSize {
			window = zstd.MinWindowSize
		}
		zr, err := zstd.NewReader(body, zstd.WithDecoderConcurrency(1), zstd.WithDecoderLowmem(true), zstd.WithDecoderMaxWindow(window))
		if err != nil {
			return nil, fmt.Errorf("%w: zstd: %v", ErrBadEncoding, err)
		}
		defer zr.Close()
		src = zr
	case "snappy":
		return readSnappy(body, max)
	default:
		return nil, fmt.Errorf("%w: %q (send gzip, deflate, zstd, snappy or no Content-Encoding)", ErrBadEncoding, enc)
	}
	var buf bytes.Buffer
	if enc == "" && r.ContentLength > 0 && r.ContentLength <= max {
		buf.Grow(int(r.ContentLength) + 1)
	}
	n, err := buf.ReadFrom(io.LimitReader(src, max+1))
	if err != nil {
		var mbe *http.MaxBytesError
		switch {
		case errors.Is(err, ErrBodyTooLarge), errors.Is(err, zstd.ErrDecoderSizeExceeded), errors.Is(err, zstd.ErrWindowSizeExceeded):
			return nil, fmt.Errorf("%w: over %d bytes", ErrBodyTooLarge, max)
		case errors.As(err, &mbe):
			return nil, fmt.Errorf("%w: over %d bytes", ErrBodyTooLarge, mbe.Limit)
		case enc != "" && enc != "identity" && !isNetErr(err):
			return nil, fmt.Errorf("%w: %v", ErrBadEncoding, err)
		}
		return nil, fmt.Errorf("cannot read request body: %w", err)
	}
	if n > max {
		return nil, fmt.Errorf("%w: over %d bytes", ErrBodyTooLarge, max)
	}
	return TrimBOM(buf.Bytes()), nil
}

// utf8BOM is the byte order mark that Windows tools (PowerShell's
// Out-File and Set-Content, Notepad) write at the start of UTF-8 text.
var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// TrimBOM drops a UTF-8 byte order mark at the start of b: it marks the
// encoding and is no part of the JSON or the log line that follows.
func TrimBOM(b []byte) []byte {
	return bytes.TrimPrefix(b, utf8BOM)
}

// snappyStream is the snappy framing format's stream identifier chunk.
const snappyStream = "\xff\x06\x00\x00sNaPpY"

// readSnappy reads a snappy body: one raw block, as Vector's sinks send
// it (snap::raw), or the framing format, which other clients use. A raw
// block states its decoded length first, so that an oversized one is
// refused before anything is allocated for it.
func readSnappy(body io.Reader, max int64) ([]byte, error) {
	// Snappy never grows data by more than 1/6 plus a few bytes, so a
	// body within the limit is never more than that compressed.
	in, err := io.ReadAll(&limitReader{r: body, left: max + max/6 + 64})
	switch {
	case errors.Is(err, ErrBodyTooLarge):
		return nil, fmt.Errorf("%w: over %d bytes", ErrBodyTooLarge, max)
	case err != nil:
		return nil, fmt.Errorf("cannot read request body: %w", err)
	}
	if bytes.HasPrefix(in, []byte(snappyStream)) {
		var buf bytes.Buffer
		n, err := buf.ReadFrom(io.LimitReader(s2.NewReader(bytes.NewReader(in), s2.ReaderMaxBlockSize(64<<10)), max+1))
		switch {
		case err != nil:
			return nil, fmt.Errorf("%w: snappy: %v", ErrBadEncoding, err)
		case n > max:
			return nil, fmt.Errorf("%w: over %d bytes", ErrBodyTooLarge, max)
		}
		return buf.Bytes(), nil
	}
	n, err := s2.DecodedLen(in)
	switch {
	case err != nil:
		return nil, fmt.Errorf("%w: snappy: %v", ErrBadEncoding, err)
	case int64(n) > max:
		return nil, fmt.Errorf("%w: over %d bytes", ErrBodyTooLarge, max)
	}
	out, err := s2.Decode(nil, in)
	if err != nil {
		return nil, fmt.Errorf("%w: snappy: %v", ErrBadEncoding, err)
	}
	return out, nil
}

// isNetErr tells a broken connection from a corrupt compressed stream.
func isNetErr(err error) bool {
	var ne interface{ Timeout() bool }
	return errors.As(err, &ne) || errors.Is(err, io.ErrClosedPipe) || errors.Is(err, http.ErrBodyReadAfterClose)
}

// bufioPeek is a reader that can look at its first bytes without losing
// them.
type bufioPeek struct {
	r    io.Reader
	head []byte
}

func (b *bufioPeek) peek(n int) ([]byte, error) {
	for len(b.head) < n {
		buf := make([]byte, n-len(b.head))
		m, err := b.r.Read(buf)
		b.head = append(b.head, buf[:m]...)
		if err != nil {
			return b.head, err
		}
	}
	return b.head, nil
}

func (b *bufioPeek) Read(p []byte) (int, error) {
	if len(b.head) > 0 {
		n := copy(p, b.head)
		b.head = b.head[n:]
		return n, nil
	}
	return b.r.Read(p)
}

// limitReader fails with ErrBodyTooLarge past its limit, so that an
// oversized compressed body is reported as too large, not as corrupt.
type limitReader struct {
	r    io.Reader
	left int64
}

func (l *limitReader) Read(p []byte) (int, error) {
	if l.left < 0 {
		return 0, ErrBodyTooLarge
	}
	if int64(len(p)) > l.left+1 {
		p = p[:l.left+1]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	if l.left < 0 {
		return n, ErrBodyTooLarge
	}
	return n, err
}
