package authserver

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/wsctl/wsctl/internal/authserver/grants"
	"github.com/wsctl/wsctl/internal/workspace"
)

// storage is zitadel's op.Storage over grants.Store: the requests, tokens
// and keys it asks for, and the rules that are ours (PKCE S256 only, loopback
// redirects, refresh rotation with reuse detection). It lives in the files
// authrequest.go, device.go and tokens.go by concern; this file holds the
// rest of the interface.
type storage struct {
	store    grants.Store
	svc      *workspace.Service
	client   *wsctlClient
	log      *slog.Logger
	now      func() time.Time
	signing  *signingKey
	provider *op.Provider // set once New has built it

	purgeMu   sync.Mutex
	lastPurge time.Time
}

var (
	_ op.Storage                    = (*storage)(nil)
	_ op.DeviceAuthorizationStorage = (*storage)(nil)
)

// errNotOffered answers the parts of op.Storage for features this server
// does not offer (introspection, JWT-profile clients, end_session); their
// endpoints are not served.
var errNotOffered = errors.New("not offered by this server")

func (s *storage) GetClientByClientID(_ context.Context, clientID string) (op.Client, error) {
	if clientID != ClientID {
		return nil, oidc.ErrInvalidClient().WithDescription("unknown client %q: the only client is %s", clientID, ClientID)
	}
	return s.client, nil
}

func (s *storage) AuthorizeClientIDSecret(context.Context, string, string) error {
	return oidc.ErrInvalidClient().WithDescription("%s is a public client and has no secret", ClientID)
}

// SetUserinfoFromScopes fills the claims of ID tokens; zitadel calls it for
// every ID token, so it must at least set the subject.
func (s *storage) SetUserinfoFromScopes(ctx context.Context, info *oidc.UserInfo, userID, _ string, scopes []string) error {
	u, err := s.store.User(ctx, userID)
	if err != nil {
		return err
	}
	setUserinfo(info, u, scopes)
	return nil
}

// SetUserinfoFromToken answers /oauth/userinfo for a live access token.
func (s *storage) SetUserinfoFromToken(ctx context.Context, info *oidc.UserInfo, tokenID, subject, _ string) error {
	a, err := s.liveAccessToken(ctx, tokenID, subject)
	if err != nil {
		return err
	}
	setUserinfo(info, a.Holder, a.Scopes)
	return nil
}

func setUserinfo(info *oidc.UserInfo, u grants.User, scopes []string) {
	info.Subject = u.ID
	if slices.Contains(scopes, oidc.ScopeEmail) {
		info.Email = u.Email
	}
	if slices.Contains(scopes, oidc.ScopeProfile) {
		info.Name, info.PreferredUsername = u.Name, u.Email
	}
}

func (s *storage) SetIntrospectionFromToken(context.Context, *oidc.IntrospectionResponse, string, string, string) error {
	return errNotOffered
}

func (s *storage) GetPrivateClaimsFromScopes(context.Context, string, string, []string) (map[string]any, error) {
	return nil, nil
}

func (s *storage) GetKeyByIDAndClientID(context.Context, string, string) (*jose.JSONWebKey, error) {
	return nil, errNotOffered
}

func (s *storage) ValidateJWTProfileScopes(context.Context, string, []string) ([]string, error) {
	return nil, errNotOffered
}

func (s *storage) TerminateSession(context.Context, string, string) error { return errNotOffered }

func (s *storage) SigningKey(context.Context) (op.SigningKey, error) { return s.signing, nil }

func (s *storage) SignatureAlgorithms(context.Context) ([]jose.SignatureAlgorithm, error) {
	return []jose.SignatureAlgorithm{jose.RS256}, nil
}

func (s *storage) KeySet(context.Context) ([]op.Key, error) {
	return []op.Key{publicKey{s.signing}}, nil
}

func (s *storage) Health(ctx context.Context) error { return s.svc.Store().Ping(ctx) }

// purgeExpired deletes expired rows now and then; a failure is only logged,
// the next call tries again.
func (s *storage) purgeExpired(ctx context.Context) {
	now := s.now()
	s.purgeMu.Lock()
	due := now.Sub(s.lastPurge) >= purgeInterval
	if due {
		s.lastPurge = now
	}
	s.purgeMu.Unlock()
	if !due {
		return
	}
	if err := s.store.PurgeExpired(ctx, now); err != nil {
		s.log.Warn("purge expired OAuth grants", "error", err)
	}
}

func isNotFound(err error) bool {
	var nf *workspace.NotFoundError
	return errors.As(err, &nf)
}
