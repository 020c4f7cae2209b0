// Package timefmt turns the timestamp formats users write into Go time
// layouts. A format may be strftime-style ("%d/%m/%Y %H:%M:%S", as in
// Logstash, Fluent Bit, syslog-ng and most log tools) or a Go layout
// ("02/01/2006 15:04:05"); it is strftime-style when it contains a %.
package timefmt

import (
	"fmt"
	"strings"
	"time"
)

// directives maps strftime directives to Go layout elements.
var directives = map[byte]string{
	'Y': "2006", 'y': "06", 'm': "01", 'd': "02", 'e': "_2", 'H': "15", 'I': "03", 'M': "04", 'S': "05",
	'p': "PM", 'b': "Jan", 'h': "Jan", 'B': "January", 'a': "Mon", 'A': "Monday", 'z': "-0700", 'Z': "MST",
	'j': "002", 'T': "15:04:05", 'F': "2006-01-02", 'D': "01/02/06", 'R': "15:04", '%': "%",
}

// ref is the time a layout is checked with: every element differs from
// Go's reference time, so that a layout that reads literal text as an
// element does not give it back.
var ref = time.Date(2024, time.November, 23, 21, 47, 38, 123456000, time.FixedZone("EST", -5*3600))

// Layout returns the Go layout of a format. It fails, naming the column,
// on a directive it does not know, and on a format whose literal text Go
// would read as a date element (a Go layout such as "2006" in the text).
func Layout(format string) (string, error) {
	if strings.TrimSpace(format) == "" {
		return "", fmt.Errorf("empty format")
	}
	layout := format
	if strings.Contains(format, "%") {
		var b strings.Builder
		for i := 0; i < len(format); i++ {
			c := format[i]
			if c != '%' {
				// Go has no quoting: a literal that Go reads as an
				// element (a digit 0-7, Jan, Mon, MST, PM) cannot be kept.
				if c >= '0' && c <= '7' {
					return "", fmt.Errorf("column %d: the digit %c in %q would be read as a date element; Go layouts cannot quote it", i+1, c, format)
				}
				for _, w := range []string{"Jan", "Mon", "MST", "PM", "pm", "Z07"} {
					if strings.HasPrefix(format[i:], w) {
						return "", fmt.Errorf("column %d: the text %q in %q would be read as a date element; Go layouts cannot quote it", i+1, w, format)
					}
				}
				b.WriteByte(c)
				continue
			}
			if i+1 >= len(format) {
				return "", fmt.Errorf("column %d: %% at the end of %q", i+1, format)
			}
			d := format[i+1]
			switch {
			case d == 'f':
				// Fractional seconds, after "." or ",": any number of digits.
				prev := b.String()
				if !strings.HasSuffix(prev, ".") && !strings.HasSuffix(prev, ",") {
					return "", fmt.Errorf("column %d: %%f must follow %%S and a '.' or ',' in %q", i+1, format)
				}
				b.WriteString("999999999")
			case d == 's':
				return "", fmt.Errorf("column %d: %%s (seconds since 1970) is recognised without a format; remove it from %q", i+1, format)
			default:
				el, ok := directives[d]
				if !ok {
					return "", fmt.Errorf("column %d: unknown directive %%%c in %q", i+1, d, format)
				}
				b.WriteString(el)
			}
			i++
		}
		layout = b.String()
	}
	// A layout must give the reference time back: literal digits or
	// words that Go takes for elements would not.
	got, err := time.Parse(layout, ref.Format(layout))
	if err != nil {
		return "", fmt.Errorf("%q cannot be read back (%v): literal text in it looks like a date element", format, err)
	}
	if !strings.Contains(layout, "2006") && !strings.Contains(layout, "06") && !strings.Contains(layout, "Jan") && !strings.Contains(layout, "01") && !strings.Contains(layout, "002") {
		return "", fmt.Errorf("%q has no date (year, month, day or day of year)", format)
	}
	if !strings.Contains(layout, "15") && !strings.Contains(layout, "03") {
		return "", fmt.Errorf("%q has no hour", format)
	}
	if got.Format(layout) != ref.Format(layout) {
		return "", fmt.Errorf("%q does not read its own output back: literal text in it looks like a date element", format)
	}
	return layout, nil
}

// Layouts turns a list of formats into layouts, naming the one that fails.
func Layouts(formats []string) ([]string, error) {
	out := make([]string, 0, len(formats))
	for i, f := range formats {
		l, err := Layout(f)
		if err != nil {
			return nil, fmt.Errorf("format %d: %w", i+1, err)
		}
		out = append(out, l)
	}
	return out, nil
}
