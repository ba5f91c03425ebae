package workspace

import (
	"context"
	"slices"
	"strings"
	"time"
)

func (s *Service) newToken(orgID string, u User, name string, scopes []Scope, key string, now time.Time) (APIToken, string) {
	secret, hash := newSecret(tokenPrefix)
	return APIToken{ID: s.ids.next("tok", now), OrgID: orgID, UserID: u.ID, UserEmail: u.Email, Name: name,
		Scopes: slices.Clone(scopes), Hash: hash, IdempotencyKey: key, CreatedAt: now}, secret
}

// NewTokenOutcome is a created token. Secret is empty on a replay: it is
// shown once and never stored.
type NewTokenOutcome struct {
	Token    APIToken
	Secret   string
	Replayed bool
}

// TokenInput is what a new API token is: its name, its scopes (no wider
// than its maker's, R13) and how long it lives (0: until revoked).
type TokenInput struct {
	Name      string
	Scopes    []string
	ExpiresIn time.Duration
}

// MaxTokenLifetime bounds --expires-in: five years.
const MaxTokenLifetime = 5 * 366 * 24 * time.Hour

// CreateToken makes an API token for the caller, with scopes no wider than
// the caller's own (R13). A repeated idempotency key with the same name and
// scopes returns the first token, without its secret.
func (s *Service) CreateToken(ctx context.Context, p Principal, in TokenInput, key string) (out NewTokenOutcome, err error) {
	if err := p.requireAdmin(ScopeUsersWrite); err != nil {
		return out, err
	}
	name := strings.TrimSpace(in.Name)
	if name == "" {
		return out, &ValidationError{Field: "name", Reason: "is required (say what the token is for, e.g. \"ci license audit\")"}
	}
	if in.ExpiresIn < 0 || (in.ExpiresIn > 0 && in.ExpiresIn < time.Minute) || in.ExpiresIn > MaxTokenLifetime {
		return out, &ValidationError{Field: "expires_in", Reason: "is between a minute and five years (or nothing, for a token that lives until it is revoked)"}
	}
	scopes, err := ParseScopes(in.Scopes)
	if err != nil {
		return out, err
	}
	for _, sc := range scopes {
		if !p.mayGrant(sc) {
			return out, &ForbiddenError{Reason: "a token cannot have more scopes than yours; you lack " + string(sc), Scope: string(sc)}
		}
	}
	err = s.decide(ctx, p, Apply, func(c *change) error {
		tx, now := c.tx, c.now
		if key != "" {
			prior, err := tx.TokenByIdempotencyKey(ctx, p.OrgID, p.UserID, key)
			if err == nil {
				if prior.Name != name || !sameScopes(prior.Scopes, scopes) {
					return &IdempotencyKeyReusedError{Key: key}
				}
				out = NewTokenOutcome{Token: prior, Replayed: true}
				return nil
			}
			if !isNotFound(err) {
				return err
			}
		}
		// Read row locked: a deactivation of the caller committed since
		// their token was checked refuses the new one, and one still to
		// come revokes it with the others (R9).
		u, err := tx.UserByID(ctx, p.OrgID, p.UserID)
		if err != nil {
			return err
		}
		if u.CanSignIn() != nil {
			return ErrUnauthenticated
		}
		tok, secret := s.newToken(p.OrgID, u, name, scopes, key, now)
		after := map[string]any{"name": name, "scopes": scopes, "user": u.Email}
		if in.ExpiresIn > 0 {
			expires := now.Add(in.ExpiresIn)
			tok.ExpiresAt = &expires
			after["expires_at"] = expires
		}
		if err := tx.InsertToken(ctx, tok); err != nil {
			return err
		}
		out = NewTokenOutcome{Token: tok, Secret: secret}
		c.record("token.created", tok.ID, nil, after)
		return nil
	})
	return out, err
}

// ListTokens lists the org's API tokens (never their secrets).
func (s *Service) ListTokens(ctx context.Context, p Principal) (toks []APIToken, err error) {
	if err := p.requireAdmin(ScopeUsersRead); err != nil {
		return nil, err
	}
	err = s.store.View(ctx, func(tx Tx) error {
		toks, err = tx.ListTokens(ctx, p.OrgID)
		return err
	})
	return toks, err
}

// RevokeToken revokes a token of the org at once.
func (s *Service) RevokeToken(ctx context.Context, p Principal, id string) error {
	if err := p.requireAdmin(ScopeUsersWrite); err != nil {
		return err
	}
	return s.decide(ctx, p, Apply, func(c *change) error {
		tx, now := c.tx, c.now
		tok, err := tx.TokenByID(ctx, p.OrgID, id)
		if err != nil || tok.RevokedAt != nil {
			return err
		}
		if err := tx.RevokeToken(ctx, p.OrgID, id, now); err != nil {
			return err
		}
		c.record("token.revoked", id, map[string]any{"name": tok.Name, "user": tok.UserEmail}, nil)
		return nil
	})
}

// IssueToken is the operator's way to give any user of an org a token, for
// bootstrapping and for tests of roles other than admin.
func (s *Service) IssueToken(ctx context.Context, p Principal, email, name string, scopeNames []string) (tok APIToken, secret string, err error) {
	if !p.IsOperator() {
		return tok, "", &ForbiddenError{Reason: "only the operator issues tokens for other users"}
	}
	scopes, err := ParseScopes(scopeNames)
	if err != nil {
		return tok, "", err
	}
	err = s.decide(ctx, p, Apply, func(c *change) error {
		tx, now := c.tx, c.now
		u, err := tx.UserByEmail(ctx, p.OrgID, normalizeEmail(email))
		if err != nil {
			return err
		}
		// A deactivated user holds no token (R9): one issued now would
		// come to life when they are activated again.
		if u.CanSignIn() != nil {
			return &ValidationError{Field: "email", Reason: u.Email + " is deactivated and holds no tokens; activate them first ('wsctl users activate " + u.Email + " --license ...')"}
		}
		tok, secret = s.newToken(p.OrgID, u, name, scopes, "", now)
		if err := tx.InsertToken(ctx, tok); err != nil {
			return err
		}
		c.record("token.created", tok.ID, nil,
			map[string]any{"name": name, "scopes": scopes, "user": u.Email})
		return nil
	})
	return tok, secret, err
}

// Authenticate turns a bearer secret into a principal. It is checked on every
// request: a revoked token or a deactivated user is refused at once (R9).
func (s *Service) Authenticate(ctx context.Context, secret string) (p Principal, err error) {
	if !strings.HasPrefix(secret, tokenPrefix) {
		return p, ErrUnauthenticated
	}
	var tok APIToken
	var u User
	err = s.store.View(ctx, func(tx Tx) error {
		tok, u, err = tx.TokenHolder(ctx, HashSecret(secret))
		return err
	})
	if isNotFound(err) || (err == nil && (tok.RevokedAt != nil || tok.ExpiredAt(s.clock()) || u.CanSignIn() != nil)) {
		return p, ErrUnauthenticated
	}
	if err != nil {
		return p, err
	}
	if err := s.touchToken(ctx, tok); err != nil {
		return p, err
	}
	return Principal{OrgID: tok.OrgID, UserID: u.ID, Email: u.Email, Roles: u.Roles, Scopes: tok.Scopes, TokenID: tok.ID}, nil
}

// Me describes the caller.
func (s *Service) Me(ctx context.Context, p Principal) (u User, org Org, err error) {
	err = s.store.View(ctx, func(tx Tx) error {
		if u, err = tx.UserByID(ctx, p.OrgID, p.UserID); err != nil {
			return err
		}
		org, err = tx.OrgByID(ctx, p.OrgID)
		return err
	})
	return u, org, err
}

func sameScopes(a, b []Scope) bool {
	return len(a) == len(b) && !slices.ContainsFunc(a, func(s Scope) bool { return !slices.Contains(b, s) })
}

// tokenTouchInterval is how stale last_used_at may get: recording every use
// would add a write to every read request.
const tokenTouchInterval = time.Minute

// touchToken records when a token was last used, at most once a minute.
func (s *Service) touchToken(ctx context.Context, tok APIToken) error {
	now := s.clock()
	if tok.LastUsedAt != nil && now.Sub(*tok.LastUsedAt) < tokenTouchInterval {
		return nil
	}
	return s.store.Update(ctx, func(tx Tx) error { return tx.TouchToken(ctx, tok.ID, now) })
}
