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

// ImportedFiles implements eventstore.ImportLedger.
func (s *Store) ImportedFiles(ctx context.Context, orgID, name string) ([]eventstore.ImportedFile, error) {
	var rec string
	err := s.db.QueryRowContext(ctx, `SELECT record FROM es_import_files WHERE org_id = ? AND name = ?`, orgID, name).Scan(&rec)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("cannot read the import ledger: %w", err)
	}
	var fs []eventstore.ImportedFile
	if err := json.Unmarshal([]byte(rec), &fs); err != nil {
		return nil, fmt.Errorf("cannot read the import ledger's records of %s: %w", name, err)
	}
	return fs, nil
}

// RecordImportedFiles implements eventstore.ImportLedger; it runs in the
// writer.
func (s *Store) RecordImportedFiles(ctx context.Context, orgID, name string, fs []eventstore.ImportedFile) error {
	if orgID == "" || name == "" {
		return errors.New("import ledger record without an org or a file name")
	}
	if fs == nil {
		fs = []eventstore.ImportedFile{}
	}
	rec, err := json.Marshal(fs)
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
