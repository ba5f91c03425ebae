package livetest

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/wsctl/wsctl/internal/cli/clitest"
	"github.com/wsctl/wsctl/internal/cli/cmdutil"
)

// PlanThenRun runs a bulk verb over a file twice against s: first argv
// with "--dry-run -o json", which must leave s's State as it was, then argv
// with "-o json" for real. Each must exit with wantCode. follows maps a
// plan's action to the status the run must give its line ("deactivate":
// "deactivated"): every line the plan lists must end as its action said.
// It returns the dry run's stderr and the run's.
func (s *Server) PlanThenRun(t *testing.T, run func(*clitest.Env, string) error, argv string, wantCode int, follows map[string]string) (planned, ran string) {
	t.Helper()
	before := s.State(t)
	env := s.Env(t) // no terminal and no --yes: a dry run needs neither
	if err := run(env, argv+" --dry-run -o json"); cmdutil.ExitCode(err) != wantCode {
		t.Fatalf("dry run: err %v, want exit %d\n%s", err, wantCode, env.Stderr())
	}
	if after := s.State(t); after != before {
		t.Errorf("the dry run changed the org:\n%s\nafter:\n%s", before, after)
	}
	plan, planned := planActions(t, env.Stdout()), env.Stderr()

	env = s.Env(t)
	if err := run(env, argv+" -o json"); cmdutil.ExitCode(err) != wantCode {
		t.Fatalf("run: err %v, want exit %d\n%s", err, wantCode, env.Stderr())
	}
	statuses := runStatuses(t, env.Stdout())
	if len(plan) == 0 || len(plan) != len(statuses) {
		t.Errorf("%d lines planned, %d run", len(plan), len(statuses))
	}
	for _, line := range slices.Sorted(maps.Keys(plan)) {
		if want, ok := follows[plan[line]]; !ok || statuses[line] != want {
			t.Errorf("line %d: planned %q, ran %q", line, plan[line], statuses[line])
		}
	}
	return planned, env.Stderr()
}

// WantUsageError runs argv and wants a usage error (exit 2) that says msg,
// with s's State as it was: nothing was sent.
func (s *Server) WantUsageError(t *testing.T, run func(*clitest.Env, string) error, argv, msg string) {
	t.Helper()
	before := s.State(t)
	err := run(s.Env(t), argv)
	if cmdutil.ExitCode(err) != cmdutil.ExitUsage || !strings.Contains(cmdutil.ErrorMessage(err), msg) {
		t.Errorf("err %v, want exit 2 saying %q", err, msg)
	}
	if after := s.State(t); after != before {
		t.Errorf("the org changed:\n%s\nafter:\n%s", before, after)
	}
}

// planActions reads the plan a dry run prints with -o json: the action of
// each line of the file.
func planActions(t testing.TB, stdout string) map[int]string {
	t.Helper()
	var plan struct {
		Rows []struct {
			Line   int    `json:"line"`
			Action string `json:"action"`
		} `json:"rows"`
	}
	if err := json.Unmarshal([]byte(stdout), &plan); err != nil {
		t.Fatalf("the plan on stdout: %v\n%s", err, stdout)
	}
	out := map[int]string{}
	for _, r := range plan.Rows {
		out[r.Line] = r.Action
	}
	return out
}

// runStatuses reads the outcomes a run prints with -o json: the status of
// each line of the file.
func runStatuses(t testing.TB, stdout string) map[int]string {
	t.Helper()
	var outcomes []struct {
		Line   int    `json:"line"`
		Status string `json:"status"`
	}
	if err := json.Unmarshal([]byte(stdout), &outcomes); err != nil {
		t.Fatalf("the outcomes on stdout: %v\n%s", err, stdout)
	}
	out := map[int]string{}
	for _, o := range outcomes {
		out[o.Line] = o.Status
	}
	return out
}
