package authserver_test

import (
	"context"
	"os"
	"testing"

	"github.com/wsctl/wsctl/internal/store/postgres"
	"github.com/wsctl/wsctl/internal/testutil/pgtest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	pgtest.Stop()
	os.Exit(code)
}

// TestPostgres_TwoServers_SignInRefreshReuse: on PostgreSQL, as several
// workspaced share it, two authorization servers agree on the keys (one
// accepts the other's tokens), and refresh rotation, reuse detection and
// the R9 revocation hold there too.
func TestPostgres_TwoServers_SignInRefreshReuse(t *testing.T) {
	t.Parallel()
	store, err := postgres.Open(context.Background(), pgtest.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	e := newEnvOn(t, store)
	second := e.newServer()

	conf, first := e.signIn(e.bob, allScopes...)
	if _, err := second.VerifyAccessToken(e.ctx, first.AccessToken); err != nil {
		t.Fatalf("the second server refuses the first one's access token: %v", err)
	}
	next, err := e.refresh(conf, first.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.refresh(conf, first.RefreshToken)
	wantOAuthError(t, err, "invalid_grant")
	e.mustFail(next.AccessToken, "the family after a reuse")

	conf, tok := e.signIn(e.bob, allScopes...)
	if _, err := e.svc.Deactivate(e.ctx, e.operator(), e.bob.Email); err != nil {
		t.Fatal(err)
	}
	e.mustFail(tok.AccessToken, "a deactivated user's token")
	_, err = e.refresh(conf, tok.RefreshToken)
	wantOAuthError(t, err, "invalid_grant")
}
