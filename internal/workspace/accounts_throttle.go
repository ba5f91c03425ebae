package workspace

import (
	"context"
	"fmt"
	"time"
)

// Password sign-in is throttled, not locked (security finding 5 of issue
// 12): a lockout that five wrong passwords from anywhere trigger lets
// anyone lock any account, admins included, again and again. Instead:
//
//   - each client (address, or IPv6 /64) gets FreeSignInAttempts attempts
//     per account in SignInWindow; past them it waits a delay that doubles
//     with each more attempt, up to MaxClientSignInDelay. The owner at
//     another address is not slowed at all;
//   - across every client, past FreeAccountSignInAttempts the account is
//     slowed the same way, but by at most MaxAccountSignInDelay, and never
//     for a client it signed in from before (MFA included). A guesser with
//     many addresses gets about two guesses a minute; the owner, at worst,
//     waits half a minute;
//   - an admin clears both at once ('wsctl users unlock').
//
// Wrong MFA codes still lock the account (MaxFailedSignIns): reaching them
// takes the password, so nobody else can trigger that lock.
const (
	FreeSignInAttempts        = 5
	FreeAccountSignInAttempts = 20
	SignInWindow              = 15 * time.Minute
	MaxClientSignInDelay      = 15 * time.Minute
	MaxAccountSignInDelay     = 30 * time.Second
	// familiarFor is how long a client the account signed in from stays
	// exempt from the account-wide slowdown.
	familiarFor = 90 * 24 * time.Hour
)

// accountClient is the client key of the account-wide count.
const accountClient = "*"

// SignInThrottle counts an account's password attempts from one client
// (or from every client: Client "*") within a window.
type SignInThrottle struct {
	OrgID        string
	Email        string // normalized
	Client       string
	Failures     int
	WindowStart  time.Time
	BlockedUntil *time.Time
	SucceededAt  *time.Time
}

// SignInThrottledError: too many attempts from this client (or at this
// account): the next may come at Until.
type SignInThrottledError struct{ Until time.Time }

func (e *SignInThrottledError) Error() string {
	return fmt.Sprintf("too many sign-in attempts: wait until %s UTC before trying again (an admin can lift this with 'wsctl users unlock')",
		e.Until.UTC().Format("15:04:05"))
}
func (e *SignInThrottledError) Code() string { return "rate_limited" }

// signInDelay is the wait after the n-th attempt past the free ones:
// 1 s, 2 s, 4 s … up to most.
func signInDelay(n int, most time.Duration) time.Duration {
	if n > 20 {
		return most
	}
	return min(time.Second<<(n-1), most)
}

// throttle counts one password attempt of the account from client before
// the password is checked, so that a burst of concurrent guesses cannot
// all pass; it refuses while client, or the account for a client it never
// signed in from, must wait. It also refuses while wrong MFA codes lock
// the account.
func (a *Accounts) throttle(ctx context.Context, orgID, email, client string) error {
	return a.svc.store.Update(ctx, func(tx Tx) error {
		now := a.svc.clock()
		if err := checkLock(ctx, tx, orgID, email, now); err != nil {
			return err
		}
		own, err := tx.CountSignInAttempt(ctx, orgID, email, client, now, now.Add(-SignInWindow))
		if err != nil {
			return err
		}
		if err := blocked(own, now); err != nil {
			return err
		}
		familiar := own.SucceededAt != nil && now.Sub(*own.SucceededAt) < familiarFor
		if !familiar {
			all, err := tx.CountSignInAttempt(ctx, orgID, email, accountClient, now, now.Add(-SignInWindow))
			if err != nil {
				return err
			}
			if err := blocked(all, now); err != nil {
				return err
			}
			if err := slowDown(ctx, tx, all, FreeAccountSignInAttempts, MaxAccountSignInDelay, now); err != nil {
				return err
			}
		}
		return slowDown(ctx, tx, own, FreeSignInAttempts, MaxClientSignInDelay, now)
	})
}

func blocked(th SignInThrottle, now time.Time) error {
	if th.BlockedUntil != nil && now.Before(*th.BlockedUntil) {
		return &SignInThrottledError{Until: *th.BlockedUntil}
	}
	return nil
}

// slowDown makes the attempt after this one wait, once the free ones are used.
func slowDown(ctx context.Context, tx Tx, th SignInThrottle, free int, most time.Duration, now time.Time) error {
	if th.Failures < free {
		return nil
	}
	return tx.BlockSignIn(ctx, th.OrgID, th.Email, th.Client, now.Add(signInDelay(th.Failures-free+1, most)))
}

// passwordAccepted clears client's count once its password was right, and
// remembers it as a client the account signs in from. The MFA lockout's
// count is not touched: a right password buys no more code guesses.
func (a *Accounts) passwordAccepted(ctx context.Context, orgID, email, client string) error {
	return a.svc.store.Update(ctx, func(tx Tx) error {
		return tx.SignInSucceededFrom(ctx, orgID, email, client, a.svc.clock())
	})
}
