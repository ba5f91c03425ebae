package sync

import (
	"fmt"
	"io"
	"strings"

	"github.com/wsctl/wsctl/internal/api/schema"
	"github.com/wsctl/wsctl/internal/cli/cmdutil"
)

// maxNamed bounds the people a confirmation names; the count is always
// whole.
const maxNamed = 20

// confirmOffboarding asks before a sync that deactivates someone or
// revokes an invite, as the server's dry run (plan) decided: it names who
// on stderr, then asks on a terminal. Without a terminal it is a usage
// error naming --yes. A plan that deactivates nobody needs no answer.
func confirmOffboarding(opts *SyncOptions, r *roster, plan Result) error {
	people := plan.offboarded()
	if len(people) == 0 {
		return nil
	}
	users, invites := 0, 0
	for _, p := range people {
		if p.Action == schema.SyncDeactivate {
			users++
		} else {
			invites++
		}
	}
	what := offboardingCount(users, invites)
	w := opts.IO.ErrOut
	fmt.Fprintf(w, "Not in %s, so the sync would %s:\n", r.name, what)
	namePeople(w, people)
	return cmdutil.Confirm(opts.IO, opts.Prompter, false,
		fmt.Sprintf("%s not in %s", what, r.name),
		fmt.Sprintf("Sync %s and %s?", r.name, what))
}

// offboardingCount is "deactivate 2 users and revoke 1 pending invite".
func offboardingCount(users, invites int) string {
	var parts []string
	if users > 0 {
		parts = append(parts, "deactivate "+count(users, "user", "users"))
	}
	if invites > 0 {
		parts = append(parts, "revoke "+count(invites, "pending invite", "pending invites"))
	}
	return strings.Join(parts, " and ")
}

// namePeople lists people to be deactivated or revoked, one a line with
// the server's reason, which says what they lose.
func namePeople(w io.Writer, people []Row) {
	for i, p := range people {
		if i == maxNamed {
			fmt.Fprintf(w, "  and %d more (--dry-run lists them all)\n", len(people)-maxNamed)
			return
		}
		fmt.Fprintf(w, "  %s (%s): %s\n", p.Email, p.Kind, strings.TrimPrefix(p.Reason, "not in the roster: "))
	}
}

// offboarded are the emails of the people the plan deactivates or
// revokes, never nil: the apply that follows a confirmation sends them, and
// the server deactivates or revokes nobody else.
func offboarded(plan Result) []string {
	out := []string{}
	for _, p := range plan.offboarded() {
		out = append(out, p.Email)
	}
	return out
}
