package secrets

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSeal_OpensWhereSealed_NotElsewhere(t *testing.T) {
	r := Ephemeral()
	sealed := r.Seal("credentials.totp_secret:usr_1", "JBSWY3DPEHPK3PXP")
	if !IsSealed(sealed) || strings.Contains(sealed, "JBSWY3DPEHPK3PXP") || KeyIDOf(sealed) != r.Current().ID() {
		t.Fatalf("sealed %q", sealed)
	}
	if plain, err := r.Open("credentials.totp_secret:usr_1", sealed); err != nil || plain != "JBSWY3DPEHPK3PXP" {
		t.Fatalf("Open = %q, %v", plain, err)
	}
	// Copied to another user's row, it does not open.
	if _, err := r.Open("credentials.totp_secret:usr_2", sealed); !errors.Is(err, ErrDamaged) {
		t.Fatalf("opened for another row: %v", err)
	}
	// Changed, it does not open.
	tampered := sealed[:len(sealed)-2] + "AA"
	if _, err := r.Open("credentials.totp_secret:usr_1", tampered); !errors.Is(err, ErrDamaged) {
		t.Fatalf("opened a changed value: %v", err)
	}
	// The same plain text seals differently each time (a fresh nonce).
	if r.Seal("x", "same") == r.Seal("x", "same") {
		t.Fatal("two seals of one value are equal")
	}
}

func TestOpen_PlainTextPassesThrough(t *testing.T) {
	if plain, err := Ephemeral().Open("x", "not sealed yet"); err != nil || plain != "not sealed yet" {
		t.Fatalf("Open(plain) = %q, %v", plain, err)
	}
}

func TestOpen_AnotherKey_NamesIt(t *testing.T) {
	a, b := Ephemeral(), Ephemeral()
	_, err := b.Open("x", a.Seal("x", "secret"))
	var unknown *UnknownKeyError
	if !errors.As(err, &unknown) || unknown.ID != a.Current().ID() || !strings.Contains(err.Error(), b.Current().ID()) {
		t.Fatalf("Open with another key: %v", err)
	}
}

func TestKeyring_NewestSeals_AllOpen(t *testing.T) {
	old, fresh := NewKey(), NewKey()
	before, _ := NewKeyring(old)
	both, _ := NewKeyring(old, fresh)
	sealedBefore := before.Seal("x", "one")
	if got, err := both.Open("x", sealedBefore); err != nil || got != "one" {
		t.Fatalf("old value with both keys: %q, %v", got, err)
	}
	if id := KeyIDOf(both.Seal("x", "two")); id != fresh.ID() {
		t.Fatalf("sealed with %s, want the newest %s", id, fresh.ID())
	}
}

func TestKeyFile_CreatedOwnerOnly_ReadBack_Rewritten(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "secrets.key")
	r, created, err := LoadOrCreateFile(path)
	if err != nil || !created {
		t.Fatalf("LoadOrCreateFile: %v, created %v", err, created)
	}
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v, %v", st.Mode(), err)
	}
	again, created, err := LoadOrCreateFile(path)
	if err != nil || created || again.Current().ID() != r.Current().ID() {
		t.Fatalf("second load: %v, created %v", err, created)
	}
	fresh := NewKey()
	if err := WriteFile(path, append(r.Keys(), fresh)); err != nil {
		t.Fatal(err)
	}
	both, err := LoadFile(path)
	if err != nil || strings.Join(both.IDs(), ",") != r.Current().ID()+","+fresh.ID() {
		t.Fatalf("after WriteFile: %v %v", both, err)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Fatalf("rewritten key file mode %v", st.Mode())
	}
}

func TestParseKeys_RefusesBadKeys(t *testing.T) {
	for _, text := range []string{"", "# only a comment\n", "bm90IDMyIGJ5dGVz", "not base64 at all!"} {
		if _, err := ParseKeys(text); err == nil {
			t.Errorf("ParseKeys(%q) succeeded", text)
		}
	}
	k, k2 := NewKey(), NewKey()
	// WORKSPACED_SECRETS_KEY holds them on one line.
	oneLine := strings.Join(strings.Fields(strings.Join(nonComments(FormatKeys([]Key{k, k2})), " ")), " ")
	keys, err := ParseKeys(oneLine)
	if err != nil || len(keys) != 2 || keys[1].ID() != k2.ID() {
		t.Fatalf("keys on one line: %v %v", keys, err)
	}
	keys, err = ParseKeys(FormatKeys([]Key{k}))
	if err != nil || len(keys) != 1 || keys[0].ID() != k.ID() {
		t.Fatalf("round trip: %v %v", keys, err)
	}
}

func nonComments(text string) []string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	return out
}

func TestCreateFile_NeverOverAnExistingOne(t *testing.T) {
	path := filepath.Join(t.TempDir(), "secrets.key")
	if _, err := CreateFile(path); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(path)
	if _, err := CreateFile(path); !errors.Is(err, os.ErrExist) {
		t.Fatalf("second CreateFile: %v", err)
	}
	if after, _ := os.ReadFile(path); string(after) != string(before) {
		t.Fatal("the key file changed")
	}
	if entries, _ := os.ReadDir(filepath.Dir(path)); len(entries) != 1 {
		t.Fatalf("left behind: %v", entries)
	}
}
