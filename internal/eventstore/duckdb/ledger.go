package duckdb

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/eventsec/eventsec/internal/eventstore"
)

var _ eventstore.ImportLedger = (*Store)(nil)

// ImportedFile implements eventstore.ImportLedger.
func (s *Store) ImportedFile(ctx context.Context, orgID, name string) (eventstore.ImportedFile, bool, error) {
	var rec string
	err := s.db.QueryRowContext(ctx, `SELECT record FROM es_import_files WHERE org_id = ? AND name = ?`, orgID, name).Scan(&rec)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return eventstore.ImportedFile{}, false, nil
	case err != nil:
		return eventstore.ImportedFile{}, false, fmt.Errorf("cannot read the import ledger: %w", err)
	}
	var f eventstore.ImportedFile
	if err := json.Unmarshal([]byte(rec), &f); err != nil {
		return eventstore.ImportedFile{}, false, fmt.Errorf("cannot read the import ledger's record of %s: %w", name, err)
	}
	return f, true, nil
}

// RecordImportedFile implements eventstore.ImportLedger; it runs in the
// writer.
func (s *Store) RecordImportedFile(ctx context.Context, orgID, name string, f eventstore.ImportedFile) error {
	if orgID == "" || name == "" {
		return errors.New("import ledger record without an org or a file name")
	}
	rec, err := json.Marshal(f)
	if err != nil {
		return err
	}
	now := s.opts.Now().UTC()
	return s.exec(ctx, func(ctx context.Context, conn *sql.Conn) error {
		if _, err := conn.ExecContext(ctx, `INSERT OR REPLACE INTO es_import_files VALUES (?, ?, ?, ?)`, orgID, name, string(rec), now); err != nil {
			return fmt.Errorf("cannot write the import ledger: %w", err)
		}
		return nil
	})
}
