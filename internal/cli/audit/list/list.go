// Package list implements 'wsctl audit list'.
package list

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/MakeNowJust/heredoc/v2"
	"github.com/spf13/cobra"

	"github.com/wsctl/wsctl/internal/api/schema"
	"github.com/wsctl/wsctl/internal/cli/cmdutil"
	"github.com/wsctl/wsctl/internal/cli/cmdutil/iostreams"
	"github.com/wsctl/wsctl/internal/client"
)

// ListOptions are the parsed flags of 'audit list'.
type ListOptions struct {
	IO     *iostreams.IOStreams
	Client func() (*client.Client, error)
	Output cmdutil.OutputOptions

	Since  time.Time // zero: no bound
	Actor  string
	Action string
	Limit  int // 0: every page
}

// NewCmdList builds 'audit list'.
func NewCmdList(f *cmdutil.Factory, runF func(*ListOptions) error) *cobra.Command {
	opts := &ListOptions{IO: f.IOStreams, Client: f.Client}
	var since string
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List audit events, newest first",
		Long: heredoc.Doc(`
			List the audit events of the workspace, newest first: who did what to
			whom, with the state before and after (-o json shows them). Needs the
			audit:read scope.

			--since takes a duration back from now (90m, 24h, 7d) or a time
			(2026-01-31, 2026-01-31T12:00:00Z). The newest 100 events are listed
			unless --limit says otherwise (--limit 0: all of them); when more
			events match than are shown, a note on stderr says so.

			--action takes one of the actions workspaced records, such as
			user.deactivated, user.edited or invite.created; shell completion
			offers them all, and an unknown one is refused with the list.
		`),
		Example: heredoc.Doc(`
			$ wsctl audit list --since 24h
			$ wsctl audit list --actor admin@example.com --action user.deactivated
			$ wsctl audit list --since 2026-01-01 --limit 0 -o json > audit.json
		`),
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if since != "" {
				t, err := ParseSince(since, time.Now())
				if err != nil {
					return cmdutil.FlagErrorWrap(err)
				}
				opts.Since = t
			}
			if opts.Limit < 0 {
				return cmdutil.FlagErrorf("--limit must be 0 (no limit) or more, not %d", opts.Limit)
			}
			if opts.Action != "" && !schema.IsAuditAction(opts.Action) {
				return cmdutil.FlagErrorf("%s", unknownAction(opts.Action))
			}
			if runF != nil {
				return runF(opts)
			}
			return listRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&since, "since", "", "only events after this `DURATION|TIME` (e.g. 24h, 7d, 2026-01-31)")
	cmd.Flags().StringVar(&opts.Actor, "actor", "", "only events by this `EMAIL`")
	cmd.Flags().StringVar(&opts.Action, "action", "", "only events of this `ACTION`, e.g. user.deactivated")
	_ = cmd.RegisterFlagCompletionFunc("action", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		var names []string
		for _, a := range schema.AuditActions() {
			names = append(names, a.Name+"\t"+a.Does)
		}
		return names, cobra.ShellCompDirectiveNoFileComp
	})
	cmd.Flags().IntVarP(&opts.Limit, "limit", "L", 100, "list at most this many events (0: all)")
	cmdutil.AddOutputFlags(cmd, &opts.Output)
	return cmd
}

// unknownAction says that workspaced records no events of action, suggests
// the actions it may have meant ("user.deactivate": user.deactivated) and
// lists every action, with what it records.
func unknownAction(action string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "--action %q is not an action workspaced records", action)
	var close []string
	for _, name := range schema.AuditActionNames() {
		_, verb, _ := strings.Cut(name, ".")
		if strings.HasPrefix(name, action) || strings.HasPrefix(verb, action) {
			close = append(close, name)
		}
	}
	if len(close) > 0 {
		fmt.Fprintf(&b, "; did you mean %s?", strings.Join(close, " or "))
	}
	actions := schema.AuditActions()
	width := 0
	for _, a := range actions {
		width = max(width, len(a.Name))
	}
	b.WriteString("\n\nThe actions are:\n")
	for _, a := range actions {
		fmt.Fprintf(&b, "  %-*s  %s\n", width, a.Name, a.Does)
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// ParseSince reads a duration back from now (Go durations plus "d" for
// days) or an RFC 3339 time or date.
func ParseSince(s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	if days, ok := strings.CutSuffix(s, "d"); ok {
		if n, err := strconv.Atoi(days); err == nil && n >= 0 {
			return now.AddDate(0, 0, -n), nil // calendar days, across a change of clock
		}
	}
	if d, ok := cmdutil.ParseDuration(s); ok {
		return now.Add(-d), nil
	}
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04:05", "2006-01-02 15:04", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, time.Local); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("--since %q is neither a duration (90m, 24h, 7d) nor a time (2026-01-31, 2026-01-31T12:00:00Z)", s)
}

// EventView shows events as TIME ACTOR ACTION TARGET.
var EventView = cmdutil.View[schema.AuditEvent]{
	Columns: []string{"TIME", "ACTOR", "ACTION", "TARGET", "REQUEST ID"},
	Whole:   []string{"ACTOR", "TARGET", "REQUEST ID"},
	Row: func(c *cmdutil.Cells, e schema.AuditEvent) []string {
		return []string{c.Time(e.At), e.Actor, e.Action, e.Target, e.RequestID}
	},
}

// maxPage is the largest page the server serves.
const maxPage = 1000

// listRun prints the events page by page. With a limit it stops there and,
// when older events match too, says so on stderr: a list cut off silently
// reads as the whole log.
func listRun(ctx context.Context, opts *ListOptions) error {
	c, err := opts.Client()
	if err != nil {
		return err
	}
	params := client.AuditParams{Since: opts.Since, Actor: opts.Actor, Action: opts.Action, Limit: maxPage}
	if opts.Limit > 0 {
		params.Limit = min(opts.Limit, maxPage)
	}
	p := cmdutil.NewListPrinter(opts.IO, opts.Output, EventView)
	cutOff := false
	for {
		page, err := c.Audit(ctx, params)
		if err != nil {
			_ = p.Close()
			return fmt.Errorf("list audit events: %w", err)
		}
		events, full := page.Items, false
		if room := opts.Limit - p.Count(); opts.Limit > 0 && len(events) >= room {
			// The server sends a next cursor only while more events match.
			events, full = events[:room], true
			cutOff = len(page.Items) > room || page.NextCursor != ""
		}
		if err := p.Add(events...); err != nil {
			return err
		}
		if full || page.NextCursor == "" || page.NextCursor == params.Cursor {
			break
		}
		params.Cursor = page.NextCursor
	}
	if err := p.Close(); err != nil {
		return err
	}
	switch {
	case cutOff:
		cmdutil.Warn(opts.IO, "showing the newest %d events; use --limit 0 for all", opts.Limit)
	case p.Count() == 0 && opts.IO.IsStderrTTY() && !opts.Output.IsMachine():
		fmt.Fprintln(opts.IO.ErrOut, "No audit events match.")
	}
	return nil
}
