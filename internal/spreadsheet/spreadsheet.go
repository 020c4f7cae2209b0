// Package spreadsheet keeps exported CSV cells from being read as
// formulas. Events carry text an attacker wrote (a user agent, a command
// line, a user name); a cell starting with = + - @ (or a tab or carriage
// return, which some programs skip first) would run as a formula when an
// analyst opens the export in a spreadsheet (OWASP "CSV injection").
package spreadsheet

import "strings"

// Cell returns s prefixed with an apostrophe when it starts with a
// character that makes spreadsheets evaluate it; otherwise s.
func Cell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
