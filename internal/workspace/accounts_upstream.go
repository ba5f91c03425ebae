package workspace

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode"
)

// IdentityProvider is the upstream OpenID Connect provider an org's people
// sign in with ("Sign in with HubSpot"). People whose verified email is of
// one of Domains may sign up on their own while signup mode is on (R7).
type IdentityProvider struct {
	OrgID        string
	Name         string // shown on the button: "Sign in with <Name>"
	Issuer       string // discovery at Issuer + /.well-known/openid-configuration
	ClientID     string
	ClientSecret string
	Domains      []string
	UpdatedAt    time.Time
}

// UpstreamIdentity is what the provider said of the person.
type UpstreamIdentity struct {
	Subject       string
	Email         string
	EmailVerified bool
	Name          string
}

// UpstreamRefusedError: the person signed in at the provider but may not
// sign in here; Reason says why and what to do.
type UpstreamRefusedError struct{ Reason string }

func (e *UpstreamRefusedError) Error() string { return e.Reason }
func (e *UpstreamRefusedError) Code() string  { return "upstream_refused" }

// SetIdentityProvider configures the org's provider; only the operator
// does (workspaced org set-idp). The client secret is never audited.
func (a *Accounts) SetIdentityProvider(ctx context.Context, p Principal, in IdentityProvider) (out IdentityProvider, err error) {
	if !p.IsOperator() {
		return out, &ForbiddenError{Reason: "only the operator configures identity providers (workspaced org set-idp)"}
	}
	v, err := validateIdentityProvider(in)
	if err != nil {
		return out, err
	}
	err = a.svc.decide(ctx, p, Apply, func(c *change) error {
		tx, now := c.tx, c.now
		org, err := tx.OrgByID(ctx, p.OrgID)
		if err != nil {
			return err
		}
		v.OrgID, v.UpdatedAt = org.ID, now
		if err := tx.PutIdentityProvider(ctx, v); err != nil {
			return err
		}
		out = v
		c.record("identity_provider.set", org.Slug, nil,
			map[string]any{"name": v.Name, "issuer": v.Issuer, "client_id": v.ClientID, "domains": v.Domains})
		return nil
	})
	return out, err
}

func validateIdentityProvider(in IdentityProvider) (IdentityProvider, error) {
	v := IdentityProvider{Name: strings.TrimSpace(in.Name), Issuer: strings.TrimRight(strings.TrimSpace(in.Issuer), "/"),
		ClientID: strings.TrimSpace(in.ClientID), ClientSecret: strings.TrimSpace(in.ClientSecret), Domains: []string{}}
	u, err := url.Parse(v.Issuer)
	if err != nil || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || (u.Scheme != "https" && !(u.Scheme == "http" && isLoopbackHost(u.Hostname()))) {
		return v, &ValidationError{Field: "issuer", Reason: quote(in.Issuer) + " is not an issuer URL: use https://… (http only for a loopback address)"}
	}
	if v.ClientID == "" {
		return v, &ValidationError{Field: "client-id", Reason: "is required (the client id the provider gave this server)"}
	}
	if v.ClientSecret == "" {
		return v, &ValidationError{Field: "client-secret", Reason: "is required (the client secret the provider gave this server)"}
	}
	if v.Name == "" {
		v.Name = u.Hostname()
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

func isLoopbackHost(h string) bool {
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// RemoveIdentityProvider turns the org's provider off (workspaced org remove-idp).
func (a *Accounts) RemoveIdentityProvider(ctx context.Context, p Principal) error {
	if !p.IsOperator() {
		return &ForbiddenError{Reason: "only the operator configures identity providers"}
	}
	return a.svc.decide(ctx, p, Apply, func(c *change) error {
		tx := c.tx
		before, err := tx.IdentityProvider(ctx, p.OrgID)
		if err != nil {
			return err
		}
		if err := tx.DeleteIdentityProvider(ctx, p.OrgID); err != nil {
			return err
		}
		c.record("identity_provider.removed", before.Issuer,
			map[string]any{"name": before.Name, "issuer": before.Issuer, "client_id": before.ClientID, "domains": before.Domains}, nil)
		return nil
	})
}

// IdentityProvider returns the org's provider (a *NotFoundError if none).
func (a *Accounts) IdentityProvider(ctx context.Context, orgID string) (out IdentityProvider, err error) {
	err = a.svc.store.View(ctx, func(tx Tx) error {
		out, err = tx.IdentityProvider(ctx, orgID)
		return err
	})
	return out, err
}

// OrgBySlug finds an org for the sign-in pages.
func (a *Accounts) OrgBySlug(ctx context.Context, slug string) (Org, error) {
	return a.svc.OrgBySlug(ctx, slug)
}

// OrgByID finds an org for the sign-in pages.
func (a *Accounts) OrgByID(ctx context.Context, id string) (org Org, err error) {
	err = a.svc.store.View(ctx, func(tx Tx) error {
		org, err = tx.OrgByID(ctx, id)
		return err
	})
	return org, err
}

// SignInUpstream decides who a person who signed in at the org's provider
// is here: the user with that verified email, or, while signup mode is on
// and the email's domain is one of the provider's, a new user added by R7
// (active, role user, no licenses). Anyone else is refused with the reason.
func (a *Accounts) SignInUpstream(ctx context.Context, orgID string, id UpstreamIdentity, requestID string) (User, error) {
	email := strings.TrimSpace(id.Email)
	if email == "" || !id.EmailVerified {
		return User{}, &UpstreamRefusedError{Reason: "your identity provider did not confirm your email address, so it cannot sign you in here; ask your admin to check the provider's settings"}
	}
	var org Org
	var idp IdentityProvider
	var u User
	err := a.svc.store.View(ctx, func(tx Tx) error {
		var err error
		if org, err = tx.OrgByID(ctx, orgID); err != nil {
			return err
		}
		if idp, err = tx.IdentityProvider(ctx, orgID); err != nil {
			return err
		}
		u, err = tx.UserByEmail(ctx, orgID, normalizeEmail(email))
		return err
	})
	switch {
	case err == nil && u.CanSignIn() != nil:
		return User{}, ErrUserDeactivated
	case err == nil:
		if err := a.bindUpstream(ctx, orgID, u, idp, id.Subject); err != nil {
			return User{}, err
		}
		return u, nil
	case !isNotFound(err) || org.ID == "" || idp.OrgID == "":
		return User{}, err
	}
	domain := strings.ToLower(email[strings.LastIndexByte(email, '@')+1:])
	if !slices.Contains(idp.Domains, domain) {
		return User{}, &UpstreamRefusedError{Reason: fmt.Sprintf("%s is not a user of %s, and people from %s cannot sign up on their own (allowed: %s); ask an admin of %s for an invite",
			email, org.Name, domain, domainList(idp.Domains), org.Name)}
	}
	u, err = a.svc.SignUpAutomatically(ctx, orgID, nameForSignup(id.Name, email), email, requestID)
	var forbidden *ForbiddenError
	if errors.As(err, &forbidden) {
		return User{}, &UpstreamRefusedError{Reason: forbidden.Reason}
	}
	if err == nil && u.CanSignIn() != nil { // added meanwhile by someone else, and deactivated
		return User{}, ErrUserDeactivated
	}
	if err != nil {
		return User{}, err
	}
	if err := a.bindUpstream(ctx, orgID, u, idp, id.Subject); err != nil {
		return User{}, err
	}
	return u, nil
}

// bindUpstream ties the user to the provider account at the first sign-in
// through the provider, and afterwards accepts only that account: an email
// alone never decides who someone is, so a provider account whose email
// changes to another person's cannot take that person's account over.
func (a *Accounts) bindUpstream(ctx context.Context, orgID string, u User, idp IdentityProvider, subject string) error {
	if strings.TrimSpace(subject) == "" {
		return &UpstreamRefusedError{Reason: "your identity provider sent no subject for your account, so it cannot sign you in here; ask your admin to check the provider"}
	}
	provider := cmp.Or(idp.Name, "your identity provider")
	taken := &UpstreamRefusedError{Reason: fmt.Sprintf("%s is bound to another account at %s; sign in there with the account you used before, or ask an admin", u.Email, provider)}
	return a.svc.store.Update(ctx, func(tx Tx) error {
		bound, err := tx.UpstreamSubject(ctx, orgID, u.ID, idp.Issuer)
		switch {
		case err == nil && bound == subject:
			return nil
		case err == nil:
			return taken
		case !isNotFound(err):
			return err
		}
		linked, err := tx.LinkUpstream(ctx, orgID, u.ID, idp.Issuer, subject, a.svc.clock())
		if err == nil && !linked {
			return &UpstreamRefusedError{Reason: fmt.Sprintf("this account at %s is already bound to another user of the org; sign in with your own account", provider)}
		}
		return err
	})
}

func domainList(ds []string) string {
	if len(ds) == 0 {
		return "none"
	}
	return strings.Join(ds, ", ")
}

// nameForSignup makes a name R1 accepts from what the provider said, or
// from the email's local part when the provider's has other characters.
func nameForSignup(name, email string) string {
	if n, err := validateName(name); err == nil {
		return n
	}
	local := email[:max(strings.IndexByte(email, '@'), 0)]
	clean := strings.Map(func(r rune) rune {
		switch {
		case unicode.IsLetter(r), r == '\'', r == '-':
			return r
		case r == '.', r == '_', r == ' ':
			return ' '
		}
		return -1
	}, name+" ")
	if n, err := validateName(clean); err == nil {
		return n
	}
	clean = strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) {
			return r
		}
		if r == '.' || r == '_' || r == '-' {
			return ' '
		}
		return -1
	}, local)
	if n, err := validateName(clean); err == nil {
		return n
	}
	return "New member"
}
