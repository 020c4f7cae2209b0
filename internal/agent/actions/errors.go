package actions

import "errors"

// Sentinel errors; the messages are shown to the analyst in the action
// result.
var (
	ErrNotAllowed   = errors.New("command is not on the allow-list")
	ErrOutsidePaths = errors.New("path is outside the allowed collection paths")
	ErrTooLarge     = errors.New("file exceeds the collection size limit")
	ErrBadParams    = errors.New("invalid action parameters")
	ErrUnsupported  = errors.New("unsupported action type")
	ErrProtected    = errors.New("refusing to kill a protected process")
)
