package authstore

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestFile_IsMode0600AndRoundTrips(t *testing.T) {
	f := &File{Dir: filepath.Join(t.TempDir(), "state", "wsctl", "tokens")}
	e := &Entry{Host: "http://127.0.0.1:8080", Kind: KindOAuth, RefreshToken: "r1", AccessToken: "a1", User: "ann@example.com"}
	key := Key(e.Host, "")
	if err := f.Set(key, e); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(f.Path(key))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("file mode %v, want 0600", fi.Mode().Perm())
	}
	if di, _ := os.Stat(f.Dir); di.Mode().Perm() != 0o700 {
		t.Errorf("dir mode %v, want 0700", di.Mode().Perm())
	}
	got, err := f.Get(key)
	if err != nil || got.RefreshToken != "r1" || got.User != "ann@example.com" {
		t.Fatalf("get: %v %+v", err, got)
	}
	// Rewriting keeps the mode (a new file renamed into place).
	e.RefreshToken = "r2"
	if err := f.Set(key, e); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(f.Path(key)); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode after rewrite %v", fi.Mode().Perm())
	}
	entries, _ := os.ReadDir(f.Dir)
	if len(entries) != 1 {
		t.Errorf("temporary files left: %v", entries)
	}
	if err := f.Delete(key); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Get(key); !errors.Is(err, ErrNotFound) {
		t.Errorf("after delete: %v", err)
	}
	if err := f.Delete(key); err != nil {
		t.Errorf("deleting nothing: %v", err)
	}
}

func TestFile_SeveralHostsAndProfiles(t *testing.T) {
	f := &File{Dir: t.TempDir()}
	entries := []*Entry{
		{Host: "http://a:1", Kind: KindOAuth, RefreshToken: "ra"},
		{Host: "http://a:1", Profile: "staging", Kind: KindOAuth, RefreshToken: "ras"},
		{Host: "http://b:2", Kind: KindAPIToken, AccessToken: "wsp_b"},
	}
	for _, e := range entries {
		if err := f.Set(Key(e.Host, e.Profile), e); err != nil {
			t.Fatal(err)
		}
	}
	for _, e := range entries {
		got, err := f.Get(Key(e.Host, e.Profile))
		if err != nil || got.RefreshToken != e.RefreshToken || got.AccessToken != e.AccessToken {
			t.Errorf("%s: %v %+v", Key(e.Host, e.Profile), err, got)
		}
	}
}
