// Package logout implements 'wsctl auth logout'.
package logout

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/MakeNowJust/heredoc/v2"
	"github.com/spf13/cobra"

	"github.com/wsctl/wsctl/internal/cli/auth/shared"
	"github.com/wsctl/wsctl/internal/cli/authstore"
	"github.com/wsctl/wsctl/internal/cli/cmdutil"
	"github.com/wsctl/wsctl/internal/cli/cmdutil/iostreams"
	"github.com/wsctl/wsctl/internal/cli/config"
)

// LogoutOptions are the parsed flags of 'auth logout'.
type LogoutOptions struct {
	IO          *iostreams.IOStreams
	Config      func() (*config.Config, error)
	HTTPClient  func() (*http.Client, error)
	TokenStores func() (*authstore.Stores, error)
}

// NewCmdLogout builds 'auth logout'.
func NewCmdLogout(f *cmdutil.Factory, runF func(*LogoutOptions) error) *cobra.Command {
	opts := &LogoutOptions{IO: f.IOStreams, Config: f.Config, HTTPClient: f.HTTPClient, TokenStores: f.TokenStores}
	cmd := &cobra.Command{
		Use:   "logout",
		Short: "Sign out: revoke the sign-in on the server and forget it here",
		Long: heredoc.Doc(`
			Sign out of the selected host: the refresh token is revoked on the
			server (RFC 7009), which ends the sign-in there, and the entry is
			removed from the OS keyring or the --insecure-storage file. Other
			hosts and profiles stay signed in.

			An API token stored with 'wsctl auth login --with-token' is only
			forgotten here; revoke the token itself with 'wsctl tokens revoke'.
			WSCTL_TOKEN is not touched: unset it yourself.
		`),
		Example: heredoc.Doc(`
			$ wsctl auth logout
			$ wsctl auth logout --host https://ws.example.com
		`),
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return logoutRun(cmd.Context(), opts)
		},
	}
	return cmd
}

func logoutRun(ctx context.Context, opts *LogoutOptions) error {
	cfg, err := opts.Config()
	if err != nil {
		return err
	}
	stores, err := opts.TokenStores()
	if err != nil {
		return err
	}
	key := authstore.Key(cfg.Host, cfg.Profile)
	_, store, err := stores.Find(key)
	if err != nil {
		if cfg.Token != "" && errors.Is(err, authstore.ErrNotFound) {
			return cmdutil.AuthErrorf("no stored sign-in for %s to sign out of: wsctl uses WSCTL_TOKEN, which logout cannot remove; unset it ('unset WSCTL_TOKEN')", cfg.Host)
		}
		return shared.NotSignedIn(cfg.Host, err)
	}
	// Under the refresh lock, so that a wsctl refreshing meanwhile does not
	// write back a sign-in that is being removed.
	unlock, err := stores.Lock(ctx, key)
	if err != nil {
		return err
	}
	defer unlock()
	entry, err := store.Get(key)
	if errors.Is(err, authstore.ErrNotFound) {
		return shared.NotSignedIn(cfg.Host, err)
	}
	if err != nil {
		return err
	}

	var revokeErr error
	if entry.Kind != authstore.KindAPIToken {
		revokeErr = revoke(ctx, opts, cfg.Host, entry)
	}
	if err := store.Delete(key); err != nil {
		return fmt.Errorf("remove the sign-in to %s from the %s: %w", cfg.Host, store.Kind(), err)
	}
	who := ""
	if entry.User != "" {
		who = " (" + entry.User + ")"
	}
	cmdutil.Success(opts.IO, "Signed out of %s%s; removed the sign-in from %s", cfg.Host, who, store.Where(key))
	if entry.Kind == authstore.KindAPIToken {
		hint := "an admin can revoke it with 'wsctl tokens revoke ID'"
		if entry.TokenID != "" {
			hint = fmt.Sprintf("an admin can revoke it with 'wsctl tokens revoke %s'", entry.TokenID)
		}
		cmdutil.Warn(opts.IO, "The API token itself still works: %s", hint)
	}
	if cfg.Token != "" {
		cmdutil.Warn(opts.IO, "WSCTL_TOKEN is still set: wsctl keeps using it until you unset it ('unset WSCTL_TOKEN')")
	}
	if revokeErr != nil {
		return fmt.Errorf("removed the sign-in here, but could not revoke it on %s: %w; it stays valid there until it expires", cfg.Host, revokeErr)
	}
	return nil
}

// revoke ends the sign-in on the server: the refresh token (which ends its
// whole family there), then the access token, which may outlive it briefly.
func revoke(ctx context.Context, opts *LogoutOptions, host string, e *authstore.Entry) error {
	hc, err := opts.HTTPClient()
	if err != nil {
		return err
	}
	meta, err := shared.Discover(ctx, hc, host)
	if err != nil {
		return err
	}
	if e.RefreshToken != "" {
		if err := shared.Revoke(ctx, hc, meta, host, e.RefreshToken, "refresh_token"); err != nil {
			return err
		}
	}
	if e.AccessToken != "" {
		// Best effort: it dies within minutes anyway.
		_ = shared.Revoke(ctx, hc, meta, host, e.AccessToken, "access_token")
	}
	return nil
}
