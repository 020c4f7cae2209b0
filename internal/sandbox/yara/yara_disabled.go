//go:build !yara

package yara

import (
	"context"
	"time"
)

// Enabled reports whether YARA matching is compiled in.
func Enabled() bool { return false }

// Rules is a compiled rule set. Without the yara tag it cannot be built.
type Rules struct{}

// Compile returns ErrDisabled in builds without the yara tag.
func Compile(source string) (*Rules, error) { return nil, ErrDisabled }

// Scan returns ErrDisabled in builds without the yara tag.
func (r *Rules) Scan(ctx context.Context, data []byte, timeout time.Duration) ([]Match, error) {
	return nil, ErrDisabled
}

// Close releases the rules.
func (r *Rules) Close() {}
