package login

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"golang.org/x/oauth2"

	"github.com/wsctl/wsctl/internal/cli/auth/shared"
	"github.com/wsctl/wsctl/internal/cli/cmdutil"
)

// deviceFlow signs in with the device authorization grant (RFC 8628): the
// person enters a one-time code in a browser anywhere while wsctl polls.
func deviceFlow(ctx context.Context, opts *LoginOptions, meta *shared.Metadata, hc *http.Client) (*oauth2.Token, error) {
	if meta.DeviceAuthorizationEndpoint == "" {
		return nil, errors.New("this server does not offer sign-in with a one-time code; use 'wsctl auth login --no-browser' or '--with-token'")
	}
	conf := meta.OAuth2("")
	octx := shared.WithHTTPClient(ctx, hc)
	da, err := conf.DeviceAuth(octx)
	if err != nil {
		return nil, fmt.Errorf("start the sign-in with a one-time code: %w", describeOAuthError(err))
	}
	ios := opts.IO
	cs := ios.ErrColorScheme()
	fmt.Fprintf(ios.ErrOut, "First copy your one-time code: %s\n", cs.Bold(da.UserCode))
	fmt.Fprintf(ios.ErrOut, "Then open %s in a browser on any device and enter it.\n", da.VerificationURI)
	if da.VerificationURIComplete != "" {
		fmt.Fprintf(ios.ErrOut, "(Or open %s, which fills the code in.)\n", da.VerificationURIComplete)
	}
	if da.Expiry.IsZero() {
		fmt.Fprintln(ios.ErrOut, "Waiting for the sign-in to finish...")
	} else {
		fmt.Fprintf(ios.ErrOut, "Waiting for the sign-in to finish; the code expires in %s...\n", time.Until(da.Expiry).Round(time.Second))
	}
	tok, err := conf.DeviceAccessToken(octx, da)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if errors.Is(err, context.DeadlineExceeded) {
			return nil, errors.New("the one-time code expired before the sign-in finished; run 'wsctl auth login --device' again")
		}
		var re *oauth2.RetrieveError
		if errors.As(err, &re) {
			switch re.ErrorCode {
			case "access_denied":
				return nil, cmdutil.AuthErrorf("the sign-in was refused in the browser")
			case "expired_token":
				return nil, errors.New("the one-time code expired before the sign-in finished; run 'wsctl auth login --device' again")
			}
		}
		return nil, fmt.Errorf("sign in with a one-time code: %w", describeOAuthError(err))
	}
	return tok, nil
}
