// Package shared holds what the 'wsctl auth' verbs share: the server's OAuth
// metadata, the sign-in session that refreshes tokens under a lock, who the
// token belongs to, and revocation.
package shared

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"golang.org/x/oauth2"

	"github.com/wsctl/wsctl/internal/client"
)

// ClientID is wsctl's registered public client at every workspaced.
const ClientID = "wsctl"

// MetadataPath is where workspaced publishes its OAuth 2.0 metadata (RFC 8414).
const MetadataPath = "/.well-known/oauth-authorization-server"

// Scopes are what 'wsctl auth login' asks for: a refresh token and every
// API scope. (A function, not a variable built at init: wsctl runs no init
// work of its own at start.)
func Scopes() []string { return append([]string{"openid", "offline_access"}, client.APIScopes...) }

// Metadata is the part of the server's RFC 8414 metadata wsctl uses.
type Metadata struct {
	Issuer                        string   `json:"issuer"`
	AuthorizationEndpoint         string   `json:"authorization_endpoint"`
	TokenEndpoint                 string   `json:"token_endpoint"`
	DeviceAuthorizationEndpoint   string   `json:"device_authorization_endpoint"`
	RevocationEndpoint            string   `json:"revocation_endpoint"`
	CodeChallengeMethodsSupported []string `json:"code_challenge_methods_supported"`
}

// Discover reads host's metadata.
func Discover(ctx context.Context, hc *http.Client, host string) (*Metadata, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(host, "/")+MetadataPath, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, &client.TransportError{BaseURL: host, Err: err}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, &client.TransportError{BaseURL: host, Err: err}
	}
	if resp.StatusCode == http.StatusNotFound {
		return nil, fmt.Errorf("%s does not offer browser sign-in (no %s); sign in with an API token instead: 'wsctl auth login --with-token'", host, MetadataPath)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("read the sign-in metadata of %s: HTTP %d", host, resp.StatusCode)
	}
	var m Metadata
	if err := json.Unmarshal(body, &m); err != nil {
		return nil, fmt.Errorf("read the sign-in metadata of %s: %w", host, err)
	}
	if m.TokenEndpoint == "" {
		return nil, fmt.Errorf("the sign-in metadata of %s names no token endpoint", host)
	}
	if err := m.checkOrigin(host); err != nil {
		return nil, err
	}
	return &m, nil
}

// checkOrigin refuses metadata that sends tokens anywhere but the host asked
// (RFC 8414 §3.3: the issuer is the URL the metadata was read from), and a
// plain-http host that is not this machine: tokens would cross the network
// in clear.
func (m *Metadata) checkOrigin(host string) error {
	want, err := url.Parse(strings.TrimRight(host, "/"))
	if err != nil {
		return err
	}
	if want.Scheme != "https" && !IsLoopbackHost(want.Hostname()) {
		return fmt.Errorf("%s is plain http on another machine: signing in would send your tokens in clear; use its https address", host)
	}
	if strings.TrimRight(m.Issuer, "/") != want.Scheme+"://"+want.Host {
		return fmt.Errorf("%s calls itself %q in its sign-in metadata; use --host %s, or ask the operator to set workspaced --base-url to %s", host, m.Issuer, m.Issuer, host)
	}
	for _, e := range []string{m.AuthorizationEndpoint, m.TokenEndpoint, m.DeviceAuthorizationEndpoint, m.RevocationEndpoint} {
		if e == "" {
			continue
		}
		u, err := url.Parse(e)
		if err != nil || u.Scheme != want.Scheme || u.Host != want.Host {
			return fmt.Errorf("the sign-in metadata of %s points to another server (%s); refusing to send tokens there", host, e)
		}
	}
	return nil
}

// IsLoopbackHost is whether h is this machine: a token sent there over
// plain http does not cross a network.
func IsLoopbackHost(h string) bool {
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// SupportsS256 says whether the server accepts PKCE with S256, the only
// method wsctl uses.
func (m *Metadata) SupportsS256() bool {
	return slices.Contains(m.CodeChallengeMethodsSupported, "S256")
}

// OAuth2 is the golang.org/x/oauth2 configuration of wsctl at this server.
// redirectURL is the loopback callback for the code flow, "" otherwise.
func (m *Metadata) OAuth2(redirectURL string) *oauth2.Config {
	return &oauth2.Config{
		ClientID: ClientID,
		Endpoint: oauth2.Endpoint{
			AuthURL:       m.AuthorizationEndpoint,
			TokenURL:      m.TokenEndpoint,
			DeviceAuthURL: m.DeviceAuthorizationEndpoint,
			// A public client: client_id in the form, no secret.
			AuthStyle: oauth2.AuthStyleInParams,
		},
		RedirectURL: redirectURL,
		Scopes:      Scopes(),
	}
}

// WithHTTPClient makes golang.org/x/oauth2 use hc for ctx's requests.
func WithHTTPClient(ctx context.Context, hc *http.Client) context.Context {
	return context.WithValue(ctx, oauth2.HTTPClient, hc)
}

// GrantedScopes are the scopes the token response names, or the asked ones
// when it names none (RFC 6749 §5.1).
func GrantedScopes(tok *oauth2.Token) []string {
	if s, ok := tok.Extra("scope").(string); ok && strings.TrimSpace(s) != "" {
		return strings.Fields(s)
	}
	return Scopes()
}
