package e2e

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A server given other secrets keys than the database was sealed with does
// not start: it says which key the database needs and how to give it, and
// leaves no key file of its own behind (security finding 6). Meanwhile a
// pending invite's link, which the operator reads from the outbox, is
// nowhere in the SQLite file or its log (finding 2).
func TestServe_OtherSecretsKey_RefusesToStart(t *testing.T) {
	for _, d := range databases {
		t.Run(d.name, func(t *testing.T) {
			s := startServerOn(t, d.url(t))
			s.invitingOrg("acme")
			must(t, s.admin("users", "invite", "--name", "Eve Admin", "--email", "eve@acme.example", "--role", "admin", "--license", "flow"), 0, "invite")
			out := must(t, s.operator("outbox", "list", "--org", "acme"), 0, "outbox list").stdout
			_, after, ok := strings.Cut(out, "/signup?token=")
			token := strings.Fields(after + " ")[0]
			if !ok || !strings.HasPrefix(token, "wsi_") {
				t.Fatalf("no sign-up link in the outbox: %q", out)
			}
			if path, ok := strings.CutPrefix(s.db, "sqlite:"); ok {
				for _, f := range []string{path, path + "-wal"} {
					if b, err := os.ReadFile(f); err == nil && bytes.Contains(b, []byte(token)) {
						t.Errorf("the sign-up token of a pending admin invite is in clear in %s", f)
					}
				}
			}

			other := filepath.Join(t.TempDir(), "other.key")
			r := s.run(bins.workspaced, nil, "", "serve", "--listen", "127.0.0.1:0", "--database", s.db, "--secrets-key-file", other)
			if r.code != 1 || !strings.Contains(r.stderr, "sealed with key") || !strings.Contains(r.stderr, "--secrets-key-file") {
				t.Fatalf("serve with another key file: %s", r)
			}
			if _, err := os.Stat(other); !os.IsNotExist(err) {
				t.Errorf("the refused server left its key file: %v", err)
			}
			// The server with the right keys goes on.
			must(t, s.admin("invites", "list"), 0, "invites list")
		})
	}
}
