package main

import (
	"context"
	"fmt"

	"github.com/wsctl/wsctl/internal/store"
	"github.com/wsctl/wsctl/internal/workspace"
)

// usersPerOrg is how many active users each org of the load starts with:
// as many as the most clients, so that every client can edit a user of
// its own at once (an edit needs the user's current version, R8), and more
// than a page of GET /users?limit=50.
const usersPerOrg = 64

// poolSize is the flow licenses of each org: more than any run invites.
const poolSize = 10_000_000

// loadOrg is one org of the load: its admin's token and its users.
type loadOrg struct {
	slug  string
	token string
	users chan *editable // free to edit: taken by a request, put back after it
}

// editable is a user that one request at a time edits, with the version
// its next edit must name in If-Match.
type editable struct {
	org     *loadOrg
	id      string
	version int
}

// setUpOrgs creates n orgs on database, each with signup mode off, a pool
// large enough, and usersPerOrg active users. The orgs come from
// workspaced's operator commands, as an operator would make them; the
// users are added through the domain in this process, since a
// workspaced user add per user would take longer than the load itself.
func setUpOrgs(ctx context.Context, bin func(string) string, database, url string, n int) ([]*loadOrg, error) {
	st, err := store.Open(ctx, database)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	svc := workspace.NewService(st)
	var orgs []*loadOrg
	for i := range n {
		o := &loadOrg{slug: fmt.Sprintf("org%d", i), users: make(chan *editable, usersPerOrg)}
		if o.token, err = inviting(bin, database, url, o.slug, poolSize); err != nil {
			return nil, err
		}
		org, err := svc.OrgBySlug(ctx, o.slug)
		if err != nil {
			return nil, err
		}
		for j := range usersPerOrg {
			out, err := svc.AddUser(ctx, workspace.Operator(org.ID), workspace.InviteInput{
				Name: memberName(j), Email: fmt.Sprintf("member%d@%s.example", j, o.slug),
				Roles: []string{"user"}, Licenses: []string{"flow"},
			})
			if err != nil {
				return nil, fmt.Errorf("add a user to %s: %w", o.slug, err)
			}
			o.users <- &editable{org: o, id: out.Value.ID, version: out.Value.Version}
		}
		orgs = append(orgs, o)
	}
	return orgs, nil
}

// memberName is a name unique to n: names take letters only (R1), so n is
// written in letters, "Member Ba" for 26.
func memberName(n int) string {
	word := []byte{byte('a' + n%26)}
	for n /= 26; n > 0; n /= 26 {
		word = append([]byte{byte('a' + n%26)}, word...)
	}
	word[0] -= 'a' - 'A'
	return "Member " + string(word)
}
