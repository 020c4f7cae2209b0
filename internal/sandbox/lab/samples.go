package lab

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// Samples keeps sample files content-addressed by SHA-256 under a
// directory (<data>/blobs/samples/ab/cd/<sha256>), mode 0600, never with
// an executable bit, optionally encrypted at rest with AES-256-GCM. A file
// is written once per content and read back whole (samples are bounded).
type Samples struct {
	dir     string
	maxSize int64
	// aead is nil when samples are stored in the clear.
	aead cipher.AEAD
}

// encSuffix marks an encrypted sample file: the setting may change
// between runs, and both kinds must stay readable.
const encSuffix = ".enc"

// OpenSamples prepares the sample directory. With keyFile set, new samples
// are encrypted with the 32-byte key it holds (created when missing).
func OpenSamples(dir string, maxSize int64, keyFile string) (*Samples, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("cannot create sample directory: %w", err)
	}
	s := &Samples{dir: dir, maxSize: maxSize}
	if keyFile != "" {
		key, err := loadOrCreateKey(keyFile)
		if err != nil {
			return nil, err
		}
		block, err := aes.NewCipher(key)
		if err != nil {
			return nil, fmt.Errorf("cannot use sample key: %w", err)
		}
		if s.aead, err = cipher.NewGCM(block); err != nil {
			return nil, fmt.Errorf("cannot use sample key: %w", err)
		}
	}
	return s, nil
}

func loadOrCreateKey(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err == nil {
		if len(b) != 32 {
			return nil, fmt.Errorf("cannot use sample key %s: %d bytes, want 32", path, len(b))
		}
		return b, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("cannot read sample key: %w", err)
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("cannot create sample key: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("cannot create sample key: %w", err)
	}
	// O_EXCL: two processes starting together must not each write a key.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		if errors.Is(err, fs.ErrExist) {
			return loadOrCreateKey(path)
		}
		return nil, fmt.Errorf("cannot create sample key: %w", err)
	}
	if _, err := f.Write(key); err != nil {
		f.Close()
		return nil, fmt.Errorf("cannot write sample key: %w", err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("cannot write sample key: %w", err)
	}
	return key, nil
}

// Encrypted reports whether new samples are encrypted at rest.
func (s *Samples) Encrypted() bool { return s.aead != nil }

// Read reads a whole sample from r, refusing more than the size limit.
func (s *Samples) Read(r io.Reader) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, s.maxSize+1))
	if err != nil {
		return nil, fmt.Errorf("cannot read sample: %w", err)
	}
	if int64(len(data)) > s.maxSize {
		return nil, fmt.Errorf("cannot store sample: %w (more than %d bytes)", ErrTooLarge, s.maxSize)
	}
	if len(data) == 0 {
		return nil, fmt.Errorf("cannot store sample: %w", ErrEmpty)
	}
	return data, nil
}

// Put stores data and returns its hex SHA-256. Storing the same content
// again is a no-op.
func (s *Samples) Put(data []byte) (string, error) {
	if int64(len(data)) > s.maxSize {
		return "", fmt.Errorf("cannot store sample: %w", ErrTooLarge)
	}
	sum := sha256.Sum256(data)
	h := hex.EncodeToString(sum[:])
	if _, err := s.find(h); err == nil {
		return h, nil
	}
	path := s.path(h)
	body := data
	if s.aead != nil {
		path += encSuffix
		nonce := make([]byte, s.aead.NonceSize())
		if _, err := rand.Read(nonce); err != nil {
			return "", fmt.Errorf("cannot encrypt sample: %w", err)
		}
		// The digest is the additional data: a file renamed onto
		// another sample's name fails to open.
		body = s.aead.Seal(nonce, nonce, data, []byte(h))
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return "", fmt.Errorf("cannot create sample directory: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return "", fmt.Errorf("cannot store sample: %w", err)
	}
	defer os.Remove(tmp.Name()) //nolint:errcheck // gone after the rename
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return "", fmt.Errorf("cannot store sample: %w", err)
	}
	if _, err := tmp.Write(body); err != nil {
		tmp.Close()
		return "", fmt.Errorf("cannot store sample: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return "", fmt.Errorf("cannot store sample: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return "", fmt.Errorf("cannot store sample: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return "", fmt.Errorf("cannot store sample: %w", err)
	}
	return h, nil
}

// Get returns a sample's bytes, checking them against the digest.
func (s *Samples) Get(h string) ([]byte, error) {
	path, err := s.find(h)
	if err != nil {
		return nil, err
	}
	body, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read sample: %w", err)
	}
	data := body
	if filepath.Ext(path) == encSuffix {
		if s.aead == nil {
			return nil, fmt.Errorf("cannot read sample %s: it is encrypted and sandbox_encrypt_samples is off (the key file is needed)", h)
		}
		n := s.aead.NonceSize()
		if len(body) < n {
			return nil, fmt.Errorf("cannot decrypt sample %s: truncated", h)
		}
		if data, err = s.aead.Open(nil, body[:n], body[n:], []byte(h)); err != nil {
			return nil, fmt.Errorf("cannot decrypt sample %s: %w", h, err)
		}
	}
	sum := sha256.Sum256(data)
	if hex.EncodeToString(sum[:]) != h {
		return nil, fmt.Errorf("cannot read sample %s: content does not match its digest", h)
	}
	return data, nil
}

// Delete removes a sample (no error when it is already gone).
func (s *Samples) Delete(h string) error {
	if !validSHA256(h) {
		return nil
	}
	for _, p := range []string{s.path(h), s.path(h) + encSuffix} {
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("cannot delete sample: %w", err)
		}
	}
	return nil
}

func (s *Samples) find(h string) (string, error) {
	if !validSHA256(h) {
		return "", fmt.Errorf("cannot find sample %q: %w", h, ErrNoSample)
	}
	for _, p := range []string{s.path(h), s.path(h) + encSuffix} {
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("cannot find sample %s: %w", h, ErrNoSample)
}

func (s *Samples) path(h string) string { return filepath.Join(s.dir, h[:2], h[2:4], h) }

func validSHA256(h string) bool {
	if len(h) != 64 {
		return false
	}
	_, err := hex.DecodeString(h)
	return err == nil && !bytes.ContainsAny([]byte(h), "ABCDEF")
}
