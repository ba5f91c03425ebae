package token

import (
	"context"
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

func newOpts(srv *authtest.Server, stores *authstore.Stores, envToken string) (*TokenOptions, interface{ String() string }) {
	ios, _, out, _ := iostreams.Test()
	return &TokenOptions{
		IO:          ios,
		Config:      func() (*config.Config, error) { return &config.Config{Host: srv.URL, Token: envToken}, nil },
		HTTPClient:  func() (*http.Client, error) { return &http.Client{Timeout: 10 * time.Second}, nil },
		TokenStores: func() (*authstore.Stores, error) { return stores, nil },
	}, out
}

func TestToken_PrintsTheAccessToken_RefreshingFirst(t *testing.T) {
	srv := authtest.New(t)
	stores := authstoretest.New(t, nil)
	e := srv.SignIn(stores.Keyring, "")
	opts, out := newOpts(srv, stores, "")
	if err := tokenRun(context.Background(), opts); err != nil || out.String() != e.AccessToken+"\n" {
		t.Fatalf("err %v, stdout %q", err, out)
	}
	e.Expiry = time.Now().Add(-time.Minute)
	_ = stores.Keyring.Set(authstore.Key(srv.URL, ""), e)
	opts, out = newOpts(srv, stores, "")
	if err := tokenRun(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	stored, _ := stores.Keyring.Get(authstore.Key(srv.URL, ""))
	if got := strings.TrimSpace(out.String()); got == e.AccessToken || got != stored.AccessToken || srv.Refreshes() != 1 {
		t.Errorf("printed %q, stored %q, %d refreshes", got, stored.AccessToken, srv.Refreshes())
	}
}

func TestToken_WSCTLTokenWins(t *testing.T) {
	srv := authtest.New(t)
	stores := authstoretest.NoKeyring(t)
	opts, out := newOpts(srv, stores, srv.AdminToken)
	opts.TokenStores = nil // never opened
	if err := tokenRun(context.Background(), opts); err != nil || out.String() != srv.AdminToken+"\n" {
		t.Errorf("err %v, stdout %q", err, out)
	}
}

func TestToken_NotSignedIn_Exit4(t *testing.T) {
	srv := authtest.New(t)
	opts, out := newOpts(srv, authstoretest.New(t, nil), "")
	if err := tokenRun(context.Background(), opts); cmdutil.ExitCode(err) != cmdutil.ExitAuth || out.String() != "" {
		t.Errorf("err %v, stdout %q", err, out)
	}
}
