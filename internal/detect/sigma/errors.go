package sigma

import (
	"errors"
	"fmt"
)

// Error is a problem in a Sigma document, with the position it was
// found at. Line and Column are 1-based; 0 means unknown.
type Error struct {
	File   string
	Line   int
	Column int
	Msg    string
	// Err is the sentinel error this one is an instance of, if any.
	Err error
}

// Unwrap returns the sentinel error, for errors.Is.
func (e *Error) Unwrap() error { return e.Err }

// Error formats the error as "file:line:col: msg".
func (e *Error) Error() string {
	file := e.File
	if file == "" {
		file = "<input>"
	}
	return fmt.Sprintf("%s:%d:%d: %s", file, e.Line, e.Column, e.Msg)
}

// Sentinel errors, compared with errors.Is.
var (
	// ErrNotFound is returned by Ruleset.Remove for an unknown rule.
	ErrNotFound = errors.New("sigma rule not found")
	// ErrNotDetection is returned by Parse for a document that is a
	// correlation or filter, not a detection rule.
	ErrNotDetection = errors.New("not a Sigma detection rule")
	// ErrPlaceholder is wrapped by the error of Ruleset.Add when a rule
	// uses a placeholder (expand modifier) that the Config does not define.
	ErrPlaceholder = errors.New("undefined placeholder")
)

// CompileError is one rule that Ruleset.AddAll could not compile; the
// error AddAll returns joins one per such rule.
type CompileError struct {
	Key string // the rule's Key
	Err error
}

func (e *CompileError) Error() string { return fmt.Sprintf("cannot compile rule %q: %v", e.Key, e.Err) }

// Unwrap returns the reason.
func (e *CompileError) Unwrap() error { return e.Err }

// PlaceholderError names the placeholder a rule uses that the Config does
// not define. It is an ErrPlaceholder (errors.Is).
type PlaceholderError struct {
	Name string // without the percent signs
}

func (e *PlaceholderError) Error() string { return fmt.Sprintf("%v %%%s%%", ErrPlaceholder, e.Name) }

// Is makes errors.Is(err, ErrPlaceholder) hold.
func (e *PlaceholderError) Is(target error) bool { return target == ErrPlaceholder }
