package vuln

import "errors"

// Errors of the vulnerability database.
var (
	// ErrNotFound: no advisory has the requested id.
	ErrNotFound = errors.New("vulnerability not found")
	// ErrNoDatabase: Load found no saved database in the directory.
	ErrNoDatabase = errors.New("no saved vulnerability database")
	// ErrIncompatibleFile: the saved database has another format version
	// or is not a database file at all.
	ErrIncompatibleFile = errors.New("incompatible vulnerability database file")
	// ErrNothingImported: an import read no record at all; Report.Errors
	// says why.
	ErrNothingImported = errors.New("no vulnerability record imported")
	// ErrNoInput: Import was called without paths.
	ErrNoInput = errors.New("nothing to import")
)
