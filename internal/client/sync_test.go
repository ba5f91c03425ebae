package client

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/wsctl/wsctl/internal/api/schema"
)

func TestClient_SyncUsers_SendsTheRosterWhole(t *testing.T) {
	c, reqs := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, schema.SyncResponse{Rows: []schema.SyncRowResult{{Index: 0, SyncOutcome: schema.SyncOutcome{Email: "ada@example.com", Action: schema.SyncUnchanged}}},
			Summary: schema.SyncSummary{Unchanged: 1}})
	})
	out, err := c.SyncUsers(context.Background(), schema.SyncRequest{DeactivateMissing: true,
		Rows: []schema.SyncRow{{Name: "Ada", Email: "ada@example.com", Roles: []string{"admin"}}}})
	if err != nil {
		t.Fatal(err)
	}
	if out.Summary.Unchanged != 1 || out.Rows[0].Action != schema.SyncUnchanged {
		t.Errorf("answer %+v", out)
	}
	r := (*reqs)[0]
	if r.method != "POST" || r.uri != "/api/v1/users/sync" {
		t.Errorf("request = %s %s", r.method, r.uri)
	}
	if !strings.Contains(r.body, `"licenses":[]`) || !strings.Contains(r.body, `"deactivate_missing":true`) {
		t.Errorf("body = %s", r.body)
	}
}

func TestClient_SyncUsers_ChecksOneResultPerRow(t *testing.T) {
	c, _ := newServer(t, func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, schema.SyncResponse{}) })
	_, err := c.SyncUsers(context.Background(), schema.SyncRequest{Rows: []schema.SyncRow{{Email: "ada@example.com"}}})
	if err == nil || !strings.Contains(err.Error(), "0 results for 1 rows") {
		t.Errorf("err = %v", err)
	}
}
