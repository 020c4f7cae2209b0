// Package yara matches caller-supplied YARA rules against samples. Matching
// uses libyara through github.com/hillu/go-yara and is compiled in only with
// the "yara" build tag (it needs cgo and libyara-dev); the default build
// reports YARA as disabled instead of failing.
package yara

import (
	"errors"
	"fmt"
	"strings"
)

// DisabledMessage is what reports say when the binary was built without YARA.
const DisabledMessage = "YARA disabled: built without the yara tag"

// ErrDisabled is returned by Compile in builds without the yara tag.
var ErrDisabled = errors.New(DisabledMessage)

// CompileMessage is one error or warning from the rule compiler.
type CompileMessage struct {
	Line    int    `json:"line"`
	Message string `json:"message"`
}

// CompileError lists every error of a rule source, with line numbers.
type CompileError struct {
	Errors []CompileMessage `json:"errors"`
}

func (e *CompileError) Error() string {
	parts := make([]string, len(e.Errors))
	for i, m := range e.Errors {
		parts[i] = fmt.Sprintf("line %d: %s", m.Line, m.Message)
	}
	return "cannot compile YARA rules: " + strings.Join(parts, "; ")
}

// MatchString is one matched string of a rule.
type MatchString struct {
	Name   string `json:"name"`
	Offset uint64 `json:"offset"`
	// Data is the matched bytes, at most 64, as text when printable and
	// hex-escaped otherwise.
	Data string `json:"data"`
}

// Match is one rule that matched.
type Match struct {
	Rule      string         `json:"rule"`
	Namespace string         `json:"namespace,omitempty"`
	Tags      []string       `json:"tags,omitempty"`
	Meta      map[string]any `json:"meta,omitempty"`
	Strings   []MatchString  `json:"strings,omitempty"`
}

// Score returns the rule's "score" meta (0..100) or def when absent.
func (m Match) Score(def int) int {
	switch v := m.Meta["score"].(type) {
	case int:
		return min(max(v, 0), 100)
	case int64:
		return int(min(max(v, 0), 100))
	}
	return def
}

func printableData(b []byte) string {
	if len(b) > 64 {
		b = b[:64]
	}
	var sb strings.Builder
	for _, c := range b {
		if c >= 0x20 && c < 0x7f && c != '\\' {
			sb.WriteByte(c)
		} else {
			fmt.Fprintf(&sb, "\\x%02x", c)
		}
	}
	return sb.String()
}
