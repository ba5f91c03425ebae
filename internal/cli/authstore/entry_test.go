package authstore

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

// bigEntry is an entry at the upper end of what a sign-in holds: a long
// JWT-sized access token (workspaced's are 43-character opaque strings), a
// long refresh token, a long email and every scope.
func bigEntry() *Entry {
	return &Entry{
		Host:         "https://workspace-user-management.eu-central-1.example.com:8443",
		Profile:      "production-eu",
		Kind:         KindOAuth,
		AccessToken:  strings.Repeat("a", 1200),
		RefreshToken: strings.Repeat("r", 256),
		Expiry:       time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		User:         strings.Repeat("x", 64) + "@" + strings.Repeat("d", 60) + ".example.com",
		Org:          strings.Repeat("o", 64),
		Scopes:       []string{"users:read", "users:write", "licenses:read", "settings:write", "mfa:reset", "audit:read"},
	}
}

// Windows Credential Manager refuses secrets above 2,560 bytes (auth0/auth0-cli#645).
func TestEncode_EntryFitsTheWindowsCap(t *testing.T) {
	b, err := Encode(bigEntry())
	if err != nil {
		t.Fatal(err)
	}
	if len(b) >= MaxEntryBytes {
		t.Fatalf("entry is %d bytes, want < %d", len(b), MaxEntryBytes)
	}
	got, err := Decode(b)
	if err != nil || got.AccessToken != bigEntry().AccessToken || !got.Expiry.Equal(bigEntry().Expiry) {
		t.Fatalf("round trip: %v %+v", err, got)
	}
	// A typical workspaced sign-in is far smaller.
	typical := &Entry{Host: "http://127.0.0.1:8080", Kind: KindOAuth, AccessToken: strings.Repeat("a", 43),
		RefreshToken: strings.Repeat("r", 43), Expiry: time.Now(), User: "ann@example.com", Org: "acme",
		Scopes: bigEntry().Scopes}
	if b, _ := Encode(typical); len(b) > 512 {
		t.Errorf("typical entry is %d bytes", len(b))
	}
}

func TestEncode_TooLargeDropsTheAccessTokenThenRefuses(t *testing.T) {
	e := bigEntry()
	e.AccessToken = strings.Repeat("a", 3000)
	b, err := Encode(e)
	if err != nil {
		t.Fatal(err)
	}
	var got Entry
	_ = json.Unmarshal(b, &got)
	if len(b) > MaxEntryBytes || got.AccessToken != "" || !got.Expiry.IsZero() || got.RefreshToken != e.RefreshToken {
		t.Errorf("%d bytes, entry %+v: want the refresh token kept and the access token dropped", len(b), got)
	}
	e.RefreshToken = strings.Repeat("r", 3000)
	if _, err := Encode(e); !errors.Is(err, ErrEntryTooLarge) {
		t.Errorf("err %v, want ErrEntryTooLarge", err)
	}
}

func TestKey_HostAndProfile(t *testing.T) {
	if Key("http://127.0.0.1:8080", "") != "http://127.0.0.1:8080" || Key("http://h", "staging") != "http://h#staging" {
		t.Error("keys")
	}
	if hashKey("a") == hashKey("b") || len(hashKey("a")) != 16 {
		t.Error("hash")
	}
}
