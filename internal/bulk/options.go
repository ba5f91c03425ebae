package bulk

import (
	"github.com/spf13/cobra"

	"github.com/wsctl/wsctl/internal/api/schema"
	"github.com/wsctl/wsctl/internal/cli/cmdutil"
	"github.com/wsctl/wsctl/internal/cli/cmdutil/iostreams"
	"github.com/wsctl/wsctl/internal/client"
)

// Defaults of a run: batches as large as the server takes (each is one
// write transaction there, and fewer, larger transactions write each index
// page fewer times: 10,000 invites on SQLite took 1.0-1.1 s in batches of
// 200, 1.0 s of 500, 0.8 s of 1,000), two requests at a time so that one is
// read and answered while the other is written. More workers than this gain
// nothing on one server and trip rate limits sooner.
const (
	DefaultConcurrency = 2
	DefaultBatchRows   = schema.MaxBatchRows
	maxConcurrency     = 32
)

// Flags are the flags every bulk verb shares.
type Flags struct {
	File        string // --csv: a path, or Stdin ("-")
	DryRun      bool
	Concurrency int
	BatchRows   int // --batch-size (hidden): rows per request
	Resume      bool
	Report      string
	Failed      string
}

// Options are what a run needs: the flags, and the command's streams,
// client and output format.
type Options struct {
	Flags
	IO     *iostreams.IOStreams
	Client func() (*client.Client, error)
	Output cmdutil.OutputOptions
	// Retry is how batches are sent again; zero for the default.
	Retry Retry
	// Confirm, when set, is asked before a run changes anything (never on
	// a dry run): Run first asks the server what it would do with the rows
	// it is to send (the request --dry-run makes, printed nowhere) and
	// passes the plan. An error ends the run with nothing sent.
	Confirm func(Plan) error
}

// AddFlags adds the shared flags to cmd: --csv, --dry-run, --concurrency,
// --resume, --report, --failed and the hidden --batch-size.
func (v Verb[R]) AddFlags(cmd *cobra.Command, f *Flags) {
	fl := cmd.Flags()
	fl.StringVar(&f.File, "csv", "", "act on every row of this CSV file, - for stdin (header "+v.Columns.Header()+")")
	fl.BoolVar(&f.DryRun, "dry-run", false, "with --csv: ask the server what it would do with each row, change nothing, and print the plan")
	fl.IntVar(&f.Concurrency, "concurrency", DefaultConcurrency, "with --csv: batches of rows sent at a time")
	fl.BoolVar(&f.Resume, "resume", false, "with --csv: skip the rows the file's journal records as done by an earlier run")
	fl.StringVar(&f.Report, "report", "", "with --csv: write line,email,status,error for every row to this CSV file")
	fl.StringVar(&f.Failed, "failed", "", "with --csv: write the rows that failed to this CSV file, in the input's own columns, ready to fix and re-run")
	fl.IntVar(&f.BatchRows, "batch-size", DefaultBatchRows, "with --csv: rows per request")
	_ = fl.MarkHidden("batch-size")
	_ = cmd.MarkFlagFilename("csv", "csv")
	_ = cmd.MarkFlagFilename("report", "csv")
	_ = cmd.MarkFlagFilename("failed", "csv")
}

// Check says which shared flags do not fit together, as a usage error.
// Without --csv, none of the others may be given.
func (f Flags) Check(cmd *cobra.Command) error {
	if f.File == "" {
		for _, name := range []string{"dry-run", "concurrency", "resume", "report", "failed", "batch-size"} {
			if cmd.Flags().Changed(name) {
				return cmdutil.FlagErrorf("--%s works only with --csv FILE", name)
			}
		}
		return nil
	}
	if f.Concurrency < 1 || f.Concurrency > maxConcurrency {
		return cmdutil.FlagErrorf("--concurrency must be between 1 and %d, not %d", maxConcurrency, f.Concurrency)
	}
	if f.BatchRows < 1 || f.BatchRows > schema.MaxBatchRows {
		return cmdutil.FlagErrorf("--batch-size must be between 1 and %d, not %d", schema.MaxBatchRows, f.BatchRows)
	}
	if f.DryRun && (f.Resume || f.Report != "" || f.Failed != "") {
		return cmdutil.FlagErrorf("--dry-run changes nothing, so it takes none of --resume, --report and --failed")
	}
	for _, out := range []struct{ flag, path string }{{"report", f.Report}, {"failed", f.Failed}} {
		if out.path != "" && out.path == f.File {
			return cmdutil.FlagErrorf("--%s %s would overwrite the --csv file: write it elsewhere", out.flag, out.path)
		}
	}
	return nil
}

// stopError is an error every row would meet.
type stopError struct{ err error }

func (e *stopError) Error() string { return e.err.Error() }
func (e *stopError) Unwrap() error { return e.err }

// StopRun marks an error of Verb.Send as one every other batch would meet
// too (sign-up mode on), so that the run stops rather than sending them.
func StopRun(err error) error { return &stopError{err} }
