//go:build yara

package yara

import (
	"context"
	"fmt"
	"time"

	goyara "github.com/hillu/go-yara/v4"
)

// Enabled reports whether YARA matching is compiled in.
func Enabled() bool { return true }

// Rules is a compiled rule set, safe for concurrent scans.
type Rules struct {
	r *goyara.Rules
}

// Compile compiles source. Errors carry the line numbers libyara reports.
func Compile(source string) (*Rules, error) {
	c, err := goyara.NewCompiler()
	if err != nil {
		return nil, fmt.Errorf("cannot create YARA compiler: %w", err)
	}
	defer c.Destroy()
	c.DisableIncludes()
	if err := c.AddString(source, ""); err != nil {
		ce := &CompileError{}
		for _, m := range c.Errors {
			ce.Errors = append(ce.Errors, CompileMessage{Line: m.Line, Message: m.Text})
		}
		if len(ce.Errors) == 0 {
			ce.Errors = append(ce.Errors, CompileMessage{Message: err.Error()})
		}
		return nil, ce
	}
	r, err := c.GetRules()
	if err != nil {
		return nil, fmt.Errorf("cannot get compiled YARA rules: %w", err)
	}
	return &Rules{r: r}, nil
}

// Scan matches data. The timeout is passed to libyara; ctx is checked
// before the scan starts (libyara cannot be interrupted mid-scan).
func (r *Rules) Scan(ctx context.Context, data []byte, timeout time.Duration) ([]Match, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if dl, ok := ctx.Deadline(); ok {
		if left := time.Until(dl); timeout <= 0 || left < timeout {
			timeout = max(left, time.Second)
		}
	}
	var mr goyara.MatchRules
	if err := r.r.ScanMem(data, 0, timeout, &mr); err != nil {
		return nil, fmt.Errorf("cannot run YARA scan: %w", err)
	}
	out := make([]Match, 0, len(mr))
	for _, m := range mr {
		match := Match{Rule: m.Rule, Namespace: m.Namespace, Tags: m.Tags}
		if len(m.Metas) > 0 {
			match.Meta = map[string]any{}
			for _, meta := range m.Metas {
				match.Meta[meta.Identifier] = meta.Value
			}
		}
		for i, s := range m.Strings {
			if i >= 20 {
				break
			}
			match.Strings = append(match.Strings, MatchString{Name: s.Name, Offset: s.Base + s.Offset, Data: printableData(s.Data)})
		}
		out = append(out, match)
	}
	return out, nil
}

// Close releases the compiled rules.
func (r *Rules) Close() {
	if r != nil && r.r != nil {
		r.r.Destroy()
	}
}
