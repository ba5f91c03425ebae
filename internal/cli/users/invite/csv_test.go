package invite

import (
	"errors"
	"io"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/wsctl/wsctl/internal/api/schema"
	"github.com/wsctl/wsctl/internal/bulk"
)

// readItems reads an invite file (header included) into the verb's items.
func readItems(t *testing.T, input string) []bulk.Item[schema.InviteBatchItem] {
	t.Helper()
	rd, err := bulk.NewReader(strings.NewReader(input), inviteVerb().Columns)
	if err != nil {
		t.Fatal(err)
	}
	var items []bulk.Item[schema.InviteBatchItem]
	for {
		rec, err := rd.Next()
		if errors.Is(err, io.EOF) {
			return items
		}
		if err != nil {
			t.Fatal(err)
		}
		items = append(items, inviteVerb().Item(rec))
	}
}

// A row's cells become the invite: several roles or licenses in a cell
// are separated by ';' or '|', spaces around them ignored; the row's key is
// its idempotency key.
func TestInviteItem_SplitsListsAndCarriesTheKey(t *testing.T) {
	items := readItems(t, "licenses,email,name,roles\n flow ; parallel-dialer ,ann@example.com, Ann Lee ,admin | user\n")
	if len(items) != 1 {
		t.Fatalf("%d items", len(items))
	}
	it := items[0]
	want := schema.InviteRequest{Name: "Ann Lee", Email: "ann@example.com", Roles: []string{"admin", "user"}, Licenses: []string{"flow", "parallel-dialer"}}
	if !reflect.DeepEqual(it.Request.InviteRequest, want) {
		t.Errorf("request %+v, want %+v", it.Request.InviteRequest, want)
	}
	if it.Email != "ann@example.com" || it.Key == "" || it.Request.IdempotencyKey != it.Key || it.Invalid != nil {
		t.Errorf("item %+v", it)
	}
}

// A row's key comes from what it asks for, as the server compares invites:
// the same invite anywhere in any file has the same key; another invite
// never does.
func TestRowKey_FollowsTheRowNotItsPlace(t *testing.T) {
	keys := func(input string) []string {
		t.Helper()
		var out []string
		for _, it := range readItems(t, CSVHeader+"\n"+input) {
			out = append(out, it.Key)
		}
		return out
	}
	ann := "Ann Lee,ann@example.com,manager;user,flow|parallel-dialer\n"
	bob := "Bob,bob@example.com,user,flow\n"
	base := keys(ann + bob)
	if base[0] == base[1] {
		t.Fatal("two rows share a key")
	}
	for name, input := range map[string]string{
		"a row fixed before, another inserted": "Cy,cy@example.com,user,flow\n" + ann + "\n" + bob,
		"the rows reordered":                   bob + ann,
		"the same, written differently":        " Ann  Lee , ANN@Example.com ,User|MANAGER,parallel-dialer;flow;flow\n" + bob,
	} {
		got := keys(input)
		if !slices.Contains(got, base[0]) || !slices.Contains(got, base[1]) {
			t.Errorf("%s: keys %v lack %v", name, got, base)
		}
	}
	for name, input := range map[string]string{
		"name":    "Ann Leigh,ann@example.com,manager;user,flow|parallel-dialer\n",
		"role":    "Ann Lee,ann@example.com,user,flow|parallel-dialer\n",
		"license": "Ann Lee,ann@example.com,manager;user,flow\n",
		"email":   "Ann Lee,ann.lee@example.com,manager;user,flow|parallel-dialer\n",
	} {
		if got := keys(input); got[0] == base[0] {
			t.Errorf("another %s, the same key", name)
		}
	}
	if !strings.HasPrefix(base[0], "wsctl-csv-") || len(base[0]) > 64 {
		t.Errorf("key %q", base[0])
	}
}

// The server's batch results become the engine's: invited and replayed
// rows are done (a replay says what became of the invite since), 4xx
// refusals are refused, and sign-up mode on stops the run.
func TestInviteResult(t *testing.T) {
	accepted := &schema.Invite{Email: "ann@example.com", Status: "accepted", Notices: []string{"n"}}
	tests := []struct {
		name      string
		in        schema.InviteBatchResult
		want      bulk.Result
		wantStops bool
	}{
		{"invited", schema.InviteBatchResult{Status: schema.BatchInvited, Invite: &schema.Invite{Status: "pending", Notices: []string{"that was the last flow license: 3 of 3 in use"}}},
			bulk.Result{Kind: bulk.Done, Status: "invited", Notices: []string{"that was the last flow license: 3 of 3 in use"}}, false},
		{"replayed, accepted since", schema.InviteBatchResult{Status: schema.BatchReplayed, Invite: accepted},
			bulk.Result{Kind: bulk.Done, Status: "replayed", Detail: "the invite was accepted since", Notices: []string{"n"}}, false},
		{"refused", schema.InviteBatchResult{Status: schema.BatchFailed, Error: &schema.Problem{Status: 409, Code: schema.CodeEmailTaken, Detail: "bob@example.com is already a user"}},
			bulk.Result{Kind: bulk.Refused, Error: "bob@example.com is already a user"}, false},
		{"server error", schema.InviteBatchResult{Status: schema.BatchFailed, Error: &schema.Problem{Status: 500, Code: schema.CodeInternal, Detail: "boom"}},
			bulk.Result{Kind: bulk.Failed, Error: "boom"}, false},
		{"no reason", schema.InviteBatchResult{Status: schema.BatchFailed},
			bulk.Result{Kind: bulk.Failed, Error: "the server gave no reason"}, false},
		{"sign-up mode on", schema.InviteBatchResult{Status: schema.BatchFailed, Error: &schema.Problem{Status: 409, Code: schema.CodeSignupModeOn, Detail: "invites are refused while users can sign up on their own"}},
			bulk.Result{Kind: bulk.Refused, Error: "invites are refused while users can sign up on their own"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := inviteResult(tt.in)
			if (got.Stop != nil) != tt.wantStops {
				t.Errorf("stop %v, want stopping %v", got.Stop, tt.wantStops)
			}
			if (got.Object != nil) != (tt.in.Invite != nil) {
				t.Errorf("object %v for invite %v", got.Object, tt.in.Invite)
			}
			got.Stop, got.Object = nil, nil
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("result %+v, want %+v", got, tt.want)
			}
		})
	}
}
