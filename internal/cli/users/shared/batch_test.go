package shared

import (
	"strings"
	"testing"

	"github.com/wsctl/wsctl/internal/api/schema"
	"github.com/wsctl/wsctl/internal/bulk"
)

func TestBatchResults(t *testing.T) {
	b := Batch{Done: bulk.Status{Name: schema.UserBatchActivated}, Unchanged: bulk.Status{Summary: "already active", Row: "nothing changed"}}
	user := &schema.User{Email: "ann@example.com", Notices: []string{"that was the last flow license: 3 of 3 in use"}}
	got := b.results([]schema.UserBatchResult{
		{Status: schema.UserBatchActivated, User: user},
		{Status: schema.UserBatchUnchanged, User: &schema.User{Unchanged: "already active with these licenses"}},
		{Status: schema.UserBatchUnchanged, User: &schema.User{Unchanged: "already active"}},
		{Status: schema.BatchFailed, Error: &schema.Problem{Status: 409, Detail: "no flow license left: 3 of 3 in use"}},
		{Status: schema.BatchFailed, Error: &schema.Problem{Status: 500, Detail: "internal error"}},
	})
	want := []bulk.Result{
		{Kind: bulk.Done, Status: schema.UserBatchActivated, Object: user, Notices: user.Notices},
		{Kind: bulk.Done, Status: schema.UserBatchUnchanged, Detail: "already active with these licenses"},
		{Kind: bulk.Done, Status: schema.UserBatchUnchanged}, // the server says no more than the verb's words
		{Kind: bulk.Refused, Error: "no flow license left: 3 of 3 in use"},
		{Kind: bulk.Failed, Error: "internal error"}, // running again may do it
	}
	for i := range want {
		g := got[i]
		g.Object = nil
		w := want[i]
		w.Object = nil
		if g.Kind != w.Kind || g.Status != w.Status || g.Detail != w.Detail || g.Error != w.Error || strings.Join(g.Notices, "|") != strings.Join(w.Notices, "|") {
			t.Errorf("result %d: %+v, want %+v", i, got[i], want[i])
		}
	}
	if got[0].Object != user {
		t.Errorf("a row done carries the API's user for -o json; got %v", got[0].Object)
	}
}

// A row's key is what it asks, not how it is written: the same user in
// another case, or the same lists in another order, is the same row; a
// changed cell is another.
func TestRowItem_KeyIsWhatTheRowAsks(t *testing.T) {
	name, other := "Ann Lee", "Ann Other"
	key := func(req schema.UserBatchItem) string { return RowItem(req).Key }
	base := key(schema.UserBatchItem{User: "ann@example.com", Name: &name, Licenses: []string{"flow", "agent-dialer"}})
	same := key(schema.UserBatchItem{User: "ANN@example.com", Name: &name, Licenses: []string{"Agent-Dialer", "flow"}})
	if base != same {
		t.Errorf("keys differ for the same row: %s, %s", base, same)
	}
	for _, req := range []schema.UserBatchItem{
		{User: "bob@example.com", Name: &name, Licenses: []string{"flow", "agent-dialer"}},
		{User: "ann@example.com", Name: &other, Licenses: []string{"flow", "agent-dialer"}},
		{User: "ann@example.com", Name: &name, Licenses: []string{"flow"}},
		{User: "ann@example.com", Name: &name},
	} {
		if key(req) == base {
			t.Errorf("%+v has the key of another row", req)
		}
	}
	if it := RowItem(schema.UserBatchItem{User: "Ann@Example.com"}); it.Email != "Ann@Example.com" || it.Request.User != "Ann@Example.com" {
		t.Errorf("the row is sent and named as written: %+v", it)
	}
}
