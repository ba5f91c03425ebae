// Package refresh implements 'wsctl auth refresh'.
package refresh

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/MakeNowJust/heredoc/v2"
	"github.com/spf13/cobra"

	"github.com/wsctl/wsctl/internal/cli/auth/shared"
	"github.com/wsctl/wsctl/internal/cli/authstore"
	"github.com/wsctl/wsctl/internal/cli/cmdutil"
	"github.com/wsctl/wsctl/internal/cli/cmdutil/iostreams"
	"github.com/wsctl/wsctl/internal/cli/config"
)

// RefreshOptions are the parsed flags of 'auth refresh'.
type RefreshOptions struct {
	IO          *iostreams.IOStreams
	Config      func() (*config.Config, error)
	HTTPClient  func() (*http.Client, error)
	TokenStores func() (*authstore.Stores, error)
}

// NewCmdRefresh builds 'auth refresh'.
func NewCmdRefresh(f *cmdutil.Factory, runF func(*RefreshOptions) error) *cobra.Command {
	opts := &RefreshOptions{IO: f.IOStreams, Config: f.Config, HTTPClient: f.HTTPClient, TokenStores: f.TokenStores}
	cmd := &cobra.Command{
		Use:   "refresh",
		Short: "Renew the stored sign-in's access token now",
		Long: heredoc.Doc(`
			Renew the access token of the stored sign-in for the selected host now,
			with its refresh token; the server rotates the refresh token too, and
			both are written back. wsctl does this by itself whenever an access
			token expires; this command forces it, e.g. to pick up new scopes or
			to check that the sign-in is still valid. Several wsctl processes may
			refresh at once: they take turns and none signs the others out.
		`),
		Example: heredoc.Doc(`
			$ wsctl auth refresh
		`),
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return refreshRun(cmd.Context(), opts)
		},
	}
	return cmd
}

func refreshRun(ctx context.Context, opts *RefreshOptions) error {
	cfg, err := opts.Config()
	if err != nil {
		return err
	}
	sess, err := shared.OpenSession(opts.TokenStores, opts.HTTPClient, cfg.Host, cfg.Profile)
	if err != nil {
		return err
	}
	if err := sess.Refresh(ctx); err != nil {
		return err
	}
	e := sess.Entry()
	msg := fmt.Sprintf("Refreshed the sign-in to %s", cfg.Host)
	if !e.Expiry.IsZero() {
		msg += fmt.Sprintf("; the new access token expires in %s", time.Until(e.Expiry).Round(time.Second))
	}
	cmdutil.Success(opts.IO, "%s", msg)
	if cfg.Token != "" {
		cmdutil.Warn(opts.IO, "WSCTL_TOKEN is set: wsctl uses it instead of this sign-in until you unset it")
	}
	return nil
}
