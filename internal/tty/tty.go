// Package tty tells whether a stream is an interactive terminal.
package tty

import "os"

// Is reports whether s (an io.Reader or io.Writer) is an interactive
// terminal: a first run from a shell may ask questions and redraw a
// progress bar in place, while a service or a pipe gets plain lines.
func Is(s any) bool {
	f, ok := s.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	if err != nil {
		return false
	}
	return st.Mode()&os.ModeCharDevice != 0
}
