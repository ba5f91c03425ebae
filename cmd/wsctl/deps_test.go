package main

import (
	"os/exec"
	"strings"
	"testing"
)

// Go runs the init of every linked package at every start, whether a
// command uses it or not, so a server package or a heavy library reached
// through some import costs every 'wsctl --version' (bench/README.md,
// "Start-up, measured"). These tests keep them out.

const module = "github.com/wsctl/wsctl/"

// wsctlParts are the project's packages wsctl is made of (with the
// packages below them); every other package of the project is the server's.
var wsctlParts = []string{"cmd/wsctl", "internal/cli", "internal/client", "internal/bulk", "internal/api/schema"}

// notInWsctl are other modules' packages (with the packages below them)
// that wsctl must not link, and why.
var notInWsctl = []struct{ path, why string }{
	{"modernc.org", "SQLite is the server's"},
	{"github.com/jackc", "PostgreSQL is the server's"},
	{"golang.org/x/crypto/argon2", "password hashing is the server's"},
	{"github.com/pquerna/otp", "MFA is the server's"},
	{"github.com/pressly/goose", "migrations are the server's"},
	{"github.com/prometheus", "metrics are the server's"},
	{"github.com/tsenart/vegeta", "the load benchmark's"},
	{"github.com/olekukonko/tablewriter", "replaced by cmdutil's padding: its init cost every start"},
	{"github.com/spf13/viper", "replaced by reading the config file with yaml.v3: its dependencies' inits cost every start"},
	{"github.com/dustin/go-humanize", "replaced by cmdutil's relTime and GroupDigits: its init cost every start"},
	{"html/template", "its init cost every start for one page of 'wsctl auth login'"},
	{"encoding/xml", "its init (the HTML entity table) cost every start for the JUnit report of 'licenses audit', written by hand"},
}

// under is true when pkg is path or a package below it.
func under(pkg, path string) bool { return pkg == path || strings.HasPrefix(pkg, path+"/") }

// whyNot says why wsctl must not link pkg, or "" when it may.
func whyNot(pkg string) string {
	if own, ok := strings.CutPrefix(pkg, module); ok {
		for _, part := range wsctlParts {
			if under(own, part) {
				return ""
			}
		}
		return "a package of the server (wsctl is made of " + strings.Join(wsctlParts, ", ") + ")"
	}
	for _, n := range notInWsctl {
		if under(pkg, n.path) {
			return n.why
		}
	}
	return ""
}

// linked lists the packages the main package in dir links.
func linked(t *testing.T, dir string) []string {
	t.Helper()
	out, err := exec.Command("go", "list", "-deps", dir).Output()
	if err != nil {
		t.Fatalf("go list -deps %s: %v", dir, err)
	}
	return strings.Fields(string(out))
}

func TestWsctlLinksNoServerPackage(t *testing.T) {
	for _, pkg := range linked(t, ".") {
		if why := whyNot(pkg); why != "" {
			t.Errorf("wsctl links %s: %s", pkg, why)
		}
	}
}

// The check finds what it looks for: workspaced links the server's packages.
func TestWhyNot_RefusesWhatWorkspacedLinks(t *testing.T) {
	refused := map[string]bool{}
	for _, pkg := range linked(t, "../workspaced") {
		if whyNot(pkg) != "" {
			refused[pkg] = true
		}
	}
	for _, pkg := range []string{module + "internal/workspace", module + "internal/api", module + "internal/store/sqlite", module + "internal/authserver", "modernc.org/sqlite", "github.com/jackc/pgx/v5"} {
		if !refused[pkg] {
			t.Errorf("the check lets %s through, which only workspaced links", pkg)
		}
	}
	for _, pkg := range []string{module + "internal/api/schema", module + "internal/cli/root", "modernc.orgx/y"} {
		if why := whyNot(pkg); why != "" {
			t.Errorf("%s is refused (%s), but wsctl may link it", pkg, why)
		}
	}
	if whyNot(module+"internal/clientx") == "" {
		t.Errorf("internal/clientx is let through: a name that begins like a part of wsctl is not that part")
	}
}
