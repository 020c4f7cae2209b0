//go:build !windows

package logtail

import (
	"context"
	"errors"
	"log/slog"
)

// EventLogOptions configure an EventLog reader (Windows only).
type EventLogOptions struct {
	// Channels to read, e.g. Security, System,
	// Microsoft-Windows-Sysmon/Operational.
	Channels []string
	// BookmarkFile keeps one bookmark per channel.
	BookmarkFile string
	Sink         Sink
	AgentID      string
	// BatchSize bounds a batch (default 200).
	BatchSize int
	Logger    *slog.Logger
}

// ErrNoEventLog means this platform has no Windows Event Log.
var ErrNoEventLog = errors.New("the Windows Event Log exists on Windows only")

// EventLog reads Windows Event Log channels.
type EventLog struct{}

// NewEventLog fails outside Windows.
func NewEventLog(EventLogOptions) (*EventLog, error) { return nil, ErrNoEventLog }

// Run is never reached outside Windows.
func (*EventLog) Run(context.Context) error { return ErrNoEventLog }
