package invite

// The invite screen: 'wsctl users invite' on a terminal with no person
// given asks for one person after another ("Add another?"), shows them for
// review and sends them all in one request, as the vendor's Invite User
// screen does with its rows.

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/wsctl/wsctl/internal/api/schema"
	"github.com/wsctl/wsctl/internal/cli/cmdutil"
	"github.com/wsctl/wsctl/internal/cli/cmdutil/iostreams"
	"github.com/wsctl/wsctl/internal/cli/cmdutil/prompter"
	"github.com/wsctl/wsctl/internal/cli/licenses/show"
	"github.com/wsctl/wsctl/internal/cli/signupmode"
	"github.com/wsctl/wsctl/internal/client"
)

// roleChoices are the roles offered on the screen. A local list keeps the
// domain package out of the CLI; the server decides which roles exist.
var roleChoices = []string{"admin", "manager", "user"}

// Choices of the review, after the first: send the rows (sendLabel).
const (
	reviewAdd    = "Add another person"
	reviewEdit   = "Edit a row"
	reviewDelete = "Delete a row"
	reviewReset  = "Reset: start over with no rows"
	reviewCancel = "Cancel: send nothing"
)

// sendLabel is the review's first choice, e.g. "Send 2 invites".
func sendLabel(rows int) string {
	if rows == 1 {
		return "Send 1 invite"
	}
	return fmt.Sprintf("Send %d invites", rows)
}

// errSignupStillOn ends the screen when the person keeps automatic sign-up on.
var errSignupStillOn = errors.New("nothing sent: automatic sign-up is still on, and invites are refused while it is " +
	"(turn it off with 'wsctl signup-mode off', then run 'wsctl users invite' again)")

// opensInviteScreen is true when the invite screen replaces the one-person
// prompts: on a terminal, with none of the person's fields given.
func opensInviteScreen(opts *InviteOptions) bool {
	return opts.IO.CanPrompt() && opts.Name == "" && opts.Email == "" && len(opts.Roles) == 0 && len(opts.Licenses) == 0
}

// invitee is one row of the screen: one person to invite.
type invitee struct {
	Name, Email     string
	Roles, Licenses []string
}

// inviteScreen is one session of the screen.
type inviteScreen struct {
	io    *iostreams.IOStreams
	ask   prompter.Prompter
	c     *client.Client
	out   cmdutil.OutputOptions
	pools []schema.LicensePool // as the server last told them
	rows  []invitee
}

// interactiveRun runs the invite screen until the rows are sent or the
// person cancels.
func interactiveRun(ctx context.Context, opts *InviteOptions) error {
	c, err := opts.Client()
	if err != nil {
		return err
	}
	s := &inviteScreen{io: opts.IO, ask: opts.Prompter, c: c, out: opts.Output}
	if err := s.requireInvitesAllowed(ctx); err != nil {
		return err
	}
	if err := s.loadPools(ctx); err != nil {
		return err
	}
	if err := s.enterPeople(); err != nil {
		return err
	}
	return s.review(ctx)
}

// requireInvitesAllowed checks sign-up mode first: while people may sign up
// on their own the server refuses every invite, so the screen offers to turn
// it off, with the confirmation 'wsctl signup-mode off' asks.
func (s *inviteScreen) requireInvitesAllowed(ctx context.Context) error {
	mode, err := s.c.SignupMode(ctx)
	if err != nil {
		return fmt.Errorf("read the sign-up mode: %w", err)
	}
	if !mode.AutoSignup {
		return nil
	}
	s.say("Automatic sign-up is on: people sign up on their own, and invites are refused while it is.")
	s.say("To invite people, turn it off.")
	if err := signupmode.Confirm(s.io, s.ask, false, signupmode.ActionOff); err != nil {
		if errors.Is(err, cmdutil.CancelError) {
			return errSignupStillOn
		}
		return err
	}
	if _, err := s.c.SetSignupMode(ctx, false); err != nil {
		return fmt.Errorf("turn automatic sign-up off: %w", err)
	}
	cmdutil.Success(s.io, "Automatic sign-up is now off: people join by invite")
	return nil
}

// loadPools reads the license pools and shows them.
func (s *inviteScreen) loadPools(ctx context.Context) error {
	pools, err := s.c.Licenses(ctx)
	if err != nil {
		return fmt.Errorf("read the licenses: %w", err)
	}
	s.pools = pools
	s.say("\nLicenses available:")
	rows := make([][]string, len(pools))
	for i, p := range pools {
		rows[i] = show.PoolView.Row(&cmdutil.Cells{}, p)
	}
	return s.table(show.PoolView.Columns, rows, show.PoolView.Whole)
}

// left is the number of licenses of pool still free for the row at index:
// what the server counted available minus what the other rows entered so
// far take. This is presentation only, so that the screen offers what can
// still be given; the server decides when the invites are sent (another
// admin may take licenses meanwhile), and says so per row.
func (s *inviteScreen) left(pool schema.LicensePool, index int) int {
	n := pool.Available
	for i, r := range s.rows {
		if i != index && slices.Contains(r.Licenses, pool.Product) {
			n--
		}
	}
	return n
}

// anyLicenseLeft is true while some product can still be offered to a new row.
func (s *inviteScreen) anyLicenseLeft() bool {
	return slices.ContainsFunc(s.pools, func(p schema.LicensePool) bool { return s.left(p, -1) > 0 })
}

// enterPeople asks for one person after another until the person answers
// no to "Add another?" or no license is left to offer.
func (s *inviteScreen) enterPeople() error {
	for {
		if !s.anyLicenseLeft() {
			return s.noLicenseLeft()
		}
		s.say("\nPerson %d", len(s.rows)+1)
		row, err := s.askRow(len(s.rows), invitee{})
		if err != nil {
			return err
		}
		s.rows = append(s.rows, row)
		if !s.anyLicenseLeft() {
			return s.noLicenseLeft()
		}
		more, err := s.ask.Confirm("Add another?", false)
		if err != nil {
			return err
		}
		if !more {
			return nil
		}
	}
}

// noLicenseLeft says that nobody else can be added; with no row at all
// there is nothing to review.
func (s *inviteScreen) noLicenseLeft() error {
	if len(s.rows) == 0 {
		return errors.New("no license is left in any product, so nobody can be invited " +
			"(see 'wsctl licenses show'; free one with 'wsctl users edit USER --remove-license PRODUCT', or revoke a pending invite with 'wsctl invites revoke EMAIL')")
	}
	s.say("\nNo license is left in any product, so nobody else can be added.")
	return nil
}

// askRow asks for the fields of the row at index, offering cur's values as
// defaults. Empty answers are asked again; whether a name, an email or a
// choice is valid is the server's decision when the invites are sent.
func (s *inviteScreen) askRow(index int, cur invitee) (invitee, error) {
	var row invitee
	var err error
	if row.Name, err = s.askText("Name:", cur.Name); err != nil {
		return row, err
	}
	if row.Email, err = s.askText("Email:", cur.Email); err != nil {
		return row, err
	}
	if row.Roles, err = s.askChoices("Roles:", roleChoices, roleChoices, cur.Roles); err != nil {
		return row, err
	}
	var products, labels, held []string
	for _, p := range s.pools {
		n := s.left(p, index)
		if n <= 0 {
			continue
		}
		label := fmt.Sprintf("%s (%d of %d available)", p.Product, n, p.Total)
		products, labels = append(products, p.Product), append(labels, label)
		if slices.Contains(cur.Licenses, p.Product) {
			held = append(held, label)
		}
	}
	if row.Licenses, err = s.askChoices("Licenses:", products, labels, held); err != nil {
		return row, err
	}
	return row, nil
}

// askText asks until the answer is not blank.
func (s *inviteScreen) askText(question, def string) (string, error) {
	for {
		v, err := s.ask.Input(question, def)
		if err != nil {
			return "", err
		}
		if v = strings.TrimSpace(v); v != "" {
			return v, nil
		}
		s.say("Please enter one (Ctrl-C stops without sending anything).")
	}
}

// askChoices asks for at least one of values, shown as labels, with
// defaults (labels) preselected.
func (s *inviteScreen) askChoices(question string, values, labels, defaults []string) ([]string, error) {
	for {
		idx, err := s.ask.MultiSelect(question, defaults, labels)
		if err != nil {
			return nil, err
		}
		if len(idx) > 0 {
			picked := make([]string, len(idx))
			for i, j := range idx {
				picked[i] = values[j]
			}
			return picked, nil
		}
		s.say("Choose at least one: space selects, Enter confirms.")
	}
}

// review shows the rows and does what the person chooses until they are
// sent or the person cancels.
func (s *inviteScreen) review(ctx context.Context) error {
	for {
		if err := s.showRows(); err != nil {
			return err
		}
		choices := []string{sendLabel(len(s.rows))}
		if s.anyLicenseLeft() {
			choices = append(choices, reviewAdd)
		}
		choices = append(choices, reviewEdit, reviewDelete, reviewReset, reviewCancel)
		i, err := s.ask.Select("What next?", "", choices)
		if err != nil {
			return err
		}
		if i == 0 {
			return s.send(ctx)
		}
		switch choices[i] {
		case reviewAdd:
			err = s.enterPeople()
		case reviewEdit:
			err = s.editRow()
		case reviewDelete:
			err = s.deleteRow()
		case reviewReset:
			err = s.reset(ctx)
		case reviewCancel:
			s.say("Nothing sent.")
			return cmdutil.CancelError
		}
		if err != nil {
			return err
		}
	}
}

// showRows prints the review table and what the licenses would be after it.
func (s *inviteScreen) showRows() error {
	s.say("\nInvites to send:")
	rows := make([][]string, len(s.rows))
	for i, r := range s.rows {
		rows[i] = []string{fmt.Sprint(i + 1), r.Name, r.Email, strings.Join(r.Roles, ", "), strings.Join(r.Licenses, ", ")}
	}
	if err := s.table([]string{"#", "NAME", "EMAIL", "ROLES", "LICENSES"}, rows, []string{"#", "EMAIL"}); err != nil {
		return err
	}
	var after []string
	for _, p := range s.pools {
		after = append(after, fmt.Sprintf("%s %d of %d", p.Product, s.left(p, -1), p.Total))
	}
	s.say("Licenses available after these invites: %s", strings.Join(after, ", "))
	return nil
}

// pickRow asks which row to act on; it returns its index.
func (s *inviteScreen) pickRow(question string) (int, error) {
	options := make([]string, len(s.rows))
	for i, r := range s.rows {
		options[i] = fmt.Sprintf("%d. %s <%s>", i+1, r.Name, r.Email)
	}
	return s.ask.Select(question, "", options)
}

// editRow asks a row's fields again, its current values as defaults.
func (s *inviteScreen) editRow() error {
	i, err := s.pickRow("Edit which row?")
	if err != nil {
		return err
	}
	s.say("\nRow %d (Enter keeps a value)", i+1)
	row, err := s.askRow(i, s.rows[i])
	if err != nil {
		return err
	}
	s.rows[i] = row
	return nil
}

// deleteRow removes a row; with none left, the screen asks for people again.
func (s *inviteScreen) deleteRow() error {
	i, err := s.pickRow("Delete which row?")
	if err != nil {
		return err
	}
	s.say("Deleted row %d (%s).", i+1, s.rows[i].Email)
	s.rows = slices.Delete(s.rows, i, i+1)
	if len(s.rows) > 0 {
		return nil
	}
	return s.enterPeople()
}

// reset drops every row and reads the licenses again, then asks for people.
func (s *inviteScreen) reset(ctx context.Context) error {
	s.rows = nil
	s.say("\nAll rows cleared.")
	if err := s.loadPools(ctx); err != nil {
		return err
	}
	return s.enterPeople()
}

// sentRow is one row's result, as -o json/yaml/csv print it: its number on
// the review, its email, the server's status (invited, replayed, failed),
// the server's problem document for a failed row, the invite otherwise.
type sentRow struct {
	Row    int             `json:"row"`
	Email  string          `json:"email"`
	Status string          `json:"status"`
	Error  *schema.Problem `json:"error,omitempty"`
	Invite *schema.Invite  `json:"invite,omitempty"`
}

var sentRowView = cmdutil.View[sentRow]{
	Columns: []string{"ROW", "EMAIL", "STATUS", "ERROR"},
	Whole:   []string{"ROW", "EMAIL", "STATUS"},
	Row: func(_ *cmdutil.Cells, r sentRow) []string {
		reason := ""
		if r.Error != nil {
			reason = r.Error.Detail
		}
		return []string{fmt.Sprint(r.Row), r.Email, r.Status, reason}
	},
}

// send sends every row in one request and prints each row's result; some
// row not invited is exit 3.
func (s *inviteScreen) send(ctx context.Context) error {
	items := make([]schema.InviteBatchItem, len(s.rows))
	for i, r := range s.rows {
		items[i] = schema.InviteBatchItem{InviteRequest: schema.InviteRequest{Name: r.Name, Email: r.Email, Roles: r.Roles, Licenses: r.Licenses}}
	}
	results, err := s.c.InviteBatch(ctx, items)
	if err != nil {
		return fmt.Errorf("send the invites: %w", err)
	}
	sent := make([]sentRow, len(results))
	failed := 0
	for i, res := range results {
		sent[i] = sentRow{Row: i + 1, Email: s.rows[i].Email, Status: res.Status, Error: res.Error, Invite: res.Invite}
		if res.Status == schema.BatchFailed {
			failed++
		}
		if s.out.IsMachine() {
			if res.Invite != nil {
				cmdutil.PrintNotices(s.io, res.Invite.Notices)
			}
			continue
		}
		s.printResult(sent[i])
	}
	if s.out.IsMachine() {
		if err := cmdutil.PrintList(s.io, s.out, sentRowView, sent); err != nil {
			return err
		}
	}
	if failed > 0 {
		return &cmdutil.PartialError{Message: fmt.Sprintf("%d of %d not invited: run 'wsctl users invite' again for them once the reason is fixed", failed, len(sent))}
	}
	return nil
}

// printResult writes one row's result to stderr, for people.
func (s *inviteScreen) printResult(r sentRow) {
	switch {
	case r.Status == schema.BatchFailed:
		reason := "the server gave no reason"
		if r.Error != nil {
			reason = cmdutil.ErrorMessage(&client.APIError{Status: r.Error.Status, Problem: *r.Error})
		}
		fmt.Fprintf(s.io.ErrOut, "%s%s: not invited: %s\n", s.io.ErrColorScheme().FailureIcon(), r.Email, reason)
	case r.Invite == nil:
		cmdutil.Success(s.io, "%s: %s", r.Email, r.Status)
	case r.Status == schema.BatchReplayed:
		cmdutil.Success(s.io, "Already invited %s", r.Email)
	default:
		inv := r.Invite
		cmdutil.Success(s.io, "Invited %s (roles %s; licenses %s); the signup link expires %s",
			inv.Email, strings.Join(inv.Roles, ", "), strings.Join(inv.Licenses, ", "), inv.ExpiresAt.Local().Format("2006-01-02 15:04"))
		cmdutil.PrintNotices(s.io, inv.Notices)
	}
}

// say writes a line of the screen to stderr, keeping stdout for data.
func (s *inviteScreen) say(format string, args ...any) {
	fmt.Fprintf(s.io.ErrOut, format+"\n", args...)
}

// table draws a table of the screen on stderr, fitted to the terminal.
func (s *inviteScreen) table(headers []string, rows [][]string, whole []string) error {
	screen := *s.io // the same terminal, drawn on stderr
	screen.Out = s.io.ErrOut
	return cmdutil.RenderTable(&screen, headers, rows, whole)
}
