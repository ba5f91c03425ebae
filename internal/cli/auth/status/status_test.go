package status

import (
	"context"
	"encoding/json"
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

// Against the real authorization server and API (authtest).

type run struct {
	opts        *StatusOptions
	out, errOut interface{ String() string }
}

func newRun(t *testing.T, srv *authtest.Server, stores *authstore.Stores, envToken string, args ...string) *run {
	t.Helper()
	ios, _, out, errOut := iostreams.Test()
	opts := &StatusOptions{
		IO:          ios,
		Config:      func() (*config.Config, error) { return &config.Config{Host: srv.URL, Token: envToken}, nil },
		HTTPClient:  func() (*http.Client, error) { return &http.Client{Timeout: 10 * time.Second}, nil },
		TokenStores: func() (*authstore.Stores, error) { return stores, nil },
	}
	for _, a := range args {
		if a == "json" {
			opts.Output.Format = cmdutil.FormatJSON
		}
	}
	return &run{opts: opts, out: out, errOut: errOut}
}

func (r *run) status(t *testing.T) Status {
	t.Helper()
	var st Status
	if err := json.Unmarshal([]byte(r.out.String()), &st); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, r.out.String())
	}
	return st
}

func TestStatus_SignedIn_Exit0(t *testing.T) {
	srv := authtest.New(t)
	stores := authstoretest.New(t, nil)
	e := srv.SignIn(stores.Keyring, "")
	r := newRun(t, srv, stores, "")
	r.opts.IO.SetStdoutTTY(true)
	if err := statusRun(context.Background(), r.opts); err != nil {
		t.Fatalf("status: %v", err)
	}
	out := r.out.String()
	for _, want := range []string{"Host:", srv.URL, "Signed in:", "yes", "Ada Admin <ada@acme.example>", "acme (Acme)", "users:read, users:write", "renewed automatically", "the OS keyring (service \"wsctl\""} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, e.AccessToken) || strings.Contains(out, e.RefreshToken) {
		t.Error("status printed a token")
	}

	r = newRun(t, srv, stores, "", "json")
	if err := statusRun(context.Background(), r.opts); err != nil {
		t.Fatal(err)
	}
	st := r.status(t)
	if !st.SignedIn || st.User != "ada@acme.example" || st.Org != "acme" || st.Storage != "keyring" || st.TokenType != "oauth" ||
		st.ExpiresAt == nil || len(st.Scopes) != 6 || st.Error != "" {
		t.Errorf("json %+v", st)
	}
}

// Stable for scripts: exit 4 when not signed in, in every output format.
func TestStatus_NotSignedIn_Exit4(t *testing.T) {
	srv := authtest.New(t)
	for _, stores := range []*authstore.Stores{authstoretest.New(t, nil), authstoretest.NoKeyring(t)} {
		r := newRun(t, srv, stores, "")
		err := statusRun(context.Background(), r.opts)
		if cmdutil.ExitCode(err) != cmdutil.ExitAuth || !strings.Contains(err.Error(), "wsctl auth login") {
			t.Errorf("err %v", err)
		}
		if r.out.String() != "" {
			t.Errorf("stdout %q", r.out.String())
		}
		r = newRun(t, srv, stores, "", "json")
		err = statusRun(context.Background(), r.opts)
		if st := r.status(t); cmdutil.ExitCode(err) != cmdutil.ExitAuth || st.SignedIn || st.Host != srv.URL || st.Error == "" {
			t.Errorf("json: err %v, %+v", err, st)
		}
	}
}

func TestStatus_SignInEndedOnTheServer_Exit4(t *testing.T) {
	srv := authtest.New(t)
	stores := authstoretest.New(t, nil)
	e := srv.SignIn(stores.Keyring, "")
	e.Expiry = time.Now() // expired: status refreshes first
	_ = stores.Keyring.Set(authstore.Key(srv.URL, ""), e)
	if _, err := srv.Refresh(e.RefreshToken); err != nil { // someone else used it: now a reuse
		t.Fatal(err)
	}
	r := newRun(t, srv, stores, "")
	if err := statusRun(context.Background(), r.opts); cmdutil.ExitCode(err) != cmdutil.ExitAuth {
		t.Errorf("err %v", err)
	}
}

func TestStatus_WSCTLToken(t *testing.T) {
	srv := authtest.New(t)
	stores := authstoretest.NoKeyring(t) // the keyring is never asked
	r := newRun(t, srv, stores, srv.AdminToken, "json")
	if err := statusRun(context.Background(), r.opts); err != nil {
		t.Fatal(err)
	}
	if st := r.status(t); !st.SignedIn || st.Storage != "WSCTL_TOKEN" || st.TokenType != "api-token" || st.User != "ada@acme.example" {
		t.Errorf("json %+v", st)
	}
	if strings.Contains(r.out.String(), srv.AdminToken) {
		t.Error("status printed the token")
	}
	r = newRun(t, srv, stores, "wsp_bad", "json")
	err := statusRun(context.Background(), r.opts)
	if st := r.status(t); cmdutil.ExitCode(err) != cmdutil.ExitAuth || st.SignedIn || st.Storage != "WSCTL_TOKEN" {
		t.Errorf("bad token: %v %+v", err, st)
	}
}

func TestStatus_ServerUnreachable_Exit1(t *testing.T) {
	srv := authtest.New(t)
	stores := authstoretest.New(t, nil)
	srv.SignIn(stores.Keyring, "")
	r := newRun(t, srv, stores, "")
	r.opts.Config = func() (*config.Config, error) { return &config.Config{Host: "http://127.0.0.1:1"}, nil }
	_ = stores.Keyring.Set(authstore.Key("http://127.0.0.1:1", ""), &authstore.Entry{Host: "http://127.0.0.1:1", Kind: authstore.KindOAuth, AccessToken: "a", RefreshToken: "r", Expiry: time.Now().Add(time.Hour)})
	if err := statusRun(context.Background(), r.opts); cmdutil.ExitCode(err) != cmdutil.ExitError {
		t.Errorf("err %v, exit %d", err, cmdutil.ExitCode(err))
	}
}
