package workspace

import (
	"context"
	"crypto/subtle"
	"encoding/base32"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/hotp"
	"github.com/pquerna/otp/totp"
)

// TOTP (RFC 6238) as authenticator apps expect it: SHA-1, 6 digits, 30 s,
// and one step of clock drift either way.
const (
	totpPeriod = 30
	totpSkew   = 1
)

// TOTP errors.
var (
	ErrWrongCode = &simpleError{code: "wrong_code",
		msg: "that code is not right: enter the 6-digit code your authenticator app shows now"}
	ErrCodeReused = &simpleError{code: "code_reused",
		msg: "that code was already used: wait for the next one (a new code appears every 30 seconds)"}
	ErrMFAAlreadyEnrolled = &simpleError{code: "mfa_already_enrolled",
		msg: "MFA is already set up for this account; to set it up again, an admin resets it ('wsctl mfa reset EMAIL')"}
	ErrMFANotEnrolled = &simpleError{code: "mfa_not_enrolled",
		msg: "MFA is not set up for this account yet: set it up first"}
)

// TOTPEnrollment is a secret to add to an authenticator app: Secret in
// base32 for typing, URL (otpauth://) for the QR code.
type TOTPEnrollment struct {
	Secret string
	URL    string
}

var totpSecretEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// totpKey makes the enrollment of secret ("" for a new random one).
func totpKey(orgSlug, email, secret string) (TOTPEnrollment, error) {
	opts := totp.GenerateOpts{Issuer: "Workspace " + orgSlug, AccountName: email, Period: totpPeriod,
		Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}
	if secret != "" {
		raw, err := totpSecretEncoding.DecodeString(strings.ToUpper(secret))
		if err != nil {
			return TOTPEnrollment{}, err
		}
		opts.Secret = raw
	}
	key, err := totp.Generate(opts)
	if err != nil {
		return TOTPEnrollment{}, err
	}
	return TOTPEnrollment{Secret: key.Secret(), URL: key.URL()}, nil
}

// totpStep finds the time step whose code is code, within the allowed
// drift, comparing in constant time; ok is false for a wrong code.
func totpStep(secret, code string, now time.Time) (step int64, ok bool) {
	code = strings.Join(strings.Fields(code), "")
	if len(code) != 6 {
		return 0, false
	}
	current := now.Unix() / totpPeriod
	for s := current - totpSkew; s <= current+totpSkew; s++ {
		want, err := hotp.GenerateCodeCustom(secret, uint64(s), hotp.ValidateOpts{Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
		if err != nil {
			return 0, false
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			step, ok = s, true
		}
	}
	return step, ok
}

// NewTOTPEnrollment makes a secret that is not stored yet: the invitation
// sign-up keeps it in the browser session until the person exists.
func (a *Accounts) NewTOTPEnrollment(orgSlug, email string) (TOTPEnrollment, error) {
	return totpKey(orgSlug, email, "")
}

// TOTPEnrollmentOf rebuilds the enrollment (QR URL) of a secret.
func (a *Accounts) TOTPEnrollmentOf(orgSlug, email, secret string) (TOTPEnrollment, error) {
	return totpKey(orgSlug, email, secret)
}

// CheckTOTPCode checks a code against a secret that is not stored yet and
// returns its time step (ErrWrongCode if it does not match).
func (a *Accounts) CheckTOTPCode(secret, code string) (int64, error) {
	step, ok := totpStep(secret, code, a.svc.clock())
	if !ok {
		return 0, ErrWrongCode
	}
	return step, nil
}

// TOTPEnrolled tells whether the user has confirmed TOTP; if not, the next
// sign-in enrolls (first sign-in, or after R12's reset).
func (a *Accounts) TOTPEnrolled(ctx context.Context, orgID, userID string) (enrolled bool, err error) {
	err = a.svc.store.View(ctx, func(tx Tx) error {
		u, err := tx.UserByID(ctx, orgID, userID)
		if err != nil {
			return err
		}
		cred, err := tx.Credentials(ctx, orgID, userID)
		if isNotFound(err) {
			return nil
		}
		enrolled = err == nil && u.MFAEnrolled && cred.TOTPConfirmed && cred.TOTPSecret != ""
		return err
	})
	return enrolled, err
}

// BeginTOTPEnrollment gives the user a secret to add to their authenticator
// app; it stays pending until ConfirmTOTP. A pending secret is shown again
// rather than replaced, so reloading the page keeps the one already scanned.
func (a *Accounts) BeginTOTPEnrollment(ctx context.Context, orgID, userID string) (out TOTPEnrollment, err error) {
	err = a.svc.store.Update(ctx, func(tx Tx) error {
		now := a.svc.clock()
		org, err := tx.OrgByID(ctx, orgID)
		if err != nil {
			return err
		}
		u, err := tx.UserByID(ctx, orgID, userID)
		if err != nil {
			return err
		}
		if u.CanSignIn() != nil {
			return ErrUserDeactivated
		}
		cred, err := tx.Credentials(ctx, orgID, userID)
		if isNotFound(err) {
			cred, err = Credentials{OrgID: orgID, UserID: userID}, nil
		}
		if err != nil {
			return err
		}
		if cred.TOTPConfirmed && cred.TOTPSecret != "" && u.MFAEnrolled {
			return ErrMFAAlreadyEnrolled
		}
		if cred.TOTPSecret != "" && !cred.TOTPConfirmed {
			out, err = totpKey(org.Slug, u.Email, cred.TOTPSecret)
			return err
		}
		if out, err = totpKey(org.Slug, u.Email, ""); err != nil {
			return err
		}
		cred.TOTPSecret, cred.TOTPConfirmed, cred.UpdatedAt = out.Secret, false, now
		return tx.PutCredentials(ctx, cred)
	})
	return out, err
}

// ConfirmTOTP finishes enrollment with the first code from the app: the
// secret is confirmed, the user is MFA-enrolled, and this sign-in is
// complete. A wrong code counts towards the lockout.
func (a *Accounts) ConfirmTOTP(ctx context.Context, orgID, userID, code, requestID string) (User, error) {
	var out User
	var result error
	err := a.svc.decide(ctx, Principal{OrgID: orgID, UserID: userID, RequestID: requestID}, Apply, func(c *change) error {
		tx, now := c.tx, c.now
		u, cred, err := signInState(ctx, tx, orgID, userID, now)
		if err != nil {
			return err
		}
		if cred.TOTPSecret == "" {
			return ErrMFANotEnrolled
		}
		if cred.TOTPConfirmed && u.MFAEnrolled {
			return ErrMFAAlreadyEnrolled
		}
		step, ok := totpStep(cred.TOTPSecret, code, now)
		if !ok {
			result, err = recordFailure(ctx, tx, orgID, normalizeEmail(u.Email), now, ErrWrongCode)
			return err
		}
		cred.TOTPConfirmed, cred.TOTPLastStep, cred.UpdatedAt = true, step, now
		if err := tx.PutCredentials(ctx, cred); err != nil {
			return err
		}
		out, err = a.markEnrolled(ctx, c, u, requestID)
		return err
	})
	if err != nil {
		return User{}, err
	}
	return out, result
}

// markEnrolled records the user's enrollment and completed sign-in.
// The person enrolling is the actor of the change.
func (a *Accounts) markEnrolled(ctx context.Context, c *change, u User, requestID string) (User, error) {
	after := u
	after.MFAEnrolled, after.UpdatedAt, after.Version = true, c.now, u.Version+1
	if err := c.tx.UpdateUser(ctx, after); err != nil {
		return User{}, err
	}
	person := Principal{OrgID: u.OrgID, UserID: u.ID, Email: u.Email, RequestID: requestID}
	c.recordAs(person, "user.mfa_enrolled", u.Email, snapshotUser(u), snapshotUser(after))
	return a.signedIn(ctx, c.tx, after, c.now)
}

// signedIn records a completed sign-in: last_sign_in_at, and no more failures.
func (a *Accounts) signedIn(ctx context.Context, tx Tx, u User, now time.Time) (User, error) {
	if err := tx.SetLastSignIn(ctx, u.OrgID, u.ID, now); err != nil {
		return User{}, err
	}
	if err := tx.ClearSignInFailures(ctx, u.OrgID, normalizeEmail(u.Email)); err != nil {
		return User{}, err
	}
	u.LastSignInAt = &now
	return u, nil
}

// VerifyTOTP checks the code of an enrolled user at sign-in. A code is
// accepted once: the same code again, or an older one, is ErrCodeReused.
// Wrong and reused codes count towards the lockout.
func (a *Accounts) VerifyTOTP(ctx context.Context, orgID, userID, code string) (User, error) {
	var out User
	var result error
	err := a.svc.store.Update(ctx, func(tx Tx) error {
		now := a.svc.clock()
		u, cred, err := signInState(ctx, tx, orgID, userID, now)
		if err != nil {
			return err
		}
		if !cred.TOTPConfirmed || cred.TOTPSecret == "" || !u.MFAEnrolled {
			return ErrMFANotEnrolled
		}
		email := normalizeEmail(u.Email)
		step, ok := totpStep(cred.TOTPSecret, code, now)
		if !ok {
			result, err = recordFailure(ctx, tx, orgID, email, now, ErrWrongCode)
			return err
		}
		fresh, err := tx.UseTOTPStep(ctx, orgID, userID, step)
		if err != nil {
			return err
		}
		if !fresh {
			result, err = recordFailure(ctx, tx, orgID, email, now, ErrCodeReused)
			return err
		}
		out, err = a.signedIn(ctx, tx, u, now)
		return err
	})
	if err != nil {
		return User{}, err
	}
	return out, result
}

// signInState loads an active, unlocked user and their credentials.
func signInState(ctx context.Context, tx Tx, orgID, userID string, now time.Time) (User, Credentials, error) {
	u, err := tx.UserByID(ctx, orgID, userID)
	if err != nil {
		return User{}, Credentials{}, err
	}
	if u.CanSignIn() != nil {
		return User{}, Credentials{}, ErrUserDeactivated
	}
	if err := checkLock(ctx, tx, orgID, normalizeEmail(u.Email), now); err != nil {
		return User{}, Credentials{}, err
	}
	cred, err := tx.Credentials(ctx, orgID, userID)
	if isNotFound(err) {
		return u, Credentials{OrgID: orgID, UserID: userID}, nil
	}
	return u, cred, err
}
