// Package sync implements 'wsctl users sync --csv ROSTER': make the
// workspace match a roster, decided by the server in one transaction.
package sync

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/MakeNowJust/heredoc/v2"
	"github.com/spf13/cobra"

	"github.com/wsctl/wsctl/internal/api/schema"
	"github.com/wsctl/wsctl/internal/cli/cmdutil"
	"github.com/wsctl/wsctl/internal/cli/cmdutil/iostreams"
	"github.com/wsctl/wsctl/internal/cli/cmdutil/prompter"
	"github.com/wsctl/wsctl/internal/client"
)

// SyncOptions are the parsed flags of 'users sync'.
type SyncOptions struct {
	IO       *iostreams.IOStreams
	Prompter prompter.Prompter
	Client   func() (*client.Client, error)
	Output   cmdutil.OutputOptions

	File              string // --csv: a path, or bulk.Stdin
	DryRun            bool
	DeactivateMissing bool
	Yes               bool
	Report            string
	Failed            string
}

// NewCmdSync builds 'users sync'.
func NewCmdSync(f *cmdutil.Factory, runF func(*SyncOptions) error) *cobra.Command {
	opts := &SyncOptions{IO: f.IOStreams, Prompter: f.Prompter, Client: f.Client}
	cmd := &cobra.Command{
		Use:     "sync --csv ROSTER [--dry-run] [--deactivate-missing] [--yes]",
		Short:   "Make the workspace match a roster: invite, update, activate, and deactivate who is not in it",
		Long:    help(),
		Example: examples(),
		Args:    cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkFlags(opts); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return syncRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.File, "csv", "", "the roster: a CSV file of everyone who should be in the workspace, - for stdin (header "+strings.Join(rosterColumns().Required, ",")+")")
	fl.BoolVar(&opts.DryRun, "dry-run", false, "ask the server what the sync would do, change nothing, and print it")
	fl.BoolVar(&opts.DeactivateMissing, "deactivate-missing", false, "deactivate the users, and revoke the pending invites, that the roster does not list")
	fl.StringVar(&opts.Report, "report", "", "write line,email,action,reason for every row and every person not in the roster to this CSV file")
	fl.StringVar(&opts.Failed, "failed", "", "write the refused and invalid rows to this CSV file, with the roster's header, ready to fix")
	cmdutil.AddYesFlag(cmd, &opts.Yes)
	_ = cmd.MarkFlagFilename("csv", "csv")
	_ = cmd.MarkFlagFilename("report", "csv")
	_ = cmd.MarkFlagFilename("failed", "csv")
	cmdutil.AddOutputFlags(cmd, &opts.Output)
	return cmd
}

func checkFlags(opts *SyncOptions) error {
	if opts.File == "" {
		return cmdutil.FlagErrorf("--csv ROSTER is required: a CSV file (or - for stdin) listing everyone who should be in the workspace, with the header %s", strings.Join(rosterColumns().Required, ","))
	}
	for _, out := range []struct{ flag, path string }{{"report", opts.Report}, {"failed", opts.Failed}} {
		if out.path != "" && out.path == opts.File {
			return cmdutil.FlagErrorf("--%s %s would overwrite the roster: write it elsewhere", out.flag, out.path)
		}
	}
	if opts.Report != "" && opts.Report == opts.Failed {
		return cmdutil.FlagErrorf("--report and --failed are both %s: give them different files", opts.Report)
	}
	return nil
}

func syncRun(ctx context.Context, opts *SyncOptions) error {
	r, err := readRoster(opts.IO.In, opts.File)
	if err != nil {
		return err
	}
	c, err := opts.Client()
	if err != nil {
		return err
	}
	var plan *Result
	if !opts.DryRun && opts.DeactivateMissing && !opts.Yes {
		// Who would go is the server's decision: ask it, then ask the person.
		p, err := decide(ctx, opts, c, r, planOnly)
		if err != nil {
			return err
		}
		if err := confirmOffboarding(opts, r, p); err != nil {
			return err
		}
		plan = &p
	}
	m := applyRoster
	if opts.DryRun {
		m = planOnly
	}
	if plan != nil {
		// Only the people confirmed may go: the server leaves anyone else
		// missing (added since the question) alone.
		r.confirmed = offboarded(*plan)
	}
	res, err := decide(ctx, opts, c, r, m)
	if err != nil {
		return err
	}
	return present(opts, r, res)
}

// mode says whether a request applies the roster or only asks the server
// what it would do.
type mode int

const (
	applyRoster mode = iota + 1
	planOnly         // the server's dry run: decided the same way, nothing kept
)

// decide sends the whole roster in one request: the server decides every
// row and every person missing from it in one transaction.
func decide(ctx context.Context, opts *SyncOptions, c *client.Client, r *roster, m mode) (Result, error) {
	dryRun := m == planOnly
	verb := "Syncing"
	if dryRun {
		verb = "Deciding"
	}
	rows := cmdutil.GroupDigits(len(r.rows)) + " rows"
	if len(r.rows) == 1 {
		rows = "1 row"
	}
	stop := startSpinner(opts.IO, fmt.Sprintf("%s %s of %s…", verb, rows, r.name))
	resp, err := c.SyncUsers(ctx, schema.SyncRequest{Rows: r.rows, DeactivateMissing: opts.DeactivateMissing, ConfirmedMissing: r.confirmed, DryRun: dryRun})
	stop()
	switch {
	case err != nil:
		return Result{}, fmt.Errorf("sync %s: %w", r.name, err)
	case dryRun && !resp.DryRun:
		return Result{}, errors.New("the server did not answer as a dry run: it may have applied the roster; see 'wsctl users list' and 'wsctl audit list'")
	}
	return newResult(r, resp), nil
}

// present prints the result, writes --report and --failed, and ends with
// exit 3 when some row was refused or is invalid.
func present(opts *SyncOptions, r *roster, res Result) error {
	if err := printResult(opts, res); err != nil {
		return err
	}
	if err := writeReport(opts.Report, res); err != nil {
		return err
	}
	failed, err := writeFailed(opts.Failed, r, res)
	if err != nil {
		return err
	}
	printSummary(opts.IO.ErrOut, opts, r, res, failed)
	if res.needsFixing() {
		return &cmdutil.PartialError{}
	}
	return nil
}

// help and examples are functions, not variables built at init: wsctl
// runs no init work of its own at start.
func help() string {
	return heredoc.Doc(`
	Make the workspace match a roster: a CSV file listing everyone who
	should be in it, with their roles and licenses. Each row becomes one
	action:

	  invite     nobody has the email: an invite goes out, with a signup link,
	             and reserves its licenses
	  update     an active user or a pending invite gets the row's name, roles
	             and licenses
	  activate   an inactive user is activated with the row's roles and
	             licenses
	  unchanged  already as the row says
	  refused    a rule refused it (no license left, the last active admin,
	             users signing up on their own); nothing changed for them
	  invalid    the row is wrong (an empty or bad cell, an unknown product,
	             an email on an earlier line); nothing changed for them

	The active users and pending invites the roster does not list are left
	alone, listed as "not in roster". With --deactivate-missing they are
	deactivated (their licenses go back to the pool, their sessions and
	tokens are revoked) and their invites revoked (freeing the licenses the
	invites reserved); never you, and never the last active admin. An
	invalid row still names its person, who is never deactivated over a
	typo: the server is sent that row's email, and nothing else of it.

	The roster has the columns of 'wsctl users invite --csv': the header
	name,email,roles,licenses, in any order; several roles or licenses in a
	cell are separated by ';' or '|'. An empty licenses cell says the person
	holds none (an admin without a product, say); a new person needs at
	least one to be invited. UTF-8 with or without a BOM, LF or CRLF;
	--csv - reads the roster from stdin. A bad header or a malformed
	line is a usage error (exit 2), and nothing is sent.

	The whole roster goes in one request, which the server decides in one
	transaction (at most 50,000 rows): licenses are counted for the roster
	as a whole, so a license one row frees can go to another. Nothing is
	sent in parts, so there is no journal and no --resume: a sync can be run
	again at any time, and running it again is how to finish one that was
	interrupted; what is already in place comes out unchanged.

	--dry-run asks the server for its real decision and keeps nothing.
	With --deactivate-missing, the sync first asks the server the same way:
	if anyone would be deactivated or an invite revoked, it names them and
	asks for confirmation on a terminal. --yes skips the question, and is
	needed without a terminal (else exit 2, nothing changed). A sync that
	deactivates nobody asks nothing.

	stdout gets a row per roster line (LINE ACTION EMAIL REASON), then one
	per person not in the roster, whose LINE is "-". On a terminal the
	actions done read "invited", "updated", …; piped (tab-separated) and
	with -o csv they keep the names above. stderr gets a summary and the
	rows that need attention. With -o json or yaml, one object:

	  {"rows": [{"line": 2, "email": "ann@example.com", "action": "invite",
	             "reason": "…"}, …],
	   "summary": {"invite": 1, "update": 0, "activate": 0, "deactivate": 0,
	               "revoke": 0, "unchanged": 3, "refused": 0, "invalid": 0,
	               "not_in_roster": 1},
	   "dry_run": false, "licenses": […]}

	A person not in the roster has "line": null and "kind" (user or
	invite); a refused or invalid row has "code", the problem's code; a row
	may have "user" or "invite", the person as the sync left them. --jq
	filters the object.

	--report FILE writes line,email,action,reason for every row and every
	person not in the roster (whose line is empty). --failed FILE writes the
	refused and invalid rows as the roster has them, under its header,
	ready to fix: fix them in the roster and sync the whole roster again.
	Never sync that file alone with --deactivate-missing: it lacks everyone
	else.

	Exit status: 0 when every row is done or unchanged; 3 when a row, or a
	person not in the roster, was refused or is invalid (in a dry run: would
	be refused); 2 for a usage error; 1 when the confirmation is declined.
`)
}

func examples() string {
	return heredoc.Doc(`
	# The roster: everyone who should be in the workspace
	$ cat roster.csv
	name,email,roles,licenses
	Ann Lee,ann@example.com,admin|user,parallel-dialer;flow
	Bob Stone,bob@example.com,user,flow
	Pat O'Brien,pat@example.com,manager;user,agent-dialer

	# What would it do? Then do it
	$ wsctl users sync --csv roster.csv --dry-run
	$ wsctl users sync --csv roster.csv

	# Also deactivate who is not in it: asks first, names them (--yes in scripts)
	$ wsctl users sync --csv roster.csv --deactivate-missing
	$ wsctl users sync --csv roster.csv --deactivate-missing --yes --report sync.csv --failed fix-these.csv

	# Nightly, from the HR export
	$ hr-export | wsctl users sync --csv - --deactivate-missing --yes -o json --jq .summary
`)
}
