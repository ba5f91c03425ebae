package workspace

import (
	"cmp"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strings"
	"time"
)

// ProviderKind is how workspaced talks to an org's identity provider.
type ProviderKind string

const (
	// ProviderOIDC is any OpenID Connect provider, found by discovery at
	// its issuer; the ID token (or userinfo) says who signed in.
	ProviderOIDC ProviderKind = "oidc"
	// ProviderHubSpot is HubSpot's plain OAuth 2.0: no discovery, no ID
	// token; the person is read from its access-token information
	// endpoint, and only the users of one HubSpot account (portal) sign in.
	ProviderHubSpot ProviderKind = "hubspot"
)

// ProviderKinds are the kinds set-idp accepts, the default first.
var ProviderKinds = []ProviderKind{ProviderOIDC, ProviderHubSpot}

// HubSpot's endpoints on its main hosts; set-idp takes others for
// HubSpot's regional hosts and for tests. {token} in the token
// information URL stands for the access token.
const (
	HubSpotAuthorizeURL = "https://app.hubspot.com/oauth/authorize"
	HubSpotTokenURL     = "https://api.hubapi.com/oauth/v1/token"
	HubSpotTokenInfoURL = "https://api.hubapi.com/oauth/v1/access-tokens/{token}"
	// HubSpotDefaultScope is all a sign-in needs: no CRM access.
	HubSpotDefaultScope = "oauth"
)

// IdentityProvider is the upstream provider an org's people sign in with
// ("Sign in with HubSpot"). Who may sign up on their own while signup
// mode is on (R7) depends on the kind: see mayAutoSignUp.
type IdentityProvider struct {
	OrgID string
	Kind  ProviderKind // "" is ProviderOIDC
	Name  string       // shown on the button: "Sign in with <Name>"
	// Issuer (OIDC): discovery at Issuer + /.well-known/openid-configuration.
	Issuer       string
	ClientID     string
	ClientSecret string
	// HubSpot: the OAuth 2.0 endpoints, the scopes asked for, and the
	// HubSpot account (portal, hub_id) whose users sign in.
	AuthorizeURL string
	TokenURL     string
	TokenInfoURL string
	Scopes       []string
	PortalID     string
	Domains      []string
	// ProviderOnly hides the email-and-password form for the org's people:
	// they sign in (and complete invites) through the provider only.
	ProviderOnly bool
	UpdatedAt    time.Time
}

// LocalAccountsByDefault says whether an org of this kind keeps local
// (password) accounts beside the provider unless the operator says
// otherwise: an OpenID Connect org does (as it always has); a HubSpot
// org signs in with HubSpot only, as its people expect.
func LocalAccountsByDefault(k ProviderKind) bool { return k != ProviderHubSpot }

// linkIssuer names the provider in upstream_links: users are bound to
// (linkIssuer, subject). A HubSpot user id is bound within the org's
// portal, so binding the org to another portal starts afresh.
func (p IdentityProvider) linkIssuer() string {
	if p.Kind == ProviderHubSpot {
		return "hubspot:" + p.PortalID
	}
	return p.Issuer
}

// admits refuses a sign-in at the provider that is not of the org's
// account: a HubSpot user signed in to another portal.
func (p IdentityProvider) admits(org Org, id UpstreamIdentity) error {
	if p.Kind != ProviderHubSpot || id.Account == p.PortalID {
		return nil
	}
	return &UpstreamRefusedError{Reason: fmt.Sprintf("you chose the HubSpot account %s, but %s signs in with the HubSpot account %s; sign in again and choose account %s, or ask an admin of %s",
		cmp.Or(id.Account, "(none)"), org.Name, p.PortalID, p.PortalID, org.Name)}
}

// mayAutoSignUp says whether a person who is not yet a user may be added
// on their own (R7, signup mode permitting). OpenID Connect: their
// verified email is of one of Domains. HubSpot: admits already holds them
// to the org's portal, whose users the customer's HubSpot admin manages,
// so every user of the portal may; Domains, when set, narrows that (an
// agency's users in the portal, say).
func (p IdentityProvider) mayAutoSignUp(org Org, email string) error {
	domain := strings.ToLower(email[strings.LastIndexByte(email, '@')+1:])
	if slices.Contains(p.Domains, domain) || (p.Kind == ProviderHubSpot && len(p.Domains) == 0) {
		return nil
	}
	return &UpstreamRefusedError{Reason: fmt.Sprintf("%s is not a user of %s, and people from %s cannot sign up on their own (allowed: %s); ask an admin of %s for an invite",
		email, org.Name, domain, domainList(p.Domains), org.Name)}
}

// auditView is what the audit log keeps of a configuration: everything
// but the client secret.
func (p IdentityProvider) auditView() map[string]any {
	m := map[string]any{"kind": p.Kind, "name": p.Name, "client_id": p.ClientID, "domains": p.Domains,
		"local_accounts": !p.ProviderOnly}
	switch p.Kind {
	case ProviderHubSpot:
		m["portal_id"], m["scopes"] = p.PortalID, p.Scopes
		m["authorize_url"], m["token_url"], m["token_info_url"] = p.AuthorizeURL, p.TokenURL, p.TokenInfoURL
	default:
		m["issuer"] = p.Issuer
	}
	return m
}

func validateIdentityProvider(in IdentityProvider) (IdentityProvider, error) {
	v := IdentityProvider{Kind: ProviderKind(strings.ToLower(strings.TrimSpace(string(in.Kind)))), Name: strings.TrimSpace(in.Name),
		ClientID: strings.TrimSpace(in.ClientID), ClientSecret: strings.TrimSpace(in.ClientSecret),
		Domains: []string{}, Scopes: []string{}, ProviderOnly: in.ProviderOnly}
	if v.Kind == "" {
		v.Kind = ProviderOIDC
	}
	var err error
	switch v.Kind {
	case ProviderOIDC:
		err = v.takeOIDC(in)
	case ProviderHubSpot:
		err = v.takeHubSpot(in)
	default:
		err = &ValidationError{Field: "kind", Reason: quote(string(in.Kind)) + " is not a provider kind: use oidc or hubspot"}
	}
	if err != nil {
		return v, err
	}
	if v.ClientID == "" {
		return v, &ValidationError{Field: "client-id", Reason: "is required (the client id the provider gave this server)"}
	}
	if v.ClientSecret == "" {
		return v, &ValidationError{Field: "client-secret", Reason: "is required (the client secret the provider gave this server)"}
	}
	for _, d := range in.Domains {
		d = strings.ToLower(strings.TrimPrefix(strings.TrimSpace(d), "@"))
		if d == "" {
			continue
		}
		if !isDomain(d) {
			return v, &ValidationError{Field: "domains", Reason: quote(d) + " is not an email domain (like acme.com)"}
		}
		if !slices.Contains(v.Domains, d) {
			v.Domains = append(v.Domains, d)
		}
	}
	return v, nil
}

// takeOIDC takes the issuer; HubSpot's settings have no meaning here.
func (v *IdentityProvider) takeOIDC(in IdentityProvider) error {
	for field, set := range map[string]bool{"portal-id": in.PortalID != "", "scopes": len(in.Scopes) > 0,
		"authorize-url": in.AuthorizeURL != "", "token-url": in.TokenURL != "", "token-info-url": in.TokenInfoURL != ""} {
		if set {
			return &ValidationError{Field: field, Reason: "applies to --kind hubspot only (an OpenID Connect provider is found by its --issuer)"}
		}
	}
	v.Issuer = strings.TrimRight(strings.TrimSpace(in.Issuer), "/")
	if v.Issuer == "" {
		return &ValidationError{Field: "issuer", Reason: "is required for an OpenID Connect provider (or use --kind hubspot with --portal-id)"}
	}
	u, ok := providerURL(v.Issuer)
	if !ok || u.RawQuery != "" {
		return &ValidationError{Field: "issuer", Reason: quote(in.Issuer) + " is not an issuer URL: use https://… (http only for a loopback address)"}
	}
	if v.Name == "" {
		v.Name = u.Hostname()
	}
	return nil
}

// takeHubSpot takes the portal, the scopes and the endpoints (HubSpot's
// own unless given).
func (v *IdentityProvider) takeHubSpot(in IdentityProvider) error {
	if strings.TrimSpace(in.Issuer) != "" {
		return &ValidationError{Field: "issuer", Reason: "applies to --kind oidc only (HubSpot has no issuer; its endpoints have defaults, or --authorize-url, --token-url and --token-info-url)"}
	}
	v.PortalID = strings.TrimSpace(in.PortalID)
	if v.PortalID == "" || strings.Trim(v.PortalID, "0123456789") != "" {
		return &ValidationError{Field: "portal-id", Reason: "is required for hubspot: the number of the HubSpot account whose users sign in (HubSpot shows it as the Hub ID in the account menu)"}
	}
	v.AuthorizeURL = cmp.Or(strings.TrimSpace(in.AuthorizeURL), HubSpotAuthorizeURL)
	v.TokenURL = cmp.Or(strings.TrimSpace(in.TokenURL), HubSpotTokenURL)
	v.TokenInfoURL = cmp.Or(strings.TrimSpace(in.TokenInfoURL), HubSpotTokenInfoURL)
	for field, raw := range map[string]string{"authorize-url": v.AuthorizeURL, "token-url": v.TokenURL, "token-info-url": v.TokenInfoURL} {
		if _, ok := providerURL(raw); !ok {
			return &ValidationError{Field: field, Reason: quote(raw) + " is not an endpoint URL: use https://… (http only for a loopback address)"}
		}
	}
	if !strings.Contains(v.TokenInfoURL, "{token}") {
		return &ValidationError{Field: "token-info-url", Reason: quote(v.TokenInfoURL) + " has no {token}: write where the access token goes, like " + HubSpotTokenInfoURL}
	}
	for _, s := range in.Scopes {
		for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == ',' }) {
			if !slices.Contains(v.Scopes, f) {
				v.Scopes = append(v.Scopes, f)
			}
		}
	}
	if len(v.Scopes) == 0 {
		v.Scopes = []string{HubSpotDefaultScope}
	}
	if v.Name == "" {
		v.Name = "HubSpot"
	}
	return nil
}

// providerURL parses an address of the provider: https, or http on a
// loopback address (development and tests), with a host and no fragment.
func providerURL(raw string) (*url.URL, bool) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.Fragment != "" {
		return nil, false
	}
	return u, u.Scheme == "https" || (u.Scheme == "http" && isLoopbackHost(u.Hostname()))
}

func isLoopbackHost(h string) bool {
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}
