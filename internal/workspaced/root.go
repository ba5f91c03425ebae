// Package workspaced holds the commands of the workspaced program: the API
// server and the operator's commands that run beside or before it.
package workspaced

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/MakeNowJust/heredoc/v2"
	"github.com/spf13/cobra"

	"github.com/wsctl/wsctl/internal/store"
	"github.com/wsctl/wsctl/internal/workspace"
)

// Version is set at build time with -ldflags.
var Version = "dev"

// env is what every command shares: where it writes, which database it
// opens, and where the keys that seal the database's secrets are.
type env struct {
	out, errOut io.Writer
	database    string
	keyFile     string          // --secrets-key-file; "" for store.LoadKeys' default
	keys        store.KeySource // where openService found them
}

// openService opens the database and the domain over it; close when done.
func (e *env) openService(ctx context.Context, opts ...workspace.Option) (*workspace.Service, func(), error) {
	st, src, err := store.OpenWithKeyFile(ctx, e.database, e.keyFile)
	if err != nil {
		return nil, nil, err
	}
	e.keys = src
	return workspace.NewService(st, opts...), func() { st.Close() }, nil
}

// inOrg opens the database and runs fn with the domain and the org named
// by slug, for the operator commands that act on one org.
func (e *env) inOrg(ctx context.Context, slug string, fn func(svc *workspace.Service, org workspace.Org) error) error {
	svc, closeStore, err := e.openService(ctx)
	if err != nil {
		return err
	}
	defer closeStore()
	org, err := svc.OrgBySlug(ctx, slug)
	if err != nil {
		return err
	}
	return fn(svc, org)
}

// NewRootCmd builds the workspaced command tree.
func NewRootCmd(out, errOut io.Writer) *cobra.Command {
	e := &env{out: out, errOut: errOut}
	root := &cobra.Command{
		Use:   "workspaced",
		Short: "The workspace API server and its operator commands",
		Long: heredoc.Doc(`
			workspaced serves the workspace API that wsctl talks to, and holds the
			operator's commands: create orgs, change license totals, import users.

			Every command takes --database (env WORKSPACED_DATABASE): sqlite:PATH, the
			default being a file in $XDG_DATA_HOME/workspaced (or $WORKSPACED_DATA_DIR).

			The secrets the database keeps (TOTP seeds, identity provider secrets, the
			OAuth server's keys, sign-up links not sent yet) are sealed with keys kept
			outside it: --secrets-key-file (env WORKSPACED_SECRETS_KEY_FILE), or the keys
			themselves in WORKSPACED_SECRETS_KEY; by default the database's path with
			".key" added (PostgreSQL: secrets.key in the data directory), created on
			first use. Back it up apart from the database: without it, TOTP enrollments
			and the identity provider's secret are lost. 'workspaced secrets rotate'
			replaces the key.
		`),
		Example: heredoc.Doc(`
			$ workspaced serve --listen 127.0.0.1:8080 --database sqlite:./ws.db
			$ export WSCTL_TOKEN=$(workspaced org create --slug acme --name "Acme Inc" --admin-name "Ada Admin" --admin-email ada@acme.example)
			$ workspaced org set-licenses --org acme --product flow --total 10
		`),
		Version:       Version,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &usageError{msg: err.Error()} })
	root.SetOut(out)
	root.SetErr(errOut)
	root.PersistentFlags().StringVar(&e.database, "database", os.Getenv("WORKSPACED_DATABASE"),
		"database URL: sqlite:PATH or postgres://… (default "+store.DefaultURL()+") (env WORKSPACED_DATABASE)")
	root.PersistentFlags().StringVar(&e.keyFile, "secrets-key-file", "",
		"file of the keys that seal the database's secrets (default: the SQLite file's path + .key; for PostgreSQL, secrets.key in the data directory) (env WORKSPACED_SECRETS_KEY_FILE, or the keys in WORKSPACED_SECRETS_KEY)")
	root.AddCommand(newServeCmd(e), newMigrateCmd(e), newOrgCmd(e), newUserCmd(e), newTokenCmd(e), newOutboxCmd(e), newSecretsCmd(e))
	return root
}

// Execute runs workspaced and returns the process exit code: 0, 1 on
// failure, 2 on a usage error.
func Execute(args []string, out, errOut io.Writer) int {
	root := NewRootCmd(out, errOut)
	root.SetArgs(args)
	err := root.Execute()
	if err == nil {
		return 0
	}
	fmt.Fprintln(errOut, "workspaced:", err)
	var usage *usageError
	if errors.As(err, &usage) || isCobraUsage(err) {
		return 2
	}
	return 1
}

type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

// isCobraUsage recognises cobra's own argument and required-flag errors
// (flag parse errors are wrapped by the FlagErrorFunc).
func isCobraUsage(err error) bool {
	msg := err.Error()
	for _, p := range []string{"unknown command", "required flag", "accepts ", "arg(s)"} {
		if strings.Contains(msg, p) {
			return true
		}
	}
	return false
}
