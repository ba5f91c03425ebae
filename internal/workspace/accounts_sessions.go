package workspace

import (
	"context"
	"slices"
	"time"
)

// BrowserSessionTTL is how long a browser stays signed in to the sign-in pages.
const BrowserSessionTTL = 8 * time.Hour

// BrowserSession is a browser's state on the sign-in pages. It starts
// anonymous (a CSRF token and a flow in progress), is bound to a user by a
// password or the org's provider, and is signed in once MFA passed. R9 and
// R12 end every session of the user (Tx.RevokeUserSessions).
type BrowserSession struct {
	IDHash    string // SHA-256 of the cookie's secret
	OrgID     string
	UserID    string
	CSRFToken string
	MFAPassed bool
	AMR       []string // authentication methods: pwd, fed, otp
	AuthTime  *time.Time
	Flow      []byte // JSON owned by the sign-in pages
	CreatedAt time.Time
	ExpiresAt time.Time
	EndedAt   *time.Time
}

// SignedIn reports whether the session has a user who passed MFA.
func (s BrowserSession) SignedIn() bool { return s.UserID != "" && s.MFAPassed }

// ErrSessionInvalid: the session is unknown, ended (R9, R12) or expired.
var ErrSessionInvalid = &simpleError{code: "session_invalid",
	msg: "your sign-in session has ended or expired; sign in again"}

// ErrSessionEnded is ErrSessionInvalid for a secret that named a session
// which has ended or expired (errors.Is matches both): a browser holding
// it gets a new secret rather than reusing one the store knows.
var ErrSessionEnded error = sessionEnded{}

type sessionEnded struct{}

func (sessionEnded) Error() string        { return ErrSessionInvalid.Error() }
func (sessionEnded) Code() string         { return ErrSessionInvalid.Code() }
func (sessionEnded) Is(target error) bool { return target == ErrSessionInvalid }

// StartBrowserSession makes an anonymous session; secret goes in the cookie.
// Sessions expired a day ago or more are deleted on the way.
func (a *Accounts) StartBrowserSession(ctx context.Context) (secret string, out BrowserSession, err error) {
	secret = randomToken()
	out, err = a.StoreBrowserSession(ctx, secret, randomToken())
	return secret, out, err
}

// StoreBrowserSession stores the session of an anonymous browser when it
// posts its first form: secret is the one its cookie already holds, and
// csrf the token its pages were given. Until then nothing was stored for
// it, so that pages anyone can load write nothing. A secret that named a
// session before (since ended) is ErrSessionInvalid.
func (a *Accounts) StoreBrowserSession(ctx context.Context, secret, csrf string) (out BrowserSession, err error) {
	err = a.svc.store.Update(ctx, func(tx Tx) error {
		now := a.svc.clock()
		if _, err := tx.BrowserSessionByHash(ctx, HashSecret(secret)); !isNotFound(err) {
			if err == nil {
				return ErrSessionEnded
			}
			return err
		}
		if err := tx.DeleteBrowserSessionsExpiredBefore(ctx, now.Add(-24*time.Hour)); err != nil {
			return err
		}
		out = browserSession(secret, csrf, now)
		return tx.InsertBrowserSession(ctx, out)
	})
	return out, err
}

func newBrowserSession(now time.Time) (string, BrowserSession) {
	secret := randomToken()
	return secret, browserSession(secret, randomToken(), now)
}

// browserSession is a new session of the cookie's secret, anonymous.
func browserSession(secret, csrf string, now time.Time) BrowserSession {
	return BrowserSession{IDHash: HashSecret(secret), CSRFToken: csrf, AMR: []string{},
		Flow: []byte("{}"), CreatedAt: now, ExpiresAt: now.Add(BrowserSessionTTL)}
}

// BrowserSession finds the live session of a cookie's secret.
func (a *Accounts) BrowserSession(ctx context.Context, secret string) (out BrowserSession, err error) {
	err = a.svc.store.View(ctx, func(tx Tx) error {
		out, err = liveSession(ctx, tx, secret, a.svc.clock())
		return err
	})
	return out, err
}

func liveSession(ctx context.Context, tx Tx, secret string, now time.Time) (BrowserSession, error) {
	if secret == "" {
		return BrowserSession{}, ErrSessionInvalid
	}
	s, err := tx.BrowserSessionByHash(ctx, HashSecret(secret))
	if isNotFound(err) {
		return BrowserSession{}, ErrSessionInvalid
	}
	if err == nil && (s.EndedAt != nil || !now.Before(s.ExpiresAt)) {
		return BrowserSession{}, ErrSessionEnded
	}
	return s, err
}

// SessionUser returns the active user of a signed-in session: a session
// whose user was deactivated (R9) or whose MFA is pending is not signed in.
func (a *Accounts) SessionUser(ctx context.Context, secret string) (s BrowserSession, u User, err error) {
	err = a.svc.store.View(ctx, func(tx Tx) error {
		if s, err = liveSession(ctx, tx, secret, a.svc.clock()); err != nil {
			return err
		}
		if !s.SignedIn() {
			return ErrSessionInvalid
		}
		if u, err = tx.UserByID(ctx, s.OrgID, s.UserID); err != nil {
			return err
		}
		if u.CanSignIn() != nil {
			return ErrSessionInvalid
		}
		return nil
	})
	return s, u, err
}

// BindBrowserSession signs u in on the browser of secret: the old session
// ends and a new one (new secret, new CSRF token, no flow) takes its
// place, so an id known before sign-in is worth nothing after it.
// mfaPassed is true only when the person has just passed MFA too (the
// invitation sign-up).
func (a *Accounts) BindBrowserSession(ctx context.Context, secret string, u User, amr []string, mfaPassed bool) (newSecret string, out BrowserSession, err error) {
	err = a.svc.store.Update(ctx, func(tx Tx) error {
		now := a.svc.clock()
		// u was read before this transaction: read the user again, row
		// locked, so that a deactivation committed meanwhile is seen, and
		// one still to come waits and then ends this session too (R9).
		cur, err := tx.UserByID(ctx, u.OrgID, u.ID)
		if err != nil {
			return err
		}
		if err := cur.CanSignIn(); err != nil {
			return err
		}
		old, err := liveSession(ctx, tx, secret, now)
		if err != nil {
			return err
		}
		if err := tx.EndBrowserSession(ctx, old.IDHash, now); err != nil {
			return err
		}
		newSecret, out = newBrowserSession(now)
		out.OrgID, out.UserID, out.AMR, out.MFAPassed = u.OrgID, u.ID, slices.Clone(amr), mfaPassed
		if mfaPassed {
			out.AuthTime = &now
		}
		return tx.InsertBrowserSession(ctx, out)
	})
	return newSecret, out, err
}

// PassMFA marks the session's MFA as passed with method (e.g. "otp"). The
// sign-in is complete: the flow that led to it is forgotten.
func (a *Accounts) PassMFA(ctx context.Context, secret, method string) (out BrowserSession, err error) {
	err = a.svc.store.Update(ctx, func(tx Tx) error {
		now := a.svc.clock()
		if out, err = liveSession(ctx, tx, secret, now); err != nil {
			return err
		}
		if out.UserID == "" {
			return ErrSessionInvalid
		}
		out.MFAPassed, out.AuthTime, out.Flow = true, &now, []byte("{}")
		if !slices.Contains(out.AMR, method) {
			out.AMR = append(out.AMR, method)
		}
		return tx.UpdateBrowserSession(ctx, out)
	})
	return out, err
}

// SetBrowserSessionFlow stores the JSON of the flow in progress.
func (a *Accounts) SetBrowserSessionFlow(ctx context.Context, secret string, flow []byte) error {
	return a.svc.store.Update(ctx, func(tx Tx) error {
		s, err := liveSession(ctx, tx, secret, a.svc.clock())
		if err != nil {
			return err
		}
		s.Flow = flow
		return tx.UpdateBrowserSession(ctx, s)
	})
}

// EndBrowserSession signs the browser out.
func (a *Accounts) EndBrowserSession(ctx context.Context, secret string) error {
	return a.svc.store.Update(ctx, func(tx Tx) error {
		return tx.EndBrowserSession(ctx, HashSecret(secret), a.svc.clock())
	})
}

// User reads a user for the sign-in pages (the person of a session).
func (a *Accounts) User(ctx context.Context, orgID, userID string) (u User, err error) {
	err = a.svc.store.View(ctx, func(tx Tx) error {
		u, err = tx.UserByID(ctx, orgID, userID)
		return err
	})
	return u, err
}
