package sca

import (
	"errors"
	"fmt"
	"strings"
)

// ErrInvalidPolicy is wrapped by every error Load returns for a policy that
// cannot be used (bad YAML, unknown field, bad regular expression, ...).
var ErrInvalidPolicy = errors.New("invalid policy")

// ErrUnavailable reports that the information a rule needs cannot be had on
// this host: the command is not installed, systemd is not running, no
// package inventory was given. Such rules are not applicable rather than
// failed, because nothing about the host's configuration is known.
var ErrUnavailable = errors.New("not available on this host")

// LoadError locates a problem in a policy document. Line and Column are
// 1-based; Column is 0 when the YAML parser only reports a line.
type LoadError struct {
	Line, Column int
	// Check is the id of the check the problem is in, when there is one.
	Check string
	Msg   string
}

// Error renders "line 12, column 5: check "ssh-root": unknown field "fiel"".
func (e *LoadError) Error() string {
	var b strings.Builder
	b.WriteString("invalid policy: ")
	if e.Line > 0 {
		fmt.Fprintf(&b, "line %d", e.Line)
		if e.Column > 0 {
			fmt.Fprintf(&b, ", column %d", e.Column)
		}
		b.WriteString(": ")
	}
	if e.Check != "" {
		fmt.Fprintf(&b, "check %q: ", e.Check)
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Unwrap lets callers test errors.Is(err, ErrInvalidPolicy).
func (e *LoadError) Unwrap() error { return ErrInvalidPolicy }
