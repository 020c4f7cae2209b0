//go:build !unix

package main

import "time"

// cpuTime is unavailable here; only wall-clock times are reported.
func cpuTime() time.Duration { return 0 }
