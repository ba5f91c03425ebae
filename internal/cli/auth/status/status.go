// Package status implements 'wsctl auth status'.
package status

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/MakeNowJust/heredoc/v2"
	"github.com/spf13/cobra"

	"github.com/wsctl/wsctl/internal/api/schema"
	"github.com/wsctl/wsctl/internal/cli/auth/shared"
	"github.com/wsctl/wsctl/internal/cli/authstore"
	"github.com/wsctl/wsctl/internal/cli/cmdutil"
	"github.com/wsctl/wsctl/internal/cli/cmdutil/iostreams"
	"github.com/wsctl/wsctl/internal/cli/config"
	"github.com/wsctl/wsctl/internal/client"
)

// StatusOptions are the parsed flags of 'auth status'.
type StatusOptions struct {
	IO          *iostreams.IOStreams
	Config      func() (*config.Config, error)
	HTTPClient  func() (*http.Client, error)
	TokenStores func() (*authstore.Stores, error)
	UserAgent   string
	Output      cmdutil.OutputOptions
}

// Status is what 'auth status -o json' prints (snake_case; add fields, never rename).
type Status struct {
	Host     string   `json:"host"`
	Profile  string   `json:"profile,omitempty"`
	SignedIn bool     `json:"signed_in"`
	User     string   `json:"user,omitempty"` // email
	Name     string   `json:"name,omitempty"`
	Org      string   `json:"org,omitempty"` // slug
	OrgName  string   `json:"org_name,omitempty"`
	Scopes   []string `json:"scopes"`
	// TokenType is "oauth" (an access token of 'auth login') or "api-token"
	// (from 'auth login --with-token', or an API token in WSCTL_TOKEN).
	TokenType string `json:"token_type,omitempty"`
	// ExpiresAt is when the access token expires; wsctl renews it before.
	ExpiresAt *time.Time `json:"expires_at"`
	// Storage is "keyring", "file" or "WSCTL_TOKEN"; StoredIn says where for people.
	Storage  string `json:"storage,omitempty"`
	StoredIn string `json:"stored_in,omitempty"`
	Error    string `json:"error,omitempty"`
}

var statusView = cmdutil.View[Status]{
	Columns: []string{"HOST", "SIGNED IN", "USER", "ORG", "SCOPES", "EXPIRES AT", "STORAGE"},
	Row: func(c *cmdutil.Cells, s Status) []string {
		return []string{s.Host, c.Bool(s.SignedIn), s.User, s.Org, c.List(s.Scopes), c.TimePtr(s.ExpiresAt, ""), s.Storage}
	},
	Detail: func(c *cmdutil.Cells, s Status) []cmdutil.Field {
		user := s.User
		if s.Name != "" && c.IsHuman() {
			user = fmt.Sprintf("%s <%s>", s.Name, s.User)
		}
		org := s.Org
		if s.OrgName != "" && c.IsHuman() {
			org = fmt.Sprintf("%s (%s)", s.Org, s.OrgName)
		}
		fields := []cmdutil.Field{{Label: "Host", Value: s.Host}}
		if s.Profile != "" {
			fields = append(fields, cmdutil.Field{Label: "Profile", Value: s.Profile})
		}
		return append(fields,
			cmdutil.Field{Label: "Signed in", Value: c.Bool(s.SignedIn)},
			cmdutil.Field{Label: "User", Value: user},
			cmdutil.Field{Label: "Org", Value: org},
			cmdutil.Field{Label: "Scopes", Value: c.List(s.Scopes)},
			cmdutil.Field{Label: "Expires", Value: expires(c, s)},
			cmdutil.Field{Label: "Storage", Value: storage(c, s)},
		)
	},
}

func expires(c *cmdutil.Cells, s Status) string {
	switch {
	case s.ExpiresAt != nil && c.IsHuman() && s.TokenType == authstore.KindOAuth:
		return c.Time(*s.ExpiresAt) + " (renewed automatically)"
	case s.ExpiresAt != nil:
		return c.Time(*s.ExpiresAt)
	case !c.IsHuman():
		return ""
	case s.TokenType == authstore.KindAPIToken && s.Storage != authstore.KindEnv:
		return "never (API token)"
	}
	return "unknown"
}

func storage(c *cmdutil.Cells, s Status) string {
	if c.IsHuman() && s.StoredIn != "" {
		return s.StoredIn
	}
	return s.Storage
}

// NewCmdStatus builds 'auth status'.
func NewCmdStatus(f *cmdutil.Factory, runF func(*StatusOptions) error) *cobra.Command {
	opts := &StatusOptions{IO: f.IOStreams, Config: f.Config, HTTPClient: f.HTTPClient, TokenStores: f.TokenStores, UserAgent: "wsctl/" + f.AppVersion}
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show whether and as whom wsctl is signed in, and where the token is kept",
		Long: heredoc.Doc(`
			Show the sign-in wsctl uses for the selected host: the user, the org,
			the token's scopes and expiry, and where the token comes from (the OS
			keyring, the --insecure-storage file, or WSCTL_TOKEN, which wins over
			any stored sign-in). The server is asked who the token belongs to; an
			expired access token is renewed first.

			Exit status (stable for scripts): 0 when signed in, 4 when not signed
			in or the server refuses the token, 1 when the server cannot be reached.
		`),
		Example: heredoc.Doc(`
			$ wsctl auth status
			$ wsctl auth status -o json --jq .user
			$ wsctl auth status >/dev/null 2>&1 || wsctl auth login
		`),
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return statusRun(cmd.Context(), opts)
		},
	}
	cmdutil.AddOutputFlags(cmd, &opts.Output)
	return cmd
}

func statusRun(ctx context.Context, opts *StatusOptions) error {
	cfg, err := opts.Config()
	if err != nil {
		return err
	}
	st := Status{Host: cfg.Host, Profile: cfg.Profile, Scopes: []string{}}
	if err := check(ctx, opts, cfg, &st); err != nil {
		st.Error = cmdutil.ErrorMessage(err)
		if opts.Output.IsMachine() {
			if perr := cmdutil.PrintItem(opts.IO, opts.Output, statusView, st); perr != nil {
				return perr
			}
		}
		return err
	}
	st.SignedIn = true
	return cmdutil.PrintItem(opts.IO, opts.Output, statusView, st)
}

// check fills st from the token wsctl would use and from the server's answer
// about it. Its error is an AuthError (exit 4) when not signed in.
func check(ctx context.Context, opts *StatusOptions, cfg *config.Config, st *Status) error {
	hc, err := opts.HTTPClient()
	if err != nil {
		return err
	}
	token := cfg.Token
	if token != "" {
		st.Storage, st.StoredIn = authstore.KindEnv, "the environment variable "+config.EnvToken
		st.TokenType = authstore.KindOAuth // an access token, e.g. from 'wsctl auth token'
		if strings.HasPrefix(token, apiTokenPrefix) {
			st.TokenType = authstore.KindAPIToken
		}
	} else {
		stores, err := opts.TokenStores()
		if err != nil {
			return err
		}
		sess, err := shared.LoadSession(stores, hc, cfg.Host, cfg.Profile)
		if err != nil {
			return err
		}
		fromEntry(st, sess)
		if token, err = sess.Token(ctx); err != nil {
			return err
		}
		fromEntry(st, sess) // a refresh changed the expiry
	}
	me, err := shared.WhoAmI(ctx, hc, cfg.Host, token, opts.UserAgent)
	if err != nil {
		var apiErr *client.APIError
		if errors.As(err, &apiErr) && apiErr.Status == http.StatusUnauthorized {
			return cmdutil.AuthErrorf("%s refused the token from %s: %s; sign in again with 'wsctl auth login'", cfg.Host, st.Storage, apiErr.Error())
		}
		return err
	}
	fromMe(st, me)
	return nil
}

func fromEntry(st *Status, sess *shared.Session) {
	e := sess.Entry()
	st.User, st.Org, st.TokenType = e.User, e.Org, e.Kind
	st.Scopes = append([]string{}, e.Scopes...)
	st.Storage, st.StoredIn = sess.Store().Kind(), sess.Store().Where(sess.Key)
	st.ExpiresAt = nil
	if !e.Expiry.IsZero() {
		t := e.Expiry
		st.ExpiresAt = &t
	}
}

func fromMe(st *Status, me schema.Me) {
	st.User, st.Name, st.Org, st.OrgName = me.User.Email, me.User.Name, me.OrgSlug, me.OrgName
	if me.Scopes != nil {
		st.Scopes = me.Scopes
	}
}

// apiTokenPrefix starts every API token workspaced mints.
const apiTokenPrefix = "wsp_"
