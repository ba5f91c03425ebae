package bulk

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/wsctl/wsctl/internal/api/schema"
	"github.com/wsctl/wsctl/internal/cli/cmdutil"
)

// Actions of a plan row that are the same for every verb; the others are
// the verb's (Status.Action).
const (
	ActionInvalid = "invalid" // refused before sending: not sent
	ActionRefused = "refused" // the server would refuse it
)

// PlanRow is one row of a dry run's plan.
type PlanRow struct {
	Line    int
	Action  string
	Email   string
	Reason  string   // why a row is invalid or refused, or more about its action
	Notices []string // what the server would say, "that was the last flow license…"
	// Request is what the row asks for; its fields join the row's in JSON.
	Request any
}

// MarshalJSON writes line, action, email, reason and notices, then the
// fields of the row's request ({"name":…,"roles":[…]}) not already there.
func (p PlanRow) MarshalJSON() ([]byte, error) {
	b, err := json.Marshal(struct {
		Line    int      `json:"line"`
		Action  string   `json:"action"`
		Email   string   `json:"email"`
		Reason  string   `json:"reason,omitempty"`
		Notices []string `json:"notices,omitempty"`
	}{p.Line, p.Action, p.Email, p.Reason, p.Notices})
	if err != nil || p.Request == nil {
		return b, err
	}
	req, err := json.Marshal(p.Request)
	if err != nil {
		return nil, err
	}
	var fields map[string]json.RawMessage
	if json.Unmarshal(req, &fields) != nil { // not an object: nothing to join
		return b, nil
	}
	for _, name := range slices.Sorted(maps.Keys(fields)) {
		if slices.Contains([]string{"line", "action", "email", "reason", "notices"}, name) {
			continue
		}
		if b, err = appendField(b, name, fields[name]); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// PlanSummary counts a plan's rows by action, in the verb's order.
type PlanSummary struct {
	Rows    int
	Actions []ActionCount
}

// String is the counts for people: "deactivate 3, already inactive 1,
// invalid 0, refused 1".
func (s PlanSummary) String() string {
	counts := make([]string, len(s.Actions))
	for i, a := range s.Actions {
		counts[i] = fmt.Sprintf("%s %d", a.Action, a.Rows)
	}
	return strings.Join(counts, ", ")
}

// ActionCount is how many rows of a plan get an action.
type ActionCount struct {
	Action string
	Rows   int
}

// MarshalJSON writes {"rows": 9, "invite": 3, "already_invited": 1, …}.
// server_checked is always true: the server decided every row sent (it is
// kept for the scripts that read it from the plans wsctl made before).
func (s PlanSummary) MarshalJSON() ([]byte, error) {
	b, err := json.Marshal(map[string]int{"rows": s.Rows})
	for _, a := range s.Actions {
		if err != nil {
			return nil, err
		}
		b, err = appendField(b, strings.ReplaceAll(a.Action, " ", "_"), a.Rows)
	}
	if err != nil {
		return nil, err
	}
	return appendField(b, "server_checked", true)
}

// Plan is a dry run's plan, as -o json and yaml print it:
// {"rows": […], "licenses": […] (the verb's Preview.Fields), "summary": {…}}.
type Plan struct {
	Rows    []PlanRow
	Fields  map[string]any
	Summary PlanSummary
}

// MarshalJSON writes rows, the verb's fields, then the summary.
func (p Plan) MarshalJSON() ([]byte, error) {
	rows := p.Rows
	if rows == nil {
		rows = []PlanRow{}
	}
	b, err := json.Marshal(map[string]any{"rows": rows})
	for _, name := range slices.Sorted(maps.Keys(p.Fields)) {
		if err != nil {
			return nil, err
		}
		b, err = appendField(b, name, p.Fields[name])
	}
	if err != nil {
		return nil, err
	}
	return appendField(b, "summary", p.Summary)
}

// Count is how many rows of the plan get action.
func (p Plan) Count(action string) int {
	for _, a := range p.Summary.Actions {
		if a.Action == action {
			return a.Rows
		}
	}
	return 0
}

var planRowView = cmdutil.View[PlanRow]{
	Columns: []string{"LINE", "ACTION", "EMAIL", "REASON"},
	Whole:   []string{"LINE", "ACTION", "EMAIL"},
	Row: func(_ *cmdutil.Cells, p PlanRow) []string {
		return []string{fmt.Sprint(p.Line), p.Action, p.Email, p.Reason}
	},
}

var planView = cmdutil.View[Plan]{
	Columns: []string{"ROWS"},
	Row:     func(_ *cmdutil.Cells, p Plan) []string { return []string{fmt.Sprint(p.Summary.Rows)} },
}

// MaxPlanBytes keeps a request decided whole (a dry run, a roster) below
// the server's limit for plans, with room for the request around the rows.
const MaxPlanBytes = schema.MaxPlanBytes - 1<<20

// dryRun asks the server what it would do with every row of f, in one
// request that changes nothing (Verb.Preview), and prints the plan: a row
// per line on stdout (line, action, email, reason; -o json|yaml: the whole
// plan), the rows that need attention and a summary on stderr. It returns
// a *cmdutil.PartialError (exit 3) when a row is invalid or would be
// refused.
func dryRun[R any](ctx context.Context, v Verb[R], o Options, f *File) error {
	if v.Preview == nil {
		return cmdutil.FlagErrorf("'wsctl %s --csv' has no --dry-run", v.Name)
	}
	plan, notes, err := decide(ctx, v, o, f, nil, "dry-run it in parts")
	if err != nil {
		return err
	}
	if err := printPlan(o, plan); err != nil {
		return err
	}
	printPlanNotes(o, v.about(), f, plan, notes)
	if plan.Count(ActionInvalid)+plan.Count(ActionRefused) > 0 {
		return &cmdutil.PartialError{}
	}
	return nil
}

// decide asks the server what it would do with every row of f but those
// done (the rows an earlier run journaled, for --resume; nil for none), in
// one request that changes nothing, and returns the plan and the verb's
// notes about it.
//
// One request, because the server's decisions depend on each other (the
// rows first in the file take the last licenses); so a file whose rows do
// not fit in one request is a usage error, which ends with advice.
func decide[R any](ctx context.Context, v Verb[R], o Options, f *File, done *journal, advice string) (Plan, []string, error) {
	plan, reqs, sent, err := readPlan(v, f, done, advice)
	if err != nil {
		return plan, nil, err
	}
	var prev Preview
	if len(reqs) > 0 {
		c, err := o.Client()
		if err != nil {
			return plan, nil, err
		}
		r := &run[R]{v: v, o: o, c: c, ctx: ctx, stopped: make(chan struct{})}
		err = r.send(ctx, func(ctx context.Context) (err error) {
			prev, err = v.Preview(ctx, c, reqs)
			return err
		})
		if err == nil && len(prev.Results) != len(reqs) {
			err = fmt.Errorf("%d results for %d rows", len(prev.Results), len(reqs))
		}
		if err != nil {
			return plan, nil, fmt.Errorf("dry run of %s: %w", f.Name(), err)
		}
	}
	about := v.about()
	for i, at := range sent {
		res, row := prev.Results[i], &plan.Rows[at]
		row.Notices = res.Notices
		switch res.Kind {
		case Done:
			row.Action, row.Reason = about.status(res.Status).action(), res.Detail
		default:
			row.Action, row.Reason = ActionRefused, cmp.Or(res.Error, "the server gave no reason")
		}
	}
	plan.Fields = prev.Fields
	plan.Summary = summarizePlan(about, plan.Rows)
	return plan, prev.Notes, nil
}

// readPlan reads the rows of f but those done: the invalid ones are
// planned at once; the others are to be sent (reqs), and sent holds their
// places in the plan. Rows too many for one request are a usage error
// ending with advice.
func readPlan[R any](v Verb[R], f *File, done *journal, advice string) (plan Plan, reqs []R, sent []int, err error) {
	rows, err := f.Open()
	if err != nil {
		return plan, nil, nil, err
	}
	defer rows.Close()
	bytes := 0
	for {
		rec, err := rows.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return plan, nil, nil, cmdutil.FlagErrorf("%s: %v", f.Name(), err)
		}
		it := v.Item(rec)
		if rec.Invalid != nil {
			it.Invalid = rec.Invalid
		}
		if it.Invalid == nil && done.has(it.Key) {
			continue
		}
		row := PlanRow{Line: rec.Line, Email: it.Email, Request: it.Request}
		n := 0
		if it.Invalid == nil {
			n = EncodedSize(it.Request)
		}
		switch {
		case it.Invalid != nil:
			row.Action, row.Reason = ActionInvalid, it.Invalid.Error()
		case n > maxBatchBytes:
			row.Action, row.Reason = ActionInvalid, tooLarge(n)
		default:
			bytes += n
			sent, reqs = append(sent, len(plan.Rows)), append(reqs, it.Request)
		}
		plan.Rows = append(plan.Rows, row)
	}
	if len(reqs) > schema.MaxPlanRows || bytes > MaxPlanBytes {
		return plan, nil, nil, cmdutil.FlagErrorf("a dry run asks the server about every row in one request, which holds at most %d rows and %d MiB; %s has %d rows to send (%d MiB): %s",
			schema.MaxPlanRows, MaxPlanBytes>>20, f.Name(), len(reqs), bytes>>20, advice)
	}
	return plan, reqs, sent, nil
}

// summarizePlan counts rows per action: the verb's, then invalid and refused.
func summarizePlan(v about, rows []PlanRow) PlanSummary {
	s := PlanSummary{Rows: len(rows)}
	var actions []string
	for _, st := range v.statuses {
		if a := st.action(); !slices.Contains(actions, a) {
			actions = append(actions, a)
		}
	}
	actions = append(actions, ActionInvalid, ActionRefused)
	for _, a := range actions {
		n := 0
		for _, r := range rows {
			if r.Action == a {
				n++
			}
		}
		s.Actions = append(s.Actions, ActionCount{Action: a, Rows: n})
	}
	return s
}

// printPlan prints the plan on stdout: the whole object for json and yaml,
// a row per line otherwise.
func printPlan(o Options, plan Plan) error {
	if o.Output.Format == cmdutil.FormatJSON || o.Output.Format == cmdutil.FormatYAML {
		return cmdutil.PrintItem(o.IO, o.Output, planView, plan)
	}
	return cmdutil.PrintList(o.IO, o.Output, planRowView, plan.Rows)
}

// printPlanNotes prints on stderr the summary, the verb's notes and the
// rows that need attention: all but those of the verb's usual outcome.
func printPlanNotes(o Options, v about, f *File, plan Plan, notes []string) {
	w := o.IO.ErrOut
	fmt.Fprintf(w, "Dry run of %s of %s, nothing changed: %s\n",
		pluralize(plan.Summary.Rows, "1 row", "%d rows"), f.Name(), plan.Summary)
	for _, n := range notes {
		fmt.Fprintln(w, n)
	}
	usual := ""
	if len(v.statuses) > 0 {
		usual = v.statuses[0].action()
	}
	attention := Attention{W: w}
	for _, r := range plan.Rows {
		if r.Action == usual && len(r.Notices) == 0 {
			continue
		}
		lines := []string{where(r.Line, r.Email) + ": " + planReason(r)}
		for _, n := range r.Notices {
			lines = append(lines, where(r.Line, r.Email)+": "+n)
		}
		attention.Row(lines...)
	}
	attention.Done("see the plan on stdout")
}

// planReason says what happens to a row: "would be refused: no flow
// license left: 3 of 3 in use", "invalid: email: is required".
func planReason(r PlanRow) string {
	head := r.Action
	if r.Action == ActionRefused {
		head = "would be refused"
	}
	if r.Reason == "" {
		return head
	}
	return head + ": " + r.Reason
}
