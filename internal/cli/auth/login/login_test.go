package login

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"os"
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

// These tests sign in against the real authorization server and API
// (authtest); the browser's part is done by authtest.Browser. The lead's
// chromedp test drives the same 'wsctl auth login' through the real pages.

type harness struct {
	srv    *authtest.Server
	stores *authstore.Stores
	opts   *LoginOptions
	stdin  *strings.Builder
	stdout interface{ String() string }
	stderr *authtest.Stderr
	env    map[string]string
}

func newHarness(t *testing.T, stores *authstore.Stores) *harness {
	t.Helper()
	srv := authtest.New(t)
	if stores == nil {
		stores = authstoretest.New(t, nil)
	}
	ios, in, out, _ := iostreams.Test()
	h := &harness{srv: srv, stores: stores, stdout: out, stderr: &authtest.Stderr{},
		env: map[string]string{"DISPLAY": ":0"}}
	ios.ErrOut = h.stderr
	h.opts = &LoginOptions{
		IO: ios,
		Config: func() (*config.Config, error) {
			return &config.Config{Host: srv.URL, Token: h.env[config.EnvToken]}, nil
		},
		HTTPClient:  func() (*http.Client, error) { return &http.Client{Timeout: 10 * time.Second}, nil },
		TokenStores: func() (*authstore.Stores, error) { return stores, nil },
		Browser:     srv.Browser(),
		LookupEnv:   func(k string) (string, bool) { v, ok := h.env[k]; return v, ok },
		GOOS:        "linux",
		UserAgent:   "wsctl/test",
		Timeout:     30 * time.Second,
	}
	_ = in
	return h
}

func (h *harness) browser() *authtest.Browser { return h.opts.Browser.(*authtest.Browser) }

func (h *harness) stored(t *testing.T) (*authstore.Entry, authstore.Store) {
	t.Helper()
	e, st, err := h.stores.Find(authstore.Key(h.srv.URL, ""))
	if err != nil {
		t.Fatalf("nothing stored: %v", err)
	}
	return e, st
}

// noTokenPrinted checks that no token reached stdout or stderr.
func (h *harness) noTokenPrinted(t *testing.T, e *authstore.Entry) {
	t.Helper()
	for _, tok := range []string{e.AccessToken, e.RefreshToken} {
		if tok != "" && (strings.Contains(h.stdout.String(), tok) || strings.Contains(h.stderr.String(), tok)) {
			t.Errorf("a token was printed:\nstdout %q\nstderr %q", h.stdout.String(), h.stderr.String())
		}
	}
}

func TestLogin_Browser_PKCEAndLoopback_StoresInKeyring(t *testing.T) {
	h := newHarness(t, nil)
	if err := loginRun(context.Background(), h.opts); err != nil {
		t.Fatalf("login: %v\n%s", err, h.stderr)
	}
	if page := h.browser().Page(); !strings.Contains(page, "Signed in") {
		t.Errorf("the browser's last page: %s", page)
	}
	urls := h.browser().URLs()
	if len(urls) != 1 {
		t.Fatalf("browser opened %q", urls)
	}
	u, _ := url.Parse(urls[0])
	q := u.Query()
	if u.Path != "/oauth/authorize" || q.Get("code_challenge_method") != "S256" || len(q.Get("code_challenge")) != 43 ||
		q.Get("client_id") != "wsctl" || q.Get("response_type") != "code" || q.Get("state") == "" {
		t.Errorf("authorize URL %s", urls[0])
	}
	if redirect := q.Get("redirect_uri"); !strings.HasPrefix(redirect, "http://127.0.0.1:") || !strings.HasSuffix(redirect, "/callback") {
		t.Errorf("redirect_uri %q", redirect)
	}
	if q.Get("scope") != "openid offline_access users:read users:write licenses:read settings:write mfa:reset audit:read" {
		t.Errorf("scope %q", q.Get("scope"))
	}
	e, st := h.stored(t)
	if st.Kind() != authstore.KindKeyring || e.Kind != authstore.KindOAuth || e.RefreshToken == "" || e.AccessToken == "" ||
		e.User != "ada@acme.example" || e.Org != "acme" || len(e.Scopes) != 6 || time.Until(e.Expiry) < 5*time.Minute {
		t.Errorf("stored %s: %+v", st.Kind(), e)
	}
	if !strings.Contains(h.stderr.String(), "Signed in to "+h.srv.URL+" as ada@acme.example (org acme)") ||
		!strings.Contains(h.stderr.String(), "OS keyring") {
		t.Errorf("stderr %q", h.stderr)
	}
	if h.stdout.String() != "" {
		t.Errorf("stdout %q", h.stdout.String())
	}
	h.noTokenPrinted(t, e)
}

func TestLogin_NoBrowser_PrintsTheURLAndWaits(t *testing.T) {
	h := newHarness(t, nil)
	h.opts.NoBrowser = true
	person := h.srv.Browser() // the person opens the printed URL themself
	h.stderr.On(authtest.AuthorizeURL, func(m []string) { _ = person.Browse(m[1]) })
	h.opts.Browser = browserFunc(func(string) error { t.Error("--no-browser opened a browser"); return nil })
	if err := loginRun(context.Background(), h.opts); err != nil {
		t.Fatalf("login: %v\n%s", err, h.stderr)
	}
	if !strings.Contains(h.stderr.String(), "Open this URL in a browser on this machine") {
		t.Errorf("stderr %q", h.stderr)
	}
	if e, _ := h.stored(t); e.User != "ada@acme.example" {
		t.Errorf("stored %+v", e)
	}
}

type browserFunc func(string) error

func (f browserFunc) Browse(u string) error { return f(u) }

func TestLogin_Device(t *testing.T) {
	h := newHarness(t, nil)
	h.opts.Device = true
	h.opts.Browser = browserFunc(func(string) error { t.Error("the device flow opened a browser"); return nil })
	h.stderr.On(authtest.UserCode, func(m []string) { h.srv.ApproveDevice(m[1], false) })
	if err := loginRun(context.Background(), h.opts); err != nil {
		t.Fatalf("login: %v\n%s", err, h.stderr)
	}
	if s := h.stderr.String(); !strings.Contains(s, "/device") || !strings.Contains(s, "Signed in to") {
		t.Errorf("stderr %q", s)
	}
	e, _ := h.stored(t)
	if e.RefreshToken == "" || e.User != "ada@acme.example" {
		t.Errorf("stored %+v", e)
	}
	h.noTokenPrinted(t, e)
}

func TestLogin_DeviceRefused_IsExit4(t *testing.T) {
	h := newHarness(t, nil)
	h.opts.Device = true
	h.stderr.On(authtest.UserCode, func(m []string) { h.srv.ApproveDevice(m[1], true) })
	err := loginRun(context.Background(), h.opts)
	if cmdutil.ExitCode(err) != cmdutil.ExitAuth || !strings.Contains(err.Error(), "refused") {
		t.Fatalf("err %v", err)
	}
}

// Over SSH a browser cannot reach wsctl's loopback listener: wsctl picks the
// device flow and says why.
func TestLogin_SSHConnectionChoosesTheDeviceFlow(t *testing.T) {
	h := newHarness(t, nil)
	h.env["SSH_CONNECTION"] = "10.0.0.2 51000 10.0.0.1 22"
	h.opts.Browser = browserFunc(func(string) error { t.Error("a browser was opened over SSH"); return nil })
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	h.stderr.On(authtest.UserCode, func([]string) { cancel() })
	err := loginRun(ctx, h.opts)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v", err)
	}
	if s := h.stderr.String(); !strings.Contains(s, "SSH session (SSH_CONNECTION is set)") || !strings.Contains(s, "one-time code") {
		t.Errorf("stderr %q", s)
	}
}

func TestUseDevice(t *testing.T) {
	tests := []struct {
		name   string
		opts   LoginOptions
		env    map[string]string
		want   bool
		reason string
	}{
		{"display", LoginOptions{GOOS: "linux"}, map[string]string{"DISPLAY": ":0"}, false, ""},
		{"wayland", LoginOptions{GOOS: "linux"}, map[string]string{"WAYLAND_DISPLAY": "wayland-0"}, false, ""},
		{"no display", LoginOptions{GOOS: "linux"}, nil, true, "no display"},
		{"ssh", LoginOptions{GOOS: "linux"}, map[string]string{"DISPLAY": ":0", "SSH_CONNECTION": "a b c d"}, true, "SSH"},
		{"macOS has no DISPLAY", LoginOptions{GOOS: "darwin"}, nil, false, ""},
		{"BROWSER says how to open one", LoginOptions{GOOS: "linux"}, map[string]string{"BROWSER": "/usr/bin/drive-chromium"}, false, ""},
		{"--device", LoginOptions{GOOS: "linux", Device: true}, map[string]string{"DISPLAY": ":0"}, true, ""},
		{"--no-browser over SSH", LoginOptions{GOOS: "linux", NoBrowser: true}, map[string]string{"SSH_CONNECTION": "a b c d"}, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.LookupEnv = func(k string) (string, bool) { v, ok := tt.env[k]; return v, ok }
			got, reason := useDevice(&tt.opts)
			if got != tt.want || !strings.Contains(reason, tt.reason) || (tt.reason == "") != (reason == "") {
				t.Errorf("useDevice = %v %q", got, reason)
			}
		})
	}
}

func TestLogin_BrowserTimeout_HintsDevice(t *testing.T) {
	h := newHarness(t, nil)
	h.browser().Ignore = true
	h.opts.Timeout = 300 * time.Millisecond
	err := loginRun(context.Background(), h.opts)
	if err == nil || !strings.Contains(err.Error(), "within 300ms") || !strings.Contains(err.Error(), "wsctl auth login --device") {
		t.Fatalf("err %v", err)
	}
	if _, _, err := h.stores.Find(authstore.Key(h.srv.URL, "")); !errors.Is(err, authstore.ErrNotFound) {
		t.Errorf("stored after a timeout: %v", err)
	}
}

func TestLogin_RefusedInTheBrowser(t *testing.T) {
	h := newHarness(t, nil)
	h.browser().Deny = true
	err := loginRun(context.Background(), h.opts)
	if err == nil || !strings.Contains(err.Error(), "refused the sign-in: access_denied") {
		t.Fatalf("err %v", err)
	}
	if page := h.browser().Page(); !strings.Contains(page, "Sign-in failed") {
		t.Errorf("page %s", page)
	}
}

func TestLogin_WithToken_VerifiesAndStores(t *testing.T) {
	h := newHarness(t, nil)
	h.opts.WithToken = true
	h.opts.IO.In = strings.NewReader(h.srv.AdminToken + "\n")
	h.opts.Browser = browserFunc(func(string) error { t.Error("--with-token opened a browser"); return nil })
	if err := loginRun(context.Background(), h.opts); err != nil {
		t.Fatalf("login: %v", err)
	}
	e, st := h.stored(t)
	if st.Kind() != authstore.KindKeyring || e.Kind != authstore.KindAPIToken || e.AccessToken != h.srv.AdminToken ||
		e.RefreshToken != "" || e.User != "ada@acme.example" || e.TokenID == "" {
		t.Errorf("stored %+v", e)
	}
	h.noTokenPrinted(t, e)
}

func TestLogin_WithBadToken_IsExit4AndStoresNothing(t *testing.T) {
	h := newHarness(t, nil)
	h.opts.WithToken = true
	h.opts.IO.In = strings.NewReader("wsp_not-a-token\n")
	err := loginRun(context.Background(), h.opts)
	if cmdutil.ExitCode(err) != cmdutil.ExitAuth || !strings.Contains(err.Error(), "refused the token") {
		t.Fatalf("err %v", err)
	}
	if _, _, err := h.stores.Find(authstore.Key(h.srv.URL, "")); !errors.Is(err, authstore.ErrNotFound) {
		t.Errorf("stored: %v", err)
	}
	h.opts.IO.In = strings.NewReader("")
	if err := loginRun(context.Background(), h.opts); cmdutil.ExitCode(err) != cmdutil.ExitUsage {
		t.Errorf("empty stdin: %v", err)
	}
}

// Without a keyring wsctl says so and offers the two other ways, before
// anyone signs in; it never falls back to a file by itself (cli/cli#8954).
func TestLogin_NoKeyring_FailsNamingInsecureStorage(t *testing.T) {
	h := newHarness(t, authstoretest.NoKeyring(t))
	err := loginRun(context.Background(), h.opts)
	if err == nil {
		t.Fatal("login succeeded without a keyring")
	}
	for _, want := range []string{"no OS keyring is available", "DBUS_SESSION_BUS_ADDRESS", "wsctl auth login --insecure-storage", "WSCTL_TOKEN", h.stores.File.Dir} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	if len(h.browser().URLs()) != 0 {
		t.Error("the sign-in started although it could not be kept")
	}
	if entries, _ := os.ReadDir(h.stores.File.Dir); len(entries) != 0 {
		t.Errorf("fell back to a file: %v", entries)
	}
}

func TestLogin_InsecureStorage_File0600(t *testing.T) {
	h := newHarness(t, authstoretest.NoKeyring(t))
	h.opts.InsecureStorage = true
	if err := loginRun(context.Background(), h.opts); err != nil {
		t.Fatalf("login: %v", err)
	}
	e, st := h.stored(t)
	if st.Kind() != authstore.KindFile || e.RefreshToken == "" {
		t.Fatalf("stored in %s: %+v", st.Kind(), e)
	}
	path := h.stores.File.Path(authstore.Key(h.srv.URL, ""))
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("%s: %v mode %v", path, err, fi.Mode().Perm())
	}
	if s := h.stderr.String(); !strings.Contains(s, path) || !strings.Contains(s, "not encrypted") {
		t.Errorf("stderr %q", s)
	}
}

// cli/cli#7008: a login while WSCTL_TOKEN is set is kept, and wsctl says
// that the variable still wins and what to do.
func TestLogin_WSCTLTokenSet_SaysTheVariableWins(t *testing.T) {
	h := newHarness(t, nil)
	h.env[config.EnvToken] = h.srv.AdminToken
	if err := loginRun(context.Background(), h.opts); err != nil {
		t.Fatalf("login: %v", err)
	}
	s := h.stderr.String()
	if strings.Count(s, "WSCTL_TOKEN is set: wsctl uses it instead of any stored sign-in") != 2 || !strings.Contains(s, "unset WSCTL_TOKEN") {
		t.Errorf("stderr %q", s)
	}
	h.stored(t)
}

// A new sign-in in the keyring replaces an older --insecure-storage one,
// which would otherwise shadow it.
func TestLogin_AgainInTheKeyring_RemovesTheFileEntry(t *testing.T) {
	h := newHarness(t, nil)
	h.opts.InsecureStorage = true
	if err := loginRun(context.Background(), h.opts); err != nil {
		t.Fatal(err)
	}
	h.opts.InsecureStorage = false
	h.opts.Browser = h.srv.Browser()
	if err := loginRun(context.Background(), h.opts); err != nil {
		t.Fatal(err)
	}
	if _, st := h.stored(t); st.Kind() != authstore.KindKeyring {
		t.Errorf("found in %s", st.Kind())
	}
}

// Signing in again ends the replaced sign-in on the server.
func TestLogin_Again_RevokesTheReplacedSignIn(t *testing.T) {
	h := newHarness(t, nil)
	if err := loginRun(context.Background(), h.opts); err != nil {
		t.Fatal(err)
	}
	first, _ := h.stored(t)
	h.opts.Browser = h.srv.Browser()
	if err := loginRun(context.Background(), h.opts); err != nil {
		t.Fatal(err)
	}
	second, _ := h.stored(t)
	if _, err := h.srv.Refresh(first.RefreshToken); err == nil {
		t.Error("the replaced sign-in's refresh token still works")
	}
	if _, err := h.srv.Refresh(second.RefreshToken); err != nil {
		t.Errorf("the new sign-in does not work: %v", err)
	}
}

// Several hosts and profiles stay signed in at once.
func TestLogin_ProfilesAreSeparateEntries(t *testing.T) {
	h := newHarness(t, nil)
	if err := loginRun(context.Background(), h.opts); err != nil {
		t.Fatal(err)
	}
	h.opts.Config = func() (*config.Config, error) { return &config.Config{Host: h.srv.URL, Profile: "staging"}, nil }
	h.opts.Browser = h.srv.Browser()
	if err := loginRun(context.Background(), h.opts); err != nil {
		t.Fatal(err)
	}
	a, _, errA := h.stores.Find(authstore.Key(h.srv.URL, ""))
	b, _, errB := h.stores.Find(authstore.Key(h.srv.URL, "staging"))
	if errA != nil || errB != nil || a.RefreshToken == b.RefreshToken || b.Profile != "staging" {
		t.Errorf("entries %v %v: %+v %+v", errA, errB, a, b)
	}
}

// TestLogin_Keyring_Real signs in and keeps the tokens in the real OS
// keyring (run through scripts/with-keyring.sh; skips without one, except
// under CI=true).
func TestLogin_Keyring_Real(t *testing.T) {
	stores := authstoretest.Real(t)
	h := newHarness(t, stores)
	t.Cleanup(func() { _ = stores.Keyring.Delete(authstore.Key(h.srv.URL, "")) })
	if err := loginRun(context.Background(), h.opts); err != nil {
		t.Fatalf("login: %v", err)
	}
	e, err := stores.Keyring.Get(authstore.Key(h.srv.URL, ""))
	if err != nil || e.RefreshToken == "" || e.User != "ada@acme.example" {
		t.Fatalf("keyring entry: %v %+v", err, e)
	}
	if entries, _ := os.ReadDir(stores.File.Dir); len(entries) != 0 {
		t.Errorf("a file was written too: %v", entries)
	}
}

func TestLogin_Org_SendsTheOrgHint(t *testing.T) {
	for _, tc := range []struct{ org, hint string }{{"acme", "org:acme"}, {"", ""}} {
		h := newHarness(t, nil)
		h.opts.Org = tc.org
		if err := loginRun(context.Background(), h.opts); err != nil {
			t.Fatalf("login --org %q: %v\n%s", tc.org, err, h.stderr)
		}
		urls := h.browser().URLs()
		if len(urls) != 1 {
			t.Fatalf("browser opened %q", urls)
		}
		u, _ := url.Parse(urls[0])
		if got := u.Query().Get("login_hint"); got != tc.hint {
			t.Errorf("--org %q: login_hint %q, want %q", tc.org, got, tc.hint)
		}
		if page := h.browser().Page(); !strings.Contains(page, "Signed in") {
			t.Errorf("--org %q: the browser's last page: %s", tc.org, page)
		}
	}
}
