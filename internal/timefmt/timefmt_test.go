package timefmt

import (
	"strings"
	"testing"
	"time"
)

func TestLayout(t *testing.T) {
	good := []struct{ format, layout, sample string }{
		{"%d/%m/%Y %H:%M:%S", "02/01/2006 15:04:05", "23/11/2026 21:47:38"},
		{"%Y-%m-%dT%H:%M:%S.%f%z", "2006-01-02T15:04:05.999999999-0700", "2026-11-23T21:47:38.123-0300"},
		{"%d.%m.%Y %H:%M:%S,%f", "02.01.2006 15:04:05,999999999", "23.11.2026 21:47:38,5"},
		{"%b %e %H:%M:%S %Y", "Jan _2 15:04:05 2006", "Nov  3 21:47:38 2026"},
		{"%a, %d %b %Y %T %Z", "Mon, 02 Jan 2006 15:04:05 MST", "Mon, 23 Nov 2026 21:47:38 UTC"},
		{"%F %I:%M %p", "2006-01-02 03:04 PM", "2026-11-23 09:47 PM"},
		{"%Y%%%j %H", "2006%002 15", "2026%327 21"},
		{"02/01/2006 15:04:05", "02/01/2006 15:04:05", "23/11/2026 21:47:38"},
	}
	for _, c := range good {
		l, err := Layout(c.format)
		if err != nil || l != c.layout {
			t.Errorf("%q: %q %v, want %q", c.format, l, err, c.layout)
			continue
		}
		if _, err := time.Parse(l, c.sample); err != nil {
			t.Errorf("%q does not read %q: %v", c.format, c.sample, err)
		}
	}
	bad := []struct{ format, want string }{
		{"", "empty"},
		{"%Y-%m-%d %H:%M:%Q", "column 16: unknown directive %Q"},
		{"%Y-%m-%d %H:%M:%", "column 16: % at the end"},
		{"%s", "seconds since 1970"},
		{"%H:%M:%S%f", "%f must follow"},
		{"Day 1 %Y-%m-%d %H", "column 5: the digit 1"},
		{"%Y-%m-%d %H MST", "the text \"MST\""},
		{"%H:%M:%S", "no date"},
		{"%Y-%m-%d", "no hour"},
	}
	for _, c := range bad {
		_, err := Layout(c.format)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: error %v, want one with %q", c.format, err, c.want)
		}
	}
	if _, err := Layouts([]string{"%Y-%m-%d %H", "%Q"}); err == nil || !strings.HasPrefix(err.Error(), "format 2: ") {
		t.Errorf("Layouts: %v", err)
	}
}
