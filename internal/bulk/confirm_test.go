package bulk

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/wsctl/wsctl/internal/api/schema"
	"github.com/wsctl/wsctl/internal/cli/cmdutil"
)

// Options.Confirm gets the server's plan of the rows before any is sent: a
// refusal sends nothing more than the dry run and leaves no journal; a yes
// runs the file.
func TestRun_ConfirmGetsThePlanFirst(t *testing.T) {
	for _, yes := range []bool{false, true} {
		t.Run(fmt.Sprint("yes=", yes), func(t *testing.T) {
			srv := newRowServer(t)
			srv.refuse["p02@example.com"] = schema.Problem{Status: 409, Code: schema.CodeEmailTaken, Detail: "taken"}
			o, env := testRun(t, srv)
			o.File = writeCSV(t, "p.csv", emails(3))
			var got *Plan
			o.Confirm = func(p Plan) error {
				got = &p
				if !yes {
					return cmdutil.CancelError
				}
				return nil
			}
			err := Run(context.Background(), testVerb("users test"), o)
			if got == nil {
				t.Fatalf("Confirm not called; err %v", err)
			}
			if got.Count("do") != 2 || got.Count(ActionRefused) != 1 || got.Summary.String() != "do 2, already done 0, invalid 0, refused 1" {
				t.Errorf("plan summary %q", got.Summary)
			}
			if len(srv.requests) == 0 || !srv.requests[0].DryRun {
				t.Fatalf("requests %+v; want the dry run first", srv.requests)
			}
			_, journalErr := os.Stat(o.File + ".users-test.wsctl-journal")
			if !yes {
				if !errors.Is(err, cmdutil.CancelError) || len(srv.requests) != 1 || !os.IsNotExist(journalErr) {
					t.Errorf("declined: err %v, %d requests, journal %v", err, len(srv.requests), journalErr)
				}
				return
			}
			if cmdutil.ExitCode(err) != cmdutil.ExitPartial || len(srv.requests) != 2 || srv.requests[1].DryRun {
				t.Errorf("confirmed: err %v, requests %+v\n%s", err, srv.requests, env.Stderr())
			}
		})
	}
}

// With --resume, the plan to confirm leaves out the rows the journal
// records as done: they are not sent again.
func TestRun_ConfirmWithResumeLeavesOutTheRowsDone(t *testing.T) {
	srv := newRowServer(t)
	srv.refuse["p02@example.com"] = schema.Problem{Status: 409, Code: schema.CodeEmailTaken, Detail: "taken"}
	path := writeCSV(t, "p.csv", emails(3))
	o, _ := testRun(t, srv)
	o.File = path
	if err := Run(context.Background(), testVerb("users test"), o); cmdutil.ExitCode(err) != cmdutil.ExitPartial {
		t.Fatalf("first run: %v", err)
	}
	delete(srv.refuse, "p02@example.com")
	before := len(srv.requests)
	o, _ = testRun(t, srv)
	o.File, o.Resume = path, true
	var planned []string
	o.Confirm = func(p Plan) error {
		for _, r := range p.Rows {
			planned = append(planned, r.Email)
		}
		return nil
	}
	if err := Run(context.Background(), testVerb("users test"), o); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(planned, []string{"p02@example.com"}) {
		t.Errorf("planned %v, want the row not done only", planned)
	}
	if got := srv.sent()[before:]; len(got) != 2 || !slices.Equal(got[1], []string{"p02@example.com"}) {
		t.Errorf("sent %v; want a plan then the row not done", got)
	}
}

// A file too large for one plan cannot be confirmed from the server's
// count: a usage error, before anything is sent, says to use --yes.
func TestRun_ConfirmOfAFileTooLargeToPlan(t *testing.T) {
	srv := newRowServer(t)
	o, _ := testRun(t, srv)
	o.File = writeCSV(t, "p.csv", emails(schema.MaxPlanRows+1))
	o.Confirm = func(Plan) error { t.Error("Confirm called"); return nil }
	err := Run(context.Background(), testVerb("users test"), o)
	if cmdutil.ExitCode(err) != cmdutil.ExitUsage || !strings.Contains(err.Error(), "confirm with --yes instead") {
		t.Errorf("err %v, want exit 2", err)
	}
	if len(srv.requests) != 0 {
		t.Errorf("%d requests sent", len(srv.requests))
	}
}
