package client

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/wsctl/wsctl/internal/api/schema"
)

// An edit row sends what it holds: an empty list (remove every license) is
// sent, a nil one (unchanged) is not.
func TestUserBatch_SendsRowsAsGiven(t *testing.T) {
	c, reqs := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, schema.UserBatchResponse{Action: "edit", DryRun: true,
			Results: []schema.UserBatchResult{{Index: 0, Status: schema.UserBatchEdited}, {Index: 1, Status: schema.UserBatchUnchanged}}})
	})
	out, err := c.UserBatch(context.Background(), schema.UserBatchRequest{Action: "edit", DryRun: true, Users: []schema.UserBatchItem{
		{User: "ann@example.com", Licenses: []string{}},
		{User: "bob@example.com", Roles: []string{"manager"}},
	}})
	if err != nil || len(out.Results) != 2 || !out.DryRun {
		t.Fatalf("UserBatch = %+v, %v", out, err)
	}
	r := (*reqs)[0]
	if r.method != "POST" || r.uri != "/api/v1/users/batch" {
		t.Errorf("request = %s %s", r.method, r.uri)
	}
	var sent map[string]any
	if err := json.Unmarshal([]byte(r.body), &sent); err != nil {
		t.Fatal(err)
	}
	want := `{"action":"edit","dry_run":true,"users":[{"licenses":[],"user":"ann@example.com"},{"roles":["manager"],"user":"bob@example.com"}]}`
	if got, _ := json.Marshal(sent); string(got) != want {
		t.Errorf("body = %s\nwant   %s", got, want)
	}
}

func TestUserBatch_OneResultPerRow(t *testing.T) {
	c, _ := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, schema.UserBatchResponse{Action: "deactivate", Results: []schema.UserBatchResult{{Index: 0, Status: schema.UserBatchDeactivated}}})
	})
	_, err := c.UserBatch(context.Background(), schema.UserBatchRequest{Action: "deactivate",
		Users: []schema.UserBatchItem{{User: "ann@example.com"}, {User: "bob@example.com"}}})
	if err == nil || !strings.Contains(err.Error(), "1 results for 2 rows") {
		t.Errorf("err = %v, want a count mismatch", err)
	}
}

// A forbidden answer names the scope the action needs (mfa:reset for an MFA reset).
func TestUserBatch_ForbiddenNamesTheActionsScope_R13(t *testing.T) {
	c, _ := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(403)
		_ = json.NewEncoder(w).Encode(schema.Problem{Status: 403, Code: schema.CodeForbidden, Detail: "forbidden: this token lacks the mfa:reset scope"})
	})
	for action, scope := range map[string]string{"mfa_reset": ScopeMFAReset, "deactivate": ScopeUsersWrite} {
		_, err := c.UserBatch(context.Background(), schema.UserBatchRequest{Action: action, Users: []schema.UserBatchItem{{User: "ann@example.com"}}})
		var apiErr *APIError
		if !errors.As(err, &apiErr) || apiErr.Code() != schema.CodeForbidden || apiErr.Scope != scope {
			t.Errorf("%s: err = %v, want forbidden naming %s", action, err, scope)
		}
	}
}
