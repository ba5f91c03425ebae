package sync

import (
	"strconv"

	"github.com/wsctl/wsctl/internal/cli/cmdutil"
)

// printResult prints the result on stdout: the whole object for json
// and yaml (and --jq), a row per line otherwise (a table on a terminal,
// tab-separated when piped, -o csv).
func printResult(opts *SyncOptions, res Result) error {
	if opts.Output.Format == cmdutil.FormatJSON || opts.Output.Format == cmdutil.FormatYAML {
		return cmdutil.PrintItem(opts.IO, opts.Output, resultView, res)
	}
	return cmdutil.PrintList(opts.IO, opts.Output, rowView(res, opts.Output.Format), res.Rows)
}

// rowView shows a row as LINE ACTION EMAIL REASON. A person missing from
// the roster has no line: "-" in the table, an empty cell in CSV. People
// read "invited" once done; pipes and CSV get the server's action names,
// the same in a dry run as in the sync itself.
func rowView(res Result, format string) cmdutil.View[Row] {
	return cmdutil.View[Row]{
		Columns: []string{"LINE", "ACTION", "EMAIL", "REASON"},
		Whole:   []string{"LINE", "ACTION", "EMAIL"},
		Row: func(c *cmdutil.Cells, r Row) []string {
			line := "-"
			switch {
			case r.Line != nil:
				line = strconv.Itoa(*r.Line)
			case format == cmdutil.FormatCSV:
				line = ""
			}
			action := r.Action
			if c.IsHuman() {
				action = actionWords(r.Action, res.DryRun)
			}
			return []string{line, action, r.Email, r.Reason}
		},
	}
}

// resultView is only for json and yaml, which print the Result itself.
var resultView = cmdutil.View[Result]{
	Columns: []string{"ROWS"},
	Row:     func(_ *cmdutil.Cells, res Result) []string { return []string{strconv.Itoa(len(res.Rows))} },
}
