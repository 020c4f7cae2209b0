package syslog

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

type frame struct {
	msg       string
	truncated bool
}

func frames(t testing.TB, r io.Reader, max int) []frame {
	t.Helper()
	f := NewFramer(r, max)
	var out []frame
	for {
		msg, trunc, err := f.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		if len(msg) > max {
			t.Fatalf("message of %d bytes over the %d limit", len(msg), max)
		}
		out = append(out, frame{string(msg), trunc})
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
			[]frame{{"<34>1 2024-01-01T00:00:00Z h a - - - one", false}, {"<13>Jan  1 00:00:00 h b: two", false}}},
		{"CRLF", "<1>a\r\n<2>b\r\n", 0, []frame{{"<1>a", false}, {"<2>b", false}}},
		{"NUL", "<1>a\x00<2>b\x00", 0, []frame{{"<1>a", false}, {"<2>b", false}}},
		{"last line without LF", "<1>a\n<2>b", 0, []frame{{"<1>a", false}, {"<2>b", false}}},
		{"empty lines skipped", "\n\n<1>a\n\r\n\x00\n<2>b\n\n", 0, []frame{{"<1>a", false}, {"<2>b", false}}},
		{"octet counting", "7 <34>abc9 <35>hello", 0, []frame{{"<34>abc", false}, {"<35>hello", false}}},
		{"octet counting with LF inside", "10 <1>a\nb\nc\nd6 <2>xyz", 0, []frame{{"<1>a\nb\nc\nd", false}, {"<2>xyz", false}}},
		{"octet counting, trailing LF inside the count (rsyslog's RFC 5424 template)", "6 <1>ab\n7 <2>cd\r\n", 0, []frame{{"<1>ab", false}, {"<2>cd", false}}},
		{"octet counting, LF after frames", "4 <1>a\n4 <2>b\n", 0, []frame{{"<1>a", false}, {"<2>b", false}}},
		{"mixed framing", "5 <1>ab<2>line\n6 <3>xyz<4>tail\n", 0,
			[]frame{{"<1>ab", false}, {"<2>line", false}, {"<3>xyz", false}, {"<4>tail", false}}},
		{"digits without PRI are a line", "123 hello world\n42\n0 <1>x\n", 0,
			[]frame{{"123 hello world", false}, {"42", false}, {"0 <1>x", false}}},
		{"octet frame cut by the end of the stream", "100 <34>short", 0, []frame{{"<34>short", true}}},
		{"octet prefix then nothing", "5 <", 0, []frame{{"<", true}}},
		{"long line truncated, next line intact", long + "\n<1>next\n", 10, []frame{{long[:10], true}, {"<1>next", false}}},
		{"long octet frame truncated", fmt.Sprintf("%d <%s<1>next\n", len(long)+1, long), 10,
			[]frame{{"<" + long[:9], true}, {"<1>next", false}}},
		{"binary garbage", "\xff\xfe\x00\x01\x02garbage\x80\n<1>ok\n", 0,
			[]frame{{"\xff\xfe", false}, {"\x01\x02garbage\x80", false}, {"<1>ok", false}}},
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
	msg, trunc, err := f.Next()
	if err != nil || !trunc || len(msg) != DefaultMaxMessageSize {
		t.Fatalf("got %d bytes, truncated %v, err %v", len(msg), trunc, err)
	}
	if cap(f.buf) > 2*DefaultMaxMessageSize {
		t.Fatalf("framer buffered %d bytes for a 10 MB line", cap(f.buf))
	}
	msg, trunc, err = f.Next()
	if err != nil || trunc || string(msg) != "<1>after" {
		t.Fatalf("next frame: %q %v %v", msg, trunc, err)
	}
	// Octet counting announcing 10 MB: the same.
	in = io.MultiReader(strings.NewReader(fmt.Sprintf("%d <", len(huge)+1)), bytes.NewReader(huge), strings.NewReader("<2>after\n"))
	f = NewFramer(in, DefaultMaxMessageSize)
	msg, trunc, err = f.Next()
	if err != nil || !trunc || len(msg) != DefaultMaxMessageSize {
		t.Fatalf("octet: got %d bytes, truncated %v, err %v", len(msg), trunc, err)
	}
	msg, _, err = f.Next()
	if err != nil || string(msg) != "<2>after" {
		t.Fatalf("octet next frame: %q %v", msg, err)
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
