package intel

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/eventsec/eventsec/internal/store"
)

// FeedInput is a feed subscription as a user submits it; nil fields take
// defaults on create and stay unchanged on update.
type FeedInput struct {
	Name            *string
	URL             *string
	Format          *string
	IntervalSeconds *int
	Enabled         *bool
	Confidence      *int
	Severity        string
	Tags            []string
	SetTags         bool
}

// Feed interval bounds and default.
const (
	MinFeedInterval     = 60
	MaxFeedInterval     = 30 * 24 * 3600
	DefaultFeedInterval = 3600
	// maxMISPEvents bounds the events read from one MISP feed run.
	maxMISPEvents = 2000
)

// ErrFeedBusy: the feed is being fetched already.
var ErrFeedBusy = errors.New("the feed is being fetched already")

func validFeedURL(raw string) error {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fieldErr("url", "%q is not an http or https URL", raw)
	}
	if u.User != nil {
		return fieldErr("url", "credentials in the URL would be stored in clear; use a URL without user:password@")
	}
	return nil
}

func (s *Service) applyFeedInput(f *store.Feed, in FeedInput) error {
	if in.Name != nil {
		n := strings.TrimSpace(*in.Name)
		if n == "" || len(n) > 100 {
			return fieldErr("name", "a feed name has 1 to 100 characters")
		}
		f.Name = n
	}
	if in.URL != nil {
		if err := validFeedURL(*in.URL); err != nil {
			return err
		}
		f.URL = strings.TrimSpace(*in.URL)
	}
	if in.Format != nil {
		ok := false
		for _, x := range Formats {
			if string(x) == *in.Format {
				ok = true
			}
		}
		if !ok {
			return fieldErr("format", "%q is not one of stix, misp, misp-feed, csv, plain", *in.Format)
		}
		f.Format = *in.Format
	}
	if in.IntervalSeconds != nil {
		if *in.IntervalSeconds < MinFeedInterval || *in.IntervalSeconds > MaxFeedInterval {
			return fieldErr("interval_seconds", "must be from %d (a minute) to %d (30 days)", MinFeedInterval, MaxFeedInterval)
		}
		f.IntervalSeconds = *in.IntervalSeconds
	}
	if in.Enabled != nil {
		f.Enabled = *in.Enabled
	}
	if err := validateMeta(in.Confidence, in.Severity, in.Tags, ""); err != nil {
		return err
	}
	if in.Confidence != nil {
		f.Confidence = *in.Confidence
	}
	if in.Severity != "" {
		f.Severity = in.Severity
	}
	if in.SetTags {
		f.Tags = cleanTags(in.Tags)
	}
	return nil
}

// CreateFeed subscribes to a feed; its first run is due at once.
func (s *Service) CreateFeed(ctx context.Context, a Actor, in FeedInput) (store.Feed, error) {
	if in.Name == nil {
		return store.Feed{}, fieldErr("name", "is required")
	}
	if in.URL == nil {
		return store.Feed{}, fieldErr("url", "is required")
	}
	if in.Format == nil {
		return store.Feed{}, fieldErr("format", "is required (stix, misp, misp-feed, csv or plain)")
	}
	now := s.o.Now().UTC()
	f := store.Feed{ID: newID(), OrgID: a.OrgID, IntervalSeconds: DefaultFeedInterval, Enabled: true, Confidence: DefaultConfidence,
		Severity: DefaultSeverity, Tags: []string{}, NextRunAt: now, CreatedBy: a.UserID, CreatedAt: now, UpdatedAt: now}
	if err := s.applyFeedInput(&f, in); err != nil {
		return store.Feed{}, err
	}
	err := s.o.Store.Tx(ctx, func(r store.Repos) error {
		if err := r.Intel().CreateFeed(ctx, f); err != nil {
			if errors.Is(err, store.ErrConflict) {
				return fmt.Errorf("%w: name: a feed named %q exists", store.ErrConflict, f.Name)
			}
			return err
		}
		return s.audit(ctx, r, a, "intel.feed.create", "feed", f.ID, fmt.Sprintf("feed %q (%s) %s", f.Name, f.Format, f.URL))
	})
	return f, err
}

// UpdateFeed changes a feed subscription.
func (s *Service) UpdateFeed(ctx context.Context, a Actor, id string, in FeedInput) (store.Feed, error) {
	var out store.Feed
	err := s.o.Store.Tx(ctx, func(r store.Repos) error {
		f, err := r.Intel().GetFeed(ctx, a.OrgID, id)
		if err != nil {
			return err
		}
		oldURL, oldFormat := f.URL, f.Format
		if err := s.applyFeedInput(&f, in); err != nil {
			return err
		}
		if f.URL != oldURL || f.Format != oldFormat {
			// Another document: forget the validators, fetch it soon.
			f.ETag, f.LastModified, f.NextRunAt = "", "", s.o.Now().UTC()
		}
		f.UpdatedAt = s.o.Now().UTC()
		if err := r.Intel().UpdateFeed(ctx, f); err != nil {
			if errors.Is(err, store.ErrConflict) {
				return fmt.Errorf("%w: name: a feed named %q exists", store.ErrConflict, f.Name)
			}
			return err
		}
		out = f
		return s.audit(ctx, r, a, "intel.feed.update", "feed", f.ID, fmt.Sprintf("feed %q", f.Name))
	})
	return out, err
}

// DeleteFeed unsubscribes; the feed's indicators expire at once.
func (s *Service) DeleteFeed(ctx context.Context, a Actor, id string) error {
	var expired []string
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	err := s.o.Store.Tx(ctx, func(r store.Repos) error {
		f, err := r.Intel().GetFeed(ctx, a.OrgID, id)
		if err != nil {
			return err
		}
		if err := r.Intel().DeleteFeed(ctx, a.OrgID, id); err != nil {
			return err
		}
		now := s.o.Now().UTC()
		if expired, err = r.Intel().ExpireFeedIndicators(ctx, a.OrgID, id, now.Add(time.Hour), now); err != nil {
			return err
		}
		return s.audit(ctx, r, a, "intel.feed.delete", "feed", id, fmt.Sprintf("feed %q deleted; %d indicators expired", f.Name, len(expired)))
	})
	if err == nil && len(expired) > 0 {
		s.orgMatcher(a.OrgID).Apply(nil, expired)
	}
	return err
}

// GetFeed returns one feed.
func (s *Service) GetFeed(ctx context.Context, orgID, id string) (store.Feed, error) {
	return s.o.Store.Intel().GetFeed(ctx, orgID, id)
}

// ListFeeds lists the org's feeds.
func (s *Service) ListFeeds(ctx context.Context, orgID string) ([]store.Feed, error) {
	return s.o.Store.Intel().ListFeeds(ctx, orgID)
}

// FeedRun is the outcome of one feed run.
type FeedRun struct {
	Feed        store.Feed    `json:"-"`
	NotModified bool          `json:"not_modified"`
	Indicators  int           `json:"indicators"`
	Created     int           `json:"created"`
	Updated     int           `json:"updated"`
	Expired     int           `json:"expired"`
	ErrorCount  int           `json:"error_count"`
	Errors      []RecordError `json:"errors"`
	Error       string        `json:"error,omitempty"`
}

// RunFeed fetches a feed now (the "run now" button). When the feed is
// being fetched already (by the schedule, or another click), it waits for
// that run and returns its result.
func (s *Service) RunFeed(ctx context.Context, a Actor, id string) (FeedRun, error) {
	f, err := s.o.Store.Intel().GetFeed(ctx, a.OrgID, id)
	if err != nil {
		return FeedRun{}, err
	}
	return s.runFeed(ctx, f, true)
}

// feedRunning is a fetch under way; done is closed once run and err are
// set.
type feedRunning struct {
	done chan struct{}
	run  FeedRun
	err  error
}

func (s *Service) feedLoop(ctx context.Context) {
	t := time.NewTicker(15 * time.Second)
	defer t.Stop()
	first := true
	for {
		due, err := s.o.Store.Intel().DueFeeds(ctx, s.o.Now())
		if err != nil && ctx.Err() == nil {
			s.log.Error("intel: cannot list due feeds", "err", err)
		}
		for _, f := range due {
			if ctx.Err() != nil {
				return
			}
			if _, err := s.runFeed(ctx, f, false); err != nil && !errors.Is(err, ErrFeedBusy) && ctx.Err() == nil {
				s.log.Warn("intel: feed run failed", "feed", f.ID, "name", f.Name, "err", err)
			}
		}
		if first {
			close(s.firstFeedPass)
			first = false
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// backoff is the delay before retrying a feed after n consecutive
// failures: doubling from a minute, up to the larger of its interval and
// an hour.
func backoff(n, interval int) time.Duration {
	limit := time.Duration(max(interval, 3600)) * time.Second
	d := time.Minute
	for i := 1; i < n && d < limit; i++ {
		d *= 2
	}
	return min(d, limit)
}

// runFeed fetches feed f, unless it is being fetched already: then it
// waits for that run when join is set, and returns ErrFeedBusy otherwise.
func (s *Service) runFeed(ctx context.Context, f store.Feed, join bool) (FeedRun, error) {
	r := &feedRunning{done: make(chan struct{})}
	if v, busy := s.feedsRunning.LoadOrStore(f.ID, r); busy {
		if !join {
			return FeedRun{}, ErrFeedBusy
		}
		cur := v.(*feedRunning)
		select {
		case <-cur.done:
			return cur.run, cur.err
		case <-ctx.Done():
			return FeedRun{}, ctx.Err()
		}
	}
	defer func() {
		s.feedsRunning.Delete(f.ID)
		close(r.done)
	}()
	r.run, r.err = s.fetchAndRecord(ctx, f)
	return r.run, r.err
}

// fetchAndRecord fetches feed f once and records the run on the feed.
func (s *Service) fetchAndRecord(ctx context.Context, f store.Feed) (FeedRun, error) {
	runAt := s.o.Now().UTC()
	run, fetchErr := s.fetchFeed(ctx, &f, runAt)
	now := s.o.Now().UTC()
	f.LastRunAt = &now
	if fetchErr != nil {
		f.Failures++
		f.LastError = fetchErr.Error()
		f.NextRunAt = now.Add(backoff(f.Failures, f.IntervalSeconds))
		run.Error = f.LastError
	} else {
		f.Failures, f.LastError = 0, ""
		f.LastSuccessAt = &now
		f.NextRunAt = now.Add(time.Duration(f.IntervalSeconds) * time.Second)
		if !run.NotModified {
			f.LastCount = run.Indicators
		}
	}
	f.UpdatedAt = now
	if err := s.o.Store.Intel().UpdateFeed(context.WithoutCancel(ctx), f); err != nil && !isNotFound(err) {
		return run, err
	}
	run.Feed = f
	if run.Errors == nil {
		run.Errors = []RecordError{}
	}
	return run, nil
}

// fetchFeed fetches and stores a feed's indicators, expiring those it no
// longer lists; f's validators are updated.
func (s *Service) fetchFeed(ctx context.Context, f *store.Feed, runAt time.Time) (FeedRun, error) {
	var run FeedRun
	ctx, cancel := context.WithTimeout(ctx, s.o.FeedTimeout)
	defer cancel()
	var p Parsed
	switch Format(f.Format) {
	case FormatMISPFeed:
		base := strings.TrimSuffix(strings.TrimSuffix(f.URL, "manifest.json"), "/")
		body, etag, lastMod, notModified, err := s.fetch(ctx, base+"/manifest.json", f.ETag, f.LastModified)
		if err != nil {
			return run, err
		}
		if notModified {
			run.NotModified = true
			return run, nil
		}
		ids, err := ParseMISPManifest(body)
		if err != nil {
			return run, fmt.Errorf("%w: %v", ErrFeedFetch, err)
		}
		if len(ids) > maxMISPEvents {
			return run, fmt.Errorf("%w: the manifest lists %d events; at most %d are read", ErrFeedFetch, len(ids), maxMISPEvents)
		}
		for _, id := range ids {
			doc, _, _, _, err := s.fetch(ctx, base+"/"+id+".json", "", "")
			if err != nil {
				return run, err
			}
			ep, err := parseMISP(id+".json", doc)
			if err != nil {
				p.fail(RecordError{File: id + ".json", Record: 1, Field: "Event", Reason: err.Error()})
				continue
			}
			p.Indicators = append(p.Indicators, ep.Indicators...)
			p.Errors = append(p.Errors, ep.Errors...)
		}
		f.ETag, f.LastModified = etag, lastMod
	default:
		body, etag, lastMod, notModified, err := s.fetch(ctx, f.URL, f.ETag, f.LastModified)
		if err != nil {
			return run, err
		}
		if notModified {
			run.NotModified = true
			return run, nil
		}
		name := f.URL[strings.LastIndexByte(f.URL, '/')+1:]
		if p, err = Parse(Format(f.Format), name, body); err != nil {
			return run, fmt.Errorf("%w: %v", ErrFeedFetch, err)
		}
		f.ETag, f.LastModified = etag, lastMod
	}
	run.Indicators, run.ErrorCount = len(p.Indicators), len(p.Errors)
	run.Errors = p.Errors[:min(len(p.Errors), 100)]
	a := Actor{OrgID: f.OrgID, UserID: "system", Email: "intel feed " + f.Name}
	created, updated, err := s.upsert(ctx, a, "feed:"+f.ID, f.ID, p.Indicators,
		defaults{confidence: f.Confidence, severity: f.Severity, tags: f.Tags}, runAt, fmt.Sprintf("feed %q", f.Name))
	if err != nil {
		return run, err
	}
	run.Created, run.Updated = len(created), len(updated)
	for _, x := range created {
		if x.RetroStatus == "pending" {
			s.queueRetro(x)
		}
	}
	// What the feed no longer lists expires.
	s.writeMu.Lock()
	expired, err := s.o.Store.Intel().ExpireFeedIndicators(ctx, f.OrgID, f.ID, runAt, s.o.Now().UTC())
	if err == nil && len(expired) > 0 {
		s.orgMatcher(f.OrgID).Apply(nil, expired)
	}
	s.writeMu.Unlock()
	if err != nil {
		return run, err
	}
	run.Expired = len(expired)
	return run, nil
}

// fetch GETs a URL with conditional-request validators. notModified is
// true on 304; the body is bounded by MaxFeedBytes.
func (s *Service) fetch(ctx context.Context, u, etag, lastMod string) (body []byte, newETag, newLastMod string, notModified bool, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, "", "", false, fmt.Errorf("%w: %v", ErrFeedFetch, err)
	}
	req.Header.Set("User-Agent", "EventSec-intel/1")
	if etag != "" {
		req.Header.Set("If-None-Match", etag)
	}
	if lastMod != "" {
		req.Header.Set("If-Modified-Since", lastMod)
	}
	res, err := s.o.HTTPClient.Do(req)
	if err != nil {
		return nil, "", "", false, fmt.Errorf("%w: %s: %v", ErrFeedFetch, u, err)
	}
	defer res.Body.Close()
	switch {
	case res.StatusCode == http.StatusNotModified:
		return nil, etag, lastMod, true, nil
	case res.StatusCode != http.StatusOK:
		_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
		return nil, "", "", false, fmt.Errorf("%w: %s answered HTTP %d", ErrFeedFetch, u, res.StatusCode)
	}
	body, err = io.ReadAll(io.LimitReader(res.Body, s.o.MaxFeedBytes+1))
	if err != nil {
		return nil, "", "", false, fmt.Errorf("%w: %s: %v", ErrFeedFetch, u, err)
	}
	if int64(len(body)) > s.o.MaxFeedBytes {
		return nil, "", "", false, fmt.Errorf("%w: %s is larger than %d bytes", ErrFeedFetch, u, s.o.MaxFeedBytes)
	}
	return body, res.Header.Get("ETag"), res.Header.Get("Last-Modified"), false, nil
}
