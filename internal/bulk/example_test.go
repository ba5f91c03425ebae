package bulk_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/wsctl/wsctl/internal/api/schema"
	"github.com/wsctl/wsctl/internal/bulk"
	"github.com/wsctl/wsctl/internal/client"
)

// A verb is a value: here a sketch of 'users deactivate --csv FILE' on POST
// /users/batch. Its command adds the shared flags with
// deactivate.AddFlags(cmd, &opts.CSV), checks them with
// opts.CSV.Check(cmd), and runs with bulk.Run(ctx, deactivate,
// bulk.Options{Flags: opts.CSV, IO: opts.IO, Client: opts.Client, Output: opts.Output}).
func ExampleVerb() {
	deactivate := bulk.Verb[schema.UserBatchItem]{
		Name:    "users deactivate",
		Doing:   "Deactivating",
		Columns: bulk.Columns{Required: []string{"email"}, Key: "email"},
		Statuses: []bulk.Status{
			{Name: schema.UserBatchDeactivated, Action: "deactivate"},
			{Name: schema.UserBatchUnchanged, Summary: "already inactive"},
		},
		Object: "user",
		Item: func(rec bulk.Record) bulk.Item[schema.UserBatchItem] {
			email := rec.Get("email")
			return bulk.Item[schema.UserBatchItem]{Key: strings.ToLower(email), Email: email, Request: schema.UserBatchItem{User: email}}
		},
		Send: func(ctx context.Context, c *client.Client, users []schema.UserBatchItem) ([]bulk.Result, error) {
			out, err := c.UserBatch(ctx, schema.UserBatchRequest{Action: schema.UserActionDeactivate, Users: users})
			if err != nil {
				return nil, err
			}
			return userResults(out.Results), nil
		},
		Preview: func(ctx context.Context, c *client.Client, users []schema.UserBatchItem) (bulk.Preview, error) {
			out, err := c.UserBatch(ctx, schema.UserBatchRequest{Action: schema.UserActionDeactivate, Users: users, DryRun: true})
			if err != nil {
				return bulk.Preview{}, err
			}
			return bulk.Preview{Results: userResults(out.Results), Fields: map[string]any{"licenses": out.Licenses}}, nil
		},
	}
	fmt.Println(deactivate.Columns.Header())
	// Output: email
}

// userResults turns a user batch's results into the engine's.
func userResults(results []schema.UserBatchResult) []bulk.Result {
	out := make([]bulk.Result, len(results))
	for i, r := range results {
		switch {
		case r.Error != nil && r.Error.Status >= 500:
			out[i] = bulk.Result{Kind: bulk.Failed, Error: r.Error.Detail}
		case r.Error != nil:
			out[i] = bulk.Result{Kind: bulk.Refused, Error: r.Error.Detail}
		default:
			out[i] = bulk.Result{Kind: bulk.Done, Status: r.Status, Object: r.User}
			if r.User != nil {
				out[i].Detail, out[i].Notices = r.User.Unchanged, r.User.Notices
			}
		}
	}
	return out
}
