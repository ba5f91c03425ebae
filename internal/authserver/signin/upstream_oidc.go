package signin

import (
	"context"
	"net/http"
	"time"

	"github.com/zitadel/oidc/v3/pkg/client/rp"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"golang.org/x/oauth2"

	"github.com/wsctl/wsctl/internal/workspace"
)

// oidcConnector signs people in at an OpenID Connect provider: the code is
// exchanged with the PKCE verifier, the ID token checked (signature,
// issuer, audience, expiry, nonce) and the email read from it, or from the
// userinfo endpoint when the ID token does not carry it.
type oidcConnector struct{ party rp.RelyingParty }

type nonceKey struct{}

// newOIDCConnector fetches the provider's discovery document.
func newOIDCConnector(ctx context.Context, idp workspace.IdentityProvider, redirect string, client *http.Client) (oidcConnector, error) {
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	party, err := rp.NewRelyingPartyOIDC(ctx, idp.Issuer, idp.ClientID, idp.ClientSecret, redirect,
		[]string{oidc.ScopeOpenID, oidc.ScopeEmail, oidc.ScopeProfile},
		rp.WithHTTPClient(client),
		rp.WithSigningAlgsFromDiscovery(),
		rp.WithVerifierOpts(rp.WithNonce(func(ctx context.Context) string {
			n, _ := ctx.Value(nonceKey{}).(string)
			return n
		})))
	return oidcConnector{party: party}, err
}

func (c oidcConnector) AuthCodeURL(up *upstreamFlow) string {
	return c.party.OAuthConfig().AuthCodeURL(up.State, oauth2.S256ChallengeOption(up.Verifier), oauth2.SetAuthURLParam("nonce", up.Nonce))
}

func (c oidcConnector) Exchange(ctx context.Context, up *upstreamFlow, code string) (workspace.UpstreamIdentity, error) {
	ctx = context.WithValue(ctx, nonceKey{}, up.Nonce)
	tokens, err := rp.CodeExchange[*oidc.IDTokenClaims](ctx, code, c.party, rp.WithCodeVerifier(up.Verifier))
	if err != nil {
		return workspace.UpstreamIdentity{}, err
	}
	claims := tokens.IDTokenClaims
	id := workspace.UpstreamIdentity{Subject: claims.Subject, Email: claims.Email, EmailVerified: bool(claims.EmailVerified), Name: claims.Name}
	if id.Email == "" {
		info, err := rp.Userinfo[*oidc.UserInfo](ctx, tokens.AccessToken, tokens.TokenType, claims.Subject, c.party)
		if err != nil {
			return id, err
		}
		id.Email, id.EmailVerified = info.Email, bool(info.EmailVerified)
		if id.Name == "" {
			id.Name = info.Name
		}
	}
	return id, nil
}
