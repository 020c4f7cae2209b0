package email

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"slices"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// pollIMAP takes the folder's messages after pos.LastUID, oldest first. A
// new UIDVALIDITY means the folder was recreated: its UIDs start over.
func (s *Service) pollIMAP(ctx context.Context, cfg IMAPConfig, pos position, handle handler) (position, error) {
	c, err := dialIMAP(ctx, cfg)
	if err != nil {
		return pos, err
	}
	defer c.Close()
	// The client has no context: closing the connection unblocks it.
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	if err := c.Login(cfg.Username, cfg.Password).Wait(); err != nil {
		return pos, fmt.Errorf("%w: cannot log in to %s as %s: %v", ErrUpstream, cfg.addr(), cfg.Username, err)
	}
	sel, err := c.Select(cfg.Folder, nil).Wait()
	if err != nil {
		return pos, fmt.Errorf("%w: cannot select folder %q: %v", ErrUpstream, cfg.Folder, err)
	}
	if sel.UIDValidity != pos.UIDValidity {
		pos = position{UIDValidity: sel.UIDValidity}
	}
	if sel.NumMessages == 0 {
		_ = c.Logout().Wait()
		return pos, nil
	}
	var set imap.UIDSet
	set.AddRange(imap.UID(pos.LastUID+1), 0) // n:*
	data, err := c.UIDSearch(&imap.SearchCriteria{UID: []imap.UIDSet{set}}, nil).Wait()
	if err != nil {
		return pos, fmt.Errorf("%w: cannot search folder %q: %v", ErrUpstream, cfg.Folder, err)
	}
	var uids []imap.UID
	for _, u := range data.AllUIDs() {
		// "n:*" matches the last message even when its UID is below n.
		if uint32(u) > pos.LastUID {
			uids = append(uids, u)
		}
	}
	slices.Sort(uids)
	if len(uids) > s.o.MaxPerPoll {
		uids = uids[:s.o.MaxPerPoll]
	}
	section := &imap.FetchItemBodySection{Peek: true}
	var done imap.UIDSet
	for _, uid := range uids {
		one := imap.UIDSetNum(uid)
		sizes, err := c.Fetch(one, &imap.FetchOptions{UID: true, RFC822Size: true}).Collect()
		if err != nil {
			return pos, fmt.Errorf("%w: cannot fetch message %d: %v", ErrUpstream, uid, err)
		}
		if len(sizes) == 0 {
			pos.LastUID = uint32(uid) // expunged meanwhile
			continue
		}
		var m fetchedMessage
		if sizes[0].RFC822Size > s.o.MaxSize {
			m.tooLarge = true
		} else {
			msgs, err := c.Fetch(one, &imap.FetchOptions{UID: true, BodySection: []*imap.FetchItemBodySection{section}}).Collect()
			if err != nil {
				return pos, fmt.Errorf("%w: cannot fetch message %d: %v", ErrUpstream, uid, err)
			}
			if len(msgs) == 0 {
				pos.LastUID = uint32(uid)
				continue
			}
			m.raw = msgs[0].FindBodySection(section)
		}
		if err := handle(ctx, m); err != nil {
			return pos, err
		}
		pos.LastUID = uint32(uid)
		done.AddNum(uid)
	}
	if len(done) > 0 {
		if cfg.MarkSeen {
			if err := c.Store(done, &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagSeen}}, nil).Close(); err != nil {
				return pos, fmt.Errorf("%w: cannot flag processed messages: %v", ErrUpstream, err)
			}
		}
		if cfg.MoveTo != "" {
			if _, err := c.Move(done, cfg.MoveTo).Wait(); err != nil {
				return pos, fmt.Errorf("%w: cannot move processed messages to %q: %v", ErrUpstream, cfg.MoveTo, err)
			}
		}
	}
	_ = c.Logout().Wait()
	return pos, nil
}

func dialIMAP(ctx context.Context, cfg IMAPConfig) (*imapclient.Client, error) {
	d := net.Dialer{Timeout: 15 * time.Second}
	conn, err := d.DialContext(ctx, "tcp", cfg.addr())
	if err != nil {
		return nil, fmt.Errorf("%w: cannot connect to %s: %v", ErrUpstream, cfg.addr(), err)
	}
	tc := &tls.Config{ServerName: cfg.Host, InsecureSkipVerify: cfg.InsecureSkipVerify, MinVersion: tls.VersionTLS12} //nolint:gosec // opt-in, for test servers
	// A stalled server must not hold the poller forever.
	_ = conn.SetDeadline(time.Now().Add(5 * time.Minute))
	opts := &imapclient.Options{TLSConfig: tc}
	switch cfg.Security {
	case "tls":
		tconn := tls.Client(conn, tc)
		if err := tconn.HandshakeContext(ctx); err != nil {
			conn.Close()
			return nil, fmt.Errorf("%w: cannot start TLS with %s: %v", ErrUpstream, cfg.addr(), err)
		}
		return imapclient.New(tconn, opts), nil
	case "starttls":
		c, err := imapclient.NewStartTLS(conn, opts)
		if err != nil {
			conn.Close()
			return nil, fmt.Errorf("%w: cannot STARTTLS with %s: %v", ErrUpstream, cfg.addr(), err)
		}
		return c, nil
	case "none":
		c := imapclient.New(conn, opts)
		if err := c.WaitGreeting(); err != nil {
			c.Close()
			return nil, fmt.Errorf("%w: no greeting from %s: %v", ErrUpstream, cfg.addr(), err)
		}
		return c, nil
	}
	conn.Close()
	return nil, errors.New("unknown IMAP security " + cfg.Security)
}
