package store

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"
)

func TestRetryBusy(t *testing.T) {
	ctx := context.Background()
	busy := fmt.Errorf("%w: deadlock detected", ErrBusy)
	cases := []struct {
		name  string
		fails int   // busy answers before success
		other error // a failure that is not busy, on the first run
		want  error
		runs  int
	}{
		{"no contention", 0, nil, nil, 1},
		{"two deadlocks then done", 2, nil, nil, 3},
		{"busy every time", 100, nil, ErrBusy, 5},
		{"other errors are not retried", 0, ErrNotFound, ErrNotFound, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			runs := 0
			err := RetryBusy(ctx, func() error {
				runs++
				if tc.other != nil {
					return tc.other
				}
				if runs <= tc.fails {
					return busy
				}
				return nil
			})
			if !errors.Is(err, tc.want) || (tc.want == nil && err != nil) || runs != tc.runs {
				t.Fatalf("err %v after %d runs; want %v after %d", err, runs, tc.want, tc.runs)
			}
		})
	}
	// A canceled request stops waiting and reports the busy answer it had.
	cctx, cancel := context.WithCancel(ctx)
	runs := 0
	start := time.Now()
	err := RetryBusy(cctx, func() error { runs++; cancel(); return busy })
	if !errors.Is(err, ErrBusy) || runs != 1 || time.Since(start) > time.Second {
		t.Fatalf("canceled: err %v, %d runs", err, runs)
	}
}
