package shared

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"golang.org/x/oauth2"

	"github.com/wsctl/wsctl/internal/cli/authstore"
	"github.com/wsctl/wsctl/internal/cli/cmdutil"
	"github.com/wsctl/wsctl/internal/client"
)

// ExpiryMargin is how long before its expiry an access token is renewed, so
// that a request never leaves with a token about to die on the way.
const ExpiryMargin = time.Minute

// Session is one stored sign-in in use: it hands out a valid access token,
// refreshing it when expired or about to be, and writes the rotated pair back.
type Session struct {
	Host   string
	Key    string
	Stores *authstore.Stores
	// HTTP is used for the metadata and token endpoints.
	HTTP *http.Client
	// Now is time.Now unless a test says otherwise.
	Now func() time.Time

	mu    sync.Mutex
	entry *authstore.Entry
	store authstore.Store
}

// OpenSession is LoadSession for a command: it makes the token stores and
// the HTTP client from the Factory's lazy constructors first.
func OpenSession(tokenStores func() (*authstore.Stores, error), httpClient func() (*http.Client, error), host, profile string) (*Session, error) {
	stores, err := tokenStores()
	if err != nil {
		return nil, err
	}
	hc, err := httpClient()
	if err != nil {
		return nil, err
	}
	return LoadSession(stores, hc, host, profile)
}

// LoadSession finds the sign-in of host (and profile). Without one the error
// is an AuthError (exit 4) saying how to sign in, and why the keyring could
// not be asked, if it could not.
func LoadSession(stores *authstore.Stores, hc *http.Client, host, profile string) (*Session, error) {
	key := authstore.Key(host, profile)
	e, st, err := stores.Find(key)
	if err != nil {
		return nil, NotSignedIn(host, err)
	}
	return &Session{Host: host, Key: key, Stores: stores, HTTP: hc, entry: e, store: st}, nil
}

// NotSignedIn is the exit-4 error for a host without a usable sign-in.
func NotSignedIn(host string, err error) error {
	if err != nil && !errors.Is(err, authstore.ErrNotFound) {
		// The store itself failed (an unreadable file, a keyring error).
		return cmdutil.AuthErrorf("not signed in to %s: %v", host, err)
	}
	msg := fmt.Sprintf("not signed in to %s: sign in with 'wsctl auth login', or set WSCTL_TOKEN to an API token (an admin creates one with 'wsctl tokens create')", host)
	var unavailable *authstore.UnavailableError
	if errors.As(err, &unavailable) {
		msg += fmt.Sprintf(" (no OS keyring to look in: %s; 'wsctl auth login --insecure-storage' keeps a sign-in in a file instead)", unavailable.Cause)
	}
	return cmdutil.AuthErrorf("%s", msg)
}

// Entry is the sign-in as last read or written.
func (s *Session) Entry() authstore.Entry {
	s.mu.Lock()
	defer s.mu.Unlock()
	return *s.entry
}

// Store is where the sign-in is kept.
func (s *Session) Store() authstore.Store { return s.store }

func (s *Session) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Session) fresh(e *authstore.Entry) bool {
	if e.AccessToken == "" {
		return false
	}
	return e.Expiry.IsZero() || e.Expiry.After(s.now().Add(ExpiryMargin))
}

// Token returns an access token valid for at least ExpiryMargin, refreshing
// the sign-in first if needed.
func (s *Session) Token(ctx context.Context) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fresh(s.entry) {
		return s.entry.AccessToken, nil
	}
	if err := s.refreshLocked(ctx, false); err != nil {
		return "", err
	}
	return s.entry.AccessToken, nil
}

// Refresh renews the access token now, whether or not it expired. A refresh
// another wsctl made meanwhile counts.
func (s *Session) Refresh(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.refreshLocked(ctx, true)
}

// refreshLocked runs under s.mu. It takes the host's file lock, re-reads the
// entry and refreshes only if the refresh token is still the one this
// process knew: otherwise another wsctl already rotated it, and presenting
// the old one again would look like a stolen token to the server (reuse
// detection, RFC 9700) and sign everybody out.
func (s *Session) refreshLocked(ctx context.Context, force bool) error {
	if s.entry.Kind == authstore.KindAPIToken {
		return fmt.Errorf("the sign-in to %s is an API token (from 'wsctl auth login --with-token'); it cannot be refreshed", s.Host)
	}
	unlock, err := s.Stores.Lock(ctx, s.Key)
	if err != nil {
		return err
	}
	defer unlock()

	cur, err := s.store.Get(s.Key)
	if err != nil {
		if errors.Is(err, authstore.ErrNotFound) {
			return cmdutil.AuthErrorf("signed out of %s meanwhile (by 'wsctl auth logout'?): sign in again with 'wsctl auth login'", s.Host)
		}
		return fmt.Errorf("re-read the sign-in to %s: %w", s.Host, err)
	}
	if cur.RefreshToken != s.entry.RefreshToken {
		s.entry = cur
		if s.fresh(cur) {
			return nil // another wsctl refreshed it
		}
	}
	if !force && s.fresh(cur) {
		s.entry = cur
		return nil
	}
	if cur.RefreshToken == "" {
		return cmdutil.AuthErrorf("the sign-in to %s has expired and holds no refresh token: sign in again with 'wsctl auth login'", s.Host)
	}

	meta, err := Discover(ctx, s.HTTP, s.Host)
	if err != nil {
		return err
	}
	src := meta.OAuth2("").TokenSource(WithHTTPClient(ctx, s.HTTP), &oauth2.Token{RefreshToken: cur.RefreshToken})
	tok, err := src.Token()
	if err != nil {
		return refreshError(s.Host, err)
	}
	next := *cur
	next.AccessToken, next.Expiry = tok.AccessToken, tok.Expiry
	if tok.RefreshToken != "" {
		next.RefreshToken = tok.RefreshToken
	}
	if scope, ok := tok.Extra("scope").(string); ok && scope != "" {
		next.Scopes = GrantedScopes(tok)
	}
	if err := s.store.Set(s.Key, &next); err != nil {
		// The server already rotated the refresh token: the old one in the
		// store is dead, so this sign-in is lost either way.
		return fmt.Errorf("store the refreshed sign-in to %s: %w (sign in again with 'wsctl auth login')", s.Host, err)
	}
	s.entry = &next
	return nil
}

// refreshError explains a refused refresh: the sign-in ended (revoked, reused,
// expired, the person deactivated or their MFA reset) and only a new sign-in helps.
func refreshError(host string, err error) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		code := re.ErrorCode
		if code == "" {
			code = fmt.Sprintf("HTTP %d", re.Response.StatusCode)
		}
		detail := ""
		if re.ErrorDescription != "" {
			detail = ": " + re.ErrorDescription
		}
		if re.Response != nil && re.Response.StatusCode >= 500 {
			return fmt.Errorf("refresh the sign-in to %s: the server failed (%s%s); try again", host, code, detail)
		}
		return cmdutil.AuthErrorf("the sign-in to %s has ended: the server refused to refresh it (%s%s); sign in again with 'wsctl auth login'", host, code, detail)
	}
	var ue interface{ Timeout() bool }
	if errors.As(err, &ue) {
		return &client.TransportError{BaseURL: host, Err: err}
	}
	return fmt.Errorf("refresh the sign-in to %s: %w", host, err)
}
