package edit

import (
	"fmt"

	"github.com/wsctl/wsctl/internal/api/schema"
	"github.com/wsctl/wsctl/internal/bulk"
	"github.com/wsctl/wsctl/internal/cli/cmdutil"
	"github.com/wsctl/wsctl/internal/cli/users/shared"
)

// editVerb is 'users edit --csv': a row per user and the fields to set,
// sent to POST /users/batch.
func editVerb() bulk.Verb[schema.UserBatchItem] {
	return shared.Batch{
		Name:   "users edit",
		Doing:  "Editing",
		Action: schema.UserActionEdit,
		Columns: bulk.Columns{Required: []string{"email"},
			Optional: []string{"name", "roles", "licenses", "call_recording"}, Key: "email"},
		Done:      bulk.Status{Name: schema.UserBatchEdited, Action: "edit"},
		Unchanged: bulk.Status{Summary: "nothing to change"},
		Item:      editItem,
	}.Verb()
}

// editItem is a row's edit: a cell sets its field (roles and licenses,
// separated by ';' or '|', replace the user's); an empty cell, or a column
// the file does not have, leaves the field as it is. A call_recording cell
// that is neither on nor off makes the row invalid: it cannot be read.
func editItem(rec bulk.Record) bulk.Item[schema.UserBatchItem] {
	req := schema.UserBatchItem{User: rec.Get("email")}
	if name := rec.Get("name"); name != "" {
		req.Name = &name
	}
	if roles := cmdutil.SplitList([]string{rec.Get("roles")}); len(roles) > 0 {
		req.Roles = roles
	}
	if licenses := cmdutil.SplitList([]string{rec.Get("licenses")}); len(licenses) > 0 {
		req.Licenses = licenses
	}
	var invalid error
	if cell := rec.Get("call_recording"); cell != "" {
		if on, ok := onOff(cell); ok {
			req.CallRecording = &on
		} else {
			invalid = fmt.Errorf("call_recording: %q is none of on, off, true, false, yes, no", cell)
		}
	}
	it := shared.RowItem(req)
	it.Invalid = invalid
	return it
}
