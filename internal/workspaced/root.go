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

// env is what every command shares: where it writes and which database it opens.
type env struct {
	out, errOut io.Writer
	database    string
}

// openService opens the database and the domain over it; close when done.
func (e *env) openService(ctx context.Context, opts ...workspace.Option) (*workspace.Service, func(), error) {
	st, err := store.Open(ctx, e.database)
	if err != nil {
		return nil, nil, err
	}
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
	root.AddCommand(newServeCmd(e), newMigrateCmd(e), newOrgCmd(e), newUserCmd(e), newTokenCmd(e), newOutboxCmd(e))
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
