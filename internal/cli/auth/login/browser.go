package login

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"

	"github.com/wsctl/wsctl/internal/cli/auth/shared"
	"github.com/wsctl/wsctl/internal/cli/cmdutil"
)

// browserFlow signs in with the authorization code flow, PKCE S256 and a
// loopback redirect on a random port of 127.0.0.1 (RFC 8252).
func browserFlow(ctx context.Context, opts *LoginOptions, host string, meta *shared.Metadata, hc *http.Client) (*oauth2.Token, error) {
	if meta.AuthorizationEndpoint == "" {
		return nil, fmt.Errorf("%s offers no browser sign-in; use 'wsctl auth login --device' or '--with-token'", host)
	}
	if len(meta.CodeChallengeMethodsSupported) > 0 && !meta.SupportsS256() {
		return nil, fmt.Errorf("%s does not support PKCE with S256, which wsctl requires", host)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("open a listener on 127.0.0.1 for the sign-in: %w (use 'wsctl auth login --device')", err)
	}
	redirect := fmt.Sprintf("http://127.0.0.1:%d/callback", ln.Addr().(*net.TCPAddr).Port)
	conf := meta.OAuth2(redirect)
	state, verifier := oauth2.GenerateVerifier(), oauth2.GenerateVerifier()
	params := []oauth2.AuthCodeOption{oauth2.S256ChallengeOption(verifier)}
	if opts.Org != "" {
		// workspaced reads a login_hint of the form org:SLUG as the org.
		params = append(params, oauth2.SetAuthURLParam("login_hint", "org:"+opts.Org))
	}
	authURL := conf.AuthCodeURL(state, params...)

	lb := &loopback{state: state, host: host, results: make(chan callback, 1), outcomes: make(chan outcome, 1)}
	srv := &http.Server{Handler: lb, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer func() {
		// Let the browser get its final page before closing.
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()

	ios := opts.IO
	if opts.NoBrowser {
		fmt.Fprintf(ios.ErrOut, "Open this URL in a browser on this machine to sign in to %s:\n  %s\n", host, authURL)
	} else {
		fmt.Fprintf(ios.ErrOut, "Opening %s in your browser to sign in. If it does not open, visit:\n  %s\n", host, authURL)
		if err := opts.Browser.Browse(authURL); err != nil {
			cmdutil.Warn(ios, "%v; open the URL above yourself", err)
		}
	}
	fmt.Fprintf(ios.ErrOut, "Waiting up to %s for the sign-in to finish (Ctrl-C to stop)...\n", opts.Timeout)

	timer := time.NewTimer(opts.Timeout)
	defer timer.Stop()
	var cb callback
	select {
	case cb = <-lb.results:
	case <-timer.C:
		return nil, fmt.Errorf("no sign-in came back within %s. If no browser here can reach this machine's 127.0.0.1 (over SSH, in a container, without a display), sign in with 'wsctl auth login --device' instead", opts.Timeout)
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if cb.err != nil {
		lb.outcomes <- outcome{err: cb.err}
		return nil, cb.err
	}
	tok, err := conf.Exchange(shared.WithHTTPClient(ctx, hc), cb.code, oauth2.VerifierOption(verifier))
	if err != nil {
		err = fmt.Errorf("finish the sign-in to %s: %w", host, describeOAuthError(err))
	}
	lb.outcomes <- outcome{err: err}
	return tok, err
}

// callback is what the browser brought back: a code or the server's refusal.
type callback struct {
	code string
	err  error
}

type outcome struct{ err error }

// loopback serves the redirect: it accepts the first callback carrying the
// login's state and shows the browser how the sign-in ended.
type loopback struct {
	state, host string
	once        sync.Once
	results     chan callback
	outcomes    chan outcome
}

func (l *loopback) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/callback" {
		http.NotFound(w, r)
		return
	}
	q := r.URL.Query()
	if q.Get("state") != l.state {
		// Not this login's answer (a stale tab, or a forged request): ignore it.
		page(w, http.StatusBadRequest, "Not this sign-in", "This page does not belong to the sign-in wsctl is waiting for. Start again with 'wsctl auth login'.")
		return
	}
	var cb callback
	switch {
	case q.Get("error") != "":
		cb.err = fmt.Errorf("%s refused the sign-in: %s", l.host, oauthErrorText(q.Get("error"), q.Get("error_description")))
	case q.Get("code") == "":
		cb.err = fmt.Errorf("%s sent no authorization code back", l.host)
	default:
		cb.code = q.Get("code")
	}
	accepted := false
	l.once.Do(func() { accepted = true; l.results <- cb })
	if !accepted {
		page(w, http.StatusConflict, "Already handled", "wsctl has already received this sign-in. Go back to the terminal.")
		return
	}
	select {
	case o := <-l.outcomes:
		if o.err != nil {
			page(w, http.StatusOK, "Sign-in failed", o.err.Error()+". Go back to the terminal for details.")
			return
		}
		page(w, http.StatusOK, "Signed in", "wsctl is signed in to "+l.host+". You can close this tab and go back to the terminal.")
	case <-time.After(time.Minute):
		page(w, http.StatusOK, "Signed in?", "wsctl received the sign-in; go back to the terminal to see how it ended.")
	case <-r.Context().Done():
	}
}

// pageHTML is the page shown in the browser at the end of a sign-in; its
// %[1]s is the title and %[2]s the message, both escaped by escapeHTML.
const pageHTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>wsctl: %[1]s</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 36rem; margin: 4rem auto; padding: 0 1rem">
<main><h1 id="title">%[1]s</h1><p id="message">%[2]s</p></main>
</body></html>
`

func page(w http.ResponseWriter, status int, title, message string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	w.WriteHeader(status)
	_, _ = fmt.Fprintf(w, pageHTML, escapeHTML(title), escapeHTML(message))
}

// escapeHTML escapes text for an HTML element's content exactly as
// html/template did when it filled this page (it is no longer linked into
// wsctl: its init ran at every start, for two strings of one page).
func escapeHTML(s string) string {
	return strings.NewReplacer("\x00", "\uFFFD", `"`, "&#34;", "&", "&amp;", "'", "&#39;", "+", "&#43;", "<", "&lt;", ">", "&gt;").Replace(s)
}

func oauthErrorText(code, description string) string {
	if description != "" {
		return code + ": " + description
	}
	return code
}

// describeOAuthError shortens golang.org/x/oauth2's errors to the server's words.
func describeOAuthError(err error) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) && re.ErrorCode != "" {
		return errors.New(oauthErrorText(re.ErrorCode, re.ErrorDescription))
	}
	return err
}
