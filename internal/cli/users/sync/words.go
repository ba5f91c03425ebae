package sync

import (
	"strconv"
	"strings"

	"github.com/wsctl/wsctl/internal/api/schema"
)

// done is how a table on a terminal names an action once it is done ("",
// false for the others); a dry run's table, JSON, CSV and --report keep the
// server's names. (A switch, not a map built at init: wsctl runs no init
// work of its own at start.)
func done(action string) (string, bool) {
	switch action {
	case schema.SyncInvite:
		return "invited", true
	case schema.SyncUpdate:
		return "updated", true
	case schema.SyncActivate:
		return "activated", true
	case schema.SyncDeactivate:
		return "deactivated", true
	case schema.SyncRevoke:
		return "revoked", true
	}
	return "", false
}

// actionWords names an action for people: "invited" once done, "invite"
// in a dry run, "not in roster" rather than not_in_roster.
func actionWords(action string, dryRun bool) string {
	if w, ok := done(action); ok && !dryRun {
		return w
	}
	return plainAction(action)
}

// plainAction is an action's name in words: "not in roster".
func plainAction(action string) string { return strings.ReplaceAll(action, "_", " ") }

// count says n things: "1 user", "2 users".
func count(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

// lineOf names a row in messages: "line 4 ann@example.com", or the email
// alone for a person missing from the roster.
func lineOf(r Row) string {
	switch {
	case r.Line == nil:
		return r.Email
	case r.Email == "":
		return "line " + strconv.Itoa(*r.Line)
	}
	return "line " + strconv.Itoa(*r.Line) + " " + r.Email
}
