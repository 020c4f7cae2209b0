package syslog

import (
	"bufio"
	"bytes"
	"errors"
	"io"
)

// Framer splits a syslog byte stream into messages (RFC 6587), choosing
// the framing of each frame from its first bytes:
//
//   - octet counting: "MSG-LEN SP SYSLOG-MSG", where MSG-LEN is 1-9 digits
//     without a leading zero and the message starts with '<' (its PRI);
//     a trailing LF inside the count is dropped;
//   - non-transparent framing: the message ends at LF, or NUL; a CR before
//     it is dropped.
//
// Senders may switch framing between frames. Empty frames (stray LFs, CRs
// and NULs between messages) are skipped. A message longer than the size
// limit is cut at the limit and reported truncated; the rest is read and
// thrown away without being buffered, so a 10 MB line costs at most the
// limit in memory. An octet-counted frame cut short by the end of the
// stream is returned as far as it goes, reported truncated.
type Framer struct {
	r   *bufio.Reader
	max int
	buf []byte // a message that did not fit the reader's buffer
	eof bool
}

// readBufferSize is the size of the read buffer (and of the longest
// message returned without copying).
const readBufferSize = 64 << 10

// NewFramer returns a framer reading r, cutting messages at max bytes.
func NewFramer(r io.Reader, max int) *Framer {
	if max <= 0 {
		max = DefaultMaxMessageSize
	}
	return &Framer{r: bufio.NewReaderSize(r, readBufferSize), max: max}
}

// Next returns the next message and whether it was truncated. The message
// is valid until the next call. At the end of the stream it returns
// io.EOF; other errors are the reader's.
func (f *Framer) Next() (msg []byte, truncated bool, err error) {
	if f.eof {
		return nil, false, io.EOF
	}
	// Skip separators left between frames.
	for {
		c, err := f.r.ReadByte()
		if err != nil {
			return nil, false, err
		}
		if c != '\n' && c != '\r' && c != 0 {
			_ = f.r.UnreadByte()
			break
		}
	}
	if n, ok := f.octetCount(); ok {
		return f.readCounted(n)
	}
	return f.readLine()
}

// octetCount recognises and consumes an octet-counting prefix.
func (f *Framer) octetCount() (int, bool) {
	// Peek one more byte at a time: a short line must not wait for bytes
	// that will never come.
	n := 0
	for i := 1; i <= 11; i++ {
		b, err := f.r.Peek(i)
		if len(b) < i {
			_ = err
			return 0, false
		}
		c := b[i-1]
		switch {
		case c >= '0' && c <= '9':
			if i == 1 && c == '0' || i > 9 {
				return 0, false
			}
			n = n*10 + int(c-'0')
		case c == ' ' && i > 1:
			b, _ := f.r.Peek(i + 1)
			if len(b) < i+1 || b[i] != '<' {
				return 0, false
			}
			_, _ = f.r.Discard(i)
			return n, true
		default:
			return 0, false
		}
	}
	return 0, false
}

func (f *Framer) readCounted(n int) ([]byte, bool, error) {
	keep := min(n, f.max)
	var msg []byte
	inReader := false
	if keep <= f.r.Size() {
		b, err := f.r.Peek(keep)
		if len(b) < keep {
			// The stream ended inside the frame.
			f.buf = append(f.buf[:0], b...)
			_, _ = f.r.Discard(len(b))
			f.eof = true
			if len(f.buf) == 0 {
				return nil, false, eofOr(err)
			}
			return f.buf, true, nil
		}
		msg = b
		inReader = true
		_, _ = f.r.Discard(keep)
	} else {
		if cap(f.buf) < keep {
			f.buf = make([]byte, keep)
		}
		f.buf = f.buf[:keep]
		m, err := io.ReadFull(f.r, f.buf)
		if err != nil {
			f.eof = true
			f.buf = f.buf[:m]
			if m == 0 {
				return nil, false, eofOr(err)
			}
			return f.buf, true, nil
		}
		msg = f.buf
	}
	if n > keep {
		// Copy out before discarding: msg may point into the reader.
		if inReader {
			f.buf = append(f.buf[:0], msg...)
			msg = f.buf
		}
		if _, err := f.r.Discard(n - keep); err != nil {
			f.eof = true
		}
		return msg, true, nil
	}
	return trimLF(msg), false, nil
}

// trimLF drops one trailing LF (and a CR before it) from an octet-counted
// message: rsyslog's RFC 5424 templates end the message with one inside
// the count, and rsyslog itself drops it on reception
// (parser.dropTrailingLFOnReception), as does every receiver we know.
func trimLF(b []byte) []byte {
	if len(b) > 0 && b[len(b)-1] == '\n' {
		return trimCR(b[:len(b)-1])
	}
	return b
}

// readLine reads up to LF or NUL.
func (f *Framer) readLine() ([]byte, bool, error) {
	f.buf = f.buf[:0]
	truncated := false
	for {
		avail := f.r.Buffered()
		if avail == 0 {
			if _, err := f.r.Peek(1); err != nil {
				f.eof = true
				if len(f.buf) == 0 && !truncated {
					return nil, false, eofOr(err)
				}
				return trimCR(f.buf), truncated, nil
			}
			avail = f.r.Buffered()
		}
		b, _ := f.r.Peek(avail)
		end := indexDelim(b)
		if end >= 0 {
			if len(f.buf) == 0 && !truncated && end <= f.max {
				// The common case: the whole line is in the buffer.
				_, _ = f.r.Discard(end + 1)
				return trimCR(b[:end]), false, nil
			}
			f.buf, truncated = appendBounded(f.buf, b[:end], f.max, truncated)
			_, _ = f.r.Discard(end + 1)
			return trimCR(f.buf), truncated, nil
		}
		f.buf, truncated = appendBounded(f.buf, b, f.max, truncated)
		_, _ = f.r.Discard(len(b))
	}
}

func appendBounded(buf, b []byte, max int, truncated bool) ([]byte, bool) {
	room := max - len(buf)
	if len(b) > room {
		return append(buf, b[:room]...), true
	}
	return append(buf, b...), truncated
}

// indexDelim finds the first LF or NUL; NUL is looked for only before the
// LF, so that a buffer of many lines is not scanned to its end per line.
func indexDelim(b []byte) int {
	i := bytes.IndexByte(b, '\n')
	if i < 0 {
		return bytes.IndexByte(b, 0)
	}
	if j := bytes.IndexByte(b[:i], 0); j >= 0 {
		return j
	}
	return i
}

func trimCR(b []byte) []byte {
	if len(b) > 0 && b[len(b)-1] == '\r' {
		return b[:len(b)-1]
	}
	return b
}

func eofOr(err error) error {
	if err == nil || errors.Is(err, io.ErrUnexpectedEOF) {
		return io.EOF
	}
	return err
}
