package email

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// tokenCache keeps OAuth access tokens until shortly before they expire.
type tokenCache struct {
	mu sync.Mutex // guards m
	m  map[string]cachedToken
}

type cachedToken struct {
	token   string
	expires time.Time
	// key is what the token was issued for; new credentials miss.
	key string
}

func (c *tokenCache) get(id, key string, now time.Time) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	t, ok := c.m[id]
	if !ok || t.key != key || now.After(t.expires) {
		return ""
	}
	return t.token
}

func (c *tokenCache) put(id, key, token string, expires time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m[id] = cachedToken{token: token, expires: expires, key: key}
}

func (c *tokenCache) drop(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, id)
}

// fetchToken posts an OAuth 2.0 token request (RFC 6749 section 4.4 or 6).
func (s *Service) fetchToken(ctx context.Context, tokenURL string, form url.Values) (string, time.Duration, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, tokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		return "", 0, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, err := s.o.HTTPClient.Do(req)
	if err != nil {
		return "", 0, fmt.Errorf("%w: cannot get an access token: %v", ErrUpstream, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	var tr struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int    `json:"expires_in"`
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	_ = json.Unmarshal(body, &tr)
	if resp.StatusCode != http.StatusOK || tr.AccessToken == "" {
		msg := tr.Error
		if tr.Description != "" {
			msg += ": " + tr.Description
		}
		if msg == "" {
			msg = clip(strings.TrimSpace(string(body)), 200)
		}
		return "", 0, fmt.Errorf("%w: the token endpoint answered %d: %s", ErrUpstream, resp.StatusCode, msg)
	}
	if tr.ExpiresIn <= 0 {
		tr.ExpiresIn = 3600
	}
	return tr.AccessToken, time.Duration(tr.ExpiresIn) * time.Second, nil
}

// apiGet GETs an API URL with a bearer token; a 401 drops the cached token.
func (s *Service) apiGet(ctx context.Context, tokenID, token, u, accept string, limit int64) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept", accept)
	resp, err := s.o.HTTPClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUpstream, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, fmt.Errorf("%w: cannot read the answer: %v", ErrUpstream, err)
	}
	if resp.StatusCode == http.StatusUnauthorized {
		s.tokens.drop(tokenID)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%w: GET %s answered %d: %s", ErrUpstream, redactURL(u), resp.StatusCode, apiErrorText(body))
	}
	if int64(len(body)) > limit {
		return nil, ErrTooLarge
	}
	return body, nil
}

// apiErrorText is the message of a Google or Microsoft error body.
func apiErrorText(body []byte) string {
	var e struct {
		Error struct {
			Message string `json:"message"`
			Code    any    `json:"code"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &e) == nil && e.Error.Message != "" {
		return e.Error.Message
	}
	return clip(strings.TrimSpace(string(body)), 200)
}

func redactURL(u string) string {
	if i := strings.IndexByte(u, '?'); i >= 0 {
		return u[:i]
	}
	return u
}
