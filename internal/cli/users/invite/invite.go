// Package invite implements 'wsctl users invite', for one person or a CSV file.
package invite

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/MakeNowJust/heredoc/v2"
	"github.com/spf13/cobra"

	"github.com/wsctl/wsctl/internal/api/schema"
	"github.com/wsctl/wsctl/internal/cli/cmdutil"
	"github.com/wsctl/wsctl/internal/cli/cmdutil/iostreams"
	"github.com/wsctl/wsctl/internal/cli/cmdutil/prompter"
	invshared "github.com/wsctl/wsctl/internal/cli/invites/shared"
	"github.com/wsctl/wsctl/internal/client"
	"github.com/wsctl/wsctl/internal/workspace"
)

// InviteOptions are the parsed flags of 'users invite'.
type InviteOptions struct {
	IO       *iostreams.IOStreams
	Prompter prompter.Prompter
	Client   func() (*client.Client, error)
	Output   cmdutil.OutputOptions

	// One invite.
	Name     string
	Email    string
	Roles    []string
	Licenses []string

	// A CSV file of invites.
	CSVFile     string
	DryRun      bool
	Concurrency int
	Resume      bool
	Report      string
	Failed      string
	BatchSize   int

	retry retryPolicy
}

// NewCmdInvite builds 'users invite'.
func NewCmdInvite(f *cmdutil.Factory, runF func(*InviteOptions) error) *cobra.Command {
	opts := &InviteOptions{IO: f.IOStreams, Prompter: f.Prompter, Client: f.Client, retry: defaultRetry}
	cmd := &cobra.Command{
		Use:   "invite {--name N --email E --role R[,R] --license P[,P] | --csv FILE}",
		Short: "Invite people to the workspace, one or many from a CSV file",
		Long: heredoc.Docf(`
			Invite a person: they get an email with a single-use signup link, valid
			7 days, and become an active user with the given roles and licenses
			when they sign up. An invite needs a name, an email, at least one role
			(admin, manager, user) and at least one license; its licenses are
			reserved until it is accepted, revoked or expired. Invites are
			refused while automatic sign-up is on: turn it off with
			'wsctl signup-mode off'.

			Run on a terminal without --name, --email, --role, --license or
			--csv, it opens the invite screen, to invite several people at once:
			  1. If automatic sign-up is on, it says so and offers to turn it off
			     (the question 'wsctl signup-mode off' asks); no means nothing is
			     sent (exit 1).
			  2. It shows the licenses available per product.
			  3. It asks for one person after another: name, email, roles, and
			     licenses among the products with one left. The counts offered
			     go down with every person entered ("flow (2 of 3 available)",
			     then "flow (1 of 3 available)"); a product with none left is not
			     offered. After each person: "Add another?".
			  4. It shows the people entered for review: send them, add another,
			     edit a row (its values are the defaults), delete a row, reset
			     (start over with no rows) or cancel.
			  5. It sends them all in one request and prints each person's result:
			     invited, or the server's reason. The exit status is 3 when some
			     were not invited; -o json prints the results as an array (row,
			     email, status, error, invite).
			With some of those flags given, only the missing ones are asked for;
			without a terminal, a missing one is a usage error.

			With --csv, every row of the file is an invite. The file needs the header
			%[1]s%[2]s%[1]s (columns in any order, no others); several roles or
			licenses in a cell are separated by ';' or '|'. UTF-8 with or without a
			BOM, LF or CRLF line ends, quoted fields and spaces around cells are all
			fine. The whole file is read and checked before anything is sent: a bad
			header or malformed line is a usage error (exit 2), and every row that
			breaks a rule (R1, or an email twice in the file) is reported by line
			and email and not sent.

			Rows are sent in batches, a few requests at a time (--concurrency); a
			429 answer pauses every worker for its Retry-After, and 5xx answers and
			network failures are retried with growing, jittered waits. A failed row
			never stops the others; an error every row would meet (forbidden,
			signup mode on, the server gone) stops the run. On a terminal a progress
			bar shows rows done, rate and time left, and only the rows that need
			attention are printed; piped, every row gets a line on stderr naming its
			line number and email. A summary ends the run; the exit status is 3 when
			some rows failed.

			Each row is sent with an idempotency key made from what it asks for
			(email, name, roles, licenses), not from its place in the file: run the
			file again after fixing, adding or reordering rows, and the rows invited
			before are reported as already invited, never invited twice. A journal
			beside the file (FILE.wsctl-journal, or under $XDG_STATE_HOME/wsctl/journals
			when that directory is read-only) records every row done as it finishes;
			Ctrl-C lets the requests in flight finish and writes it (Ctrl-C again
			stops at once). It is removed when every row is done.

			  --dry-run      print the plan and send nothing (see below)
			  --resume       skip the rows the journal records as done
			  --report FILE  write a CSV of line,email,status,error as rows finish
			  --failed FILE  write the failed and invalid rows, with the file's own
			                 header, ready to fix and run again
			  --concurrency  requests in flight at once (default %[3]d, batches of %[4]d rows)

			With -o json or yaml, stdout gets a report of every row rather than
			invites: line, email, status, error, invite. status is invited,
			replayed (already invited by an earlier run), failed, invalid (refused
			before sending) or skipped; error says why a row failed; invite is the
			API's invite for the rows the server accepted. -o csv gives line,
			email, status, error.

			--dry-run changes nothing. It reads the server's license pools, users
			(of any status) and pending invites, keeping only those of the file's
			emails, and the file's journal, and gives every row an action: invite;
			invalid (breaks R1 or repeats an email of the file); refused (already a
			user, a pending invite for the email, or no license left: the rows
			that come first in the file take the free licenses, as in a real run);
			or already invited (an earlier run of the file invited this very row).
			stdout gets a row per line: line, action, email, name, roles,
			licenses, reason; stderr gets the licenses needed per product against
			those available (total - assigned - reserved) and the rows that need
			attention. With -o json (or yaml, or --jq) stdout gets the plan as one
			object: rows (line, name, email, roles, licenses, action, reason),
			licenses (product, total, assigned, reserved, available, needed,
			granted) and summary (rows, invite, invalid, refused, already_invited,
			server_checked: false when the server could not be asked). The exit
			status is 3 when some row is invalid or would be refused.
		`, "`", CSVHeader, DefaultConcurrency, DefaultBatchSize),
		Example: heredoc.Doc(`
			# One person
			$ wsctl users invite --name "Ann Lee" --email ann@example.com --role user --license parallel-dialer,flow

			# On a terminal: the invite screen, for one person after another
			$ wsctl users invite
			? Name: Ann Lee
			? Email: ann@example.com
			? Roles: user
			? Licenses: flow (3 of 3 available)
			? Add another? Yes
			? Name: Bob Stone
			? Email: bob@example.com
			? Roles: manager, user
			? Licenses: flow (2 of 3 available)
			? Add another? No
			…review…
			? What next? Send 2 invites

			# A file; check it first
			$ cat people.csv
			name,email,roles,licenses
			Ann Lee,ann@example.com,user,parallel-dialer;flow
			"O'Brien, Pat",pat@example.com,manager|user,agent-dialer
			$ wsctl users invite --csv people.csv --dry-run
			$ wsctl users invite --csv people.csv --report people-report.csv

			# After an interruption, or to send only what is not done yet
			$ wsctl users invite --csv people.csv --resume --failed people-failed.csv
		`),
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Roles = cmdutil.SplitList(opts.Roles)
			opts.Licenses = cmdutil.SplitList(opts.Licenses)
			if err := checkFlags(cmd, opts); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return inviteRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Name, "name", "", "the person's name (letters, spaces, ' - and . only)")
	fl.StringVar(&opts.Email, "email", "", "the person's email address")
	fl.StringSliceVar(&opts.Roles, "role", nil, "role(s): admin, manager, user (repeat or separate with commas)")
	fl.StringSliceVar(&opts.Licenses, "license", nil, "product license(s) to reserve, e.g. parallel-dialer,flow")
	fl.StringVar(&opts.CSVFile, "csv", "", "invite every row of this CSV file (header "+CSVHeader+")")
	fl.BoolVar(&opts.DryRun, "dry-run", false, "with --csv: check the rows and print the plan without sending anything")
	fl.IntVar(&opts.Concurrency, "concurrency", DefaultConcurrency, "with --csv: batches of rows sent at a time")
	fl.BoolVar(&opts.Resume, "resume", false, "with --csv: skip the rows the file's journal records as done by an earlier run")
	fl.StringVar(&opts.Report, "report", "", "with --csv: write line,email,status,error for every row to this CSV file")
	fl.StringVar(&opts.Failed, "failed", "", "with --csv: write the rows that failed to this CSV file, in the input's own columns, ready to fix and re-run")
	fl.IntVar(&opts.BatchSize, "batch-size", DefaultBatchSize, "with --csv: rows per request")
	_ = fl.MarkHidden("batch-size")
	_ = cmd.MarkFlagFilename("csv", "csv")
	_ = cmd.MarkFlagFilename("report", "csv")
	_ = cmd.MarkFlagFilename("failed", "csv")
	_ = cmd.RegisterFlagCompletionFunc("role", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return roleNames(), cobra.ShellCompDirectiveNoFileComp
	})
	cmdutil.AddOutputFlags(cmd, &opts.Output)
	return cmd
}

func checkFlags(cmd *cobra.Command, opts *InviteOptions) error {
	if opts.CSVFile != "" {
		for _, name := range []string{"name", "email", "role", "license"} {
			if cmd.Flags().Changed(name) {
				return cmdutil.FlagErrorf("--%s cannot be used with --csv: the file gives every row's %s", name, name)
			}
		}
		if opts.Concurrency < 1 || opts.Concurrency > 32 {
			return cmdutil.FlagErrorf("--concurrency must be between 1 and 32, not %d", opts.Concurrency)
		}
		if opts.BatchSize < 1 || opts.BatchSize > workspace.MaxInviteBatch {
			return cmdutil.FlagErrorf("--batch-size must be between 1 and %d, not %d", workspace.MaxInviteBatch, opts.BatchSize)
		}
		if opts.DryRun && (opts.Resume || opts.Report != "" || opts.Failed != "") {
			return cmdutil.FlagErrorf("--dry-run sends nothing, so it takes none of --resume, --report and --failed")
		}
		return nil
	}
	for _, name := range []string{"dry-run", "concurrency", "resume", "report", "failed", "batch-size"} {
		if cmd.Flags().Changed(name) {
			return cmdutil.FlagErrorf("--%s works only with --csv FILE", name)
		}
	}
	return nil
}

func inviteRun(ctx context.Context, opts *InviteOptions) error {
	if opts.CSVFile != "" {
		return csvRun(ctx, opts)
	}
	return singleRun(ctx, opts)
}

func singleRun(ctx context.Context, opts *InviteOptions) error {
	if opensInviteScreen(opts) {
		return interactiveRun(ctx, opts)
	}
	if err := promptMissing(ctx, opts); err != nil {
		return err
	}
	c, err := opts.Client()
	if err != nil {
		return err
	}
	req := schema.InviteRequest{Name: opts.Name, Email: opts.Email, Roles: opts.Roles, Licenses: opts.Licenses}
	inv, replayed, err := c.Invite(ctx, req, "")
	if err != nil {
		return fmt.Errorf("invite %s: %w", opts.Email, err)
	}
	cmdutil.PrintNotices(opts.IO, inv.Notices)
	if opts.Output.IsMachine() {
		return cmdutil.PrintItem(opts.IO, opts.Output, invshared.InviteView, inv)
	}
	if replayed {
		cmdutil.Success(opts.IO, "Already invited %s", inv.Email)
		return nil
	}
	cmdutil.Success(opts.IO, "Invited %s (roles %s; licenses %s); the signup link expires %s",
		inv.Email, strings.Join(inv.Roles, ", "), strings.Join(inv.Licenses, ", "), inv.ExpiresAt.Local().Format("2006-01-02 15:04"))
	return nil
}

// promptMissing asks for the missing fields on a terminal; without one, the
// missing flags are a usage error naming all of them.
func promptMissing(ctx context.Context, opts *InviteOptions) error {
	var missing []string
	for _, m := range []struct {
		flag  string
		empty bool
	}{{"name", opts.Name == ""}, {"email", opts.Email == ""}, {"role", len(opts.Roles) == 0}, {"license", len(opts.Licenses) == 0}} {
		if m.empty {
			missing = append(missing, "--"+m.flag)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	if !opts.IO.CanPrompt() {
		return cmdutil.FlagErrorf("missing %s (an invite needs a name, an email, a role and a license; or use --csv FILE)", strings.Join(missing, ", "))
	}
	p, ios := opts.Prompter, opts.IO
	if err := cmdutil.PromptMissing(ios, p, &opts.Name, "name", "Name:"); err != nil {
		return err
	}
	if err := cmdutil.PromptMissing(ios, p, &opts.Email, "email", "Email:"); err != nil {
		return err
	}
	if err := cmdutil.PromptMissingList(ios, p, &opts.Roles, "role", "Roles:", roleNames()); err != nil {
		return err
	}
	if len(opts.Licenses) > 0 {
		return nil
	}
	return cmdutil.PromptMissingList(ios, p, &opts.Licenses, "license", "Licenses:", licenseOptions(ctx, opts))
}

// licenseOptions lists the products with their free licenses, e.g.
// "flow (2 of 3 available)"; nil when the server cannot tell.
func licenseOptions(ctx context.Context, opts *InviteOptions) []string {
	c, err := opts.Client()
	if err != nil {
		return nil
	}
	pools, err := c.Licenses(ctx)
	if err != nil {
		return nil
	}
	var options []string
	for _, p := range pools {
		options = append(options, fmt.Sprintf("%s (%d of %d available)", p.Product, p.Available, p.Total))
	}
	return options
}

// Defaults of a CSV run: batches as large as the server takes (each is one
// write transaction there, and fewer, larger transactions write each index
// page fewer times: 10,000 rows on SQLite took 1.0-1.1 s in batches of 200,
// 1.0 s of 500, 0.8 s of 1,000), two requests at a time so that one is read and
// answered while the other is written. More workers than this gain nothing
// on one server and trip rate limits sooner.
const (
	DefaultConcurrency = 2
	DefaultBatchSize   = workspace.MaxInviteBatch
)

func csvRun(ctx context.Context, opts *InviteOptions) error {
	total, err := checkCSV(opts.CSVFile)
	if err != nil {
		return err
	}
	if opts.DryRun {
		return dryRun(ctx, opts)
	}
	c, err := opts.Client()
	if err != nil {
		return err
	}
	rows, file, err := openCSV(opts.CSVFile, nil) // the server checks license names
	if err != nil {
		return err
	}
	defer file.Close()
	j, err := openJournal(opts.CSVFile, opts.Resume)
	if err != nil {
		return err
	}
	out, err := openOutputs(opts, total, rows.Header(), j)
	if err != nil {
		_ = j.close(false)
		return err
	}
	runErr := bulkRun(ctx, opts, c, rows, out)
	st, outErr := out.close()
	complete := runErr == nil && st.failed == 0 && st.skipped == 0
	if err := j.close(complete); err != nil && outErr == nil {
		outErr = err
	}
	partial := summarize(opts, st, j.path, runErr)
	switch {
	case errors.Is(runErr, context.Canceled):
		return runErr
	case runErr != nil:
		return fmt.Errorf("invite stopped: %w", runErr)
	case outErr != nil:
		return fmt.Errorf("write the outcomes: %w", outErr)
	}
	return partial
}

// openCSV opens an invite file and reads its header; products are passed
// to the RowReader.
func openCSV(path string, products []string) (*RowReader, io.Closer, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, cmdutil.FlagErrorf("read --csv file: %v", err)
	}
	rows, err := NewRowReader(f, products)
	if err != nil {
		_ = f.Close()
		return nil, nil, cmdutil.FlagErrorf("%s: %v", path, err)
	}
	return rows, f, nil
}

// checkCSV reads the whole file once before anything is sent, keeping no
// row: a bad header, a malformed line or a file without rows is a usage
// error while nobody has been invited yet. It returns the number of rows.
func checkCSV(path string) (int, error) {
	rows, file, err := openCSV(path, nil)
	if err != nil {
		return 0, err
	}
	defer file.Close()
	n := 0
	for ; ; n++ {
		_, err := rows.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return 0, cmdutil.FlagErrorf("%s: %v", path, err)
		}
	}
	if n == 0 {
		return 0, cmdutil.FlagErrorf("%s has a header but no rows: add one row per invite under %q", path, CSVHeader)
	}
	return n, nil
}

// roleNames are the roles a user can hold, for prompts and completion.
func roleNames() []string {
	names := make([]string, len(workspace.Roles))
	for i, r := range workspace.Roles {
		names[i] = string(r)
	}
	return names
}

var outcomeView = cmdutil.View[Outcome]{
	Columns: []string{"LINE", "EMAIL", "STATUS", "ERROR"},
	Whole:   []string{"LINE", "EMAIL", "STATUS"},
	Row: func(_ *cmdutil.Cells, o Outcome) []string {
		return []string{fmt.Sprint(o.Line), o.Email, o.Status, o.Error}
	},
}
