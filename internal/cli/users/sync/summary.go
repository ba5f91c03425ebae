package sync

import (
	"fmt"
	"io"
	"strings"

	"github.com/wsctl/wsctl/internal/api/schema"
	"github.com/wsctl/wsctl/internal/bulk"
)

// printSummary writes on stderr what the sync did, or for a dry run would
// do: the counts, the rows that need attention, the files written and
// what to do next.
func printSummary(w io.Writer, opts *SyncOptions, r *roster, res Result, failedRows int) {
	if res.DryRun {
		fmt.Fprintln(w, "Dry run: nothing changed.")
	}
	fmt.Fprintln(w, summaryLine(res, opts.DeactivateMissing))
	printAttention(w, res, opts.DeactivateMissing)
	if opts.Report != "" {
		fmt.Fprintf(w, "Report written to %s\n", opts.Report)
	}
	if opts.Failed != "" && failedRows > 0 {
		fmt.Fprintf(w, "%s in %s, with the roster's header: fix them in the roster itself and sync it again (a roster lists everyone; %s alone is not one)\n",
			count(failedRows, "refused or invalid row is", "refused or invalid rows are"), opts.Failed, opts.Failed)
	}
	switch {
	case res.DryRun:
		fmt.Fprintln(w, "To apply it, run the same command without --dry-run.")
	case res.needsFixing() && r.path == bulk.Stdin:
		fmt.Fprintln(w, "Fix those rows and send the whole roster to the same command again: a sync can be repeated, and what is already in place comes out unchanged.")
	case res.needsFixing():
		fmt.Fprintf(w, "Fix those rows in %s and run the same command again: a sync can be repeated, and what is already in place comes out unchanged.\n", r.name)
	}
}

// summaryLine counts the actions: "12 rows: 3 invited, 2 updated, 1
// activated, 5 unchanged, 1 refused; 2 not in the roster (left alone:
// --deactivate-missing deactivates them)"; a dry run says "3 invite".
func summaryLine(res Result, deactivateMissing bool) string {
	rows, missing := map[string]int{}, map[string]int{}
	var nRows, nMissing, missingInvites int
	for _, r := range res.Rows {
		if r.Line == nil {
			nMissing++
			missing[r.Action]++
			if r.Kind == schema.SyncKindInvite {
				missingInvites++
			}
			continue
		}
		nRows++
		rows[r.Action]++
	}
	var parts []string
	for _, a := range []string{schema.SyncInvite, schema.SyncUpdate, schema.SyncActivate, schema.SyncUnchanged, schema.SyncRefused, schema.SyncInvalid} {
		if rows[a] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", rows[a], actionWords(a, res.DryRun)))
		}
	}
	line := count(nRows, "row", "rows") + ": " + strings.Join(parts, ", ")
	switch {
	case nMissing == 0:
		return line + "; everyone in the workspace is in the roster"
	case !deactivateMissing:
		return line + fmt.Sprintf("; %d not in the roster (left alone: --deactivate-missing %s)", nMissing, offboardingWords(nMissing-missingInvites, missingInvites))
	}
	var fates []string
	for _, f := range []struct {
		action, done, planned string
	}{
		{schema.SyncDeactivate, "deactivated", "to deactivate"},
		{schema.SyncRevoke, "invites revoked", "invites to revoke"},
		{schema.SyncRefused, "refused", "refused"},
		{schema.SyncNotInRoster, "left alone", "left alone"},
	} {
		if n := missing[f.action]; n > 0 {
			words := f.done
			if res.DryRun {
				words = f.planned
			}
			if n == 1 {
				words = strings.Replace(words, "invites", "invite", 1)
			}
			fates = append(fates, fmt.Sprintf("%d %s", n, words))
		}
	}
	return line + fmt.Sprintf("; %d not in the roster: %s", nMissing, strings.Join(fates, ", "))
}

// offboardingWords says what --deactivate-missing would do to users and
// pending invites missing from the roster.
func offboardingWords(users, invites int) string {
	switch {
	case invites == 0:
		return "deactivates them"
	case users == 0:
		return "revokes their invites"
	}
	return "deactivates the users and revokes the invites"
}

// printAttention lists the rows that need a look: refused or invalid, with
// a notice from the server, or a person --deactivate-missing left alone
// (the admin running the sync).
func printAttention(w io.Writer, res Result, deactivateMissing bool) {
	attention := bulk.Attention{W: w}
	for _, r := range res.Rows {
		leftAlone := deactivateMissing && r.Line == nil && r.Action == schema.SyncNotInRoster
		if !r.failed() && !leftAlone && len(r.Notices) == 0 {
			continue
		}
		var lines []string
		if r.failed() || leftAlone {
			lines = append(lines, lineOf(r)+": "+plainAction(r.Action)+": "+r.Reason)
		}
		for _, n := range r.Notices {
			lines = append(lines, lineOf(r)+": "+n)
		}
		attention.Row(lines...)
	}
	attention.Done("the table on stdout lists every row")
}
