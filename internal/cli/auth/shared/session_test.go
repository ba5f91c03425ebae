package shared

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wsctl/wsctl/internal/cli/auth/authtest"
	"github.com/wsctl/wsctl/internal/cli/authstore"
	"github.com/wsctl/wsctl/internal/cli/authstore/authstoretest"
	"github.com/wsctl/wsctl/internal/cli/cmdutil"
)

// These tests refresh against the real authorization server (authtest),
// whose refresh tokens rotate on every use and whose reuse detection
// revokes the whole family (RFC 9700).

var hc = &http.Client{Timeout: 10 * time.Second}

func signedIn(t *testing.T) (*authtest.Server, *authstore.Stores, *authstore.Entry) {
	t.Helper()
	srv := authtest.New(t)
	stores := authstoretest.New(t, nil)
	return srv, stores, srv.SignIn(stores.Keyring, "")
}

func load(t *testing.T, srv *authtest.Server, stores *authstore.Stores) *Session {
	t.Helper()
	s, err := LoadSession(stores, hc, srv.URL, "")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// expire makes the stored access token expire in 30 s (within ExpiryMargin).
func expire(t *testing.T, stores *authstore.Stores, key string) {
	t.Helper()
	e, st, err := stores.Find(key)
	if err != nil {
		t.Fatal(err)
	}
	e.Expiry = time.Now().Add(30 * time.Second)
	if err := st.Set(key, e); err != nil {
		t.Fatal(err)
	}
}

func TestSession_FreshTokenIsUsedAsIs(t *testing.T) {
	srv, stores, first := signedIn(t)
	tok, err := load(t, srv, stores).Token(context.Background())
	if err != nil || tok != first.AccessToken || srv.Refreshes() != 0 {
		t.Errorf("token %v, %d refreshes", err, srv.Refreshes())
	}
}

func TestSession_AboutToExpire_RefreshesAndWritesTheRotatedPairBack(t *testing.T) {
	srv, stores, first := signedIn(t)
	key := authstore.Key(srv.URL, "")
	expire(t, stores, key)
	s := load(t, srv, stores)
	tok, err := s.Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	stored, err := stores.Keyring.Get(key)
	if err != nil {
		t.Fatal(err)
	}
	if tok == first.AccessToken || stored.AccessToken != tok || stored.RefreshToken == first.RefreshToken ||
		time.Until(stored.Expiry) < 5*time.Minute || stored.User != "ada@acme.example" || srv.Refreshes() != 1 {
		t.Errorf("after refresh: stored %+v, %d refreshes", stored, srv.Refreshes())
	}
	// The written-back refresh token is the live one.
	if _, err := srv.Refresh(stored.RefreshToken); err != nil {
		t.Errorf("the stored refresh token does not work: %v", err)
	}
}

// Two wsctl refreshing one sign-in at once: without the lock both would
// present the same refresh token, the second would look like a stolen token
// replayed, and the server would revoke the family, signing both out.
func TestSession_TwoRefreshersAtOnce_BothStaySignedIn(t *testing.T) {
	srv, stores, first := signedIn(t)
	key := authstore.Key(srv.URL, "")
	const n = 4
	sessions := make([]*Session, n)
	for i := range sessions {
		// Each its own session and lock file handle, as separate processes have.
		sessions[i] = load(t, srv, stores)
	}
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i, s := range sessions {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.Refresh(context.Background())
		}()
	}
	wg.Wait()
	stored, err := stores.Keyring.Get(key)
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range sessions {
		if errs[i] != nil {
			t.Errorf("refresher %d: %v", i, errs[i])
			continue
		}
		if e := s.Entry(); e.AccessToken != stored.AccessToken || e.RefreshToken != stored.RefreshToken {
			t.Errorf("refresher %d ended with another token than the stored one", i)
		}
	}
	if srv.Refreshes() != 1 {
		t.Errorf("%d refreshes reached the server, want 1", srv.Refreshes())
	}
	if stored.RefreshToken == first.RefreshToken {
		t.Error("not rotated")
	}
	// Still signed in: the final refresh token works...
	next, err := srv.Refresh(stored.RefreshToken)
	if err != nil {
		t.Fatalf("signed out: %v", err)
	}
	// ...and the server does detect reuse, which the lock avoided: the
	// first refresh token again revokes the family.
	if _, err := srv.Refresh(first.RefreshToken); err == nil {
		t.Fatal("a reused refresh token was accepted")
	}
	if _, err := srv.Refresh(next.RefreshToken); err == nil {
		t.Error("reuse did not revoke the family")
	}
}

// A sign-in the server ended (revoked, reused, the person deactivated) is
// exit 4 with what to do.
func TestSession_RefusedRefresh_IsExit4(t *testing.T) {
	srv, stores, first := signedIn(t)
	key := authstore.Key(srv.URL, "")
	expire(t, stores, key)
	// Reuse: the server revokes the family, our refresh token with it.
	if _, err := srv.Refresh(first.RefreshToken); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Refresh(first.RefreshToken); err == nil {
		t.Fatal("reuse accepted")
	}
	_, err := load(t, srv, stores).Token(context.Background())
	if cmdutil.ExitCode(err) != cmdutil.ExitAuth || !strings.Contains(err.Error(), "wsctl auth login") || !strings.Contains(err.Error(), "invalid_grant") {
		t.Errorf("err %v", err)
	}
}

func TestSession_SignedOutMeanwhile(t *testing.T) {
	srv, stores, _ := signedIn(t)
	key := authstore.Key(srv.URL, "")
	expire(t, stores, key)
	s := load(t, srv, stores)
	if err := stores.Keyring.Delete(key); err != nil {
		t.Fatal(err)
	}
	_, err := s.Token(context.Background())
	if cmdutil.ExitCode(err) != cmdutil.ExitAuth || !strings.Contains(err.Error(), "signed out") {
		t.Errorf("err %v", err)
	}
}

func TestSession_APITokenIsNotRefreshed(t *testing.T) {
	srv := authtest.New(t)
	stores := authstoretest.New(t, nil)
	key := authstore.Key(srv.URL, "")
	if err := stores.Keyring.Set(key, &authstore.Entry{Host: srv.URL, Kind: authstore.KindAPIToken, AccessToken: srv.AdminToken}); err != nil {
		t.Fatal(err)
	}
	s := load(t, srv, stores)
	if tok, err := s.Token(context.Background()); err != nil || tok != srv.AdminToken {
		t.Errorf("token %v", err)
	}
	if err := s.Refresh(context.Background()); err == nil || !strings.Contains(err.Error(), "API token") {
		t.Errorf("refresh: %v", err)
	}
}

func TestLoadSession_NotSignedIn(t *testing.T) {
	_, err := LoadSession(authstoretest.New(t, nil), hc, "http://ws.example:8080", "")
	if cmdutil.ExitCode(err) != cmdutil.ExitAuth || !strings.Contains(err.Error(), "wsctl auth login") || !strings.Contains(err.Error(), "WSCTL_TOKEN") {
		t.Errorf("err %v", err)
	}
	_, err = LoadSession(authstoretest.NoKeyring(t), hc, "http://ws.example:8080", "")
	if cmdutil.ExitCode(err) != cmdutil.ExitAuth || !strings.Contains(err.Error(), "--insecure-storage") || !strings.Contains(err.Error(), "DBUS_SESSION_BUS_ADDRESS") {
		t.Errorf("err %v", err)
	}
}

func TestRevoke_EndsTheSignIn(t *testing.T) {
	srv, _, first := signedIn(t)
	meta, err := Discover(context.Background(), hc, srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	if !meta.SupportsS256() || meta.RevocationEndpoint == "" || meta.DeviceAuthorizationEndpoint == "" {
		t.Errorf("metadata %+v", meta)
	}
	if err := Revoke(context.Background(), hc, meta, srv.URL, first.RefreshToken, "refresh_token"); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Refresh(first.RefreshToken); err == nil {
		t.Error("a revoked refresh token still works")
	}
}

// TestSession_Keyring_RealRotationWrittenBack refreshes a sign-in kept in the
// real OS keyring (run through scripts/with-keyring.sh; skips without one,
// except under CI=true).
func TestSession_Keyring_RealRotationWrittenBack(t *testing.T) {
	stores := authstoretest.Real(t)
	srv := authtest.New(t)
	key := authstore.Key(srv.URL, "")
	t.Cleanup(func() { _ = stores.Keyring.Delete(key) })
	first := srv.SignIn(stores.Keyring, "")
	expire(t, stores, key)
	if _, err := load(t, srv, stores).Token(context.Background()); err != nil {
		t.Fatal(err)
	}
	stored, err := stores.Keyring.Get(key)
	if err != nil || stored.RefreshToken == first.RefreshToken || stored.AccessToken == first.AccessToken {
		t.Fatalf("keyring after refresh: %v", err)
	}
	if _, err := srv.Refresh(stored.RefreshToken); err != nil {
		t.Errorf("the refresh token in the keyring is not the live one: %v", err)
	}
}

// The metadata must name the host it was read from, and tokens never go to
// another server or over plain http off this machine (RFC 8414 §3.3).
func TestMetadata_CheckOrigin(t *testing.T) {
	good := Metadata{Issuer: "https://ws.example.com", TokenEndpoint: "https://ws.example.com/oauth/token",
		AuthorizationEndpoint: "https://ws.example.com/oauth/authorize"}
	if err := good.checkOrigin("https://ws.example.com/"); err != nil {
		t.Fatalf("matching metadata refused: %v", err)
	}
	loop := Metadata{Issuer: "http://127.0.0.1:8080", TokenEndpoint: "http://127.0.0.1:8080/oauth/token"}
	if err := loop.checkOrigin("http://127.0.0.1:8080"); err != nil {
		t.Fatalf("plain http on loopback refused: %v", err)
	}
	bad := map[string]struct {
		m    Metadata
		host string
	}{
		"other issuer":       {Metadata{Issuer: "https://evil.example", TokenEndpoint: "https://ws.example.com/oauth/token"}, "https://ws.example.com"},
		"token elsewhere":    {Metadata{Issuer: "https://ws.example.com", TokenEndpoint: "https://evil.example/token"}, "https://ws.example.com"},
		"downgraded to http": {Metadata{Issuer: "https://ws.example.com", TokenEndpoint: "http://ws.example.com/oauth/token"}, "https://ws.example.com"},
		"http off-machine":   {Metadata{Issuer: "http://ws.example.com", TokenEndpoint: "http://ws.example.com/oauth/token"}, "http://ws.example.com"},
	}
	for name, c := range bad {
		if err := c.m.checkOrigin(c.host); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
