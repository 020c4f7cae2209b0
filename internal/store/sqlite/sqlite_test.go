package sqlite_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/eventsec/eventsec/internal/store"
	"github.com/eventsec/eventsec/internal/store/sqldb"
	"github.com/eventsec/eventsec/internal/store/sqlite"
	"github.com/eventsec/eventsec/internal/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, storetest.Backend{
		New: func(t *testing.T) store.Store {
			db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "state.db"))
			if err != nil {
				t.Fatal(err)
			}
			return db
		},
		Tamper: func(t *testing.T, s store.Store, orgID string, seq int64) {
			err := s.(*sqldb.DB).ExecRaw(context.Background(), `UPDATE audit_log SET summary = 'edited' WHERE org_id = ? AND seq = ?`, orgID, seq)
			if err != nil {
				t.Fatal(err)
			}
		},
	})
}

func TestMigrateIsIdempotent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	for i := 0; i < 2; i++ {
		db, err := sqlite.Open(context.Background(), path)
		if err != nil {
			t.Fatal(err)
		}
		st, err := db.Status(context.Background())
		if err != nil || len(st) == 0 || !st[0].Applied {
			t.Fatalf("status: %+v %v", st, err)
		}
		db.Close()
	}
}

// TestTxLazyResetsSync: a lazy transaction's connection (SQLite's one
// writer) goes back to synchronous FULL, whether it committed or not, so
// that every other transaction still waits for the disk.
func TestTxLazyResetsSync(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	sync := func() int {
		t.Helper()
		var n int
		if err := db.QueryRowRaw(ctx, "PRAGMA synchronous").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := sync(); n != 2 {
		t.Fatalf("synchronous %d at start, want 2 (FULL)", n)
	}
	err = db.TxLazy(ctx, func(r store.Repos) error {
		return r.Checkpoints().Set(ctx, "x", 1, time.Now())
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := sync(); n != 2 {
		t.Fatalf("synchronous %d after a lazy commit, want 2 (FULL)", n)
	}
	_ = db.TxLazy(ctx, func(r store.Repos) error { return errors.New("boom") })
	if n := sync(); n != 2 {
		t.Fatalf("synchronous %d after a lazy rollback, want 2 (FULL)", n)
	}
}
