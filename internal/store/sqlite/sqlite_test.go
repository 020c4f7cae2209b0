package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

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
