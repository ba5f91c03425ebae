package shared

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/wsctl/wsctl/internal/api/schema"
	"github.com/wsctl/wsctl/internal/bulk"
	"github.com/wsctl/wsctl/internal/client"
)

// Batch is a user action over the rows of a CSV file, each row a user of
// one POST /users/batch request: 'users deactivate --csv' and its kin.
type Batch struct {
	Name    string // the command: "users deactivate"
	Doing   string // on the progress bar: "Deactivating"
	Action  string // one of schema.UserAction*
	Columns bulk.Columns
	// Done is the outcome of a row that changed its user: its Name is the
	// server's status (schema.UserBatchDeactivated), the rest the verb's
	// words.
	Done bulk.Status
	// Unchanged is the outcome of a row that changed nothing, in the verb's
	// words ({Summary: "already inactive"}); its Name is the server's
	// status, set by Verb. The zero Status when the action always changes
	// its user.
	Unchanged bulk.Status
	Item      func(rec bulk.Record) bulk.Item[schema.UserBatchItem]
}

// Verb is the bulk verb of b: its rows are sent to POST /users/batch, and
// its dry run is the server's dry run of the same request.
func (b Batch) Verb() bulk.Verb[schema.UserBatchItem] {
	statuses := []bulk.Status{b.Done}
	if b.Unchanged != (bulk.Status{}) {
		unchanged := b.Unchanged
		unchanged.Name = schema.UserBatchUnchanged
		statuses = append(statuses, unchanged)
	}
	return bulk.Verb[schema.UserBatchItem]{
		Name:     b.Name,
		Doing:    b.Doing,
		Columns:  b.Columns,
		Statuses: statuses,
		Object:   "user",
		Item:     b.Item,
		Send:     b.send,
		Preview:  b.preview,
	}
}

func (b Batch) send(ctx context.Context, c *client.Client, users []schema.UserBatchItem) ([]bulk.Result, error) {
	out, err := c.UserBatch(ctx, schema.UserBatchRequest{Action: b.Action, Users: users})
	if err != nil {
		return nil, err
	}
	return b.results(out.Results), nil
}

// preview asks the server to decide the rows and keep nothing. The plan
// gains the license pools as the rows would leave them.
func (b Batch) preview(ctx context.Context, c *client.Client, users []schema.UserBatchItem) (bulk.Preview, error) {
	out, err := c.UserBatch(ctx, schema.UserBatchRequest{Action: b.Action, Users: users, DryRun: true})
	if err != nil {
		return bulk.Preview{}, err
	}
	if !out.DryRun {
		return bulk.Preview{}, errors.New("the server did not answer as a dry run: it may have changed the users; see 'wsctl users list --all'")
	}
	prev := bulk.Preview{Results: b.results(out.Results), Fields: map[string]any{"licenses": out.Licenses}}
	if b.Action != schema.UserActionMFAReset { // the only action that leaves licenses alone
		prev.Notes = poolNotes(out.Licenses)
	}
	return prev, nil
}

// results are the engine's results of a batch's: a row the server refused
// by a rule is Refused, one it could not do (5xx) Failed.
func (b Batch) results(results []schema.UserBatchResult) []bulk.Result {
	out := make([]bulk.Result, len(results))
	for i, r := range results {
		switch {
		case r.Error != nil && r.Error.Status >= 500:
			out[i] = bulk.Result{Kind: bulk.Failed, Error: r.Error.Detail}
		case r.Error != nil:
			out[i] = bulk.Result{Kind: bulk.Refused, Error: r.Error.Detail}
		case r.Status == schema.BatchFailed:
			out[i] = bulk.Result{Kind: bulk.Failed}
		default:
			out[i] = bulk.Result{Kind: bulk.Done, Status: r.Status}
			if r.User != nil {
				out[i].Object, out[i].Notices = r.User, r.User.Notices
				// The server's reason follows the row's words when it
				// says more: "nothing changed; already active with these
				// licenses".
				if why := r.User.Unchanged; why != b.Unchanged.Summary && why != b.Unchanged.Row {
					out[i].Detail = why
				}
			}
		}
	}
	return out
}

// poolNotes say how the license pools would stand after a dry run.
func poolNotes(pools []schema.LicensePool) []string {
	if len(pools) == 0 {
		return nil
	}
	parts := make([]string, len(pools))
	for i, p := range pools {
		parts[i] = fmt.Sprintf("%s %d of %d available", p.Product, p.Available, p.Total)
	}
	return []string{"Licenses after the file: " + strings.Join(parts, ", ")}
}

// EmailItem is the item of a row that names its user and nothing more
// (deactivate, mfa reset).
func EmailItem(rec bulk.Record) bulk.Item[schema.UserBatchItem] {
	return RowItem(schema.UserBatchItem{User: rec.Get("email")})
}

// RowItem is the item of a row that asks req. Its key is what the row
// asks, not where it is: the user in any case, lists in any order. So
// --resume knows a row done wherever it has moved in the file, and sends
// it again once one of its cells is changed.
func RowItem(req schema.UserBatchItem) bulk.Item[schema.UserBatchItem] {
	k := req
	k.User = strings.ToLower(req.User)
	k.Roles, k.Licenses = NormalizeSet(req.Roles), NormalizeSet(req.Licenses)
	key, err := json.Marshal(k)
	if err != nil { // plain data
		panic(fmt.Sprintf("encode a row's key: %v", err))
	}
	return bulk.Item[schema.UserBatchItem]{Key: string(key), Email: req.User, Request: req}
}

// NormalizeSet lower-cases, sorts and deduplicates role or product names,
// dropping empty ones, as the server compares them; nil (a field left as
// it is) stays nil.
func NormalizeSet(values []string) []string {
	if values == nil {
		return nil
	}
	out := make([]string, 0, len(values))
	for _, v := range values {
		if v = strings.ToLower(strings.TrimSpace(v)); v != "" {
			out = append(out, v)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}
