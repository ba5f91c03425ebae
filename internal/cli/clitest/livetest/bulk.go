package livetest

import (
	"encoding/json"
	"testing"
)

// PlanActions reads the plan a bulk verb's dry run prints with -o json:
// the action of each line of the file.
func PlanActions(t testing.TB, stdout string) map[int]string {
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

// RunStatuses reads the outcomes a bulk verb's run prints with -o json:
// the status of each line of the file.
func RunStatuses(t testing.TB, stdout string) map[int]string {
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
