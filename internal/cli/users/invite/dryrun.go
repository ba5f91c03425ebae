package invite

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/wsctl/wsctl/internal/api/schema"
	"github.com/wsctl/wsctl/internal/cli/cmdutil"
	"github.com/wsctl/wsctl/internal/client"
	"github.com/wsctl/wsctl/internal/workspace"
)

// Actions of a --dry-run plan row.
const (
	PlanInvite   = "invite"          // would be sent and accepted
	PlanInvalid  = "invalid"         // breaks R1 or repeats an email of the file: not sent
	PlanRefused  = "refused"         // would be sent and refused by the server
	PlanReplayed = "already invited" // an earlier run invited this very row
)

// PlanRow is one row of a --dry-run plan.
type PlanRow struct {
	Line     int      `json:"line"`
	Name     string   `json:"name"`
	Email    string   `json:"email"`
	Roles    []string `json:"roles"`
	Licenses []string `json:"licenses"`
	Action   string   `json:"action"`
	Reason   string   `json:"reason,omitempty"`
}

// PlanLicense is one product's licenses in a plan: what the rows to invite
// need against what the pool has free (available = total − assigned −
// reserved).
type PlanLicense struct {
	Product   string `json:"product"`
	Total     int    `json:"total"`
	Assigned  int    `json:"assigned"`
	Reserved  int    `json:"reserved"`
	Available int    `json:"available"`
	Needed    int    `json:"needed"`
	Granted   int    `json:"granted"`
}

// PlanSummary counts the rows of a plan by action.
type PlanSummary struct {
	Rows           int  `json:"rows"`
	Invite         int  `json:"invite"`
	Invalid        int  `json:"invalid"`
	Refused        int  `json:"refused"`
	AlreadyInvited int  `json:"already_invited"`
	ServerChecked  bool `json:"server_checked"`
}

// Plan is the whole --dry-run plan, as -o json/yaml print it.
type Plan struct {
	Rows     []PlanRow     `json:"rows"`
	Licenses []PlanLicense `json:"licenses"`
	Summary  PlanSummary   `json:"summary"`
}

var planView = cmdutil.View[PlanRow]{
	Columns: []string{"LINE", "ACTION", "EMAIL", "NAME", "ROLES", "LICENSES", "REASON"},
	Whole:   []string{"LINE", "ACTION", "EMAIL"},
	Row: func(c *cmdutil.Cells, p PlanRow) []string {
		return []string{fmt.Sprint(p.Line), p.Action, p.Email, p.Name, c.List(p.Roles), c.List(p.Licenses), p.Reason}
	},
}

var planItemView = cmdutil.View[Plan]{Columns: []string{"ROWS"}, Row: func(_ *cmdutil.Cells, p Plan) []string { return []string{fmt.Sprint(p.Summary.Rows)} }}

// serverTimeout bounds each of the dry run's reads of a server that does
// not answer.
const serverTimeout = 30 * time.Second

// orgState is what the server holds that decides the fate of the file's
// rows: its license pools and, among the file's emails only, the users and
// the pending invites (by the key of what they ask for). Only the emails of
// the file are kept, however many users the org has.
type orgState struct {
	pools   []schema.LicensePool
	users   map[string]bool   // normalized email → is a user (any status)
	pending map[string]string // normalized email → row key of its pending invite
}

// fileEmails is the set of the file's emails, normalized.
func fileEmails(path string) (map[string]bool, error) {
	rows, file, err := openCSV(path, nil)
	if err != nil {
		return nil, err
	}
	defer file.Close()
	emails := map[string]bool{}
	for {
		r, err := rows.Next()
		if errors.Is(err, io.EOF) {
			return emails, nil
		}
		if err != nil {
			return nil, cmdutil.FlagErrorf("%s: %v", path, err)
		}
		if e := normalizeEmail(r.Request.Email); e != "" {
			emails[e] = true
		}
	}
}

// readOrgState streams the org's users and pending invites page by page and
// keeps those whose email is in emails.
func readOrgState(ctx context.Context, c *client.Client, emails map[string]bool) (*orgState, error) {
	st := &orgState{users: map[string]bool{}, pending: map[string]string{}}
	lctx, cancel := context.WithTimeout(ctx, serverTimeout)
	defer cancel()
	pools, err := c.Licenses(lctx)
	if err != nil {
		return nil, fmt.Errorf("list the license pools: %w", err)
	}
	st.pools = pools
	for page, err := range c.UserPages(ctx, client.ListUsersParams{Status: client.UserStatusAll, Limit: 1000}) {
		if err != nil {
			return nil, fmt.Errorf("list the users: %w", err)
		}
		for _, u := range page {
			if e := normalizeEmail(u.Email); emails[e] {
				st.users[e] = true
			}
		}
	}
	for page, err := range c.InvitePages(ctx, client.ListInvitesParams{Status: "pending", Limit: 1000}) {
		if err != nil {
			return nil, fmt.Errorf("list the pending invites: %w", err)
		}
		for _, inv := range page {
			if e := normalizeEmail(inv.Email); emails[e] {
				st.pending[e] = rowKey(schema.InviteRequest{Name: inv.Name, Email: inv.Email, Roles: inv.Roles, Licenses: inv.Licenses})
			}
		}
	}
	return st, nil
}

func (st *orgState) products() []string {
	if st == nil {
		return nil
	}
	products := make([]string, len(st.pools))
	for i, p := range st.pools {
		products[i] = p.Product
	}
	return products
}

// planner decides each row's action in file order: the first rows that fit
// take the free licenses, as the server would grant them.
type planner struct {
	org     *orgState // nil: the server could not be asked
	journal *journal
	pools   map[string]*PlanLicense
	sum     PlanSummary
}

func newPlanner(org *orgState, j *journal) *planner {
	p := &planner{org: org, journal: j, pools: map[string]*PlanLicense{}, sum: PlanSummary{ServerChecked: org != nil}}
	if org != nil {
		for _, pool := range org.pools {
			p.pools[pool.Product] = &PlanLicense{Product: pool.Product, Total: pool.Total, Assigned: pool.Assigned, Reserved: pool.Reserved,
				Available: max(0, pool.Total-pool.Assigned-pool.Reserved)}
		}
	}
	return p
}

func (p *planner) plan(r Row) PlanRow {
	pr := PlanRow{Line: r.Line, Name: r.Request.Name, Email: r.Request.Email, Roles: r.Request.Roles, Licenses: r.Request.Licenses, Action: PlanInvite}
	p.sum.Rows++
	pr.Action, pr.Reason = p.decide(r)
	switch pr.Action {
	case PlanInvite:
		p.sum.Invite++
	case PlanInvalid:
		p.sum.Invalid++
	case PlanRefused:
		p.sum.Refused++
	case PlanReplayed:
		p.sum.AlreadyInvited++
	}
	return pr
}

func (p *planner) decide(r Row) (action, reason string) {
	email := normalizeEmail(r.Request.Email)
	switch {
	case r.Invalid != nil:
		return PlanInvalid, r.Invalid.Error()
	case p.journal.has(r):
		return PlanReplayed, "an earlier run of this file invited this row (its journal records it)"
	case p.org == nil:
		return PlanInvite, ""
	case p.org.pending[email] == r.IdempotencyKey:
		return PlanReplayed, "a pending invite asks for exactly this row"
	case p.org.users[email]:
		return PlanRefused, "would be refused: " + (&workspace.EmailTakenError{Email: r.Request.Email, By: "user"}).Error()
	case p.org.pending[email] != "":
		return PlanRefused, "would be refused: " + (&workspace.EmailTakenError{Email: r.Request.Email, By: "invite"}).Error()
	}
	return p.takeLicenses(r)
}

// takeLicenses grants a row all its licenses or none, as the server does.
func (p *planner) takeLicenses(r Row) (action, reason string) {
	products := normalizeSet(r.Request.Licenses)
	var short *PlanLicense
	for _, product := range products {
		pool := p.pools[product]
		if pool == nil { // not a product of the server: R1 already refused the row
			continue
		}
		pool.Needed++
		if short == nil && pool.Granted >= pool.Available {
			short = pool
		}
	}
	if short != nil {
		used := short.Total - short.Available + short.Granted
		return PlanRefused, "would be refused: " + (&workspace.LicenseExhaustedError{Product: short.Product, Used: used, Total: short.Total}).Error()
	}
	for _, product := range products {
		if pool := p.pools[product]; pool != nil {
			pool.Granted++
		}
	}
	return PlanInvite, ""
}

// licenses are the pools the file asks for, in the server's order.
func (p *planner) licenses() []PlanLicense {
	out := []PlanLicense{}
	if p.org == nil {
		return out
	}
	for _, pool := range p.org.pools {
		if l := p.pools[pool.Product]; l.Needed > 0 {
			out = append(out, *l)
		}
	}
	return out
}

// maxListed bounds the lines a dry run lists on stderr, so that a file of
// any size plans in the same memory; the plan on stdout has every row.
const maxListed = 1000

// dryRun checks every row with the domain's own R1 rule and, when the
// server can be asked, against its products, license pools, users, pending
// invites, and the file's journal, then prints the plan. It sends nothing.
func dryRun(ctx context.Context, opts *InviteOptions) error {
	org, err := dryRunOrgState(ctx, opts)
	if err != nil {
		cmdutil.Warn(opts.IO, "license names, license pools, users and pending invites were not checked: %s", cmdutil.ErrorMessage(err))
	}
	j, err := readJournal(opts.CSVFile)
	if err != nil {
		return err
	}
	rows, file, err := openCSV(opts.CSVFile, org.products())
	if err != nil {
		return err
	}
	defer file.Close()
	pl := newPlanner(org, j)
	out := newPlanWriter(opts)
	var listed []string
	for {
		r, err := rows.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return cmdutil.FlagErrorf("%s: %v", opts.CSVFile, err)
		}
		row := pl.plan(r)
		if row.Action != PlanInvite && len(listed) < maxListed {
			listed = append(listed, planLine(row))
		}
		if err := out.add(row); err != nil {
			return err
		}
	}
	if err := out.close(pl.licenses(), pl.sum); err != nil {
		return err
	}
	printPlanSummary(opts, pl, listed)
	if pl.sum.Invalid+pl.sum.Refused > 0 {
		return &cmdutil.PartialError{}
	}
	return nil
}

// dryRunOrgState asks the server what decides the rows' fate; nil and the
// reason when it cannot be asked.
func dryRunOrgState(ctx context.Context, opts *InviteOptions) (*orgState, error) {
	c, err := opts.Client()
	if err != nil {
		return nil, err
	}
	emails, err := fileEmails(opts.CSVFile)
	if err != nil {
		return nil, err
	}
	return readOrgState(ctx, c, emails)
}

// planLine is a row that needs attention, for stderr: "line 6
// eve@example.com: would be refused: no flow license left: 3 of 3 in use …".
func planLine(row PlanRow) string {
	reason := row.Reason
	if row.Action != PlanRefused {
		reason = row.Action + ": " + reason
	}
	return fmt.Sprintf("line %d %s: %s", row.Line, row.Email, reason)
}

func printPlanSummary(opts *InviteOptions, pl *planner, listed []string) {
	w, s := opts.IO.ErrOut, pl.sum
	fmt.Fprintf(w, "Dry run: %d rows would be sent, %d invalid; %d would be invited, %d would be refused, %d already invited. Nothing was sent.\n",
		s.Invite+s.Refused, s.Invalid, s.Invite, s.Refused, s.AlreadyInvited)
	if lic := pl.licenses(); len(lic) > 0 {
		fmt.Fprintln(w, "Licenses needed (available = total - assigned - reserved):")
		for _, l := range lic {
			fmt.Fprintf(w, "  %s: %d needed, %d available (%d total, %d assigned, %d reserved)", l.Product, l.Needed, l.Available, l.Total, l.Assigned, l.Reserved)
			if l.Needed > l.Available {
				fmt.Fprintf(w, ": %d short", l.Needed-l.Available)
			}
			fmt.Fprintln(w)
		}
	}
	if len(listed) > 0 {
		fmt.Fprintln(w, "Rows that need attention:")
	}
	for _, msg := range listed {
		fmt.Fprintln(w, "  "+msg)
	}
	if n := s.Invalid + s.Refused + s.AlreadyInvited; n > len(listed) {
		fmt.Fprintf(w, "  and %d more (see the plan on stdout)\n", n-len(listed))
	}
}

// planWriter prints the plan's rows as they are decided. -o json streams
// the plan object; --jq and yaml need it whole, so they keep every row.
type planWriter struct {
	opts   *InviteOptions
	list   *cmdutil.ListPrinter[PlanRow]
	whole  *Plan
	stream bool
	count  int
}

func newPlanWriter(opts *InviteOptions) *planWriter {
	o := opts.Output
	switch {
	case o.JQ != "" || o.Format == cmdutil.FormatYAML:
		return &planWriter{opts: opts, whole: &Plan{Rows: []PlanRow{}}}
	case o.Format == cmdutil.FormatJSON:
		return &planWriter{opts: opts, stream: true}
	}
	return &planWriter{opts: opts, list: cmdutil.NewListPrinter(opts.IO, o, planView)}
}

func (w *planWriter) add(row PlanRow) error {
	switch {
	case w.whole != nil:
		w.whole.Rows = append(w.whole.Rows, row)
		return nil
	case w.stream:
		b, err := json.MarshalIndent(row, "    ", "  ")
		if err != nil {
			return err
		}
		sep := ",\n    "
		if w.count == 0 {
			sep = "{\n  \"rows\": [\n    "
		}
		w.count++
		_, err = fmt.Fprint(w.opts.IO.Out, sep, string(b))
		return err
	}
	return w.list.Add(row)
}

func (w *planWriter) close(licenses []PlanLicense, sum PlanSummary) error {
	switch {
	case w.whole != nil:
		w.whole.Licenses, w.whole.Summary = licenses, sum
		return cmdutil.PrintItem(w.opts.IO, w.opts.Output, planItemView, *w.whole)
	case w.stream:
		head := "\n  ]"
		if w.count == 0 {
			head = "{\n  \"rows\": []"
		}
		tail, err := json.MarshalIndent(struct {
			Licenses []PlanLicense `json:"licenses"`
			Summary  PlanSummary   `json:"summary"`
		}{licenses, sum}, "", "  ")
		if err != nil {
			return err
		}
		// tail is {"licenses": …, "summary": …}: splice its fields after the rows.
		body := strings.TrimSuffix(strings.TrimPrefix(string(tail), "{"), "}")
		_, err = fmt.Fprint(w.opts.IO.Out, head+","+body+"}\n")
		return err
	}
	return w.list.Close()
}
