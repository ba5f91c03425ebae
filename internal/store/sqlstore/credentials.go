package sqlstore

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/wsctl/wsctl/internal/workspace"
)

// Local sign-in credentials, failed-attempt counting and last sign-in
// (migration 00003).

func (t *tx) Credentials(ctx context.Context, orgID, userID string) (workspace.Credentials, error) {
	c := workspace.Credentials{OrgID: orgID, UserID: userID}
	var confirmed int
	var updated string
	err := t.queryRow(ctx, `SELECT password_hash, totp_secret, totp_confirmed, totp_last_step, updated_at
		FROM credentials WHERE org_id = ? AND user_id = ?`, orgID, userID).
		Scan(&c.PasswordHash, &c.TOTPSecret, &confirmed, &c.TOTPLastStep, &updated)
	if err != nil {
		return c, notFound(err, "credentials", userID)
	}
	if c.TOTPSecret, err = sealedTOTP.open(t.keys, userID, c.TOTPSecret); err != nil {
		return c, err
	}
	c.TOTPConfirmed = confirmed != 0
	c.UpdatedAt, err = parseTime(updated)
	return c, err
}

func (t *tx) PutCredentials(ctx context.Context, c workspace.Credentials) error {
	_, err := t.exec(ctx, `INSERT INTO credentials (user_id, org_id, password_hash, totp_secret, totp_confirmed, totp_last_step, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (user_id) DO UPDATE SET password_hash = excluded.password_hash, totp_secret = excluded.totp_secret,
			totp_confirmed = excluded.totp_confirmed, totp_last_step = excluded.totp_last_step, updated_at = excluded.updated_at`,
		c.UserID, c.OrgID, c.PasswordHash, sealedTOTP.seal(t.keys, c.UserID, c.TOTPSecret), boolInt(c.TOTPConfirmed), c.TOTPLastStep, ts(c.UpdatedAt))
	return err
}

// DeleteTOTP keeps totp_last_step: a code of an older step never counts again.
func (t *tx) DeleteTOTP(ctx context.Context, orgID, userID string) error {
	_, err := t.exec(ctx, `UPDATE credentials SET totp_secret = '', totp_confirmed = 0 WHERE org_id = ? AND user_id = ?`, orgID, userID)
	return err
}

func (t *tx) UseTOTPStep(ctx context.Context, orgID, userID string, step int64) (bool, error) {
	res, err := t.exec(ctx, `UPDATE credentials SET totp_last_step = ? WHERE org_id = ? AND user_id = ? AND totp_last_step < ?`,
		step, orgID, userID, step)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

func (t *tx) SetLastSignIn(ctx context.Context, orgID, userID string, at time.Time) error {
	res, err := t.exec(ctx, `UPDATE users SET last_sign_in_at = ? WHERE org_id = ? AND id = ?`, ts(at), orgID, userID)
	if err != nil {
		return err
	}
	return checkAffected(res, "user", userID)
}

func (t *tx) SignInFailures(ctx context.Context, orgID, email string) (workspace.SignInFailures, error) {
	f := workspace.SignInFailures{OrgID: orgID, Email: strings.ToLower(email)}
	var start string
	var locked sql.NullString
	err := t.queryRow(ctx, `SELECT failures, window_start, locked_until FROM signin_failures WHERE org_id = ? AND email_norm = ?`,
		orgID, f.Email).Scan(&f.Failures, &start, &locked)
	if err != nil {
		return f, notFound(err, "sign-in failures", email)
	}
	if f.WindowStart, err = parseTime(start); err != nil {
		return f, err
	}
	f.LockedUntil, err = parseTimePtr(locked)
	return f, err
}

// RecordSignInFailure is one upsert, so concurrent failures all count.
func (t *tx) RecordSignInFailure(ctx context.Context, orgID, email string, at, windowStart time.Time) (workspace.SignInFailures, error) {
	_, err := t.exec(ctx, `INSERT INTO signin_failures (org_id, email_norm, failures, window_start) VALUES (?, ?, 1, ?)
		ON CONFLICT (org_id, email_norm) DO UPDATE SET
			failures = CASE WHEN signin_failures.window_start < ? THEN 1 ELSE signin_failures.failures + 1 END,
			window_start = CASE WHEN signin_failures.window_start < ? THEN excluded.window_start ELSE signin_failures.window_start END`,
		orgID, strings.ToLower(email), ts(at), ts(windowStart), ts(windowStart))
	if err != nil {
		return workspace.SignInFailures{}, err
	}
	return t.SignInFailures(ctx, orgID, email)
}

func (t *tx) LockSignIn(ctx context.Context, orgID, email string, until time.Time) error {
	_, err := t.exec(ctx, `UPDATE signin_failures SET locked_until = ? WHERE org_id = ? AND email_norm = ?`,
		ts(until), orgID, strings.ToLower(email))
	return err
}

func (t *tx) ClearSignInFailures(ctx context.Context, orgID, email string) error {
	_, err := t.exec(ctx, `DELETE FROM signin_failures WHERE org_id = ? AND email_norm = ?`, orgID, strings.ToLower(email))
	return err
}

// CountSignInAttempt is one upsert, so concurrent attempts all count and
// each sees the others' blocks once it holds the row.
func (t *tx) CountSignInAttempt(ctx context.Context, orgID, email, client string, at, windowStart time.Time) (workspace.SignInThrottle, error) {
	email = strings.ToLower(email)
	_, err := t.exec(ctx, `INSERT INTO signin_throttle (org_id, email_norm, client, failures, window_start) VALUES (?, ?, ?, 1, ?)
		ON CONFLICT (org_id, email_norm, client) DO UPDATE SET
			failures = CASE WHEN signin_throttle.window_start < ? THEN 1 ELSE signin_throttle.failures + 1 END,
			window_start = CASE WHEN signin_throttle.window_start < ? THEN excluded.window_start ELSE signin_throttle.window_start END`,
		orgID, email, client, ts(at), ts(windowStart), ts(windowStart))
	if err != nil {
		return workspace.SignInThrottle{}, err
	}
	th := workspace.SignInThrottle{OrgID: orgID, Email: email, Client: client}
	var start string
	var blocked, succeeded sql.NullString
	err = t.queryRow(ctx, `SELECT failures, window_start, blocked_until, succeeded_at FROM signin_throttle WHERE org_id = ? AND email_norm = ? AND client = ?`,
		orgID, email, client).Scan(&th.Failures, &start, &blocked, &succeeded)
	if err != nil {
		return th, err
	}
	if th.WindowStart, err = parseTime(start); err != nil {
		return th, err
	}
	if th.BlockedUntil, err = parseTimePtr(blocked); err != nil {
		return th, err
	}
	th.SucceededAt, err = parseTimePtr(succeeded)
	return th, err
}

func (t *tx) BlockSignIn(ctx context.Context, orgID, email, client string, until time.Time) error {
	_, err := t.exec(ctx, `UPDATE signin_throttle SET blocked_until = ? WHERE org_id = ? AND email_norm = ? AND client = ?`,
		ts(until), orgID, strings.ToLower(email), client)
	return err
}

func (t *tx) SignInSucceededFrom(ctx context.Context, orgID, email, client string, at time.Time) error {
	_, err := t.exec(ctx, `INSERT INTO signin_throttle (org_id, email_norm, client, failures, window_start, succeeded_at) VALUES (?, ?, ?, 0, ?, ?)
		ON CONFLICT (org_id, email_norm, client) DO UPDATE SET failures = 0, window_start = excluded.window_start,
			blocked_until = NULL, succeeded_at = excluded.succeeded_at`,
		orgID, strings.ToLower(email), client, ts(at), ts(at))
	return err
}

func (t *tx) ClearSignInThrottle(ctx context.Context, orgID, email string) error {
	_, err := t.exec(ctx, `DELETE FROM signin_throttle WHERE org_id = ? AND email_norm = ?`, orgID, strings.ToLower(email))
	return err
}
