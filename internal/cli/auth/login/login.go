// Package login implements 'wsctl auth login'.
package login

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"golang.org/x/term"
	"io"
	"net/http"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/MakeNowJust/heredoc/v2"
	"github.com/spf13/cobra"
	"golang.org/x/oauth2"

	"github.com/wsctl/wsctl/internal/api/schema"
	"github.com/wsctl/wsctl/internal/cli/auth/shared"
	"github.com/wsctl/wsctl/internal/cli/authstore"
	"github.com/wsctl/wsctl/internal/cli/cmdutil"
	"github.com/wsctl/wsctl/internal/cli/cmdutil/iostreams"
	"github.com/wsctl/wsctl/internal/cli/config"
	"github.com/wsctl/wsctl/internal/client"
)

// DefaultTimeout is how long the browser sign-in may take.
const DefaultTimeout = 5 * time.Minute

// EnvTimeout overrides DefaultTimeout (a Go duration such as "30s"), for tests and slow sign-ins.
const EnvTimeout = "WSCTL_LOGIN_TIMEOUT"

// LoginOptions are the parsed flags of 'auth login'.
type LoginOptions struct {
	IO          *iostreams.IOStreams
	Config      func() (*config.Config, error)
	HTTPClient  func() (*http.Client, error)
	TokenStores func() (*authstore.Stores, error)
	Browser     cmdutil.Browser
	// LookupEnv reads the environment (SSH_CONNECTION, DISPLAY, BROWSER); nil means os.LookupEnv.
	LookupEnv func(string) (string, bool)
	// GOOS is runtime.GOOS unless a test says otherwise.
	GOOS      string
	UserAgent string

	Device          bool
	WithToken       bool
	NoBrowser       bool
	InsecureStorage bool
	// Org is the short name of the org to sign in to (--org): the sign-in
	// page then shows that org's own way in, such as only "Sign in with
	// HubSpot". Empty: the page asks for the org.
	Org string
	// Timeout bounds the browser sign-in (--timeout, WSCTL_LOGIN_TIMEOUT).
	Timeout time.Duration
}

// NewCmdLogin builds 'auth login'.
func NewCmdLogin(f *cmdutil.Factory, runF func(*LoginOptions) error) *cobra.Command {
	opts := &LoginOptions{
		IO: f.IOStreams, Config: f.Config, HTTPClient: f.HTTPClient, TokenStores: f.TokenStores,
		Browser: f.Browser, UserAgent: "wsctl/" + f.AppVersion,
	}
	cmd := &cobra.Command{
		Use:   "login",
		Short: "Sign in to workspaced through a browser, a device code or an API token",
		Long: heredoc.Docf(`
			Sign in to the workspaced at the selected host (--host, WSCTL_HOST, the
			profile or the config file; see 'wsctl help environment').

			By default wsctl opens your browser on the server's sign-in page and
			receives the result on a one-time listener on 127.0.0.1 (OAuth 2.0
			authorization code with PKCE). The browser is the command in $BROWSER
			when set (the URL is added as its last argument), else the system's.
			With --no-browser wsctl prints the URL and waits; open it in a
			browser on this machine. wsctl gives up after %[1]s (--timeout, or
			%[2]s).

			--org names your organization (its short name, like acme), so the
			sign-in page shows its own way in at once: for an org that signs in
			with HubSpot, only the "Sign in with HubSpot" button.

			--device signs in with a one-time code entered in a browser on any
			device (OAuth 2.0 device authorization grant). wsctl chooses it by
			itself over SSH (SSH_CONNECTION is set) and on Linux without a display
			(DISPLAY and WAYLAND_DISPLAY empty), unless $BROWSER says how to open
			a browser here.

			--with-token reads an API token from standard input (create one with
			'wsctl tokens create'), checks it with the server and stores it.

			The sign-in is kept in the OS keyring (service "wsctl", one entry per
			host and profile). Where there is no keyring, wsctl says so and stops:
			--insecure-storage keeps it instead in a file only you can read, under
			$XDG_STATE_HOME/wsctl; or set WSCTL_TOKEN, which always takes precedence
			over a stored sign-in.

			Access tokens are short-lived; wsctl renews them with the refresh
			token when needed. See also 'wsctl auth status' and 'wsctl auth logout'.
		`, DefaultTimeout, EnvTimeout),
		Example: heredoc.Doc(`
			# Sign in through the browser
			$ wsctl auth login

			# Sign in to the org acme, which signs in with HubSpot
			$ wsctl auth login --org acme

			# Sign in on a machine without a browser: enter the code elsewhere
			$ wsctl auth login --device

			# Sign in to another server, keeping the tokens in a file
			$ wsctl auth login --host https://ws.example.com --insecure-storage

			# Store an API token, e.g. in CI
			$ wsctl auth login --with-token < token.txt
		`),
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if !cmd.Flags().Changed("timeout") {
				if v, ok := lookup(opts.LookupEnv, EnvTimeout); ok && v != "" {
					d, err := time.ParseDuration(v)
					if err != nil {
						return cmdutil.FlagErrorf("%s=%q is not a duration (e.g. 90s, 5m)", EnvTimeout, v)
					}
					opts.Timeout = d
				}
			}
			if opts.Timeout <= 0 {
				return cmdutil.FlagErrorf("--timeout must be positive, e.g. 5m")
			}
			if runF != nil {
				return runF(opts)
			}
			return loginRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&opts.Device, "device", false, "sign in with a one-time code entered in a browser on any device")
	fl.BoolVar(&opts.WithToken, "with-token", false, "read an API token from standard input and store it")
	fl.BoolVar(&opts.NoBrowser, "no-browser", false, "print the sign-in URL instead of opening a browser")
	fl.BoolVar(&opts.InsecureStorage, "insecure-storage", false, "keep the sign-in in a plain file only you can read, not in the OS keyring")
	fl.StringVar(&opts.Org, "org", "", "your organization's short name, so the sign-in page shows its own way in (browser sign-in)")
	fl.DurationVar(&opts.Timeout, "timeout", DefaultTimeout, "how long to wait for the browser sign-in (env "+EnvTimeout+")")
	cmd.MarkFlagsMutuallyExclusive("with-token", "device")
	cmd.MarkFlagsMutuallyExclusive("with-token", "no-browser")
	cmd.MarkFlagsMutuallyExclusive("device", "no-browser")
	// The device page asks for the code first and the org after it.
	cmd.MarkFlagsMutuallyExclusive("org", "device")
	cmd.MarkFlagsMutuallyExclusive("org", "with-token")
	return cmd
}

func lookup(env func(string) (string, bool), name string) (string, bool) {
	if env == nil {
		env = os.LookupEnv
	}
	return env(name)
}

func loginRun(ctx context.Context, opts *LoginOptions) error {
	cfg, err := opts.Config()
	if err != nil {
		return err
	}
	stores, err := opts.TokenStores()
	if err != nil {
		return err
	}
	if cfg.Token != "" {
		cmdutil.Warn(opts.IO, "%s", envTokenWins)
	}
	key := authstore.Key(cfg.Host, cfg.Profile)
	// Where the sign-in goes is settled before anyone signs in: learning
	// afterwards that there is no keyring would waste the sign-in.
	store, err := chooseStore(stores, key, opts.InsecureStorage)
	if err != nil {
		return err
	}
	hc, err := opts.HTTPClient()
	if err != nil {
		return err
	}

	var entry *authstore.Entry
	if opts.WithToken {
		entry, err = signInWithToken(ctx, opts, cfg.Host, hc)
	} else {
		entry, err = signInWithOAuth(ctx, opts, cfg.Host, hc)
	}
	if err != nil {
		return err
	}
	entry.Host, entry.Profile = cfg.Host, cfg.Profile

	previous, _, _ := stores.Find(key)
	if err := keep(ctx, stores, store, key, entry); err != nil {
		return fmt.Errorf("store the sign-in to %s in the %s: %w", cfg.Host, store.Kind(), err)
	}
	revokePrevious(ctx, hc, cfg.Host, previous, entry)

	who := entry.User
	if entry.Org != "" {
		who += " (org " + entry.Org + ")"
	}
	cmdutil.Success(opts.IO, "Signed in to %s as %s", cfg.Host, who)
	if store.Kind() == authstore.KindFile {
		cmdutil.Warn(opts.IO, "Stored the sign-in in %s: not encrypted, readable only by you (--insecure-storage)", stores.File.Path(key))
	} else {
		cmdutil.Success(opts.IO, "Stored the sign-in in the OS keyring")
	}
	if cfg.Token != "" {
		cmdutil.Warn(opts.IO, "%s", envTokenWins)
	}
	return nil
}

// envTokenWins is said before and after a login while WSCTL_TOKEN is set
// (cli/cli#7008): the stored sign-in is kept but not used.
const envTokenWins = "WSCTL_TOKEN is set: wsctl uses it instead of any stored sign-in, including this one. To use this sign-in, unset it ('unset WSCTL_TOKEN')."

// chooseStore picks the keyring, or the file with --insecure-storage. A
// keyring that cannot be used is an error offering the two other ways, never
// a silent fall-back to the file (cli/cli#8954).
func chooseStore(stores *authstore.Stores, key string, insecure bool) (authstore.Store, error) {
	if insecure {
		return stores.File, nil
	}
	err := stores.Keyring.Probe(key)
	var unavailable *authstore.UnavailableError
	switch {
	case err == nil:
		return stores.Keyring, nil
	case errors.As(err, &unavailable):
		return nil, fmt.Errorf(heredoc.Doc(`
			cannot keep the sign-in: %s.
			Choose where instead:
			  wsctl auth login --insecure-storage   keeps it in %s, a file only you can read (not encrypted)
			  export WSCTL_TOKEN=<API token>        uses an API token instead (an admin creates one with 'wsctl tokens create')`),
			unavailable.Error(), stores.File.Dir)
	}
	return nil, err
}

// keep stores the new sign-in under the refresh lock, so that a wsctl
// refreshing the previous one meanwhile cannot write it back over this one.
func keep(ctx context.Context, stores *authstore.Stores, store authstore.Store, key string, e *authstore.Entry) error {
	unlock, err := stores.Lock(ctx, key)
	if err != nil {
		return err
	}
	defer unlock()
	if err := store.Set(key, e); err != nil {
		return err
	}
	clearStale(stores, store, key)
	return nil
}

// revokePrevious ends the sign-in this one replaces on the server, so that
// its refresh token does not stay valid unused. Best effort: the new
// sign-in is kept either way.
func revokePrevious(ctx context.Context, hc *http.Client, host string, previous, next *authstore.Entry) {
	if previous == nil || previous.Kind != authstore.KindOAuth || previous.RefreshToken == "" || previous.RefreshToken == next.RefreshToken {
		return
	}
	meta, err := shared.Discover(ctx, hc, host)
	if err == nil {
		_ = shared.Revoke(ctx, hc, meta, host, previous.RefreshToken, "refresh_token")
	}
}

// clearStale removes an older sign-in of the same key from the other store,
// which would otherwise shadow (file) or outlive (keyring) the new one.
func clearStale(stores *authstore.Stores, used authstore.Store, key string) {
	other := stores.Other(used)
	if other.Kind() == authstore.KindKeyring && stores.Keyring.Available() != nil {
		return
	}
	_ = other.Delete(key)
}

// signInWithToken reads an API token from stdin and asks the server whose it is.
func signInWithToken(ctx context.Context, opts *LoginOptions, host string, hc *http.Client) (*authstore.Entry, error) {
	token, err := readToken(opts.IO)
	if err != nil {
		return nil, err
	}
	me, err := shared.WhoAmI(ctx, hc, host, token, opts.UserAgent)
	if err != nil {
		var apiErr *client.APIError
		if errors.As(err, &apiErr) && apiErr.Status == http.StatusUnauthorized {
			return nil, cmdutil.AuthErrorf("%s refused the token: %s (check it, or create a new one with 'wsctl tokens create')", host, apiErr.Error())
		}
		return nil, fmt.Errorf("check the token with %s: %w", host, err)
	}
	return &authstore.Entry{Kind: authstore.KindAPIToken, AccessToken: token, TokenID: me.TokenID,
		User: me.User.Email, Org: me.OrgSlug, Scopes: me.Scopes}, nil
}

func readToken(ios *iostreams.IOStreams) (string, error) {
	var line string
	if ios.IsStdinTTY() {
		fmt.Fprint(ios.ErrOut, "Paste an API token and press Enter (it is not shown): ")
		l, err := readSecretLine(ios.In)
		fmt.Fprintln(ios.ErrOut)
		if err != nil && !errors.Is(err, io.EOF) {
			return "", fmt.Errorf("read the token: %w", err)
		}
		line = l
	} else {
		b, err := io.ReadAll(io.LimitReader(ios.In, 64<<10))
		if err != nil {
			return "", fmt.Errorf("read the token from standard input: %w", err)
		}
		line, _, _ = strings.Cut(strings.TrimSpace(string(b)), "\n")
	}
	token := strings.TrimSpace(line)
	if token == "" {
		return "", cmdutil.FlagErrorf("no token on standard input: pass one, e.g. 'wsctl auth login --with-token < token.txt'")
	}
	return token, nil
}

// signInWithOAuth runs the browser or the device flow and asks the server
// who signed in.
func signInWithOAuth(ctx context.Context, opts *LoginOptions, host string, hc *http.Client) (*authstore.Entry, error) {
	meta, err := shared.Discover(ctx, hc, host)
	if err != nil {
		return nil, err
	}
	var tok *oauth2.Token
	if device, reason := useDevice(opts); device {
		if reason != "" {
			fmt.Fprintf(opts.IO.ErrOut, "Signing in with a one-time code, as %s. (--no-browser signs in through a browser on this machine instead.)\n", reason)
		}
		tok, err = deviceFlow(ctx, opts, meta, hc)
	} else {
		tok, err = browserFlow(ctx, opts, host, meta, hc)
	}
	if err != nil {
		return nil, err
	}
	me, err := whoSignedIn(ctx, opts, host, hc, tok)
	if err != nil {
		return nil, err
	}
	if tok.RefreshToken == "" {
		cmdutil.Warn(opts.IO, "%s gave no refresh token: sign in again when this access token expires", host)
	}
	scopes := me.Scopes
	if len(scopes) == 0 {
		scopes = shared.GrantedScopes(tok)
	}
	return &authstore.Entry{Kind: authstore.KindOAuth, AccessToken: tok.AccessToken, RefreshToken: tok.RefreshToken,
		Expiry: tok.Expiry, User: me.User.Email, Org: me.OrgSlug, Scopes: scopes}, nil
}

func whoSignedIn(ctx context.Context, opts *LoginOptions, host string, hc *http.Client, tok *oauth2.Token) (schema.Me, error) {
	me, err := shared.WhoAmI(ctx, hc, host, tok.AccessToken, opts.UserAgent)
	if err != nil {
		return me, fmt.Errorf("signed in, but %s did not accept the new token: %w", host, err)
	}
	return me, nil
}

// useDevice says whether to use the device flow, and why when wsctl chose it
// itself: a loopback redirect cannot reach wsctl from a browser on another
// machine (SSH), and there is no browser to open without a display. A
// $BROWSER setting says how to open one here, so it keeps the browser flow.
func useDevice(opts *LoginOptions) (bool, string) {
	if opts.Device {
		return true, ""
	}
	if opts.NoBrowser {
		return false, ""
	}
	if v, _ := lookup(opts.LookupEnv, "BROWSER"); strings.TrimSpace(v) != "" {
		return false, ""
	}
	if v, _ := lookup(opts.LookupEnv, "SSH_CONNECTION"); v != "" {
		return true, "this is an SSH session (SSH_CONNECTION is set), whose browser cannot reach this machine's 127.0.0.1"
	}
	goos := opts.GOOS
	if goos == "" {
		goos = runtime.GOOS
	}
	display, _ := lookup(opts.LookupEnv, "DISPLAY")
	wayland, _ := lookup(opts.LookupEnv, "WAYLAND_DISPLAY")
	if goos == "linux" && display == "" && wayland == "" {
		return true, "there is no display to open a browser on (DISPLAY and WAYLAND_DISPLAY are empty)"
	}
	return false, ""
}

// readSecretLine reads a line without echoing it when in is a terminal, so
// a pasted token does not stay on the screen or in a terminal recording.
func readSecretLine(in io.Reader) (string, error) {
	if f, ok := in.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		b, err := term.ReadPassword(int(f.Fd()))
		return string(b), err
	}
	return bufio.NewReader(in).ReadString('\n')
}
