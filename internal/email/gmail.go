package email

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

const (
	gmailBaseURL  = "https://gmail.googleapis.com"
	gmailTokenURL = "https://oauth2.googleapis.com/token"
	// firstLookback is how far back the first poll of an API mailbox reads.
	firstLookback = 24 * time.Hour
)

func (s *Service) gmailToken(ctx context.Context, id string, cfg GmailConfig) (string, error) {
	if cfg.RefreshToken == "" {
		return cfg.AccessToken, nil
	}
	key := cfg.ClientID + "\x00" + cfg.RefreshToken
	if t := s.tokens.get(id, key, s.o.Now()); t != "" {
		return t, nil
	}
	tu := cfg.TokenURL
	if tu == "" {
		tu = gmailTokenURL
	}
	tok, ttl, err := s.fetchToken(ctx, tu, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {cfg.RefreshToken},
		"client_id": {cfg.ClientID}, "client_secret": {cfg.ClientSecret}})
	if err != nil {
		return "", err
	}
	s.tokens.put(id, key, tok, s.o.Now().Add(ttl-time.Minute))
	return tok, nil
}

// pollGmail lists the messages matching the query received after the
// cursor (internalDate in ms) and takes each as raw RFC 5322, oldest first.
func (s *Service) pollGmail(ctx context.Context, id string, cfg GmailConfig, pos position, handle handler) (position, error) {
	tok, err := s.gmailToken(ctx, id, cfg)
	if err != nil {
		return pos, err
	}
	base := strings.TrimRight(cfg.BaseURL, "/")
	if base == "" {
		base = gmailBaseURL
	}
	cursor, _ := strconv.ParseInt(pos.Cursor, 10, 64)
	if cursor == 0 {
		cursor = s.o.Now().Add(-firstLookback).UnixMilli()
	}
	user := url.PathEscape(cfg.User)
	// after: has a one-second resolution; the exact cut is made on
	// internalDate below.
	q := strings.TrimSpace(cfg.Query + " after:" + strconv.FormatInt(cursor/1000, 10))
	var ids []string
	page := ""
	for n := 0; n < 20 && len(ids) < 5*s.o.MaxPerPoll; n++ {
		u := base + "/gmail/v1/users/" + user + "/messages?maxResults=100&q=" + url.QueryEscape(q)
		if page != "" {
			u += "&pageToken=" + url.QueryEscape(page)
		}
		body, err := s.apiGet(ctx, id, tok, u, "application/json", 8<<20)
		if err != nil {
			return pos, err
		}
		var lr struct {
			Messages []struct {
				ID string `json:"id"`
			} `json:"messages"`
			NextPageToken string `json:"nextPageToken"`
		}
		if err := json.Unmarshal(body, &lr); err != nil {
			return pos, fmt.Errorf("%w: cannot read the message list: %v", ErrUpstream, err)
		}
		for _, m := range lr.Messages {
			ids = append(ids, m.ID)
		}
		if page = lr.NextPageToken; page == "" {
			break
		}
	}
	type got struct {
		internal int64
		raw      []byte
		tooLarge bool
	}
	var msgs []got
	// Base64 grows the message by a third; JSON adds a little.
	limit := s.o.MaxSize*4/3 + 64<<10
	for _, mid := range ids {
		body, err := s.apiGet(ctx, id, tok, base+"/gmail/v1/users/"+user+"/messages/"+url.PathEscape(mid)+"?format=raw", "application/json", limit)
		if errors.Is(err, ErrTooLarge) {
			msgs = append(msgs, got{internal: cursor + 1, tooLarge: true})
			continue
		}
		if err != nil {
			return pos, err
		}
		var gm struct {
			InternalDate string `json:"internalDate"`
			Raw          string `json:"raw"`
		}
		if err := json.Unmarshal(body, &gm); err != nil {
			return pos, fmt.Errorf("%w: cannot read message %s: %v", ErrUpstream, mid, err)
		}
		ts, _ := strconv.ParseInt(gm.InternalDate, 10, 64)
		if ts <= cursor {
			continue
		}
		raw, err := base64.URLEncoding.DecodeString(gm.Raw)
		if err != nil {
			if raw, err = base64.RawURLEncoding.DecodeString(gm.Raw); err != nil {
				return pos, fmt.Errorf("%w: message %s: raw is not base64url", ErrUpstream, mid)
			}
		}
		msgs = append(msgs, got{internal: ts, raw: raw})
	}
	sort.SliceStable(msgs, func(i, j int) bool { return msgs[i].internal < msgs[j].internal })
	if len(msgs) > s.o.MaxPerPoll {
		msgs = msgs[:s.o.MaxPerPoll]
	}
	for _, m := range msgs {
		if err := handle(ctx, fetchedMessage{raw: m.raw, tooLarge: m.tooLarge}); err != nil {
			return pos, err
		}
		cursor = max(cursor, m.internal)
		pos.Cursor = strconv.FormatInt(cursor, 10)
	}
	if pos.Cursor == "" {
		pos.Cursor = strconv.FormatInt(cursor, 10)
	}
	return pos, nil
}
