package authstore_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/wsctl/wsctl/internal/cli/authstore"
	"github.com/wsctl/wsctl/internal/cli/authstore/authstoretest"
)

// TestKeyring_Real uses the OS keyring for real: run it through
// scripts/with-keyring.sh (make test-keyring), which starts a private D-Bus
// session with an unlocked gnome-keyring. Without a reachable keyring it
// skips, except under CI=true.
func TestKeyring_Real(t *testing.T) {
	k := authstore.NewKeyring()
	authstoretest.RequireKeyring(t, k)
	entries := []*authstore.Entry{
		{Host: "https://ws.example.com", Kind: authstore.KindOAuth, AccessToken: strings.Repeat("a", 1200), RefreshToken: strings.Repeat("r", 256), User: "ann@example.com", Org: "acme"},
		{Host: "http://127.0.0.1:8080", Kind: authstore.KindOAuth, RefreshToken: "r-local", AccessToken: "a-local", User: "ann@example.com"},
		{Host: "http://127.0.0.1:8080", Profile: "staging", Kind: authstore.KindAPIToken, AccessToken: "wsp_staging"},
	}
	for _, e := range entries {
		key := authstore.Key(e.Host, e.Profile)
		t.Cleanup(func() { _ = k.Delete(key) })
		if err := k.Set(key, e); err != nil {
			t.Fatalf("set %s: %v", key, err)
		}
	}
	for _, e := range entries {
		got, err := k.Get(authstore.Key(e.Host, e.Profile))
		if err != nil || got.RefreshToken != e.RefreshToken || got.AccessToken != e.AccessToken || got.User != e.User {
			t.Errorf("get %s: %v %+v", authstore.Key(e.Host, e.Profile), err, got)
		}
	}
	e := entries[1]
	e.RefreshToken = "r-rotated"
	if err := k.Set(authstore.Key(e.Host, ""), e); err != nil {
		t.Fatal(err)
	}
	if got, _ := k.Get(authstore.Key(e.Host, "")); got == nil || got.RefreshToken != "r-rotated" {
		t.Errorf("overwrite: %+v", got)
	}
	if err := k.Delete(authstore.Key(e.Host, "")); err != nil {
		t.Fatal(err)
	}
	if _, err := k.Get(authstore.Key(e.Host, "")); !errors.Is(err, authstore.ErrNotFound) {
		t.Errorf("after delete: %v", err)
	}
	if got, err := k.Get(authstore.Key(e.Host, "staging")); err != nil || got.AccessToken != "wsp_staging" {
		t.Errorf("the other profile went too: %v", err)
	}
}
