package workspace_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/wsctl/wsctl/internal/store/postgres"
	"github.com/wsctl/wsctl/internal/store/sqlite"
	"github.com/wsctl/wsctl/internal/testutil/pgtest"
	"github.com/wsctl/wsctl/internal/workspace"
)

// The sign-in rules over real stores (SQLite and PostgreSQL); the pages that call them are
// tested in internal/authserver/signin.

func TestMain(m *testing.M) {
	code := m.Run()
	pgtest.Stop()
	os.Exit(code)
}

type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

type accountsEnv struct {
	ctx   context.Context
	clock *testClock
	svc   *workspace.Service
	acc   *workspace.Accounts
	org   workspace.Org
	admin workspace.User
}

// cheapPasswords keeps argon2id fast under -race; the parameters are
// recorded in each hash, so verification works whatever made it.
var cheapPasswords = workspace.PasswordParams{Memory: 1024, Time: 1, Threads: 1}

// forEachStore runs fn on a fresh SQLite store and on a fresh PostgreSQL
// database (pgtest: skipped outside CI when PostgreSQL is not installed).
func forEachStore(t *testing.T, fn func(*testing.T, *accountsEnv)) {
	t.Run("sqlite", func(t *testing.T) {
		st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "ws.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = st.Close() })
		fn(t, newAccountsEnv(t, st))
	})
	t.Run("postgres", func(t *testing.T) {
		st, err := postgres.Open(context.Background(), pgtest.NewDatabase(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = st.Close() })
		fn(t, newAccountsEnv(t, st))
	})
}

func newAccountsEnv(t *testing.T, st workspace.Store) *accountsEnv {
	t.Helper()
	ctx := context.Background()
	e := &accountsEnv{ctx: ctx, clock: &testClock{now: time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)}}
	e.svc = workspace.NewService(st, workspace.WithClock(e.clock.Now))
	e.acc = workspace.NewAccounts(e.svc, workspace.WithPasswordParams(cheapPasswords))
	n, err := e.svc.CreateOrg(ctx, workspace.OrgInput{Slug: "acme", Name: "Acme", AdminName: "Ada Admin", AdminEmail: "ada@acme.example"})
	if err != nil {
		t.Fatal(err)
	}
	e.org, e.admin = n.Org, n.Admin
	if _, err := e.acc.SetPassword(ctx, workspace.Operator(e.org.ID), "ada@acme.example", "correct horse battery"); err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *accountsEnv) code(t *testing.T, secret string) string {
	t.Helper()
	c, err := totp.GenerateCode(secret, e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// enroll takes Ada through TOTP enrollment and returns the secret.
func (e *accountsEnv) enroll(t *testing.T) string {
	t.Helper()
	enr, err := e.acc.BeginTOTPEnrollment(e.ctx, e.org.ID, e.admin.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.acc.ConfirmTOTP(e.ctx, e.org.ID, e.admin.ID, e.code(t, enr.Secret), "req-1"); err != nil {
		t.Fatal(err)
	}
	return enr.Secret
}

func TestPassword_Argon2idHashRecordsItsParameters(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *accountsEnv) {
		hash, err := e.acc.HashPassword(e.ctx, "a long enough passphrase")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(hash, "$argon2id$v=19$m=1024,t=1,p=1$") {
			t.Fatalf("hash %q does not record argon2id and its parameters", hash)
		}
		if _, err := e.acc.HashPassword(e.ctx, "short"); err == nil || workspace.CodeOf(err) != "invalid_field" {
			t.Fatalf("a short password: err %v, want a field error", err)
		}
		// A hash made with other (the default) parameters still verifies.
		def := workspace.NewAccounts(e.svc)
		if _, err := def.SetPassword(e.ctx, workspace.Operator(e.org.ID), "ada@acme.example", "the default cost one"); err != nil {
			t.Fatal(err)
		}
		if _, err := e.acc.CheckPassword(e.ctx, "acme", "ada@acme.example", "the default cost one", owner); err != nil {
			t.Fatalf("a default-cost hash did not verify: %v", err)
		}
	})
}

func TestCheckPassword_MissingAccountLooksLikeWrongPassword(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *accountsEnv) {
		if u, err := e.acc.CheckPassword(e.ctx, "ACME", "Ada@Acme.Example", "correct horse battery", owner); err != nil || u.ID != e.admin.ID {
			t.Fatalf("right password: %v, %v", u.ID, err)
		}
		for name, try := range map[string][3]string{
			"wrong password": {"acme", "ada@acme.example", "wrong horse battery"},
			"no such email":  {"acme", "nobody@acme.example", "correct horse battery"},
			"no such org":    {"nope", "ada@acme.example", "correct horse battery"},
		} {
			if _, err := e.acc.CheckPassword(e.ctx, try[0], try[1], try[2], owner); !errors.Is(err, workspace.ErrBadCredentials) {
				t.Errorf("%s: err %v, want ErrBadCredentials", name, err)
			}
		}
	})
}

// owner and guesser are two clients' addresses (ratelimit.ClientKey).
const (
	owner   = "192.0.2.1"
	guesser = "203.0.113.66"
)

// Security finding 5 (issue 12): five wrong passwords from anywhere locked
// any account for 15 minutes. Now they slow down the client that made
// them, with growing delays, and the owner elsewhere signs in at once.
func TestThrottle_WrongPasswordsSlowTheirClientNotTheOwner(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *accountsEnv) {
		for i := 1; i <= workspace.FreeSignInAttempts; i++ {
			if _, err := e.acc.CheckPassword(e.ctx, "acme", "ada@acme.example", "wrong", guesser); !errors.Is(err, workspace.ErrBadCredentials) {
				t.Fatalf("free attempt %d: %v, want a plain wrong password", i, err)
			}
		}
		var throttled *workspace.SignInThrottledError
		_, err := e.acc.CheckPassword(e.ctx, "acme", "ada@acme.example", "correct horse battery", guesser)
		if !errors.As(err, &throttled) || !throttled.Until.Equal(e.clock.Now().Add(time.Second)) || workspace.CodeOf(err) != "rate_limited" {
			t.Fatalf("the guesser's next attempt, right password or not: %v, want a 1 s wait", err)
		}
		if !strings.Contains(err.Error(), "wsctl users unlock") {
			t.Errorf("message %q does not say how an admin lifts it", err)
		}
		if u, err := e.acc.CheckPassword(e.ctx, "acme", "ada@acme.example", "correct horse battery", owner); err != nil || u.ID != e.admin.ID {
			t.Fatalf("the owner at another address: %v, want signed in", err)
		}
		// Each attempt past the free ones doubles the guesser's wait.
		e.clock.Advance(time.Second)
		if _, err := e.acc.CheckPassword(e.ctx, "acme", "ada@acme.example", "wrong", guesser); !errors.Is(err, workspace.ErrBadCredentials) {
			t.Fatalf("after the wait: %v, want the password checked", err)
		}
		_, err = e.acc.CheckPassword(e.ctx, "acme", "ada@acme.example", "wrong", guesser)
		if !errors.As(err, &throttled) || !throttled.Until.Equal(e.clock.Now().Add(2*time.Second)) {
			t.Fatalf("the next wait: %v, want 2 s", err)
		}
		// An admin lifts it at once.
		if _, err := e.svc.UnlockSignIn(e.ctx, workspace.Operator(e.org.ID), "ada@acme.example"); err != nil {
			t.Fatal(err)
		}
		if _, err := e.acc.CheckPassword(e.ctx, "acme", "ada@acme.example", "correct horse battery", guesser); err != nil {
			t.Fatalf("after an unlock: %v", err)
		}
	})
}

// Many addresses guessing at one account slow it down, by at most 30 s,
// and never for a client the owner signed in from before.
func TestThrottle_ManyAddressesSlowTheAccount_NotTheOwnersClient(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *accountsEnv) {
		if _, err := e.acc.CheckPassword(e.ctx, "acme", "ada@acme.example", "correct horse battery", owner); err != nil {
			t.Fatal(err)
		}
		for i := range workspace.FreeAccountSignInAttempts + 10 {
			_, _ = e.acc.CheckPassword(e.ctx, "acme", "ada@acme.example", "wrong", fmt.Sprintf("198.51.100.%d", i))
		}
		var throttled *workspace.SignInThrottledError
		_, err := e.acc.CheckPassword(e.ctx, "acme", "ada@acme.example", "correct horse battery", "198.51.100.200")
		if !errors.As(err, &throttled) || throttled.Until.After(e.clock.Now().Add(workspace.MaxAccountSignInDelay)) {
			t.Fatalf("a new address after %d failures across addresses: %v, want a wait of at most %v",
				workspace.FreeAccountSignInAttempts+10, err, workspace.MaxAccountSignInDelay)
		}
		if _, err := e.acc.CheckPassword(e.ctx, "acme", "ada@acme.example", "correct horse battery", owner); err != nil {
			t.Fatalf("the owner's usual client: %v, want signed in", err)
		}
		e.clock.Advance(workspace.MaxAccountSignInDelay)
		if _, err := e.acc.CheckPassword(e.ctx, "acme", "ada@acme.example", "correct horse battery", "198.51.100.201"); err != nil {
			t.Fatalf("a new address once the account's wait is over: %v", err)
		}
	})
}

func TestThrottle_FailuresOutsideTheWindowDoNotAddUp(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *accountsEnv) {
		for i := 0; i < workspace.FreeSignInAttempts-1; i++ {
			_, _ = e.acc.CheckPassword(e.ctx, "acme", "ada@acme.example", "wrong", guesser)
		}
		e.clock.Advance(workspace.SignInWindow + time.Second)
		for i := 0; i < workspace.FreeSignInAttempts; i++ {
			if _, err := e.acc.CheckPassword(e.ctx, "acme", "ada@acme.example", "wrong", guesser); !errors.Is(err, workspace.ErrBadCredentials) {
				t.Fatalf("failure %d in a new window: %v, want a plain wrong password", i+1, err)
			}
		}
	})
}

func TestTOTP_CodeAcceptedOnce(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *accountsEnv) {
		secret := e.enroll(t)
		e.clock.Advance(30 * time.Second)
		code := e.code(t, secret)
		u, err := e.acc.VerifyTOTP(e.ctx, e.org.ID, e.admin.ID, code)
		if err != nil {
			t.Fatal(err)
		}
		if u.LastSignInAt == nil || !u.LastSignInAt.Equal(e.clock.Now()) {
			t.Fatalf("last sign-in %v, want now", u.LastSignInAt)
		}
		if _, err := e.acc.VerifyTOTP(e.ctx, e.org.ID, e.admin.ID, code); !errors.Is(err, workspace.ErrCodeReused) {
			t.Fatalf("the same code again: %v, want ErrCodeReused", err)
		}
		if _, err := e.acc.VerifyTOTP(e.ctx, e.org.ID, e.admin.ID, "000000"); !errors.Is(err, workspace.ErrWrongCode) && !errors.Is(err, workspace.ErrCodeReused) {
			t.Fatalf("a wrong code: %v", err)
		}
	})
}

func TestTOTP_WrongCodesCountTowardsLockout(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *accountsEnv) {
		secret := e.enroll(t)
		e.clock.Advance(30 * time.Second)
		var err error
		for i := 0; i < workspace.MaxFailedSignIns; i++ {
			_, err = e.acc.VerifyTOTP(e.ctx, e.org.ID, e.admin.ID, "12345x")
		}
		var locked *workspace.SignInLockedError
		if !errors.As(err, &locked) {
			t.Fatalf("5th wrong code: %v, want a lockout", err)
		}
		if _, err := e.acc.VerifyTOTP(e.ctx, e.org.ID, e.admin.ID, e.code(t, secret)); !errors.As(err, &locked) {
			t.Fatalf("right code while locked: %v, want the lockout", err)
		}
		if _, err := e.acc.CheckPassword(e.ctx, "acme", "ada@acme.example", "correct horse battery", owner); !errors.As(err, &locked) {
			t.Fatalf("password while locked by codes: %v, want the lockout", err)
		}
	})
}

func TestResetMFA_RemovesSecretSoNextSignInEnrolls_R12(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *accountsEnv) {
		old := e.enroll(t)
		if ok, _ := e.acc.TOTPEnrolled(e.ctx, e.org.ID, e.admin.ID); !ok {
			t.Fatal("not enrolled after ConfirmTOTP")
		}
		if _, err := e.acc.BeginTOTPEnrollment(e.ctx, e.org.ID, e.admin.ID); !errors.Is(err, workspace.ErrMFAAlreadyEnrolled) {
			t.Fatalf("enrolling again: %v, want ErrMFAAlreadyEnrolled", err)
		}
		if _, err := e.svc.ResetMFA(e.ctx, workspace.Operator(e.org.ID), "ada@acme.example"); err != nil {
			t.Fatal(err)
		}
		if ok, _ := e.acc.TOTPEnrolled(e.ctx, e.org.ID, e.admin.ID); ok {
			t.Fatal("still enrolled after ResetMFA")
		}
		e.clock.Advance(30 * time.Second)
		if _, err := e.acc.VerifyTOTP(e.ctx, e.org.ID, e.admin.ID, e.code(t, old)); !errors.Is(err, workspace.ErrMFANotEnrolled) {
			t.Fatalf("the old secret's code after reset: %v, want ErrMFANotEnrolled", err)
		}
		enr, err := e.acc.BeginTOTPEnrollment(e.ctx, e.org.ID, e.admin.ID)
		if err != nil {
			t.Fatal(err)
		}
		if enr.Secret == old {
			t.Fatal("enrollment after reset reused the old secret")
		}
	})
}

func TestBrowserSessions_EndedByDeactivation_R9(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *accountsEnv) {
		bob, err := e.svc.AddUser(e.ctx, workspace.Operator(e.org.ID), workspace.InviteInput{Name: "Bob", Email: "bob@acme.example",
			Roles: []string{"user"}, Licenses: []string{"flow"}})
		if err != nil {
			t.Fatal(err)
		}
		secret, _, err := e.acc.StartBrowserSession(e.ctx)
		if err != nil {
			t.Fatal(err)
		}
		secret, _, err = e.acc.BindBrowserSession(e.ctx, secret, bob.Value, []string{"pwd"}, true)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := e.acc.SessionUser(e.ctx, secret); err != nil {
			t.Fatalf("signed-in session: %v", err)
		}
		admin := workspace.Principal{OrgID: e.org.ID, UserID: e.admin.ID, Email: e.admin.Email, Roles: []workspace.Role{workspace.RoleAdmin}, Scopes: workspace.AllScopes}
		if _, err := e.svc.Deactivate(e.ctx, admin, "bob@acme.example"); err != nil {
			t.Fatal(err)
		}
		if _, err := e.acc.BrowserSession(e.ctx, secret); !errors.Is(err, workspace.ErrSessionInvalid) {
			t.Fatalf("session after deactivation: %v, want ErrSessionInvalid", err)
		}
	})
}

func TestBrowserSessions_ExpireAfter8Hours(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *accountsEnv) {
		secret, _, err := e.acc.StartBrowserSession(e.ctx)
		if err != nil {
			t.Fatal(err)
		}
		e.clock.Advance(workspace.BrowserSessionTTL - time.Second)
		if _, err := e.acc.BrowserSession(e.ctx, secret); err != nil {
			t.Fatalf("before expiry: %v", err)
		}
		e.clock.Advance(time.Second)
		if _, err := e.acc.BrowserSession(e.ctx, secret); !errors.Is(err, workspace.ErrSessionInvalid) {
			t.Fatalf("at expiry: %v, want ErrSessionInvalid", err)
		}
	})
}

func TestSetIdentityProvider_ValidatesAndNeverAuditsTheSecret(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *accountsEnv) {
		op := workspace.Operator(e.org.ID)
		for name, in := range map[string]workspace.IdentityProvider{
			"plain http":   {Issuer: "http://idp.example.com", ClientID: "c", ClientSecret: "s"},
			"no client":    {Issuer: "https://idp.example.com", ClientSecret: "s"},
			"bad domain":   {Issuer: "https://idp.example.com", ClientID: "c", ClientSecret: "s", Domains: []string{"not a domain"}},
			"not a url":    {Issuer: "idp.example.com", ClientID: "c", ClientSecret: "s"},
			"with a query": {Issuer: "https://idp.example.com/?x=1", ClientID: "c", ClientSecret: "s"},
		} {
			if _, err := e.acc.SetIdentityProvider(e.ctx, op, in); workspace.CodeOf(err) != "invalid_field" {
				t.Errorf("%s: err %v, want a field error", name, err)
			}
		}
		got, err := e.acc.SetIdentityProvider(e.ctx, op, workspace.IdentityProvider{Name: "HubSpot", Issuer: "https://idp.example.com/",
			ClientID: "c", ClientSecret: "top-secret", Domains: []string{"Acme.Example", "@acme.example", "sub.acme.example"}})
		if err != nil {
			t.Fatal(err)
		}
		if got.Issuer != "https://idp.example.com" || strings.Join(got.Domains, ",") != "acme.example,sub.acme.example" {
			t.Fatalf("stored %+v", got)
		}
		events, _, err := e.svc.ListAudit(e.ctx, op, workspace.AuditFilter{Action: "identity_provider.set"})
		if err != nil || len(events) != 1 {
			t.Fatalf("audit: %v, %d events", err, len(events))
		}
		if strings.Contains(string(events[0].After), "top-secret") {
			t.Fatal("the audit event holds the client secret")
		}
		if _, err := e.acc.SetIdentityProvider(e.ctx, workspace.Principal{OrgID: e.org.ID, UserID: e.admin.ID, Roles: []workspace.Role{workspace.RoleAdmin}, Scopes: workspace.AllScopes}, got); workspace.CodeOf(err) != "forbidden" {
			t.Fatalf("an admin setting the provider: %v, want forbidden", err)
		}
	})
}

// A stolen password must not buy endless TOTP guesses: entering the right
// password again does not clear the failed codes (review finding).
func TestLockout_RightPasswordDoesNotResetWrongCodes(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *accountsEnv) {
		e.enroll(t)
		var locked *workspace.SignInLockedError
		wrong := 0
		for range 20 {
			if _, err := e.acc.CheckPassword(e.ctx, "acme", "ada@acme.example", "correct horse battery", owner); errors.As(err, &locked) {
				break
			} else if err != nil {
				t.Fatal(err)
			}
			if _, err := e.acc.VerifyTOTP(e.ctx, e.org.ID, e.admin.ID, "12345x"); errors.As(err, &locked) {
				break
			}
			wrong++
		}
		if locked == nil || wrong >= workspace.MaxFailedSignIns {
			t.Fatalf("%d wrong codes with the password re-entered in between, locked: %v; want a lockout within %d", wrong, locked, workspace.MaxFailedSignIns)
		}
	})
}

// Concurrent guesses are counted before the password is checked, so a burst
// cannot pass the throttle (review finding).
func TestThrottle_ConcurrentGuessesCannotPassIt(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *accountsEnv) {
		const n = 30
		var wg sync.WaitGroup
		results := make([]error, n+1)
		for i := range n {
			wg.Go(func() {
				_, results[i] = e.acc.CheckPassword(e.ctx, "acme", "ada@acme.example", fmt.Sprintf("guess %d", i), guesser)
			})
		}
		wg.Go(func() {
			_, results[n] = e.acc.CheckPassword(e.ctx, "acme", "ada@acme.example", "correct horse battery", owner)
		})
		wg.Wait()
		if results[n] != nil {
			t.Errorf("the owner, signing in from elsewhere during the burst: %v", results[n])
		}
		checked := 0
		for _, err := range results[:n] {
			var throttled *workspace.SignInThrottledError
			if !errors.As(err, &throttled) {
				checked++
			}
		}
		if checked > workspace.FreeSignInAttempts {
			t.Errorf("%d of %d concurrent guesses were checked; the throttle allows %d", checked, n, workspace.FreeSignInAttempts)
		}
	})
}

// A person who signed in through the provider is bound to that provider
// account: another account at the provider with the same email, even a
// verified one, cannot take theirs over (issue 3 review).
func TestUpstream_BindsTheProviderAccount_NotJustTheEmail(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *accountsEnv) {
		op := workspace.Operator(e.org.ID)
		if _, err := e.acc.SetIdentityProvider(e.ctx, op, workspace.IdentityProvider{Name: "Corp IdP", Issuer: "https://idp.example.com",
			ClientID: "c", ClientSecret: "s", Domains: []string{"acme.example"}}); err != nil {
			t.Fatal(err)
		}
		dan := workspace.UpstreamIdentity{Subject: "sub-dan", Email: "dan@acme.example", EmailVerified: true, Name: "Dan Diaz"}
		first, err := e.acc.SignInUpstream(e.ctx, e.org.ID, dan, "")
		if err != nil {
			t.Fatalf("first sign-in (R7 auto sign-up): %v", err)
		}
		again, err := e.acc.SignInUpstream(e.ctx, e.org.ID, dan, "")
		if err != nil || again.ID != first.ID {
			t.Fatalf("the same provider account again: %v", err)
		}
		impostor := dan
		impostor.Subject = "sub-mallory"
		var refused *workspace.UpstreamRefusedError
		if _, err := e.acc.SignInUpstream(e.ctx, e.org.ID, impostor, ""); !errors.As(err, &refused) {
			t.Fatalf("another provider account with dan's email: %v, want a refusal", err)
		}
		// The first admin (a local account) binds at their first provider sign-in.
		ada := workspace.UpstreamIdentity{Subject: "sub-ada", Email: e.admin.Email, EmailVerified: true}
		if _, err := e.acc.SignInUpstream(e.ctx, e.org.ID, ada, ""); err != nil {
			t.Fatalf("ada's first provider sign-in: %v", err)
		}
		ada.Subject = "sub-dan" // dan's account claiming ada's email is still dan's
		if u, err := e.acc.SignInUpstream(e.ctx, e.org.ID, ada, ""); err != nil || u.ID != first.ID {
			t.Fatalf("dan's provider account with ada's email signed in %s (%v), want dan", u.Email, err)
		}
		ada.Subject = ""
		if _, err := e.acc.SignInUpstream(e.ctx, e.org.ID, ada, ""); !errors.As(err, &refused) {
			t.Fatalf("no subject: %v, want a refusal", err)
		}
	})
}

// A provider account whose email changed at the provider still signs in
// the user it is bound to: the binding is looked up before the email, which
// decides only at the first sign-in through the provider (issue 10).
func TestUpstream_EmailChangedAtTheProvider_SameUserSignsIn(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *accountsEnv) {
		op := workspace.Operator(e.org.ID)
		if _, err := e.acc.SetIdentityProvider(e.ctx, op, workspace.IdentityProvider{Name: "Corp IdP", Issuer: "https://idp.example.com",
			ClientID: "c", ClientSecret: "s"}); err != nil {
			t.Fatal(err)
		}
		ada := workspace.UpstreamIdentity{Subject: "sub-ada", Email: e.admin.Email, EmailVerified: true}
		if _, err := e.acc.SignInUpstream(e.ctx, e.org.ID, ada, ""); err != nil {
			t.Fatalf("first sign-in binds by email: %v", err)
		}
		for _, changed := range []workspace.UpstreamIdentity{
			{Subject: "sub-ada", Email: "ada.lovelace@acme.example", EmailVerified: true},
			{Subject: "sub-ada", Email: "ada@elsewhere.example", EmailVerified: false},
		} {
			u, err := e.acc.SignInUpstream(e.ctx, e.org.ID, changed, "")
			if err != nil || u.ID != e.admin.ID {
				t.Fatalf("after the email changed to %s: signed in %q (%v), want ada", changed.Email, u.Email, err)
			}
		}
		if users, _, err := e.svc.ListUsers(e.ctx, op, workspace.UserFilter{Status: workspace.UsersAll}); err != nil || len(users) != 1 {
			t.Fatalf("users after the email change: %d (%v), want ada alone (nobody signed up)", len(users), err)
		}
	})
}

// credentialsFail is the real store whose PutCredentials fails: the fault
// the test needs cannot be caused through the real database alone.
type credentialsFail struct{ workspace.Store }

func (s credentialsFail) Update(ctx context.Context, fn func(workspace.Tx) error) error {
	return s.Store.Update(ctx, func(tx workspace.Tx) error { return fn(credentialsFailTx{tx}) })
}

type credentialsFailTx struct{ workspace.Tx }

func (credentialsFailTx) PutCredentials(context.Context, workspace.Credentials) error {
	return errors.New("disk full")
}

// A signup from an invite link accepts the invite and stores the person's
// credentials in one transaction: when the credentials cannot be saved, no
// user is left without them and the link still works for another try (R6).
func TestCompleteInviteSignup_UserAndCredentialsInOneTransaction_R6(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *accountsEnv) {
		op := workspace.Operator(e.org.ID)
		if err := e.svc.SetSignupMode(e.ctx, op, false); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.Invite(e.ctx, op, workspace.InviteInput{Name: "Bea Kim", Email: "bea@acme.example", Roles: []string{"user"}, Licenses: []string{"flow"}}); err != nil {
			t.Fatal(err)
		}
		msgs, err := e.svc.Outbox(e.ctx, op)
		if err != nil || len(msgs) == 0 {
			t.Fatalf("outbox: %v %v", msgs, err)
		}
		_, after, _ := strings.Cut(msgs[len(msgs)-1].Text, "/signup?token=")
		token := strings.Fields(after)[0]
		in := workspace.AcceptInput{Token: token, Name: "Bea Kim", Email: "bea@acme.example"}
		acct := workspace.NewAccount{PasswordHash: "x", TOTPSecret: "JBSWY3DPEHPK3PXP", TOTPStep: 1}

		broken := workspace.NewAccounts(workspace.NewService(credentialsFail{e.svc.Store()}, workspace.WithClock(e.clock.Now)))
		if _, err := broken.CompleteInviteSignup(e.ctx, in, acct); err == nil || !strings.Contains(err.Error(), "disk full") {
			t.Fatalf("signup with failing credentials: %v", err)
		}
		if _, err := e.svc.GetUser(e.ctx, op, "bea@acme.example"); workspace.CodeOf(err) != "not_found" {
			t.Errorf("a user was left behind: %v", err)
		}
		u, err := e.acc.CompleteInviteSignup(e.ctx, in, acct)
		if err != nil || !u.Active || !u.MFAEnrolled {
			t.Errorf("second try with the same link: %+v %v", u, err)
		}
	})
}
