package bulk

import (
	"cmp"
	"context"

	"github.com/wsctl/wsctl/internal/client"
)

// Verb is one bulk command, such as 'users invite --csv': what its file
// holds, how a row becomes a request, and how a batch of requests is sent.
// R is what one row sends, as the batch request's JSON holds it. The verbs
// of internal/cli/users/invite and internal/cli/users/shared.Batch
// (deactivate, activate, edit, mfa reset) are examples.
type Verb[R any] struct {
	// Name is the command, "users invite". Messages name it, and a file's
	// journal is the verb's own: --resume of one verb never skips the rows
	// another verb did.
	Name string
	// Doing describes the run on the progress bar: "Inviting".
	Doing   string
	Columns Columns
	// Statuses are the outcomes of a row done, the usual one first
	// ("invited", then "replayed"). Rows of the others are worth a look, so
	// a dry run lists them among the rows that need attention.
	Statuses []Status
	// Object names the field of -o json outcomes that holds Result.Object:
	// "invite", "user".
	Object string

	// Item turns a record into what to send. It is called for every row,
	// invalid ones too (their cells may be empty), and checks syntax only:
	// what a cell may hold is the server's to decide.
	Item func(rec Record) Item[R]
	// Send sends one batch as one request and returns one Result per
	// request, in order. Its error is about the whole request: 429, 5xx and
	// network errors are retried; 401, 403, an error wrapped by StopRun or a
	// server out of reach after the retries stop the run.
	Send func(ctx context.Context, c *client.Client, reqs []R) ([]Result, error)
	// Preview sends every request in one dry-run request: the server
	// decides as it would for real and changes nothing.
	Preview func(ctx context.Context, c *client.Client, reqs []R) (Preview, error)
}

// Item is what a row sends.
type Item[R any] struct {
	// Key names what the row asks for, not where it is, so that the same
	// row in an edited or reordered file has the same key: the journal
	// records done rows by it (per verb), and a verb whose route takes
	// idempotency keys sends it as the row's.
	Key     string
	Email   string // whom the row is about, for messages
	Request R
	// Invalid refuses the row before sending, e.g. a cell that cannot be
	// read at all; nil to send it.
	Invalid error
}

// Status is one outcome of a row done, in the verb's words.
type Status struct {
	// Name is the outcome in the --report file and -o json: "replayed".
	Name string
	// Summary counts rows in the summary: "already invited" (Name if empty).
	Summary string
	// Row says it in a row's line on stderr: "already invited by an
	// earlier run" (Summary if empty).
	Row string
	// Action is a dry run's action for a row the server would give this
	// outcome: "invite", "already invited" (Summary if empty).
	Action string
}

func (s Status) summary() string { return cmp.Or(s.Summary, s.Name) }
func (s Status) row() string     { return cmp.Or(s.Row, s.summary()) }
func (s Status) action() string  { return cmp.Or(s.Action, s.summary()) }

// Kind says what a Result means for the run.
type Kind int

const (
	// Done: the server did what the row asks, now or before. The journal
	// records it, so --resume skips it.
	Done Kind = iota + 1
	// Refused: the server's rules refuse the row (email taken, no license
	// left): it needs fixing.
	Refused
	// Failed: the server could not do it now; running again may succeed.
	Failed
)

// Result is what became of one row of a batch.
type Result struct {
	Kind   Kind
	Status string // for Done, the Name of one of the verb's Statuses
	// Detail adds to a done row's line: "the invite was accepted since".
	Detail string
	Error  string // why a row was refused or failed
	// Notices are messages for the person: "that was the last flow
	// license: 3 of 3 in use".
	Notices []string
	// Object is the API's object for the row (the invite, the user), for
	// -o json; nil for none.
	Object any
	// Stop is an error every other row would meet too (sign-up mode on):
	// no more batches are sent, and the run ends with it.
	Stop error
}

// Preview is a dry run's answer.
type Preview struct {
	Results []Result // one per request, in order
	// Fields are added to the plan -o json prints, beside rows and
	// summary: {"licenses": […]}.
	Fields map[string]any
	// Notes are lines for stderr after the plan's summary, e.g. the license
	// pools as they would stand.
	Notes []string
}

// about is what the outputs need of a verb, whatever its requests are.
type about struct {
	name, doing, object string
	statuses            []Status
}

func (v Verb[R]) about() about {
	return about{name: v.Name, doing: v.Doing, object: v.Object, statuses: v.Statuses}
}

// status is the verb's Status named name; an unknown name stands for itself.
func (a about) status(name string) Status {
	for _, s := range a.statuses {
		if s.Name == name {
			return s
		}
	}
	return Status{Name: name}
}
