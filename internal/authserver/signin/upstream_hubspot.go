package signin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"golang.org/x/oauth2"

	"github.com/wsctl/wsctl/internal/workspace"
)

// hubspotConnector signs people in with HubSpot's OAuth 2.0, which is not
// OpenID Connect: the code is exchanged with the client id and secret in
// the form body (as HubSpot wants), and who signed in comes from the
// access-token information endpoint: the email (user), the HubSpot user id
// (user_id) and the portal (hub_id). HubSpot ignores PKCE; the challenge
// is sent anyway, which costs nothing and protects a provider that does
// check it behind the same endpoints.
type hubspotConnector struct {
	cfg          oauth2.Config
	tokenInfoURL string // with {token} where the access token goes
	client       *http.Client
}

func newHubSpotConnector(idp workspace.IdentityProvider, redirect string, client *http.Client) hubspotConnector {
	return hubspotConnector{
		cfg: oauth2.Config{ClientID: idp.ClientID, ClientSecret: idp.ClientSecret, RedirectURL: redirect, Scopes: idp.Scopes,
			Endpoint: oauth2.Endpoint{AuthURL: idp.AuthorizeURL, TokenURL: idp.TokenURL, AuthStyle: oauth2.AuthStyleInParams}},
		tokenInfoURL: idp.TokenInfoURL,
		client:       client,
	}
}

func (c hubspotConnector) AuthCodeURL(up *upstreamFlow) string {
	return c.cfg.AuthCodeURL(up.State, oauth2.S256ChallengeOption(up.Verifier))
}

// hubspotTokenInfo is the part of the access-token information we read.
// HubSpot writes the ids as JSON numbers.
type hubspotTokenInfo struct {
	User   string      `json:"user"`
	UserID json.Number `json:"user_id"`
	HubID  json.Number `json:"hub_id"`
}

func (c hubspotConnector) Exchange(ctx context.Context, up *upstreamFlow, code string) (workspace.UpstreamIdentity, error) {
	ctx = context.WithValue(ctx, oauth2.HTTPClient, c.client)
	tok, err := c.cfg.Exchange(ctx, code, oauth2.VerifierOption(up.Verifier))
	if err != nil {
		return workspace.UpstreamIdentity{}, fmt.Errorf("hubspot token exchange: %w", err)
	}
	info, err := c.tokenInfo(ctx, tok.AccessToken)
	if err != nil {
		return workspace.UpstreamIdentity{}, err
	}
	// HubSpot states no email_verified: it confirms a user's email
	// before the user can sign in to HubSpot, so the email is taken as
	// verified. Sign-up is held to the org's portal (workspace.IdentityProvider).
	return workspace.UpstreamIdentity{Subject: info.UserID.String(), Email: info.User, EmailVerified: info.User != "",
		Account: info.HubID.String()}, nil
}

func (c hubspotConnector) tokenInfo(ctx context.Context, accessToken string) (hubspotTokenInfo, error) {
	var info hubspotTokenInfo
	u := strings.Replace(c.tokenInfoURL, "{token}", url.PathEscape(accessToken), 1)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return info, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.client.Do(req)
	var uerr *url.Error
	if errors.As(err, &uerr) {
		err = uerr.Err // its URL holds the access token, which stays out of the log
	}
	if err != nil {
		return info, fmt.Errorf("hubspot token information: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return info, fmt.Errorf("hubspot token information: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return info, fmt.Errorf("hubspot token information: %s: %.200s", resp.Status, body)
	}
	if err := json.Unmarshal(body, &info); err != nil {
		return info, fmt.Errorf("hubspot token information: %w", err)
	}
	return info, nil
}
