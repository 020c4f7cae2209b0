package syslog

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"syscall"
	"testing"
	"testing/iotest"
)

type frame struct {
	msg string
	cut Cut
}

func frames(t testing.TB, r io.Reader, max int) []frame {
	t.Helper()
	f := NewFramer(r, max)
	var out []frame
	for {
		msg, cut, err := f.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		if len(msg) > max {
			t.Fatalf("message of %d bytes over the %d limit", len(msg), max)
		}
		if cut.Truncated() && (cut.Kept != len(msg) || cut.Received < cut.Kept || cut.Reason() == "") {
			t.Fatalf("message of %d bytes reported cut as %+v (%q)", len(msg), cut, cut.Reason())
		}
		out = append(out, frame{string(msg), cut})
	}
}

func TestFramer(t *testing.T) {
	long := strings.Repeat("x", 100)
	cases := []struct {
		name string
		in   string
		max  int
		want []frame
	}{
		{"LF", "<34>1 2024-01-01T00:00:00Z h a - - - one\n<13>Jan  1 00:00:00 h b: two\n", 0,
			[]frame{{"<34>1 2024-01-01T00:00:00Z h a - - - one", Cut{}}, {"<13>Jan  1 00:00:00 h b: two", Cut{}}}},
		{"CRLF", "<1>a\r\n<2>b\r\n", 0, []frame{{"<1>a", Cut{}}, {"<2>b", Cut{}}}},
		{"NUL", "<1>a\x00<2>b\x00", 0, []frame{{"<1>a", Cut{}}, {"<2>b", Cut{}}}},
		{"last line without LF", "<1>a\n<2>b", 0, []frame{{"<1>a", Cut{}}, {"<2>b", Cut{}}}},
		{"empty lines skipped", "\n\n<1>a\n\r\n\x00\n<2>b\n\n", 0, []frame{{"<1>a", Cut{}}, {"<2>b", Cut{}}}},
		{"octet counting", "7 <34>abc9 <35>hello", 0, []frame{{"<34>abc", Cut{}}, {"<35>hello", Cut{}}}},
		{"octet counting with LF inside", "10 <1>a\nb\nc\nd6 <2>xyz", 0, []frame{{"<1>a\nb\nc\nd", Cut{}}, {"<2>xyz", Cut{}}}},
		{"octet counting, trailing LF inside the count (rsyslog's RFC 5424 template)", "6 <1>ab\n7 <2>cd\r\n", 0, []frame{{"<1>ab", Cut{}}, {"<2>cd", Cut{}}}},
		{"octet counting, LF after frames", "4 <1>a\n4 <2>b\n", 0, []frame{{"<1>a", Cut{}}, {"<2>b", Cut{}}}},
		{"mixed framing", "5 <1>ab<2>line\n6 <3>xyz<4>tail\n", 0,
			[]frame{{"<1>ab", Cut{}}, {"<2>line", Cut{}}, {"<3>xyz", Cut{}}, {"<4>tail", Cut{}}}},
		{"digits without PRI are a line", "123 hello world\n42\n0 <1>x\n", 0,
			[]frame{{"123 hello world", Cut{}}, {"42", Cut{}}, {"0 <1>x", Cut{}}}},
		{"octet frame cut by the end of the stream", "100 <34>short", 0, []frame{{"<34>short", Cut{Announced: 100, Received: 9, Kept: 9}}}},
		{"octet prefix then nothing", "5 <", 0, []frame{{"<", Cut{Announced: 5, Received: 1, Kept: 1}}}},
		{"long line truncated, next line intact", long + "\n<1>next\n", 10, []frame{{long[:10], Cut{Received: 100, Kept: 10}}, {"<1>next", Cut{}}}},
		{"long line at the end of the stream", "<1>" + long, 10, []frame{{"<1>" + long[:7], Cut{Received: 103, Kept: 10}}}},
		{"CR past the limit is not part of the message", "<1>abcdefg\r\n<2>b\n", 10, []frame{{"<1>abcdefg", Cut{}}, {"<2>b", Cut{}}}},
		{"long octet frame truncated", fmt.Sprintf("%d <%s<1>next\n", len(long)+1, long), 10,
			[]frame{{"<" + long[:9], Cut{Announced: 101, Received: 101, Kept: 10}}, {"<1>next", Cut{}}}},
		{"long octet frame cut by the end of the stream", "500 <" + long[:59], 10,
			[]frame{{"<" + long[:9], Cut{Announced: 500, Received: 60, Kept: 10}}}},
		{"binary garbage", "\xff\xfe\x00\x01\x02garbage\x80\n<1>ok\n", 0,
			[]frame{{"\xff\xfe", Cut{}}, {"\x01\x02garbage\x80", Cut{}}, {"<1>ok", Cut{}}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			max := tc.max
			if max == 0 {
				max = DefaultMaxMessageSize
			}
			got := frames(t, strings.NewReader(tc.in), max)
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Fatalf("whole input:\n got %+v\nwant %+v", got, tc.want)
			}
			// A sender whose bytes arrive one at a time frames the same.
			got = frames(t, iotest.OneByteReader(strings.NewReader(tc.in)), max)
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Fatalf("one byte at a time:\n got %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

// A 10 MB line costs the framer its size limit in memory, not 10 MB.
func TestFramerHugeLine(t *testing.T) {
	huge := bytes.Repeat([]byte("A"), 10<<20)
	in := io.MultiReader(bytes.NewReader(huge), strings.NewReader("\n<1>after\n"))
	f := NewFramer(in, DefaultMaxMessageSize)
	msg, cut, err := f.Next()
	if err != nil || cut != (Cut{Received: len(huge), Kept: DefaultMaxMessageSize}) || len(msg) != DefaultMaxMessageSize {
		t.Fatalf("got %d bytes, cut %+v, err %v", len(msg), cut, err)
	}
	if got, want := cut.Reason(), "message of 10485760 bytes cut to 65536"; got != want {
		t.Fatalf("reason %q, want %q", got, want)
	}
	if cap(f.buf) > 2*DefaultMaxMessageSize {
		t.Fatalf("framer buffered %d bytes for a 10 MB line", cap(f.buf))
	}
	msg, cut, err = f.Next()
	if err != nil || cut.Truncated() || string(msg) != "<1>after" {
		t.Fatalf("next frame: %q %v %v", msg, cut, err)
	}
	// Octet counting announcing 10 MB: the same.
	in = io.MultiReader(strings.NewReader(fmt.Sprintf("%d <", len(huge)+1)), bytes.NewReader(huge), strings.NewReader("<2>after\n"))
	f = NewFramer(in, DefaultMaxMessageSize)
	msg, cut, err = f.Next()
	if err != nil || cut != (Cut{Announced: len(huge) + 1, Received: len(huge) + 1, Kept: DefaultMaxMessageSize}) || len(msg) != DefaultMaxMessageSize {
		t.Fatalf("octet: got %d bytes, cut %+v, err %v", len(msg), cut, err)
	}
	msg, _, err = f.Next()
	if err != nil || string(msg) != "<2>after" {
		t.Fatalf("octet next frame: %q %v", msg, err)
	}
}

// Each cut has its own reason: the sender's frame cut short by the end of
// the connection, or a message over the limit.
func TestCutReason(t *testing.T) {
	for _, c := range []struct {
		cut  Cut
		want string
	}{
		{Cut{}, ""},
		{Cut{Announced: 500, Received: 60, Kept: 60}, "frame announced 500 bytes, connection closed after 60"},
		{Cut{Announced: 10485800, Received: 200000, Kept: 65536}, "frame announced 10485800 bytes, connection closed after 200000; kept the first 65536"},
		{Cut{Announced: 10485800, Received: 10485800, Kept: 65536}, "message of 10485800 bytes cut to 65536"},
		{Cut{Received: 10485800, Kept: 65536}, "message of 10485800 bytes cut to 65536"},
	} {
		if got := c.cut.Reason(); got != c.want {
			t.Errorf("%+v: %q, want %q", c.cut, got, c.want)
		}
	}
}

// A reader's error (a connection reset) comes after the message it cut
// off, not in place of it, and is not mistaken for the end of the stream.
func TestFramerKeepsReadError(t *testing.T) {
	for _, in := range []string{"<1>whole\n<2>no LF", "<1>whole\n10 <2>x"} {
		f := NewFramer(io.MultiReader(strings.NewReader(in), iotest.ErrReader(syscall.ECONNRESET)), DefaultMaxMessageSize)
		var got []string
		var err error
		for {
			var msg []byte
			if msg, _, err = f.Next(); err != nil {
				break
			}
			got = append(got, string(msg))
		}
		if len(got) != 2 || !errors.Is(err, syscall.ECONNRESET) {
			t.Errorf("%q: %q, then %v", in, got, err)
		}
		if _, _, again := f.Next(); !errors.Is(again, syscall.ECONNRESET) {
			t.Errorf("%q: then %v", in, again)
		}
	}
}

// A short line is returned without waiting for more bytes.
func TestFramerDoesNotWaitForMore(t *testing.T) {
	pr, pw := io.Pipe()
	defer pw.Close()
	f := NewFramer(pr, 1024)
	done := make(chan string, 2)
	go func() {
		for range 2 {
			msg, _, err := f.Next()
			if err != nil {
				return
			}
			done <- string(msg)
		}
	}()
	for _, in := range []string{"<1>a\n", "12\n"} {
		if _, err := pw.Write([]byte(in)); err != nil {
			t.Fatal(err)
		}
		if got := <-done; got != strings.TrimSuffix(in, "\n") {
			t.Fatalf("got %q", got)
		}
	}
}

func FuzzFramer(f *testing.F) {
	for _, s := range []string{
		"<34>1 a\n<35>b\n", "7 <34>abc9 <35>hello", "5 <1>ab<2>line\n", "100 <34>short",
		"\xff\xfe\x00\x01", "123 hello\n", "999999999 <", "1 <", "\r\n\r\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		const max = 64
		whole := frames(t, bytes.NewReader(data), max)
		split := frames(t, iotest.OneByteReader(bytes.NewReader(data)), max)
		if fmt.Sprint(whole) != fmt.Sprint(split) {
			t.Fatalf("framing depends on read sizes:\n%+v\n%+v", whole, split)
		}
		total := 0
		for _, fr := range whole {
			if fr.msg == "" {
				t.Fatalf("empty frame from %q", data)
			}
			total += len(fr.msg)
		}
		if total > len(data) {
			t.Fatalf("frames hold %d bytes, input has %d", total, len(data))
		}
	})
}
