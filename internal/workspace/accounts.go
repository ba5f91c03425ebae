package workspace

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// Accounts applies the sign-in rules (SPEC §3, issue 3) over the Service's
// store: local passwords, TOTP MFA, lockout, browser sessions, the org's
// upstream identity provider and the invitation sign-up. The sign-in pages
// (internal/authserver/signin) and the operator commands call it.
type Accounts struct {
	svc    *Service
	params PasswordParams

	dummyOnce sync.Once
	dummy     string // a hash to verify against when there is no account, so both cost the same

	// hashing holds a place per password hash being computed: each takes
	// the memory of its parameters (19 MiB by default) and a core, so
	// that many at once is what the server can afford (see argon).
	hashing chan struct{}
}

// HashBusyError: every place for a password hash is taken and none came
// free in time; the person may try again after RetryAfter.
type HashBusyError struct{ RetryAfter time.Duration }

func (e *HashBusyError) Error() string {
	return "too many sign-ins at once: try again in a moment"
}
func (e *HashBusyError) Code() string { return "rate_limited" }

// hashWait is how long a password hash waits for a place before it is
// refused: a few hashes' time, so that a busy moment is not a refusal.
const hashWait = time.Second

// AccountsOption configures Accounts.
type AccountsOption func(*Accounts)

// WithConcurrentHashes bounds the password hashes computed at once (by
// default, one per CPU).
func WithConcurrentHashes(n int) AccountsOption {
	return func(a *Accounts) { a.hashing = make(chan struct{}, max(n, 1)) }
}

// WithPasswordParams sets the argon2id cost of new password hashes (tests
// use a cheap one); hashes made with other parameters still verify.
func WithPasswordParams(p PasswordParams) AccountsOption {
	return func(a *Accounts) { a.params = p }
}

// NewAccounts returns the sign-in rules over svc's store and clock.
func NewAccounts(svc *Service, opts ...AccountsOption) *Accounts {
	a := &Accounts{svc: svc, params: DefaultPasswordParams, hashing: make(chan struct{}, runtime.GOMAXPROCS(0))}
	for _, o := range opts {
		o(a)
	}
	return a
}

// argon runs fn, a password hash or check, once a place is free: argon2id
// takes its memory for each hash, so thirty sign-ins at once took 500 MB
// where this bound keeps it to a few hashes' worth. Past hashWait it
// refuses with *HashBusyError (429 with Retry-After to the person).
func (a *Accounts) argon(ctx context.Context, fn func()) error {
	t := time.NewTimer(hashWait)
	defer t.Stop()
	select {
	case a.hashing <- struct{}{}:
	case <-t.C:
		return &HashBusyError{RetryAfter: time.Second}
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-a.hashing }()
	fn()
	return nil
}

// Credentials are a user's local sign-in secrets. PasswordHash is "" for a
// person who signs in only through the org's provider; TOTPSecret is ""
// until enrollment starts and pending until TOTPConfirmed.
type Credentials struct {
	OrgID         string
	UserID        string
	PasswordHash  string // argon2id PHC string
	TOTPSecret    string // base32
	TOTPConfirmed bool
	TOTPLastStep  int64 // last accepted 30-second step: a code is never accepted twice
	UpdatedAt     time.Time
}

// SignInFailures counts an account's failed attempts within a window (lockout).
type SignInFailures struct {
	OrgID       string
	Email       string // normalized
	Failures    int
	WindowStart time.Time
	LockedUntil *time.Time
}

// Lockout: this many wrong MFA codes within FailureWindow lock the
// account's sign-in for LockoutDuration. Wrong passwords slow their client
// down instead (accounts_throttle.go).
const (
	MaxFailedSignIns = 5
	FailureWindow    = 15 * time.Minute
	LockoutDuration  = 15 * time.Minute
)

// Password length bounds. MFA is always required after the password, so a
// long passphrase without composition rules is the policy (NIST SP 800-63B).
const (
	MinPasswordLength = 12
	MaxPasswordLength = 256
)

// Sign-in errors.
var (
	ErrBadCredentials = &simpleError{code: "bad_credentials",
		msg: "wrong organization, email or password"}
	ErrUserDeactivated = &simpleError{code: "user_deactivated",
		msg: "this account is deactivated and cannot sign in; ask an admin of your organization to activate it"}
)

// SignInLockedError: too many failed attempts; the account may try again at Until.
type SignInLockedError struct{ Until time.Time }

func (e *SignInLockedError) Error() string {
	return fmt.Sprintf("too many failed sign-in attempts: this account is locked until %s UTC; try again then, or ask an admin to help",
		e.Until.UTC().Format("15:04"))
}
func (e *SignInLockedError) Code() string { return "signin_locked" }

// PasswordParams are argon2id's cost parameters; each hash records its own.
type PasswordParams struct {
	Memory  uint32 // KiB
	Time    uint32
	Threads uint8
}

// DefaultPasswordParams are OWASP's argon2id baseline: 19 MiB, 2 passes, 1 lane.
var DefaultPasswordParams = PasswordParams{Memory: 19 * 1024, Time: 2, Threads: 1}

const argonKeyLen = 32

// HashPassword checks the password policy and returns an argon2id hash in
// the PHC string format ($argon2id$v=19$m=…,t=…,p=…$salt$hash).
func (a *Accounts) HashPassword(ctx context.Context, password string) (hash string, err error) {
	if err := checkPassword(password); err != nil {
		return "", err
	}
	err = a.argon(ctx, func() { hash = hashPassword(password, a.params) })
	return hash, err
}

func checkPassword(password string) error {
	n := utf8.RuneCountInString(password)
	if n < MinPasswordLength {
		return &ValidationError{Field: "password", Reason: fmt.Sprintf("is too short: use at least %d characters (a few words make a good one)", MinPasswordLength)}
	}
	if n > MaxPasswordLength {
		return &ValidationError{Field: "password", Reason: fmt.Sprintf("is longer than %d characters", MaxPasswordLength)}
	}
	return nil
}

func hashPassword(password string, p PasswordParams) string {
	salt := make([]byte, 16)
	_, _ = rand.Read(salt)
	key := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads,
		b64.EncodeToString(salt), b64.EncodeToString(key))
}

// verifyPassword compares in constant time; a malformed hash never matches.
func verifyPassword(hash, password string) bool {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var version int
	var p PasswordParams
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil || p.Time == 0 || p.Threads == 0 {
		return false
	}
	b64 := base64.RawStdEncoding
	salt, err1 := b64.DecodeString(parts[4])
	want, err2 := b64.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 {
		return false
	}
	got := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

func (a *Accounts) dummyHash() string {
	a.dummyOnce.Do(func() { a.dummy = hashPassword(randomToken(), a.params) })
	return a.dummy
}

// randomToken is 256 random bits, base64url: session ids, CSRF tokens, states.
func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// RandomToken returns 256 random bits as base64url text, for values the
// sign-in pages make (OAuth state, nonce).
func RandomToken() string { return randomToken() }

// CheckPassword signs a person in with their org, email and password,
// from client (the sender's address, ratelimit.ClientKey). A missing org,
// a missing account and a wrong password are the same ErrBadCredentials,
// at the same cost. Every attempt is counted before the password is
// verified, and too many from a client, or at an account, make the next
// ones wait (accounts_throttle.go); wrong MFA codes lock the account. A
// deactivated user is refused (R9) once the password is right. An org that
// signs in through its provider only takes no password at all
// (*LocalAccountsOffError).
func (a *Accounts) CheckPassword(ctx context.Context, orgSlug, email, password, client string) (User, error) {
	email = normalizeEmail(email)
	var org Org
	err := a.svc.store.View(ctx, func(tx Tx) (err error) {
		if org, err = tx.OrgBySlug(ctx, strings.ToLower(strings.TrimSpace(orgSlug))); err != nil {
			return err
		}
		return checkLocalAccounts(ctx, tx, org.ID)
	})
	if isNotFound(err) {
		// The same cost as a real account.
		if err := a.argon(ctx, func() { verifyPassword(a.dummyHash(), password) }); err != nil {
			return User{}, err
		}
		return User{}, ErrBadCredentials
	}
	if err != nil {
		return User{}, err
	}
	if err := a.throttle(ctx, org.ID, email, client); err != nil {
		return User{}, err
	}
	var u User
	var cred Credentials
	err = a.svc.store.View(ctx, func(tx Tx) error {
		var err error
		if u, err = tx.UserByEmail(ctx, org.ID, email); err != nil {
			return err
		}
		cred, err = tx.Credentials(ctx, org.ID, u.ID)
		return err
	})
	if err != nil && !isNotFound(err) {
		return User{}, err
	}
	hash := cred.PasswordHash
	if hash == "" {
		hash = a.dummyHash()
	}
	var ok bool
	if err := a.argon(ctx, func() { ok = verifyPassword(hash, password) }); err != nil {
		return User{}, err
	}
	if !ok || cred.PasswordHash == "" {
		return User{}, ErrBadCredentials
	}
	if u.CanSignIn() != nil {
		return User{}, ErrUserDeactivated
	}
	return u, a.passwordAccepted(ctx, org.ID, email, client)
}

// checkLock refuses an attempt while the account is locked.
func checkLock(ctx context.Context, tx Tx, orgID, email string, now time.Time) error {
	f, err := tx.SignInFailures(ctx, orgID, email)
	if isNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if f.LockedUntil != nil && now.Before(*f.LockedUntil) {
		return &SignInLockedError{Until: *f.LockedUntil}
	}
	return nil
}

// recordFailure counts a failed attempt inside tx and locks the account at
// the limit; it returns the error for the person (cause, or the lockout).
func recordFailure(ctx context.Context, tx Tx, orgID, email string, now time.Time, cause error) (error, error) {
	f, err := tx.RecordSignInFailure(ctx, orgID, email, now, now.Add(-FailureWindow))
	if err != nil {
		return nil, err
	}
	if f.Failures < MaxFailedSignIns {
		return cause, nil
	}
	until := now.Add(LockoutDuration)
	if err := tx.LockSignIn(ctx, orgID, email, until); err != nil {
		return nil, err
	}
	return &SignInLockedError{Until: until}, nil
}

// SetPassword sets a user's local password: the operator for anyone
// (workspaced user set-password), a user for themself. It ends a lockout.
func (a *Accounts) SetPassword(ctx context.Context, p Principal, ref, password string) (out User, err error) {
	hash, err := a.HashPassword(ctx, password)
	if err != nil {
		return out, err
	}
	err = a.svc.decide(ctx, p, Apply, func(c *change) error {
		tx, now := c.tx, c.now
		u, err := userByRef(ctx, tx, p.OrgID, ref)
		if err != nil {
			return err
		}
		if !p.IsOperator() && p.UserID != u.ID {
			return &ForbiddenError{Reason: "only the operator sets another person's password (workspaced user set-password)"}
		}
		cred, err := tx.Credentials(ctx, p.OrgID, u.ID)
		if isNotFound(err) {
			cred, err = Credentials{OrgID: p.OrgID, UserID: u.ID}, nil
		}
		if err != nil {
			return err
		}
		cred.PasswordHash, cred.UpdatedAt = hash, now
		if err := tx.PutCredentials(ctx, cred); err != nil {
			return err
		}
		if err := unlockSignIn(ctx, tx, p.OrgID, u.Email); err != nil {
			return err
		}
		out = u
		c.record("user.password_set", u.Email, nil, nil)
		return nil
	})
	return out, err
}

// CheckName checks a person's name against R1, for forms that collect one.
func CheckName(name string) (string, error) { return validateName(name) }

// unlockSignIn forgets the account's wrong codes and slowed-down clients.
func unlockSignIn(ctx context.Context, tx Tx, orgID, email string) error {
	if err := tx.ClearSignInFailures(ctx, orgID, normalizeEmail(email)); err != nil {
		return err
	}
	return tx.ClearSignInThrottle(ctx, orgID, normalizeEmail(email))
}
