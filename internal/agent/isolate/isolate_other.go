//go:build !linux && !windows

package isolate

func apply(Plan, string) (string, error) { return "", ErrUnsupported }

func remove(string) error { return ErrUnsupported }
