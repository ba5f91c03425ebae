package invite

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/wsctl/wsctl/internal/api/schema"
	"github.com/wsctl/wsctl/internal/cli/clitest"
	"github.com/wsctl/wsctl/internal/cli/clitest/livetest"
	"github.com/wsctl/wsctl/internal/cli/cmdutil"
	"github.com/wsctl/wsctl/internal/cli/cmdutil/prompter"
	"github.com/wsctl/wsctl/internal/cli/signupmode"
	"github.com/wsctl/wsctl/internal/client"
)

// The invite screen's behaviour, scripted with prompter.Fake, against the
// real workspaced API (livetest.New: loopback, SQLite file).

// screenEnv is a terminal whose commands talk to live.
func screenEnv(t *testing.T, live *livetest.Server) *clitest.Env {
	t.Helper()
	env := clitest.NewEnv(t)
	env.IO.SetTTY(true)
	env.F.Client = live.Client
	return env
}

// newLiveServerSignupOn is livetest.New with automatic sign-up turned back
// on, as in a new workspace.
func newLiveServerSignupOn(t *testing.T, totals ...map[string]int) *livetest.Server {
	t.Helper()
	live := livetest.New(t, totals...)
	c, _ := live.Client()
	if _, err := c.SetSignupMode(context.Background(), true); err != nil {
		t.Fatal(err)
	}
	return live
}

// pendingInvites are the server's pending invites by email.
func pendingInvites(t *testing.T, live *livetest.Server) map[string]schema.Invite {
	t.Helper()
	c, _ := live.Client()
	out := map[string]schema.Invite{}
	for page, err := range c.InvitePages(context.Background(), client.ListInvitesParams{Status: "pending"}) {
		if err != nil {
			t.Fatal(err)
		}
		for _, inv := range page {
			out[inv.Email] = inv
		}
	}
	return out
}

func autoSignup(t *testing.T, live *livetest.Server) bool {
	t.Helper()
	c, _ := live.Client()
	m, err := c.SignupMode(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return m.AutoSignup
}

// expectPerson scripts the questions for one person.
func expectPerson(f *prompter.Fake, name, email string, roles, licenses []string) {
	f.ExpectInput("Name", name)
	f.ExpectInput("Email", email)
	f.ExpectMultiSelect("Roles", roles)
	f.ExpectMultiSelect("Licenses", licenses)
}

func runScreen(env *clitest.Env, flags string) error {
	return clitest.Run(NewCmdInvite(env.F, nil), flags)
}

func TestInviteScreen_TwoPeopleAddedThenSent_BothInvitedInOneBatch(t *testing.T) {
	live := livetest.New(t)
	env := screenEnv(t, live)
	p := env.Prompter
	p.ExpectInput("Name", "   ") // blank: asked again
	expectPerson(p, "Ann Lee", "ann@example.com", []string{"manager", "user"}, []string{"flow (1000 of 1000 available)", "parallel-dialer (1000 of 1000 available)"})
	p.ExpectConfirm("Add another?", true)
	expectPerson(p, "Bob Stone", "bob@example.com", []string{"user"}, []string{"flow (999 of 1000 available)"})
	p.ExpectConfirm("Add another?", false)
	p.ExpectSelect("What next?", "Send 2 invites")

	if err := runScreen(env, ""); err != nil {
		t.Fatalf("err %v\n%s", err, env.Stderr())
	}
	got := pendingInvites(t, live)
	ann, bob := got["ann@example.com"], got["bob@example.com"]
	if len(got) != 2 || !slices.Equal(ann.Roles, []string{"manager", "user"}) || !slices.Equal(ann.Licenses, []string{"flow", "parallel-dialer"}) ||
		bob.Name != "Bob Stone" || !slices.Equal(bob.Licenses, []string{"flow"}) {
		t.Errorf("pending invites on the server: %+v", got)
	}
	stderr := env.Stderr()
	for _, want := range []string{"Licenses available:", "Invites to send:", "1  Ann Lee", "2  Bob Stone", "Invited ann@example.com", "Invited bob@example.com"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	if env.Stdout() != "" {
		t.Errorf("stdout %q, want nothing: the screen and results are messages", env.Stdout())
	}
}

// The counts offered go down with every row; a product with none left is
// not offered; when none is left at all the screen goes to the review
// without asking for another person (R4, R5).
func TestInviteScreen_CountsGoDown_ProductWithNoneLeftNotOffered_R4(t *testing.T) {
	live := livetest.New(t, map[string]int{"parallel-dialer": 2, "agent-dialer": 1, "flow": 2})
	env := screenEnv(t, live)
	p := env.Prompter
	p.ExpectInput("Name", "Ann Lee")
	p.ExpectInput("Email", "ann@example.com")
	p.ExpectMultiSelect("Roles", []string{"user"})
	p.ExpectMultiSelectAmong("Licenses",
		[]string{"agent-dialer (1 of 1 available)", "flow (2 of 2 available)", "parallel-dialer (2 of 2 available)"},
		[]string{"agent-dialer (1 of 1 available)", "flow (2 of 2 available)"})
	p.ExpectConfirm("Add another?", true)
	p.ExpectInput("Name", "Bob Stone")
	p.ExpectInput("Email", "bob@example.com")
	p.ExpectMultiSelect("Roles", []string{"user"})
	p.ExpectMultiSelectAmong("Licenses",
		[]string{"flow (1 of 2 available)", "parallel-dialer (2 of 2 available)"},
		[]string{"flow (1 of 2 available)", "parallel-dialer (2 of 2 available)"})
	p.ExpectConfirm("Add another?", true)
	p.ExpectInput("Name", "Cy Young")
	p.ExpectInput("Email", "cy@example.com")
	p.ExpectMultiSelect("Roles", []string{"user"})
	p.ExpectMultiSelectAmong("Licenses", []string{"parallel-dialer (1 of 2 available)"}, []string{"parallel-dialer (1 of 2 available)"})
	// No "Add another?", and no such choice on the review: nothing is left to give.
	p.ExpectSelectAmong("What next?", []string{"Send 3 invites", reviewEdit, reviewDelete, reviewReset, reviewCancel}, "Send 3 invites")

	if err := runScreen(env, ""); err != nil {
		t.Fatalf("err %v\n%s", err, env.Stderr())
	}
	if got := pendingInvites(t, live); len(got) != 3 {
		t.Errorf("%d pending invites, want 3: %+v", len(got), got)
	}
	stderr := env.Stderr()
	for _, want := range []string{
		"No license is left in any product, so nobody else can be added",
		"Licenses available after these invites: agent-dialer 0 of 1, flow 0 of 2, parallel-dialer 0 of 2",
		"that was the last agent-dialer license: 1 of 1 in use",
		"that was the last flow license: 2 of 2 in use",
		"that was the last parallel-dialer license: 2 of 2 in use",
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
}

func TestInviteScreen_EditARow_AsksAgainWithItsValuesAsDefaults(t *testing.T) {
	live := livetest.New(t)
	env := screenEnv(t, live)
	p := env.Prompter
	expectPerson(p, "Ann Lee", "ann@example.com", []string{"user"}, []string{"flow (1000 of 1000 available)"})
	p.ExpectConfirm("Add another?", true)
	expectPerson(p, "Bob Stone", "bob@exmaple.com", []string{"user"}, []string{"flow (999 of 1000 available)"})
	p.ExpectConfirm("Add another?", false)
	p.ExpectSelect("What next?", reviewEdit)
	p.ExpectSelect("Edit which row?", "2. Bob Stone <bob@exmaple.com>")
	p.ExpectInputDefault("Name", "Bob Stone", "") // Enter keeps it
	p.ExpectInputDefault("Email", "bob@exmaple.com", "bob@example.com")
	p.ExpectMultiSelectDefault("Roles", []string{"user"}, []string{"manager"})
	// The row's own license counts as free while it is edited.
	p.ExpectMultiSelectDefault("Licenses", []string{"flow (999 of 1000 available)"}, nil)
	p.ExpectSelect("What next?", "Send 2 invites")

	if err := runScreen(env, ""); err != nil {
		t.Fatalf("err %v\n%s", err, env.Stderr())
	}
	got := pendingInvites(t, live)
	bob, ok := got["bob@example.com"]
	if len(got) != 2 || !ok || bob.Name != "Bob Stone" || !slices.Equal(bob.Roles, []string{"manager"}) || !slices.Equal(bob.Licenses, []string{"flow"}) {
		t.Errorf("pending invites on the server: %+v", got)
	}
}

func TestInviteScreen_DeleteARow_OnlyTheOthersAreSent(t *testing.T) {
	live := livetest.New(t)
	env := screenEnv(t, live)
	p := env.Prompter
	expectPerson(p, "Ann Lee", "ann@example.com", []string{"user"}, []string{"flow (1000 of 1000 available)"})
	p.ExpectConfirm("Add another?", true)
	expectPerson(p, "Bob Stone", "bob@example.com", []string{"user"}, []string{"flow (999 of 1000 available)"})
	p.ExpectConfirm("Add another?", false)
	p.ExpectSelect("What next?", reviewDelete)
	p.ExpectSelect("Delete which row?", "1. Ann Lee <ann@example.com>")
	p.ExpectSelect("What next?", "Send 1 invite")

	if err := runScreen(env, ""); err != nil {
		t.Fatalf("err %v\n%s", err, env.Stderr())
	}
	got := pendingInvites(t, live)
	if _, ok := got["bob@example.com"]; len(got) != 1 || !ok {
		t.Errorf("pending invites on the server: %+v, want bob only", got)
	}
	// The review after the deletion shows bob as row 1, and its counts freed ann's license.
	last := env.Stderr()[strings.LastIndex(env.Stderr(), "Invites to send:"):]
	if !strings.Contains(last, "1  Bob Stone") || strings.Contains(last, "Ann Lee") || !strings.Contains(last, "flow 999 of 1000") {
		t.Errorf("review after delete:\n%s", last)
	}
}

// Reset drops every row and puts the counts back to the server's; the
// screen asks for people again.
func TestInviteScreen_Reset_StartsOverWithTheServersCounts(t *testing.T) {
	live := livetest.New(t, map[string]int{"parallel-dialer": 0, "agent-dialer": 0, "flow": 2})
	env := screenEnv(t, live)
	p := env.Prompter
	expectPerson(p, "Ann Lee", "ann@example.com", []string{"user"}, []string{"flow (2 of 2 available)"})
	p.ExpectConfirm("Add another?", true)
	expectPerson(p, "Bob Stone", "bob@example.com", []string{"user"}, []string{"flow (1 of 2 available)"})
	p.ExpectSelect("What next?", reviewReset)
	p.ExpectInput("Name", "Cy Young")
	p.ExpectInput("Email", "cy@example.com")
	p.ExpectMultiSelect("Roles", []string{"admin"})
	p.ExpectMultiSelectAmong("Licenses", []string{"flow (2 of 2 available)"}, []string{"flow (2 of 2 available)"})
	p.ExpectConfirm("Add another?", false)
	p.ExpectSelect("What next?", "Send 1 invite")

	if err := runScreen(env, ""); err != nil {
		t.Fatalf("err %v\n%s", err, env.Stderr())
	}
	got := pendingInvites(t, live)
	if _, ok := got["cy@example.com"]; len(got) != 1 || !ok {
		t.Errorf("pending invites on the server: %+v, want cy only", got)
	}
}

func TestInviteScreen_Cancel_SendsNothing(t *testing.T) {
	live := livetest.New(t)
	env := screenEnv(t, live)
	expectPerson(env.Prompter, "Ann Lee", "ann@example.com", []string{"user"}, []string{"flow (1000 of 1000 available)"})
	env.Prompter.ExpectConfirm("Add another?", false)
	env.Prompter.ExpectSelect("What next?", reviewCancel)
	err := runScreen(env, "")
	if cmdutil.ExitCode(err) != cmdutil.ExitError || cmdutil.ErrorMessage(err) != "cancelled" {
		t.Errorf("err %v, want exit 1 'cancelled'", err)
	}
	if got := pendingInvites(t, live); len(got) != 0 {
		t.Errorf("sent %+v", got)
	}
}

// signupModeOffQuestion is what 'wsctl signup-mode off' asks.
func signupModeOffQuestion(t *testing.T) string {
	env := clitest.NewEnv(t)
	env.IO.SetTTY(true)
	env.Prompter.ExpectConfirm("", false)
	err := clitest.Run(signupmode.NewCmdSignupMode(env.F, nil), "off")
	if cmdutil.ExitCode(err) != cmdutil.ExitError || len(env.Prompter.Asked) != 1 {
		t.Fatalf("signup-mode off, declined: err %v, asked %q", err, env.Prompter.Asked)
	}
	return env.Prompter.Asked[0]
}

// Sign-up mode on, the offer to turn it off declined: nothing is sent,
// sign-up mode stays on, exit 1 with a message saying why (R2, R3).
func TestInviteScreen_SignupModeOn_OfferDeclined_NothingSentExit1_R2(t *testing.T) {
	live := newLiveServerSignupOn(t)
	env := screenEnv(t, live)
	env.Prompter.ExpectConfirm("Turn automatic sign-up off?", false)
	err := runScreen(env, "")
	if cmdutil.ExitCode(err) != cmdutil.ExitError {
		t.Errorf("exit %d (%v), want 1", cmdutil.ExitCode(err), err)
	}
	if msg := cmdutil.ErrorMessage(err); !strings.Contains(msg, "nothing sent: automatic sign-up is still on") || !strings.Contains(msg, "wsctl signup-mode off") {
		t.Errorf("message %q", msg)
	}
	if !strings.Contains(env.Stderr(), "invites are refused while it is") {
		t.Errorf("no explanation before the offer:\n%s", env.Stderr())
	}
	if !autoSignup(t, live) || len(pendingInvites(t, live)) != 0 {
		t.Error("sign-up mode changed or something was sent")
	}
	if want := signupModeOffQuestion(t); env.Prompter.Asked[0] != want {
		t.Errorf("asked %q; 'wsctl signup-mode off' asks %q", env.Prompter.Asked[0], want)
	}
}

// Accepted: sign-up mode is turned off on the server, then the invites work (R2, R3).
func TestInviteScreen_SignupModeOn_OfferAccepted_TurnsItOffThenInvites_R2(t *testing.T) {
	live := newLiveServerSignupOn(t)
	env := screenEnv(t, live)
	p := env.Prompter
	p.ExpectConfirm("Turn automatic sign-up off?", true)
	expectPerson(p, "Ann Lee", "ann@example.com", []string{"user"}, []string{"flow (1000 of 1000 available)"})
	p.ExpectConfirm("Add another?", false)
	p.ExpectSelect("What next?", "Send 1 invite")
	if err := runScreen(env, ""); err != nil {
		t.Fatalf("err %v\n%s", err, env.Stderr())
	}
	if autoSignup(t, live) {
		t.Error("sign-up mode is still on")
	}
	if _, ok := pendingInvites(t, live)["ann@example.com"]; !ok {
		t.Error("ann was not invited")
	}
	if want := signupModeOffQuestion(t); env.Prompter.Asked[0] != want {
		t.Errorf("asked %q; 'wsctl signup-mode off' asks %q", env.Prompter.Asked[0], want)
	}
}

// A row the server refuses (an email already a user) is printed with the
// server's reason; the others are invited; exit 3 (R1).
func TestInviteScreen_FailedRow_ReasonPrintedExit3_R1(t *testing.T) {
	live := livetest.New(t)
	env := screenEnv(t, live)
	p := env.Prompter
	expectPerson(p, "Ann Lee", "ann@example.com", []string{"user"}, []string{"flow (1000 of 1000 available)"})
	p.ExpectConfirm("Add another?", true)
	expectPerson(p, "Ada Again", "ada@acme.example", []string{"user"}, []string{"flow (999 of 1000 available)"})
	p.ExpectConfirm("Add another?", false)
	p.ExpectSelect("What next?", "Send 2 invites")
	err := runScreen(env, "")
	if cmdutil.ExitCode(err) != cmdutil.ExitPartial {
		t.Errorf("exit %d (%v), want 3", cmdutil.ExitCode(err), err)
	}
	stderr := env.Stderr()
	for _, want := range []string{"Invited ann@example.com", "ada@acme.example: not invited: ada@acme.example is already a user"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	if got := pendingInvites(t, live); len(got) != 1 {
		t.Errorf("pending invites %+v, want ann only", got)
	}
}

// With -o json stdout gets every row's result as a JSON array.
func TestInviteScreen_JSONOutput_IsAnArrayOfRowResults(t *testing.T) {
	live := livetest.New(t)
	env := screenEnv(t, live)
	p := env.Prompter
	expectPerson(p, "Ann Lee", "ann@example.com", []string{"user"}, []string{"flow (1000 of 1000 available)"})
	p.ExpectConfirm("Add another?", true)
	expectPerson(p, "Ada Again", "ada@acme.example", []string{"user"}, []string{"flow (999 of 1000 available)"})
	p.ExpectConfirm("Add another?", false)
	p.ExpectSelect("What next?", "Send 2 invites")
	err := runScreen(env, "-o json")
	if cmdutil.ExitCode(err) != cmdutil.ExitPartial {
		t.Errorf("exit %d (%v), want 3", cmdutil.ExitCode(err), err)
	}
	var rows []struct {
		Row    int             `json:"row"`
		Email  string          `json:"email"`
		Status string          `json:"status"`
		Error  *schema.Problem `json:"error"`
		Invite *schema.Invite  `json:"invite"`
	}
	if err := json.Unmarshal([]byte(env.Stdout()), &rows); err != nil {
		t.Fatalf("stdout is not a JSON array: %v\n%s", err, env.Stdout())
	}
	if len(rows) != 2 || rows[0].Row != 1 || rows[0].Status != schema.BatchInvited || rows[0].Invite == nil || rows[0].Invite.Email != "ann@example.com" ||
		rows[1].Status != schema.BatchFailed || rows[1].Error == nil || rows[1].Error.Code == "" || rows[1].Email != "ada@acme.example" {
		t.Errorf("rows %+v\n%s", rows, env.Stdout())
	}
}

// With some flags given, only the missing fields of one person are asked.
func TestInvite_SomeFlagsOnTerminal_AsksOnlyTheMissingFields(t *testing.T) {
	live := livetest.New(t)
	env := screenEnv(t, live)
	env.Prompter.ExpectInput("Email", "ann@example.com")
	env.Prompter.ExpectMultiSelect("Licenses", []string{"flow (1000 of 1000 available)"})
	if err := runScreen(env, "--name 'Ann Lee' --role user"); err != nil {
		t.Fatalf("err %v\n%s", err, env.Stderr())
	}
	if _, ok := pendingInvites(t, live)["ann@example.com"]; !ok {
		t.Error("ann was not invited")
	}
}

// Without a terminal, no flags at all stays a usage error naming them.
func TestInvite_NoFlagsWithoutTerminal_IsUsageError(t *testing.T) {
	env := clitest.NewEnv(t)
	err := runScreen(env, "")
	if cmdutil.ExitCode(err) != cmdutil.ExitUsage || !strings.Contains(err.Error(), "--name, --email, --role, --license") {
		t.Errorf("err %v", err)
	}
}
