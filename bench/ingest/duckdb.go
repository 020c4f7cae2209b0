package main

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/eventsec/eventsec/internal/eventstore/duckdb"
	"github.com/eventsec/eventsec/internal/ingest"
)

// openDuckDB opens the real event store, in -dir or a temporary directory
// removed at the end.
func openDuckDB(c *config) (ingest.Sink, string, func(), error) {
	dir, remove := c.dir, false
	if dir == "" {
		tmp, err := os.MkdirTemp("", "eventsec-bench-ingest-")
		if err != nil {
			return nil, "", nil, err
		}
		dir, remove = tmp, true
	}
	st, err := duckdb.Open(context.Background(), duckdb.Options{Dir: filepath.Join(dir, "events"),
		Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	if err != nil {
		return nil, "", nil, err
	}
	closeFn := func() {
		st.Close()
		if remove {
			os.RemoveAll(dir)
		}
	}
	return st, "DuckDB event store in " + dir, closeFn, nil
}
