package bulk

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"

	"github.com/wsctl/wsctl/internal/cli/cmdutil"
)

// Outcome statuses that are the same for every verb; a row done has one of
// its verb's Statuses.
const (
	StatusFailed  = "failed"  // refused by the server, or not done
	StatusInvalid = "invalid" // refused before sending
	StatusSkipped = "skipped" // not sent: done in an earlier run (--resume), or the run stopped
)

// Outcome is what happened to one row: a line of --report, an element of
// the -o json list.
type Outcome struct {
	Line   int    `json:"line"`
	Email  string `json:"email"`
	Status string `json:"status"`
	Error  string `json:"error,omitempty"`
	// Object is the API's object for the row (the invite…), in JSON under
	// the verb's name for it (Verb.Object).
	Object any `json:"-"`
	// Detail adds to a done row's line on stderr: "the invite was accepted since".
	Detail string `json:"-"`
	// Notices are printed under the row's line: "that was the last flow license…".
	Notices []string `json:"-"`

	objectName string
	key        string // the row's journal key, for a row done
	earlier    bool   // skipped: done by an earlier run
}

// MarshalJSON adds Object under its verb's name: {"line":…,"invite":{…}}.
func (o Outcome) MarshalJSON() ([]byte, error) {
	type plain Outcome
	b, err := json.Marshal(plain(o))
	if err != nil || o.Object == nil || o.objectName == "" {
		return b, err
	}
	return appendField(b, o.objectName, o.Object)
}

// appendField adds "name": value at the end of the JSON object b.
func appendField(b []byte, name string, value any) ([]byte, error) {
	k, err := json.Marshal(name)
	if err != nil {
		return nil, err
	}
	v, err := json.Marshal(value)
	if err != nil {
		return nil, err
	}
	b = bytes.TrimSuffix(b, []byte("}"))
	if len(b) > 1 {
		b = append(b, ',')
	}
	b = append(append(append(b, k...), ':'), v...)
	return append(b, '}'), nil
}

// Outcome is the outcome of the row at line about email.
func (r Result) Outcome(line int, email string) Outcome {
	o := Outcome{Line: line, Email: email, Status: r.Status, Object: r.Object, Detail: r.Detail, Notices: r.Notices}
	if r.Kind != Done {
		o.Status, o.Error = StatusFailed, cmp.Or(r.Error, "the server gave no reason")
	}
	return o
}

var outcomeView = cmdutil.View[Outcome]{
	Columns: []string{"LINE", "EMAIL", "STATUS", "ERROR"},
	Whole:   []string{"LINE", "EMAIL", "STATUS"},
	Row: func(_ *cmdutil.Cells, o Outcome) []string {
		return []string{fmt.Sprint(o.Line), o.Email, o.Status, o.Error}
	},
}
