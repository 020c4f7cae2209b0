package syslog

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
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
// limit is cut at the limit and reported cut; the rest is read and
// thrown away without being buffered, so a 10 MB line costs at most the
// limit in memory. An octet-counted frame cut short by the end of the
// stream is returned as far as it goes, reported cut too.
type Framer struct {
	r   *bufio.Reader
	max int
	buf []byte // a message that did not fit the reader's buffer
	// err ends the stream: io.EOF, or the reader's error (a reset),
	// returned once the message read with it has been returned.
	err error
}

// Cut says how a message was cut; the zero Cut is a message received
// whole.
type Cut struct {
	// Announced is the length an octet-counted frame announced; 0 for
	// a line.
	Announced int
	// Received is how many bytes of the message arrived (for a line, up
	// to its LF), and Kept how many of them were kept (the limit).
	Received, Kept int
}

// Truncated reports whether the message was cut.
func (c Cut) Truncated() bool { return c != Cut{} }

// Incomplete reports whether the stream ended inside an octet-counted
// frame: the sender announced more than it sent.
func (c Cut) Incomplete() bool { return c.Received < c.Announced }

// Reason says how the message was cut, for error.message; "" when it was
// not.
func (c Cut) Reason() string {
	switch {
	case !c.Truncated():
		return ""
	case c.Incomplete() && c.Kept < c.Received:
		return fmt.Sprintf("frame announced %d bytes, connection closed after %d; kept the first %d", c.Announced, c.Received, c.Kept)
	case c.Incomplete():
		return fmt.Sprintf("frame announced %d bytes, connection closed after %d", c.Announced, c.Received)
	}
	return fmt.Sprintf("message of %d bytes cut to %d", c.Received, c.Kept)
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

// Next returns the next message and how it was cut, if it was. The
// message is valid until the next call. At the end of the stream it
// returns io.EOF; other errors are the reader's (returned after the
// message that ended with them).
func (f *Framer) Next() (msg []byte, cut Cut, err error) {
	if f.err != nil {
		return nil, Cut{}, f.err
	}
	// Skip separators left between frames.
	for {
		c, err := f.r.ReadByte()
		if err != nil {
			f.err = eofOr(err)
			return nil, Cut{}, f.err
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

func (f *Framer) readCounted(n int) ([]byte, Cut, error) {
	keep := min(n, f.max)
	var msg []byte
	inReader := false
	if keep <= f.r.Size() {
		b, err := f.r.Peek(keep)
		if len(b) < keep {
			// The stream ended inside the frame.
			f.buf = append(f.buf[:0], b...)
			_, _ = f.r.Discard(len(b))
			f.err = eofOr(err)
			if len(f.buf) == 0 {
				return nil, Cut{}, f.err
			}
			return f.buf, Cut{Announced: n, Received: len(b), Kept: len(b)}, nil
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
			f.err = eofOr(err)
			f.buf = f.buf[:m]
			if m == 0 {
				return nil, Cut{}, f.err
			}
			return f.buf, Cut{Announced: n, Received: m, Kept: m}, nil
		}
		msg = f.buf
	}
	if n > keep {
		// Copy out before discarding: msg may point into the reader.
		if inReader {
			f.buf = append(f.buf[:0], msg...)
			msg = f.buf
		}
		d, err := f.r.Discard(n - keep)
		if err != nil {
			f.err = eofOr(err)
		}
		return msg, Cut{Announced: n, Received: keep + d, Kept: keep}, nil
	}
	return trimLF(msg), Cut{}, nil
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
func (f *Framer) readLine() ([]byte, Cut, error) {
	f.buf = f.buf[:0]
	received := 0 // the line's length, counted past the limit
	var last byte // its last byte
	for {
		avail := f.r.Buffered()
		if avail == 0 {
			if _, err := f.r.Peek(1); err != nil {
				f.err = eofOr(err)
				if received == 0 {
					return nil, Cut{}, f.err
				}
				return f.line(received, last)
			}
			avail = f.r.Buffered()
		}
		b, _ := f.r.Peek(avail)
		end := indexDelim(b)
		if end >= 0 {
			if received == 0 && end <= f.max {
				// The common case: the whole line is in the buffer.
				_, _ = f.r.Discard(end + 1)
				return trimCR(b[:end]), Cut{}, nil
			}
			f.buf = appendBounded(f.buf, b[:end], f.max)
			if end > 0 {
				received, last = received+end, b[end-1]
			}
			_, _ = f.r.Discard(end + 1)
			return f.line(received, last)
		}
		f.buf = appendBounded(f.buf, b, f.max)
		received, last = received+len(b), b[len(b)-1]
		_, _ = f.r.Discard(len(b))
	}
}

// line returns the line gathered in f.buf: received bytes as sent, the
// last of them last (a CR before the LF is not part of the message).
func (f *Framer) line(received int, last byte) ([]byte, Cut, error) {
	if last == '\r' {
		received--
	}
	if received <= f.max {
		return trimCR(f.buf), Cut{}, nil
	}
	return f.buf, Cut{Received: received, Kept: len(f.buf)}, nil
}

func appendBounded(buf, b []byte, max int) []byte {
	room := max - len(buf)
	if len(b) > room {
		return append(buf, b[:room]...)
	}
	return append(buf, b...)
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
