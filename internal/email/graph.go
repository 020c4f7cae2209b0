package email

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
)

const (
	graphBaseURL  = "https://graph.microsoft.com/v1.0"
	graphLoginURL = "https://login.microsoftonline.com"
)

func (s *Service) graphToken(ctx context.Context, id string, cfg GraphConfig) (string, error) {
	key := cfg.TenantID + "\x00" + cfg.ClientID + "\x00" + cfg.ClientSecret
	if t := s.tokens.get(id, key, s.o.Now()); t != "" {
		return t, nil
	}
	login := strings.TrimRight(cfg.LoginURL, "/")
	if login == "" {
		login = graphLoginURL
	}
	tok, ttl, err := s.fetchToken(ctx, login+"/"+url.PathEscape(cfg.TenantID)+"/oauth2/v2.0/token", url.Values{
		"grant_type": {"client_credentials"}, "client_id": {cfg.ClientID}, "client_secret": {cfg.ClientSecret},
		"scope": {"https://graph.microsoft.com/.default"}})
	if err != nil {
		return "", err
	}
	s.tokens.put(id, key, tok, s.o.Now().Add(ttl-time.Minute))
	return tok, nil
}

// pollGraph lists the folder's messages received after the cursor (an
// RFC 3339 time), oldest first, and takes each one's MIME content.
func (s *Service) pollGraph(ctx context.Context, id string, cfg GraphConfig, pos position, handle handler) (position, error) {
	tok, err := s.graphToken(ctx, id, cfg)
	if err != nil {
		return pos, err
	}
	base := strings.TrimRight(cfg.BaseURL, "/")
	if base == "" {
		base = graphBaseURL
	}
	cursor, err := time.Parse(time.RFC3339Nano, pos.Cursor)
	if err != nil {
		cursor = s.o.Now().Add(-firstLookback).UTC()
	}
	user := base + "/users/" + url.PathEscape(cfg.User)
	q := url.Values{"$select": {"id,receivedDateTime"}, "$orderby": {"receivedDateTime asc"}, "$top": {"50"},
		"$filter": {"receivedDateTime gt " + cursor.UTC().Format("2006-01-02T15:04:05.000Z")}}
	next := user + "/mailFolders/" + url.PathEscape(cfg.Folder) + "/messages?" + q.Encode()
	type item struct {
		ID       string    `json:"id"`
		Received time.Time `json:"receivedDateTime"`
	}
	var items []item
	for n := 0; n < 20 && next != "" && len(items) < s.o.MaxPerPoll; n++ {
		body, err := s.apiGet(ctx, id, tok, next, "application/json", 8<<20)
		if err != nil {
			return pos, err
		}
		var page struct {
			Value    []item `json:"value"`
			NextLink string `json:"@odata.nextLink"`
		}
		if err := json.Unmarshal(body, &page); err != nil {
			return pos, fmt.Errorf("%w: cannot read the message list: %v", ErrUpstream, err)
		}
		items = append(items, page.Value...)
		next = page.NextLink
		if next != "" && !strings.HasPrefix(next, base+"/") {
			// Follow links only back to the configured API.
			return pos, fmt.Errorf("%w: @odata.nextLink leaves %s", ErrUpstream, base)
		}
	}
	if len(items) > s.o.MaxPerPoll {
		items = items[:s.o.MaxPerPoll]
	}
	for _, it := range items {
		if !it.Received.After(cursor) {
			continue
		}
		raw, err := s.apiGet(ctx, id, tok, user+"/messages/"+url.PathEscape(it.ID)+"/$value", "message/rfc822, */*", s.o.MaxSize)
		m := fetchedMessage{raw: raw}
		if errors.Is(err, ErrTooLarge) {
			m = fetchedMessage{tooLarge: true}
		} else if err != nil {
			return pos, err
		}
		if err := handle(ctx, m); err != nil {
			return pos, err
		}
		cursor = it.Received
		pos.Cursor = cursor.UTC().Format(time.RFC3339Nano)
	}
	if pos.Cursor == "" {
		pos.Cursor = cursor.UTC().Format(time.RFC3339Nano)
	}
	return pos, nil
}
