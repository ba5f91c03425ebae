package sqlstore_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/wsctl/wsctl/internal/authserver/grants"
	"github.com/wsctl/wsctl/internal/store/postgres"
	"github.com/wsctl/wsctl/internal/store/sqlite"
	"github.com/wsctl/wsctl/internal/store/sqlstore"
	"github.com/wsctl/wsctl/internal/testutil/pgtest"
	"github.com/wsctl/wsctl/internal/testutil/sessiontest"
	"github.com/wsctl/wsctl/internal/workspace"
)

func TestMain(m *testing.M) {
	code := m.Run()
	pgtest.Stop()
	os.Exit(code)
}

// eachStore runs a test of the OAuth storage (migration 00002) on SQLite
// and on PostgreSQL, which must accept the same SQL.
func eachStore(t *testing.T, test func(t *testing.T, s *sqlstore.Store)) {
	t.Run("sqlite", func(t *testing.T) {
		s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "ws.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		test(t, s)
	})
	t.Run("postgres", func(t *testing.T) {
		s, err := postgres.Open(context.Background(), pgtest.NewDatabase(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		test(t, s)
	})
}

// grantFixture is an org with one active user and a grant's tokens.
type grantFixture struct {
	svc  *workspace.Service
	org  workspace.Org
	user workspace.User
}

func newGrantFixture(t *testing.T, s *sqlstore.Store) grantFixture {
	t.Helper()
	svc := workspace.NewService(s)
	n, err := svc.CreateOrg(context.Background(), workspace.OrgInput{Slug: "acme", Name: "Acme", AdminName: "Ada Admin", AdminEmail: "ada@acme.example"})
	if err != nil {
		t.Fatal(err)
	}
	bob, err := svc.AddUser(context.Background(), workspace.Operator(n.Org.ID), workspace.InviteInput{
		Name: "Bob User", Email: "bob@acme.example", Roles: []string{"user"}, Licenses: []string{"flow"}})
	if err != nil {
		t.Fatal(err)
	}
	return grantFixture{svc: svc, org: n.Org, user: bob.Value}
}

var t0 = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)

// insertAuthRequest stores a pending code-flow request of wsctl made at now.
func insertAuthRequest(t *testing.T, s *sqlstore.Store, id string, now time.Time) {
	t.Helper()
	req := grants.AuthRequest{ID: id, ClientID: "wsctl", RedirectURI: "http://127.0.0.1:1/callback", Scopes: []string{"openid"},
		ResponseType: "code", CodeChallenge: "c", CodeChallengeMethod: "S256", CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
	if err := s.InsertAuthRequest(context.Background(), req, now); err != nil {
		t.Fatal(err)
	}
}

// signIn is a sign-in of the fixture's user, past MFA, as the sign-in
// pages make one, and what completing from it records.
func (f grantFixture) signIn(t *testing.T) grants.SignIn {
	t.Helper()
	sess := sessiontest.SignedIn(t, f.svc, f.org.ID, f.user.ID)
	return grants.SignIn{SessionIDHash: sess.IDHash, UserID: f.user.ID, AMR: sess.AMR, AuthTime: *sess.AuthTime}
}

func (f grantFixture) tokens(family, suffix string) (grants.AccessToken, grants.RefreshToken) {
	a := grants.AccessToken{IDHash: "at-" + family + suffix, FamilyID: family, ClientID: "wsctl", UserID: f.user.ID, OrgID: f.org.ID,
		Scopes: []string{"openid", "users:read"}, CreatedAt: t0, ExpiresAt: t0.Add(10 * time.Minute)}
	r := grants.RefreshToken{Hash: "rt-" + family + suffix, FamilyID: family, ClientID: "wsctl", UserID: f.user.ID, OrgID: f.org.ID,
		Scopes: []string{"openid", "offline_access", "users:read"}, AMR: []string{"pwd", "otp"}, AuthTime: t0,
		CreatedAt: t0, ExpiresAt: t0.Add(30 * 24 * time.Hour)}
	return a, r
}

// TestOAuthKey_CreatedOnce: concurrent first calls agree on one secret.
func TestOAuthKey_CreatedOnce(t *testing.T) {
	eachStore(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		const n = 6
		got := make([]string, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				k, err := s.Key(ctx, "k", func() (string, error) { return "secret-" + string(rune('a'+i)), nil })
				if err != nil {
					t.Error(err)
				}
				got[i] = k
			}()
		}
		wg.Wait()
		for _, k := range got {
			if k != got[0] || k == "" {
				t.Fatalf("servers disagree on the key: %v", got)
			}
		}
	})
}

// TestOAuthRefresh_ReuseRevokesFamily: rotation spends a token once; a
// second rotation of it revokes the family, committed even though it fails.
func TestOAuthRefresh_ReuseRevokesFamily(t *testing.T) {
	eachStore(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		f := newGrantFixture(t, s)
		a1, r1 := f.tokens("fam_1", "a")
		if err := s.IssueTokens(ctx, grants.Issue{Access: a1, Refresh: &r1}); err != nil {
			t.Fatal(err)
		}
		a2, r2 := f.tokens("fam_1", "b")
		if err := s.RotateRefreshToken(ctx, r1.Hash, t0.Add(time.Minute), a2, r2); err != nil {
			t.Fatal(err)
		}
		got, err := s.RefreshToken(ctx, r1.Hash)
		if err != nil || got.UsedAt == nil || got.Holder.Email != f.user.Email || got.Scopes[1] != "offline_access" || got.AMR[1] != "otp" {
			t.Fatalf("spent token %+v, %v", got, err)
		}
		a3, r3 := f.tokens("fam_1", "c")
		if err := s.RotateRefreshToken(ctx, r1.Hash, t0.Add(2*time.Minute), a3, r3); !errors.Is(err, grants.ErrRefreshTokenReused) {
			t.Fatalf("reuse: %v, want ErrRefreshTokenReused", err)
		}
		for _, h := range []string{a1.IDHash, a2.IDHash} {
			if a, err := s.AccessToken(ctx, h); err != nil || a.RevokedAt == nil {
				t.Errorf("access token %s after the reuse: %+v, %v; want revoked", h, a, err)
			}
		}
		if r, err := s.RefreshToken(ctx, r2.Hash); err != nil || r.RevokedAt == nil {
			t.Errorf("newest refresh token after the reuse: %+v, %v; want revoked", r, err)
		}
		if _, err := s.RefreshToken(ctx, r3.Hash); err == nil {
			t.Error("the reuse stored a successor")
		}
	})
}

// TestOAuthIssue_ConsumesAuthRequestOnce: a code's request gives tokens once.
func TestOAuthIssue_ConsumesAuthRequestOnce(t *testing.T) {
	eachStore(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		f := newGrantFixture(t, s)
		insertAuthRequest(t, s, "ar_1", t0)
		if err := s.CompleteAuthRequest(ctx, "ar_1", f.signIn(t)); err != nil {
			t.Fatal(err)
		}
		if err := s.SaveAuthCode(ctx, "ar_1", "code-hash", t0.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		got, err := s.AuthRequestByCode(ctx, "code-hash")
		if err != nil || got.UserID != f.user.ID || got.AuthTime == nil || got.CodeExpiresAt == nil {
			t.Fatalf("by code: %+v, %v", got, err)
		}
		a, _ := f.tokens("fam_1", "a")
		if err := s.IssueTokens(ctx, grants.Issue{AuthRequestID: "ar_1", Access: a}); err != nil {
			t.Fatal(err)
		}
		b, _ := f.tokens("fam_2", "a")
		if err := s.IssueTokens(ctx, grants.Issue{AuthRequestID: "ar_1", Access: b}); !errors.Is(err, grants.ErrAuthCodeReused) {
			t.Fatalf("second issue for one request: %v, want ErrAuthCodeReused", err)
		}
		if got, _ := s.AccessToken(ctx, b.IDHash); got.IDHash != "" {
			t.Errorf("the second issue stored a token: %+v", got)
		}
		if got, _ := s.AccessToken(ctx, a.IDHash); got.RevokedAt == nil {
			t.Error("the first issue's token survived the second use of its code")
		}
		var nf *workspace.NotFoundError
		if err := s.IssueTokens(ctx, grants.Issue{AuthRequestID: "ar_unknown", Access: b}); !errors.As(err, &nf) {
			t.Fatalf("issue for an unknown request: %v, want not found", err)
		}
		// The used request stays, naming the family its code gave, even when
		// deleted (zitadel deletes it after issuing), so that the code is
		// recognised if it comes again.
		if err := s.DeleteAuthRequest(ctx, "ar_1"); err != nil {
			t.Fatal(err)
		}
		if got, err := s.AuthRequestByCode(ctx, "code-hash"); err != nil || got.UsedAt == nil || got.FamilyID != "fam_1" {
			t.Errorf("used request: %+v, %v; want used, family fam_1", got, err)
		}
	})
}

// TestOAuthRevokeUserSessions_R9_R12: the statements RevokeUserSessions
// runs revoke the user's tokens, pending codes and device approvals.
func TestOAuthRevokeUserSessions_R9_R12(t *testing.T) {
	eachStore(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		f := newGrantFixture(t, s)
		a, r := f.tokens("fam_1", "a")
		if err := s.IssueTokens(ctx, grants.Issue{Access: a, Refresh: &r}); err != nil {
			t.Fatal(err)
		}
		dev := grants.DeviceRequest{DeviceCodeHash: "dc", UserCode: "BCDF-GHJK", ClientID: "wsctl", CreatedAt: t0, ExpiresAt: time.Now().Add(time.Hour)}
		if err := s.InsertDeviceRequest(ctx, dev, t0); err != nil {
			t.Fatal(err)
		}
		if err := s.ApproveDeviceRequest(ctx, dev.UserCode, f.signIn(t), time.Now()); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.ResetMFA(ctx, workspace.Operator(f.org.ID), f.user.Email); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.AccessToken(ctx, a.IDHash); got.RevokedAt == nil {
			t.Error("access token not revoked")
		}
		if got, _ := s.RefreshToken(ctx, r.Hash); got.RevokedAt == nil {
			t.Error("refresh token not revoked")
		}
		if got, _ := s.DeviceRequestByCode(ctx, "dc"); got.DeniedAt == nil {
			t.Error("device approval not withdrawn")
		}
		// A deactivated user gets no new tokens.
		if _, err := f.svc.Deactivate(ctx, workspace.Operator(f.org.ID), f.user.Email); err != nil {
			t.Fatal(err)
		}
		b, _ := f.tokens("fam_2", "a")
		if err := s.IssueTokens(ctx, grants.Issue{Access: b}); !errors.Is(err, workspace.ErrUnauthenticated) {
			t.Fatalf("tokens for a deactivated user: %v", err)
		}
	})
}

// TestOAuthDevice_UserCodesUniqueExpiredPurged: a live user code cannot be
// issued twice; an expired one is purged and can be.
func TestOAuthDevice_UserCodesUniqueExpiredPurged(t *testing.T) {
	eachStore(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		d := grants.DeviceRequest{DeviceCodeHash: "dc1", UserCode: "BCDF-GHJK", ClientID: "wsctl", Scopes: []string{"openid"}, CreatedAt: t0, ExpiresAt: t0.Add(time.Minute)}
		if err := s.InsertDeviceRequest(ctx, d, t0); err != nil {
			t.Fatal(err)
		}
		d2 := d
		d2.DeviceCodeHash = "dc2"
		if err := s.InsertDeviceRequest(ctx, d2, t0); !errors.Is(err, grants.ErrUserCodeTaken) {
			t.Fatalf("a live user code twice: %v, want ErrUserCodeTaken", err)
		}
		d2.CreatedAt, d2.ExpiresAt = t0.Add(2*time.Minute), t0.Add(3*time.Minute)
		if err := s.InsertDeviceRequest(ctx, d2, t0.Add(2*time.Minute)); err != nil {
			t.Fatalf("the user code of an expired request: %v", err)
		}
		if err := s.PurgeExpired(ctx, t0.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if _, err := s.DeviceRequestByCode(ctx, "dc2"); err == nil {
			t.Fatal("PurgeExpired kept an expired request")
		}
	})
}

// An authorization (code or device) is completed only from a browser
// session still signed in, checked in the transaction that binds it: the
// pages check the session before, in another transaction, and an MFA reset
// (R12; R9 revokes the same way) may end it in between.
func TestOAuthComplete_FromAnEndedSessionRefused_R12(t *testing.T) {
	eachStore(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		f := newGrantFixture(t, s)
		ended := f.signIn(t)
		if _, err := f.svc.ResetMFA(ctx, workspace.Operator(f.org.ID), f.user.Email); err != nil {
			t.Fatal(err)
		}
		live := f.signIn(t) // signed in again after the reset
		now := time.Now().UTC()
		for i, by := range []grants.SignIn{ended, live} {
			id := []string{"ar_ended", "ar_live"}[i]
			insertAuthRequest(t, s, id, now)
			dev := grants.DeviceRequest{DeviceCodeHash: "dc-" + id, UserCode: []string{"BCDF-GHJK", "LMNP-QRST"}[i], ClientID: "wsctl",
				CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
			if err := s.InsertDeviceRequest(ctx, dev, now); err != nil {
				t.Fatal(err)
			}
			errCode := s.CompleteAuthRequest(ctx, id, by)
			errDevice := s.ApproveDeviceRequest(ctx, dev.UserCode, by, now)
			if i == 0 { // the ended session
				if workspace.CodeOf(errCode) != "session_invalid" || workspace.CodeOf(errDevice) != "session_invalid" {
					t.Errorf("from the ended session: code %v, device %v; want session_invalid", errCode, errDevice)
				}
				if got, _ := s.AuthRequest(ctx, id); got.UserID != "" {
					t.Errorf("the refused request was bound to %s", got.UserID)
				}
			} else if errCode != nil || errDevice != nil {
				t.Errorf("from the session after the reset: code %v, device %v", errCode, errDevice)
			}
		}
		other := live
		other.UserID = "usr_someone_else"
		if err := s.CompleteAuthRequest(ctx, "ar_ended", other); err == nil {
			t.Error("a session completed an authorization for another user")
		}
	})
}

// Completions racing MFA resets (R12): whatever the interleaving, an
// authorization completed from a session the reset ends never stays
// usable: either the completion was refused or the reset revoked it.
func TestOAuthComplete_RacingResets_NeverLeaveAUsableGrant_R12(t *testing.T) {
	eachStore(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		f := newGrantFixture(t, s)
		for i := range 25 {
			by := f.signIn(t)
			now := time.Now().UTC()
			id := fmt.Sprintf("ar_%d", i)
			insertAuthRequest(t, s, id, now)
			var wg sync.WaitGroup
			var completeErr, resetErr error
			wg.Go(func() { completeErr = s.CompleteAuthRequest(ctx, id, by) })
			wg.Go(func() { _, resetErr = f.svc.ResetMFA(ctx, workspace.Operator(f.org.ID), f.user.Email) })
			wg.Wait()
			if resetErr != nil {
				t.Fatal(resetErr)
			}
			got, err := s.AuthRequest(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if completeErr == nil && got.RevokedAt == nil {
				t.Fatalf("round %d: completed and not revoked: %+v", i, got)
			}
			if completeErr != nil && workspace.CodeOf(completeErr) != "session_invalid" {
				t.Fatalf("round %d: completion failed with %v", i, completeErr)
			}
		}
	})
}

// Two exchanges of one code at once (RFC 6749 §4.1.2): one stores its
// tokens, the other finds the code used and revokes them; neither client
// keeps a working grant.
func TestOAuthIssue_ConcurrentExchangesOfOneCodeRevokeBoth(t *testing.T) {
	eachStore(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		f := newGrantFixture(t, s)
		now := time.Now().UTC()
		insertAuthRequest(t, s, "ar_1", now)
		if err := s.CompleteAuthRequest(ctx, "ar_1", f.signIn(t)); err != nil {
			t.Fatal(err)
		}
		var errs [2]error
		var access [2]grants.AccessToken
		var wg sync.WaitGroup
		for i := range 2 {
			access[i], _ = f.tokens(fmt.Sprintf("fam_%d", i), "a")
			access[i].CreatedAt, access[i].ExpiresAt = now, now.Add(10*time.Minute)
			wg.Go(func() { errs[i] = s.IssueTokens(ctx, grants.Issue{AuthRequestID: "ar_1", Access: access[i]}) })
		}
		wg.Wait()
		won := 0
		for i, err := range errs {
			switch {
			case err == nil:
				won = i
			case !errors.Is(err, grants.ErrAuthCodeReused):
				t.Fatalf("exchange %d: %v, want success or ErrAuthCodeReused", i, err)
			}
		}
		if (errs[0] == nil) == (errs[1] == nil) {
			t.Fatalf("exchanges: %v, %v; want exactly one to store its tokens", errs[0], errs[1])
		}
		if got, err := s.AccessToken(ctx, access[won].IDHash); err != nil || got.RevokedAt == nil {
			t.Errorf("the winner's access token: %+v, %v; want it revoked", got, err)
		}
	})
}

// TestWarm_OpensThePoolBeforeTheFirstRequests: on PostgreSQL a serving
// store opens its whole pool at once, so that the first clients do not
// wait for PostgreSQL to start a process for each. (SQLite's store holds
// its connections from Open.)
func TestWarm_OpensThePoolBeforeTheFirstRequests(t *testing.T) {
	t.Run("postgres", func(t *testing.T) {
		s, err := postgres.Open(context.Background(), pgtest.NewDatabase(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		before := s.OpenConnections()
		s.Warm(context.Background())
		if after := s.OpenConnections(); after != 20 || after <= before {
			t.Errorf("open connections: %d before Warm, %d after, want all 20", before, after)
		}
	})
}
