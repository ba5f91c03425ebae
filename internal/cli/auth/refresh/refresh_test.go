package refresh

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

func newOpts(srv *authtest.Server, stores *authstore.Stores) (*RefreshOptions, interface{ String() string }) {
	ios, _, _, errOut := iostreams.Test()
	return &RefreshOptions{
		IO:          ios,
		Config:      func() (*config.Config, error) { return &config.Config{Host: srv.URL}, nil },
		HTTPClient:  func() (*http.Client, error) { return &http.Client{Timeout: 10 * time.Second}, nil },
		TokenStores: func() (*authstore.Stores, error) { return stores, nil },
	}, errOut
}

// A forced refresh rotates both tokens and writes them back, in the
// insecure file as in the keyring.
func TestRefresh_RotatesAndWritesBack(t *testing.T) {
	srv := authtest.New(t)
	stores := authstoretest.New(t, nil)
	for _, st := range []authstore.Store{stores.Keyring, stores.File} {
		first := srv.SignIn(st, "")
		opts, errOut := newOpts(srv, stores)
		if err := refreshRun(context.Background(), opts); err != nil {
			t.Fatalf("%s: %v", st.Kind(), err)
		}
		stored, err := st.Get(authstore.Key(srv.URL, ""))
		if err != nil || stored.AccessToken == first.AccessToken || stored.RefreshToken == first.RefreshToken {
			t.Errorf("%s: not rotated: %v", st.Kind(), err)
		}
		if !strings.Contains(errOut.String(), "Refreshed the sign-in to "+srv.URL) || strings.Contains(errOut.String(), stored.AccessToken) {
			t.Errorf("stderr %q", errOut)
		}
		_ = st.Delete(authstore.Key(srv.URL, ""))
	}
}

func TestRefresh_NotSignedInOrAPIToken(t *testing.T) {
	srv := authtest.New(t)
	stores := authstoretest.New(t, nil)
	opts, _ := newOpts(srv, stores)
	if err := refreshRun(context.Background(), opts); cmdutil.ExitCode(err) != cmdutil.ExitAuth {
		t.Errorf("not signed in: %v", err)
	}
	_ = stores.Keyring.Set(authstore.Key(srv.URL, ""), &authstore.Entry{Host: srv.URL, Kind: authstore.KindAPIToken, AccessToken: srv.AdminToken})
	if err := refreshRun(context.Background(), opts); err == nil || !strings.Contains(err.Error(), "cannot be refreshed") {
		t.Errorf("API token: %v", err)
	}
}
