package config

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/eventsec/eventsec/internal/tty"
)

// IsTerminal reports whether r is an interactive terminal, so a first run
// from a shell can ask for missing values while a service fails clearly.
func IsTerminal(r io.Reader) bool { return tty.Is(r) }

// Prompt asks for each named field on out and reads the answers from in.
// Empty answers are asked again (up to three times).
func (c *Config) Prompt(in io.Reader, out io.Writer, fields []string) error {
	sc := bufio.NewScanner(in)
	for _, f := range fields {
		question := map[string]string{
			"api_url":        "EventSec server URL (e.g. https://siem.example.com): ",
			"enrollment_key": "Enrollment key (from Endpoints → Enroll in the console): ",
		}[f]
		if question == "" {
			question = f + ": "
		}
		var answer string
		for try := 0; try < 3 && answer == ""; try++ {
			fmt.Fprint(out, question)
			if !sc.Scan() {
				if err := sc.Err(); err != nil {
					return fmt.Errorf("cannot read %s: %w", f, err)
				}
				return MissingError(c.Path, []string{f})
			}
			answer = strings.TrimSpace(sc.Text())
		}
		if answer == "" {
			return MissingError(c.Path, []string{f})
		}
		switch f {
		case "api_url":
			c.APIURL = answer
		case "enrollment_key":
			c.EnrollmentKey = answer
		}
	}
	return nil
}
