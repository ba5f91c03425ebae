package sync

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/wsctl/wsctl/internal/cli/clitest"
)

// summaryKeys are the counts of -o json's summary: the contract scripts
// read, every one always present.
var summaryKeys = []string{"invite", "update", "activate", "deactivate", "revoke", "unchanged", "refused", "invalid", "not_in_roster"}

// -o json prints ONE object: rows (line, email, action, reason; line null
// for a person not in the roster) and summary (a count per action). Fields
// may be added, so only the contract's keys and types are checked.
func TestSync_JSON_IsOneObjectOfRowsAndSummary(t *testing.T) {
	live := seeded(t)
	e := env(t, live)
	if err := clitest.Run(NewCmdSync(e.F, nil), "--csv "+writeFile(t, "roster.csv", theRoster)+" --deactivate-missing --yes -o json"); err != nil {
		t.Fatalf("sync: %v\n%s", err, e.Stderr())
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(e.Stdout()), &got); err != nil {
		t.Fatalf("stdout is not one JSON object: %v\n%s", err, e.Stdout())
	}
	summary, ok := got["summary"].(map[string]any)
	if !ok {
		t.Fatalf("summary is %T", got["summary"])
	}
	want := map[string]float64{"invite": 1, "update": 2, "activate": 1, "deactivate": 1, "revoke": 1}
	for _, k := range summaryKeys {
		n, ok := summary[k].(float64)
		if !ok || n != want[k] {
			t.Errorf("summary.%s = %#v, want the count %v", k, summary[k], want[k])
		}
	}
	rows, ok := got["rows"].([]any)
	if !ok || len(rows) != 6 {
		t.Fatalf("rows: %#v", got["rows"])
	}
	wantRows := []struct {
		line          any
		email, action string
	}{
		{2.0, "ada@acme.example", "update"}, {3.0, "bob@acme.example", "update"},
		{4.0, "di@acme.example", "activate"}, {5.0, "fay@acme.example", "invite"},
		{nil, "cy@acme.example", "deactivate"}, {nil, "ed@acme.example", "revoke"},
	}
	for i, w := range wantRows {
		row, ok := rows[i].(map[string]any)
		if !ok {
			t.Fatalf("row %d is %T", i, rows[i])
		}
		line, hasLine := row["line"]
		reason, _ := row["reason"].(string)
		if !hasLine || line != w.line || row["email"] != w.email || row["action"] != w.action || reason == "" {
			t.Errorf("row %d: %v; want line %v, email %s, action %s and a reason", i, row, w.line, w.email, w.action)
		}
	}
	if cy := rows[4].(map[string]any); cy["kind"] != "user" {
		t.Errorf("a missing user's kind: %v", cy["kind"])
	}
	if got["dry_run"] != false {
		t.Errorf("dry_run = %v", got["dry_run"])
	}
}

// -o yaml prints the same object as -o json; --jq filters that object;
// -o csv prints the rows, a person not in the roster with an empty line.
func TestSync_YAMLJQAndCSV_FollowTheJSON(t *testing.T) {
	live := seeded(t)
	roster := writeFile(t, "roster.csv", theRoster)
	run := func(flags string) string {
		t.Helper()
		e := env(t, live)
		if err := clitest.Run(NewCmdSync(e.F, nil), "--csv "+roster+" --dry-run "+flags); err != nil {
			t.Fatalf("%s: %v\n%s", flags, err, e.Stderr())
		}
		return e.Stdout()
	}
	var fromJSON, fromYAML map[string]any
	if err := json.Unmarshal([]byte(run("-o json")), &fromJSON); err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal([]byte(run("-o yaml")), &fromYAML); err != nil {
		t.Fatal(err)
	}
	if a, b := contract(fromJSON), contract(fromYAML); a != b {
		t.Errorf("yaml differs from json:\n%s\n%s", b, a)
	}
	if got := run("--jq .summary.invite,.rows[4].line,.dry_run"); got != "1\nnull\ntrue\n" {
		t.Errorf("--jq: %q", got)
	}
	wantCSV := "line,action,email,reason\n2,update,ada@acme.example,"
	if got := run("-o csv"); !strings.HasPrefix(got, wantCSV) || !strings.Contains(got, "\n,not_in_roster,cy@acme.example,") {
		t.Errorf("-o csv:\n%s", got)
	}
}

// contract renders the contract's part of a decoded result, whatever the
// decoder's number types.
func contract(v map[string]any) string {
	var b strings.Builder
	for _, r := range v["rows"].([]any) {
		row := r.(map[string]any)
		fmt.Fprintf(&b, "%v %v %v %v\n", row["line"], row["email"], row["action"], row["reason"])
	}
	summary := v["summary"].(map[string]any)
	for _, k := range summaryKeys {
		fmt.Fprintf(&b, "%s=%v ", k, summary[k])
	}
	return b.String()
}

// The Result's JSON names are the contract: renaming a field fails here.
func TestResult_JSONNames(t *testing.T) {
	line := 2
	b, err := json.Marshal(Result{Rows: []Row{{Line: &line, Email: "a@x", Action: "invite", Reason: "r"}, {Email: "b@x", Action: "not_in_roster", Kind: "user"}}})
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	_ = json.Unmarshal(b, &got)
	keys := func(m any) []string {
		var out []string
		for k := range m.(map[string]any) {
			out = append(out, k)
		}
		return out
	}
	for _, want := range []string{"rows", "summary"} {
		if _, ok := got[want]; !ok {
			t.Errorf("no %q in %s", want, b)
		}
	}
	missing := got["rows"].([]any)[1].(map[string]any)
	if v, ok := missing["line"]; !ok || v != nil {
		t.Errorf("a missing person's line: %v (present %v), want null", v, ok)
	}
	gotKeys, wantKeys := keys(got["summary"]), slices.Clone(summaryKeys)
	slices.Sort(gotKeys)
	slices.Sort(wantKeys)
	if !slices.Equal(gotKeys, wantKeys) {
		t.Errorf("summary keys %v, want %v", keys(got["summary"]), summaryKeys)
	}
}
