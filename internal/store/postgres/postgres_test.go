package postgres_test

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/eventsec/eventsec/internal/store"
	"github.com/eventsec/eventsec/internal/store/postgres"
	"github.com/eventsec/eventsec/internal/store/sqldb"
	"github.com/eventsec/eventsec/internal/store/storetest"
)

var dbCounter atomic.Int64

// freshDB creates an empty database on the server named by
// EVENTSEC_TEST_POSTGRES_URL and returns its URL; it is dropped after the test.
func freshDB(t *testing.T) string {
	t.Helper()
	base := os.Getenv("EVENTSEC_TEST_POSTGRES_URL")
	if base == "" {
		t.Skip("EVENTSEC_TEST_POSTGRES_URL is not set: skipping the PostgreSQL store tests (CI sets it)")
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close() })
	name := fmt.Sprintf("eventsec_test_%d_%d_%d", os.Getpid(), time.Now().UnixNano()%1e9, dbCounter.Add(1))
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatalf("cannot create test database: %v", err)
	}
	t.Cleanup(func() { _, _ = admin.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)") })
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

func TestConformance(t *testing.T) {
	freshDB(t) // skip early when unset
	storetest.Run(t, storetest.Backend{
		New: func(t *testing.T) store.Store {
			db, err := postgres.Open(context.Background(), freshDB(t))
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

func TestConcurrentMigrations(t *testing.T) {
	u := freshDB(t)
	errs := make(chan error, 4)
	for i := 0; i < 4; i++ {
		go func() {
			db, err := postgres.Open(context.Background(), u)
			if err == nil {
				db.Close()
			}
			errs <- err
		}()
	}
	for i := 0; i < 4; i++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}
