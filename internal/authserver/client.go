package authserver

import (
	"fmt"
	"net"
	"net/url"
	"slices"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// ClientID is the one registered client: the wsctl command line.
const ClientID = "wsctl"

// callbackPath is the path of wsctl's loopback redirect; the port is free.
const callbackPath = "/callback"

// wsctlClient is wsctl as zitadel sees it: a native, public client (no
// secret) that receives the code on a loopback listener (RFC 8252 §7.3).
type wsctlClient struct {
	loginURL func(authRequestID string) string
}

var _ op.Client = (*wsctlClient)(nil)

func (c *wsctlClient) GetID() string { return ClientID }

// RedirectURIs are matched by zitadel's native-client rule: any loopback
// host and port with this path; checkLoopbackRedirect narrows the host to
// the two IP literals.
func (c *wsctlClient) RedirectURIs() []string {
	return []string{"http://127.0.0.1" + callbackPath, "http://[::1]" + callbackPath}
}

func (c *wsctlClient) PostLogoutRedirectURIs() []string    { return nil }
func (c *wsctlClient) ApplicationType() op.ApplicationType { return op.ApplicationTypeNative }
func (c *wsctlClient) AuthMethod() oidc.AuthMethod         { return oidc.AuthMethodNone }
func (c *wsctlClient) ResponseTypes() []oidc.ResponseType {
	return []oidc.ResponseType{oidc.ResponseTypeCode}
}

func (c *wsctlClient) GrantTypes() []oidc.GrantType {
	return []oidc.GrantType{oidc.GrantTypeCode, oidc.GrantTypeRefreshToken, oidc.GrantTypeDeviceCode}
}

func (c *wsctlClient) LoginURL(id string) string            { return c.loginURL(id) }
func (c *wsctlClient) AccessTokenType() op.AccessTokenType  { return op.AccessTokenTypeBearer }
func (c *wsctlClient) IDTokenLifetime() time.Duration       { return AccessTokenLifetime }
func (c *wsctlClient) DevMode() bool                        { return false }
func (c *wsctlClient) IsScopeAllowed(scope string) bool     { return slices.Contains(apiScopes, scope) }
func (c *wsctlClient) IDTokenUserinfoClaimsAssertion() bool { return false }
func (c *wsctlClient) ClockSkew() time.Duration             { return 0 }
func (c *wsctlClient) RestrictAdditionalIdTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}

func (c *wsctlClient) RestrictAdditionalAccessTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}

// checkLoopbackRedirect holds a redirect to what RFC 8252 §7.3 and §8.3
// recommend: http, an IP loopback literal (not "localhost", which a hosts
// file or resolver may send elsewhere), a port, the callback path, and
// nothing else.
func checkLoopbackRedirect(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("redirect_uri %q is not a URL", raw)
	}
	ip := net.ParseIP(u.Hostname())
	switch {
	case u.Scheme != "http" || ip == nil || !(ip.Equal(net.IPv4(127, 0, 0, 1)) || ip.Equal(net.IPv6loopback)):
		return fmt.Errorf("redirect_uri must be http://127.0.0.1:PORT%s or http://[::1]:PORT%s", callbackPath, callbackPath)
	case u.Port() == "" || u.User != nil || u.Path != callbackPath || u.RawQuery != "" || u.Fragment != "":
		return fmt.Errorf("redirect_uri must be http://127.0.0.1:PORT%s with a port and nothing after the path", callbackPath)
	}
	return nil
}
