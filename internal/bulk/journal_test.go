package bulk

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A journal's entries are the verb's own, not only its file: a journal of
// 'users invite' put where 'users deactivate' looks skips nothing.
func TestJournal_EntriesAreNamespacedByVerb(t *testing.T) {
	f := &File{Path: filepath.Join(t.TempDir(), "p.csv")}
	inv, err := openJournal(f, "users invite", false)
	if err != nil {
		t.Fatal(err)
	}
	if err := inv.record("key-ann", 2, "ann@example.com"); err != nil {
		t.Fatal(err)
	}
	if err := inv.close(); err != nil {
		t.Fatal(err)
	}
	if inv.path != f.Path+".users-invite.wsctl-journal" {
		t.Errorf("journal at %s", inv.path)
	}
	again, err := openJournal(f, "users invite", true)
	if err != nil {
		t.Fatal(err)
	}
	defer again.close()
	if !again.found || !again.has("key-ann") || again.has("key-bob") {
		t.Errorf("resume of the same verb: found %v, ann %v, bob %v", again.found, again.has("key-ann"), again.has("key-bob"))
	}

	b, _ := os.ReadFile(inv.path)
	if strings.Contains(string(b), "key-ann") || !strings.HasSuffix(string(b), "\t2\tann@example.com\n") {
		t.Errorf("journal line %q: want the entry's hash, the line and the email", b)
	}
	if err := os.WriteFile(f.Path+".users-deactivate.wsctl-journal", b, 0o600); err != nil {
		t.Fatal(err)
	}
	deact, err := openJournal(f, "users deactivate", true)
	if err != nil {
		t.Fatal(err)
	}
	defer deact.close()
	if !deact.found || deact.has("key-ann") {
		t.Errorf("a journal of another verb made 'users deactivate' skip a row")
	}
}

// The journal of stdin is in the state directory, named by the input's hash.
func TestJournal_PathsOfStdinAndFiles(t *testing.T) {
	state := t.TempDir()
	t.Setenv("XDG_STATE_HOME", state)
	stdin := &File{Path: Stdin, sum: strings.Repeat("ab", 32)}
	if got, want := journalPaths(stdin, "mfa reset"), filepath.Join(state, "wsctl", "journals", "stdin-abababababababab.mfa-reset.wsctl-journal"); len(got) != 1 || got[0] != want {
		t.Errorf("stdin's journal %v, want %s", got, want)
	}
	file := &File{Path: filepath.Join("dir", "people.csv")}
	got := journalPaths(file, "users edit")
	if len(got) != 2 || got[0] != filepath.Join("dir", "people.csv.users-edit.wsctl-journal") ||
		!strings.HasPrefix(got[1], filepath.Join(state, "wsctl", "journals", "people.csv-")) || !strings.HasSuffix(got[1], ".users-edit.wsctl-journal") {
		t.Errorf("a file's journals %v", got)
	}
}
