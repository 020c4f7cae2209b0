// Package state keeps the agent's small persistent files in its data
// directory: the credential from enrollment and the status snapshot that
// `eventsec-agent status` prints. Every write is atomic (temp file +
// rename) so a crash never leaves half a file behind.
package state

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// File names inside the data directory.
const (
	CredentialFile = "credential.json"
	StatusFile     = "status.json"
	ClientCertFile = "client.crt"
	ClientKeyFile  = "client.key"
)

// ErrNotEnrolled is returned by LoadCredential when no credential exists.
var ErrNotEnrolled = errors.New("agent is not enrolled")

// Credential is what enrollment gave the agent.
type Credential struct {
	AgentID    string    `json:"agent_id"`
	OrgID      string    `json:"org_id"`
	Token      string    `json:"token"`
	Server     string    `json:"server"`
	EnrolledAt time.Time `json:"enrolled_at"`
	// CertFile and KeyFile hold the mTLS client certificate when the
	// server issued one.
	CertFile string `json:"cert_file,omitempty"`
	KeyFile  string `json:"key_file,omitempty"`
}

// Status is the agent's last known condition, written by the running agent
// and read by the status command.
type Status struct {
	UpdatedAt     time.Time `json:"updated_at"`
	PID           int       `json:"pid"`
	Version       string    `json:"version"`
	AgentID       string    `json:"agent_id,omitempty"`
	Server        string    `json:"server,omitempty"`
	LastHeartbeat time.Time `json:"last_heartbeat,omitempty"`
	LastError     string    `json:"last_error,omitempty"`
	Revoked       bool      `json:"revoked,omitempty"`
	Isolated      bool      `json:"isolated"`
	Throttled     bool      `json:"throttled"`
	SpoolBytes    int64     `json:"spool_bytes"`
	SpoolDropped  int64     `json:"spool_dropped"`
	EventsSent    int64     `json:"events_sent"`
	ConfigVersion int64     `json:"config_version"`
}

// WriteJSON atomically replaces path with v encoded as JSON.
func WriteJSON(path string, v any, perm fs.FileMode) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("cannot encode %s: %w", filepath.Base(path), err)
	}
	return WriteFile(path, data, perm)
}

// WriteFile atomically replaces path with data, synced to disk.
func WriteFile(path string, data []byte, perm fs.FileMode) error {
	return writeFile(path, data, perm, true)
}

// WriteFileNoSync atomically replaces path with data without waiting for
// the disk: after a power loss the previous version may come back. For
// positions whose loss only repeats idempotent work (the spool cursor:
// batches re-sent under the same id).
func WriteFileNoSync(path string, data []byte, perm fs.FileMode) error {
	return writeFile(path, data, perm, false)
}

func writeFile(path string, data []byte, perm fs.FileMode, sync bool) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("cannot create directory for %s: %w", filepath.Base(path), err)
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("cannot write %s: %w", filepath.Base(path), err)
	}
	tmp := f.Name()
	_, werr := f.Write(data)
	if werr == nil && sync {
		werr = f.Sync()
	}
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Chmod(tmp, perm)
	}
	if werr == nil {
		werr = os.Rename(tmp, path)
	}
	if werr != nil {
		os.Remove(tmp)
		return fmt.Errorf("cannot write %s: %w", filepath.Base(path), werr)
	}
	return nil
}

// ReadJSON decodes path into v; a missing file returns fs.ErrNotExist.
func ReadJSON(path string, v any) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("cannot decode %s: %w", filepath.Base(path), err)
	}
	return nil
}

// LoadCredential reads the credential from dataDir.
func LoadCredential(dataDir string) (*Credential, error) {
	var c Credential
	err := ReadJSON(filepath.Join(dataDir, CredentialFile), &c)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, ErrNotEnrolled
	}
	if err != nil {
		return nil, fmt.Errorf("cannot load credential: %w", err)
	}
	if c.AgentID == "" || (c.Token == "" && c.CertFile == "") {
		return nil, fmt.Errorf("cannot load credential: %s is incomplete", CredentialFile)
	}
	return &c, nil
}

// SaveCredential writes the credential (0600) and, when present, the mTLS
// key pair beside it.
func SaveCredential(dataDir string, c *Credential, certPEM, keyPEM string) error {
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return fmt.Errorf("cannot create data directory: %w", err)
	}
	if certPEM != "" && keyPEM != "" {
		c.CertFile = filepath.Join(dataDir, ClientCertFile)
		c.KeyFile = filepath.Join(dataDir, ClientKeyFile)
		if err := WriteFile(c.CertFile, []byte(certPEM), 0o600); err != nil {
			return err
		}
		if err := WriteFile(c.KeyFile, []byte(keyPEM), 0o600); err != nil {
			return err
		}
	}
	return WriteJSON(filepath.Join(dataDir, CredentialFile), c, 0o600)
}

// LoadStatus reads the last status snapshot.
func LoadStatus(dataDir string) (*Status, error) {
	var s Status
	if err := ReadJSON(filepath.Join(dataDir, StatusFile), &s); err != nil {
		return nil, err
	}
	return &s, nil
}

// SaveStatus writes the status snapshot (0644: it holds no secret).
func SaveStatus(dataDir string, s *Status) error {
	return WriteJSON(filepath.Join(dataDir, StatusFile), s, 0o644)
}
