package sync

import (
	"github.com/wsctl/wsctl/internal/api/schema"
)

// Result is what 'users sync' prints with -o json and yaml, one object:
// a row per roster row in the roster's order, then a row per person of the
// workspace missing from the roster (line null), and the count of each
// action. Scripts depend on these names: fields may be added, never
// renamed.
type Result struct {
	Rows    []Row              `json:"rows"`
	Summary schema.SyncSummary `json:"summary"`
	DryRun  bool               `json:"dry_run"`
	// Licenses are the pools as the sync left them (a dry run: as it
	// would leave them).
	Licenses []schema.LicensePool `json:"licenses"`
}

// Row is what the sync did, or for a dry run would do, to one person.
type Row struct {
	// Line is the roster's line; nil for a person missing from the roster.
	Line   *int   `json:"line"`
	Email  string `json:"email"`
	Action string `json:"action"` // the server's: invite, update, … not_in_roster
	Reason string `json:"reason"`
	// Kind is user or invite for a person missing from the roster.
	Kind string `json:"kind,omitempty"`
	// Code is the problem code of a refused or invalid row.
	Code string `json:"code,omitempty"`
	// Notices are the server's words for the person at the keyboard: "that
	// was the last flow license: 3 of 3 in use".
	Notices []string       `json:"notices,omitempty"`
	User    *schema.User   `json:"user,omitempty"`
	Invite  *schema.Invite `json:"invite,omitempty"`

	fields []string // the roster's cells, for --failed; nil for a missing person
}

// failed says whether the row needs fixing: refused or invalid.
func (r Row) failed() bool { return r.Action == schema.SyncRefused || r.Action == schema.SyncInvalid }

// newResult pairs the server's answer with the roster it was sent: the
// rows get their lines, and the rows the reader found invalid its reason
// (the server saw only their email).
func newResult(r *roster, res schema.SyncResponse) Result {
	out := Result{Summary: res.Summary, DryRun: res.DryRun, Licenses: res.Licenses,
		Rows: make([]Row, 0, len(res.Rows)+len(res.Missing))}
	if out.Licenses == nil {
		out.Licenses = []schema.LicensePool{}
	}
	for i, rr := range res.Rows {
		rec := r.records[i]
		line := rec.Line
		row := rowOf(rr.SyncOutcome)
		row.Line, row.fields = &line, rec.Fields
		if rec.Invalid != nil && rr.Action == schema.SyncInvalid {
			row.Reason = rec.Invalid.Error()
		}
		out.Rows = append(out.Rows, row)
	}
	for _, m := range res.Missing {
		row := rowOf(m.SyncOutcome)
		row.Kind = m.Kind
		out.Rows = append(out.Rows, row)
	}
	return out
}

// rowOf is a row of the output for what the sync did to one person.
func rowOf(o schema.SyncOutcome) Row {
	row := Row{Email: o.Email, Action: o.Action, Reason: o.Reason, User: o.User, Invite: o.Invite, Notices: notices(o.User, o.Invite)}
	if o.Error != nil {
		row.Code = o.Error.Code
	}
	return row
}

func notices(u *schema.User, inv *schema.Invite) []string {
	switch {
	case u != nil:
		return u.Notices
	case inv != nil:
		return inv.Notices
	}
	return nil
}

// offboarded are the people missing from the roster whom the sync
// deactivates (users) or whose invite it revokes.
func (res Result) offboarded() []Row {
	var out []Row
	for _, r := range res.Rows {
		if r.Action == schema.SyncDeactivate || r.Action == schema.SyncRevoke {
			out = append(out, r)
		}
	}
	return out
}

// needsFixing says whether some row or missing person was refused or is
// invalid: exit 3.
func (res Result) needsFixing() bool { return res.Summary.Refused+res.Summary.Invalid > 0 }
