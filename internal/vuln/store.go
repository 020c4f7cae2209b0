package vuln

import (
	"bufio"
	"compress/gzip"
	"context"
	"encoding/binary"
	"encoding/gob"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// FileName is the database file inside the data directory.
const FileName = "vulndb.gob.gz"

// The file starts with fileMagic and a big-endian uint32 format version;
// the rest is a gzip stream of gob values: a savedHeader, then Count
// Advisory values, one at a time so that neither side holds the whole
// encoding in memory. A new version is needed whenever Advisory or its
// parts change shape.
const (
	fileMagic   = "EVSVULNDB\n"
	fileVersion = 1
)

type savedHeader struct {
	SavedAt time.Time
	Count   int
}

// Save writes the current data to dir/FileName, atomically: a reader of
// the file sees the old or the new database, never a mix.
func (db *DB) Save(ctx context.Context, dir string) error {
	s := db.snap.Load()
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return fmt.Errorf("cannot create vulnerability database directory: %w", err)
	}
	tmp, err := os.CreateTemp(dir, FileName+".*.tmp")
	if err != nil {
		return fmt.Errorf("cannot save vulnerability database: %w", err)
	}
	defer os.Remove(tmp.Name()) // a no-op after the rename
	if err := writeDB(ctx, tmp, s.advisories); err != nil {
		tmp.Close()
		return fmt.Errorf("cannot save vulnerability database: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("cannot save vulnerability database: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("cannot save vulnerability database: %w", err)
	}
	if err := os.Rename(tmp.Name(), filepath.Join(dir, FileName)); err != nil {
		return fmt.Errorf("cannot save vulnerability database: %w", err)
	}
	return nil
}

func writeDB(ctx context.Context, w io.Writer, advs []Advisory) error {
	bw := bufio.NewWriterSize(w, 1<<20)
	var hdr [len(fileMagic) + 4]byte
	copy(hdr[:], fileMagic)
	binary.BigEndian.PutUint32(hdr[len(fileMagic):], fileVersion)
	if _, err := bw.Write(hdr[:]); err != nil {
		return err
	}
	zw, err := gzip.NewWriterLevel(bw, gzip.BestSpeed)
	if err != nil {
		return err
	}
	enc := gob.NewEncoder(ctxWriter{ctx, zw})
	if err := enc.Encode(savedHeader{SavedAt: time.Now().UTC(), Count: len(advs)}); err != nil {
		return err
	}
	for i := range advs {
		if err := enc.Encode(&advs[i]); err != nil {
			return err
		}
	}
	if err := zw.Close(); err != nil {
		return err
	}
	return bw.Flush()
}

// Load replaces the data with the database saved in dir. It returns an
// error wrapping ErrNoDatabase when there is none, and ErrIncompatibleFile
// when the file has another format; the current data stays then.
func (db *DB) Load(ctx context.Context, dir string) error {
	f, err := os.Open(filepath.Join(dir, FileName))
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("cannot load vulnerability database: %w", errors.Join(ErrNoDatabase, err))
	}
	if err != nil {
		return fmt.Errorf("cannot load vulnerability database: %w", err)
	}
	defer f.Close()
	advs, err := readDB(ctx, f)
	if err != nil {
		return fmt.Errorf("cannot load vulnerability database: %w", err)
	}
	s := buildSnapshot(advs, time.Now())
	db.writeMu.Lock()
	defer db.writeMu.Unlock()
	db.snap.Store(s)
	db.log.Info("vulnerability database loaded", "advisories", len(advs), "dir", dir)
	return nil
}

func readDB(ctx context.Context, r io.Reader) ([]Advisory, error) {
	br := bufio.NewReaderSize(r, 1<<20)
	var hdr [len(fileMagic) + 4]byte
	if _, err := io.ReadFull(br, hdr[:]); err != nil || string(hdr[:len(fileMagic)]) != fileMagic {
		return nil, fmt.Errorf("%w: not a vulnerability database file", ErrIncompatibleFile)
	}
	if v := binary.BigEndian.Uint32(hdr[len(fileMagic):]); v != fileVersion {
		return nil, fmt.Errorf("%w: format version %d, this build reads %d", ErrIncompatibleFile, v, fileVersion)
	}
	zr, err := gzip.NewReader(br)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrIncompatibleFile, err)
	}
	dec := gob.NewDecoder(ctxReader{ctx, zr})
	var h savedHeader
	if err := dec.Decode(&h); err != nil {
		return nil, decodeError(ctx, err)
	}
	if h.Count < 0 {
		return nil, fmt.Errorf("%w: negative record count", ErrIncompatibleFile)
	}
	// The count comes from the file: cap the up-front allocation.
	advs := make([]Advisory, 0, min(h.Count, 1<<20))
	for range h.Count {
		var a Advisory
		if err := dec.Decode(&a); err != nil {
			return nil, decodeError(ctx, err)
		}
		advs = append(advs, a)
	}
	// Events were sorted when the records were imported and stay sorted;
	// the IDs were saved in order.
	return advs, nil
}

func decodeError(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return fmt.Errorf("%w: %v", ErrIncompatibleFile, err)
}

// ctxWriter and ctxReader stop a long save or load when ctx ends.
type ctxWriter struct {
	ctx context.Context
	w   io.Writer
}

func (c ctxWriter) Write(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.w.Write(p)
}

type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
