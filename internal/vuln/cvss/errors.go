package cvss

import "errors"

// ErrInvalidVector is returned (wrapped) for a vector string that does not
// parse.
var ErrInvalidVector = errors.New("invalid CVSS vector")
