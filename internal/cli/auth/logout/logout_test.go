package logout

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wsctl/wsctl/internal/cli/auth/authtest"
	"github.com/wsctl/wsctl/internal/cli/authstore"
	"github.com/wsctl/wsctl/internal/cli/authstore/authstoretest"
	"github.com/wsctl/wsctl/internal/cli/cmdutil"
	"github.com/wsctl/wsctl/internal/cli/cmdutil/iostreams"
	"github.com/wsctl/wsctl/internal/cli/config"
)

func newOpts(srv *authtest.Server, stores *authstore.Stores, profile, envToken string) (*LogoutOptions, interface{ String() string }) {
	ios, _, _, errOut := iostreams.Test()
	return &LogoutOptions{
		IO: ios,
		Config: func() (*config.Config, error) {
			return &config.Config{Host: srv.URL, Profile: profile, Token: envToken}, nil
		},
		HTTPClient:  func() (*http.Client, error) { return &http.Client{Timeout: 10 * time.Second}, nil },
		TokenStores: func() (*authstore.Stores, error) { return stores, nil },
	}, errOut
}

// Logout revokes on the server (RFC 7009) and deletes locally; the other
// profile stays signed in.
func TestLogout_RevokesAndDeletes(t *testing.T) {
	srv := authtest.New(t)
	stores := authstoretest.New(t, nil)
	e := srv.SignIn(stores.Keyring, "")
	other := srv.SignIn(stores.Keyring, "staging")
	opts, errOut := newOpts(srv, stores, "", "")
	if err := logoutRun(context.Background(), opts); err != nil {
		t.Fatalf("logout: %v", err)
	}
	if _, err := stores.Keyring.Get(authstore.Key(srv.URL, "")); !errors.Is(err, authstore.ErrNotFound) {
		t.Errorf("still stored: %v", err)
	}
	if _, err := srv.Refresh(e.RefreshToken); err == nil {
		t.Error("the refresh token still works on the server")
	}
	if srv.Revocations() != 2 {
		t.Errorf("%d revocations, want 2 (refresh and access token)", srv.Revocations())
	}
	if !strings.Contains(errOut.String(), "Signed out of "+srv.URL+" (ada@acme.example)") {
		t.Errorf("stderr %q", errOut)
	}
	if _, err := stores.Keyring.Get(authstore.Key(srv.URL, "staging")); err != nil {
		t.Errorf("the other profile was signed out: %v", err)
	}
	if _, err := srv.Refresh(other.RefreshToken); err != nil {
		t.Errorf("the other profile's sign-in was revoked: %v", err)
	}
	// Again: nothing left to sign out of.
	if err := logoutRun(context.Background(), opts); cmdutil.ExitCode(err) != cmdutil.ExitAuth {
		t.Errorf("second logout: %v", err)
	}
}

func TestLogout_ServerUnreachable_DeletesAndSaysSo(t *testing.T) {
	srv := authtest.New(t)
	stores := authstoretest.New(t, nil)
	const gone = "http://127.0.0.1:1"
	_ = stores.File.Set(authstore.Key(gone, ""), &authstore.Entry{Host: gone, Kind: authstore.KindOAuth, AccessToken: "a", RefreshToken: "r"})
	opts, _ := newOpts(srv, stores, "", "")
	opts.Config = func() (*config.Config, error) { return &config.Config{Host: gone}, nil }
	err := logoutRun(context.Background(), opts)
	if err == nil || !strings.Contains(err.Error(), "could not revoke it") {
		t.Fatalf("err %v", err)
	}
	if _, err := stores.File.Get(authstore.Key(gone, "")); !errors.Is(err, authstore.ErrNotFound) {
		t.Errorf("not deleted: %v", err)
	}
}

func TestLogout_APIToken_ForgetsButDoesNotRevoke(t *testing.T) {
	srv := authtest.New(t)
	stores := authstoretest.New(t, nil)
	_ = stores.Keyring.Set(authstore.Key(srv.URL, ""), &authstore.Entry{Host: srv.URL, Kind: authstore.KindAPIToken, AccessToken: srv.AdminToken, TokenID: "tok_1"})
	opts, errOut := newOpts(srv, stores, "", srv.AdminToken)
	if err := logoutRun(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	if srv.Revocations() != 0 {
		t.Error("an API token was revoked by logout")
	}
	s := errOut.String()
	if !strings.Contains(s, "wsctl tokens revoke tok_1") || !strings.Contains(s, "WSCTL_TOKEN is still set") {
		t.Errorf("stderr %q", s)
	}
}

func TestLogout_OnlyWSCTLToken(t *testing.T) {
	srv := authtest.New(t)
	opts, _ := newOpts(srv, authstoretest.New(t, nil), "", srv.AdminToken)
	err := logoutRun(context.Background(), opts)
	if cmdutil.ExitCode(err) != cmdutil.ExitAuth || !strings.Contains(err.Error(), "unset WSCTL_TOKEN") {
		t.Errorf("err %v", err)
	}
}
