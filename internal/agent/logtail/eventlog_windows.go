//go:build windows

package logtail

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"regexp"
	"sync"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"

	"github.com/eventsec/eventsec/internal/agent/state"
	"github.com/eventsec/eventsec/internal/agent/wire"
)

// EventLogOptions configure an EventLog reader.
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

// ErrNoEventLog is never returned on Windows; it exists for symmetry.
var ErrNoEventLog = errors.New("the Windows Event Log is unavailable")

// wevtapi.dll: the Windows Event Log API (Vista and later). x/sys/windows
// does not wrap it, so the few calls are bound here.
var (
	wevtapi           = windows.NewLazySystemDLL("wevtapi.dll")
	procEvtSubscribe  = wevtapi.NewProc("EvtSubscribe")
	procEvtNext       = wevtapi.NewProc("EvtNext")
	procEvtRender     = wevtapi.NewProc("EvtRender")
	procEvtClose      = wevtapi.NewProc("EvtClose")
	procEvtCreateBM   = wevtapi.NewProc("EvtCreateBookmark")
	procEvtUpdateBM   = wevtapi.NewProc("EvtUpdateBookmark")
	recordIDRE        = regexp.MustCompile(`<EventRecordID>(\d+)</EventRecordID>`)
	timeCreatedRE     = regexp.MustCompile(`<TimeCreated SystemTime=['"]([^'"]+)['"]`)
	errNoMoreItems    = windows.Errno(259)  // ERROR_NO_MORE_ITEMS
	errInvalidOp      = windows.Errno(4317) // ERROR_INVALID_OPERATION: end of result set
	errInsufficientBf = windows.ERROR_INSUFFICIENT_BUFFER
)

const (
	evtSubscribeToFutureEvents     = 1
	evtSubscribeStartAfterBookmark = 3
	evtRenderEventXML              = 1
	evtRenderBookmark              = 2
)

type evtHandle uintptr

func evtClose(h evtHandle) {
	if h != 0 {
		procEvtClose.Call(uintptr(h)) //nolint:errcheck // nothing to do on failure
	}
}

// render returns the XML of an event or a bookmark.
func render(h evtHandle, flag uint32) (string, error) {
	var used, props uint32
	r, _, err := procEvtRender.Call(0, uintptr(h), uintptr(flag), 0, 0, uintptr(unsafe.Pointer(&used)), uintptr(unsafe.Pointer(&props)))
	if r == 0 && !errors.Is(err, errInsufficientBf) {
		return "", fmt.Errorf("cannot render event: %w", err)
	}
	buf := make([]uint16, used/2+1)
	r, _, err = procEvtRender.Call(0, uintptr(h), uintptr(flag), uintptr(len(buf)*2), uintptr(unsafe.Pointer(&buf[0])), uintptr(unsafe.Pointer(&used)), uintptr(unsafe.Pointer(&props)))
	if r == 0 {
		return "", fmt.Errorf("cannot render event: %w", err)
	}
	return windows.UTF16ToString(buf), nil
}

// EventLog reads Windows Event Log channels through pull subscriptions,
// resuming each channel after its saved bookmark.
type EventLog struct {
	opts EventLogOptions
	log  *slog.Logger

	mu        sync.Mutex // guards bookmarks and the file
	bookmarks map[string]string
}

// NewEventLog builds an EventLog reader.
func NewEventLog(opts EventLogOptions) (*EventLog, error) {
	if err := wevtapi.Load(); err != nil {
		return nil, fmt.Errorf("cannot load wevtapi.dll: %w", err)
	}
	if opts.BatchSize <= 0 {
		opts.BatchSize = 200
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	e := &EventLog{opts: opts, log: opts.Logger, bookmarks: map[string]string{}}
	if opts.BookmarkFile != "" {
		if err := state.ReadJSON(opts.BookmarkFile, &e.bookmarks); err != nil && !errors.Is(err, fs.ErrNotExist) {
			e.log.Warn("cannot load event log bookmarks; reading new events only", slog.Any("err", err))
		}
	}
	return e, nil
}

// Run reads every channel until ctx ends.
func (e *EventLog) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	for _, ch := range e.opts.Channels {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				if err := e.channel(ctx, ch); err != nil && ctx.Err() == nil {
					e.log.Warn("event log channel failed; retrying in 30s", slog.String("channel", ch), slog.Any("err", err))
					select {
					case <-ctx.Done():
					case <-time.After(30 * time.Second):
					}
				}
			}
		}()
	}
	wg.Wait()
	return nil
}

func (e *EventLog) channel(ctx context.Context, channel string) error {
	signal, err := windows.CreateEvent(nil, 1, 1, nil)
	if err != nil {
		return fmt.Errorf("cannot create event: %w", err)
	}
	defer windows.CloseHandle(signal)

	e.mu.Lock()
	saved := e.bookmarks[channel]
	e.mu.Unlock()
	var bmXML *uint16
	flags := uintptr(evtSubscribeToFutureEvents)
	if saved != "" {
		bmXML, _ = windows.UTF16PtrFromString(saved)
		flags = evtSubscribeStartAfterBookmark
	}
	r, _, err := procEvtCreateBM.Call(uintptr(unsafe.Pointer(bmXML)))
	if r == 0 {
		return fmt.Errorf("cannot create bookmark: %w", err)
	}
	bm := evtHandle(r)
	defer evtClose(bm)
	chPtr, err := windows.UTF16PtrFromString(channel)
	if err != nil {
		return err
	}
	query, _ := windows.UTF16PtrFromString("*")
	subBM := uintptr(0)
	if saved != "" {
		subBM = uintptr(bm)
	}
	r, _, err = procEvtSubscribe.Call(0, uintptr(signal), uintptr(unsafe.Pointer(chPtr)), uintptr(unsafe.Pointer(query)), subBM, 0, 0, flags)
	if r == 0 {
		return fmt.Errorf("cannot subscribe to %s: %w", channel, err)
	}
	sub := evtHandle(r)
	defer evtClose(sub)
	e.log.Info("reading event log channel", slog.String("channel", channel), slog.Bool("from_bookmark", saved != ""))

	chHash := sha256.Sum256([]byte(channel))
	handles := make([]evtHandle, e.opts.BatchSize)
	for {
		ev, err := windows.WaitForSingleObject(signal, 1000)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			return fmt.Errorf("cannot wait for events: %w", err)
		}
		if ev == uint32(windows.WAIT_TIMEOUT) {
			continue
		}
		for {
			var n uint32
			r, _, err := procEvtNext.Call(uintptr(sub), uintptr(len(handles)), uintptr(unsafe.Pointer(&handles[0])), 0, 0, uintptr(unsafe.Pointer(&n)))
			if r == 0 {
				if errors.Is(err, errNoMoreItems) || errors.Is(err, errInvalidOp) {
					windows.ResetEvent(signal) //nolint:errcheck // next wait re-checks
					break
				}
				return fmt.Errorf("cannot read events: %w", err)
			}
			batch := make([]wire.Event, 0, n)
			for _, h := range handles[:n] {
				xml, err := render(h, evtRenderEventXML)
				if err == nil {
					batch = append(batch, eventLogEvent(e.opts.AgentID, channel, hex.EncodeToString(chHash[:6]), xml))
				}
				procEvtUpdateBM.Call(uintptr(bm), uintptr(h)) //nolint:errcheck // a stale bookmark only repeats events
				evtClose(h)
			}
			if len(batch) > 0 {
				if err := e.opts.Sink.Submit(ctx, batch); err != nil {
					return fmt.Errorf("cannot submit event log records: %w", err)
				}
			}
			if x, err := render(bm, evtRenderBookmark); err == nil {
				e.saveBookmark(channel, x)
			}
		}
	}
}

func (e *EventLog) saveBookmark(channel, xml string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.bookmarks[channel] = xml
	if e.opts.BookmarkFile != "" {
		if err := state.WriteJSON(e.opts.BookmarkFile, e.bookmarks, 0o600); err != nil {
			e.log.Warn("cannot save event log bookmark", slog.Any("err", err))
		}
	}
}

// eventLogEvent wraps one rendered event.
func eventLogEvent(agentID, channel, chHash, xml string) wire.Event {
	ev := wire.Event{Kind: "eventlog", Raw: xml, Time: time.Now().UTC()}
	if m := timeCreatedRE.FindStringSubmatch(xml); m != nil {
		if t, err := time.Parse(time.RFC3339Nano, m[1]); err == nil {
			ev.Time = t.UTC()
		}
	}
	rec := ""
	if m := recordIDRE.FindStringSubmatch(xml); m != nil {
		rec = m[1]
	} else {
		sum := sha256.Sum256([]byte(xml))
		rec = hex.EncodeToString(sum[:8])
	}
	ev.ID = agentID + ":eventlog:" + chHash + ":" + rec
	ev.Fields, _ = json.Marshal(map[string]any{"winlog": map[string]any{"channel": channel, "record_id": rec}})
	return ev
}
