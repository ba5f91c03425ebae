package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
)

// jsonKeys decodes a JSON array of objects and returns the keys of the first.
func jsonArray(t *testing.T, r result) []map[string]any {
	t.Helper()
	var items []map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &items); err != nil {
		t.Fatalf("stdout is not a JSON array: %v\n%s", err, r)
	}
	return items
}

func hasKeys(t *testing.T, what string, obj map[string]any, keys ...string) {
	t.Helper()
	for _, k := range keys {
		if _, ok := obj[k]; !ok {
			t.Errorf("%s JSON lacks %q (contract of SPEC §4): %v", what, k, obj)
		}
	}
}

func TestStory_InviteLimitDeactivateActivateAudit(t *testing.T) {
	onEachDatabase(t, storyInviteLimitDeactivateActivateAudit)
}

func storyInviteLimitDeactivateActivateAudit(t *testing.T, db string) {
	s := startServerOn(t, db)
	s.adminTok = s.createOrg("acme")

	// R2: a new org has automatic sign-up on, and invites are refused.
	r := must(t, s.admin("signup-mode", "status", "-o", "json"), 0, "status")
	if !strings.Contains(r.stdout, `"auto_signup": true`) && !strings.Contains(r.stdout, `"auto_signup":true`) {
		t.Errorf("signup-mode status -o json = %s", r.stdout)
	}
	r = must(t, s.admin("users", "invite", "--name", "Grace Hopper", "--email", "grace@acme.example", "--role", "user", "--license", "flow"), 1, "invite while signup on (R2)")
	if !strings.Contains(r.stderr, "wsctl signup-mode off") {
		t.Errorf("R2 message must say how to turn sign-up off: %s", r.stderr)
	}
	// R3: without a terminal and without --yes, refuse rather than guess.
	must(t, s.admin("signup-mode", "off"), 2, "signup-mode off without --yes (R3)")
	r = must(t, s.admin("signup-mode", "status", "-o", "json"), 0, "status")
	if !strings.Contains(strings.ReplaceAll(r.stdout, " ", ""), `"auto_signup":true`) {
		t.Fatalf("R3: the mode changed without confirmation: %s", r.stdout)
	}
	must(t, s.admin("signup-mode", "off", "--yes"), 0, "signup-mode off --yes")

	// R1 + R4 through the CSV: one bad row, one row beyond the pool; exit 3.
	csv := filepath.Join(t.TempDir(), "users.csv")
	os.WriteFile(csv, []byte("\ufeffname,email,roles,licenses\r\n"+
		"Grace Hopper,grace@acme.example,manager;user,parallel-dialer|flow\r\n"+
		"Alan Turing,alan@acme.example,user,parallel-dialer\r\n"+
		"\"Katherine Johnson\",katherine@acme.example,user,parallel-dialer\r\n"+
		"Edsger Dijkstra,edsger@acme.example,user,parallel-dialer\r\n"+
		"Barbara Liskov,barbara@acme,user,flow\r\n"), 0o600)
	r = must(t, s.admin("users", "invite", "--csv", csv), 3, "csv invite with failures")
	for _, want := range []string{"line 5", "edsger@acme.example", "no parallel-dialer license left: 3 of 3 in use", "line 6", "barbara@acme", "that was the last parallel-dialer license"} {
		if !strings.Contains(r.stderr+r.stdout, want) {
			t.Errorf("csv output lacks %q:\n%s", want, r)
		}
	}
	// Re-running the same file invites nobody twice.
	r = s.admin("users", "invite", "--csv", csv)
	invites := jsonArray(t, must(t, s.admin("invites", "list", "-o", "json"), 0, "invites list"))
	if len(invites) != 3 {
		t.Fatalf("after two runs of the same CSV, %d pending invites, want 3:\n%s", len(invites), r)
	}
	hasKeys(t, "invite", invites[0], "id", "name", "email", "roles", "licenses", "status", "expires_at", "created_at")

	pools := jsonArray(t, must(t, s.admin("licenses", "show", "-o", "json"), 0, "licenses show"))
	for _, p := range pools {
		hasKeys(t, "license pool", p, "product", "name", "total", "assigned", "reserved", "available")
		if p["product"] == "parallel-dialer" && (p["reserved"] != 3.0 || p["available"] != 0.0) {
			t.Errorf("parallel-dialer pool = %v, want 3 reserved, 0 available", p)
		}
	}
	// R4 on a single invite: refused with the counts.
	r = must(t, s.admin("users", "invite", "--name", "Late Comer", "--email", "late@acme.example", "--role", "user", "--license", "parallel-dialer"), 1, "invite beyond the pool")
	if !strings.Contains(r.stderr, "no parallel-dialer license left: 3 of 3 in use") {
		t.Errorf("R4 message: %s", r.stderr)
	}

	// R9/R10 on an imported user.
	must(t, s.operator("user", "add", "--org", "acme", "--name", "Bob Ray", "--email", "bob@acme.example", "--role", "user", "--license", "flow"), 0, "user add")
	users := jsonArray(t, must(t, s.admin("users", "list", "-o", "json"), 0, "users list"))
	hasKeys(t, "user", users[0], "id", "name", "email", "roles", "licenses", "active", "call_recording", "mfa_enrolled", "created_at", "updated_at", "last_sign_in_at")
	must(t, s.admin("users", "deactivate", "bob@acme.example"), 2, "deactivate without --yes and no terminal")
	must(t, s.admin("users", "deactivate", "bob@acme.example", "--yes"), 0, "deactivate")
	r = must(t, s.admin("users", "list", "-o", "json"), 0, "list active")
	if strings.Contains(r.stdout, "bob@acme.example") {
		t.Error("R11: users list shows an inactive user by default")
	}
	r = must(t, s.admin("users", "list", "--inactive", "-o", "json"), 0, "list inactive")
	if !strings.Contains(r.stdout, "bob@acme.example") || strings.Contains(r.stdout, "ada@acme.example") {
		t.Errorf("R11 --inactive: %s", r.stdout)
	}
	must(t, s.admin("users", "deactivate", "ada@acme.example", "--yes"), 1, "self-deactivation (R9)")
	must(t, s.admin("users", "activate", "bob@acme.example"), 2, "activate without --license and no terminal")
	must(t, s.admin("users", "activate", "bob@acme.example", "--license", "parallel-dialer"), 1, "activate on an exhausted pool (R10+R4)")
	must(t, s.admin("users", "activate", "bob@acme.example", "--license", "flow"), 0, "activate")

	// R8: edit through ETag/If-Match.
	r = must(t, s.admin("users", "edit", "bob@acme.example", "--name", "Robert Ray", "--add-role", "manager", "--call-recording", "on", "-o", "json"), 0, "edit")
	var bob map[string]any
	json.Unmarshal([]byte(r.stdout), &bob)
	if bob["name"] != "Robert Ray" || bob["call_recording"] != true || !strings.Contains(fmt.Sprint(bob["roles"]), "manager") {
		t.Errorf("edited user = %v", bob)
	}

	// R12.
	must(t, s.admin("mfa", "reset", "bob@acme.example"), 2, "mfa reset without --yes and no terminal")
	must(t, s.admin("mfa", "reset", "bob@acme.example", "--yes"), 0, "mfa reset")

	// R14: every change is in the audit log, with the contract's fields.
	events := jsonArray(t, must(t, s.admin("audit", "list", "-o", "json"), 0, "audit list"))
	hasKeys(t, "audit event", events[0], "id", "at", "actor", "action", "target", "before", "after", "request_id")
	var actions []string
	for _, e := range events {
		actions = append(actions, fmt.Sprint(e["action"]))
	}
	for _, want := range []string{"org.created", "signup_mode.changed", "invite.created", "user.added", "user.deactivated", "user.activated", "user.edited", "user.mfa_reset"} {
		if !slices.Contains(actions, want) {
			t.Errorf("audit log lacks %s: %v", want, actions)
		}
	}
	r = must(t, s.admin("audit", "list", "--action", "user.deactivated", "-o", "json"), 0, "audit filter")
	if n := len(jsonArray(t, r)); n != 1 {
		t.Errorf("audit --action user.deactivated: %d events", n)
	}

	// --fail-above: a CI license audit fails the build with exit 3.
	must(t, s.admin("licenses", "show", "--fail-above", "90"), 3, "fail-above")
	must(t, s.admin("licenses", "show", "--product", "agent-dialer", "--fail-above", "90"), 0, "fail-above under")
}

func TestExitCodes_AuthAndUsage_R13(t *testing.T) {
	onEachDatabase(t, exitCodesAuthAndUsage)
}

func exitCodesAuthAndUsage(t *testing.T, db string) {
	s := startServerOn(t, db)
	s.invitingOrg("acme")
	r := must(t, s.wsctl("", "users", "list"), 4, "no token")
	if !strings.Contains(r.stderr, "WSCTL_TOKEN") {
		t.Errorf("not-signed-in message must name WSCTL_TOKEN: %s", r.stderr)
	}
	must(t, s.wsctl("wsp_forged", "users", "list"), 4, "bad token")
	must(t, s.admin("users", "invite", "--name", "Ann"), 2, "missing flags without a terminal")
	must(t, s.admin("users", "list", "--bogus"), 2, "unknown flag")
	must(t, s.admin("users", "invite", "--name", "Ann 2", "--email", "ann@acme.example", "--role", "user", "--license", "flow"), 1, "bad name (R1)")

	// A licenses:read token (CI audit) reads pools and cannot invite.
	r = must(t, s.admin("tokens", "create", "--name", "ci audit", "--scope", "licenses:read"), 0, "tokens create")
	ro := strings.TrimSpace(r.stdout)
	if !strings.HasPrefix(ro, "wsp_") {
		t.Fatalf("tokens create must print the secret alone when piped: %q", r.stdout)
	}
	must(t, s.wsctl(ro, "licenses", "show", "-o", "json"), 0, "read-only token reads licenses")
	must(t, s.wsctl(ro, "users", "invite", "--name", "Ann", "--email", "ann@acme.example", "--role", "user", "--license", "flow"), 4, "read-only token invites (R13)")
	must(t, s.wsctl(ro, "users", "list"), 4, "read-only token lists users (R13)")

	// Another org's admin sees none of acme's users.
	other := s.createOrg("other")
	must(t, s.wsctl(other, "users", "show", "ada@acme.example"), 1, "other org reads acme's admin")
	r = must(t, s.wsctl(other, "users", "list", "--all", "-o", "json"), 0, "other org lists")
	if strings.Contains(r.stdout, "acme.example\"") && strings.Contains(r.stdout, "ada@acme.example") {
		t.Errorf("R13: another org's list shows acme's users: %s", r.stdout)
	}

	// Revoking the token takes effect at once.
	toks := jsonArray(t, must(t, s.admin("tokens", "list", "-o", "json"), 0, "tokens list"))
	var id string
	for _, tok := range toks {
		if tok["name"] == "ci audit" {
			id = fmt.Sprint(tok["id"])
		}
		if _, ok := tok["token"]; ok {
			t.Error("tokens list must never show a secret")
		}
	}
	must(t, s.admin("tokens", "revoke", id), 0, "tokens revoke")
	must(t, s.wsctl(ro, "licenses", "show"), 4, "revoked token")
}

func TestDeactivatedUsersTokenStopsAtOnce_R9(t *testing.T) {
	s := startServer(t)
	s.invitingOrg("acme")
	must(t, s.operator("user", "add", "--org", "acme", "--name", "Bob Ray", "--email", "bob@acme.example", "--role", "admin", "--license", "flow"), 0, "user add")
	bob := strings.TrimSpace(must(t, s.operator("token", "issue", "--org", "acme", "--email", "bob@acme.example", "--scope", "users:read,licenses:read"), 0, "token issue").stdout)
	must(t, s.wsctl(bob, "users", "list"), 0, "bob lists users")
	must(t, s.admin("users", "deactivate", "bob@acme.example", "--yes"), 0, "deactivate bob")
	must(t, s.wsctl(bob, "users", "list"), 4, "deactivated bob's token")
}

func TestConcurrentInvitesThroughTheCLI_R4(t *testing.T) {
	s := startServer(t, "--rate-limit", "0")
	s.invitingOrg("acme")
	const n = 50
	var wg sync.WaitGroup
	codes := make([]int, n)
	for i := range n {
		wg.Go(func() {
			r := s.admin("users", "invite", "--name", "Racer", "--email", fmt.Sprintf("racer%02d@acme.example", i), "--role", "user", "--license", "parallel-dialer")
			codes[i] = r.code
		})
	}
	wg.Wait()
	won := 0
	for _, c := range codes {
		switch c {
		case 0:
			won++
		case 1:
		default:
			t.Errorf("unexpected exit %d", c)
		}
	}
	if won != 3 {
		t.Errorf("%d of %d concurrent wsctl invites won a pool of 3, want exactly 3", won, n)
	}
}

func TestOperatorCommands(t *testing.T) {
	s := startServer(t)
	s.invitingOrg("acme")
	must(t, s.operator("org", "set-licenses", "--org", "acme", "--product", "flow", "--total", "-1"), 1, "negative total")
	must(t, s.operator("org", "set-licenses", "--org", "acme", "--product", "flow", "--total", "10"), 0, "set-licenses")
	pools := jsonArray(t, must(t, s.admin("licenses", "show", "--product", "flow", "-o", "json"), 0, "show"))
	if len(pools) != 1 || pools[0]["total"] != 10.0 {
		t.Errorf("after set-licenses: %v", pools)
	}
	must(t, s.operator("org", "create", "--slug", "acme", "--name", "Dup", "--admin-name", "X", "--admin-email", "x@x.example"), 1, "duplicate slug")
	must(t, s.operator("org", "create", "--slug", "x"), 2, "missing flags")
	must(t, s.operator("migrate"), 0, "migrate")
	must(t, s.admin("users", "invite", "--name", "Ann Lee", "--email", "ann@acme.example", "--role", "user", "--license", "flow"), 0, "invite")
	r := must(t, s.operator("outbox", "list", "--org", "acme"), 0, "outbox list")
	if !strings.Contains(r.stdout, "ann@acme.example\tpending\t0\t") || !strings.Contains(r.stdout, "/signup?token=wsi_") {
		t.Errorf("outbox list without --smtp: the email stays pending with its link: %s", r.stdout)
	}
	must(t, s.operator("outbox", "list", "--org", "acme", "--status", "bogus"), 2, "outbox list --status bogus")
	must(t, s.operator("org", "set-licenses", "--org", "acme", "--product", "flow", "--total", "0"), 1, "below used (R5)")
}
